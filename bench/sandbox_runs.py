"""Measurements taken on a running sandbox, through HTTP as users would, plus Lambda's history.

- Durable cost per request: operations and checkpointed bytes of one approved, one rejected
  (both decided before the reminder), one reminded, escalated and approved by the new approver,
  and one expired (reminded and escalated on the way) request, read from
  `GetDurableExecutionHistory` as on AWS, with reminders and escalation on.
- Throughput: complete requests (submit, approver's email, decision, employee's final email)
  per second at a few concurrency levels, and the latency from the decision POST to the final
  email in the employee's mailbox.
- Chaos: at each rate of failed AWS calls (`--chaos`, each rate in a sandbox of its own), the
  requests that ended in a final status, those that ended more than once (two outcome emails,
  or two final events in their history), whether the dashboard counts what happened, and the
  p99 latency from the decision POST to the outcome email.
"""

import statistics
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import boto3

from handlers.domain.leave_request import request_id_of
from sandbox.functions import WORKFLOW
from tests.e2e.harness import (
    FINAL_STATUSES,
    SandboxClient,
    as_a_client_would,
    running_sandbox,
    wait_for,
)
from tests.support.dates import from_today

APPROVAL_TIMEOUT = 15
APPROVER = "manager@email.com"
# Where the sandbox's directory escalates the approver's requests.
ESCALATED_TO = "director@email.com"
TARGETS = {"operations": 16, "checkpoint_bytes": 8192}
# Reminded after 8 s, escalated after 16 s, expired after 40 s: long enough that a decision
# sent at once comes before the reminder, short enough that the bench stays short.
FOLLOW_UP_APPROVAL_TIMEOUT = 40
FOLLOW_UP_FLAGS = (
    *("--reminder-at", "0.2", "--escalate-at", "0.4"),
    # Leave of more than 10 days is approved at two levels (the default deploy's line).
    *("--second-approval-over", "10"),
)
# Concurrency level -> requests at that level: bounded, so the whole run stays short.
LEVELS = {1: 5, 4: 16, 8: 32}


# Chaos: the rates of failed AWS calls, and requests at each (bounded: the whole run stays
# short); how many at once; how long one request may take before it counts as not ended (a
# cap for a broken run, not a deadline); a request's time to decide, past any such cap.
CHAOS_RATES = (0.0, 0.01, 0.05, 0.10)
CHAOS_REQUESTS = 24
CHAOS_CONCURRENCY = 8
CHAOS_CAP_SECONDS = 300
CHAOS_APPROVAL_TIMEOUT = 3600
OUTCOME_SUBJECT = "Leave request approved"


@contextmanager
def sandbox(
    follow_ups: bool = False, approval_timeout: int | None = None, flags: tuple[str, ...] = ()
) -> Iterator[SandboxClient]:
    """A sandbox of its own; `follow_ups`: with reminders and escalation due within seconds;
    `flags`: more of its options."""
    timeout, flags = (
        (FOLLOW_UP_APPROVAL_TIMEOUT, (*FOLLOW_UP_FLAGS, *flags))
        if follow_ups
        else (approval_timeout or APPROVAL_TIMEOUT, flags)
    )
    with (
        tempfile.TemporaryDirectory() as scratch,
        running_sandbox(Path(scratch) / "data", timeout, flags) as client,
    ):
        yield client


def _submit(client: SandboxClient, employee: str, day: int = 10, days: int = 1) -> str:
    answer = client.submit(
        {
            # `day` counts from a month ahead: the service takes no leave starting in the past.
            "start_date": from_today(30 + day),
            "end_date": from_today(30 + day + days - 1),
            "employee_email": employee,
        }
    )
    assert answer.status == 202, answer.body
    request_id: str = answer.json()["request_id"]
    return request_id


def _decide(client: SandboxClient, request_id: str, choice: str, approver: str = APPROVER) -> None:
    email = client.wait_for_email(approver, request_id, "Leave to approve", timeout=60)
    assert client.decide(client.decision_link(email), choice).status == 200


