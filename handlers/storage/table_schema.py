"""The leave table's keys and indexes: read by the store, the Pulumi program and the sandbox.

One table holds three kinds of item, told apart by their keys:
- a leave request: `pk = REQUEST#<id>`, `sk = REQUEST`;
- a directory entry: `pk = EMPLOYEE#<email>`, `sk = APPROVER`, naming the employee's approver;
- an employee's calendar: `pk = EMPLOYEE#<email>`, `sk = CALENDAR`, the leave that holds their
  dates (`held_leave`: request id -> start, end, status) and a `calendar_version` for
  optimistic writes.
Only requests carry `employee_email` and `status`, so both indexes hold requests alone.
"""

from dataclasses import dataclass
from typing import Any

PARTITION_KEY = "pk"
SORT_KEY = "sk"


@dataclass(frozen=True)
class SecondaryIndex:
    name: str
    partition_key: str
    sort_key: str


# An employee's requests by start date (overlaps are checked against the calendar item).
BY_EMPLOYEE = SecondaryIndex("by_employee", partition_key="employee_email", sort_key="start_date")
# The pending gauge: requests of one status, oldest first.
BY_STATUS = SecondaryIndex("by_status", partition_key="status", sort_key="submitted_at")
SECONDARY_INDEXES = (BY_EMPLOYEE, BY_STATUS)


def key_attributes() -> list[str]:
    """Every attribute used in a key (all strings), in a stable order."""
    names = [PARTITION_KEY, SORT_KEY]
    for index in SECONDARY_INDEXES:
        names += [index.partition_key, index.sort_key]
    return list(dict.fromkeys(names))


def request_key(request_id: str) -> dict[str, str]:
    return {PARTITION_KEY: f"REQUEST#{request_id}", SORT_KEY: "REQUEST"}


def directory_key(employee_email: str) -> dict[str, str]:
    return {PARTITION_KEY: f"EMPLOYEE#{employee_email.lower()}", SORT_KEY: "APPROVER"}


def calendar_key(employee_email: str) -> dict[str, str]:
    return {PARTITION_KEY: f"EMPLOYEE#{employee_email.lower()}", SORT_KEY: "CALENDAR"}


def directory_item(employee_email: str, approver_email: str) -> dict[str, str]:
    """A directory entry as a plain item, for seeding the table."""
    return {**directory_key(employee_email), "approver_email": approver_email.lower()}


def create_table_request(table_name: str) -> dict[str, Any]:
    """The table as a DynamoDB CreateTable request: what the sandbox and the tests create."""
    projection = {"ProjectionType": "ALL"}
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
                "Projection": projection,
            }
            for index in SECONDARY_INDEXES
        ],
    }
