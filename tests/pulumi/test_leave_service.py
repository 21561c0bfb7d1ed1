"""The service component: the table, the secret, the sender and the three functions, wired."""

import json
from pathlib import Path
from typing import Any

import pulumi
import pytest

from components.leave_service import LeaveService, LeaveServiceArgs
from components.throttling import Throttle
from handlers.domain.follow_ups import FollowUpPlan
from handlers.domain.signals import EVENT_SOURCE, METRICS_NAMESPACE, SERVICE_NAME
from handlers.settings import DecisionSettings, SubmitSettings, WorkflowSettings
from handlers.storage.table_schema import (
    PARTITION_KEY,
    SECONDARY_INDEXES,
    SORT_KEY,
    directory_item,
    key_attributes,
)
from tests.pulumi.support import (
    ACCOUNT,
    NAMING,
    REGION,
    Deployment,
    run,
    service_config,
    tiny_packages,
)

WORKFLOW = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:leave-approvals-dev-workflow"
WORKFLOW_ALIAS = f"{WORKFLOW}:live"
FUNCTION = "aws:lambda/function:Function"


def deploy(tmp_path: Path, **config: Any) -> tuple[Deployment, dict[str, Any]]:
    created: dict[str, Any] = {}

    def program() -> dict[str, Any]:
        service = LeaveService(
            "leave",
            LeaveServiceArgs(
                config=service_config(**config), naming=NAMING, packages=tiny_packages(tmp_path)
            ),
        )
        created["service"] = service
        return {
            "alias_arn": service.workflow_alias_arn,
            "alias_arn_for_callers": service.workflow_alias_arn_for_callers,
            "workflow_arn": service.workflow.function.arn,
            "workflow_arn_for_callers": service.workflow_arn_for_callers,
            "submit_url": service.submit_url,
            "decision_url": service.decision_url,
            "dashboard_url": service.dashboard_url,
            "table_name": service.table_name,
        }

    return run(program), created


@pytest.fixture
def deployment(tmp_path: Path) -> Deployment:
    return deploy(tmp_path)[0]


def function(deployment: Deployment, role: str) -> dict[str, Any]:
    return deployment.one(FUNCTION, f"leave-{role}-function").inputs


def environment(deployment: Deployment, role: str) -> dict[str, str]:
    variables: dict[str, str] = function(deployment, role)["environment"]["variables"]
    return variables


def statements(deployment: Deployment, role: str) -> dict[str, dict[str, Any]]:
    return {s["Sid"]: s for s in deployment.role_statements(f"leave-{role}")}


# -- durable config and the alias ------------------------------------------------------------


def test_only_the_workflow_is_durable_and_published(deployment: Deployment) -> None:
    durable = [f.name for f in deployment.of_type(FUNCTION) if "durableConfig" in f.inputs]
    published = [f.name for f in deployment.of_type(FUNCTION) if f.inputs.get("publish")]
    assert durable == published == ["leave-workflow-function"]
    workflow = function(deployment, "workflow")
    # The approval wait (3600 s in this config) plus a day.
    assert workflow["durableConfig"] == {"executionTimeout": 3600 + 86_400, "retentionPeriod": 7}
    assert workflow["name"] == "leave-approvals-dev-workflow"


def test_the_arns_built_for_callers_are_the_workflow_own_arns(deployment: Deployment) -> None:
    assert deployment.values["workflow_arn_for_callers"] == deployment.values["workflow_arn"]
    assert deployment.values["workflow_arn"] == WORKFLOW
    assert deployment.values["alias_arn_for_callers"] == deployment.values["alias_arn"]
    assert deployment.values["alias_arn"] == WORKFLOW_ALIAS
    assert deployment.one("aws:lambda/alias:Alias").inputs["name"] == "live"