def execution_cost(lambda_client: Any, request_id: str) -> dict[str, Any]:
    def ended() -> str | None:
        found = lambda_client.list_durable_executions_by_function(FunctionName=WORKFLOW)
        for execution in found["DurableExecutions"]:
            # Named `<request id>-<attempt>` (handlers.domain.leave_request.execution_name_for).
            named = request_id_of(execution["DurableExecutionName"]) == request_id
            if named and execution["Status"] != "RUNNING":
                return str(execution["DurableExecutionArn"])
        return None

    arn = wait_for(ended, 120, f"the execution of {request_id} ends", interval=0.2)
    events = lambda_client.get_durable_execution_history(
        DurableExecutionArn=arn, IncludeExecutionData=True
    )["Events"]
    operations = {e["Id"]: e.get("SubType", e["EventType"]) for e in events if "Id" in e}
    execution_id = next(e["Id"] for e in events if e["EventType"] == "ExecutionStarted")
    checkpointed = 0
    for event in events:
        for details in (
            v for k, v in event.items() if k.endswith("Details") and isinstance(v, dict)
        ):
            for part in ("Input", "Result", "Output", "Error"):
                payload = details.get(part)
                if isinstance(payload, dict):
                    checkpointed += len(str(payload.get("Payload", "")).encode())
    return {
        # The execution itself is not counted: these are the workflow's own operations.
        "operations": len(operations) - 1,
        "by_kind": dict(Counter(kind for op, kind in operations.items() if op != execution_id)),
        "checkpoint_bytes": checkpointed,
        "invocations": sum(1 for e in events if e["EventType"] == "InvocationCompleted"),
    }


def durable_costs(client: SandboxClient) -> dict[str, Any]:
    # The local Lambda API serves the durable APIs, as Lambda's endpoint does.
    lam = client.lambda_client()
    expiring = _submit(client, "cost-expire@email.com")
    escalated = _submit(client, "cost-escalate@email.com")
    approved = _submit(client, "cost-approve@email.com")
    rejected = _submit(client, "cost-reject@email.com")
    _decide(client, approved, "approve")
    _decide(client, rejected, "reject")
    two_level = _submit(client, "cost-two-level@email.com", day=1, days=12)
    _decide(client, two_level, "approve")
    _decide(client, two_level, "approve", approver=ESCALATED_TO)
    _decide(client, escalated, "approve", approver=ESCALATED_TO)
    requests = {
        "approve": approved,
        "reject": rejected,
        "two-level": two_level,
        "escalated": escalated,
    }
    costs = {path: execution_cost(lam, request_id) for path, request_id in requests.items()}
    return {**costs, "expire": execution_cost(lam, expiring), "targets": TARGETS}


def _one_complete_request(client: SandboxClient, index: int) -> float:
    """Submit, decide through the emailed link, wait for the final email; the latency from
    the decision POST to that email."""
    employee = f"load-{index}@email.com"
    request_id = _submit(client, employee, day=1 + index % 28)
    email = client.wait_for_email(APPROVER, request_id, "Leave to approve", timeout=120)
    decided_at = time.perf_counter()
    assert client.decide(client.decision_link(email), "approve").status == 200
    wait_for(
        lambda: client.emails_about(request_id, employee)[1:],
        120,
        f"the final email of {request_id}",
        interval=0.02,
    )
    return time.perf_counter() - decided_at


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def throughput(client: SandboxClient) -> list[dict[str, Any]]:
    rows, offset = [], 0
    for concurrency, count in LEVELS.items():
        started = time.perf_counter()
        with ThreadPoolExecutor(concurrency) as pool:
            latencies = list(
                pool.map(lambda i: _one_complete_request(client, i), range(offset, offset + count))
            )
        elapsed = time.perf_counter() - started
        offset += count
        rows.append(
            {
                "concurrency": concurrency,
                "requests": count,
                "complete_per_second": round(count / elapsed, 2),
                "decision_to_email_p50_ms": round(statistics.median(latencies) * 1000),
                "decision_to_email_p99_ms": round(_percentile(latencies, 0.99) * 1000),
            }
        )
    return rows


def request_item_bytes(client: SandboxClient) -> int:
    """The size DynamoDB bills a stored request at (names and values, UTF-8), the largest
    in the sandbox's table."""
    dynamodb = boto3.client(
        "dynamodb",
        endpoint_url=client.outputs["aws_endpoint"],
        region_name="us-east-2",
        aws_access_key_id="sandbox",
        aws_secret_access_key="sandbox",  # noqa: S106 - the local emulator's fake credentials
    )
    items = dynamodb.scan(
        TableName=client.outputs["table_name"],
        FilterExpression="begins_with(pk, :request)",
        ExpressionAttributeValues={":request": {"S": "REQUEST#"}},
    )["Items"]
    return max(_item_bytes(item) for item in items)


