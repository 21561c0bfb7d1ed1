"""The service's storage: one table with the keys and indexes the handlers use, and the
approver directory seeded in it."""

from __future__ import annotations

import json
from pathlib import Path

from handlers.domain.statuses import LeaveType
from handlers.storage.table_schema import (
    PARTITION_KEY,
    SECONDARY_INDEXES,
    SORT_KEY,
    directory_item,
    key_attributes,
)
from tests.pulumi.mocks import Deployment
from tests.pulumi.support import deploy_service


def test_the_table_has_the_keys_and_indexes_the_handlers_use(deployment: Deployment) -> None:
    table = deployment.one("aws:dynamodb/table:Table").inputs
    assert table["billingMode"] == "PAY_PER_REQUEST"
    assert (table["hashKey"], table["rangeKey"]) == (PARTITION_KEY, SORT_KEY)
    assert [a["name"] for a in table["attributes"]] == key_attributes()
    assert {a["type"] for a in table["attributes"]} == {"S"}
    assert table["globalSecondaryIndexes"] == [
        {
            "name": index.name,
            "projectionType": index.projection,
            "keySchemas": [
                {"attributeName": index.partition_key, "keyType": "HASH"},
                {"attributeName": index.sort_key, "keyType": "RANGE"},
            ],
        }
        for index in SECONDARY_INDEXES
    ]
    assert table["pointInTimeRecovery"] == {"enabled": True}
    assert table["deletionProtectionEnabled"] is True


def test_an_approvers_indexes_copy_keys_only(deployment: Deployment) -> None:
    # Every write to a waiting request (take-over, callback, claim, lease) would otherwise
    # write the index too; the approver's view reads the requests by key instead.
    indexes = deployment.one("aws:dynamodb/table:Table").inputs["globalSecondaryIndexes"]
    projections = {index["name"]: index["projectionType"] for index in indexes}
    assert projections == {
        "by_employee": "ALL",
        "by_pending": "ALL",
        "by_approver": "ALL",
        "by_team": "KEYS_ONLY",
        "by_waiting_approver": "KEYS_ONLY",
    }


def test_deletion_protection_follows_the_config(tmp_path: Path) -> None:
    deployment, _ = deploy_service(tmp_path, table_deletion_protection=False)
    table = deployment.one("aws:dynamodb/table:Table").inputs
    assert table["deletionProtectionEnabled"] is False


def test_the_approver_directory_is_seeded_from_config(tmp_path: Path) -> None:
    directory = {"alice@example.com": "carol@example.com", "bob@example.com": "dan@example.com"}
    deployment, _ = deploy_service(tmp_path, approver_directory=directory)
    items = deployment.of_type("aws:dynamodb/tableItem:TableItem")
    assert {json.dumps(json.loads(i.inputs["item"]), sort_keys=True) for i in items} == {
        json.dumps({k: {"S": v} for k, v in directory_item(e, a).items()}, sort_keys=True)
        for e, a in directory.items()
    }
    for item in items:
        assert item.inputs["tableName"] == deployment.values["table_name"]
        assert (item.inputs["hashKey"], item.inputs["rangeKey"]) == (PARTITION_KEY, SORT_KEY)


def test_a_persons_own_allowances_are_seeded_into_their_directory_entry(tmp_path: Path) -> None:
    deployment, _ = deploy_service(
        tmp_path,
        approver_directory={"alice@example.com": "carol@example.com"},
        allowance_overrides={
            "alice@example.com": {LeaveType.ANNUAL: 30},
            # No approver of their own: an entry for their allowances alone.
            "bob@example.com": {LeaveType.ANNUAL: 0, LeaveType.SICK: None},
        },
    )
    items = {
        json.loads(i.inputs["item"])["pk"]["S"]: json.loads(i.inputs["item"])
        for i in deployment.of_type("aws:dynamodb/tableItem:TableItem")
    }
    assert items == {
        "EMPLOYEE#alice@example.com": {
            "pk": {"S": "EMPLOYEE#alice@example.com"},
            "sk": {"S": "APPROVER"},
            "approver_email": {"S": "carol@example.com"},
            # Carol's team lists her by it (the by_team index).
            "team_of": {"S": "carol@example.com"},
            "allowances": {"M": {"annual": {"N": "30"}}},
        },
        "EMPLOYEE#bob@example.com": {
            "pk": {"S": "EMPLOYEE#bob@example.com"},
            "sk": {"S": "APPROVER"},
            "allowances": {"M": {"annual": {"N": "0"}, "sick": {"NULL": True}}},
        },
    }
