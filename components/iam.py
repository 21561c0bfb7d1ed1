"""IAM policy documents: explicit actions on explicit resources, never a wildcard action."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pulumi

LAMBDA_ASSUME_ROLE_POLICY = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "lambda.amazonaws.com"},
                "Action": "sts:AssumeRole",
            }
        ],
    },
    sort_keys=True,
)


@dataclass(frozen=True)
class Statement:
    """One Allow statement. Resources may be Pulumi Outputs.

    `service_principals` makes it a statement of a resource policy (an SNS topic's, CloudWatch
    Logs'): the AWS services it lets in, e.g. `events.amazonaws.com`.
    """

    sid: str
    actions: Sequence[str]
    resources: Sequence[pulumi.Input[str]]
    condition: Mapping[str, Mapping[str, pulumi.Input[str]]] = field(default_factory=dict)
    service_principals: Sequence[str] = ()

    def __post_init__(self) -> None:
        if not self.actions or not self.resources:
            raise ValueError(f"statement {self.sid} needs actions and resources")
        for action in self.actions:
            service, _, name = action.partition(":")
            if not service or not name or "*" in action or "?" in action:
                raise ValueError(f"statement {self.sid}: {action!r} is not one explicit action")
        if not self.sid.isalnum():
            raise ValueError(f"statement id {self.sid!r} must be alphanumeric")

    def document(self) -> dict[str, Any]:
        statement: dict[str, Any] = {
            "Sid": self.sid,
            "Effect": "Allow",
            "Action": sorted(self.actions),
            "Resource": list(self.resources),
        }
        if self.service_principals:
            statement["Principal"] = {"Service": sorted(self.service_principals)}
        if self.condition:
            statement["Condition"] = {k: dict(v) for k, v in self.condition.items()}
        return statement


def policy_document(statements: Sequence[Statement]) -> pulumi.Output[str]:
    """A policy document as JSON, resolved once every resource ARN in it is known."""
    sids = [statement.sid for statement in statements]
    if len(set(sids)) != len(sids):
        raise ValueError(f"statement ids repeat: {sids}")
    return pulumi.Output.json_dumps(
        {"Version": "2012-10-17", "Statement": [s.document() for s in statements]},
        sort_keys=True,
    )
