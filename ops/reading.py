"""What the reading commands show, built from the service's records: the rows of `list`, the
timeline of `show`, the rows of `export`. Pure: the commands read, this shapes."""

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from handlers.domain.leave_request import HistoryEntry, LeaveRecord
from handlers.domain.statuses import HistoryEvent
from handlers.gateways.durable_executions import ExecutionEvent
from ops.output import fail

_AGE_PART = re.compile(r"(?P<amount>\d+)(?P<unit>[smhdw])")
_AGE = re.compile(r"(?:\d+[smhdw])+")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"}

# The entries of a request's history that decide it, end it before a decision, or close it.
_DECIDING = (
    HistoryEvent.APPROVED,
    HistoryEvent.REJECTED,
    HistoryEvent.EXPIRED,
    HistoryEvent.FAILED,
    HistoryEvent.WITHDRAWN,
)

LIST_COLUMNS = (
    "request_id",
    "employee",
    "type",
    "first_day",
    "last_day",
    "days",
    "status",
    "waiting_for",
    "submitted_at",
)
EXPORT_COLUMNS = (
    "employee",
    "type",
    "first_day",
    "last_day",
    "working_days",
    "status",
    "decided_by",
    "decided_at",
    "request_id",
)


def parse_age(text: str) -> timedelta:
    """`30m`, `12h`, `3d`, `2w` (or several: `1d12h`) as a length of time."""
    compact = text.replace(" ", "").lower()
    if not _AGE.fullmatch(compact):
        fail(f"--older-than {text!r}: write a length like 90s, 30m, 12h, 3d or 2w")
    return sum(
        (
            timedelta(**{_UNITS[part["unit"]]: int(part["amount"])})
            for part in _AGE_PART.finditer(compact)
        ),
        start=timedelta(),
    )


def parse_day(option: str, text: str | None) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        fail(f"{option} {text!r}: write a date as YYYY-MM-DD")


def check_range(first: date | None, last: date | None) -> None:
    if first is not None and last is not None and last < first:
        fail(f"--to {last.isoformat()} is before --from {first.isoformat()}")


def _moment(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat(timespec="seconds")


def list_row(record: LeaveRecord) -> dict[str, object]:
    return {
        "request_id": record.request_id,
        "employee": record.employee_email,
        "type": record.leave_type.value,
        "first_day": record.start_date.isoformat(),
        "last_day": record.end_date.isoformat(),
        "days": record.days,
        "status": record.status.value,
        "waiting_for": record.approver_email if record.status.awaits_decision else None,
        "submitted_at": _moment(record.submitted_at),
    }


def deciding_entry(record: LeaveRecord) -> HistoryEntry | None:
    """The history entry that decided or ended it (an approval stays the decision of leave
    cancelled since)."""
    return next((e for e in reversed(record.history) if e.event in _DECIDING), None)


def export_row(record: LeaveRecord) -> dict[str, object]:
    decided = deciding_entry(record)
    return {
        "employee": record.employee_email,
        "type": record.leave_type.value,
        "first_day": record.start_date.isoformat(),
        "last_day": record.end_date.isoformat(),
        "working_days": record.days,
        "status": record.status.value,
        "decided_by": decided.by if decided else None,
        "decided_at": _moment(decided.at) if decided else None,
        "request_id": record.request_id,
    }


def export_rows(records: Iterable[LeaveRecord]) -> list[dict[str, object]]:
    """By employee, then by first day."""
    ordered = sorted(records, key=lambda r: (r.employee_email, r.start_date, r.request_id))
    return [export_row(record) for record in ordered]


@dataclass(frozen=True)
class TimelineEntry:
    at: datetime
    # "request" (its stored history) or "execution" (its durable execution's history).
    source: str
    what: str
    detail: str | None

    def as_row(self) -> dict[str, object]:
        return {
            "at": _moment(self.at),
            "source": self.source,
            "what": self.what,
            "detail": self.detail,
        }


def _history_detail(entry: HistoryEntry) -> str | None:
    parts = []
    if entry.by:
        parts.append(f"by {entry.by}")
    if entry.from_approver or entry.to_approver:
        parts.append(f"{entry.from_approver or '?'} -> {entry.to_approver or '?'}")
    if entry.comment:
        parts.append(f"{entry.comment!r}")
    return "; ".join(parts) or None


def timeline(
    record: LeaveRecord, execution_events: Sequence[ExecutionEvent]
) -> list[TimelineEntry]:
    """The request's history and its execution's, as one list ordered by time (at the same
    moment, the request's entry first)."""
    entries = [
        TimelineEntry(entry.at, "request", entry.event.value, _history_detail(entry))
        for entry in record.history
    ] + [
        TimelineEntry(
            event.at,
            "execution",
            event.kind,
            "; ".join(part for part in (event.name, event.error) if part) or None,
        )
        for event in execution_events
    ]
    order = {"request": 0, "execution": 1}
    return sorted(entries, key=lambda entry: (entry.at, order[entry.source]))


def record_summary(record: LeaveRecord) -> dict[str, object]:
    """What `show` says of the request above its timeline."""
    return {
        **list_row(record),
        "approver": record.approver_email,
        "reason": record.reason,
        "decided_at": _moment(record.decided_at),
        "decision_deadline": _moment(record.decision_deadline),
        "execution_name": record.execution_name,
        "ended_by": record.ended_by,
    }
