"""Employees' balances in DynamoDB: one item per person, leave type and year (table_schema.py,
`balance_key`), its counters moved only inside the transactions of status_moves.py.

DynamoDB's condition expressions compare, and cannot add ("Comparison operator and function
reference", Amazon DynamoDB Developer Guide: no arithmetic operators; arithmetic is for an
update's SET). So the item keeps `booked`, the sum of `held` and `taken`, moved with them in
every update; a submission's condition is `booked <= allowance - days`, the allowance and the
days known to the writer: `held + taken + days <= allowance`, checked by DynamoDB at the moment
the transaction commits, so that of two submissions racing for the last days one is refused.
Giving days back has no condition of its own: the status move it is written with happens once.
"""

from collections.abc import Iterable, Mapping
from typing import Any

from handlers.domain.allowances import Booked, Counter
from handlers.domain.statuses import LeaveType
from handlers.storage.items import from_item, to_item
from handlers.storage.request_reads import RequestReads
from handlers.storage.table_schema import (
    PARTITION_KEY,
    SORT_KEY,
    balance_key,
    balance_sort_key_range,
)

BOOKED = "booked"


def balance_update(
    table: str,
    employee_email: str,
    year: int,
    leave_type: LeaveType,
    moves: Mapping[Counter, int],
    most_booked_before: int | None = None,
) -> dict[str, Any]:
    """A transaction item that moves the counters of one balance by `moves`, and `booked`
    with them. With `most_booked_before`, it holds only while no more than that many days are
    booked: the allowance less the days this write books."""
    deltas = {counter.value: delta for counter, delta in moves.items()}
    booked = sum(deltas.values())
    if booked:
        deltas[BOOKED] = booked
    names = {f"#c{i}": name for i, name in enumerate(deltas)}
    values: dict[str, Any] = {f":d{i}": delta for i, delta in enumerate(deltas.values())}
    update: dict[str, Any] = {
        "TableName": table,
        "Key": to_item(balance_key(employee_email, year, leave_type.value)),
        "UpdateExpression": "ADD "
        + ", ".join(f"{name} {value}" for name, value in zip(names, values, strict=True)),
        "ExpressionAttributeNames": names,
    }
    if most_booked_before is not None:
        names["#booked"] = BOOKED
        values[":most"] = most_booked_before
        update["ConditionExpression"] = "attribute_not_exists(#booked) OR #booked <= :most"
    update["ExpressionAttributeValues"] = to_item(values)
    return {"Update": update}


def _booked(item: Mapping[str, Any]) -> Booked:
    values = from_item(item)
    return Booked(held=int(values.get(Counter.HELD, 0)), taken=int(values.get(Counter.TAKEN, 0)))


def _year_and_type(sort_key: str) -> tuple[int, LeaveType] | None:
    """A balance's year and leave type from its sort key; None for one this version does not
    know (a leave type since removed)."""
    _, year, leave_type = sort_key.split("#", 2)
    try:
        return int(year), LeaveType(leave_type)
    except ValueError:
        return None


class BalanceReads(RequestReads):
    def booked_in(
        self, employee_email: str, leave_type: LeaveType, years: Iterable[int]
    ) -> dict[int, Booked]:
        """What is booked of one leave type in each of `years`, read consistently (what a
        submission checks before it writes; its condition checks again as it commits)."""
        booked: dict[int, Booked] = {}
        for year in years:
            response = self._client.get_item(
                TableName=self._table,
                Key=to_item(balance_key(employee_email, year, leave_type.value)),
                ConsistentRead=True,
            )
            booked[year] = _booked(response["Item"]) if "Item" in response else Booked()
        return booked

    def booked_of(
        self, employee_email: str, first_year: int, last_year: int
    ) -> dict[tuple[int, LeaveType], Booked]:
        """What is booked of every leave type in each year from `first_year` to `last_year`,
        in one query of the employee's partition; a type and year with nothing recorded is
        left out."""
        low, high = balance_sort_key_range(first_year, last_year)
        paginator = self._client.get_paginator("query")
        pages = paginator.paginate(
            TableName=self._table,
            KeyConditionExpression="#pk = :pk AND #sk BETWEEN :low AND :high",
            ExpressionAttributeNames={"#pk": PARTITION_KEY, "#sk": SORT_KEY},
            ExpressionAttributeValues=to_item(
                {
                    ":pk": balance_key(employee_email, first_year, "")[PARTITION_KEY],
                    ":low": low,
                    ":high": high,
                }
            ),
        )
        booked: dict[tuple[int, LeaveType], Booked] = {}
        for page in pages:
            for item in page["Items"]:
                found = _year_and_type(item[SORT_KEY]["S"])
                if found is not None:
                    booked[found] = _booked(item)
        return booked
