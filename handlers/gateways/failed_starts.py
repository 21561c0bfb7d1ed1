"""The failed-start queue (components/failed_starts.py), as an operator reads it: the records
Lambda leaves there for each asynchronous start of the workflow it could not make.

Lambda's on-failure destination record is JSON: `requestContext.condition` says why
(`RetriesExhausted`, `EventAgeExceeded`), `requestPayload` is the invocation's payload as sent
(the request: its `request_id`, its `execution_name`).
"""

import json
from dataclasses import dataclass
from typing import Any, Protocol

# Messages read at once (SQS's most), and how long a read message stays hidden from other
# readers: long enough to start it again and delete it.
_BATCH = 10
_HIDDEN_SECONDS = 120


@dataclass(frozen=True)
class FailedStart:
    receipt: str
    # The start's payload as Lambda kept it; None if the record could not be read as one.
    payload: dict[str, Any] | None
    condition: str


class FailedStartQueue(Protocol):
    def receive(self) -> list[FailedStart]: ...

    def delete(self, receipt: str) -> None: ...


def _payload_of(body: str) -> tuple[dict[str, Any] | None, str]:
    try:
        record = json.loads(body)
    except ValueError:
        return None, "unreadable"
    if not isinstance(record, dict):
        return None, "unreadable"
    context = record.get("requestContext")
    condition = context.get("condition") if isinstance(context, dict) else None
    payload = record.get("requestPayload")
    if isinstance(payload, str):
        try:
            payload = json.loads(payload)
        except ValueError:
            payload = None
    return (payload if isinstance(payload, dict) else None), str(condition or "unknown")


class SqsFailedStartQueue:
    def __init__(self, queue_url: str, client: Any) -> None:
        self._url = queue_url
        self._client = client

    def receive(self) -> list[FailedStart]:
        """The next few records (none left: an empty list)."""
        answer = self._client.receive_message(
            QueueUrl=self._url,
            MaxNumberOfMessages=_BATCH,
            VisibilityTimeout=_HIDDEN_SECONDS,
            WaitTimeSeconds=0,
        )
        found = []
        for message in answer.get("Messages", []):
            payload, condition = _payload_of(str(message.get("Body", "")))
            found.append(FailedStart(str(message["ReceiptHandle"]), payload, condition))
        return found

    def delete(self, receipt: str) -> None:
        self._client.delete_message(QueueUrl=self._url, ReceiptHandle=receipt)

    def approximate_count(self) -> int:
        answer = self._client.get_queue_attributes(
            QueueUrl=self._url, AttributeNames=["ApproximateNumberOfMessages"]
        )
        return int(answer.get("Attributes", {}).get("ApproximateNumberOfMessages", 0))
