"""Events as AWS delivers them to a function, written out (never built from our own names)."""

from typing import Any


def status_change(execution_name: str, status: str) -> dict[str, Any]:
    """Lambda's event, written out as its documentation shows it (not built from our names)."""
    arn = "arn:aws:lambda:us-east-2:123456789012:function:leave-workflow"
    return {
        "version": "0",
        "id": "c2d5d7a4-0c8e-4a8f-9d2b-5a3f7d1e6b90",
        "detail-type": "Durable Execution Status Change",
        "source": "aws.lambda",
        "account": "123456789012",
        "time": "2026-05-01T12:00:00Z",
        "region": "us-east-2",
        "resources": [f"{arn}:7/durable-execution/{execution_name}/1"],
        "detail": {
            "durableExecutionArn": f"{arn}:7/durable-execution/{execution_name}/1",
            "durableExecutionName": execution_name,
            "functionArn": f"{arn}:7",
            "status": status,
            "startTimestamp": 1777636800000,
            "endTimestamp": 1777637100000,
        },
    }


def scheduled_event() -> dict[str, Any]:
    return {
        "version": "0",
        "id": "5b1c3e0e-2f7a-4d8e-b5d4-0a9b8c7d6e5f",
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": "123456789012",
        "time": "2026-05-01T12:00:00Z",
        "region": "us-east-2",
        "resources": ["arn:aws:events:us-east-2:123456789012:rule/leave-approvals-dev-sweep"],
        "detail": {},
    }
