"""Cost per 1,000 leave requests on AWS, from the measured figures in bench/results.json.

Each request is counted as it runs here: its Lambda invocations and their billed time, its
durable operations and checkpointed bytes (measured), its DynamoDB writes and reads (counted
from the code's calls), three emails and two domain events. The same flow as a Step Functions
standard workflow with a task-token approval is priced beside it. Prices: us-east-2, on
demand, no free tier; `docs/cost.md` gives their sources.
"""

from dataclasses import dataclass
from typing import Any

# The measured paths of a request (bench/sandbox_runs.py), in the order they are printed:
# decided before any follow-up, long leave approved at two levels, reminded then escalated then
# approved, and expired.
PATHS = ("approve", "reject", "two-level", "escalated", "expire")

# USD. Lambda arm64, DynamoDB on demand, SES, EventBridge, Step Functions standard.
PRICES = {
    "lambda_request": 0.20 / 1e6,
    "lambda_gb_second_arm": 0.0000133334,
    "durable_operation": 8.00 / 1e6,
    "durable_gb_written": 0.25,
    "dynamodb_write_unit": 0.625 / 1e6,
    "dynamodb_read_unit": 0.125 / 1e6,
    "ses_email": 0.10 / 1000,
    "eventbridge_event": 1.00 / 1e6,
    "sfn_state_transition": 0.025 / 1000,
}
MEMORY_GB = 0.5  # every function is deployed with 512 MB

# Per request, by function: invocations and billed milliseconds each (the Lambda duration on
# AWS is estimated at the sandbox's measured average; the workflow's invocations come from the
# execution history).
SUBMIT = {"invocations": 1, "ms": 60}
DECISION = {"invocations": 2, "ms": 60}  # the page (GET) and the decision (POST)
WORKFLOW_MS = 300

# DynamoDB, counted from handlers/storage: a write of a ~1 KB item costs 1 unit (2 inside a
# transaction) on the table, and 1 per ALL-projected index whose item changes; a keys-only
# index is written only when the item enters or leaves it, and 2 when one of its keys changes
# (the index entry moves: "Provisioned throughput considerations for Global Secondary
# Indexes", Amazon DynamoDB Developer Guide). The calendar item is in no index.
DYNAMODB_WRITES = {
    "create_pending (transaction: request 2 + 2 indexes + the waiting index, calendar 2, "
    "shard counts 2)": 9,
    "take_over (table + 2 indexes)": 3,
    "attach_callback (table + 2 indexes)": 3,
    "claim_decision and mark_claim_sent (table + 2 indexes each)": 6,
    "record_outcome (transaction: request 2 + employee index 1 + out of the pending and "
    "waiting indexes 2 + into the approver index 1, calendar 2, shard counts 2)": 10,
}
# The people of one approver, for the decision page's team (a guess: a small team).
TEAM_SIZE = 5
# Strongly consistent reads of a ~1 KB item, 1 unit each: submit reads the request id, the
# directory and the calendar; the decision endpoint the request (page and post); the workflow
# the request where it stands before recording its outcome. The page also reads the team: its
# keys (one query) and each person's calendar, eventually consistent (half a unit each).
DYNAMODB_READS = {
    "submit": 3,
    "decision page": 1,
    "decision page's team": 0.5 * (1 + TEAM_SIZE),
    "decision post": 1,
    "workflow": 1,
}
EMAILS = 3
EVENTS = 2
# What a request that is reminded and escalated adds (counted in handlers/logic/leave_workflow.py):
# the reminder, the new approver's and the employee's emails; two events; for each follow-up
# its lease, its write and the lease let go (table + 2 indexes each), and the escalation's
# second, refused let-go (1), and its move in the waiting index (2); the directory and the new
# approver's delegation read to escalate (the lease's write returns the request: no read before
# a follow-up).
FOLLOW_UP_EMAILS = 3
FOLLOW_UP_EVENTS = 2
FOLLOW_UP_WRITES = 21
FOLLOW_UP_READS = 2
# What a second approval adds: the second approver's and the employee's emails, one event, the
# hand-over write (table + 2 indexes, and its move in the waiting index: 2) and the read before
# it.
SECOND_LEVEL_EMAILS = 2
SECOND_LEVEL_EVENTS = 1
SECOND_LEVEL_WRITES = 5
SECOND_LEVEL_READS = 1
# Step Functions standard: start, record pending, email receipt, wait for task token (the
# task emails the approver), choice, record outcome, email outcome, end.
SFN_TRANSITIONS = 8


@dataclass(frozen=True)
class Line:
    item: str
    quantity: float
    unit_price: float

    @property
    def cost(self) -> float:
        return self.quantity * self.unit_price


def _common_lines() -> list[Line]:
    """What both designs pay: the HTTP functions, DynamoDB, SES, EventBridge."""
    http_gb_s = (
        (SUBMIT["invocations"] * SUBMIT["ms"] + DECISION["invocations"] * DECISION["ms"])
        / 1000
        * MEMORY_GB
    )
    return [
        Line(
            "HTTP function invocations",
            SUBMIT["invocations"] + DECISION["invocations"],
            PRICES["lambda_request"],
        ),
        Line("HTTP function GB-seconds", http_gb_s, PRICES["lambda_gb_second_arm"]),
        Line("DynamoDB write units", sum(DYNAMODB_WRITES.values()), PRICES["dynamodb_write_unit"]),
        Line("DynamoDB read units", sum(DYNAMODB_READS.values()), PRICES["dynamodb_read_unit"]),
        Line("SES emails", EMAILS, PRICES["ses_email"]),
        Line("EventBridge events", EVENTS, PRICES["eventbridge_event"]),
    ]


