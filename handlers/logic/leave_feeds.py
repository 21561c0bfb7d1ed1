"""Calendar feeds: whose leave goes into a person's feed (their own approved leave, and the
leave they approved for others, from a year back on), and the secret address that opens it."""

from datetime import date, timedelta

from handlers.domain.feed_token import new_feed_secret
from handlers.domain.leave_request import LeaveRecord
from handlers.domain.statuses import LeaveStatus
from handlers.observability import logger
from handlers.storage.feed_secrets import FeedSecrets
from handlers.storage.leave_store import LeaveStore

# How far back a feed goes, and how many of a person's own latest requests it looks at.
FEED_HISTORY = timedelta(days=365)
OWN_REQUESTS = 100
# How far ahead it goes: well past any leave anyone may ask for. Leave stored past it (an end
# date of 9999-12-31) is cut there rather than written as an event no calendar can hold.
FEED_AHEAD = timedelta(days=3 * 366)


def leave_in_feed(owner: str, store: LeaveStore, today: date) -> list[LeaveRecord]:
    since, until = today - FEED_HISTORY, today + FEED_AHEAD
    own = [
        record
        for record in store.requests_of(owner, OWN_REQUESTS)
        if record.status is LeaveStatus.APPROVED and record.end_date >= since
    ]
    team = store.approved_by(owner, since)
    by_id = {record.request_id: record for record in [*own, *team]}
    shown = []
    for record in sorted(by_id.values(), key=lambda record: (record.start_date, record.request_id)):
        if record.start_date > until:
            logger.warning("leave past the feed's end: left out", extra=_about(record))
            continue
        if record.end_date > until:
            logger.warning("leave past the feed's end: cut there", extra=_about(record))
            record = record.model_copy(update={"end_date": until})
        shown.append(record)
    return shown


def _about(record: LeaveRecord) -> dict[str, str]:
    return {"request_id": record.request_id, "end_date": record.end_date.isoformat()}


def feed_secret(owner: str, secrets: FeedSecrets) -> str:
    """The person's feed secret, made on their first visit."""
    return secrets.secret_of(owner) or secrets.replace(owner, None, new_feed_secret())


def replace_feed_secret(owner: str, secrets: FeedSecrets) -> str:
    """A new secret for the person's feed: the old address then opens nothing."""
    return secrets.replace(owner, secrets.secret_of(owner), new_feed_secret())
