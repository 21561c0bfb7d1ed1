"""The balance arithmetic: allowances as people write them, days split by year, where each
status keeps a request's days, and what a person is told when too few are left."""

from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

import pytest

from handlers.domain.allowances import (
    Balance,
    Counter,
    allowance_settings,
    allowances_of,
    counter_moves,
    counter_of,
    days_by_year,
    parse_allowance_overrides,
    parse_allowances,
)
from handlers.domain.leave_request import leave_days
from handlers.domain.statuses import TRANSITIONS, LeaveStatus, LeaveType
from handlers.logic.balances import over_allowance
from handlers.settings import SettingsError, SubmitSettings
from handlers.storage.balances import balance_update
from handlers.storage.refused_writes import OverAllowanceError

ANNUAL = LeaveType.ANNUAL


# -- allowances as written --------------------------------------------------------------------


def test_without_a_setting_annual_leave_is_25_days_and_every_other_type_has_no_limit() -> None:
    table = parse_allowances(None)
    assert table[ANNUAL] == 25
    assert {t for t, days in table.items() if days is None} == set(LeaveType) - {ANNUAL}


@pytest.mark.parametrize(
    "written",
    [
        "sick=10,annual=none",
        " Sick = 10 , ANNUAL=None ",
        {"sick": 10, "annual": "none"},
        {"sick": 10.0, "annual": None},
    ],
)
def test_the_types_named_change_and_the_others_keep_their_defaults(written: object) -> None:
    table = parse_allowances(written)
    assert table[LeaveType.SICK] == 10
    assert table[ANNUAL] is None
    assert table[LeaveType.UNPAID] is None


@pytest.mark.parametrize(
    ("written", "problem"),
    [
        ("holiday=3", "names 'holiday', which is not a leave type"),
        ("annual=367", "for annual leave must be a whole number of days from 0 to 366"),
        ("annual=-1", "not -1"),
        ("annual=2.5", "not '2.5'"),
        ({"annual": 2.5}, "not 2.5"),
        ({"annual": True}, "not True"),
        ("25", "must map leave types to days a year"),
        (["annual"], "must map leave types to days a year"),
    ],
)
def test_an_allowance_that_makes_no_sense_is_refused_naming_it(
    written: object, problem: str
) -> None:
    with pytest.raises(ValueError, match=problem.replace(".", r"\.")):
        parse_allowances(written)


def test_the_functions_setting_names_every_type_and_reads_back_the_same() -> None:
    table = parse_allowances("sick=10")
    written = allowance_settings(table)
    assert written == "annual=25,sick=10,unpaid=none,parental=none,bereavement=none,other=none"
    assert parse_allowances(written) == table


def test_a_persons_own_allowances_win_for_the_types_they_name() -> None:
    own = allowances_of(parse_allowances(None), parse_allowance_overrides("annual=30,sick=0"))
    assert (own[ANNUAL], own[LeaveType.SICK], own[LeaveType.UNPAID]) == (30, 0, None)
    lifted = allowances_of(parse_allowances(None), {ANNUAL: None})
    assert lifted[ANNUAL] is None


# -- days by year -----------------------------------------------------------------------------


def test_leave_within_one_year_counts_all_its_days_there() -> None:
    assert days_by_year(date(2027, 3, 1), date(2027, 3, 10), leave_days) == {2027: 10}


def test_leave_across_new_year_counts_each_days_in_its_own_year() -> None:
    assert days_by_year(date(2026, 12, 28), date(2027, 1, 3), leave_days) == {2026: 4, 2027: 3}


def test_a_year_in_which_the_count_finds_no_days_is_left_out() -> None:
    def weekdays(start: date, end: date) -> int:
        days = (start + timedelta(days=n) for n in range((end - start).days + 1))
        return sum(day.weekday() < 5 for day in days)

    # Thursday 31 December 2026 to Sunday 3 January 2027: the new year's days are a weekend
    # and Friday the 1st.
    assert days_by_year(date(2026, 12, 31), date(2027, 1, 3), weekdays) == {2026: 1, 2027: 1}
    assert days_by_year(date(2027, 1, 2), date(2027, 1, 3), weekdays) == {}


