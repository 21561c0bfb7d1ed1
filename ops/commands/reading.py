"""The commands that read: `list`, `show`, `export`; and those that steer an execution:
`pause`, `resume`, `stop`."""

import typer

from ops.cli import app, target_of
from ops.output import operator_command, say


@app.command("whoami")
@operator_command
def whoami(context: typer.Context) -> None:
    """Which stack this reaches (a check that the target resolves)."""
    say(target_of(context).description)
