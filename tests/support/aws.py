"""The emulated AWS account of the tests (moto, in process): resources and what they hold."""

import json
import threading
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import pytest
from moto.core.models import DEFAULT_ACCOUNT_ID
from moto.dynamodb.responses import DynamoHandler
from moto.ses.models import ses_backends

from handlers.aws_clients import aws_client
from handlers.domain.event_patterns import DOMAIN_EVENTS
from handlers.storage.table_schema import create_table_request, directory_item, request_key
from sandbox.mailbox import ReceivedEmail, parse_raw_email

REGION = "us-east-2"


@dataclass(frozen=True)
class Account:
    table_name: str = "leave-requests"
    sender: str = "leave@email.com"
    signing_key_parameter: str = "/leave/decision-link-key"
    signing_key: str = "test-signing-key-0123456789abcdef"
    workflow_function: str = "arn:aws:lambda:us-east-2:123456789012:function:leave-workflow:live"
    event_bus_name: str = "leave-events"
    audit_log_group: str = "/leave/audit"


def create_resources(account: Account, directory: dict[str, str]) -> None:
    dynamodb = aws_client("dynamodb")
    dynamodb.create_table(**create_table_request(account.table_name))
    for employee, approver in directory.items():
        item = {k: {"S": v} for k, v in directory_item(employee, approver).items()}
        dynamodb.put_item(TableName=account.table_name, Item=item)
    aws_client("ses").verify_email_identity(EmailAddress=account.sender)
    aws_client("ssm").put_parameter(
        Name=account.signing_key_parameter, Value=account.signing_key, Type="SecureString"
    )
    _route_domain_events_to_audit_log(account)


def _route_domain_events_to_audit_log(account: Account) -> None:
    logs = aws_client("logs")
    logs.create_log_group(logGroupName=account.audit_log_group)
    group_arn = logs.describe_log_groups(logGroupNamePrefix=account.audit_log_group)["logGroups"][
        0
    ]["arn"].removesuffix(":*")
    events = aws_client("events")
    events.create_event_bus(Name=account.event_bus_name)
    events.put_rule(
        Name="audit",
        EventBusName=account.event_bus_name,
        EventPattern=json.dumps(DOMAIN_EVENTS),
    )
    events.put_targets(
        Rule="audit",
        EventBusName=account.event_bus_name,
        Targets=[{"Id": "audit-log", "Arn": group_arn}],
    )


def audited_events(account: Account) -> list[dict[str, Any]]:
    """The domain events the bus delivered to the audit log group, oldest first."""
    logs = aws_client("logs")
    found = logs.filter_log_events(logGroupName=account.audit_log_group)["events"]
    return [json.loads(e["message"]) for e in sorted(found, key=lambda e: e["timestamp"])]


def sent_emails() -> list[ReceivedEmail]:
    backend = ses_backends[DEFAULT_ACCOUNT_ID][REGION]
    return [_parsed(m.raw_data, m.id) for m in backend.sent_messages]


# Tests poll the mailbox many times a second: each message is parsed once, not at every poll.
_parsed = lru_cache(maxsize=4096)(parse_raw_email)


def _stored_request(account: Account, request_id: str) -> dict[str, Any] | None:
    item: dict[str, Any] | None = (
        aws_client("dynamodb")
        .get_item(
            TableName=account.table_name,
            Key={k: {"S": v} for k, v in request_key(request_id).items()},
        )
        .get("Item")
    )
    return item


def stored_callback_id(account: Account, request_id: str) -> str | None:
    """The callback id the workflow keeps on the record: it never leaves the backend."""
    item = _stored_request(account, request_id) or {}
    return item["callback_id"]["S"] if "callback_id" in item else None


def stored_employee(account: Account, request_id: str) -> str | None:
    """Whose request it is, read from the table (None if there is no such request)."""
    item = _stored_request(account, request_id)
    return item["employee_email"]["S"] if item else None


_DYNAMODB_LOCK = threading.RLock()


def one_dynamodb_request_at_a_time(monkeypatch: pytest.MonkeyPatch) -> None:
    """DynamoDB applies a request (a conditional write, a transaction) atomically; moto, called
    from several threads (a test, the durable runner's workflow threads), checks and writes in
    several moves and copies a table for a transaction's rollback while another thread writes
    to it. Serving one DynamoDB request at a time gives the tests DynamoDB's guarantee, as the
    sandbox's AWS emulator does."""
    serve = DynamoHandler.call_action

    def serialised(handler: DynamoHandler) -> Any:
        with _DYNAMODB_LOCK:
            return serve(handler)

    monkeypatch.setattr(DynamoHandler, "call_action", serialised)