def test_submit_starts_the_workflow_through_the_alias_only(deployment: Deployment) -> None:
    assert environment(deployment, "submit")["WORKFLOW_FUNCTION"] == WORKFLOW_ALIAS
    start = statements(deployment, "submit")["StartWorkflow"]
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
    resume = statements(deployment, "decision")["ResumeWorkflow"]
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
    # The decision endpoint, and submit for withdrawals (failure only: it never approves).
    assert callbacks == {"leave-decision-policy", "leave-submit-policy"}
    withdraw = statements(deployment, "submit")["WithdrawThroughWorkflow"]
    assert withdraw["Action"] == ["lambda:SendDurableExecutionCallbackFailure"]
    assert withdraw["Resource"] == [f"{WORKFLOW}:*"]


def test_the_workflow_runs_durably_on_its_own_executions_only(deployment: Deployment) -> None:
    durable = statements(deployment, "workflow")["RunDurably"]
    assert durable["Resource"] == [WORKFLOW, f"{WORKFLOW}:*"]


# -- how people reach the functions -----------------------------------------------------------


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
    result, _ = deploy(tmp_path, throttle=Throttle(rate_per_second=2.5, burst=7))
    settings = result.one("aws:apigateway/methodSettings:MethodSettings").inputs["settings"]
    assert settings["throttlingRateLimit"] == 2.5
    assert settings["throttlingBurstLimit"] == 7


def test_the_workflow_follows_up_as_configured(tmp_path: Path) -> None:
    default, _ = deploy(tmp_path)
    settings = WorkflowSettings.from_environment(environment(default, "workflow"))
    assert settings.follow_ups == FollowUpPlan(reminder_at=(0.5,), escalate_at=0.75)
    assert settings.default_approver == "boss@example.com"
    assert settings.second_approval_over_days == 10
    quiet, _ = deploy(tmp_path, follow_ups=FollowUpPlan(reminder_at=(0.25, 0.5), escalate_at=None))
    settings = WorkflowSettings.from_environment(environment(quiet, "workflow"))
    assert settings.follow_ups == FollowUpPlan(reminder_at=(0.25, 0.5), escalate_at=None)
    one_level, _ = deploy(tmp_path, second_approval_over_days=None)
    settings = WorkflowSettings.from_environment(environment(one_level, "workflow"))
    assert settings.second_approval_over_days is None


def test_the_workflow_is_told_both_urls(deployment: Deployment) -> None:
    variables = environment(deployment, "workflow")
    assert variables["SUBMIT_URL"] == deployment.values["submit_url"]
    assert variables["DECISION_URL"] == deployment.values["decision_url"]


def test_the_submit_function_is_told_its_own_url(deployment: Deployment) -> None:
    # The URLs it gives out come from here, never from a request's Host header.
    assert environment(deployment, "submit")["SUBMIT_URL"] == deployment.values["submit_url"]


# -- environments -----------------------------------------------------------------------------


def test_every_environment_is_valid_for_its_handler(deployment: Deployment) -> None:
    submit = SubmitSettings.from_environment(environment(deployment, "submit"))
    assert submit.allowed_email_domains == ("example.com",)
    assert submit.max_leave_days == 20
    assert submit.default_approver == "boss@example.com"
    workflow = WorkflowSettings.from_environment(environment(deployment, "workflow"))
    assert workflow.approval_timeout_seconds == 3600
    assert workflow.sender_email == "leave@example.com"
    assert workflow.signing_key_parameter == "/leave-approvals/dev/signing-key"
    assert workflow.event_bus_name == "leave-approvals-dev"
    decision = DecisionSettings.from_environment(environment(deployment, "decision"))
    assert decision.signing_key_parameter == workflow.signing_key_parameter
    table = deployment.values["table_name"]
    assert submit.table_name == workflow.table_name == decision.table_name == table


def test_powertools_is_named_after_the_service(deployment: Deployment) -> None:
    for role in ("submit", "workflow", "decision"):
        variables = environment(deployment, role)
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


