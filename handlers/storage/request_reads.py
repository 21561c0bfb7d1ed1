"""Reading leave requests and employees' calendars: one request, one calendar, and the lists
the workflow, the settler, the employees' app and the calendar feeds read.

The base of the leave store (leave_store.py): its writers read through it.
"""

import heapq
from collections.abc import Iterable, Iterator
from datetime import date, datetime
from typing import Any

from pydantic import ValidationError

from handlers.aws_clients import aws_client
from handlers.domain.calendar import CalendarEntry, EmployeeCalendar
from handlers.domain.leave_request import LeaveRecord
from handlers.domain.statuses import LeaveStatus
from handlers.observability import logger
from handlers.storage.items import from_item, to_item
from handlers.storage.table_schema import (
    BY_APPROVER,
    BY_EMPLOYEE,
    BY_PENDING,
    OWED_ANNOUNCEMENTS,
    PARTITION_KEY,
    calendar_key,
    pending_counter_key,
    pending_shards,
    request_key,
)


def readable_requests(items: Iterable[dict[str, Any]]) -> list[LeaveRecord]:
    """The listed items that read as requests. One that does not (written by an older version,
    or edited by hand) is left out and logged, so it never breaks a list or a calendar feed."""
    records = []
    for item in items:
        try:
            records.append(LeaveRecord.model_validate(from_item(item)))
        except ValidationError as invalid:
            problems = [
                f"{'.'.join(str(part) for part in error['loc'])}: {error['type']}"
                for error in invalid.errors(include_input=False)
            ]
            key = item.get(PARTITION_KEY, {}).get("S")
            logger.warning(
                "a stored request is unreadable: left out", extra={"key": key, "problems": problems}
            )
    return records


def calendar_of_item(item: dict[str, Any]) -> EmployeeCalendar:
    """An employee's calendar item (its plain values) as their calendar."""
    entries = tuple(
        CalendarEntry(
            request_id,
            date.fromisoformat(value["start"]),
            date.fromisoformat(value["end"]),
            LeaveStatus(value["status"]),
        )
        for request_id, value in sorted(item.get("held_leave", {}).items())
    )
    return EmployeeCalendar(entries, int(item["calendar_version"]))


class RequestReads:
    def __init__(self, table_name: str, client: Any = None) -> None:
        self._table = table_name
        self._client = client or aws_client("dynamodb")

    def get(self, request_id: str) -> LeaveRecord | None:
        response = self._client.get_item(
            TableName=self._table, Key=to_item(request_key(request_id)), ConsistentRead=True
        )
        return (
            LeaveRecord.model_validate(from_item(response["Item"])) if "Item" in response else None
        )

    def calendar(self, employee_email: str) -> EmployeeCalendar:
        response = self._client.get_item(
            TableName=self._table, Key=to_item(calendar_key(employee_email)), ConsistentRead=True
        )
        if "Item" not in response:
            return EmployeeCalendar()
        return calendar_of_item(from_item(response["Item"]))

    def pending_submitted_before(self, cutoff: datetime) -> Iterator[LeaveRecord]:
        """Pending requests submitted before `cutoff`, oldest first (across the shards)."""
        return heapq.merge(
            *(self._pending_in(shard, cutoff) for shard in pending_shards()),
            key=lambda record: record.submitted_at,
        )

    def _pending_in(self, shard: str, cutoff: datetime) -> Iterator[LeaveRecord]:
        paginator = self._client.get_paginator("query")
        for page in paginator.paginate(
            TableName=self._table,
            IndexName=BY_PENDING.name,
            KeyConditionExpression="#shard = :shard AND #submitted < :cutoff",
            ExpressionAttributeNames={
                "#shard": BY_PENDING.partition_key,
                "#submitted": BY_PENDING.sort_key,
            },
            ExpressionAttributeValues=to_item({":shard": shard, ":cutoff": cutoff.isoformat()}),
        ):
            for item in page["Items"]:
                yield LeaveRecord.model_validate(from_item(item))

    def approved_by(self, approver_email: str, since: date) -> list[LeaveRecord]:
        """The leave `approver_email` approved that starts on or after `since`, by start date."""
        paginator = self._client.get_paginator("query")
        pages = paginator.paginate(
            TableName=self._table,
            IndexName=BY_APPROVER.name,
            KeyConditionExpression="#team = :approver AND #start >= :since",
            ExpressionAttributeNames={
                "#team": BY_APPROVER.partition_key,
                "#start": BY_APPROVER.sort_key,
            },
            ExpressionAttributeValues=to_item(
                {":approver": approver_email, ":since": since.isoformat()}
            ),
        )
        return readable_requests(item for page in pages for item in page["Items"])

    def requests_of(self, employee_email: str, limit: int) -> list[LeaveRecord]:
        """The employee's latest requests by start date, latest first (at most `limit`)."""
        response = self._client.query(
            TableName=self._table,
            IndexName=BY_EMPLOYEE.name,
            KeyConditionExpression="#employee = :employee",
            ExpressionAttributeNames={"#employee": BY_EMPLOYEE.partition_key},
            ExpressionAttributeValues=to_item({":employee": employee_email}),
            ScanIndexForward=False,
            Limit=limit,
        )
        return readable_requests(response["Items"])

    def awaiting_decision_by_or_handed_on(
        self, approver_email: str, key: str
    ) -> Iterator[LeaveRecord]:
        """The requests waiting for `approver_email`'s decision, and those still waiting that
        the follow-up `key` (a delegation's) handed on. It reads every waiting request (the
        pending index, filtered): done once when a delegation starts, not on a hot path."""
        for shard in pending_shards():
            paginator = self._client.get_paginator("query")
            for page in paginator.paginate(
                TableName=self._table,
                IndexName=BY_PENDING.name,
                KeyConditionExpression="#shard = :shard",
                FilterExpression="approver_email = :approver OR contains(follow_ups, :key)",
                ExpressionAttributeNames={"#shard": BY_PENDING.partition_key},
                ExpressionAttributeValues=to_item(
                    {":shard": shard, ":approver": approver_email, ":key": key}
                ),
            ):
                for item in page["Items"]:
                    yield LeaveRecord.model_validate(from_item(item))

    def owed_announcements(self) -> list[str]:
        """The requests a writer outside the workflow ended but has not announced yet (one
        BatchGetItem of the shards' count items)."""
        keys = [to_item(pending_counter_key(shard)) for shard in pending_shards()]
        request: dict[str, Any] = {
            self._table: {
                "Keys": keys,
                "ProjectionExpression": "#owed",
                "ExpressionAttributeNames": {"#owed": OWED_ANNOUNCEMENTS},
            }
        }
        owed: list[str] = []
        while request:
            answer = self._client.batch_get_item(RequestItems=request)
            for item in answer["Responses"].get(self._table, []):
                owed += from_item(item).get(OWED_ANNOUNCEMENTS, [])
            request = answer.get("UnprocessedKeys") or {}
        return sorted(owed)
