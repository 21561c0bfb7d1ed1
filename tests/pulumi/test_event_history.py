"""The events kept: the domain events' archive and audit log, and the broken executions' log."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from components.event_history import ARCHIVE_NAME_LIMIT
from components.naming import Naming
from handlers.domain.event_patterns import DOMAIN_EVENTS
from tests.pulumi.mocks import ACCOUNT, REGION, Deployment
from tests.pulumi.support import NAMING, PREFIX, depends_on, deploy_service, targets_of

BUS = f"arn:aws:events:{REGION}:{ACCOUNT}:event-bus/{PREFIX}"
AUDIT_LOGS = f"/aws/events/{PREFIX}/audit"
BROKEN_LOGS = f"/aws/events/{PREFIX}/broken-executions"
LOG_GROUP_ARN = f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:"
RULE = "aws:cloudwatch/eventRule:EventRule"

pytestmark = pytest.mark.observed


def test_the_domain_events_are_archived_for_replay(deployment: Deployment) -> None:
    archive = deployment.one("aws:cloudwatch/eventArchive:EventArchive").inputs
    assert archive["eventSourceArn"] == BUS
    assert json.loads(archive["eventPattern"]) == DOMAIN_EVENTS
    assert archive["retentionDays"] == 90
    assert archive["name"] == f"{PREFIX}-domain-events"


def test_archive_retention_is_a_setting(tmp_path: Path) -> None:
    deployment, _ = deploy_service(tmp_path, observed=True, event_archive_retention_days=400)
    archive = deployment.one("aws:cloudwatch/eventArchive:EventArchive").inputs
    assert archive["retentionDays"] == 400


def test_the_audit_rule_keeps_every_domain_event_in_its_log_group(
    deployment: Deployment,
) -> None:
    rule = deployment.one(RULE, "leave-observability-audit-rule")
    assert rule.inputs["eventBusName"] == deployment.values["bus_name"] == PREFIX
    assert json.loads(rule.inputs["eventPattern"]) == DOMAIN_EVENTS
    (target,) = targets_of(deployment, rule)
    assert target["eventBusName"] == PREFIX
    assert target["arn"] == f"{LOG_GROUP_ARN}{AUDIT_LOGS}"
    assert depends_on(deployment.named("leave-observability-audit-target")) == [
        "leave-observability-events-to-logs"
    ]


def test_eventbridge_may_write_to_the_two_event_log_groups_only(deployment: Deployment) -> None:
    policy = deployment.one("aws:cloudwatch/logResourcePolicy:LogResourcePolicy").inputs
    assert policy["policyName"] == f"{PREFIX}-events-to-logs"
    assert "resourceArn" not in policy
    (statement,) = json.loads(policy["policyDocument"])["Statement"]
    assert statement["Principal"] == {
        "Service": ["delivery.logs.amazonaws.com", "events.amazonaws.com"]
    }
    assert statement["Action"] == ["logs:CreateLogStream", "logs:PutLogEvents"]
    assert statement["Resource"] == [
        f"{LOG_GROUP_ARN}{AUDIT_LOGS}:*",
        f"{LOG_GROUP_ARN}{BROKEN_LOGS}:*",
    ]


def test_a_long_stack_name_still_fits_the_archive_name() -> None:
    naming = Naming("leave-approvals", "production-eu-central-1-blue")
    name = naming.short_resource_name("domain-events", ARCHIVE_NAME_LIMIT)
    assert len(name) <= ARCHIVE_NAME_LIMIT
    assert name.endswith("-domain-events")
    assert name.startswith("leave-approvals-product")
    other = Naming("leave-approvals", "production-eu-central-1-green")
    assert other.short_resource_name("domain-events", ARCHIVE_NAME_LIMIT) != name
    assert NAMING.short_resource_name("domain-events", ARCHIVE_NAME_LIMIT) == (
        f"{PREFIX}-domain-events"
    )
