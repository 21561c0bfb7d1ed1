"""Approvers' delegations in the leave table (see table_schema.py): one per approver at most."""

from datetime import datetime
from typing import Any, Protocol

from botocore.exceptions import ClientError

from handlers.aws_clients import aws_client
from handlers.domain.delegation import Delegation
from handlers.storage.items import from_item, to_item
from handlers.storage.table_schema import DELEGATIONS_PARTITION, PARTITION_KEY, delegation_key


class Delegations(Protocol):
    def of(self, approver_email: str) -> Delegation | None: ...

    def put(self, delegation: Delegation) -> None: ...

    def remove(self, approver_email: str) -> bool: ...

    def all(self) -> list[Delegation]: ...

    def mark_handed_over(self, delegation: Delegation, at: datetime) -> None: ...


class DynamoDbDelegations:
    def __init__(self, table_name: str, client: Any = None) -> None:
        self._table = table_name
        self._client = client or aws_client("dynamodb")

    def of(self, approver_email: str) -> Delegation | None:
        item = self._client.get_item(
            TableName=self._table, Key=to_item(delegation_key(approver_email)), ConsistentRead=True
        ).get("Item")
        return Delegation.model_validate(from_item(item)) if item else None

    def put(self, delegation: Delegation) -> None:
        """Set the approver's delegation, replacing the one they had."""
        values = delegation.model_dump(mode="json", exclude_none=True)
        self._client.put_item(
            TableName=self._table,
            Item=to_item({**delegation_key(delegation.approver_email), **values}),
        )

    def remove(self, approver_email: str) -> bool:
        """End the approver's delegation; False if they had none."""
        response = self._client.delete_item(
            TableName=self._table,
            Key=to_item(delegation_key(approver_email)),
            ReturnValues="ALL_OLD",
        )
        return "Attributes" in response

    def all(self) -> list[Delegation]:
        paginator = self._client.get_paginator("query")
        pages = paginator.paginate(
            TableName=self._table,
            KeyConditionExpression="#pk = :delegations",
            ExpressionAttributeNames={"#pk": PARTITION_KEY},
            ExpressionAttributeValues=to_item({":delegations": DELEGATIONS_PARTITION}),
            ConsistentRead=True,
        )
        return [Delegation.model_validate(from_item(i)) for page in pages for i in page["Items"]]

    def mark_handed_over(self, delegation: Delegation, at: datetime) -> None:
        """Note that the delegation's waiting requests were handed over, unless the approver
        has set another delegation meanwhile."""
        try:
            self._client.update_item(
                TableName=self._table,
                Key=to_item(delegation_key(delegation.approver_email)),
                UpdateExpression="SET handed_over_at = :at",
                ConditionExpression="set_at = :set_at",
                ExpressionAttributeValues=to_item(
                    {":at": at.isoformat(), ":set_at": delegation.model_dump(mode="json")["set_at"]}
                ),
            )
        except ClientError as error:
            if error.response["Error"]["Code"] != "ConditionalCheckFailedException":
                raise
