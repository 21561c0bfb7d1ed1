"""Long leave needs two approvals: the approver's, then their own approver's.

Leave longer than a set number of working days (default 10) is approved at two levels; a
rejection at either ends it, and it expires at the end of the approval time whichever level it
waits at. With nobody above the first approver, their approval suffices.

The days compared are the request's own count, taken when it was submitted
(`LeaveRequest.days`): its working days, or its calendar days if it was submitted before working
days were counted (as its workflow, replayed, counted them then).
"""

DEFAULT_SECOND_APPROVAL_OVER_DAYS: int | None = 10
# What a setting says to approve everything at one level.
OFF = "none"
MAX_DAYS = 366


def parse_days(text: str | int | None) -> int | None:
    """`12`, or `none` (None): leave longer than this many working days needs a second
    approval."""
    if text is None or (isinstance(text, str) and text.strip().lower() in (OFF, "")):
        return None
    try:
        days = int(str(text).strip())
    except ValueError:
        raise ValueError(f"must be a whole number of days from 1 to {MAX_DAYS}, or {OFF}") from None
    if not 1 <= days <= MAX_DAYS:
        raise ValueError(f"must be a whole number of days from 1 to {MAX_DAYS}, or {OFF}")
    return days


def needs_second_approval(days: int, over_days: int | None) -> bool:
    return over_days is not None and days > over_days
