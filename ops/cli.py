"""`leave-ops`: the operators' command (installed with the project: pyproject's
[project.scripts]).

`leave-ops [--sandbox DIR | --stack NAME] COMMAND ...`. The global options choose the target
(ops/target.py), resolved when a command first asks for it (so `--help` needs neither). Each
module under ops/commands/ registers its commands on `app`; adding one is one import below.
"""

from pathlib import Path
from typing import Annotated

import typer

from ops.output import operator_errors
from ops.target import Target, sandbox_target, stack_target

app = typer.Typer(
    name="leave-ops",
    help="Operate the leave-approval service: find, read, export and steer requests.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

DEFAULT_SANDBOX = Path(".sandbox")


class TargetChoice:
    """The target the global options name, resolved once, on first use."""

    def __init__(self, sandbox: Path, stack: str | None) -> None:
        self.sandbox = sandbox
        self.stack = stack
        self._target: Target | None = None

    def resolve(self) -> Target:
        if self._target is None:
            self._target = stack_target(self.stack) if self.stack else sandbox_target(self.sandbox)
        return self._target


@app.callback()
def choose_target(
    context: typer.Context,
    sandbox: Annotated[
        Path,
        typer.Option(help="The sandbox's data dir (its outputs.json names its endpoints)."),
    ] = DEFAULT_SANDBOX,
    stack: Annotated[
        str | None,
        typer.Option(
            help="A deployed Pulumi stack: its outputs, with your AWS credentials.",
            show_default=False,
        ),
    ] = None,
) -> None:
    # A test hands the app a target of its own (CliRunner.invoke(app, ..., obj=target)).
    if not isinstance(context.obj, Target):
        context.obj = TargetChoice(sandbox, stack)


def target_of(context: typer.Context) -> Target:
    """The target of the command being run."""
    found = context.find_root().obj
    if isinstance(found, Target):
        return found
    assert isinstance(found, TargetChoice)
    with operator_errors():
        return found.resolve()
    raise AssertionError("unreachable")  # operator_errors exits on every failure


# The commands: each module registers its own on `app`.
from ops.commands import actions, keys, reading  # noqa: E402, F401


def main() -> None:
    app()
