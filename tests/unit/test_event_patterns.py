"""The EventBridge patterns route the events they are meant to, and no others.

The matcher is moto's, never one written here. moto 5.2 accepts `TestEventPattern` but answers
it with nothing (no `Result`), so each event is put on a bus that holds one rule with the
pattern and a queue as its target: the event matched when it reaches the queue. That is how
EventBridge itself applies a rule's pattern.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws

from handlers.domain.event_patterns import (
    BROKEN_EXECUTION_STATUSES,
    DOMAIN_EVENTS,
    DURABLE_STATUS_DETAIL_TYPE,
    DURABLE_STATUS_SOURCE,
    broken_workflow_executions,
)
from handlers.domain.signals import EVENT_SOURCE, EventType

REGION = "us-east-2"
ACCOUNT = "123456789012"
WORKFLOW = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:leave-dev-workflow"
BUS = "leave-dev"

Matcher = Callable[[dict[str, Any], dict[str, Any]], bool]


def status_change(function_arn: str, status: str, name: str = "req-0001") -> dict[str, Any]:
    """Lambda's event for a durable execution's status, in its documented shape."""
    detail: dict[str, Any] = {
        "durableExecutionArn": f"{function_arn}/durable-execution/{name}/{uuid.uuid4()}",
        "durableExecutionName": name,
        "functionArn": function_arn,
        "status": status,
        "startTimestamp": "2026-11-20T09:00:00.000Z",
    }
    if status != "RUNNING":
        detail["endTimestamp"] = "2026-11-22T09:00:00.000Z"
    return envelope(DURABLE_STATUS_SOURCE, DURABLE_STATUS_DETAIL_TYPE, detail)


def domain_event(detail_type: str, source: str = EVENT_SOURCE) -> dict[str, Any]:
    """A domain event as the workflow puts it on the service's bus."""
    return envelope(source, detail_type, {"request_id": "req-0001", "status": "approved"})


def envelope(source: str, detail_type: str, detail: dict[str, Any]) -> dict[str, Any]:
    """An EventBridge event around its detail."""
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": detail_type,
        "source": source,
        "account": ACCOUNT,
        "time": "2026-11-22T09:00:00Z",
        "region": REGION,
        "resources": [],
        "detail": detail,
    }


@pytest.fixture(scope="module")
def matches() -> Iterator[Matcher]:
    """Whether moto's EventBridge routes `event` through a rule with `pattern`."""
    with mock_aws():
        events = boto3.client("events", region_name=REGION)
        sqs = boto3.client("sqs", region_name=REGION)
        events.create_event_bus(Name=BUS)

        def route(pattern: dict[str, Any], event: dict[str, Any]) -> bool:
            rule = f"rule-{uuid.uuid4().hex[:12]}"
            queue_url = sqs.create_queue(QueueName=rule)["QueueUrl"]
            queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])[
                "Attributes"
            ]["QueueArn"]
            events.put_rule(Name=rule, EventBusName=BUS, EventPattern=json.dumps(pattern))
            events.put_targets(
                Rule=rule, EventBusName=BUS, Targets=[{"Id": "queue", "Arn": queue_arn}]
            )
            try:
                answer = events.put_events(
                    Entries=[
                        {
                            "EventBusName": BUS,
                            "Source": event["source"],
                            "DetailType": event["detail-type"],
                            "Detail": json.dumps(event["detail"]),
                            "Resources": event["resources"],
                        }
                    ]
                )
                assert answer["FailedEntryCount"] == 0
                received = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10)
                delivered = [json.loads(m["Body"]) for m in received.get("Messages", [])]
            finally:
                events.remove_targets(Rule=rule, EventBusName=BUS, Ids=["queue"])
                events.delete_rule(Name=rule, EventBusName=BUS)
                sqs.delete_queue(QueueUrl=queue_url)
            assert all(d["detail"] == event["detail"] for d in delivered)
            return len(delivered) == 1

        yield route


# -- the oracle itself ------------------------------------------------------------------------


def test_moto_answers_test_event_pattern_with_no_result() -> None:
    """Why these tests route through a rule: if this starts failing, moto has implemented
    TestEventPattern, and the `matches` fixture can use it instead."""
    with mock_aws():
        answer = boto3.client("events", region_name=REGION).test_event_pattern(
            EventPattern=json.dumps(DOMAIN_EVENTS),
            Event=json.dumps(domain_event(EventType.REQUEST_SUBMITTED)),
        )
    assert "Result" not in answer


