from datetime import UTC, date, datetime
from email import message_from_bytes, policy

from handlers.domain.leave_request import LeaveRequest, Outcome
from handlers.domain.statuses import LeaveStatus
from handlers.gateways.mailer import to_mime
from handlers.web.emails import (
    Email,
    approval_request_email,
    closed_after_your_approval_email,
    delegated_away_email,
    escalated_away_email,
    outcome_email,
    receipt_email,
)

REQUEST = LeaveRequest(
    request_id="lr-1",
    execution_name="lr-1-0",
    employee_email="employee@email.com",
    approver_email="manager@email.com",
    start_date=date(2026, 1, 10),
    end_date=date(2026, 1, 20),
    reason='<script>alert("x")</script> & family',
    # Sat 10 to Tue 20 Jan 2026, Monday to Friday: 7 of its 11 days.
    working_days=7,
)


def test_what_people_typed_is_escaped_in_html_but_kept_in_text() -> None:
    email = receipt_email(REQUEST, "https://s/requests/lr-1")
    assert "<script>" not in email.html
    assert "&lt;script&gt;" in email.html
    assert '<script>alert("x")</script> & family' in email.text


def test_the_approver_email_carries_the_dates_and_the_link() -> None:
    email = approval_request_email(
        REQUEST, "https://d/?token=a.b", "Monday 12 January 2026 09:00 UTC"
    )
    assert email.to == "manager@email.com"
    # The count the request was submitted with (working days), then its dates.
    assert "7 working days, Sat 10 \u2013 Tue 20 Jan 2026" in email.text
    assert (
        email.subject
        == "Leave to approve: employee@email.com, 7 working days, Sat 10 \u2013 Tue 20 Jan 2026"
    )
    assert "https://d/?token=a.b" in email.text
    assert 'href="https://d/?token=a.b"' in email.html


def test_a_request_from_before_working_days_says_its_calendar_days() -> None:
    """Its count was never taken in working days: calling its calendar days working days
    would be wrong."""
    old = REQUEST.model_copy(update={"working_days": None})
    email = receipt_email(old, "https://s/requests/lr-1")
    assert "11 days, Sat 10 \u2013 Tue 20 Jan 2026" in email.text
    assert "working" not in email.text


def test_each_outcome_has_its_own_subject_and_the_comment() -> None:
    at = datetime(2026, 1, 5, tzinfo=UTC)
    subjects = {
        status: outcome_email(
            REQUEST, Outcome(status=status, decided_at=at, by="m@e.com", comment="ok"), "l"
        ).subject
        for status in LeaveStatus
        if not status.awaits_decision
    }
    assert [s.split(":")[0] for s in subjects.values()] == [
        "Leave request approved",
        "Leave request rejected",
        "Leave request expired",
        "Leave request could not be processed",
        "Leave request withdrawn",
        "Leave request cancelled",
    ]
    assert (
        "ok"
        in outcome_email(
            REQUEST, Outcome(status=LeaveStatus.REJECTED, decided_at=at, comment="ok"), "l"
        ).text
    )


def test_the_intro_and_every_line_are_escaped_whoever_wrote_them() -> None:
    # `why` comes from the workflow, the addresses from the directory: none of it is trusted.
    email = approval_request_email(
        REQUEST, 'https://d/?token=a"b', "<Monday>", why="Escalated <b>by</b> the rules."
    )
    assert "<b>" not in email.html
    assert "Escalated &lt;b&gt;by&lt;/b&gt; the rules." in email.html
    assert "&lt;Monday&gt;" in email.html
    assert 'href="https://d/?token=a&#34;b"' in email.html
    assert "Escalated <b>by</b> the rules." in email.text


def test_a_decision_email_says_the_link_is_private_in_both_forms() -> None:
    email = approval_request_email(REQUEST, "https://d/?token=a.b", "Monday")
    private = "The link is yours alone: do not forward it."
    assert email.text.endswith(
        f"Open this link to approve or reject: https://d/?token=a.b\n{private}\n"
    )
    assert f"<small>{private}</small>" in email.html
    assert ">Review and decide</a>" in email.html


def test_one_day_of_leave_is_that_day_in_every_email() -> None:
    one_day = REQUEST.model_copy(
        update={"start_date": date(2027, 2, 1), "end_date": date(2027, 2, 1), "working_days": 1}
    )
    email = receipt_email(one_day, "https://s/requests/lr-1")
    assert email.subject == "Leave request received: 1 working day, Mon 1 Feb 2027"
    assert "to Mon 1 Feb 2027" not in email.text


def test_outcomes_wear_their_own_tone_with_their_name() -> None:
    at = datetime(2026, 1, 5, tzinfo=UTC)
    approved, rejected = (
        outcome_email(REQUEST, Outcome(status=status, decided_at=at), "l").html
        for status in (LeaveStatus.APPROVED, LeaveStatus.REJECTED)
    )
    assert "#22c55e" in approved
    assert "#ef4444" in rejected
    assert "#22c55e" not in rejected
    assert "</span> Approved</p>" in approved
    assert "</span> Rejected</p>" in rejected
    assert "tone" not in receipt_email(REQUEST, "l").html


MOVED = REQUEST.model_copy(update={"approver_email": "director@email.com"})
NO_LONGER = "You no longer need to decide it, and the link you were sent no longer works."


def test_an_approver_an_escalation_passed_over_is_told_where_it_went() -> None:
    email = escalated_away_email(MOVED, "manager@email.com")
    assert email.to == "manager@email.com"
    assert email.subject.startswith("Moved up, no longer needs your decision: employee@")
    assert "it moved up to director@email.com, who decides it now. " + NO_LONGER in email.text


def test_an_approver_whose_delegation_started_is_told_who_decides_for_them() -> None:
    email = delegated_away_email(MOVED, "manager@email.com")
    assert email.to == "manager@email.com"
    assert "director@email.com decides the leave request from employee@email.com" in email.text
    assert NO_LONGER in email.text


def test_who_approved_the_first_level_is_told_when_it_closes_before_the_second() -> None:
    email = closed_after_your_approval_email(MOVED, "manager@email.com")
    assert email.to == "manager@email.com"
    assert email.subject.startswith("Closed after your approval: employee@email.com")
    assert "closed before its second approval: the leave is not booked" in email.text


def test_a_long_subject_reaches_the_reader_as_it_was_written() -> None:
    # Long enough that a fold at 78 characters falls beside the encoded en dash.
    subject = "Leave to approve: alice@email.com, 3 working days, Mon 28 \u2013 Wed 30 Dec 2026"
    raw = to_mime(
        Email(to="manager@email.com", subject=subject, text="x", html="<p>x</p>"), "leave@email.com"
    )

    received = message_from_bytes(raw, policy=policy.default)
    assert str(received["Subject"]) == subject
