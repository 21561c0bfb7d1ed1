"""The service's functions: what each is told and allowed, how people reach them, and the
workflow reached only through its alias."""

from __future__ import annotations

from pathlib import Path

from components.throttling import Throttle
from handlers.domain.follow_ups import FollowUpPlan
from handlers.domain.signals import (
    EVENT_SOURCE,
    METRICS_NAMESPACE,
    SERVICE_NAME,
)
from handlers.settings import DecisionSettings, SubmitSettings, WorkflowSettings
from tests.pulumi.mocks import ACCOUNT, REGION, Deployment
from tests.pulumi.support import (
    FUNCTION,
    WORKFLOW_ARN,
    depends_on,
    deploy_service,
    function_environment,
    function_inputs,
    statements_by_sid,
)

WORKFLOW = WORKFLOW_ARN
WORKFLOW_ALIAS = f"{WORKFLOW}:live"


def test_only_the_workflow_is_durable_and_published(deployment: Deployment) -> None:
    durable = [f.name for f in deployment.of_type(FUNCTION) if "durableConfig" in f.inputs]
    published = [f.name for f in deployment.of_type(FUNCTION) if f.inputs.get("publish")]
    assert durable == published == ["leave-workflow-function"]
    workflow = function_inputs(deployment, "workflow")
    # The longest Lambda allows, whatever the approval wait (3600 s in this config).
    assert workflow["durableConfig"] == {"executionTimeout": 31_622_400, "retentionPeriod": 7}
    assert workflow["name"] == "leave-approvals-dev-workflow"


def test_the_arns_built_for_callers_are_the_workflow_own_arns(deployment: Deployment) -> None:
    assert deployment.values["workflow_arn_for_callers"] == deployment.values["workflow_arn"]
    assert deployment.values["workflow_arn"] == WORKFLOW
    assert deployment.values["alias_arn_for_callers"] == deployment.values["alias_arn"]
    assert deployment.values["alias_arn"] == WORKFLOW_ALIAS
    assert deployment.one("aws:lambda/alias:Alias").inputs["name"] == "live"


def test_submit_starts_the_workflow_through_the_alias_only(deployment: Deployment) -> None:
    assert function_environment(deployment, "submit")["WORKFLOW_FUNCTION"] == WORKFLOW_ALIAS
    start = statements_by_sid(deployment, "submit")["StartWorkflow"]
    assert start["Action"] == ["lambda:InvokeFunction"]
    assert start["Resource"] == [WORKFLOW_ALIAS]


def test_nothing_invokes_or_targets_the_unqualified_workflow(deployment: Deployment) -> None:
    for _, document in deployment.policies():
        for statement in document["Statement"]:
            if "lambda:InvokeFunction" in statement["Action"]:
                assert statement["Resource"] == [WORKFLOW_ALIAS]
    for permission in deployment.of_type("aws:lambda/permission:Permission"):
        if "workflow" in permission.inputs["function"]:
            assert permission.inputs.get("qualifier") == "live"
    for record in deployment.of_type(FUNCTION):
        for value in record.inputs["environment"]["variables"].values():
            assert WORKFLOW not in value or value == WORKFLOW_ALIAS
    for url in deployment.of_type("aws:lambda/functionUrl:FunctionUrl"):
        assert "workflow" not in url.inputs["functionName"]


def test_the_decision_function_may_resume_only_workflow_executions(
    deployment: Deployment,
) -> None:
    resume = statements_by_sid(deployment, "decision")["ResumeWorkflow"]
    assert resume["Action"] == [
        "lambda:SendDurableExecutionCallbackFailure",
        "lambda:SendDurableExecutionCallbackSuccess",
    ]
    # Executions carry a version: the unqualified ARN alone would be denied.
    assert resume["Resource"] == [f"{WORKFLOW}:*"]
    callbacks = {
        name
        for name, document in deployment.policies()
        for statement in document["Statement"]
        if any("Callback" in action for action in statement["Action"])
    }
    # The decision endpoint, and submit for withdrawals and approvers' decisions in the app.
    assert callbacks == {"leave-decision-policy", "leave-submit-policy"}
    submit = statements_by_sid(deployment, "submit")
    assert submit["WithdrawThroughWorkflow"]["Action"] == [
        "lambda:SendDurableExecutionCallbackFailure"
    ]
    assert submit["ApproveThroughWorkflow"]["Action"] == [
        "lambda:SendDurableExecutionCallbackSuccess"
    ]
    for sid in ("WithdrawThroughWorkflow", "ApproveThroughWorkflow"):
        assert submit[sid]["Resource"] == [f"{WORKFLOW}:*"]


