"""How many requests wait for a decision, since when the oldest has, and how many ever entered
each status: a fixed number of small reads, however long the backlog (see table_schema:
per-shard counts and totals, a sparse pending index).

Apart from the leave store so that the pending gauge loads neither the leave models nor the
email validator they need: about a sixth of its cold start (see bench/).
"""

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from handlers.aws_clients import aws_client
from handlers.domain.statuses import LeaveStatus
from handlers.storage.table_schema import (
    BY_PENDING,
    PENDING_COUNT,
    pending_counter_key,
    pending_shards,
    status_total,
)


@dataclass(frozen=True)
class PendingSummary:
    count: int
    oldest_submitted_at: datetime | None
    # How many requests ever moved into each status (into pending: were submitted).
    totals: dict[LeaveStatus, int] = field(default_factory=dict)


class PendingRequests(Protocol):
    def summary(self) -> PendingSummary: ...


class DynamoDbPendingRequests:
    def __init__(self, table_name: str, client: Any = None) -> None:
        self._table = table_name
        self._client = client or aws_client("dynamodb")

    def summary(self) -> PendingSummary:
        """One BatchGetItem for the shards' counts, one one-item query per shard for its oldest."""
        counts = self._counts()
        return PendingSummary(
            count=counts.pop(PENDING_COUNT),
            oldest_submitted_at=self._oldest(),
            totals={status: counts[status_total(status)] for status in LeaveStatus},
        )

    def _counts(self) -> dict[str, int]:
        """The shards' counts added together, by attribute (zero where none was ever added)."""
        attributes = [PENDING_COUNT, *(status_total(status) for status in LeaveStatus)]
        names = {f"#c{i}": attribute for i, attribute in enumerate(attributes)}
        keys = [
            {name: {"S": value} for name, value in pending_counter_key(shard).items()}
            for shard in pending_shards()
        ]
        request: dict[str, Any] = {
            self._table: {
                "Keys": keys,
                "ProjectionExpression": ", ".join(names),
                "ExpressionAttributeNames": names,
            }
        }
        totals = dict.fromkeys(attributes, 0)
        while request:
            answer = self._client.batch_get_item(RequestItems=request)
            for item in answer["Responses"].get(self._table, []):
                for attribute in attributes:
                    if attribute in item:
                        totals[attribute] += int(item[attribute]["N"])
            request = answer.get("UnprocessedKeys") or {}
        return totals

    def _oldest(self) -> datetime | None:
        oldest: list[str] = []
        for shard in pending_shards():
            items = self._client.query(
                TableName=self._table,
                IndexName=BY_PENDING.name,
                KeyConditionExpression="#shard = :shard",
                ExpressionAttributeNames={"#shard": BY_PENDING.partition_key},
                ExpressionAttributeValues={":shard": {"S": shard}},
                ScanIndexForward=True,
                Limit=1,
            )["Items"]
            oldest += [item[BY_PENDING.sort_key]["S"] for item in items]
        return datetime.fromisoformat(min(oldest)) if oldest else None
