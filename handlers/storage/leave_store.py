"""Leave requests in DynamoDB. Every write that changes a status is conditional."""

from collections.abc import Iterator, Mapping
from datetime import date, datetime
from typing import Any, Protocol

import boto3
from boto3.dynamodb.types import TypeDeserializer, TypeSerializer
from botocore.exceptions import ClientError

from handlers.domain.leave_request import (
    DecisionPayload,
    HistoryEntry,
    LeaveRecord,
    LeaveRequest,
    Outcome,
)
from handlers.domain.statuses import BLOCKING_STATUSES, HistoryEvent, LeaveStatus
from handlers.storage.table_schema import BY_EMPLOYEE, request_key


class RequestConflictError(RuntimeError):
    """A write lost to the request's current state (already decided, another request, ...)."""

    def __init__(self, message: str, record: LeaveRecord | None = None) -> None:
        super().__init__(message)
        self.record = record


class LeaveStore(Protocol):
    def get(self, request_id: str) -> LeaveRecord | None: ...

    def create_pending(self, request: LeaveRequest, submitted_at: datetime) -> LeaveRecord: ...

    def attach_callback(self, request_id: str, callback_id: str) -> None: ...

    def overlapping(self, employee_email: str, start: date, end: date) -> list[LeaveRecord]: ...

    def claim_decision(self, request_id: str, claim: DecisionPayload) -> str: ...

    def release_decision(self, request_id: str, claim: DecisionPayload) -> None: ...

    def record_outcome(self, request_id: str, outcome: Outcome) -> LeaveRecord: ...


_serializer = TypeSerializer()
_deserializer = TypeDeserializer()


def _to_item(values: Mapping[str, Any]) -> dict[str, Any]:
    return {k: _serializer.serialize(v) for k, v in values.items() if v is not None}


def _from_item(item: Mapping[str, Any]) -> dict[str, Any]:
    return {k: _deserializer.deserialize(v) for k, v in item.items()}


def _is_condition_failure(error: ClientError) -> bool:
    return error.response["Error"]["Code"] == "ConditionalCheckFailedException"


