"""Scheduled rules: fire each registered scheduled function every so often, as EventBridge does.

Each firing is an asynchronous invocation with the event a schedule rule sends, except the first
of a function `awaited_at_start`, which `start` invokes and waits for.
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
    def __init__(
        self,
        scheduled: list[ScheduledFunction],
        every_seconds: float,
        fire: Fire,
        fire_and_wait: Fire,
    ):
        self._scheduled = scheduled
        self._default = every_seconds
        self._fire = fire
        self._fire_and_wait = fire_and_wait
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="scheduler", daemon=True)
        self._due: dict[str, float] = {}

    def start(self) -> None:
        """Fire the functions awaited at start, each once and waiting for it; then the rest."""
        for entry in self._scheduled:
            self._due[entry.rule] = time.monotonic()
            if entry.awaited_at_start:
                self._fire_and_wait(entry.function.name, self._event(entry))
                self._due[entry.rule] += self._period(entry)
        if self._scheduled:
            self._thread.start()

    def stop(self) -> None:
        self._stop.set()

    def _period(self, entry: ScheduledFunction) -> float:
        return entry.every_seconds or self._default

    @staticmethod
    def _event(entry: ScheduledFunction) -> bytes:
        return json.dumps(scheduled_event(entry.rule, datetime.now(UTC))).encode()

    def _run(self) -> None:
        due = self._due
        while not self._stop.is_set():
            now = time.monotonic()
            for entry in self._scheduled:
                if due[entry.rule] <= now:
                    self._fire(entry.function.name, self._event(entry))
                    due[entry.rule] = now + self._period(entry)
            self._stop.wait(max(0.05, min(due.values()) - time.monotonic()))
