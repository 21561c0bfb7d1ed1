"""Leave dates for tests, counted from today (UTC, the service's clock): the service refuses
leave that starts in the past or ends too far ahead, so no test may name a fixed day."""

from datetime import UTC, date, datetime, timedelta


def from_today(days: int, today: date | None = None) -> str:
    """The day `days` after today (before it, if negative), as YYYY-MM-DD."""
    return ((today or datetime.now(UTC).date()) + timedelta(days=days)).isoformat()
