"""The leave table's keys and indexes: read by the store, the Pulumi program and the sandbox.

One table holds these kinds of item, told apart by their keys:
- a leave request: `pk = REQUEST#<id>`, `sk = REQUEST`;
- a directory entry: `pk = EMPLOYEE#<email>`, `sk = APPROVER`, naming the employee's approver
  (`approver_email`, and again as `team_of`, which only directory entries carry: the `by_team`
  index lists an approver's people by it, one query per team) and the allowances that are
  theirs alone (`allowances`: leave type -> days a year, or null for no limit), either of
  which may be missing;
- an employee's balance of one leave type in one year: `pk = EMPLOYEE#<email>`,
  `sk = BALANCE#<year>#<type>`, the days its requests hold (`held`: waiting for a decision) and
  have taken (`taken`: approved), and their sum (`booked`), moved in the same transaction as
  the status move that moves them (DynamoDB's conditions cannot add: the submission's condition
  reads the sum);
- an employee's calendar: `pk = EMPLOYEE#<email>`, `sk = CALENDAR`, the leave that holds their
  dates (`held_leave`: request id -> start, end, status) and a `calendar_version` for
  optimistic writes;
- a count of pending requests, one per shard: `pk = PENDING#<shard>`, `sk = COUNT`,
  `pending_count`, moved in the same transaction as every move into or out of pending, and
  the running totals of the moves into each status (`entered_<status>`: `entered_pending` counts
  submissions), added to in the same transaction as every status change: exact by
  construction, whatever a writer's retries repeat after it; and `owed_announcements`, the ids
  of requests a writer outside the workflow (the settler, a cancellation) ended but has not yet
  announced, so that the sweep announces them if that writer died in between.
- an approver's delegation: `pk = DELEGATIONS`, `sk = <approver's email>`; all of them in one
  small partition, so the sweep reads every delegation in one query.
- a person's calendar feed: `pk = EMPLOYEE#<email>`, `sk = FEED`, their feed's current secret
  and its hash; and the secret's own item, `pk = FEED#<sha256 of the secret>`, `sk = FEED`,
  naming its owner (`feed_owner`), so that a feed's URL is looked up by key, never by a scan.
Only requests carry `employee_email`, only pending requests `pending_shard`, only approved
leave `approved_leave_of_team`, and only directory entries `team_of`, so the indexes hold
requests alone, `by_pending` pending ones alone, `by_approver` approved leave alone and
`by_team` directory entries alone. `by_waiting_approver` is keyed by `approver_email`, which
requests, directory entries and delegations all carry, but sorted by `pending_shard`: an item
is in an index only with both its keys, so it holds pending requests alone, by whoever has
each now (every hand-over rewrites `approver_email`, every end removes `pending_shard`).

Pending requests are spread over `PENDING_SHARDS` shards (by a hash of their id): no single
partition key takes every status change, and the pending gauge reads the shards' counts and
each shard's oldest request, a fixed number of small reads however long the backlog.
"""

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

PARTITION_KEY = "pk"
SORT_KEY = "sk"


@dataclass(frozen=True)
class SecondaryIndex:
    name: str
    partition_key: str
    sort_key: str
    # What the index copies of each item: all of it (a query answers whole items), or only
    # its keys ("KEYS_ONLY": a write that changes no key of the item writes nothing to the
    # index, and the reader fetches the items it needs by key).
    projection: str = "ALL"


# An employee's requests by start date (overlaps are checked against the calendar item).
BY_EMPLOYEE = SecondaryIndex("by_employee", partition_key="employee_email", sort_key="start_date")
# Pending requests, by shard, oldest first: a sparse index (a request leaves it when it stops
# being pending), read by the gauge (each shard's oldest) and the settler's sweep.
BY_PENDING = SecondaryIndex("by_pending", partition_key="pending_shard", sort_key="submitted_at")
# Approved leave by the approver who approved it, by start date: a sparse index (a request
# enters it when approved and leaves it when cancelled), read by the approver's calendar feed.
BY_APPROVER = SecondaryIndex(
    "by_approver", partition_key="approved_leave_of_team", sort_key="start_date"
)
# An approver's people (the directory entries that name them), by the employee's key: the
# team whose leave their decision page and their view in the app show.
BY_TEAM = SecondaryIndex(
    "by_team", partition_key="team_of", sort_key=PARTITION_KEY, projection="KEYS_ONLY"
)
# Pending requests by the approver who has them now (sparse: see the module's docstring), read
# by the approver's view in the app. Keys only: the many writes to a waiting request (its
# take-over, callback, claims, leases) change none of its keys, so they write nothing here;
# only its submission, a hand-over and its end do.
BY_WAITING_APPROVER = SecondaryIndex(
    "by_waiting_approver",
    partition_key="approver_email",
    sort_key=BY_PENDING.partition_key,
    projection="KEYS_ONLY",
)
SECONDARY_INDEXES = (BY_EMPLOYEE, BY_PENDING, BY_APPROVER, BY_TEAM, BY_WAITING_APPROVER)
PENDING_SHARDS = 8
PENDING_COUNT = "pending_count"


OWED_ANNOUNCEMENTS = "owed_announcements"


def status_total(status: str) -> str:
    """The shard item's attribute counting the requests that moved into `status`."""
    return f"entered_{status}"