def test_the_workflow_runs_durably_on_its_own_executions_only(deployment: Deployment) -> None:
    durable = statements_by_sid(deployment, "workflow")["RunDurably"]
    assert durable["Resource"] == [WORKFLOW, f"{WORKFLOW}:*"]


def test_employees_reach_submit_only_through_its_throttled_api(deployment: Deployment) -> None:
    # No Function URL for submit: nothing may bypass the API's throttle.
    urls = {
        u.inputs["functionName"] for u in deployment.of_type("aws:lambda/functionUrl:FunctionUrl")
    }
    assert urls == {"leave-approvals-dev-decision"}
    for url in deployment.of_type("aws:lambda/functionUrl:FunctionUrl"):
        assert url.inputs["authorizationType"] == "NONE"
    grants = {
        (p.inputs["function"], p.inputs["action"], p.inputs["principal"])
        for p in deployment.of_type("aws:lambda/permission:Permission")
    }
    assert grants == {
        ("leave-approvals-dev-decision", "lambda:InvokeFunctionUrl", "*"),
        ("leave-approvals-dev-decision", "lambda:InvokeFunction", "*"),
        ("leave-approvals-dev-submit", "lambda:InvokeFunction", "apigateway.amazonaws.com"),
    }
    # The address built from the API's id (before the stage exists) is the stage's own.
    stage = deployment.one("aws:apigateway/stage:Stage")
    assert deployment.values["submit_url"] == stage.outputs["invokeUrl"] + "/"


def test_the_api_throttles_as_configured(tmp_path: Path) -> None:
    result, _ = deploy_service(tmp_path, throttle=Throttle(rate_per_second=2.5, burst=7))
    settings = result.one("aws:apigateway/methodSettings:MethodSettings").inputs["settings"]
    assert settings["throttlingRateLimit"] == 2.5
    assert settings["throttlingBurstLimit"] == 7


def test_the_workflow_follows_up_as_configured(tmp_path: Path) -> None:
    default, _ = deploy_service(tmp_path)
    settings = WorkflowSettings.from_environment(function_environment(default, "workflow"))
    assert settings.follow_ups == FollowUpPlan(reminder_at=(0.5,), escalate_at=0.75)
    assert settings.default_approver == "boss@example.com"
    assert settings.second_approval_over_days == 10
    quiet, _ = deploy_service(
        tmp_path, follow_ups=FollowUpPlan(reminder_at=(0.25, 0.5), escalate_at=None)
    )
    settings = WorkflowSettings.from_environment(function_environment(quiet, "workflow"))
    assert settings.follow_ups == FollowUpPlan(reminder_at=(0.25, 0.5), escalate_at=None)
    one_level, _ = deploy_service(tmp_path, second_approval_over_days=None)
    settings = WorkflowSettings.from_environment(function_environment(one_level, "workflow"))
    assert settings.second_approval_over_days is None


def test_the_workflow_is_told_both_urls(deployment: Deployment) -> None:
    variables = function_environment(deployment, "workflow")
    assert variables["SUBMIT_URL"] == deployment.values["submit_url"]
    assert variables["DECISION_URL"] == deployment.values["decision_url"]


def test_the_submit_function_is_told_its_own_url(deployment: Deployment) -> None:
    # The URLs it gives out come from here, never from a request's Host header.
    assert (
        function_environment(deployment, "submit")["SUBMIT_URL"] == deployment.values["submit_url"]
    )


def test_every_environment_is_valid_for_its_handler(deployment: Deployment) -> None:
    submit = SubmitSettings.from_environment(function_environment(deployment, "submit"))
    assert submit.allowed_email_domains == ("example.com",)
    assert submit.max_leave_days == 20
    assert submit.default_approver == "boss@example.com"
    workflow = WorkflowSettings.from_environment(function_environment(deployment, "workflow"))
    assert workflow.approval_timeout_seconds == 3600
    assert workflow.sender_email == "leave@example.com"
    assert workflow.signing_key_parameter == "/leave-approvals/dev/signing-key"
    assert workflow.event_bus_name == "leave-approvals-dev"
    decision = DecisionSettings.from_environment(function_environment(deployment, "decision"))
    assert decision.signing_key_parameter == workflow.signing_key_parameter
    table = deployment.values["table_name"]
    assert submit.table_name == workflow.table_name == decision.table_name == table


