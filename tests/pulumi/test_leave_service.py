"""The service component: a thin composition of one component per concern, exposing what the
settler and the observability component build on."""

from __future__ import annotations

from typing import Any

import pytest

from components.leave_service import LeaveService
from tests.pulumi.mocks import REGION, Deployment
from tests.pulumi.support import deploy_service


@pytest.fixture(scope="module")
def deployed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Deployment, dict[str, Any]]:
    return deploy_service(tmp_path_factory.mktemp("packages"))


def test_the_service_exposes_what_observability_needs(
    deployed: tuple[Deployment, dict[str, Any]],
) -> None:
    deployment, created = deployed
    service: LeaveService = created["service"]
    assert set(service.functions) == set(service.log_groups) == {"submit", "workflow", "decision"}
    assert service.workflow_alias is service.workflow.alias
    assert service.dashboard_name == "leave-approvals-dev"
    assert deployment.values["dashboard_url"] == (
        f"https://{REGION}.console.aws.amazon.com/cloudwatch/home?region={REGION}"
        "#dashboards/dashboard/leave-approvals-dev"
    )
    for attribute in (
        "table",
        "signing_key",
        "sender_identity",
        "event_bus",
        "layer",
        "packages",
        "failed_starts",
    ):
        assert getattr(service, attribute) is not None


def test_each_concern_is_a_component_of_its_own_under_the_service(
    deployed: tuple[Deployment, dict[str, Any]],
) -> None:
    deployment, created = deployed
    service: LeaveService = created["service"]
    parts = {
        service.storage: "leave:storage:Storage",
        service.keys: "leave:signing_keys:SigningKeys",
        service.messaging: "leave:messaging:Messaging",
        service.sign_in: "leave:sign_in:SignIn",
        service.service_functions: "leave:service_functions:ServiceFunctions",
    }
    direct = [r for r in deployment.resources if r.options and r.options.parent is service]
    assert sorted(r.typ for r in direct) == sorted(parts.values())
    holds = {
        service.storage: ["leave-table", "leave-approver-alice@example.com"],
        service.keys: ["leave-signing-key"],
        service.messaging: ["leave-sender", "leave-recipient-alice@example.com", "leave-events"],
        service.service_functions: [
            "leave-dependencies",
            "leave-submit",
            "leave-decision",
            "leave-workflow",
            "leave-observability",
        ],
        service.failed_starts: [
            "leave-observability-failed-starts",
            "leave-observability-failed-starts-policy",
            "leave-observability-workflow-async-starts",
        ],
    }
    for part, names in holds.items():
        children = sorted(
            r.name for r in deployment.resources if r.options and r.options.parent is part
        )
        assert children == sorted(names), part
    for record in deployment.resources:
        assert record.name.startswith("leave"), record.name
        if record.typ != "leave:leave_service:LeaveService":
            assert record.options is not None
            assert record.options.parent is not None, record.name