class DynamoDbLeaveStore:
    def __init__(self, table_name: str, client: Any = None) -> None:
        self._table = table_name
        self._client = client or boto3.client("dynamodb")

    def get(self, request_id: str) -> LeaveRecord | None:
        response = self._client.get_item(
            TableName=self._table, Key=_to_item(request_key(request_id)), ConsistentRead=True
        )
        return (
            LeaveRecord.model_validate(_from_item(response["Item"])) if "Item" in response else None
        )

    def create_pending(self, request: LeaveRequest, submitted_at: datetime) -> LeaveRecord:
        record = LeaveRecord(
            **request.model_dump(),
            status=LeaveStatus.PENDING,
            submitted_at=submitted_at,
            history=(HistoryEntry(event=HistoryEvent.SUBMITTED, at=submitted_at),),
        )
        try:
            self._client.put_item(
                TableName=self._table,
                Item=_to_item(
                    {**request_key(request.request_id), **record.model_dump(mode="json")}
                ),
                ConditionExpression="attribute_not_exists(pk)",
            )
        except ClientError as error:
            if not _is_condition_failure(error):
                raise
            existing = self.get(request.request_id)
            # A retried step finds its own earlier write: that is success, not a conflict.
            if existing is not None and existing.request() == request:
                return existing
            raise RequestConflictError("a different request has this id", existing) from None
        return record

    def attach_callback(self, request_id: str, callback_id: str) -> None:
        try:
            self._client.update_item(
                TableName=self._table,
                Key=_to_item(request_key(request_id)),
                UpdateExpression="SET callback_id = :callback",
                ConditionExpression="#status = :pending",
                ExpressionAttributeNames={"#status": "status"},
                ExpressionAttributeValues=_to_item(
                    {":callback": callback_id, ":pending": LeaveStatus.PENDING.value}
                ),
            )
        except ClientError as error:
            if not _is_condition_failure(error):
                raise
            raise RequestConflictError("the request is no longer pending") from None

    def overlapping(self, employee_email: str, start: date, end: date) -> list[LeaveRecord]:
        return [
            LeaveRecord.model_validate(item)
            for item in self._query(
                IndexName=BY_EMPLOYEE.name,
                KeyConditionExpression="employee_email = :employee AND start_date <= :end",
                FilterExpression="end_date >= :start AND #status IN (:s0, :s1)",
                ExpressionAttributeNames={"#status": "status"},
                ExpressionAttributeValues=_to_item(
                    {
                        ":employee": employee_email,
                        ":start": start.isoformat(),
                        ":end": end.isoformat(),
                        ":s0": BLOCKING_STATUSES[0].value,
                        ":s1": BLOCKING_STATUSES[1].value,
                    }
                ),
            )
        ]

    def _query(self, **query: Any) -> Iterator[dict[str, Any]]:
        paginator = self._client.get_paginator("query")
        for page in paginator.paginate(TableName=self._table, **query):
            for item in page["Items"]:
                yield _from_item(item)

    def claim_decision(self, request_id: str, claim: DecisionPayload) -> str:
        """Reserve the request for this decision; return the callback id to resume with.

        The condition lets exactly one of two racing decisions through.
        """
        try:
            response = self._client.update_item(
                TableName=self._table,
                Key=_to_item(request_key(request_id)),
                UpdateExpression="SET decision = :claim",
                ConditionExpression=(
                    "#status = :pending AND attribute_exists(callback_id) "
                    "AND attribute_not_exists(decision)"
                ),
                ExpressionAttributeNames={"#status": "status"},
                ExpressionAttributeValues=_to_item(
                    {
                        ":claim": claim.model_dump(mode="json"),
                        ":pending": LeaveStatus.PENDING.value,
                    }
                ),
                ReturnValues="ALL_NEW",
            )
        except ClientError as error:
            if not _is_condition_failure(error):
                raise
            raise RequestConflictError(
                "the request was already decided", self.get(request_id)
            ) from None
        return str(_from_item(response["Attributes"])["callback_id"])

    def release_decision(self, request_id: str, claim: DecisionPayload) -> None:
        """Undo a claim whose callback could not be delivered, so the approver can retry."""
        try:
            self._client.update_item(
                TableName=self._table,
                Key=_to_item(request_key(request_id)),
                UpdateExpression="REMOVE decision",
                ConditionExpression="decision.decided_at = :at AND decision.approver_email = :by",
                ExpressionAttributeValues=_to_item(
                    {":at": claim.decided_at.isoformat(), ":by": claim.approver_email}
                ),
            )
        except ClientError as error:
            if not _is_condition_failure(error):
                raise

    def record_outcome(self, request_id: str, outcome: Outcome) -> LeaveRecord:
        entry = outcome.history_entry().model_dump(mode="json", exclude_none=True)
        try:
            response = self._client.update_item(
                TableName=self._table,
                Key=_to_item(request_key(request_id)),
                UpdateExpression=(
                    "SET #status = :status, decided_at = :at, "
                    "history = list_append(history, :entry) REMOVE callback_id, decision"
                ),
                ConditionExpression="#status = :pending",
                ExpressionAttributeNames={"#status": "status"},
                ExpressionAttributeValues=_to_item(
                    {
                        ":status": outcome.status.value,
                        ":at": outcome.decided_at.isoformat(),
                        ":entry": [entry],
                        ":pending": LeaveStatus.PENDING.value,
                    }
                ),
                ReturnValues="ALL_NEW",
            )
        except ClientError as error:
            if not _is_condition_failure(error):
                raise
            existing = self.get(request_id)
            # A retried step finds its own earlier write.
            if existing is not None and existing.status is outcome.status:
                return existing
            raise RequestConflictError("the request is no longer pending", existing) from None
        return LeaveRecord.model_validate(_from_item(response["Attributes"]))
