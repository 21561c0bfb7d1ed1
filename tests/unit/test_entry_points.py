"""What loading each Lambda entry point leaves behind, in a fresh interpreter as on a cold start."""

import json
import os
import subprocess
import sys

import pytest

ENTRY_POINTS = ("submit", "workflow", "decision", "settler", "pending_gauge")
# Needed by some routes or steps only; loaded on first use there.
ON_FIRST_USE = ("email_validator", "icalendar")
_PROBE = """
import gc, json, sys
import handlers.{name}
print(json.dumps({{
    "collecting": gc.isenabled(),
    "frozen": gc.get_freeze_count(),
    "modules": sorted(sys.modules),
}}))
"""


def _load(name: str, in_lambda: bool = True) -> dict[str, object]:
    environment = {k: v for k, v in os.environ.items() if k != "AWS_LAMBDA_FUNCTION_NAME"}
    if in_lambda:
        environment["AWS_LAMBDA_FUNCTION_NAME"] = f"leave-{name}"
    done = subprocess.run(  # noqa: S603 - our own interpreter, a fixed snippet
        [sys.executable, "-c", _PROBE.format(name=name)],
        capture_output=True,
        text=True,
        check=True,
        env=environment,
    )
    loaded: dict[str, object] = json.loads(done.stdout)
    return loaded


@pytest.fixture(scope="module", params=ENTRY_POINTS)
def entry_point(request: pytest.FixtureRequest) -> tuple[str, dict[str, object]]:
    return request.param, _load(request.param)


def test_an_entry_point_collects_garbage_once_loaded_leaving_what_it_loaded_alone(
    entry_point: tuple[str, dict[str, object]],
) -> None:
    name, loaded = entry_point

    assert loaded["collecting"] is True, f"handlers.{name} does not end with loaded()"
    assert isinstance(loaded["frozen"], int)
    assert loaded["frozen"] > 10_000


@pytest.mark.parametrize("module", ["handlers.domain.statuses", "handlers.settings"])
def test_outside_lambda_loading_handler_code_leaves_the_collector_alone(module: str) -> None:
    # The sandbox's own processes and the tests import handler code without an entry point.
    loaded = _load(module.removeprefix("handlers."), in_lambda=False)

    assert loaded["collecting"] is True
    assert loaded["frozen"] == 0


def test_an_entry_point_leaves_what_only_some_routes_need_to_first_use(
    entry_point: tuple[str, dict[str, object]],
) -> None:
    name, loaded = entry_point
    modules = loaded["modules"]
    assert isinstance(modules, list)

    assert [m for m in ON_FIRST_USE if m in modules] == []
    assert ("aws_durable_execution_sdk_python" in modules) is (name == "workflow")
