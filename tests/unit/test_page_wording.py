"""Every status, event and leave type has words on the pages: a new one cannot reach an
employee unnamed. Days and moments read one way everywhere, one day as that day; the approver's
pages say why a request came to them and what follows, in the tone of the outcome."""

import html
import re
from datetime import UTC, date, datetime, timedelta, timezone

from handlers.domain.date_style import day_words, moment_words
from handlers.domain.leave_request import DecisionPayload, HistoryEntry, LeaveForm, LeaveRecord
from handlers.domain.statuses import (
    Decision,
    HistoryEvent,
    LeaveStatus,
    LeaveType,
)
from handlers.web.decision_pages import (
    decision_form,
    decision_recorded,
    message_page,
    reject_confirmation,
)
from handlers.web.wording import (
    EVENT_WORDS,
    FIELD_LABELS,
    LEAVE_TYPE_WORDS,
    NEXT_STEPS,
    OUTCOME_SIGNS,
    STATUS_WORDS,
    leave_dates,
    length_and_dates_words,
)


def test_every_status_has_a_name_and_a_next_step() -> None:
    assert set(STATUS_WORDS) == set(LeaveStatus)
    assert set(NEXT_STEPS) == set(LeaveStatus)


def test_every_history_event_and_leave_type_has_words() -> None:
    assert set(EVENT_WORDS) == set(HistoryEvent)
    assert set(LEAVE_TYPE_WORDS) == set(LeaveType)


def test_every_field_of_the_form_has_a_label() -> None:
    assert set(LeaveForm.model_fields) <= set(FIELD_LABELS)


# -- one style for days and moments, and a leave's dates worded once ------------------------


def test_days_and_moments_are_written_one_unambiguous_way_naming_the_zone() -> None:
    assert day_words(date(2027, 2, 1)) == "Mon 1 Feb 2027"
    assert moment_words(datetime(2027, 2, 1, 14, 30, tzinfo=UTC)) == "Mon 1 Feb 2027 14:30 UTC"
    # A moment from elsewhere is said in UTC, as every email and page says it.
    new_york = timezone(timedelta(hours=-5))
    assert moment_words(datetime(2027, 1, 31, 23, 0, tzinfo=new_york)) == "Mon 1 Feb 2027 04:00 UTC"


def test_one_day_of_leave_reads_as_that_day_and_several_as_a_range() -> None:
    day = date(2027, 2, 1)
    assert leave_dates(day, day) == "on Mon 1 Feb 2027"
    assert length_and_dates_words(1, True, day, day) == "1 working day, Mon 1 Feb 2027"
    assert leave_dates(day, date(2027, 2, 5)) == "from Mon 1 Feb 2027 to Fri 5 Feb 2027"
    assert (
        length_and_dates_words(5, True, day, date(2027, 2, 5))
        == "5 working days, Mon 1 \u2013 Fri 5 Feb 2027"
    )


def test_every_outcome_has_a_sign_to_go_with_its_colour() -> None:
    assert set(OUTCOME_SIGNS) == {s for s in LeaveStatus if not s.awaits_decision}
    assert len({OUTCOME_SIGNS[s] for s in (LeaveStatus.APPROVED, LeaveStatus.REJECTED)}) == 2


# -- the approver's pages: why it came to them, what follows, in the tone of the outcome ------

FIRST_DAY = date(2027, 2, 1)
SUBMITTED = datetime(2027, 1, 4, 9, 0, tzinfo=UTC)


def _record(
    days: int = 1, *history: HistoryEntry, approver: str = "manager@email.com"
) -> LeaveRecord:
    return LeaveRecord(
        request_id="lr-1",
        execution_name="lr-1-a",
        employee_email="employee@email.com",
        approver_email=approver,
        start_date=FIRST_DAY,
        end_date=FIRST_DAY + timedelta(days=days - 1),
        status=LeaveStatus.PENDING,
        submitted_at=SUBMITTED,
        decision_deadline=SUBMITTED + timedelta(days=3),
        history=(HistoryEntry(event=HistoryEvent.SUBMITTED, at=SUBMITTED), *history),
    )