def test_the_count_is_asked_once_per_year_for_the_part_in_that_year() -> None:
    asked: list[tuple[date, date]] = []

    def counting(start: date, end: date) -> int:
        asked.append((start, end))
        return leave_days(start, end)

    days_by_year(date(2027, 12, 31), date(2029, 1, 1), counting)
    assert asked == [
        (date(2027, 12, 31), date(2027, 12, 31)),
        (date(2028, 1, 1), date(2028, 12, 31)),
        (date(2029, 1, 1), date(2029, 1, 1)),
    ]


# -- where the days are -----------------------------------------------------------------------


def test_waiting_holds_the_days_approved_takes_them_and_every_other_status_gives_them_back() -> (
    None
):
    assert counter_of(LeaveStatus.PENDING) is Counter.HELD
    assert counter_of(LeaveStatus.APPROVED) is Counter.TAKEN
    assert {s for s in LeaveStatus if counter_of(s) is None} == {
        LeaveStatus.REJECTED,
        LeaveStatus.EXPIRED,
        LeaveStatus.FAILED,
        LeaveStatus.WITHDRAWN,
        LeaveStatus.CANCELLED,
    }


def _lives(status: LeaveStatus) -> Iterator[list[LeaveStatus]]:
    """Every path through the state machine from `status`, to each status it may stop at."""
    yield [status]
    for following in sorted(TRANSITIONS[status]):
        for rest in _lives(following):
            yield [status, *rest]


@pytest.mark.parametrize("life", list(_lives(LeaveStatus.PENDING)), ids=lambda p: "-".join(p))
def test_wherever_a_request_stops_its_days_are_held_taken_or_given_back_once(
    life: list[LeaveStatus],
) -> None:
    counters = {Counter.HELD: 0, Counter.TAKEN: 0}
    booked_seen = []
    for before, after in zip([None, *life[:-1]], life, strict=True):
        for counter, delta in counter_moves(before, after, 5).items():
            counters[counter] += delta
        assert min(counters.values()) >= 0
        booked_seen.append(sum(counters.values()))

    where = life[-1]
    assert counters == {
        Counter.HELD: 5 if where is LeaveStatus.PENDING else 0,
        Counter.TAKEN: 5 if where is LeaveStatus.APPROVED else 0,
    }
    # Approval moves days from held to taken: booked stays where the submission put it.
    assert booked_seen[0] == 5


def test_a_start_undone_gives_back_what_the_submission_held() -> None:
    assert counter_moves(None, LeaveStatus.PENDING, 3) == {Counter.HELD: 3}
    assert counter_moves(LeaveStatus.PENDING, None, 3) == {Counter.HELD: -3}
    assert counter_moves(LeaveStatus.PENDING, LeaveStatus.APPROVED, 3) == {
        Counter.HELD: -3,
        Counter.TAKEN: 3,
    }
    assert counter_moves(LeaveStatus.REJECTED, LeaveStatus.REJECTED, 3) == {}


# -- what is left -----------------------------------------------------------------------------


def test_what_is_left_is_the_allowance_less_what_is_held_and_taken() -> None:
    balance = Balance(ANNUAL, 2027, 25, held=5, taken=12)
    assert balance.left == 8
    assert balance.fits(8)
    assert not balance.fits(9)


def test_an_allowance_lowered_below_what_is_booked_leaves_nothing_not_less() -> None:
    balance = Balance(ANNUAL, 2027, 10, held=4, taken=9)
    assert balance.left == 0
    assert not balance.fits(1)


def test_a_type_without_a_limit_fits_anything_and_says_so() -> None:
    balance = Balance(LeaveType.SICK, 2027, None, held=40, taken=300)
    assert balance.fits(366)
    view = balance.public_view()
    assert (view["unlimited"], view["allowance"], view["left"], view["taken"]) == (
        True,
        None,
        None,
        300,
    )


def _refused(balance: Balance, asked: int, last_day: date = date(2027, 6, 30)) -> Any:
    refusal = over_allowance(OverAllowanceError(balance, asked), last_day)
    return refusal.field, refusal.message