def durable_lines(measured: dict[str, Any]) -> list[Line]:
    invocations = measured["invocations"]
    return [
        *_common_lines(),
        Line("workflow invocations", invocations, PRICES["lambda_request"]),
        Line(
            "workflow GB-seconds",
            invocations * WORKFLOW_MS / 1000 * MEMORY_GB,
            PRICES["lambda_gb_second_arm"],
        ),
        Line("durable operations", measured["operations"], PRICES["durable_operation"]),
        Line(
            "durable data written (GB)",
            measured["checkpoint_bytes"] / 1e9,
            PRICES["durable_gb_written"],
        ),
    ]


def step_functions_lines() -> list[Line]:
    # The same steps as Lambda tasks or direct integrations: no workflow function, but one
    # small task function sends the approver's email with the task token.
    return [
        *_common_lines(),
        Line("state transitions", SFN_TRANSITIONS, PRICES["sfn_state_transition"]),
        Line("task-token function invocations", 1, PRICES["lambda_request"]),
        Line("task-token function GB-seconds", 0.1 * MEMORY_GB, PRICES["lambda_gb_second_arm"]),
    ]


def follow_up_lines() -> list[Line]:
    """What a reminder and an escalation add to a request, besides the workflow's own cost."""
    return [
        Line("follow-up emails", FOLLOW_UP_EMAILS, PRICES["ses_email"]),
        Line("follow-up events", FOLLOW_UP_EVENTS, PRICES["eventbridge_event"]),
        Line("follow-up DynamoDB write units", FOLLOW_UP_WRITES, PRICES["dynamodb_write_unit"]),
        Line("follow-up DynamoDB read units", FOLLOW_UP_READS, PRICES["dynamodb_read_unit"]),
    ]


def second_level_lines() -> list[Line]:
    """What a second approval adds to a request, besides the workflow's own cost."""
    return [
        Line("second-level emails", SECOND_LEVEL_EMAILS, PRICES["ses_email"]),
        Line("second-level events", SECOND_LEVEL_EVENTS, PRICES["eventbridge_event"]),
        Line("second-level write units", SECOND_LEVEL_WRITES, PRICES["dynamodb_write_unit"]),
        Line("second-level read units", SECOND_LEVEL_READS, PRICES["dynamodb_read_unit"]),
        # The second approver opens the page and decides.
        Line("second-level HTTP invocations", 2, PRICES["lambda_request"]),
    ]


def per_thousand(lines: list[Line]) -> float:
    return round(sum(line.cost for line in lines) * 1000, 4)


def cost_model(durable_cost: dict[str, Any]) -> dict[str, Any]:
    """Per 1,000 requests, on the costlier of the paths decided by the first approver in time;
    and per 1,000 requests that are reminded, escalated and then approved."""
    worst = max(("approve", "reject"), key=lambda p: durable_cost[p]["checkpoint_bytes"])
    durable = durable_lines(durable_cost[worst])
    sfn = step_functions_lines()
    followed_up = durable_lines(durable_cost["escalated"]) + follow_up_lines()
    return {
        "path": worst,
        "durable_per_1000_usd": per_thousand(durable),
        "reminded_and_escalated_per_1000_usd": per_thousand(followed_up),
        "two_level_per_1000_usd": per_thousand(
            durable_lines(durable_cost["two-level"]) + second_level_lines()
        ),
        "step_functions_per_1000_usd": per_thousand(sfn),
        "durable_lines": [
            (line.item, line.quantity, round(line.cost * 1000, 5)) for line in durable
        ],
        "step_functions_lines": [
            (line.item, line.quantity, round(line.cost * 1000, 5)) for line in sfn
        ],
    }


# The pending gauge runs every minute (pendingGaugeIntervalMinutes: 1).
GAUGE_RUNS_PER_MONTH = 60 * 24 * 30
READ_UNIT_BYTES = 4096
EVENTUALLY_CONSISTENT = 0.5  # read units per 4 KB: index queries and batch reads are
BACKLOGS = (1_000, 10_000, 100_000)


def gauge_monthly_cost(pending: int, item_bytes: int, shards: int) -> dict[str, float]:
    """What the pending gauge's reads cost a month, at a backlog of `pending` requests.

    The former design counted by reading every pending item of one index partition (and the
    oldest with one more read); this one reads one counter per shard and each shard's oldest
    pending request (one item per query), whatever the backlog.
    """
    counted = -(-pending * item_bytes // READ_UNIT_BYTES) * EVENTUALLY_CONSISTENT
    former_units = counted + EVENTUALLY_CONSISTENT
    sharded_units = shards * EVENTUALLY_CONSISTENT * 2
    price = PRICES["dynamodb_read_unit"] * GAUGE_RUNS_PER_MONTH
    return {
        "pending": pending,
        "read_units_per_run_former": former_units,
        "read_units_per_run_sharded": sharded_units,
        "usd_per_month_former": round(former_units * price, 2),
        "usd_per_month_sharded": round(sharded_units * price, 4),
    }


def gauge_cost_model(item_bytes: int, shards: int) -> list[dict[str, float]]:
    return [gauge_monthly_cost(pending, item_bytes, shards) for pending in BACKLOGS]