def _decided(decision: Decision, by: str = "manager@email.com") -> DecisionPayload:
    return DecisionPayload(decision=decision, approver_email=by, decided_at=SUBMITTED)


def _text(page: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html.unescape(page)).split())


FIRST_LEVEL_APPROVED = HistoryEntry(
    event=HistoryEvent.APPROVED_FIRST_LEVEL,
    at=SUBMITTED,
    by="manager@email.com",
    from_approver="manager@email.com",
    to_approver="director@email.com",
)


def test_the_first_approver_of_long_leave_is_told_a_second_approval_follows() -> None:
    page = _text(decision_recorded(_decided(Decision.APPROVE), _record(days=12), over_days=10))
    assert "Approved: a second approval follows" in page
    assert "Leave longer than 10 days needs a second approval" in page
    assert "Until they approve, the leave is not booked" in page
    assert "The dates are booked for them" not in page

    short = _text(decision_recorded(_decided(Decision.APPROVE), _record(days=3), over_days=10))
    assert (
        "You approved the leave of employee@email.com from Mon 1 Feb 2027 to Wed 3 Feb 2027"
        in short
    )
    assert "The dates are booked for them" in short
    assert "second approval" not in short


def test_the_second_approver_is_told_why_it_came_to_them_and_that_theirs_is_the_last() -> None:
    record = _record(12, FIRST_LEVEL_APPROVED, approver="director@email.com")
    page = _text(decision_form(record, "a.b", None, over_days=10))
    assert (
        "manager@email.com approved this leave at the first level. Leave longer than 10 days "
        "needs a second approval: this is it." in page
    )
    assert "Yours is the second and last approval" in page
    assert "If nobody decides by Thu 7 Jan 2027 09:00 UTC, the request expires." in page

    approved = _text(
        decision_recorded(_decided(Decision.APPROVE, "director@email.com"), record, 10)
    )
    assert "Leave approved" in approved
    assert "The dates are booked for them" in approved


def test_an_escalated_request_says_from_whom_and_why() -> None:
    escalated = HistoryEntry(
        event=HistoryEvent.ESCALATED,
        at=SUBMITTED,
        from_approver="director@email.com",
        to_approver="ceo@email.com",
    )
    record = _record(12, FIRST_LEVEL_APPROVED, escalated, approver="ceo@email.com")
    page = _text(decision_form(record, "a.b", None, over_days=10))
    assert "manager@email.com approved this leave at the first level" in page
    assert (
        "It was with director@email.com, who did not decide it in time, so it moved up to you."
        in page
    )
    first_level = _text(decision_form(_record(3), "a.b", None, over_days=10))
    assert "It came to you as employee@email.com's approver." in first_level
    assert "If you approve, the dates are booked for employee@email.com" in first_level


def test_a_rejection_and_an_approval_wear_different_tones_named_in_words() -> None:
    approved = decision_recorded(_decided(Decision.APPROVE), _record(), over_days=10)
    rejected = decision_recorded(_decided(Decision.REJECT), _record(), over_days=10)
    assert 'class="banner tone-approved"' in approved
    assert 'class="banner tone-rejected"' in rejected
    assert "Approved:" in _text(approved)
    assert "Rejected:" in _text(rejected)
    assert "You rejected the leave of employee@email.com on Mon 1 Feb 2027." in _text(rejected)
    expired = message_page(
        "Too late", "It expired.", _record().model_copy(update={"status": LeaveStatus.EXPIRED})
    )
    assert 'class="banner tone-expired"' in expired
    assert "Expired:" in _text(expired)
    assert 'class="banner error"' in message_page("Link not valid", "This link has no token.")


def test_the_rejection_check_names_one_day_as_that_day() -> None:
    page = _text(reject_confirmation(_record(), "a.b", None))
    assert "their leave on Mon 1 Feb 2027 is rejected" in page
    assert "to Mon 1 Feb 2027" not in page
