"""EventBridge rules whose targets are Lambda functions, routed to the local Lambda service.

moto's EventBridge keeps the events (and the rules' log targets) but cannot invoke our
functions, so the sandbox delivers to them itself: each event is matched against each rule's
pattern with moto's own matcher, and a match is an asynchronous invocation of the target with
the event as EventBridge delivers it.
"""

import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, cast

from moto.events.models import EventPattern

from sandbox.config import ACCOUNT_ID, REGION

Invoke = Callable[[str, bytes], object]


@dataclass(frozen=True)
class LambdaRule:
    name: str
    pattern: dict[str, Any]
    function: str


def delivered_event(entry: dict[str, Any], at: datetime) -> dict[str, Any]:
    """A PutEvents entry as EventBridge hands it to a target."""
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": entry["DetailType"],
        "source": entry["Source"],
        "account": ACCOUNT_ID,
        "time": at.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "region": REGION,
        "resources": list(entry.get("Resources", [])),
        "detail": json.loads(entry["Detail"]),
    }


class EventRouter:
    def __init__(self, rules: list[LambdaRule], invoke: Invoke) -> None:
        self._rules = [(rule, EventPattern.load(json.dumps(rule.pattern))) for rule in rules]
        self._invoke = invoke

    def route(self, entry: dict[str, Any]) -> list[str]:
        """Invoke every rule's target whose pattern matches; return the rules that matched."""
        event = delivered_event(entry, datetime.now(UTC))
        matched = []
        for rule, pattern in self._rules:
            if pattern.matches_event(cast(Any, event)):
                matched.append(rule.name)
                self._invoke(rule.function, json.dumps(event).encode())
        return matched
