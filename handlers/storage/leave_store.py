"""Leave requests and employees' calendars in DynamoDB.

Every write that changes a request's status is conditional on the moves `TRANSITIONS` allows,
and changes the employee's calendar in the same transaction: a request and the dates it holds
never disagree, whatever fails between two calls.
"""

import heapq
from collections.abc import Iterable, Iterator
from contextlib import suppress
from datetime import UTC, date, datetime
from typing import Any, Protocol

from botocore.exceptions import ClientError
from pydantic import ValidationError

from handlers.aws_clients import aws_client
from handlers.domain.calendar import CalendarEntry, EmployeeCalendar
from handlers.domain.claims import claim_expiry, lease_expiry
from handlers.domain.leave_request import HistoryEntry, LeaveRecord, LeaveRequest, Outcome
from handlers.domain.statuses import AWAITING_DECISION, TRANSITIONS, HistoryEvent, LeaveStatus
from handlers.observability import logger
from handlers.storage.items import from_item, to_item
from handlers.storage.table_schema import (
    BY_APPROVER,
    BY_EMPLOYEE,
    BY_PENDING,
    OWED_ANNOUNCEMENTS,
    PARTITION_KEY,
    PENDING_COUNT,
    calendar_key,
    pending_counter_key,
    pending_shard_of,
    pending_shards,
    request_key,
    status_total,
)

# What a request's submission does to its shard's counts: one more pending, one more submitted.
SUBMITTED = {PENDING_COUNT: 1, status_total(LeaveStatus.PENDING): 1}

# Optimistic writes to one employee's calendar that lose to another writer are retried this
# often before submit gives up with "busy, retry": only a burst of submissions by one employee
# gets there.
CALENDAR_WRITE_ATTEMPTS = 8


class RequestConflictError(RuntimeError):
    """A write lost to the request's current state (already decided, another request, ...)."""

    def __init__(self, message: str, record: LeaveRecord | None = None) -> None:
        super().__init__(message)
        self.record = record


class RequestExistsError(RequestConflictError):
    """A request with this id is already recorded (`record`)."""


class OverlapError(RuntimeError):
    """The employee already holds some of these dates (`clash`)."""

    def __init__(self, clash: CalendarEntry) -> None:
        super().__init__(f"overlaps {clash.request_id}")
        self.clash = clash


class TooManyPendingError(RuntimeError):
    """The employee already has `pending` requests waiting, the most allowed."""

    def __init__(self, pending: int) -> None:
        super().__init__(f"{pending} pending")
        self.pending = pending


class CalendarBusyError(RuntimeError):
    """The employee's calendar kept changing under us: the caller should retry later."""


class FollowUpUnderwayError(RuntimeError):
    """A follow-up holds the request's lease (until `until`): a decision must wait for it."""

    def __init__(self, until: datetime) -> None:
        super().__init__(f"a follow-up holds the request until {until.isoformat()}")
        self.until = until


class LeaveStore(Protocol):
    def get(self, request_id: str) -> LeaveRecord | None: ...

    def calendar(self, employee_email: str) -> EmployeeCalendar: ...

    def create_pending(
        self,
        request: LeaveRequest,
        submitted_at: datetime,
        max_pending: int,
        handed_over: tuple[HistoryEntry, ...] = (),
    ) -> LeaveRecord: ...

    def discard_unstarted(self, request: LeaveRequest) -> bool: ...

    def take_over(self, request: LeaveRequest, at: datetime) -> LeaveRecord | None: ...

    def attach_callback(
        self, request_id: str, callback_id: str, deadline: datetime
    ) -> LeaveRecord: ...

    def awaiting_decision_by_or_handed_on(
        self, approver_email: str, key: str
    ) -> Iterator[LeaveRecord]: ...

    def record_outcome(
        self,
        request_id: str,
        outcome: Outcome,
        ended_by: str,
        only_unclaimed: bool = False,
        owes_announcement: bool = False,
    ) -> None: ...

    def mark_notified(self, request_id: str, at: datetime) -> None: ...

    def owed_announcements(self) -> list[str]: ...

    def follow_up(
        self,
        request_id: str,
        key: str,
        entry: HistoryEntry,
        handed_from: str | None = None,
        callback_id: str | None = None,
        after_decision: bool = False,
    ) -> LeaveRecord: ...

    def claim_decision(
        self, request_id: str, approver_email: str, callback_id: str, at: datetime
    ) -> None: ...

    def mark_claim_sent(self, request_id: str, approver_email: str, at: datetime) -> None: ...

    def take_lease(self, request_id: str, key: str, at: datetime) -> LeaveRecord: ...

    def release_lease(self, request_id: str, key: str) -> None: ...

    def pending_submitted_before(self, cutoff: datetime) -> Iterator[LeaveRecord]: ...

    def requests_of(self, employee_email: str, limit: int) -> list[LeaveRecord]: ...

    def approved_by(self, approver_email: str, since: date) -> list[LeaveRecord]: ...


