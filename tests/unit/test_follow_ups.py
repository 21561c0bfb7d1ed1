"""When a waiting request is followed up, and who it escalates to."""

import re

import pytest

from handlers.domain.follow_ups import FollowUp, FollowUpKind, FollowUpPlan, parse_shares
from handlers.logic.approval_chain import approver_above

REMIND, ESCALATE = FollowUpKind.REMIND, FollowUpKind.ESCALATE


def test_by_default_the_approver_is_reminded_halfway_and_escalated_at_three_quarters() -> None:
    week = 7 * 86_400
    assert FollowUpPlan().schedule(week) == (
        FollowUp(REMIND, "remind-1", week // 2),
        FollowUp(ESCALATE, "escalate", week * 3 // 4 - week // 2),
    )


def test_follow_ups_that_would_not_come_before_the_end_are_dropped() -> None:
    # Three seconds: halfway rounds to 2 s, three quarters to 2 s, pushed to 3 s: the end.
    assert FollowUpPlan().schedule(3) == (FollowUp(REMIND, "remind-1", 2),)
    assert FollowUpPlan((), None).schedule(3600) == ()


@pytest.mark.parametrize(
    ("reminders", "escalation", "problem"),
    [
        ((0.0,), None, "0 is not a share of the approval time"),
        ((0.5,), 1.0, "1 is not a share"),
        ((0.5, 0.25), None, "increasing order"),
        ((0.5, 0.5), None, "each once"),
        ((0.8,), 0.75, "escalation (0.75) must come after every reminder (0.8)"),
        # Each reminder costs durable operations: a handful at most.
        ((0.1, 0.2, 0.3, 0.4), 0.75, "at most 3 reminders, not 4"),
    ],
)
def test_a_plan_that_makes_no_sense_is_refused_with_the_reason(
    reminders: tuple[float, ...], escalation: float | None, problem: str
) -> None:
    with pytest.raises(ValueError, match=re.escape(problem)):
        FollowUpPlan(reminders, escalation)


@pytest.mark.parametrize(
    ("text", "shares"),
    [
        ("none", ()),
        ("", ()),
        ("0.5", (0.5,)),
        (" 0.25 , 0.5 ", (0.25, 0.5)),
        ([0.1, 0.2], (0.1, 0.2)),
    ],
)
def test_shares_are_written_as_text_or_numbers(text: str, shares: tuple[float, ...]) -> None:
    assert parse_shares(text) == shares


class Directory:
    def __init__(self, entries: dict[str, str]) -> None:
        self.entries = entries

    def approver_of(self, employee_email: str) -> str | None:
        return self.entries.get(employee_email)


DIRECTORY = Directory({"alice@x.com": "carol@x.com", "boss@x.com": "ceo@x.com"})


@pytest.mark.parametrize(
    ("person", "passed_over", "above"),
    [
        # The directory first, then the default approver, then above them only their entry.
        ("alice@x.com", {"alice@x.com"}, "carol@x.com"),
        ("carol@x.com", {"alice@x.com"}, "boss@x.com"),
        ("boss@x.com", {"alice@x.com", "carol@x.com"}, "ceo@x.com"),
        ("ceo@x.com", {"alice@x.com", "carol@x.com", "boss@x.com"}, None),
        # Never the employee, never back down to someone who had the request.
        ("carol@x.com", {"boss@x.com"}, None),
        ("boss@x.com", {"ceo@x.com"}, None),
    ],
)
def test_the_chain_goes_up_and_never_loops(
    person: str, passed_over: set[str], above: str | None
) -> None:
    assert approver_above(person, DIRECTORY, "boss@x.com", passed_over) == above
