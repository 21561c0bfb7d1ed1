"""Leave dates for tests, counted from today (UTC, the service's clock): the service refuses
leave that starts in the past or ends too far ahead, so no test may name a fixed day."""

from datetime import UTC, date, datetime, timedelta

# The work week of the tests that count from today: every day, so that whatever weekday today
# is, a request's working days are its calendar days. The tests of working days set a work week
# of their own, over dates they choose by weekday (`monday_in`).
EVERY_DAY = "Mon-Sun"


def from_today(days: int, today: date | None = None) -> str:
    """The day `days` after today (before it, if negative), as YYYY-MM-DD."""
    return ((today or datetime.now(UTC).date()) + timedelta(days=days)).isoformat()


def monday_in(weeks: int, today: date | None = None) -> date:
    """The Monday `weeks` weeks after this week's (weeks >= 1: always after today)."""
    day = today or datetime.now(UTC).date()
    return day - timedelta(days=day.weekday()) + timedelta(weeks=weeks)
