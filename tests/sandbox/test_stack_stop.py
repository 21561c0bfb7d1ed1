"""The sandbox's stop: what drives the workflow stops before what it drives.

A timer of the durable emulator falling due while the Lambda API and the environments stop
(many seconds on a busy machine) would fail one invocation after another, and five failed
invocations fail the execution where no settler sees it: its request would stay pending.
"""

from pathlib import Path
from typing import Any

from sandbox.config import SandboxConfig
from sandbox.stack import SandboxStack


class Part:
    def __init__(self, name: str, stops: list[str]) -> None:
        self.name = name
        self._stops = stops

    def stop(self) -> None:
        self._stops.append(self.name)


def test_the_durable_emulator_stops_before_the_lambda_api_and_the_environments(
    tmp_path: Path,
) -> None:
    stops: list[str] = []
    stack: Any = SandboxStack(SandboxConfig(data_dir=tmp_path))
    stack._durable_emulator = Part("durable emulator", stops)
    stack._children = [Part("aws emulator", stops)]
    stack._servers = [Part("lambda api", stops)]
    stack._runtimes = {"workflow": Part("workflow environments", stops)}

    stack.stop()

    assert stops == ["durable emulator", "lambda api", "workflow environments", "aws emulator"]
