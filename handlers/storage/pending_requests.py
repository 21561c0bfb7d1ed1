"""How many requests wait for a decision, and since when the oldest has: a fixed number of small
reads, however long the backlog (see table_schema: per-shard counts, a sparse pending index).

Apart from the leave store so that the pending gauge loads neither the leave models nor the
email validator they need: about a sixth of its cold start (see bench/).
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from handlers.aws_clients import aws_client
from handlers.storage.table_schema import (
    BY_PENDING,
    PENDING_COUNT,
    pending_counter_key,
    pending_shards,
)


@dataclass(frozen=True)
class PendingSummary:
    count: int
    oldest_submitted_at: datetime | None


class PendingRequests(Protocol):
    def summary(self) -> PendingSummary: ...


class DynamoDbPendingRequests:
    def __init__(self, table_name: str, client: Any = None) -> None:
        self._table = table_name
        self._client = client or aws_client("dynamodb")

    def summary(self) -> PendingSummary:
        """One BatchGetItem for the shards' counts, one one-item query per shard for its oldest."""
        return PendingSummary(count=self._count(), oldest_submitted_at=self._oldest())

    def _count(self) -> int:
        keys = [
            {name: {"S": value} for name, value in pending_counter_key(shard).items()}
            for shard in pending_shards()
        ]
        request: dict[str, Any] = {self._table: {"Keys": keys, "ProjectionExpression": "#c"}}
        request[self._table]["ExpressionAttributeNames"] = {"#c": PENDING_COUNT}
        total = 0
        while request:
            answer = self._client.batch_get_item(RequestItems=request)
            total += sum(
                int(item[PENDING_COUNT]["N"])
                for item in answer["Responses"].get(self._table, [])
                if PENDING_COUNT in item
            )
            request = answer.get("UnprocessedKeys") or {}
        return total

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
