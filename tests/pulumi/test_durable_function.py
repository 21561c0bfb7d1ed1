"""The durable function component: durable config, a published version behind an alias."""

from pathlib import Path
from typing import Any

import pytest

from components.durable_function import (
    DELETE_TIMEOUT,
    DURABLE_EXECUTION_ACTIONS,
    DurableFunction,
    DurableFunctionArgs,
)
from components.iam import Statement
from components.lambda_function import FunctionArgs
from components.tagging import tagged
from tests.pulumi.mocks import Deployment, run
from tests.pulumi.support import (
    COMPONENT_TAGS,
    assert_function_resources_tagged,
    assert_parented,
    depends_on,
    tiny_archive,
)

FUNCTION_ARN = "arn:aws:lambda:us-east-2:123456789012:function:leave-approvals-dev-flow"
RULE_ARN = "arn:aws:events:us-east-2:123456789012:rule/leave-approvals-dev-retry"
TAGS = COMPONENT_TAGS


def durable_args(directory: Path, **overrides: Any) -> DurableFunctionArgs:
    values: dict[str, Any] = {
        "function": FunctionArgs(
            function_name="leave-approvals-dev-flow",
            handler="handlers.workflow.handler",
            code=tiny_archive(directory, "code.zip"),
            layers=[],
            environment={"LEAVE_TABLE_NAME": "leave"},
            statements=[Statement("SendMail", ["ses:SendRawEmail"], ["arn:aws:ses:x"])],
            log_retention_days=30,
            timeout_seconds=60,
        ),
        "execution_timeout_seconds": 90_000,
        "retention_days": 7,
    }
    values.update(overrides)
    return DurableFunctionArgs(**values)


@pytest.fixture
def deployment(tmp_path: Path) -> tuple[Deployment, dict[str, Any]]:
    created: dict[str, Any] = {}

    def program() -> dict[str, Any]:
        # Under the project's tags, as compose() builds every component.
        flow = DurableFunction("flow", durable_args(tmp_path), opts=tagged(TAGS))
        created["flow"] = flow
        created["permission"] = flow.grant_invoke("from-events", "events.amazonaws.com", RULE_ARN)
        return {
            "alias_arn": flow.alias_arn,
            "function_arn": flow.function.arn,
            "arn_from_name": flow.arn_from_name,
        }

    return run(program), created


def test_the_function_is_durable_and_published(
    deployment: tuple[Deployment, dict[str, Any]],
) -> None:
    result, _ = deployment
    function = result.one("aws:lambda/function:Function").inputs
    assert function["durableConfig"] == {"executionTimeout": 90_000, "retentionPeriod": 7}
    assert function["publish"] is True
    assert function["runtime"] == "python3.13"
    assert function["architectures"] == ["arm64"]
    assert function["timeout"] == 60
    assert function["tracingConfig"] == {"mode": "Active"}


def test_deleting_it_may_take_an_hour(deployment: tuple[Deployment, dict[str, Any]]) -> None:
    result, _ = deployment
    options = result.one("aws:lambda/function:Function").options
    assert options is not None
    assert options.custom_timeouts is not None
    assert options.custom_timeouts.delete == DELETE_TIMEOUT == "60m"


def test_the_function_waits_for_its_permissions(
    deployment: tuple[Deployment, dict[str, Any]],
) -> None:
    result, _ = deployment
    assert depends_on(result.one("aws:lambda/function:Function")) == ["flow-policy"]
    # So the policy names the function by an ARN built from its name: the same ARN.
    assert result.values["arn_from_name"] == result.values["function_arn"] == FUNCTION_ARN


def test_the_alias_follows_the_published_version(
    deployment: tuple[Deployment, dict[str, Any]],
) -> None:
    result, _ = deployment
    alias = result.one("aws:lambda/alias:Alias").inputs
    assert alias["name"] == "live"
    assert alias["functionName"] == "leave-approvals-dev-flow"
    assert alias["functionVersion"] == "1"  # the function's published version, not $LATEST
    assert result.values["alias_arn"] == f"{FUNCTION_ARN}:live"


def test_the_role_holds_exactly_the_durable_checkpoint_permissions(
    deployment: tuple[Deployment, dict[str, Any]],
) -> None:
    result, _ = deployment
    statements = {s["Sid"]: s for s in result.role_statements("flow")}
    assert set(statements) == {"WriteOwnLogs", "SendTraces", "RunDurably", "SendMail"}
    durable = statements["RunDurably"]
    assert durable["Action"] == sorted(DURABLE_EXECUTION_ACTIONS)
    assert set(DURABLE_EXECUTION_ACTIONS) == {
        "lambda:CheckpointDurableExecution",
        "lambda:GetDurableExecutionState",
    }
    assert durable["Resource"] == [FUNCTION_ARN, f"{FUNCTION_ARN}:*"]
    lambda_actions = {
        action
        for statement in statements.values()
        for action in statement["Action"]
        if action.startswith("lambda:")
    }
    assert lambda_actions == set(DURABLE_EXECUTION_ACTIONS)


def test_invoke_grants_target_the_alias_never_the_function(
    deployment: tuple[Deployment, dict[str, Any]],
) -> None:
    result, _ = deployment
    permission = result.one("aws:lambda/permission:Permission").inputs
    assert permission["action"] == "lambda:InvokeFunction"
    assert permission["function"] == "leave-approvals-dev-flow"
    assert permission["qualifier"] == "live"
    assert permission["principal"] == "events.amazonaws.com"
    assert permission["sourceArn"] == RULE_ARN


def test_logs_have_retention_and_resources_are_tagged(
    deployment: tuple[Deployment, dict[str, Any]],
) -> None:
    result, _ = deployment
    log_group = result.one("aws:cloudwatch/logGroup:LogGroup").inputs
    assert log_group["name"] == "/aws/lambda/leave-approvals-dev-flow"
    assert log_group["retentionInDays"] == 30
    assert_function_resources_tagged(result, TAGS)


def test_every_child_is_parented_to_the_component(
    deployment: tuple[Deployment, dict[str, Any]],
) -> None:
    result, created = deployment
    children = [r for r in result.resources if r.typ != "leave:durable_function:DurableFunction"]
    assert {r.typ for r in children} == {
        "aws:lambda/function:Function",
        "aws:lambda/alias:Alias",
        "aws:iam/role:Role",
        "aws:iam/rolePolicy:RolePolicy",
        "aws:cloudwatch/logGroup:LogGroup",
        "aws:lambda/permission:Permission",
    }
    assert_parented(children, created["flow"])


@pytest.mark.parametrize(
    "overrides",
    [
        {"execution_timeout_seconds": 0},
        {"execution_timeout_seconds": 31_622_401},
        {"retention_days": 0},
        {"retention_days": 91},
    ],
)
def test_out_of_range_durable_settings_are_refused(tmp_path: Path, overrides: Any) -> None:
    with pytest.raises(ValueError, match="must be between"):
        durable_args(tmp_path, **overrides)