# -- least privilege --------------------------------------------------------------------------


def test_each_function_touches_only_what_it_uses(deployment: Deployment) -> None:
    table = f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/{deployment.values['table_name']}"
    parameter = f"arn:aws:ssm:{REGION}:{ACCOUNT}:parameter/leave-approvals/dev/signing-key"

    def actions(role: str) -> dict[str, list[str]]:
        return {sid: s["Action"] for sid, s in statements(deployment, role).items()}

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
        # Its requests (GET /requests) and the leave it approved (calendar feeds).
        "ListRequests": ["dynamodb:Query"],
        "WithdrawThroughWorkflow": ["lambda:SendDurableExecutionCallbackFailure"],
        # Cancelled leave: the approver is told, the outcome announced.
        "SendMailAsSender": ["ses:SendRawEmail"],
        "PublishDomainEvents": ["events:PutEvents"],
    }
    assert statements(deployment, "submit")["RecordRequests"]["Resource"] == [table]
    assert statements(deployment, "submit")["ListRequests"]["Resource"] == [
        f"{table}/index/by_employee",
        f"{table}/index/by_approver",
    ]
    assert actions("decision") == {
        "WriteOwnLogs": ["logs:CreateLogStream", "logs:PutLogEvents"],
        "SendTraces": ["xray:PutTelemetryRecords", "xray:PutTraceSegments"],
        # Its one write claims the request's level before the callback.
        "ClaimRequests": ["dynamodb:GetItem", "dynamodb:UpdateItem"],
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
        assert statements(deployment, role)["ReadSigningKey"]["Resource"] == [parameter]
    workflow = statements(deployment, "workflow")
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


# -- data, secret, sender ---------------------------------------------------------------------


def test_the_table_has_the_keys_and_indexes_the_handlers_use(deployment: Deployment) -> None:
    table = deployment.one("aws:dynamodb/table:Table").inputs
    assert table["billingMode"] == "PAY_PER_REQUEST"
    assert (table["hashKey"], table["rangeKey"]) == (PARTITION_KEY, SORT_KEY)
    assert [a["name"] for a in table["attributes"]] == key_attributes()
    assert {a["type"] for a in table["attributes"]} == {"S"}
    assert table["globalSecondaryIndexes"] == [
        {
            "name": index.name,
            "projectionType": "ALL",
            "keySchemas": [
                {"attributeName": index.partition_key, "keyType": "HASH"},
                {"attributeName": index.sort_key, "keyType": "RANGE"},
            ],
        }
        for index in SECONDARY_INDEXES
    ]
    assert table["pointInTimeRecovery"] == {"enabled": True}
    assert table["deletionProtectionEnabled"] is True


def test_deletion_protection_follows_the_config(tmp_path: Path) -> None:
    deployment, _ = deploy(tmp_path, table_deletion_protection=False)
    table = deployment.one("aws:dynamodb/table:Table").inputs
    assert table["deletionProtectionEnabled"] is False


def test_the_public_endpoints_are_uncapped_unless_configured(
    deployment: Deployment, tmp_path: Path
) -> None:
    uncapped = deployment.of_type(FUNCTION)
    assert uncapped
    assert not [f.name for f in uncapped if "reservedConcurrentExecutions" in f.inputs]

    capped, _ = deploy(tmp_path, http_max_concurrency=20)
    reserved = {
        role: function(capped, role).get("reservedConcurrentExecutions")
        for role in ("submit", "decision", "workflow")
    }
    # The workflow is started asynchronously: its invocations queue rather than fail.
    assert reserved == {"submit": 20, "decision": 20, "workflow": None}


def test_the_approver_directory_is_seeded_from_config(tmp_path: Path) -> None:
    directory = {"alice@example.com": "carol@example.com", "bob@example.com": "dan@example.com"}
    deployment, _ = deploy(tmp_path, approver_directory=directory)
    items = deployment.of_type("aws:dynamodb/tableItem:TableItem")
    assert {json.dumps(json.loads(i.inputs["item"]), sort_keys=True) for i in items} == {
        json.dumps({k: {"S": v} for k, v in directory_item(e, a).items()}, sort_keys=True)
        for e, a in directory.items()
    }
    for item in items:
        assert item.inputs["tableName"] == deployment.values["table_name"]
        assert (item.inputs["hashKey"], item.inputs["rangeKey"]) == (PARTITION_KEY, SORT_KEY)


def test_the_signing_key_is_a_secure_string_holding_the_secret(deployment: Deployment) -> None:
    parameter = deployment.one("aws:ssm/parameter:Parameter").inputs
    assert parameter["type"] == "SecureString"
    assert parameter["name"] == "/leave-approvals/dev/signing-key"
    # A secret reaches the engine wrapped, marked with Pulumi's secret signature.
    assert parameter["value"]["4dabf18193072939515e22adb298388d"] == (
        "1b47061264138c4ac30d75fd1eb44270"
    )


def test_the_sender_and_sandbox_recipients_are_ses_identities(deployment: Deployment) -> None:
    identities = {
        i.inputs["email"] for i in deployment.of_type("aws:ses/emailIdentity:EmailIdentity")
    }
    assert identities == {"leave@example.com", "alice@example.com"}


# -- logs, tags, the seam for observability ---------------------------------------------------


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
        assert record.options is not None
        component = record.name.removesuffix("-function")
        assert [d.pulumi_resource_name for d in record.options.depends_on or []] == [
            f"{component}-policy"
        ]


def test_the_service_exposes_what_observability_needs(tmp_path: Path) -> None:
    deployment, created = deploy(tmp_path)
    service: LeaveService = created["service"]
    assert set(service.functions) == set(service.log_groups) == {"submit", "workflow", "decision"}
    assert service.workflow_alias is service.workflow.alias
    assert service.dashboard_name == "leave-approvals-dev"
    assert deployment.values["dashboard_url"] == (
        f"https://{REGION}.console.aws.amazon.com/cloudwatch/home?region={REGION}"
        "#dashboards/dashboard/leave-approvals-dev"
    )
    for attribute in ("table", "signing_key", "sender_identity", "event_bus", "layer", "packages"):
        assert getattr(service, attribute) is not None


def test_the_components_nest_under_the_service(tmp_path: Path) -> None:
    deployment, created = deploy(tmp_path)
    service = created["service"]
    direct = {
        r.name: r
        for r in deployment.resources
        if r.options is not None and r.options.parent is service
    }
    assert {"leave-submit", "leave-decision", "leave-workflow", "leave-table"} <= set(direct)
    for record in deployment.resources:
        if record.typ != "leave:leave_service:LeaveService":
            assert record.name.startswith("leave-"), record.name
            assert record.options is not None
            assert record.options.parent is not None


def test_during_a_key_rotation_the_decision_endpoint_also_reads_the_previous_key(
    tmp_path: Path,
) -> None:
    previous = pulumi.Output.secret("p" * 40)
    deployment, _ = deploy(tmp_path, previous_signing_key=previous)

    parameters = {
        p.inputs["name"]: p.inputs for p in deployment.of_type("aws:ssm/parameter:Parameter")
    }
    old = "/leave-approvals/dev/signing-key-previous"
    assert parameters[old]["type"] == "SecureString"
    settings = DecisionSettings.from_environment(environment(deployment, "decision"))
    assert settings.previous_signing_key_parameter == old
    read = statements(deployment, "decision")["ReadSigningKey"]
    assert read["Resource"] == [
        f"arn:aws:ssm:{REGION}:{ACCOUNT}:parameter/leave-approvals/dev/signing-key",
        f"arn:aws:ssm:{REGION}:{ACCOUNT}:parameter{old}",
    ]
