"""Whose leave goes into a person's calendar feed: their own approved leave, and the leave they
approved for others, from a year back on."""

from datetime import date, timedelta

from handlers.domain.leave_request import LeaveRecord
from handlers.domain.statuses import LeaveStatus
from handlers.storage.leave_store import LeaveStore

# How far back a feed goes, and how many of a person's own latest requests it looks at.
FEED_HISTORY = timedelta(days=365)
OWN_REQUESTS = 100


def leave_in_feed(owner: str, store: LeaveStore, today: date) -> list[LeaveRecord]:
    since = today - FEED_HISTORY
    own = [
        record
        for record in store.requests_of(owner, OWN_REQUESTS)
        if record.status is LeaveStatus.APPROVED and record.end_date >= since
    ]
    team = store.approved_by(owner, since)
    by_id = {record.request_id: record for record in [*own, *team]}
    return sorted(by_id.values(), key=lambda record: (record.start_date, record.request_id))
