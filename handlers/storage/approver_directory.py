"""Who approves whose leave: entries in the leave table, with a configured default."""

from typing import Any

from handlers.aws_clients import aws_client
from handlers.storage.table_schema import directory_key


class DynamoDbApproverDirectory:
    def __init__(self, table_name: str, client: Any = None) -> None:
        self._table = table_name
        self._client = client or aws_client("dynamodb")

    def approver_of(self, employee_email: str) -> str | None:
        key = {name: {"S": value} for name, value in directory_key(employee_email).items()}
        item = self._client.get_item(TableName=self._table, Key=key).get("Item")
        return item["approver_email"]["S"] if item else None
