"""Scheduled rules: fire each registered scheduled function every so often, as EventBridge does.

Each firing is an asynchronous invocation with the event a schedule rule sends.
"""

import json
import threading
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime

from sandbox.config import ACCOUNT_ID, REGION
from sandbox.functions import ScheduledFunction

Fire = Callable[[str, bytes], object]


def scheduled_event(rule: str, at: datetime) -> dict[str, object]:
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": ACCOUNT_ID,
        "time": at.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "region": REGION,
        "resources": [f"arn:aws:events:{REGION}:{ACCOUNT_ID}:rule/{rule}"],
        "detail": {},
    }


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
