"""Moving a request from one status to another: its submission, a start undone, its end, and
the note that its end was announced.

Every move is conditional on the moves `TRANSITIONS` allows, and changes the employee's
calendar (the dates held or freed), their balances (the days held, taken or given back:
balances.py) and its shard's counts (pending, the status totals) in the same transaction: a
request, the dates and days it holds and the counts never disagree, whatever fails between two
calls, and a move that happens once gives days back once.
"""

from datetime import datetime
from typing import Any

from botocore.exceptions import ClientError

from handlers.domain.allowances import Balance, counter_moves
from handlers.domain.calendar import CalendarEntry, EmployeeCalendar
from handlers.domain.leave_request import HistoryEntry, LeaveRecord, LeaveRequest, Outcome
from handlers.domain.statuses import TRANSITIONS, HistoryEvent, LeaveStatus
from handlers.storage.balances import BalanceReads, balance_update
from handlers.storage.items import to_item
from handlers.storage.refused_writes import (
    CalendarBusyError,
    OverAllowanceError,
    OverlapError,
    RequestConflictError,
    RequestExistsError,
    TooManyPendingError,
)
from handlers.storage.table_schema import (
    BY_APPROVER,
    BY_PENDING,
    OWED_ANNOUNCEMENTS,
    PENDING_COUNT,
    calendar_key,
    pending_counter_key,
    pending_shard_of,
    request_key,
    status_total,
)

# What a request's submission does to its shard's counts: one more pending, one more submitted.
SUBMITTED = {PENDING_COUNT: 1, status_total(LeaveStatus.PENDING): 1}

# Optimistic writes to one employee's calendar that lose to another writer are retried this
# often before submit gives up with "busy, retry": only a burst of submissions by one employee
# gets there.
CALENDAR_WRITE_ATTEMPTS = 8


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


def _calendar_entry_value(entry: CalendarEntry) -> dict[str, str]:
    return {
        "start": entry.start.isoformat(),
        "end": entry.end.isoformat(),
        "status": entry.status.value,
    }


def _entry_for(request: LeaveRequest, status: LeaveStatus) -> CalendarEntry:
    return CalendarEntry(request.request_id, request.start_date, request.end_date, status)


class StatusMoves(BalanceReads):
    def create_pending(
        self,
        request: LeaveRequest,
        submitted_at: datetime,
        max_pending: int,
        handed_over: tuple[HistoryEntry, ...] = (),
        allowance: int | None = None,
    ) -> LeaveRecord:
        """Record a new pending request and hold its dates and its days, or raise why not.

        RequestExistsError: the id is taken (a retried submit). OverlapError: the employee
        holds some of these dates. TooManyPendingError: the employee has `max_pending` requests
        waiting already (counted in the same calendar, so racing submissions cannot pass it).
        OverAllowanceError: a year's balance of its leave type has fewer days left than it
        takes of that year (`allowance` days a year; None: no limit; checked again by the
        transaction's condition, so racing submissions cannot overdraw it).
        CalendarBusyError: the calendar or the balance kept changing under us.
        """
        record = LeaveRecord(
            **request.model_dump(),
            status=LeaveStatus.PENDING,
            submitted_at=submitted_at,
            # `handed_over`: a delegation sent it past an approver who is away.
            history=(HistoryEntry(event=HistoryEvent.SUBMITTED, at=submitted_at), *handed_over),
        )
        shard = pending_shard_of(request.request_id)
        hold_days = self._hold_days(request, allowance)
        put_request = {
            "Put": {
                "TableName": self._table,
                "Item": to_item(
                    {
                        **request_key(request.request_id),
                        # follow_ups and notices_sent are string sets, created by the first
                        # follow-up and the first notice.
                        **record.model_dump(mode="json", exclude={"follow_ups", "notices_sent"}),
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
            self._check_allowance(request, allowance)
            add_entry = self._add_to_calendar(
                request, calendar, stale=calendar.stale_entries(submitted_at.date())
            )
            try:
                self._client.transact_write_items(
                    TransactItems=[
                        put_request,
                        add_entry,
                        self._count(shard, SUBMITTED),
                        *hold_days,
                    ]
                )
            except ClientError as error:
                request_taken, calendar_changed, _, *balances_changed = _cancelled_by_condition(
                    error
                )
                if request_taken:
                    raise RequestExistsError(
                        "a request with this id exists", self.get(request.request_id)
                    ) from None
                # Read again: the calendar's clash, or the balance's days left, refuses it.
                if calendar_changed or any(balances_changed):
                    continue
                raise
            return record
        raise CalendarBusyError(request.employee_email)

    def _check_allowance(self, request: LeaveRequest, allowance: int | None) -> None:
        if allowance is None:
            return
        booked = self.booked_in(
            request.employee_email, request.leave_type, request.days_by_year.keys()
        )
        for year, days in sorted(request.days_by_year.items()):
            balance = Balance.of(request.leave_type, year, allowance, booked[year])
            if not balance.fits(days):
                raise OverAllowanceError(balance, days)

    def _hold_days(self, request: LeaveRequest, allowance: int | None) -> list[dict[str, Any]]:
        """Transaction items that hold the request's days in each year's balance, each only
        while that year has them left."""
        return [
            balance_update(
                self._table,
                request.employee_email,
                year,
                request.leave_type,
                counter_moves(None, LeaveStatus.PENDING, days),
                most_booked_before=None if allowance is None else allowance - days,
            )
            for year, days in sorted(request.days_by_year.items())
        ]

    def _move_days(
        self, request: LeaveRequest, before: LeaveStatus | None, after: LeaveStatus | None
    ) -> list[dict[str, Any]]:
        """Transaction items that move the request's days as a move from `before` to `after`
        does, by the days it recorded when it was submitted (never counted again)."""
        moves = [
            (year, counter_moves(before, after, days))
            for year, days in sorted(request.days_by_year.items())
        ]
        return [
            balance_update(self._table, request.employee_email, year, request.leave_type, moved)
            for year, moved in moves
            if moved
        ]

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
        """Undo a request whose workflow could not be started, freeing its dates and giving
        its days back.

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
            self._client.transact_write_items(
                TransactItems=[
                    remove_request,
                    free_dates,
                    uncount,
                    *self._move_days(request, LeaveStatus.PENDING, None),
                ]
            )
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
        or freed), to its days on the employee's balances (held to taken, or given back), to
        its shard's counts (out of pending; one more in the total of the status
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
        items = [
            move,
            calendar,
            self._count(pending_shard_of(request_id), counts, owed),
            *self._move_days(record, record.status, target),
        ]
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
