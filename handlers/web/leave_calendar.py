"""Private iCalendar feeds of approved leave (RFC 5545), which calendar apps subscribe to.

Each person has one feed (its URL: domain/feed_token.py): their own approved leave, and the
leave they approved for others. Cancelled leave leaves the feed. Others' leave says only
"Leave": its type (sick leave, say) is the employee's to tell, not their approver's calendar's.
"""

from collections.abc import Iterable
from datetime import datetime, timedelta

from handlers.domain.leave_request import LeaveRecord
from handlers.observability import logger
from handlers.web.wording import LEAVE_TYPE_WORDS

PRODUCT_ID = "-//leave-approvals//approved leave//EN"
# Where each event's UID lives: the request id is unique across the service.
UID_DOMAIN = "leave-approvals"
# Someone else's leave, whatever its type.
OTHERS_LEAVE = "Leave"


def leave_calendar(owner: str, leave: Iterable[LeaveRecord], now: datetime) -> bytes:
    """The feed: one all-day event per approved leave, the owner's own and their team's."""
    # Imported here: only the feed's route needs it, and it costs a cold start a tenth of a
    # second (issue #13).
    from icalendar import Calendar, Event

    calendar = Calendar()
    calendar.add("prodid", PRODUCT_ID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", f"Leave: {owner}")
    for record in leave:
        own = record.employee_email == owner
        event = Event()
        try:
            event.add("uid", f"{record.request_id}@{UID_DOMAIN}")
            summary = LEAVE_TYPE_WORDS[record.leave_type] if own else OTHERS_LEAVE
            event.add("summary", summary if own else f"{record.employee_email}: {summary}")
            event.add("dtstart", record.start_date)
            # All-day events end on the day after the last (DTEND is exclusive).
            event.add("dtend", record.end_date + timedelta(days=1))
            event.add("dtstamp", record.decided_at or now)
            event.add("status", "CONFIRMED")
            event.add("transp", "OPAQUE" if own else "TRANSPARENT")
        except (KeyError, ValueError, OverflowError):
            # Whatever is stored, one odd request never takes the whole feed down with it.
            logger.exception("leave left out of a feed", extra={"request_id": record.request_id})
            continue
        calendar.add_component(event)
    return bytes(calendar.to_ical())
