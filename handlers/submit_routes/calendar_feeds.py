"""A person's private calendar feed: its address (made on first use), a new address, and the
feed itself, which calendar apps read without signing in (the address is the secret)."""

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router

from handlers.http_responses import error_response, json_response
from handlers.logic.leave_feeds import feed_secret, leave_in_feed, replace_feed_secret
from handlers.observability import logger
from handlers.submit_routes import wiring
from handlers.web.leave_calendar import leave_calendar

router = Router()

# What a feed's URL ends with, so calendar apps and people recognise it.
FEED_SUFFIX = ".ics"


def _feed_address(secret: str) -> Response[str]:
    return json_response(200, {"url": f"{wiring.base_url()}calendar/{secret}{FEED_SUFFIX}"})


@router.get("/calendar")
def my_calendar_feed() -> Response[str]:
    caller = wiring.caller(router.current_event)
    return _feed_address(feed_secret(caller.email, wiring.feed_secrets()))


@router.post("/calendar/rotate")
def new_calendar_feed_address() -> Response[str]:
    caller = wiring.caller(router.current_event)
    secret = replace_feed_secret(caller.email, wiring.feed_secrets())
    logger.info("calendar feed address replaced")
    return _feed_address(secret)


@router.get("/calendar/<secret>")
def calendar_feed(secret: str) -> Response[str]:
    owner = wiring.feed_secrets().owner_of(secret.removesuffix(FEED_SUFFIX))
    if owner is None:
        return error_response(404, "There is no calendar here: copy its address from your page.")
    wired = wiring.submitter()
    now = wired.clock()
    feed = leave_calendar(owner, leave_in_feed(owner, wired.store, now.date()), now)
    return Response(
        status_code=200,
        content_type="text/calendar; charset=utf-8",
        body=feed.decode(),
        headers={"X-Content-Type-Options": "nosniff"},
    )
