"""Finding requests by what an operator asks for (`leave-ops list`, `export`): by status, by
employee, by who they wait for, by how long they have waited, by the dates they take.

Each search reads the index that serves its most selective criterion (table_schema.py), and
checks the rest on what it read: an employee's requests (`by_employee`, by start date), what
waits for an approver (`by_waiting_approver`, then the requests by key), what is pending
(`by_pending`, by submission time). Only a search by other statuses or by dates alone, which
no index keys, scans the table (requests only), as an export for HR does once in a while.
"""

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from handlers.aws_clients import aws_client
from handlers.domain.leave_request import LeaveRecord
from handlers.domain.statuses import LeaveStatus
from handlers.storage.items import to_item
from handlers.storage.request_reads import RequestReads, readable_requests
from handlers.storage.table_schema import BY_EMPLOYEE, SORT_KEY
from handlers.storage.team_reads import DynamoDbTeamReads

_REQUEST_SORT_KEY = "REQUEST"
# Every pending request was submitted before it.
_END_OF_TIME = datetime(9999, 12, 31, tzinfo=UTC)


@dataclass(frozen=True)
class RequestCriteria:
    """What a listed request must be; each criterion left None lets every request through."""

    status: LeaveStatus | None = None
    employee: str | None = None
    # Who it waits for now (pending requests only).
    waiting_for: str | None = None
    # Submitted before this moment (it has waited at least so long).
    submitted_before: datetime | None = None
    # Its leave takes at least one day of [first_day, last_day].
    first_day: date | None = None
    last_day: date | None = None

    def matches(self, record: LeaveRecord) -> bool:
        return (
            (self.status is None or record.status is self.status)
            and (self.employee is None or record.employee_email == self.employee.lower())
            and (
                self.waiting_for is None
                or (
                    record.status.awaits_decision
                    and record.approver_email == self.waiting_for.lower()
                )
            )
            and (self.submitted_before is None or record.submitted_at < self.submitted_before)
            and (self.first_day is None or record.end_date >= self.first_day)
            and (self.last_day is None or record.start_date <= self.last_day)
        )


class DynamoDbRequestSearch:
    def __init__(self, table_name: str, client: Any = None) -> None:
        self._table = table_name
        self._client = client or aws_client("dynamodb")

    def find(self, criteria: RequestCriteria) -> list[LeaveRecord]:
        """The requests that match, by submission time, oldest first."""
        found = [record for record in self._candidates(criteria) if criteria.matches(record)]
        return sorted(found, key=lambda record: (record.submitted_at, record.request_id))

    def _candidates(self, criteria: RequestCriteria) -> Iterable[LeaveRecord]:
        if criteria.employee is not None:
            return self._of_employee(criteria.employee.lower(), criteria.last_day)
        if criteria.waiting_for is not None:
            return DynamoDbTeamReads(self._table, self._client).waiting_for(criteria.waiting_for)
        if criteria.status is LeaveStatus.PENDING:
            cutoff = criteria.submitted_before or _END_OF_TIME
            return RequestReads(self._table, self._client).pending_submitted_before(cutoff)
        return self._scan(criteria)

    def _of_employee(self, employee: str, last_day: date | None) -> Iterator[LeaveRecord]:
        condition = "#employee = :employee"
        values: dict[str, Any] = {":employee": employee}
        if last_day is not None:
            condition += " AND #start <= :last"
            values[":last"] = last_day.isoformat()
        pages = self._client.get_paginator("query").paginate(
            TableName=self._table,
            IndexName=BY_EMPLOYEE.name,
            KeyConditionExpression=condition,
            ExpressionAttributeNames={
                "#employee": BY_EMPLOYEE.partition_key,
                **({"#start": BY_EMPLOYEE.sort_key} if last_day is not None else {}),
            },
            ExpressionAttributeValues=to_item(values),
        )
        for page in pages:
            yield from readable_requests(page["Items"])

    def _scan(self, criteria: RequestCriteria) -> Iterator[LeaveRecord]:
        conditions = ["#sk = :request"]
        values: dict[str, Any] = {":request": _REQUEST_SORT_KEY}
        names = {"#sk": SORT_KEY}
        if criteria.status is not None:
            conditions.append("#status = :status")
            names["#status"] = "status"
            values[":status"] = criteria.status.value
        if criteria.first_day is not None:
            conditions.append("end_date >= :first")
            values[":first"] = criteria.first_day.isoformat()
        if criteria.last_day is not None:
            conditions.append("start_date <= :last")
            values[":last"] = criteria.last_day.isoformat()
        pages = self._client.get_paginator("scan").paginate(
            TableName=self._table,
            FilterExpression=" AND ".join(conditions),
            ExpressionAttributeNames=names,
            ExpressionAttributeValues=to_item(values),
        )
        for page in pages:
            yield from readable_requests(page["Items"])
