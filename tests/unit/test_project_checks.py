"""The pre-commit hooks run the very commands of `make lint` and `make typecheck`, read from
both files: a commit its hooks pass is one the Makefile's checks pass, and neither file can
change its checks without the other."""

import re
import shlex
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]
# The Makefile's targets whose commands the hooks run.
CHECKS = ("lint", "typecheck")

_ASSIGNMENT = re.compile(r"^(?:export\s+)?(\w+)\s*(?::=|\?=|=)\s*(.*)$")
_REFERENCE = re.compile(r"\$\((\w+)\)")


def _expanded(text: str, variables: dict[str, str]) -> str:
    while _REFERENCE.search(text):
        text = _REFERENCE.sub(lambda name: variables[name[1]], text)
    return text.replace("$$", "$")


def make_commands(target: str) -> list[list[str]]:
    """The commands of `target`'s own recipe (not its prerequisites'), as make runs them: the
    Makefile's variables expanded, a line ending in a backslash joined to the next, without
    make's `@` and `-` prefixes."""
    lines = (ROOT / "Makefile").read_text().splitlines()
    variables = {m[1]: m[2].strip() for m in map(_ASSIGNMENT.match, lines) if m}
    start = next(i for i, line in enumerate(lines) if re.match(rf"^{target}\s*:(?!=)", line))
    recipe: list[str] = []
    for line in lines[start + 1 :]:
        if not line.startswith("\t"):
            break
        recipe.append(line.strip())
    commands = "\n".join(recipe).replace("\\\n", " ").splitlines()
    return [shlex.split(_expanded(c.lstrip("@-"), variables)) for c in commands]


def _hooks() -> list[dict[str, Any]]:
    config: dict[str, Any] = yaml.safe_load((ROOT / ".pre-commit-config.yaml").read_text())
    return [{**hook, "repo": repo["repo"]} for repo in config["repos"] for hook in repo["hooks"]]


def test_the_hooks_run_the_projects_own_tools_so_they_work_offline() -> None:
    hooks = _hooks()

    assert hooks
    for hook in hooks:
        # A local hook of the system language runs its entry as it is: pre-commit fetches
        # nothing and builds no environment of its own.
        assert (hook["repo"], hook["language"]) == ("local", "system"), hook["id"]


def test_the_hooks_run_the_commands_of_make_lint_and_make_typecheck() -> None:
    expected = [command for target in CHECKS for command in make_commands(target)]
    hooks = _hooks()

    assert all(make_commands(target) for target in CHECKS), "the Makefile's checks were not read"
    for hook in hooks:
        # Handed the staged files, a hook would check only those, where the Makefile checks
        # the project (and mypy every file pyproject.toml names).
        assert hook.get("pass_filenames") is False, hook["id"]
    commands = [shlex.split(hook["entry"]) + list(hook.get("args", [])) for hook in hooks]
    assert sorted(commands) == sorted(expected)
