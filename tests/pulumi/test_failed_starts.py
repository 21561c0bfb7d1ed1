"""The workflow's failed starts: retried, then kept in an encrypted queue for two weeks."""

from __future__ import annotations

import json

import pytest

from components.failed_starts import FAILED_START_RETENTION_SECONDS
from tests.pulumi.mocks import ACCOUNT, REGION, Deployment
from tests.pulumi.support import PREFIX, depends_on

QUEUE = f"{PREFIX}-failed-starts"
QUEUE_ARN = f"arn:aws:sqs:{REGION}:{ACCOUNT}:{QUEUE}"

pytestmark = pytest.mark.observed


def test_failed_starts_go_to_an_encrypted_queue_kept_two_weeks(deployment: Deployment) -> None:
    queue = deployment.one("aws:sqs/queue:Queue").inputs
    assert queue["name"] == QUEUE
    assert queue["sqsManagedSseEnabled"] is True
    assert queue["messageRetentionSeconds"] == FAILED_START_RETENTION_SECONDS == 1_209_600


def test_the_workflow_alias_sends_failed_starts_to_the_queue(deployment: Deployment) -> None:
    record = deployment.one("aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig")
    config = record.inputs
    assert config["functionName"] == f"{PREFIX}-workflow"
    assert config["qualifier"] == "live"
    assert config["destinationConfig"] == {"onFailure": {"destination": QUEUE_ARN}}
    # Lambda sends as the workflow's role: the grant is in place first.
    assert depends_on(record) == ["leave-observability-failed-starts-policy"]
    grant = deployment.one(
        "aws:iam/rolePolicy:RolePolicy", "leave-observability-failed-starts-policy"
    )
    workflow_role = deployment.one("aws:iam/role:Role", "leave-workflow-role")
    assert grant.inputs["role"] == f"{workflow_role.outputs['name']}-id"
    assert json.loads(grant.inputs["policy"])["Statement"] == [
        {
            "Sid": "RecordFailedStarts",
            "Effect": "Allow",
            "Action": ["sqs:SendMessage"],
            "Resource": [QUEUE_ARN],
        }
    ]
