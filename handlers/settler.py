"""The settler: ends requests whose workflow execution broke, and sweeps for ones nobody will end.

Invoked by two EventBridge rules:
- Lambda's `Durable Execution Status Change` events of the workflow that say FAILED, TIMED_OUT
  or STOPPED (see `handlers.domain.event_patterns.broken_workflow_executions`);
- a schedule, for the sweep (see `logic/settling.py`) and for delegations that have started
  (their approver's waiting requests go to the delegate: see `logic/delegating.py`).
"""

from datetime import UTC, datetime
from functools import cache
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import BaseModel, ConfigDict, Field

from handlers import loaded
from handlers.domain.decision_token import DecisionToken, decision_link
from handlers.domain.event_patterns import DURABLE_STATUS_DETAIL_TYPE
from handlers.domain.leave_request import status_url
from handlers.gateways.event_publisher import EventBridgePublisher
from handlers.gateways.mailer import SesMailer
from handlers.gateways.signing_key import signing_key
from handlers.gateways.workflow_service import LambdaWorkflowService
from handlers.logic.delegating import HandOver, hand_over_started_delegations
from handlers.logic.settling import Settler, settle_broken_execution, sweep
from handlers.observability import logger
from handlers.settings import settler_settings
from handlers.storage.delegations import DynamoDbDelegations
from handlers.storage.leave_store import DynamoDbLeaveStore


@cache
def settler() -> Settler:
    settings = settler_settings()
    return Settler(
        settings=settings,
        store=DynamoDbLeaveStore(settings.table_name),
        mailer=SesMailer(settings.sender_email),
        events=EventBridgePublisher(settings.event_bus_name),
        workflow=LambdaWorkflowService(settings.workflow_function),
        clock=lambda: datetime.now(UTC),
    )


@cache
def hand_over() -> HandOver:
    settings, wired = settler_settings(), settler()
    return HandOver(
        store=wired.store,
        delegations=DynamoDbDelegations(settings.table_name),
        mailer=wired.mailer,
        events=wired.events,
        status_link=lambda request_id: status_url(settings.submit_url, request_id),
        decision_link=lambda request_id, approver, deadline: decision_link(
            settings.decision_url,
            DecisionToken(request_id, approver, deadline),
            signing_key(settings.signing_key_parameter),
        ),
        clock=wired.clock,
    )


class SettlerEvent(BaseModel):
    """What wakes the settler: a broken execution's status change, or its schedule.

    Two fields of an EventBridge event; Powertools' event data classes would load every event
    source's class (about 35 ms of a cold start) to read them.
    """

    model_config = ConfigDict(extra="ignore")

    detail_type: str = Field(alias="detail-type")
    detail: dict[str, Any] = Field(default_factory=dict)


@logger.inject_lambda_context
def handler(raw_event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    event = SettlerEvent.model_validate(raw_event)
    if event.detail_type == DURABLE_STATUS_DETAIL_TYPE:
        name = str(event.detail["durableExecutionName"])
        status = str(event.detail["status"])
        settled = settle_broken_execution(name, status, settler())
        logger.info(
            "broken execution looked at",
            extra={"execution": name, "status": status, "settled": settled},
        )
        return {"execution": name, "settled": settled}
    handed_over = hand_over_started_delegations(hand_over())
    report = sweep(settler())
    figures = {"looked_at": report.looked_at, "settled": report.settled, "handed_over": handed_over}
    logger.info("sweep done", extra=figures | {"announced": report.announced})
    return figures


loaded()