# A decision's claim holds once marked sent, or until it expires; a lease until it expires.
_NO_LIVE_CLAIM = (
    "(attribute_not_exists(claimed_by) OR "
    "(attribute_not_exists(claim_sent_at) AND claim_until < :now))"
)
_NO_LIVE_LEASE = "(attribute_not_exists(lease_key) OR lease_until < :now)"


def _awaiting_values() -> dict[str, str]:
    return {f":awaiting{i}": status.value for i, status in enumerate(AWAITING_DECISION)}


def _millis(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


def _from_millis(millis: int) -> datetime:
    return datetime.fromtimestamp(millis / 1000, UTC)


def _is_condition_failure(error: ClientError) -> bool:
    return error.response["Error"]["Code"] == "ConditionalCheckFailedException"


def _cancelled_by_condition(error: ClientError) -> list[bool]:
    """For a cancelled transaction: which of its items failed their condition."""
    if error.response["Error"]["Code"] != "TransactionCanceledException":
        raise error
    reasons = error.response.get("CancellationReasons") or []
    failed = [reason.get("Code") == "ConditionalCheckFailed" for reason in reasons]
    if not any(failed):
        # Cancelled for another reason (a conflicting transaction, throttling): the caller's
        # retry policy decides.
        raise error
    return failed


def _readable(items: Iterable[dict[str, Any]]) -> list[LeaveRecord]:
    """The listed items that read as requests. One that does not (written by an older version,
    or edited by hand) is left out and logged, so it never breaks a list or a calendar feed."""
    records = []
    for item in items:
        try:
            records.append(LeaveRecord.model_validate(from_item(item)))
        except ValidationError as invalid:
            problems = [
                f"{'.'.join(str(part) for part in error['loc'])}: {error['type']}"
                for error in invalid.errors(include_input=False)
            ]
            key = item.get(PARTITION_KEY, {}).get("S")
            logger.warning(
                "a stored request is unreadable: left out", extra={"key": key, "problems": problems}
            )
    return records


def _calendar_entry_value(entry: CalendarEntry) -> dict[str, str]:
    return {
        "start": entry.start.isoformat(),
        "end": entry.end.isoformat(),
        "status": entry.status.value,
    }


def _entry_for(request: LeaveRequest, status: LeaveStatus) -> CalendarEntry:
    return CalendarEntry(request.request_id, request.start_date, request.end_date, status)


class DynamoDbLeaveStore:
    def __init__(self, table_name: str, client: Any = None) -> None:
        self._table = table_name
        self._client = client or aws_client("dynamodb")

    # -- reads -----------------------------------------------------------------------------------

    def get(self, request_id: str) -> LeaveRecord | None:
        response = self._client.get_item(
            TableName=self._table, Key=to_item(request_key(request_id)), ConsistentRead=True
        )
        return (
            LeaveRecord.model_validate(from_item(response["Item"])) if "Item" in response else None
        )

    def calendar(self, employee_email: str) -> EmployeeCalendar:
        response = self._client.get_item(
            TableName=self._table, Key=to_item(calendar_key(employee_email)), ConsistentRead=True
        )
        if "Item" not in response:
            return EmployeeCalendar()
        item = from_item(response["Item"])
        entries = tuple(
            CalendarEntry(
                request_id,
                date.fromisoformat(value["start"]),
                date.fromisoformat(value["end"]),
                LeaveStatus(value["status"]),
            )
            for request_id, value in sorted(item.get("held_leave", {}).items())
        )
        return EmployeeCalendar(entries, int(item["calendar_version"]))

    def pending_submitted_before(self, cutoff: datetime) -> Iterator[LeaveRecord]:
        """Pending requests submitted before `cutoff`, oldest first (across the shards)."""
        return heapq.merge(
            *(self._pending_in(shard, cutoff) for shard in pending_shards()),
            key=lambda record: record.submitted_at,
        )

    def _pending_in(self, shard: str, cutoff: datetime) -> Iterator[LeaveRecord]:
        paginator = self._client.get_paginator("query")
        for page in paginator.paginate(
            TableName=self._table,
            IndexName=BY_PENDING.name,
            KeyConditionExpression="#shard = :shard AND #submitted < :cutoff",
            ExpressionAttributeNames={
                "#shard": BY_PENDING.partition_key,
                "#submitted": BY_PENDING.sort_key,
            },
            ExpressionAttributeValues=to_item({":shard": shard, ":cutoff": cutoff.isoformat()}),
        ):
            for item in page["Items"]:
                yield LeaveRecord.model_validate(from_item(item))

    def approved_by(self, approver_email: str, since: date) -> list[LeaveRecord]:
        """The leave `approver_email` approved that starts on or after `since`, by start date."""
        paginator = self._client.get_paginator("query")
        pages = paginator.paginate(
            TableName=self._table,
            IndexName=BY_APPROVER.name,
            KeyConditionExpression="#team = :approver AND #start >= :since",
            ExpressionAttributeNames={
                "#team": BY_APPROVER.partition_key,
                "#start": BY_APPROVER.sort_key,
            },
            ExpressionAttributeValues=to_item(
                {":approver": approver_email, ":since": since.isoformat()}
            ),
        )
        return _readable(item for page in pages for item in page["Items"])

    def requests_of(self, employee_email: str, limit: int) -> list[LeaveRecord]:
        """The employee's latest requests by start date, latest first (at most `limit`)."""
        response = self._client.query(
            TableName=self._table,
            IndexName=BY_EMPLOYEE.name,
            KeyConditionExpression="#employee = :employee",
            ExpressionAttributeNames={"#employee": BY_EMPLOYEE.partition_key},
            ExpressionAttributeValues=to_item({":employee": employee_email}),
            ScanIndexForward=False,
            Limit=limit,
        )
        return _readable(response["Items"])

    # -- a request's life --------------------------------------------------------------------------

    def create_pending(
        self,
        request: LeaveRequest,
        submitted_at: datetime,
        max_pending: int,
        handed_over: tuple[HistoryEntry, ...] = (),
    ) -> LeaveRecord:
        """Record a new pending request and hold its dates, or raise why not.

        RequestExistsError: the id is taken (a retried submit). OverlapError: the employee
        holds some of these dates. TooManyPendingError: the employee has `max_pending` requests
        waiting already (counted in the same calendar, so racing submissions cannot pass it).
        CalendarBusyError: the calendar kept changing under us.
        """
        record = LeaveRecord(
            **request.model_dump(),
            status=LeaveStatus.PENDING,
            submitted_at=submitted_at,
            # `handed_over`: a delegation sent it past an approver who is away.
            history=(HistoryEntry(event=HistoryEvent.SUBMITTED, at=submitted_at), *handed_over),
        )
        shard = pending_shard_of(request.request_id)
        put_request = {
            "Put": {
                "TableName": self._table,
                "Item": to_item(
                    {
                        **request_key(request.request_id),
                        # follow_ups is a string set, created by the first follow-up.
                        **record.model_dump(mode="json", exclude={"follow_ups"}),
                        BY_PENDING.partition_key: shard,
                    }
                ),
                "ConditionExpression": "attribute_not_exists(pk)",
            }
        }
        for _ in range(CALENDAR_WRITE_ATTEMPTS):
            calendar = self.calendar(request.employee_email)
            clash = calendar.first_clash(request.request_id, request.start_date, request.end_date)
            if clash is not None:
                raise OverlapError(clash)
            if calendar.pending_count >= max_pending:
                raise TooManyPendingError(calendar.pending_count)
            add_entry = self._add_to_calendar(
                request, calendar, stale=calendar.stale_entries(submitted_at.date())
            )
            try:
                self._client.transact_write_items(
                    TransactItems=[put_request, add_entry, self._count(shard, SUBMITTED)]
                )
            except ClientError as error:
                request_taken, calendar_changed, _ = _cancelled_by_condition(error)
                if request_taken:
                    raise RequestExistsError(
                        "a request with this id exists", self.get(request.request_id)
                    ) from None
                if calendar_changed:
                    continue
                raise
            return record
        raise CalendarBusyError(request.employee_email)

    def _add_to_calendar(
        self, request: LeaveRequest, calendar: EmployeeCalendar, stale: tuple[CalendarEntry, ...]
    ) -> dict[str, Any]:
        entry = _calendar_entry_value(_entry_for(request, LeaveStatus.PENDING))
        update: dict[str, Any] = {
            "TableName": self._table,
            "Key": to_item(calendar_key(request.employee_email)),
        }
        if calendar.version is None:
            update |= {
                "UpdateExpression": "SET held_leave = :leave, calendar_version = :one",
                "ConditionExpression": "attribute_not_exists(calendar_version)",
                "ExpressionAttributeValues": to_item(
                    {":leave": {request.request_id: entry}, ":one": 1}
                ),
            }
            return {"Update": update}
        names = {"#new": request.request_id} | {
            f"#old{i}": e.request_id for i, e in enumerate(stale)
        }
        removals = ", ".join(f"held_leave.#old{i}" for i in range(len(stale)))
        update |= {
            "UpdateExpression": "SET held_leave.#new = :entry, calendar_version = :next"
            + (f" REMOVE {removals}" if removals else ""),
            "ConditionExpression": "calendar_version = :seen",
            "ExpressionAttributeNames": names,
            "ExpressionAttributeValues": to_item(
                {":entry": entry, ":next": calendar.version + 1, ":seen": calendar.version}
            ),
        }
        return {"Update": update}

    def discard_unstarted(self, request: LeaveRequest) -> bool:
        """Undo a request whose workflow could not be started, freeing its dates.

        Only while no execution has taken it over: False means one has (the start went through
        after all), and the request stands.
        """
        remove_request = {
            "Delete": {
                "TableName": self._table,
                "Key": to_item(request_key(request.request_id)),
                "ConditionExpression": (
                    "#status = :pending AND execution_name = :name "
                    "AND attribute_not_exists(workflow_started_at)"
                ),
                "ExpressionAttributeNames": {"#status": "status"},
                "ExpressionAttributeValues": to_item(
                    {":pending": LeaveStatus.PENDING.value, ":name": request.execution_name}
                ),
            }
        }
        free_dates = self._free_dates(request)
        # It was never submitted, as far as anyone will know.
        uncount = self._count(
            pending_shard_of(request.request_id), {name: -n for name, n in SUBMITTED.items()}
        )
        try:
            self._client.transact_write_items(TransactItems=[remove_request, free_dates, uncount])
        except ClientError as error:
            _cancelled_by_condition(error)
            existing = self.get(request.request_id)
            return existing is None or existing.execution_name != request.execution_name
        return True

    def _count(self, shard: str, deltas: dict[str, int], owed: str | None = None) -> dict[str, Any]:
        """A transaction item that moves the shard's counts (pending, the status totals) and,
        with `owed`, notes that request as owed its announcement."""
        names: dict[str, str] = {f"#c{i}": name for i, name in enumerate(deltas)}
        values: dict[str, Any] = {f":d{i}": delta for i, delta in enumerate(deltas.values())}
        if owed is not None:
            names["#owed"], values[":owed"] = OWED_ANNOUNCEMENTS, {owed}
        additions = ", ".join(f"{name} {value}" for name, value in zip(names, values, strict=True))
        return {
            "Update": {
                "TableName": self._table,
                "Key": to_item(pending_counter_key(shard)),
                "UpdateExpression": f"ADD {additions}",
                "ExpressionAttributeNames": names,
                "ExpressionAttributeValues": to_item(values),
            }
        }

    def _free_dates(self, request: LeaveRequest) -> dict[str, Any]:
        return self._calendar_update(request, "REMOVE held_leave.#request")

    def _hold_dates(self, request: LeaveRequest, status: LeaveStatus) -> dict[str, Any]:
        entry = _calendar_entry_value(_entry_for(request, status))
        return self._calendar_update(request, "SET held_leave.#request = :entry", {":entry": entry})

    def _calendar_update(
        self, request: LeaveRequest, expression: str, values: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        """A transaction item that changes the request's entry in its employee's calendar."""
        update: dict[str, Any] = {
            "TableName": self._table,
            "Key": to_item(calendar_key(request.employee_email)),
            "UpdateExpression": expression,
            "ConditionExpression": "attribute_exists(calendar_version)",
            "ExpressionAttributeNames": {"#request": request.request_id},
        }
        if values:
            update["ExpressionAttributeValues"] = to_item(values)
        return {"Update": update}

    def take_over(self, request: LeaveRequest, at: datetime) -> LeaveRecord | None:
        """The workflow's execution claims its request; None if submit discarded it (or it
        was settled before the execution ran). A repeat keeps the first time."""
        try:
            response = self._client.update_item(
                TableName=self._table,
                Key=to_item(request_key(request.request_id)),
                UpdateExpression="SET #started = if_not_exists(#started, :at)",
                # Only while pending: a request the sweep settled before a late start ran
                # stays settled.
                ConditionExpression="execution_name = :name AND #status = :pending",
                ExpressionAttributeNames={"#status": "status", "#started": "workflow_started_at"},
                ExpressionAttributeValues=to_item(
                    {
                        ":at": at.isoformat(),
                        ":name": request.execution_name,
                        ":pending": LeaveStatus.PENDING.value,
                    }
                ),
                ReturnValues="ALL_NEW",
            )
        except ClientError as error:
            if not _is_condition_failure(error):
                raise
            return None
        return LeaveRecord.model_validate(from_item(response["Attributes"]))

    def attach_callback(self, request_id: str, callback_id: str, deadline: datetime) -> LeaveRecord:
        """Keep the callback the approver's decision goes to, and until when it may come."""
        try:
            response = self._client.update_item(
                TableName=self._table,
                Key=to_item(request_key(request_id)),
                UpdateExpression="SET callback_id = :callback, decision_deadline = :deadline",
                ConditionExpression="#status = :pending",
                ExpressionAttributeNames={"#status": "status"},
                ExpressionAttributeValues=to_item(
                    {
                        ":callback": callback_id,
                        ":deadline": deadline.isoformat(),
                        ":pending": LeaveStatus.PENDING.value,
                    }
                ),
                ReturnValues="ALL_NEW",
            )
        except ClientError as error:
            if not _is_condition_failure(error):
                raise
            raise RequestConflictError("the request is no longer pending") from None
        return LeaveRecord.model_validate(from_item(response["Attributes"]))

    def awaiting_decision_by_or_handed_on(
        self, approver_email: str, key: str
    ) -> Iterator[LeaveRecord]:
        """The requests waiting for `approver_email`'s decision, and those still waiting that
        the follow-up `key` (a delegation's) handed on. It reads every waiting request (the
        pending index, filtered): done once when a delegation starts, not on a hot path."""
        for shard in pending_shards():
            paginator = self._client.get_paginator("query")
            for page in paginator.paginate(
                TableName=self._table,
                IndexName=BY_PENDING.name,
                KeyConditionExpression="#shard = :shard",
                FilterExpression="approver_email = :approver OR contains(follow_ups, :key)",
                ExpressionAttributeNames={"#shard": BY_PENDING.partition_key},
                ExpressionAttributeValues=to_item(
                    {":shard": shard, ":approver": approver_email, ":key": key}
                ),
            ):
                for item in page["Items"]:
                    yield LeaveRecord.model_validate(from_item(item))

    def record_outcome(
        self,
        request_id: str,
        outcome: Outcome,
        ended_by: str,
        only_unclaimed: bool = False,
        owes_announcement: bool = False,
    ) -> None:
        """Move the request to the outcome's status if `TRANSITIONS` allows it from where the
        request stands, in one transaction with what the move does to its calendar entry (held
        or freed), to its shard's counts (out of pending; one more in the total of the status
        it enters: exact, since only the move that holds adds it) and with `ended_by`, the
        writer. The write holds only if the request still stands where it was read (and, with
        `only_unclaimed`, while no workflow has taken it over). With `owes_announcement` (a
        writer no durable step retries), the request is also noted on its shard as owed its
        announcement until `mark_notified`: the sweep announces it if the writer died between.

        A repeat of the same move by the same writer (a retried step) is a success, so the
        writer announces it again; the same move by someone else, or a move not allowed,
        raises RequestConflictError: that writer must tell nobody.
        """
        record = self.get(request_id)
        target = outcome.status
        claimed = record is not None and record.workflow_started_at is not None
        if (
            record is None
            or target not in TRANSITIONS[record.status]
            or (only_unclaimed and claimed)
        ):
            self._ensure_already(record, target, ended_by)
            return
        entry = outcome.history_entry().model_dump(mode="json", exclude_none=True)
        sets = [
            "#status = :status",
            "decided_at = :at",
            "history = list_append(history, :entry)",
            "ended_by = :ended_by",
        ]
        # The callback id stays: a settler retrying after a crash must still know the approver
        # was asked (and tell them). Approved leave joins its approver's team calendar (the
        # by_approver index); any other move leaves it.
        removals = [BY_PENDING.partition_key]
        approved = target is LeaveStatus.APPROVED
        if approved:
            sets.append(f"{BY_APPROVER.partition_key} = :approver")
        else:
            removals.append(BY_APPROVER.partition_key)
        move = {
            "Update": {
                "TableName": self._table,
                "Key": to_item(request_key(request_id)),
                "UpdateExpression": f"SET {', '.join(sets)} REMOVE {', '.join(removals)}",
                "ConditionExpression": "#status = :current"
                + (" AND attribute_not_exists(workflow_started_at)" if only_unclaimed else ""),
                "ExpressionAttributeNames": {"#status": "status"},
                "ExpressionAttributeValues": to_item(
                    {
                        ":status": target.value,
                        ":at": outcome.decided_at.isoformat(),
                        ":entry": [entry],
                        ":current": record.status.value,
                        ":ended_by": ended_by,
                    }
                    # Credit who approved, whoever the request was with at that moment.
                    | ({":approver": outcome.by or record.approver_email} if approved else {})
                ),
            }
        }
        calendar = (
            self._hold_dates(record, target) if target.blocks_dates else self._free_dates(record)
        )
        counts = {status_total(target): 1}
        if record.status is LeaveStatus.PENDING:
            counts[PENDING_COUNT] = -1
        owed = request_id if owes_announcement else None
        items = [move, calendar, self._count(pending_shard_of(request_id), counts, owed)]
        try:
            self._client.transact_write_items(TransactItems=items)
        except ClientError as error:
            _cancelled_by_condition(error)
            self._ensure_already(self.get(request_id), target, ended_by)

    @staticmethod
    def _ensure_already(record: LeaveRecord | None, target: LeaveStatus, ended_by: str) -> None:
        """The request could not be moved to `target`: fine if this writer moved it there
        already (a retried step finds its own earlier write), a conflict otherwise. A record
        written before writers were recorded counts as the writer's own."""
        if record is not None and record.status is target and record.ended_by in (ended_by, None):
            return
        where = record.status.value if record else "gone"
        raise RequestConflictError(f"the request is {where}", record)

    def mark_notified(self, request_id: str, at: datetime) -> None:
        """The request's end was announced and its people told: it is owed nothing more."""
        noted = {
            "Update": {
                "TableName": self._table,
                "Key": to_item(request_key(request_id)),
                "UpdateExpression": "SET outcome_notified_at = :at",
                "ConditionExpression": "attribute_exists(pk)",
                "ExpressionAttributeValues": to_item({":at": at.isoformat()}),
            }
        }
        settled = {
            "Update": {
                "TableName": self._table,
                "Key": to_item(pending_counter_key(pending_shard_of(request_id))),
                "UpdateExpression": "DELETE #owed :request",
                "ExpressionAttributeNames": {"#owed": OWED_ANNOUNCEMENTS},
                "ExpressionAttributeValues": to_item({":request": {request_id}}),
            }
        }
        self._client.transact_write_items(TransactItems=[noted, settled])

    def owed_announcements(self) -> list[str]:
        """The requests a writer outside the workflow ended but has not announced yet (one
        BatchGetItem of the shards' count items)."""
        keys = [to_item(pending_counter_key(shard)) for shard in pending_shards()]
        request: dict[str, Any] = {
            self._table: {
                "Keys": keys,
                "ProjectionExpression": "#owed",
                "ExpressionAttributeNames": {"#owed": OWED_ANNOUNCEMENTS},
            }
        }
        owed: list[str] = []
        while request:
            answer = self._client.batch_get_item(RequestItems=request)
            for item in answer["Responses"].get(self._table, []):
                owed += from_item(item).get(OWED_ANNOUNCEMENTS, [])
            request = answer.get("UnprocessedKeys") or {}
        return sorted(owed)

    # -- who may act on the level a request waits at (see handlers/domain/claims.py) ------------

    def claim_decision(
        self, request_id: str, approver_email: str, callback_id: str, at: datetime
    ) -> None:
        """Claim the level the request waits at for `approver_email`'s decision, before it goes
        into `callback_id`: only while it awaits a decision through that callback, is theirs,
        and no live claim of someone else's or live follow-up lease holds it. Taken again by
        the same approver, it holds as before.

        FollowUpUnderwayError: a follow-up holds the request (retry once it is done).
        RequestConflictError: the level is no longer this approver's to decide (`record`).
        """
        statuses = _awaiting_values()
        condition = (
            f"#status IN ({', '.join(statuses)}) AND approver_email = :approver "
            f"AND callback_id = :callback AND {_NO_LIVE_LEASE} "
            f"AND ({_NO_LIVE_CLAIM} OR claimed_by = :approver)"
        )
        try:
            self._client.update_item(
                TableName=self._table,
                Key=to_item(request_key(request_id)),
                UpdateExpression=(
                    "SET claimed_by = :approver, claim_callback = :callback, claim_until = :until"
                ),
                ConditionExpression=condition,
                ExpressionAttributeNames={"#status": "status"},
                ExpressionAttributeValues=to_item(
                    {
                        **statuses,
                        ":approver": approver_email,
                        ":callback": callback_id,
                        ":until": _millis(claim_expiry(at)),
                        ":now": _millis(at),
                    }
                ),
            )
        except ClientError as error:
            if not _is_condition_failure(error):
                raise
            item = self._raw(request_id)
            lease_until = int(item.get("lease_until", 0)) if item and "lease_key" in item else 0
            if lease_until >= _millis(at):
                raise FollowUpUnderwayError(_from_millis(lease_until)) from None
            record = LeaveRecord.model_validate(item) if item else None
            raise RequestConflictError("the level is not this approver's", record) from None

    def mark_claim_sent(self, request_id: str, approver_email: str, at: datetime) -> None:
        """The claimed decision went into the callback: the claim now holds for good. Best
        effort: unmarked, it stops holding after the decision function's timeout, long after
        the workflow took the decision."""
        with suppress(ClientError):
            self._client.update_item(
                TableName=self._table,
                Key=to_item(request_key(request_id)),
                UpdateExpression="SET claim_sent_at = :at",
                ConditionExpression="claimed_by = :approver",
                ExpressionAttributeValues=to_item(
                    {":at": _millis(at), ":approver": approver_email}
                ),
            )

    def take_lease(self, request_id: str, key: str, at: datetime) -> LeaveRecord:
        """Hold the request for the follow-up `key` while it writes and sends: only while it
        awaits a decision, no decision claimed it, and no other follow-up holds it. Taken again
        by the same follow-up (a retried step), it holds anew. The record as it now stands;
        RequestConflictError otherwise."""
        statuses = _awaiting_values()
        condition = (
            f"#status IN ({', '.join(statuses)}) AND {_NO_LIVE_CLAIM} "
            "AND (attribute_not_exists(lease_key) OR lease_key = :key OR lease_until < :now)"
        )
        try:
            response = self._client.update_item(
                TableName=self._table,
                Key=to_item(request_key(request_id)),
                UpdateExpression="SET lease_key = :key, lease_until = :until",
                ConditionExpression=condition,
                ExpressionAttributeNames={"#status": "status"},
                ExpressionAttributeValues=to_item(
                    {
                        **statuses,
                        ":key": key,
                        ":until": _millis(lease_expiry(at)),
                        ":now": _millis(at),
                    }
                ),
                ReturnValues="ALL_NEW",
            )
        except ClientError as error:
            if not _is_condition_failure(error):
                raise
            raise RequestConflictError("claimed, decided or held", self.get(request_id)) from None
        return LeaveRecord.model_validate(from_item(response["Attributes"]))

    def release_lease(self, request_id: str, key: str) -> None:
        """Let go of the follow-up `key`'s lease, if it still holds it."""
        try:
            self._client.update_item(
                TableName=self._table,
                Key=to_item(request_key(request_id)),
                UpdateExpression="REMOVE lease_key, lease_until",
                ConditionExpression="lease_key = :key",
                ExpressionAttributeValues=to_item({":key": key}),
            )
        except ClientError as error:
            if not _is_condition_failure(error):
                raise

    def _raw(self, request_id: str) -> dict[str, Any] | None:
        response = self._client.get_item(
            TableName=self._table, Key=to_item(request_key(request_id)), ConsistentRead=True
        )
        return from_item(response["Item"]) if "Item" in response else None

    def follow_up(
        self,
        request_id: str,
        key: str,
        entry: HistoryEntry,
        handed_from: str | None = None,
        callback_id: str | None = None,
        after_decision: bool = False,
    ) -> LeaveRecord:
        """Add a follow-up (reminder, escalation, reassignment) to the history of a request
        that still awaits a decision and that no decision claimed, once: `key` marks it done.
        With `handed_from`, the request moves from that approver to `entry.to_approver`, only
        if it is still theirs.

        Returns the record as it now stands; a repeat of a follow-up that happened (a retried
        step) returns it as well. RequestConflictError: the request was decided or claimed
        meanwhile, or (for a hand-over) is no longer `handed_from`'s. `callback_id`: the
        hand-over comes with a new callback (a second approval), attached in the same write.
        `after_decision`: the write follows the level's accepted decision (the hand-over to
        the second level, or the note that one approval suffices): it ends the level's claim
        instead of yielding to it.
        """
        statuses = _awaiting_values()
        condition = f"#status IN ({', '.join(statuses)}) AND NOT contains(follow_ups, :key)"
        sets = ["history = list_append(history, :entry)"]
        values: dict[str, Any] = {
            **statuses,
            ":key": key,
            ":keys": {key},
            ":entry": [entry.model_dump(mode="json", exclude_none=True)],
        }
        removals = ""
        if after_decision:
            removals = " REMOVE claimed_by, claim_callback, claim_until, claim_sent_at"
        else:
            condition += f" AND {_NO_LIVE_CLAIM}"
            values[":now"] = _millis(entry.at)
        if handed_from is not None:
            sets.append("approver_email = :to")
            condition += " AND approver_email = :from"
            values |= {":to": entry.to_approver, ":from": handed_from}
        if callback_id is not None:
            sets.append("callback_id = :callback")
            values[":callback"] = callback_id
        try:
            response = self._client.update_item(
                TableName=self._table,
                Key=to_item(request_key(request_id)),
                UpdateExpression=f"SET {', '.join(sets)} ADD follow_ups :keys{removals}",
                ConditionExpression=condition,
                ExpressionAttributeNames={"#status": "status"},
                ExpressionAttributeValues=to_item(values),
                ReturnValues="ALL_NEW",
            )
        except ClientError as error:
            if not _is_condition_failure(error):
                raise
            record = self.get(request_id)
            if record is not None and key in record.follow_ups:
                return record
            where = record.status.value if record else "gone"
            raise RequestConflictError(f"the request is {where}", record) from None
        return LeaveRecord.model_validate(from_item(response["Attributes"]))
