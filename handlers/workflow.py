"""The durable workflow of one leave request: its orchestration is logic/leave_workflow.py (what
replays), its steps logic/workflow_steps.py (the side effects)."""

from datetime import UTC, datetime
from functools import cache
from typing import Any

from aws_durable_execution_sdk_python import DurableContext, durable_execution

from handlers import loaded
from handlers.aws_clients import durable_api_client
from handlers.domain.leave_request import LeaveRequest
from handlers.gateways.event_publisher import EventBridgePublisher
from handlers.gateways.mailer import SesMailer
from handlers.gateways.signing_key import signing_key
from handlers.logic.leave_workflow import run_leave_workflow
from handlers.logic.workflow_steps import LeaveSteps
from handlers.observability import logger
from handlers.settings import workflow_settings
from handlers.storage.approver_directory import DynamoDbApproverDirectory
from handlers.storage.delegations import DynamoDbDelegations
from handlers.storage.leave_store import DynamoDbLeaveStore


@cache
def leave_steps() -> LeaveSteps:
    settings = workflow_settings()
    return LeaveSteps(
        settings=settings,
        store=DynamoDbLeaveStore(settings.table_name),
        mailer=SesMailer(settings.sender_email),
        events=EventBridgePublisher(settings.event_bus_name),
        directory=DynamoDbApproverDirectory(settings.table_name),
        delegations=DynamoDbDelegations(settings.table_name),
        signing_key=lambda: signing_key(settings.signing_key_parameter),
        clock=lambda: datetime.now(UTC),
    )


@logger.inject_lambda_context
def _run(event: dict[str, Any], context: DurableContext) -> dict[str, str]:
    context.set_logger(logger)
    request = LeaveRequest.from_workflow_input(event)
    logger.append_keys(request_id=request.request_id)
    return run_leave_workflow(context, request, leave_steps())


@cache
def _durable_handler() -> Any:
    # Made on the first invocation, as the SDK makes its own client: with the client whose
    # calls give up within the function's time (handlers/call_limits.py, DURABLE_API_LIMITS).
    return durable_execution(_run, boto3_client=durable_api_client())


def handler(event: Any, context: Any) -> Any:
    return _durable_handler()(event, context)


loaded()
