"""Dependencies that fail on purpose, to show the workflow survives them."""

import threading
from collections.abc import Callable
from typing import Any

from botocore.exceptions import ClientError

from handlers.domain.emails import Email
from handlers.domain.signals import EventType
from handlers.gateways.event_publisher import EventPublisher, EventPublishError
from handlers.gateways.mailer import Mailer


def throttled(operation: str) -> ClientError:
    return ClientError({"Error": {"Code": "Throttling", "Message": "Rate exceeded"}}, operation)


class FlakyMailer:
    """Fails the first `failures` sends of emails matching `which`, then delivers."""

    def __init__(self, inner: Mailer, which: Callable[[Email], bool], failures: int = 1) -> None:
        self._inner = inner
        self._which = which
        self._failures_left = failures
        self._lock = threading.Lock()
        self.failed = 0

    def send(self, email: Email) -> str:
        with self._lock:
            fail = self._which(email) and self._failures_left > 0
            if fail:
                self._failures_left -= 1
                self.failed += 1
        if fail:
            raise throttled("SendRawEmail")
        return self._inner.send(email)


class RecipientRefusingSes:
    """An SES client that refuses one address, as SES does for an unverified recipient."""

    def __init__(self, inner: Any, refused: str) -> None:
        self._inner = inner
        self._refused = refused
        self.refusals = 0

    def send_raw_email(self, **request: Any) -> Any:
        if self._refused in request["Destinations"]:
            self.refusals += 1
            raise ClientError(
                {"Error": {"Code": "MessageRejected", "Message": "Email address is not verified."}},
                "SendRawEmail",
            )
        return self._inner.send_raw_email(**request)


class FlakyPublisher:
    """Refuses the first `failures` events of one type, then publishes."""

    def __init__(self, inner: EventPublisher, which: EventType, failures: int = 1) -> None:
        self._inner = inner
        self._which = which
        self._failures_left = failures
        self._lock = threading.Lock()

    def publish(self, event_type: EventType, detail: dict[str, Any]) -> None:
        with self._lock:
            fail = event_type is self._which and self._failures_left > 0
            if fail:
                self._failures_left -= 1
        if fail:
            raise EventPublishError("FailedEntryCount: 1")
        self._inner.publish(event_type, detail)


class LambdaCrash(RuntimeError):
    """The invocation died after its work was checkpointed (out of memory, a host failure)."""


class CountedHandler:
    """Wraps the durable handler to count its invocations; optionally the first one crashes.

    A crash comes after the handler returned, so after everything it checkpointed. The runner
    then invokes again, as Lambda retries a failed invocation: what was checkpointed must be
    replayed, not redone.
    """

    def __init__(self, handler: Callable[..., Any], crash_first: bool = False) -> None:
        self._handler = handler
        self._crash_next = crash_first
        self._lock = threading.Lock()
        self.invocations = 0
        self.crashes = 0

    def __call__(self, event: Any, context: Any) -> Any:
        with self._lock:
            self.invocations += 1
            crash, self._crash_next = self._crash_next, False
        output = self._handler(event, context)
        if crash:
            with self._lock:
                self.crashes += 1
            raise LambdaCrash("invocation crashed after checkpointing")
        return output