def test_the_matcher_takes_a_prefix_beside_exact_values_in_one_list(matches: Matcher) -> None:
    pattern = {"detail": {"functionArn": ["exact", {"prefix": "arn:one:"}]}}

    def event(function_arn: str) -> dict[str, Any]:
        return {**domain_event("x"), "detail": {"functionArn": function_arn}}

    assert matches(pattern, event("exact"))
    assert matches(pattern, event("arn:one:live"))
    assert not matches(pattern, event("arn:one"))
    assert not matches(pattern, event("arn:two:live"))
    assert not matches(pattern, event("exactly"))


# -- broken workflow executions ---------------------------------------------------------------


@pytest.mark.parametrize("status", BROKEN_EXECUTION_STATUSES)
@pytest.mark.parametrize(
    "function_arn",
    [f"{WORKFLOW}:live", f"{WORKFLOW}:7", WORKFLOW],
    ids=["alias", "version", "unqualified"],
)
def test_broken_executions_of_the_workflow_match(
    matches: Matcher, function_arn: str, status: str
) -> None:
    assert matches(broken_workflow_executions(WORKFLOW), status_change(function_arn, status))


@pytest.mark.parametrize("status", ["RUNNING", "SUCCEEDED"])
def test_running_and_succeeded_executions_do_not_match(matches: Matcher, status: str) -> None:
    pattern = broken_workflow_executions(WORKFLOW)
    assert not matches(pattern, status_change(f"{WORKFLOW}:live", status))


@pytest.mark.parametrize(
    "function_arn",
    [
        # A function whose name starts with the workflow's.
        f"{WORKFLOW}2:live",
        f"{WORKFLOW}2",
        f"{WORKFLOW}-copy:3",
        # Another function altogether.
        f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:leave-dev-submit:live",
        # The same name in another region, and in another account.
        f"arn:aws:lambda:eu-west-1:{ACCOUNT}:function:leave-dev-workflow:live",
        f"arn:aws:lambda:{REGION}:210987654321:function:leave-dev-workflow:live",
    ],
)
def test_other_functions_executions_do_not_match(matches: Matcher, function_arn: str) -> None:
    pattern = broken_workflow_executions(WORKFLOW)
    assert not matches(pattern, status_change(function_arn, "FAILED"))


@pytest.mark.parametrize(
    ("source", "detail_type"),
    [
        (EVENT_SOURCE, DURABLE_STATUS_DETAIL_TYPE),
        (DURABLE_STATUS_SOURCE, "Lambda Function Invocation Result - Failure"),
        ("aws.states", DURABLE_STATUS_DETAIL_TYPE),
    ],
)
def test_status_changes_from_elsewhere_do_not_match(
    matches: Matcher, source: str, detail_type: str
) -> None:
    event = {
        **status_change(f"{WORKFLOW}:live", "FAILED"),
        "source": source,
        "detail-type": detail_type,
    }
    assert not matches(broken_workflow_executions(WORKFLOW), event)


def test_a_domain_event_is_no_broken_execution(matches: Matcher) -> None:
    pattern = broken_workflow_executions(WORKFLOW)
    assert not matches(pattern, domain_event(EventType.REQUEST_DECIDED))


# -- domain events ------------------------------------------------------------------------------


@pytest.mark.parametrize("event_type", list(EventType))
def test_every_domain_event_matches(matches: Matcher, event_type: EventType) -> None:
    assert matches(DOMAIN_EVENTS, domain_event(event_type))


@pytest.mark.parametrize(
    ("source", "detail_type"),
    [
        ("leave.other", EventType.REQUEST_SUBMITTED),
        ("leave.approvals.test", EventType.REQUEST_DECIDED),
        (EVENT_SOURCE, "Leave Request Deleted"),
        (EVENT_SOURCE, "leave request submitted"),
    ],
)
def test_events_of_other_sources_or_types_are_no_domain_events(
    matches: Matcher, source: str, detail_type: str
) -> None:
    assert not matches(DOMAIN_EVENTS, domain_event(detail_type, source))


def test_lambdas_status_changes_are_no_domain_events(matches: Matcher) -> None:
    assert not matches(DOMAIN_EVENTS, status_change(f"{WORKFLOW}:live", "FAILED"))
