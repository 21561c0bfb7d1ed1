"""The sandbox's schedule rules: the pending gauge's first reading is taken before the sandbox
says it is up, so the dashboard's increases count every request from the first one."""

import json
import threading
from pathlib import Path

from sandbox.config import SandboxConfig
from sandbox.functions import PENDING_GAUGE, SETTLER, scheduled_functions
from sandbox.scheduler import Scheduler


class Firings:
    def __init__(self) -> None:
        self.calls: list[tuple[str, str, str]] = []
        self.fired = threading.Event()

    def waited(self, name: str, payload: bytes) -> None:
        self.calls.append(("waited", name, json.loads(payload)["detail-type"]))

    def queued(self, name: str, payload: bytes) -> None:
        self.calls.append(("queued", name, json.loads(payload)["detail-type"]))
        self.fired.set()


def test_the_gauges_first_reading_is_taken_before_start_returns(tmp_path: Path) -> None:
    firings = Firings()
    scheduled = scheduled_functions(SandboxConfig(data_dir=tmp_path))
    scheduler = Scheduler(scheduled, 3600, firings.queued, firings.waited)
    try:
        scheduler.start()
        taken_at_start = list(firings.calls)
        assert firings.fired.wait(30), "the settler's schedule never fired"
    finally:
        scheduler.stop()

    assert taken_at_start[0] == ("waited", PENDING_GAUGE, "Scheduled Event")
    # The others fire as EventBridge fires them, and the gauge is not read twice at once.
    settler_fired = firings.calls.index(("queued", SETTLER, "Scheduled Event"))
    assert ("queued", PENDING_GAUGE, "Scheduled Event") not in firings.calls[:settler_fired]
