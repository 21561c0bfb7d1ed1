"""The settler component: its function, the rule that hands it broken executions, its sweep."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from components.leave_service import LeaveService, LeaveServiceArgs
from components.settler import Settler, SettlerArgs
from handlers.domain.event_patterns import broken_workflow_executions
from handlers.settings import SettlerSettings
from handlers.storage.table_schema import BY_PENDING
from tests.pulumi.mocks import ACCOUNT, REGION, Deployment, run
from tests.pulumi.support import NAMING, service_config, tiny_packages

PREFIX = "leave-approvals-dev"
SETTLER = f"{PREFIX}-settler"
WORKFLOW = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{PREFIX}-workflow"
RULE = "aws:cloudwatch/eventRule:EventRule"
TARGET = "aws:cloudwatch/eventTarget:EventTarget"
PERMISSION = "aws:lambda/permission:Permission"


def deploy(directory: Path, **config: Any) -> Deployment:
    def program() -> dict[str, Any]:
        settings = service_config(**config)
        service = LeaveService(
            "leave",
            LeaveServiceArgs(config=settings, naming=NAMING, packages=tiny_packages(directory)),
        )
        Settler("leave-settler", SettlerArgs(service=service, config=settings))
        return {"table_name": service.table_name}

    return run(program)


@pytest.fixture(scope="module")
def deployment(tmp_path_factory: pytest.TempPathFactory) -> Deployment:
    return deploy(tmp_path_factory.mktemp("packages"))


def test_the_settler_runs_its_handler_with_the_services_settings(deployment: Deployment) -> None:
    function = deployment.one("aws:lambda/function:Function", "leave-settler-function-function")
    assert function.inputs["name"] == SETTLER
    assert function.inputs["handler"] == "handlers.settler.handler"
    settings = SettlerSettings.from_environment(function.inputs["environment"]["variables"])
    # Executions are listed by the unqualified function: across every version and alias.
    assert settings.workflow_function == WORKFLOW
    assert settings.approval_timeout_seconds == service_config().approval_timeout_seconds
    assert settings.sweep_grace_seconds == 900


def test_broken_executions_of_the_workflow_reach_the_settler_and_only_them(
    deployment: Deployment,
) -> None:
    (rule,) = [r for r in deployment.of_type(RULE) if r.inputs["name"] == f"{PREFIX}-settle-broken"]
    assert json.loads(rule.inputs["eventPattern"]) == broken_workflow_executions(WORKFLOW)
    (target,) = [
        t.inputs for t in deployment.of_type(TARGET) if t.inputs["rule"] == rule.inputs["name"]
    ]
    assert target["arn"] == f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{SETTLER}"
    permission = deployment.one(PERMISSION, "leave-settler-invoke-from-broken-executions").inputs
    assert permission == {
        "function": SETTLER,
        "action": "lambda:InvokeFunction",
        "principal": "events.amazonaws.com",
        "sourceArn": f"arn:aws:events:{REGION}:{ACCOUNT}:rule/{PREFIX}-settle-broken",
    }


def test_the_sweep_runs_on_its_own_schedule(tmp_path: Path) -> None:
    deployment = deploy(tmp_path, sweep_interval_minutes=10)
    schedule = deployment.one(RULE, "leave-settler-function-schedule").inputs
    assert schedule["scheduleExpression"] == "rate(10 minutes)"
    assert schedule["name"] == f"{PREFIX}-sweep"


def test_the_settler_may_settle_requests_list_executions_mail_and_publish(
    deployment: Deployment,
) -> None:
    statements = {s["Sid"]: s for s in deployment.role_statements("leave-settler-function")}
    table = f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/{deployment.values['table_name']}"
    assert {sid: s["Action"] for sid, s in statements.items()} == {
        "WriteOwnLogs": ["logs:CreateLogStream", "logs:PutLogEvents"],
        "SendTraces": ["xray:PutTelemetryRecords", "xray:PutTraceSegments"],
        "SettleRequests": ["dynamodb:GetItem", "dynamodb:UpdateItem"],
        "FindOwedAnnouncements": ["dynamodb:BatchGetItem"],
        "FindPendingRequests": ["dynamodb:Query"],
        # Requests handed to a delegate get a decision link of their own.
        "ReadSigningKey": ["ssm:GetParameter"],
        "CheckWorkflowExecutions": ["lambda:ListDurableExecutionsByFunction"],
        "SendMailAsSender": ["ses:SendRawEmail"],
        "PublishDomainEvents": ["events:PutEvents"],
    }
    assert statements["SettleRequests"]["Resource"] == [table]
    assert statements["FindOwedAnnouncements"]["Resource"] == [table]
    # The pending index, and the table for the delegations' partition.
    assert statements["FindPendingRequests"]["Resource"] == [
        f"{table}/index/{BY_PENDING.name}",
        table,
    ]
    assert statements["CheckWorkflowExecutions"]["Resource"] == [WORKFLOW]
