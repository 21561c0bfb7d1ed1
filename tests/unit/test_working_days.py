"""Working days: the work week, public holidays of a country and subdivision, closure days.

The public holidays asserted here are GOV.UK's ("UK bank holidays", for England and Wales and
for Scotland), written out: the test checks the `holidays` package and our use of it against
them, not against themselves.
"""

import json
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import pytest

from handlers.domain.working_days import (
    MAX_CLOSURE_DAYS,
    MONDAY_TO_FRIDAY,
    WorkCalendar,
    closure_days_text,
    country_code,
    known_country,
    known_subdivision,
    parse_closure_days,
    parse_work_week,
    work_week_text,
)

MONDAY_TO_FRIDAY_ONLY = WorkCalendar()
ENGLAND = WorkCalendar(holiday_country="GB", holiday_subdivision="ENG")
SCOTLAND = WorkCalendar(holiday_country="GB", holiday_subdivision="SCT")


def test_a_two_week_monday_to_friday_holiday_counts_ten_working_days() -> None:
    # Mon 2 to Fri 13 March 2026: no bank holiday in England.
    assert MONDAY_TO_FRIDAY_ONLY.working_days(date(2026, 3, 2), date(2026, 3, 13)) == 10
    assert ENGLAND.working_days(date(2026, 3, 2), date(2026, 3, 13)) == 10


def test_a_range_over_a_weekend_counts_the_weekdays_only() -> None:
    # The example: Sat 10 to Tue 20 Jan 2026, 11 calendar days, 7 working days.
    assert MONDAY_TO_FRIDAY_ONLY.working_days(date(2026, 1, 10), date(2026, 1, 20)) == 7
    # Fri 6 to Mon 9 March 2026.
    assert MONDAY_TO_FRIDAY_ONLY.working_days(date(2026, 3, 6), date(2026, 3, 9)) == 2
    # A weekend alone, and a range that ends before it starts.
    assert MONDAY_TO_FRIDAY_ONLY.working_days(date(2026, 3, 7), date(2026, 3, 8)) == 0
    assert MONDAY_TO_FRIDAY_ONLY.working_days(date(2026, 3, 9), date(2026, 3, 6)) == 0


def test_public_holidays_of_the_configured_country_do_not_count() -> None:
    # Easter 2026 in England: Good Friday 3 April, Easter Monday 6 April (GOV.UK).
    easter = (date(2026, 4, 2), date(2026, 4, 7))
    assert ENGLAND.working_days(*easter) == 2
    assert MONDAY_TO_FRIDAY_ONLY.working_days(*easter) == 4
    assert {date(2026, 4, 3), date(2026, 4, 6)} <= ENGLAND.public_holidays(2026)
    assert not ENGLAND.is_working_day(date(2026, 4, 3))
    assert ENGLAND.is_working_day(date(2026, 4, 2))


def test_a_holiday_on_a_weekend_is_taken_on_its_substitute_day() -> None:
    # Boxing Day 2026 is a Saturday: England's bank holiday is Mon 28 December (GOV.UK).
    assert not ENGLAND.is_working_day(date(2026, 12, 28))
    # Mon 21 to Thu 31 December: 9 weekdays, less Christmas Day (Fri 25) and Mon 28.
    assert ENGLAND.working_days(date(2026, 12, 21), date(2026, 12, 31)) == 7


def test_a_closure_day_does_not_count() -> None:
    closed = WorkCalendar(closure_days=frozenset({date(2026, 12, 24)}))
    assert closed.working_days(date(2026, 12, 21), date(2026, 12, 24)) == 3
    assert MONDAY_TO_FRIDAY_ONLY.working_days(date(2026, 12, 21), date(2026, 12, 24)) == 4


def test_a_subdivisions_own_holiday_counts_there_only() -> None:
    # St Andrew's Day, Mon 30 November 2026: a bank holiday in Scotland, not in England.
    week = (date(2026, 11, 30), date(2026, 12, 4))
    assert SCOTLAND.working_days(*week) == 4
    assert ENGLAND.working_days(*week) == 5
    # Without a subdivision, the country's nationwide holidays only.
    assert WorkCalendar(holiday_country="GB").working_days(*week) == 5


def test_a_range_across_the_new_year_counts_the_holidays_of_both_years() -> None:
    new_year = (date(2026, 12, 28), date(2027, 1, 8))
    # England: Mon 28 Dec 2026 (Boxing Day, substitute) and Fri 1 Jan 2027 are bank holidays.
    assert ENGLAND.working_days(*new_year) == 8
    # Scotland also has 2 January, a Saturday in 2027: its substitute is Mon 4 January.
    assert SCOTLAND.working_days(*new_year) == 7
    assert MONDAY_TO_FRIDAY_ONLY.working_days(*new_year) == 10


def test_another_work_week_counts_its_own_days() -> None:
    sunday_to_thursday = WorkCalendar(work_week=parse_work_week("Sun-Thu"))
    # Sun 8 to Sat 14 March 2026.
    assert sunday_to_thursday.working_days(date(2026, 3, 8), date(2026, 3, 14)) == 5
    assert not sunday_to_thursday.is_working_day(date(2026, 3, 13))  # a Friday
    every_day = WorkCalendar(work_week=parse_work_week("Mon-Sun"))
    assert every_day.working_days(date(2026, 1, 10), date(2026, 1, 20)) == 11


