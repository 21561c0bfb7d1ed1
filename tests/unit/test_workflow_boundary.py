"""The workflow's determinism rule, kept as a module boundary.

The orchestration (handlers/logic/leave_workflow.py) runs again on every replay, so it may only
call durable operations and decide from checkpointed results: it imports nothing that writes,
sends, reads a clock or talks to AWS. Its side effects are the steps' (workflow_steps.py).
"""

import ast
from pathlib import Path

import pytest

import handlers.logic.leave_workflow as orchestration

# What the orchestration may import: the durable SDK, pure rules and names, its settings, the
# steps' retry policy, and the parts of the standard library that touch nothing outside.
ALLOWED = (
    "__future__",
    "collections.abc",
    "contextlib",
    "dataclasses",
    "datetime",
    "typing",
    "pydantic",
    "aws_durable_execution_sdk_python",
    "handlers.domain",
    "handlers.settings",
    "handlers.logic.retries",
)


def imported_modules(source: str) -> set[str]:
    modules = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            modules |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            modules.add(node.module)
    return modules


def not_allowed(source: str) -> list[str]:
    return sorted(
        module
        for module in imported_modules(source)
        if not any(module == allowed or module.startswith(f"{allowed}.") for allowed in ALLOWED)
    )


def test_the_orchestration_imports_no_side_effect() -> None:
    source = Path(orchestration.__file__).read_text()
    assert not_allowed(source) == []


@pytest.mark.parametrize(
    "line",
    [
        "import boto3",
        "from botocore.exceptions import ClientError",
        "from handlers.storage.leave_store import LeaveStore",
        "from handlers.gateways.mailer import Mailer",
        "from handlers.observability import emit_metric",
        "from handlers.logic.workflow_steps import LeaveSteps",
        "import time",
        "import random",
    ],
)
def test_the_check_catches_a_side_effect_import(line: str) -> None:
    assert not_allowed(line) != []