def test_powertools_is_named_after_the_service(deployment: Deployment) -> None:
    for role in ("submit", "workflow", "decision"):
        variables = function_environment(deployment, role)
        assert variables["POWERTOOLS_SERVICE_NAME"] == SERVICE_NAME
        assert variables["POWERTOOLS_METRICS_NAMESPACE"] == METRICS_NAMESPACE


def test_every_function_runs_the_same_code_on_the_same_layer(deployment: Deployment) -> None:
    layer = deployment.one("aws:lambda/layerVersion:LayerVersion").inputs
    assert layer["compatibleRuntimes"] == ["python3.13"]
    assert layer["compatibleArchitectures"] == ["arm64"]
    assert layer["layerName"] == "leave-approvals-dev-dependencies"
    handlers = {}
    for record in deployment.of_type(FUNCTION):
        assert record.inputs["layers"] == [
            f"arn:aws:lambda:{REGION}:{ACCOUNT}:layer:leave-approvals-dev-dependencies:1"
        ]
        handlers[record.inputs["name"]] = record.inputs["handler"]
    assert handlers == {
        "leave-approvals-dev-submit": "handlers.submit.handler",
        "leave-approvals-dev-workflow": "handlers.workflow.handler",
        "leave-approvals-dev-decision": "handlers.decision.handler",
    }
    assert len({r.inputs["sourceCodeHash"] for r in deployment.of_type(FUNCTION)}) == 1