def pending_shard_of(request_id: str) -> str:
    """The shard a pending request is counted and indexed in."""
    digest = hashlib.sha256(request_id.encode()).digest()
    return f"pending#{int.from_bytes(digest[:4], 'big') % PENDING_SHARDS}"


def pending_shards() -> list[str]:
    return [f"pending#{shard}" for shard in range(PENDING_SHARDS)]


def pending_counter_key(shard: str) -> dict[str, str]:
    return {PARTITION_KEY: f"PENDING#{shard.partition('#')[2]}", SORT_KEY: "COUNT"}


def key_attributes() -> list[str]:
    """Every attribute used in a key (all strings), in a stable order."""
    names = [PARTITION_KEY, SORT_KEY]
    for index in SECONDARY_INDEXES:
        names += [index.partition_key, index.sort_key]
    return list(dict.fromkeys(names))


def request_key(request_id: str) -> dict[str, str]:
    return {PARTITION_KEY: f"REQUEST#{request_id}", SORT_KEY: "REQUEST"}


EMPLOYEE_PREFIX = "EMPLOYEE#"


def directory_key(employee_email: str) -> dict[str, str]:
    return {PARTITION_KEY: f"{EMPLOYEE_PREFIX}{employee_email.lower()}", SORT_KEY: "APPROVER"}


def employee_of(partition_key: str) -> str:
    """The employee an `EMPLOYEE#<email>` partition key names."""
    return partition_key.removeprefix(EMPLOYEE_PREFIX)


def calendar_key(employee_email: str) -> dict[str, str]:
    return {PARTITION_KEY: f"EMPLOYEE#{employee_email.lower()}", SORT_KEY: "CALENDAR"}


DELEGATIONS_PARTITION = "DELEGATIONS"


def delegation_key(approver_email: str) -> dict[str, str]:
    return {PARTITION_KEY: DELEGATIONS_PARTITION, SORT_KEY: approver_email.lower()}


FEED_SORT_KEY = "FEED"


def feed_of_key(owner_email: str) -> dict[str, str]:
    """A person's item naming their feed's current secret."""
    return {PARTITION_KEY: f"EMPLOYEE#{owner_email.lower()}", SORT_KEY: FEED_SORT_KEY}


def feed_secret_key(secret_hash: str) -> dict[str, str]:
    """A feed secret's item, naming whose feed it opens."""
    return {PARTITION_KEY: f"FEED#{secret_hash}", SORT_KEY: FEED_SORT_KEY}


def directory_item(employee_email: str, approver_email: str) -> dict[str, str]:
    """A directory entry as a plain item, for seeding the table."""
    approver = approver_email.lower()
    return {
        **directory_key(employee_email),
        "approver_email": approver,
        BY_TEAM.partition_key: approver,
    }


DIRECTORY_ALLOWANCES = "allowances"


def directory_entry(
    employee_email: str, approver_email: str | None, allowances: Mapping[str, int | None]
) -> dict[str, Any]:
    """A directory entry as a DynamoDB item (typed values), for seeding the table: the
    employee's approver, their own allowances (leave type -> days a year, None for no limit),
    or both. Without allowances it is `directory_item`'s, value for value."""
    item: dict[str, Any] = {k: {"S": v} for k, v in directory_key(employee_email).items()}
    if approver_email is not None:
        item["approver_email"] = {"S": approver_email.lower()}
        item[BY_TEAM.partition_key] = {"S": approver_email.lower()}
    if allowances:
        item[DIRECTORY_ALLOWANCES] = {
            "M": {
                leave_type: {"NULL": True} if days is None else {"N": str(days)}
                for leave_type, days in sorted(allowances.items())
            }
        }
    return item


BALANCE_PREFIX = "BALANCE#"


def balance_key(employee_email: str, year: int, leave_type: str) -> dict[str, str]:
    """An employee's balance of one leave type in one year: after their calendar in their
    partition, by year, so that one query reads a run of years."""
    return {
        PARTITION_KEY: f"EMPLOYEE#{employee_email.lower()}",
        SORT_KEY: f"{BALANCE_PREFIX}{year:04d}#{leave_type}",
    }


def balance_sort_key_range(first_year: int, last_year: int) -> tuple[str, str]:
    """The sort keys between which an employee's balances of these years are (inclusive)."""
    return f"{BALANCE_PREFIX}{first_year:04d}#", f"{BALANCE_PREFIX}{last_year:04d}#~"


def create_table_request(table_name: str) -> dict[str, Any]:
    """The table as a DynamoDB CreateTable request: what the sandbox and the tests create."""
    return {
        "TableName": table_name,
        "BillingMode": "PAY_PER_REQUEST",
        "AttributeDefinitions": [
            {"AttributeName": name, "AttributeType": "S"} for name in key_attributes()
        ],
        "KeySchema": [
            {"AttributeName": PARTITION_KEY, "KeyType": "HASH"},
            {"AttributeName": SORT_KEY, "KeyType": "RANGE"},
        ],
        "GlobalSecondaryIndexes": [
            {
                "IndexName": index.name,
                "KeySchema": [
                    {"AttributeName": index.partition_key, "KeyType": "HASH"},
                    {"AttributeName": index.sort_key, "KeyType": "RANGE"},
                ],
                "Projection": {"ProjectionType": index.projection},
            }
            for index in SECONDARY_INDEXES
        ],
    }