def _item_bytes(item: dict[str, Any]) -> int:
    def value_bytes(value: dict[str, Any]) -> int:
        ((kind, inner),) = value.items()
        if kind == "M":
            return sum(len(k.encode()) + value_bytes(v) for k, v in inner.items()) + 3
        if kind == "L":
            return sum(value_bytes(v) for v in inner) + 3
        if kind == "N":
            return len(str(inner)) // 2 + 1
        if kind == "BOOL" or kind == "NULL":
            return 1
        return len(str(inner).encode())

    return sum(len(name.encode()) + value_bytes(value) for name, value in item.items())


def _through_chaos(client: SandboxClient, index: int) -> tuple[str | None, float | None]:
    """One request as its people would see it under chaos: submitted and decided through
    retries, as the app and an approver retry; (its id, or None if it was never accepted;
    the decision-to-outcome-email latency, or None if the email never came within the cap)."""
    employee = f"chaos-{index}@email.com"
    day = from_today(30 + index)
    answer = as_a_client_would(
        lambda: client.submit(
            {"start_date": day, "end_date": day, "employee_email": employee},
            **{"Idempotency-Key": f"chaos-{index}"},
        ),
        CHAOS_CAP_SECONDS,
    )
    if answer.status != 202:
        return None, None
    request_id: str = answer.json()["request_id"]
    try:
        email = client.wait_for_email(APPROVER, request_id, "Leave to approve", CHAOS_CAP_SECONDS)
        decided_at = time.perf_counter()
        link = client.decision_link(email)
        decided = as_a_client_would(lambda: client.decide(link, "approve"), CHAOS_CAP_SECONDS)
        if decided.status != 200:
            return request_id, None
        client.wait_for_email(employee, request_id, OUTCOME_SUBJECT, CHAOS_CAP_SECONDS)
    except AssertionError:  # a wait reached its cap: the request did not end in time
        return request_id, None
    return request_id, time.perf_counter() - decided_at


def chaos_run(rate: float) -> dict[str, Any]:
    """Completion, duplicates and latency of CHAOS_REQUESTS requests under `rate` chaos."""
    flags = ("--chaos", str(rate))
    with sandbox(approval_timeout=CHAOS_APPROVAL_TIMEOUT, flags=flags) as client:
        with ThreadPoolExecutor(CHAOS_CONCURRENCY) as pool:
            runs = list(pool.map(lambda i: _through_chaos(client, i), range(CHAOS_REQUESTS)))
        request_ids = [request_id for request_id, _ in runs if request_id]
        records = [client.status(request_id) for request_id in request_ids]
        final = [r for r in records if r["status"] in FINAL_STATUSES]
        mail = client.emails()
        duplicated = [
            r["request_id"]
            for r in records
            if sum(1 for h in r["history"] if h["event"] in FINAL_STATUSES) > 1
            or sum(
                1
                for m in mail
                if r["request_id"] in m["text"] and m["subject"].startswith(OUTCOME_SUBJECT)
            )
            > 1
        ]
        faults = client.process.data_dir / "chaos.log"
        injected = len(faults.read_text().splitlines()) if faults.exists() else 0
        ended = Counter(r["status"] for r in final)
        try:
            client.wait_for_figures(
                {"approved": ended["approved"], "pending": len(records) - len(final)},
                timeout=CHAOS_CAP_SECONDS,
            )
            counted = True
        except AssertionError:
            counted = False
    latencies = [latency for _, latency in runs if latency is not None]
    return {
        "chaos_rate": rate,
        "requests": CHAOS_REQUESTS,
        "faults_injected": injected,
        "completion": round(len(final) / CHAOS_REQUESTS, 3),
        "duplicates": len(duplicated),
        "dashboard_counts_match": counted,
        "decision_to_email_p99_ms": (
            round(_percentile(latencies, 0.99) * 1000) if latencies else None
        ),
    }


def chaos_runs() -> list[dict[str, Any]]:
    return [chaos_run(rate) for rate in CHAOS_RATES]
