"""What the signed-in person has left of each leave type (`GET /balance`): read-only, their own
balances only, this year's and next year's."""

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router

from handlers.http_responses import json_response
from handlers.logic.balances import balances_of
from handlers.submit_routes import wiring

router = Router()

# This year and the next: the years leave is asked for.
YEARS_SHOWN = 2


@router.get("/balance")
def my_balance() -> Response[str]:
    caller = wiring.caller(router.current_event)
    wired = wiring.submitter()
    this_year = wired.clock().date().year
    years = range(this_year, this_year + YEARS_SHOWN)
    balances = balances_of(
        caller.email, years, wired.settings.allowances, wired.directory, wired.store
    )
    return json_response(
        200,
        {
            "employee_email": caller.email,
            "years": list(years),
            "balances": [balance.public_view() for balance in balances],
        },
    )
