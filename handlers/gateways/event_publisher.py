"""Domain events on the service's EventBridge bus."""

import json
from typing import Any, Protocol

import boto3

from handlers.domain.signals import EVENT_SOURCE, EventType


class EventPublisher(Protocol):
    def publish(self, event_type: EventType, detail: dict[str, Any]) -> None: ...


class EventPublishError(RuntimeError):
    """EventBridge did not take the event; the step retries."""


class EventBridgePublisher:
    def __init__(self, bus_name: str, client: Any = None) -> None:
        self._bus = bus_name
        self._client = client or boto3.client("events")

    def publish(self, event_type: EventType, detail: dict[str, Any]) -> None:
        response = self._client.put_events(
            Entries=[
                {
                    "EventBusName": self._bus,
                    "Source": EVENT_SOURCE,
                    "DetailType": event_type.value,
                    "Detail": json.dumps(detail, sort_keys=True),
                }
            ]
        )
        # PutEvents reports a refused entry in its answer, not as an error.
        if response.get("FailedEntryCount"):
            raise EventPublishError(str(response["Entries"]))
