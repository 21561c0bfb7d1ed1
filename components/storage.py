"""Where the service keeps its data: one DynamoDB table, and the directory seeded in it (who
approves whose leave, and whose allowances are their own).

Requests, calendars, delegations, the counts behind the dashboard and the directory all live in
the one table (`handlers.storage.table_schema` declares its keys and indexes, for the handlers and
for this component alike).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field

import pulumi
import pulumi_aws as aws

from components.moves import FormerParent, child_options
from handlers.domain.allowances import AllowanceTable
from handlers.storage.table_schema import (
    PARTITION_KEY,
    SECONDARY_INDEXES,
    SORT_KEY,
    directory_entry,
    key_attributes,
)


@dataclass(frozen=True)
class StorageArgs:
    # Employee address -> approver address, written as the directory's items.
    approver_directory: Mapping[str, str] = field(default_factory=dict)
    # Employee address -> the allowances that are theirs alone, in the same items.
    allowance_overrides: Mapping[str, AllowanceTable] = field(default_factory=dict)
    # Refuse to delete the table (and lose every request) while on.
    deletion_protection: bool = True
    # Where the table and the directory were before #23 (components.moves).
    formerly_under: FormerParent | None = None


class Storage(pulumi.ComponentResource):
    """Attributes: `table`, `directory_entries`, and `index_arn(name)` (a secondary index's ARN,
    for a policy that queries it)."""

    table: aws.dynamodb.Table
    directory_entries: list[aws.dynamodb.TableItem]

    def __init__(
        self, name: str, args: StorageArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("leave:storage:Storage", name, None, opts)
        child = child_options(self, args.formerly_under)
        self.table = aws.dynamodb.Table(
            f"{name}-table",
            billing_mode="PAY_PER_REQUEST",
            hash_key=PARTITION_KEY,
            range_key=SORT_KEY,
            attributes=[
                aws.dynamodb.TableAttributeArgs(name=attribute, type="S")
                for attribute in key_attributes()
            ],
            global_secondary_indexes=[
                aws.dynamodb.TableGlobalSecondaryIndexArgs(
                    name=index.name,
                    key_schemas=[
                        aws.dynamodb.TableGlobalSecondaryIndexKeySchemaArgs(
                            attribute_name=index.partition_key, key_type="HASH"
                        ),
                        aws.dynamodb.TableGlobalSecondaryIndexKeySchemaArgs(
                            attribute_name=index.sort_key, key_type="RANGE"
                        ),
                    ],
                    projection_type=index.projection,
                )
                for index in SECONDARY_INDEXES
            ],
            point_in_time_recovery=aws.dynamodb.TablePointInTimeRecoveryArgs(enabled=True),
            deletion_protection_enabled=args.deletion_protection,
            opts=child,
        )
        people = sorted(set(args.approver_directory) | set(args.allowance_overrides))
        # One item per person, named as it always was (`-approver-`) whatever it holds: an
        # entry that gained or lost an approver or allowances is updated, never replaced.
        self.directory_entries = [
            aws.dynamodb.TableItem(
                f"{name}-approver-{employee}",
                table_name=self.table.name,
                hash_key=PARTITION_KEY,
                range_key=SORT_KEY,
                item=json.dumps(
                    directory_entry(
                        employee,
                        args.approver_directory.get(employee),
                        {
                            leave_type.value: days
                            for leave_type, days in args.allowance_overrides.get(
                                employee, {}
                            ).items()
                        },
                    ),
                    sort_keys=True,
                ),
                opts=child,
            )
            for employee in people
        ]
        self.register_outputs({"table_name": self.table.name, "table_arn": self.table.arn})

    def index_arn(self, index: str) -> pulumi.Output[str]:
        return self.table.arn.apply(lambda arn: f"{arn}/index/{index}")