def test_a_request_over_what_is_left_is_told_the_days_left_about_its_dates() -> None:
    field, message = _refused(Balance(ANNUAL, 2027, 25, held=5, taken=15), 12)
    assert field == "end_date"
    assert message == (
        "the leave takes 12 days of your annual leave in 2027, and 5 days are left "
        "(25 a year: 15 taken, 5 waiting for a decision)"
    )
    assert "1 day is left" in _refused(Balance(ANNUAL, 2027, 25, taken=24), 2)[1]
    assert "no days are left" in _refused(Balance(ANNUAL, 2027, 25, taken=25), 1)[1]


def test_the_first_year_of_two_short_of_days_names_the_first_day() -> None:
    field, message = _refused(Balance(ANNUAL, 2026, 25, taken=24), 4, date(2027, 1, 3))
    assert field == "start_date"
    assert "in 2026" in message


def test_a_type_with_no_days_at_all_names_the_type() -> None:
    field, message = _refused(Balance(LeaveType.UNPAID, 2027, 0), 1)
    assert field == "leave_type"
    assert message.startswith("you have no unpaid leave in 2027 (0 days left)")


# -- the balance's write ----------------------------------------------------------------------


def test_holding_days_moves_booked_with_held_and_is_conditional_on_room() -> None:
    update = balance_update("t", "a@x.com", 2027, ANNUAL, {Counter.HELD: 5}, 20)["Update"]
    names, values = update["ExpressionAttributeNames"], update["ExpressionAttributeValues"]
    added = {
        names[name]: int(values[value]["N"])
        for name, value in (part.split() for part in update["UpdateExpression"][4:].split(", "))
    }
    assert added == {"held": 5, "booked": 5}
    assert update["ConditionExpression"] == "attribute_not_exists(#booked) OR #booked <= :most"
    assert values[":most"] == {"N": "20"}
    assert update["Key"] == {"pk": {"S": "EMPLOYEE#a@x.com"}, "sk": {"S": "BALANCE#2027#annual"}}


def test_approving_moves_days_from_held_to_taken_without_touching_booked_or_a_condition() -> None:
    moves = counter_moves(LeaveStatus.PENDING, LeaveStatus.APPROVED, 5)
    update = balance_update("t", "a@x.com", 2027, ANNUAL, moves)["Update"]
    assert sorted(update["ExpressionAttributeNames"].values()) == ["held", "taken"]
    assert "ConditionExpression" not in update


# -- the submit function's setting ------------------------------------------------------------


def _submit_environment(**extra: str) -> dict[str, str]:
    return {
        "LEAVE_TABLE_NAME": "leave",
        "SUBMIT_URL": "https://api.example.com/live/",
        "WORKFLOW_FUNCTION": "arn:aws:lambda:us-east-2:1:function:wf:live",
        "ALLOWED_EMAIL_DOMAINS": "example.com",
        "DEFAULT_APPROVER_EMAIL": "boss@example.com",
        "MAX_LEAVE_DAYS": "30",
        "SIGNING_KEY_PARAMETER": "/leave/key",
        "OIDC_ISSUER": "https://issuer.example.com",
        "OIDC_AUDIENCE": "client-id",
        "SENDER_EMAIL": "leave@example.com",
        "EVENT_BUS_NAME": "leave",
        **extra,
    }


def test_allowances_reach_the_submit_function_as_written_for_it() -> None:
    table = parse_allowances({"sick": 10, "annual": "none"})
    written = allowance_settings(table)
    assert SubmitSettings.from_environment(_submit_environment()).allowances == parse_allowances(
        None
    )
    assert SubmitSettings.from_environment(_submit_environment(ALLOWANCES=written)).allowances == (
        table
    )


def test_an_allowance_the_function_cannot_read_is_named_in_its_error() -> None:
    with pytest.raises(SettingsError, match="ALLOWANCES") as refused:
        SubmitSettings.from_environment(_submit_environment(ALLOWANCES="annual=lots"))
    assert "for annual leave must be a whole number of days from 0 to 366" in str(refused.value)
