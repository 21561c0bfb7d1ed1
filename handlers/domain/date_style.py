"""How the service writes a day and a moment for people, in every email, server page, refusal
and history note: one unambiguous style, "Mon 1 Feb 2027" and "Mon 1 Feb 2027 14:30 UTC".

The weekday and the month are spelt out, so nobody reads 1/2 as 2 January, and a moment is
always given in UTC and says so: an email cannot know where its reader is. (The employees' app
knows: `handlers/web/static/employee_app.js` writes days and moments in the reader's own
locale and time zone, naming the zone.)

In the domain, not in `handlers/web`, because some notes are worded where a request's history
is written (a delegation's "away until ...", `domain/delegation.py`).
"""

from datetime import UTC, date, datetime

TIME_ZONE_NAME = "UTC"


def day_words(day: date) -> str:
    """`Mon 1 Feb 2027`."""
    return f"{day:%a} {day.day} {day:%b %Y}"


def time_words(moment: datetime) -> str:
    """`14:30 UTC`."""
    return f"{_in_utc(moment):%H:%M} {TIME_ZONE_NAME}"


def moment_words(moment: datetime) -> str:
    """`Mon 1 Feb 2027 14:30 UTC`."""
    utc = _in_utc(moment)
    return f"{day_words(utc.date())} {time_words(utc)}"


def _in_utc(moment: datetime) -> datetime:
    # A moment without a zone is one the service wrote in UTC (every stored moment is).
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)