def test_each_function_touches_only_what_it_uses(deployment: Deployment) -> None:
    table = f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/{deployment.values['table_name']}"
    parameter = f"arn:aws:ssm:{REGION}:{ACCOUNT}:parameter/leave-approvals/dev/signing-key"

    def actions(role: str) -> dict[str, list[str]]:
        return {sid: s["Action"] for sid, s in statements_by_sid(deployment, role).items()}

    assert actions("submit") == {
        "WriteOwnLogs": ["logs:CreateLogStream", "logs:PutLogEvents"],
        "SendTraces": ["xray:PutTelemetryRecords", "xray:PutTraceSegments"],
        # Request ids are keyed with the stack's secret.
        "ReadSigningKey": ["ssm:GetParameter"],
        # A request and its calendar entry are written (and undone) in one transaction.
        "RecordRequests": [
            "dynamodb:DeleteItem",
            "dynamodb:GetItem",
            "dynamodb:PutItem",
            "dynamodb:UpdateItem",
        ],
        "StartWorkflow": ["lambda:InvokeFunction"],
        # The caller's balances (GET /balance): one query of their partition of the table.
        "ReadBalances": ["dynamodb:Query"],
        # Its requests (GET /requests) and the leave it approved (calendar feeds).
        "ListRequests": ["dynamodb:Query"],
        "WithdrawThroughWorkflow": ["lambda:SendDurableExecutionCallbackFailure"],
        # An approver's decision in the app: a rejection is a failure, an approval a success.
        "ApproveThroughWorkflow": ["lambda:SendDurableExecutionCallbackSuccess"],
        # An approver's view: their people, what waits for them, their people's calendars,
        # and whose approvals come to them (the delegations).
        "ReadTeams": ["dynamodb:Query"],
        "ReadTeamItems": ["dynamodb:BatchGetItem"],
        "ReadDelegations": ["dynamodb:Query"],
        # Cancelled leave: the approver is told, the outcome announced.
        "SendMailAsSender": ["ses:SendRawEmail"],
        "PublishDomainEvents": ["events:PutEvents"],
    }
    assert statements_by_sid(deployment, "submit")["RecordRequests"]["Resource"] == [table]
    assert statements_by_sid(deployment, "submit")["ReadBalances"]["Resource"] == [table]
    assert statements_by_sid(deployment, "submit")["ListRequests"]["Resource"] == [
        f"{table}/index/by_employee",
        f"{table}/index/by_approver",
    ]
    submit = statements_by_sid(deployment, "submit")
    assert submit["ReadTeams"]["Resource"] == [
        f"{table}/index/by_team",
        f"{table}/index/by_waiting_approver",
    ]
    assert submit["ReadTeamItems"]["Resource"] == [table]
    # The table, but only its delegations' partition: no other item is listed by a query.
    assert submit["ReadDelegations"]["Resource"] == [table]
    assert submit["ReadDelegations"]["Condition"] == {
        "ForAllValues:StringEquals": {"dynamodb:LeadingKeys": "DELEGATIONS"}
    }
    assert actions("decision") == {
        "WriteOwnLogs": ["logs:CreateLogStream", "logs:PutLogEvents"],
        "SendTraces": ["xray:PutTelemetryRecords", "xray:PutTraceSegments"],
        # Its one write claims the request's level before the callback.
        "ClaimRequests": ["dynamodb:GetItem", "dynamodb:UpdateItem"],
        # The team's overlapping leave on the page: the approver's people, their calendars.
        "ReadTeam": ["dynamodb:Query"],
        "ReadTeamItems": ["dynamodb:BatchGetItem"],
        "ReadSigningKey": ["ssm:GetParameter"],
        "ResumeWorkflow": [
            "lambda:SendDurableExecutionCallbackFailure",
            "lambda:SendDurableExecutionCallbackSuccess",
        ],
    }
    assert actions("workflow") == {
        "WriteOwnLogs": ["logs:CreateLogStream", "logs:PutLogEvents"],
        "SendTraces": ["xray:PutTelemetryRecords", "xray:PutTraceSegments"],
        "RunDurably": ["lambda:CheckpointDurableExecution", "lambda:GetDurableExecutionState"],
        "KeepRequests": ["dynamodb:GetItem", "dynamodb:UpdateItem"],
        "ReadSigningKey": ["ssm:GetParameter"],
        "SendMailAsSender": ["ses:SendRawEmail"],
        "PublishDomainEvents": ["events:PutEvents"],
    }
    for role in ("submit", "decision", "workflow"):
        assert statements_by_sid(deployment, role)["ReadSigningKey"]["Resource"] == [parameter]
    decision = statements_by_sid(deployment, "decision")
    assert decision["ReadTeam"]["Resource"] == [f"{table}/index/by_team"]
    assert decision["ReadTeamItems"]["Resource"] == [table]
    workflow = statements_by_sid(deployment, "workflow")
    assert workflow["KeepRequests"]["Resource"] == [table]
    assert workflow["SendMailAsSender"]["Condition"] == {
        "StringEquals": {"ses:FromAddress": "leave@example.com"}
    }
    assert workflow["PublishDomainEvents"]["Resource"] == [
        f"arn:aws:events:{REGION}:{ACCOUNT}:event-bus/leave-approvals-dev"
    ]
    assert workflow["PublishDomainEvents"]["Condition"] == {
        "StringEquals": {"events:source": EVENT_SOURCE}
    }


def test_the_public_endpoints_are_uncapped_unless_configured(
    deployment: Deployment, tmp_path: Path
) -> None:
    uncapped = deployment.of_type(FUNCTION)
    assert uncapped
    assert not [f.name for f in uncapped if "reservedConcurrentExecutions" in f.inputs]

    capped, _ = deploy_service(tmp_path, http_max_concurrency=20)
    reserved = {
        role: function_inputs(capped, role).get("reservedConcurrentExecutions")
        for role in ("submit", "decision", "workflow")
    }
    # The workflow is started asynchronously: its invocations queue rather than fail.
    assert reserved == {"submit": 20, "decision": 20, "workflow": None}


def test_every_function_logs_to_its_own_group_with_the_configured_retention(
    deployment: Deployment,
) -> None:
    groups = {
        g.inputs["name"]: g.inputs for g in deployment.of_type("aws:cloudwatch/logGroup:LogGroup")
    }
    assert set(groups) == {
        f"/aws/lambda/leave-approvals-dev-{role}" for role in ("submit", "workflow", "decision")
    }
    assert {g["retentionInDays"] for g in groups.values()} == {14}
    for record in deployment.of_type(FUNCTION):
        assert record.inputs["loggingConfig"]["logGroup"] == f"/aws/lambda/{record.inputs['name']}"


def test_no_function_exists_before_its_permissions(deployment: Deployment) -> None:
    for record in deployment.of_type(FUNCTION):
        component = record.name.removesuffix("-function")
        assert depends_on(record) == [f"{component}-policy"]
