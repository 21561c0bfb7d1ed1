"""The sandbox's stop: it stops taking work, lets the workflow's invocations in flight end, and
stops what drives the workflow before what it drives.

An invocation cut off after a step's effects but before its checkpoint runs the step again
after a restart (an email twice, an outcome counted twice). And a timer of the durable emulator
falling due while the Lambda API and the environments stop (many seconds on a busy machine)
would fail one invocation after another: five fail the execution, and its request with it.
"""

from pathlib import Path
from types import SimpleNamespace
from typing import Any

from sandbox.config import SandboxConfig
from sandbox.stack import SandboxStack


class Part:
    def __init__(self, name: str, stops: list[str]) -> None:
        self.name = name
        self._stops = stops

    def stop(self) -> None:
        self._stops.append(self.name)


class Runtime(Part):
    def __init__(self, name: str, stops: list[str], durable: bool) -> None:
        super().__init__(f"{name} environments", stops)
        self.function = SimpleNamespace(durable=durable)
        self.arn = name

    def wait_until_idle(self, timeout: float) -> bool:
        self._stops.append(f"{self.arn} idle")
        return True


def test_the_workflow_ends_its_invocations_then_the_emulator_stops_before_the_lambda_api(
    tmp_path: Path,
) -> None:
    stops: list[str] = []
    stack: Any = SandboxStack(SandboxConfig(data_dir=tmp_path))
    stack._durable_emulator = Part("durable emulator", stops)
    stack._children = [Part("aws emulator", stops)]
    stack._servers = [Part("decision url", stops)]
    stack._lambda_server = Part("lambda api", stops)
    stack._runtimes = {
        "workflow": Runtime("workflow", stops, durable=True),
        "decision": Runtime("decision", stops, durable=False),
    }

    stack.stop()

    assert stops == [
        "decision url",
        "workflow idle",
        "durable emulator",
        "lambda api",
        "workflow environments",
        "decision environments",
        "aws emulator",
    ]