@pytest.mark.parametrize(
    ("written", "days", "text"),
    [
        (None, MONDAY_TO_FRIDAY, "Mon-Fri"),
        ("Mon-Fri", MONDAY_TO_FRIDAY, "Mon-Fri"),
        (" monday - friday ", MONDAY_TO_FRIDAY, "Mon-Fri"),
        ("Sun-Thu", frozenset({6, 0, 1, 2, 3}), "Sun-Thu"),
        ("Mon,Tue,Thu", frozenset({0, 1, 3}), "Mon,Tue,Thu"),
        (["Mon", "Wed", "Fri"], frozenset({0, 2, 4}), "Mon,Wed,Fri"),
        (["Mon-Wed", "Sat"], frozenset({0, 1, 2, 5}), "Mon,Tue,Wed,Sat"),
        ("Mon-Sun", frozenset(range(7)), "Mon-Sun"),
        ("Sat", frozenset({5}), "Sat"),
    ],
)
def test_a_work_week_is_written_as_people_type_it(
    written: object, days: frozenset[int], text: str
) -> None:
    assert parse_work_week(written) == days
    assert work_week_text(days) == text
    assert parse_work_week(work_week_text(days)) == days


@pytest.mark.parametrize(
    ("written", "problem"),
    [
        ("Mon-Funday", "'Funday' is not a day of the week"),
        ("", "must name at least one day of the week"),
        (" , ", "must name at least one day of the week"),
        ([1, 2], "must name days of the week"),
        (5, "must name days of the week"),
    ],
)
def test_a_work_week_that_names_no_days_is_refused(written: object, problem: str) -> None:
    with pytest.raises(ValueError, match=problem):
        parse_work_week(written)


def test_closure_days_are_iso_dates_within_what_lambda_can_carry() -> None:
    days = parse_closure_days("2026-12-31, 2026-12-24")
    assert days == {date(2026, 12, 24), date(2026, 12, 31)}
    assert closure_days_text(days) == "2026-12-24,2026-12-31"
    assert parse_closure_days(["2026-12-24"]) == {date(2026, 12, 24)}
    assert parse_closure_days(None) == frozenset()
    with pytest.raises(ValueError, match="'24/12/2026' is not one"):
        parse_closure_days("24/12/2026")
    with pytest.raises(ValueError, match="2026-02-30 is not one"):
        parse_closure_days("2026-02-30")
    # Lambda Developer Guide, "Lambda quotas": 4 KB for all of a function's variables.
    too_many = [str(date(2030, 1, 1) + timedelta(days=n)) for n in range(MAX_CLOSURE_DAYS + 1)]
    with pytest.raises(ValueError, match=r"at most 100 dates .* holds 4 KB in all"):
        parse_closure_days(too_many)


def test_a_country_is_one_the_holidays_package_knows() -> None:
    assert country_code(" gb ") == "GB"
    assert country_code("") is None
    assert known_country("GB") == "GB"
    with pytest.raises(ValueError, match="two-letter ISO 3166-1"):
        country_code("GBR")
    # Refused with the package's own list.
    with pytest.raises(ValueError, match=r"knows \(AD, AE, .*GB, .*\), not 'XX'") as refused:
        known_country("XX")
    assert "\n" not in str(refused.value)


def test_a_subdivision_is_one_of_its_countrys() -> None:
    assert known_subdivision("GB", "eng") == "ENG"
    assert known_subdivision("GB", "Scotland") == "SCT"
    with pytest.raises(ValueError, match=r"GB's subdivisions .* \(ENG, NIR, SCT, WLS\), not 'CA'"):
        known_subdivision("GB", "CA")
    with pytest.raises(ValueError, match="has none for JP: leave it unset"):
        known_subdivision("JP", "13")


def test_the_calendar_travels_as_the_functions_settings() -> None:
    calendar = WorkCalendar(
        parse_work_week("Sun-Thu"), "GB", "SCT", frozenset({date(2026, 12, 24)})
    )
    assert calendar.as_settings() == {
        "work_week": "Sun-Thu",
        "holiday_country": "GB",
        "holiday_subdivision": "SCT",
        "closure_days": "2026-12-24",
    }
    # What is unset is left out: the functions' defaults are the calendar's.
    assert WorkCalendar().as_settings() == {"work_week": "Mon-Fri"}


_HOLIDAYS_OF = """
import json, sys
import holidays
from handlers.domain.working_days import WorkCalendar
PLACES = [("GB", "ENG"), ("GB", "SCT"), ("US", "CA"), ("DE", "BY"), ("IM", None)]
found = {}
for country, subdivision in PLACES:
    if sys.argv[1] == "counted":
        calendar = WorkCalendar(holiday_country=country, holiday_subdivision=subdivision)
        days = calendar.public_holidays(2026) | calendar.public_holidays(2027)
    else:
        days = holidays.country_holidays(country, subdiv=subdivision, years=(2026, 2027))
    found[f"{country}-{subdivision}"] = sorted(str(day) for day in days)
    if (country, subdivision) == ("GB", "ENG"):
        loaded = [m for m in sys.modules if m.startswith("holidays.countries")]
        found["modules after GB"] = sorted(loaded)
print(json.dumps(found))
"""


def _holidays_in_a_fresh_interpreter(mode: str) -> dict[str, list[str]]:
    done = subprocess.run(  # noqa: S603 - our own interpreter, a fixed snippet
        [sys.executable, "-c", _HOLIDAYS_OF, mode],
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).resolve().parents[2],
    )
    found: dict[str, list[str]] = json.loads(done.stdout)
    return found


def test_a_count_loads_its_countrys_module_alone_and_finds_what_the_package_gives() -> None:
    counted = _holidays_in_a_fresh_interpreter("counted")
    # The package's own way imports every country's module; a count, the one it needs.
    assert counted.pop("modules after GB") == ["holidays.countries.united_kingdom"]
    assert counted == {
        key: days
        for key, days in _holidays_in_a_fresh_interpreter("package").items()
        if key != "modules after GB"
    }
    assert "2026-11-30" in counted["GB-SCT"]  # St Andrew's Day, Scotland's own
