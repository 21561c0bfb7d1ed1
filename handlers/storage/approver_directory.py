"""Who approves whose leave, and whose allowances are their own: entries in the leave table,
with a configured default for both."""

from typing import Any

from handlers.aws_clients import aws_client
from handlers.domain.allowances import parse_allowance_overrides
from handlers.domain.statuses import LeaveType
from handlers.observability import logger
from handlers.storage.items import from_item
from handlers.storage.table_schema import DIRECTORY_ALLOWANCES, directory_key


class DynamoDbApproverDirectory:
    def __init__(self, table_name: str, client: Any = None) -> None:
        self._table = table_name
        self._client = client or aws_client("dynamodb")

    def _entry(self, employee_email: str) -> dict[str, Any]:
        key = {name: {"S": value} for name, value in directory_key(employee_email).items()}
        item: dict[str, Any] = self._client.get_item(TableName=self._table, Key=key).get("Item")
        return from_item(item) if item else {}

    def approver_of(self, employee_email: str) -> str | None:
        approver = self._entry(employee_email).get("approver_email")
        return str(approver) if approver else None

    def allowances_of(self, employee_email: str) -> dict[LeaveType, int | None]:
        """The allowances that are the employee's own (the types their entry names). An entry
        that does not read as allowances (edited by hand) gives them none of their own."""
        try:
            return parse_allowance_overrides(self._entry(employee_email).get(DIRECTORY_ALLOWANCES))
        except ValueError as unreadable:
            logger.warning(
                "a directory entry's allowances are unreadable: the stack's apply",
                extra={"problem": str(unreadable)},
            )
            return {}
