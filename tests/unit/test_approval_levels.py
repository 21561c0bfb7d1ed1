"""Which leave needs a second approval."""

import pytest

from handlers.domain.approval_levels import needs_second_approval, parse_days


@pytest.mark.parametrize(("text", "days"), [("10", 10), (" 3 ", 3), ("none", None), (None, None)])
def test_the_second_approval_line_is_a_number_of_days_or_none(
    text: str | None, days: int | None
) -> None:
    assert parse_days(text) == days


@pytest.mark.parametrize("text", ["0", "367", "ten", "1.5"])
def test_a_second_approval_line_out_of_range_is_refused(text: str) -> None:
    with pytest.raises(ValueError, match="whole number of days from 1 to 366"):
        parse_days(text)


def test_only_leave_longer_than_the_line_needs_a_second_approval() -> None:
    assert not needs_second_approval(10, 10)
    assert needs_second_approval(11, 10)
    assert not needs_second_approval(300, None)
