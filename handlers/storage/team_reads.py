"""What an approver's views read of the leave table: their people, those people's calendars,
and the requests waiting for them. Each is a query by approver on a keys-only index
(table_schema.py: `by_team`, `by_waiting_approver`), then a batch of reads by key, never a
scan: the cost follows the size of one team, not of the company.
"""

import time
from collections.abc import Collection
from typing import Any, Protocol

from handlers.aws_clients import aws_client
from handlers.domain.calendar import EmployeeCalendar
from handlers.domain.leave_request import LeaveRecord
from handlers.storage.items import from_item, to_item
from handlers.storage.request_reads import calendar_of_item, readable_requests
from handlers.storage.table_schema import (
    BY_TEAM,
    BY_WAITING_APPROVER,
    PARTITION_KEY,
    SORT_KEY,
    calendar_key,
    employee_of,
)

# BatchGetItem reads at most this many keys a call ("BatchGetItem", Amazon DynamoDB API
# Reference: "up to 100 items").
BATCH_GET_LIMIT = 100
# Keys DynamoDB left unread (it was busy) are asked for again this many times, backing off,
# before the reader gives up (botocore retries a throttled call, not a partial answer).
UNPROCESSED_ROUNDS = 4
_BACK_OFF_SECONDS = 0.05


class TeamUnavailableError(Exception):
    """DynamoDB kept some items unread: the team cannot be shown whole now."""


class TeamReads(Protocol):
    def members_of(self, approver_email: str) -> list[str]: ...

    def calendars_of(self, employees: Collection[str]) -> dict[str, EmployeeCalendar]: ...

    def waiting_for(self, approver_email: str) -> list[LeaveRecord]: ...


class DynamoDbTeamReads:
    def __init__(self, table_name: str, client: Any = None) -> None:
        self._table = table_name
        self._client = client or aws_client("dynamodb")

    def members_of(self, approver_email: str) -> list[str]:
        """The employees whose directory entry names `approver_email`, by address."""
        paginator = self._client.get_paginator("query")
        pages = paginator.paginate(
            TableName=self._table,
            IndexName=BY_TEAM.name,
            KeyConditionExpression="#team = :approver",
            ExpressionAttributeNames={"#team": BY_TEAM.partition_key, "#pk": PARTITION_KEY},
            ExpressionAttributeValues=to_item({":approver": approver_email.lower()}),
            ProjectionExpression="#pk",
        )
        return [employee_of(item[PARTITION_KEY]["S"]) for page in pages for item in page["Items"]]

    def calendars_of(self, employees: Collection[str]) -> dict[str, EmployeeCalendar]:
        """The calendars of `employees` that have one."""
        keys = [calendar_key(employee) for employee in sorted({e.lower() for e in employees})]
        projection = {
            "ProjectionExpression": "#pk, held_leave, calendar_version",
            "ExpressionAttributeNames": {"#pk": PARTITION_KEY},
        }
        calendars: dict[str, EmployeeCalendar] = {}
        for item in self._batch_get(keys, projection):
            values = from_item(item)
            calendars[employee_of(values[PARTITION_KEY])] = calendar_of_item(values)
        return calendars

    def waiting_for(self, approver_email: str) -> list[LeaveRecord]:
        """The pending requests `approver_email` has now, oldest first: their keys from the
        index, then the requests themselves (an index trails its table a moment: a request
        that has since moved on is left out)."""
        approver = approver_email.lower()
        paginator = self._client.get_paginator("query")
        pages = paginator.paginate(
            TableName=self._table,
            IndexName=BY_WAITING_APPROVER.name,
            KeyConditionExpression="#approver = :approver",
            ExpressionAttributeNames={"#approver": BY_WAITING_APPROVER.partition_key},
            ExpressionAttributeValues=to_item({":approver": approver}),
        )
        keys = [
            {PARTITION_KEY: item[PARTITION_KEY]["S"], SORT_KEY: item[SORT_KEY]["S"]}
            for page in pages
            for item in page["Items"]
        ]
        records = [
            record
            for record in readable_requests(self._batch_get(keys))
            if record.status.awaits_decision and record.approver_email == approver
        ]
        return sorted(records, key=lambda record: (record.submitted_at, record.request_id))

    def _batch_get(
        self, keys: list[dict[str, str]], projection: dict[str, Any] | None = None
    ) -> list[dict[str, Any]]:
        """The items of `keys` that exist (BatchGetItem, a hundred keys a call)."""
        found: list[dict[str, Any]] = []
        for first in range(0, len(keys), BATCH_GET_LIMIT):
            batch = [to_item(key) for key in keys[first : first + BATCH_GET_LIMIT]]
            request: dict[str, Any] = {self._table: {"Keys": batch, **(projection or {})}}
            for round_ in range(UNPROCESSED_ROUNDS):
                answer = self._client.batch_get_item(RequestItems=request)
                found += answer["Responses"].get(self._table, [])
                request = answer.get("UnprocessedKeys") or {}
                if not request:
                    break
                time.sleep(_BACK_OFF_SECONDS * 2**round_)
            else:
                unread = len(request[self._table]["Keys"])
                raise TeamUnavailableError(f"{unread} items unread")
        return found
