"""The settler: ends requests whose workflow execution broke, and sweeps for ones nobody will end.

Invoked by two EventBridge rules:
- Lambda's `Durable Execution Status Change` events of the workflow that say FAILED, TIMED_OUT
  or STOPPED (see `handlers.domain.event_patterns.broken_workflow_executions`);
- a schedule, for the sweep (see `logic/settling.py`).
"""

from datetime import UTC, datetime
from functools import cache
from typing import Any

from aws_lambda_powertools.utilities.data_classes import EventBridgeEvent, event_source
from aws_lambda_powertools.utilities.typing import LambdaContext

from handlers.domain.event_patterns import DURABLE_STATUS_DETAIL_TYPE
from handlers.gateways.event_publisher import EventBridgePublisher
from handlers.gateways.mailer import SesMailer
from handlers.gateways.workflow_service import LambdaWorkflowService
from handlers.logic.settling import Settler, settle_broken_execution, sweep
from handlers.observability import logger
from handlers.settings import settler_settings
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


@event_source(data_class=EventBridgeEvent)
@logger.inject_lambda_context
def handler(event: EventBridgeEvent, context: LambdaContext) -> dict[str, Any]:
    if event.detail_type == DURABLE_STATUS_DETAIL_TYPE:
        name = str(event.detail["durableExecutionName"])
        status = str(event.detail["status"])
        settled = settle_broken_execution(name, status, settler())
        logger.info(
            "broken execution looked at",
            extra={"execution": name, "status": status, "settled": settled},
        )
        return {"execution": name, "settled": settled}
    report = sweep(settler())
    logger.info("sweep done", extra={"looked_at": report.looked_at, "settled": report.settled})
    return {"looked_at": report.looked_at, "settled": report.settled}
