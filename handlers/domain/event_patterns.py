"""EventBridge patterns the service routes by: pure data, used by the Pulumi program and tests."""

from typing import Any

from handlers.domain.signals import EVENT_SOURCE, EventType

# Every domain event of the service: kept in the audit log group and the archive.
DOMAIN_EVENTS: dict[str, Any] = {
    "source": [EVENT_SOURCE],
    "detail-type": [event_type.value for event_type in EventType],
}

DURABLE_STATUS_SOURCE = "aws.lambda"
DURABLE_STATUS_DETAIL_TYPE = "Durable Execution Status Change"
# Statuses that mean an execution ended without the workflow finishing its work.
BROKEN_EXECUTION_STATUSES = ("FAILED", "TIMED_OUT", "STOPPED")


def broken_workflow_executions(function_arn: str) -> dict[str, Any]:
    """Lambda's status-change events of the workflow function's executions that went wrong.

    `functionArn` carries the version or alias an execution runs on, so match by prefix:
    `<unqualified ARN>:` catches every version and alias of this function and no other.
    """
    return {
        "source": [DURABLE_STATUS_SOURCE],
        "detail-type": [DURABLE_STATUS_DETAIL_TYPE],
        "detail": {
            "functionArn": [function_arn, {"prefix": f"{function_arn}:"}],
            "status": list(BROKEN_EXECUTION_STATUSES),
        },
    }
