"""How a request's length reads: its working days, then its dates, what both ends share once."""

from datetime import date

import pytest

from handlers.web.wording import (
    counted_days_words,
    date_range_words,
    length_and_dates_words,
    no_working_days_words,
    page_wording,
)

DASH = "\u2013"


@pytest.mark.parametrize(
    ("start", "end", "words"),
    [
        (date(2026, 8, 3), date(2026, 8, 3), "Mon 3 Aug 2026"),
        (date(2026, 8, 3), date(2026, 8, 7), f"Mon 3 {DASH} Fri 7 Aug 2026"),
        (date(2026, 7, 31), date(2026, 8, 3), f"Fri 31 Jul {DASH} Mon 3 Aug 2026"),
        (date(2026, 12, 28), date(2027, 1, 8), f"Mon 28 Dec 2026 {DASH} Fri 8 Jan 2027"),
    ],
)
def test_a_range_says_what_its_ends_share_once(start: date, end: date, words: str) -> None:
    assert date_range_words(start, end) == words


def test_the_count_comes_first_and_says_working_days() -> None:
    # The wording.
    assert (
        length_and_dates_words(5, True, date(2026, 8, 3), date(2026, 8, 7))
        == f"5 working days, Mon 3 {DASH} Fri 7 Aug 2026"
    )
    assert counted_days_words(1) == "1 working day"
    # A request submitted before working days were counted says what it counted.
    assert counted_days_words(11, working=False) == "11 days"


def test_a_request_of_no_working_days_is_told_why() -> None:
    assert no_working_days_words(date(2026, 1, 10), date(2026, 1, 11)) == (
        f"Sat 10 {DASH} Sun 11 Jan 2026 has no working days (weekends, public holidays and "
        "closure days do not count): choose dates that include a working day"
    )


def test_the_apps_script_gets_the_same_count_words() -> None:
    counts = page_wording()["day_counts"]
    assert counts["working_other"].format(count=5) == counted_days_words(5)
    assert counts["working_one"] == counted_days_words(1)
    assert counts["calendar_other"].format(count=11) == counted_days_words(11, working=False)
