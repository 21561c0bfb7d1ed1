"""The requests waiting for a decision, read from the by-status index.

Apart from the leave store so that the pending gauge loads neither the leave models nor the
email validator they need: about a sixth of its cold start (see bench/).
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

import boto3

from handlers.domain.statuses import LeaveStatus
from handlers.storage.table_schema import BY_STATUS


@dataclass(frozen=True)
class PendingSummary:
    count: int
    oldest_submitted_at: datetime | None


class PendingRequests(Protocol):
    def summary(self) -> PendingSummary: ...


class DynamoDbPendingRequests:
    def __init__(self, table_name: str, client: Any = None) -> None:
        self._table = table_name
        self._client = client or boto3.client("dynamodb")

    def summary(self) -> PendingSummary:
        """How many requests wait for a decision, and since when the oldest one has."""
        pending = {
            "TableName": self._table,
            "IndexName": BY_STATUS.name,
            "KeyConditionExpression": f"{BY_STATUS.partition_key} = :pending",
            "ExpressionAttributeValues": {":pending": {"S": LeaveStatus.PENDING.value}},
        }
        count = sum(
            page["Count"]
            for page in self._client.get_paginator("query").paginate(**pending, Select="COUNT")
        )
        oldest = self._client.query(**pending, ScanIndexForward=True, Limit=1)["Items"]
        submitted = datetime.fromisoformat(oldest[0][BY_STATUS.sort_key]["S"]) if oldest else None
        return PendingSummary(count=count, oldest_submitted_at=submitted)
