"""The request's state machine, its calendar, and which AWS failures are worth a retry."""

from datetime import date
from typing import Any

import pytest
from botocore.exceptions import ClientError, EndpointConnectionError, ReadTimeoutError

from handlers.domain.calendar import CalendarEntry, EmployeeCalendar
from handlers.domain.leave_request import execution_name_for, request_id_of
from handlers.domain.statuses import (
    AWAITING_DECISION,
    BLOCKING_STATUSES,
    FINAL_STATUSES,
    TRANSITIONS,
    LeaveStatus,
)
from handlers.gateways.transient_errors import is_transient


def test_a_request_ends_once_and_only_approved_leave_may_still_be_cancelled() -> None:
    assert set(TRANSITIONS) == set(LeaveStatus)
    assert TRANSITIONS[LeaveStatus.PENDING] == {
        LeaveStatus.APPROVED,
        LeaveStatus.REJECTED,
        LeaveStatus.EXPIRED,
        LeaveStatus.FAILED,
        LeaveStatus.WITHDRAWN,
    }
    assert TRANSITIONS[LeaveStatus.APPROVED] == {LeaveStatus.CANCELLED}
    assert FINAL_STATUSES == (
        LeaveStatus.REJECTED,
        LeaveStatus.EXPIRED,
        LeaveStatus.FAILED,
        LeaveStatus.WITHDRAWN,
        LeaveStatus.CANCELLED,
    )
    assert AWAITING_DECISION == (LeaveStatus.PENDING,)
    # Nothing leads back to pending; every end is reached from pending alone, but cancelled.
    assert all(LeaveStatus.PENDING not in moves for moves in TRANSITIONS.values())
    for final in FINAL_STATUSES:
        came_from = [s for s, moves in TRANSITIONS.items() if final in moves]
        assert came_from == (
            [LeaveStatus.APPROVED] if final is LeaveStatus.CANCELLED else [LeaveStatus.PENDING]
        )


def test_only_pending_and_approved_leave_holds_the_dates() -> None:
    assert BLOCKING_STATUSES == (LeaveStatus.PENDING, LeaveStatus.APPROVED)
    assert [s for s in LeaveStatus if s.blocks_dates] == list(BLOCKING_STATUSES)


def _entry(request_id: str, start: str, end: str, status: LeaveStatus) -> CalendarEntry:
    return CalendarEntry(request_id, date.fromisoformat(start), date.fromisoformat(end), status)


@pytest.mark.parametrize(
    ("start", "end", "clash"),
    [
        ("2026-03-01", "2026-03-09", None),  # the day before
        ("2026-03-01", "2026-03-10", "lr-a"),  # touches the first day
        ("2026-03-20", "2026-03-25", "lr-a"),  # touches the last day
        ("2026-03-21", "2026-03-30", None),  # the day after
        ("2026-03-12", "2026-03-13", "lr-a"),  # inside
        ("2026-03-01", "2026-04-30", "lr-a"),  # around both: the earlier one is named
    ],
)
def test_a_new_request_clashes_with_held_dates_ends_included(
    start: str, end: str, clash: str | None
) -> None:
    calendar = EmployeeCalendar(
        (
            _entry("lr-b", "2026-04-01", "2026-04-02", LeaveStatus.APPROVED),
            _entry("lr-a", "2026-03-10", "2026-03-20", LeaveStatus.PENDING),
        ),
        version=3,
    )
    found = calendar.first_clash("lr-new", date.fromisoformat(start), date.fromisoformat(end))
    assert (found.request_id if found else None) == clash


def test_a_request_never_clashes_with_itself() -> None:
    calendar = EmployeeCalendar((_entry("lr-a", "2026-03-10", "2026-03-20", LeaveStatus.PENDING),))
    assert calendar.first_clash("lr-a", date(2026, 3, 10), date(2026, 3, 20)) is None


def test_only_approved_leave_over_a_year_past_leaves_the_calendar() -> None:
    calendar = EmployeeCalendar(
        (
            _entry("lr-old", "2025-01-01", "2025-01-05", LeaveStatus.APPROVED),
            _entry("lr-recent", "2025-12-01", "2025-12-05", LeaveStatus.APPROVED),
            _entry("lr-waiting", "2024-01-01", "2024-01-02", LeaveStatus.PENDING),
        )
    )
    assert [e.request_id for e in calendar.stale_entries(date(2026, 3, 1))] == ["lr-old"]


def test_an_execution_name_leads_back_to_its_request() -> None:
    name = execution_name_for("lr-abc234", "9f0e1d2c")
    assert name == "lr-abc234-9f0e1d2c"
    assert request_id_of(name) == "lr-abc234"


def _client_error(code: str, status: int = 400, reasons: list[str] | None = None) -> ClientError:
    response: dict[str, Any] = {
        "Error": {"Code": code},
        "ResponseMetadata": {"HTTPStatusCode": status},
    }
    if reasons is not None:
        response["CancellationReasons"] = [{"Code": r} for r in reasons]
    return ClientError(response, "Op")


@pytest.mark.parametrize(
    "error",
    [
        _client_error("ThrottlingException"),
        _client_error("TooManyRequestsException", 429),
        _client_error("ProvisionedThroughputExceededException"),
        _client_error("ServiceException", 500),
        _client_error("SomethingNew", 503),
        _client_error("TransactionCanceledException", 400, ["None", "ThrottlingError"]),
        ReadTimeoutError(endpoint_url="https://dynamodb"),
        EndpointConnectionError(endpoint_url="https://lambda"),
    ],
)
def test_throttles_5xx_timeouts_and_lost_connections_may_pass(error: Exception) -> None:
    assert is_transient(error)


@pytest.mark.parametrize(
    "error",
    [
        _client_error("ConditionalCheckFailedException"),
        _client_error("ValidationException"),
        _client_error("AccessDeniedException", 403),
        _client_error("TransactionCanceledException", 400, ["ConditionalCheckFailed", "None"]),
        ValueError("a bug"),
    ],
)
def test_anything_else_fails_at_once(error: Exception) -> None:
    assert not is_transient(error)
