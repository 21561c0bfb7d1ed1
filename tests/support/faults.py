"""Dependencies that fail on purpose, to show the workflow survives them."""

import threading
from collections.abc import Callable
from typing import Any

from botocore.exceptions import ClientError, ConnectTimeoutError, ReadTimeoutError

from handlers.domain.signals import EventType
from handlers.gateways.event_publisher import EventPublisher, EventPublishThrottledError
from handlers.gateways.mailer import Mailer
from handlers.web.emails import Email


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

    def publish(self, event_type: EventType, event_id: str, detail: dict[str, Any]) -> None:
        with self._lock:
            fail = event_type is self._which and self._failures_left > 0
            if fail:
                self._failures_left -= 1
        if fail:
            raise EventPublishThrottledError("FailedEntryCount: 1")
        self._inner.publish(event_type, event_id, detail)


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


class SimulatedCrash(BaseException):
    """The process died here: no `except Exception` sees it, nothing after it runs."""


class Fault:
    """What an injected fault does to one call."""

    THROTTLE = "throttle"  # refused with a throttling error; nothing happened
    SERVER_ERROR = "server-error"  # refused with a 5xx; nothing happened
    CRASH_BEFORE = "crash-before"  # the caller died before the call went out
    CRASH_AFTER = "crash-after"  # the call took effect, then the caller died
    # Timeouts, as the client's own limits raise them once its retries are spent
    # (handlers/aws_clients.py): no connection, so nothing happened; or the call took effect
    # and its answer never came.
    CONNECT_TIMEOUT = "connect-timeout"
    READ_TIMEOUT = "read-timeout"

    REFUSALS = (THROTTLE, SERVER_ERROR)
    TIMEOUTS = (CONNECT_TIMEOUT, READ_TIMEOUT)
    ALL = (*REFUSALS, CRASH_BEFORE, CRASH_AFTER, *TIMEOUTS)
    # The call took effect, but its caller never learnt so.
    TOOK_EFFECT_UNSEEN = (CRASH_AFTER, READ_TIMEOUT)


def server_error(operation: str) -> ClientError:
    return ClientError(
        {
            "Error": {"Code": "InternalServerError", "Message": "Internal server error"},
            "ResponseMetadata": {"HTTPStatusCode": 500},
        },
        operation,
    )


# Where the faults' timeouts say they were going: an AWS endpoint, as on Lambda.
TIMED_OUT_ENDPOINT = "https://aws.example/"


class Gate:
    """Holds one call at the racing moment, so a test can run the other side of a race there.

    The call waits at the gate (before it goes out, or with `after`, once it took effect)
    until the test releases it; `wait_reached` returns once the call is held.
    """

    HOLD_SECONDS = 60.0

    def __init__(self, after: bool = False) -> None:
        self.after = after
        self._reached = threading.Event()
        self._open = threading.Event()

    def wait_reached(self, timeout: float = 60.0) -> None:
        if not self._reached.wait(timeout):
            raise AssertionError("the gated call never came")

    @property
    def reached(self) -> bool:
        return self._reached.is_set()

    def release(self) -> None:
        self._open.set()

    def hold(self) -> None:
        self._reached.set()
        if not self._open.wait(self.HOLD_SECONDS):
            raise AssertionError("the gate was never released")


class FaultyDependency:
    """Stands in front of a client (boto3, or one of our gateways) and fails chosen calls.

    `inject("transact_write_items", Fault.THROTTLE)` fails the next such call (optionally only
    calls whose arguments match `when`); every other call goes through untouched.
    `hold("update_item")` holds the next such call at a `Gate` until the test releases it.
    """

    def __init__(self, inner: Any) -> None:
        self._inner = inner
        self._lock = threading.Lock()
        self._pending: list[tuple[str, str, Callable[[dict[str, Any]], bool], list[int]]] = []
        self._gates: list[tuple[str, Callable[[dict[str, Any]], bool], Gate]] = []
        self.injected: list[tuple[str, str]] = []

    def hold(
        self,
        method: str,
        when: Callable[[dict[str, Any]], bool] = lambda _: True,
        after: bool = False,
    ) -> Gate:
        """Hold the next call of `method` (matching `when`) at a gate: before it goes out, or
        with `after`, once it took effect."""
        gate = Gate(after=after)
        with self._lock:
            self._gates.append((method, when, gate))
        return gate

    def _gate_for(self, method: str, arguments: dict[str, Any]) -> Gate | None:
        with self._lock:
            for index, (name, when, gate) in enumerate(self._gates):
                if name == method and when(arguments):
                    del self._gates[index]
                    return gate
        return None

    def inject(
        self,
        method: str,
        fault: str,
        times: int = 1,
        when: Callable[[dict[str, Any]], bool] = lambda _: True,
    ) -> "FaultyDependency":
        with self._lock:
            self._pending.append((method, fault, when, [times]))
        return self

    def _take(self, method: str, arguments: dict[str, Any]) -> str | None:
        with self._lock:
            for name, fault, when, left in self._pending:
                if name == method and left[0] > 0 and when(arguments):
                    left[0] -= 1
                    self.injected.append((method, fault))
                    return fault
        return None

    def __getattr__(self, name: str) -> Any:
        target = getattr(self._inner, name)
        if not callable(target):
            return target

        def call(*args: Any, **kwargs: Any) -> Any:
            arguments = kwargs or {"args": args}
            gate = self._gate_for(name, arguments)
            if gate is not None and not gate.after:
                gate.hold()
            fault = self._take(name, arguments)
            if fault == Fault.THROTTLE:
                raise throttled(name)
            if fault == Fault.SERVER_ERROR:
                raise server_error(name)
            if fault == Fault.CRASH_BEFORE:
                raise SimulatedCrash(f"died before {name}")
            if fault == Fault.CONNECT_TIMEOUT:
                raise ConnectTimeoutError(endpoint_url=TIMED_OUT_ENDPOINT)
            result = target(*args, **kwargs)
            if gate is not None and gate.after:
                gate.hold()
            if fault == Fault.CRASH_AFTER:
                raise SimulatedCrash(f"died after {name}")
            if fault == Fault.READ_TIMEOUT:
                raise ReadTimeoutError(endpoint_url=TIMED_OUT_ENDPOINT)
            return result

        return call


class CrashingHandler:
    """The durable handler as Lambda runs it: a simulated crash ends the invocation with an
    error (as a dead process does), and the durable runtime invokes again."""

    def __init__(self, handler: Callable[..., Any]) -> None:
        self._handler = handler
        self.crashes = 0

    def __call__(self, event: Any, context: Any) -> Any:
        try:
            return self._handler(event, context)
        except SimulatedCrash as crash:
            self.crashes += 1
            raise LambdaCrash(str(crash)) from None
