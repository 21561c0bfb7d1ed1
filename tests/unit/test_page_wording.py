"""Every status, event and leave type has words on the pages: a new one cannot reach an
employee unnamed."""

from handlers.domain.leave_request import LeaveForm
from handlers.domain.statuses import HistoryEvent, LeaveStatus, LeaveType
from handlers.web.wording import (
    EVENT_WORDS,
    FIELD_LABELS,
    LEAVE_TYPE_WORDS,
    NEXT_STEPS,
    STATUS_WORDS,
)


def test_every_status_has_a_name_and_a_next_step() -> None:
    assert set(STATUS_WORDS) == set(LeaveStatus)
    assert set(NEXT_STEPS) == set(LeaveStatus)


def test_every_history_event_and_leave_type_has_words() -> None:
    assert set(EVENT_WORDS) == set(HistoryEvent)
    assert set(LEAVE_TYPE_WORDS) == set(LeaveType)


def test_every_field_of_the_form_has_a_label() -> None:
    assert set(LeaveForm.model_fields) <= set(FIELD_LABELS)
