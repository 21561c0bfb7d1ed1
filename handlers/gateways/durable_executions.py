"""What an operator does to a request's durable execution (`leave-ops show`, `pause`,
`resume`, `stop`): find it by its name, read its history, pause, resume or stop it.

Lambda's durable APIs (botocore's lambda model): ListDurableExecutionsByFunction,
GetDurableExecutionHistory, PauseDurableExecution, ResumeDurableExecution,
StopDurableExecution. No function of the service calls these; the settler's own listing is
workflow_service.py's.
"""

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

from handlers.aws_clients import aws_client
from handlers.gateways.workflow_service import ENDED_STATUSES


@dataclass(frozen=True)
class ExecutionSummary:
    arn: str
    name: str
    status: str
    started_at: datetime | None

    @property
    def has_ended(self) -> bool:
        return self.status in ENDED_STATUSES


@dataclass(frozen=True)
class ExecutionEvent:
    """One event of an execution's history: when, what (Lambda's EventType), of which
    operation (its name: a step's, a callback's, a wait's), and an error when there was one."""

    at: datetime
    kind: str
    name: str | None = None
    error: str | None = None


class DurableExecutions(Protocol):
    def find(self, execution_name: str) -> ExecutionSummary | None: ...

    def history(self, execution_arn: str) -> list[ExecutionEvent]: ...

    def pause(self, execution_arn: str, reason: str) -> None: ...

    def resume(self, execution_arn: str, reason: str) -> None: ...

    def stop(self, execution_arn: str, reason: str) -> None: ...


def as_moment(value: Any) -> datetime | None:
    """A timestamp as botocore parses it (datetime), or as the API writes it (epoch seconds,
    ISO 8601)."""
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, int | float):
        return datetime.fromtimestamp(value, tz=UTC)
    if isinstance(value, str) and value:
        try:
            return as_moment(float(value))
        except ValueError:
            return as_moment(datetime.fromisoformat(value.replace("Z", "+00:00")))
    return None


def summary_of(execution: Mapping[str, Any]) -> ExecutionSummary:
    return ExecutionSummary(
        arn=str(execution["DurableExecutionArn"]),
        name=str(execution.get("DurableExecutionName", "")),
        status=str(execution.get("Status", "")),
        started_at=as_moment(execution.get("StartTimestamp")),
    )


def _error_in(details: Any) -> str | None:
    """The error a *Failed, *TimedOut or *Stopped event's details carry, as `type: message`."""
    if not isinstance(details, Mapping):
        return None
    error = details.get("Error")
    if isinstance(error, Mapping):
        payload = error.get("Payload", error)
        if isinstance(payload, Mapping):
            parts = (payload.get("ErrorType"), payload.get("ErrorMessage"))
            if any(parts):
                return ": ".join(str(part) for part in parts if part)
    for value in details.values():
        found = _error_in(value)
        if found:
            return found
    return None


def event_of(event: Mapping[str, Any]) -> ExecutionEvent | None:
    at = as_moment(event.get("EventTimestamp"))
    if at is None:
        return None
    details = {k: v for k, v in event.items() if k.endswith("Details")}
    return ExecutionEvent(
        at=at,
        kind=str(event.get("EventType", "")),
        name=event.get("Name") or None,
        error=_error_in(details),
    )


class LambdaDurableExecutions:
    def __init__(self, function: str, client: Any = None) -> None:
        # The workflow function itself, unqualified: its executions are listed across versions.
        self._function = function
        self._client = client or aws_client("lambda")

    def find(self, execution_name: str) -> ExecutionSummary | None:
        """The execution of that name (Lambda keeps one per name while it is retained)."""
        pages = self._client.get_paginator("list_durable_executions_by_function").paginate(
            FunctionName=self._function, DurableExecutionName=execution_name
        )
        for page in pages:
            for execution in page.get("DurableExecutions", []):
                if execution.get("DurableExecutionName") == execution_name:
                    return summary_of(execution)
        return None

    def history(self, execution_arn: str) -> list[ExecutionEvent]:
        return [
            found for event in self._events(execution_arn) if (found := event_of(event)) is not None
        ]

    def _events(self, execution_arn: str) -> Iterator[Mapping[str, Any]]:
        pages = self._client.get_paginator("get_durable_execution_history").paginate(
            DurableExecutionArn=execution_arn, IncludeExecutionData=False
        )
        for page in pages:
            yield from page.get("Events", [])

    def pause(self, execution_arn: str, reason: str) -> None:
        self._client.pause_durable_execution(DurableExecutionArn=execution_arn, Reason=reason)

    def resume(self, execution_arn: str, reason: str) -> None:
        self._client.resume_durable_execution(DurableExecutionArn=execution_arn, Reason=reason)

    def stop(self, execution_arn: str, reason: str) -> None:
        self._client.stop_durable_execution(
            DurableExecutionArn=execution_arn,
            Error={"ErrorType": "StoppedByOperator", "ErrorMessage": reason},
        )
