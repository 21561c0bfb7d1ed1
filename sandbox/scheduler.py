"""Scheduled rules: fire each registered scheduled function every so often, as EventBridge does.

Each firing is an asynchronous invocation with the event a schedule rule sends.
"""

import json
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime

from sandbox.config import ACCOUNT_ID, REGION
from sandbox.event_rules import delivered_event
from sandbox.functions import ScheduledFunction

Fire = Callable[[str, bytes], object]


def scheduled_event(rule: str, at: datetime) -> dict[str, object]:
    """What a schedule rule delivers: an event of EventBridge's own, with an empty detail."""
    return delivered_event(
        {
            "DetailType": "Scheduled Event",
            "Source": "aws.events",
            "Resources": [f"arn:aws:events:{REGION}:{ACCOUNT_ID}:rule/{rule}"],
            "Detail": "{}",
        },
        at,
    )


class Scheduler:
    def __init__(self, scheduled: list[ScheduledFunction], every_seconds: float, fire: Fire):
        self._scheduled = scheduled
        self._default = every_seconds
        self._fire = fire
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="scheduler", daemon=True)

    def start(self) -> None:
        if self._scheduled:
            self._thread.start()

    def stop(self) -> None:
        self._stop.set()

    def _run(self) -> None:
        due = {entry.rule: time.monotonic() for entry in self._scheduled}
        while not self._stop.is_set():
            now = time.monotonic()
            for entry in self._scheduled:
                if due[entry.rule] <= now:
                    event = scheduled_event(entry.rule, datetime.now(UTC))
                    self._fire(entry.function.name, json.dumps(event).encode())
                    due[entry.rule] = now + (entry.every_seconds or self._default)
            self._stop.wait(max(0.05, min(due.values()) - time.monotonic()))
