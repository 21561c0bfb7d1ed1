"""Domain events on the service's EventBridge bus.

Delivery is at least once: a step that publishes and then fails is retried, and publishes
again. Every event carries a deterministic `event_id` in its detail (the same for every copy),
so a consumer deduplicates by it.
"""

import json
from typing import Any, Protocol

from handlers.aws_clients import aws_client
from handlers.domain.signals import EVENT_SOURCE, EventType
from handlers.gateways.transient_errors import TransientError

# PutEvents entry errors that may pass on a retry.
_TRANSIENT_ENTRY_ERRORS = {"ThrottlingException", "InternalFailure", "InternalException"}


class EventPublisher(Protocol):
    def publish(self, event_type: EventType, event_id: str, detail: dict[str, Any]) -> None: ...


class EventPublishError(RuntimeError):
    """EventBridge refused the event for good (too large, malformed, not allowed)."""


class EventPublishThrottledError(TransientError):
    """EventBridge did not take the event this time; a retry may."""


class EventBridgePublisher:
    def __init__(self, bus_name: str, client: Any = None) -> None:
        self._bus = bus_name
        self._client = client or aws_client("events")

    def publish(self, event_type: EventType, event_id: str, detail: dict[str, Any]) -> None:
        response = self._client.put_events(
            Entries=[
                {
                    "EventBusName": self._bus,
                    "Source": EVENT_SOURCE,
                    "DetailType": event_type.value,
                    "Detail": json.dumps({**detail, "event_id": event_id}, sort_keys=True),
                }
            ]
        )
        # PutEvents reports a refused entry in its answer, not as an error.
        if response.get("FailedEntryCount"):
            codes = {entry.get("ErrorCode") for entry in response["Entries"]}
            if codes <= _TRANSIENT_ENTRY_ERRORS:
                raise EventPublishThrottledError(str(response["Entries"]))
            raise EventPublishError(str(response["Entries"]))
