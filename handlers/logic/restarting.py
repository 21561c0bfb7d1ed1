"""Starting again the workflows Lambda could not start (`leave-ops retry-starts`).

Each record of the failed-start queue (handlers/gateways/failed_starts.py) is a start that
never ran. Its request is started again only if it still waits for that execution: pending,
bound to the record's execution name, and no execution of that name alive. The start is the
same as submit's (same name, same payload, byte for byte), so under Lambda's naming rule a
second start of a name that did start is a no-op, never a second execution. Against the
settler's sweep, which ends such a request as failed when no execution of its name is alive,
the store decides: the workflow's take-over holds only while the request is pending, the
sweep's write only while no workflow took it over; whichever is written first keeps it.

A record is deleted once handled (started, or its request needs nothing); one that cannot be
read, or whose start Lambda refused again, stays in the queue (hidden a couple of minutes) and
is reported.
"""

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Protocol

from botocore.exceptions import BotoCoreError, ClientError
from pydantic import ValidationError

from handlers.domain.leave_request import LeaveRecord, LeaveRequest
from handlers.domain.statuses import LeaveStatus
from handlers.gateways.durable_executions import DurableExecutions
from handlers.gateways.failed_starts import FailedStart, FailedStartQueue
from handlers.gateways.workflow_service import ExecutionNameConflictError


class Requests(Protocol):
    def get(self, request_id: str) -> LeaveRecord | None: ...


class Starter(Protocol):
    """Starts the workflow through its alias, as submit does (workflow_service.py)."""

    def start(self, execution_name: str, payload: dict[str, Any]) -> None: ...


class Restart(StrEnum):
    STARTED = "started again"
    RUNNING = "already running"
    ENDED = "already ended"
    UNREADABLE = "unreadable: left in the queue"
    REFUSED = "not started: left in the queue"


# What was done with a record, and whether it leaves the queue.
HANDLED = frozenset({Restart.STARTED, Restart.RUNNING, Restart.ENDED})


@dataclass(frozen=True)
class Retried:
    request_id: str | None
    outcome: Restart
    detail: str


def retry_start(
    failed: FailedStart, store: Requests, executions: DurableExecutions, starter: Starter
) -> Retried:
    """Start the record's request again if it still waits for that start."""
    try:
        request = LeaveRequest.model_validate(failed.payload)
    except ValidationError:
        return Retried(
            None, Restart.UNREADABLE, f"its payload is not a request ({failed.condition})"
        )
    request_id, name = request.request_id, request.execution_name
    record = store.get(request_id)
    if record is None or record.execution_name != name:
        return Retried(request_id, Restart.ENDED, "submit gave up on this start")
    if record.status is not LeaveStatus.PENDING:
        return Retried(request_id, Restart.ENDED, f"it is {record.status.value}")
    found = executions.find(name)
    if found is not None and not found.has_ended:
        return Retried(request_id, Restart.RUNNING, f"execution {name} is {found.status}")
    assert failed.payload is not None
    try:
        starter.start(name, failed.payload)
    except ExecutionNameConflictError:
        return Retried(request_id, Restart.REFUSED, f"{name} started before with another payload")
    except ClientError as error:
        code = error.response.get("Error", {}).get("Code", "?")
        return Retried(request_id, Restart.REFUSED, f"Lambda refused the start: {code}")
    except BotoCoreError as error:
        return Retried(request_id, Restart.REFUSED, f"the start failed: {error}")
    return Retried(request_id, Restart.STARTED, f"execution {name}")


def retry_starts(
    queue: FailedStartQueue,
    store: Requests,
    executions: DurableExecutions,
    starter: Starter,
    on_each: Callable[[Retried], None] = lambda _: None,
) -> list[Retried]:
    """Go through the queue: start again what still waits, delete what was handled."""
    done: list[Retried] = []
    while batch := queue.receive():
        for failed in batch:
            retried = retry_start(failed, store, executions, starter)
            if retried.outcome in HANDLED:
                queue.delete(failed.receipt)
            done.append(retried)
            on_each(retried)
    return done
