"""The HTTP function component: a Lambda, its public Function URL and that URL's permissions."""

from pathlib import Path
from typing import Any

import pytest

from components.http_function import HttpFunction, HttpFunctionArgs
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

TABLE_ARN = "arn:aws:dynamodb:us-east-2:123456789012:table/leave"
TAGS = COMPONENT_TAGS


def function_args(directory: Path) -> FunctionArgs:
    return FunctionArgs(
        function_name="leave-approvals-dev-api",
        handler="handlers.api.handler",
        code=tiny_archive(directory, "code.zip"),
        layers=["arn:aws:lambda:us-east-2:123456789012:layer:deps:3"],
        environment={"LEAVE_TABLE_NAME": "leave"},
        statements=[Statement("ReadTable", ["dynamodb:GetItem"], [TABLE_ARN])],
        log_retention_days=14,
    )


@pytest.fixture
def deployment(tmp_path: Path) -> tuple[Deployment, dict[str, Any]]:
    created: dict[str, Any] = {}

    def program() -> dict[str, Any]:
        # Under the project's tags, as compose() builds every component.
        created["api"] = HttpFunction(
            "api", HttpFunctionArgs(function_args(tmp_path)), opts=tagged(TAGS)
        )
        return {"url": created["api"].url}

    return run(program), created


def test_the_function_runs_python_313_on_arm64_with_its_layer_and_environment(
    deployment: tuple[Deployment, dict[str, Any]],
) -> None:
    result, _ = deployment
    function = result.one("aws:lambda/function:Function").inputs
    assert function["name"] == "leave-approvals-dev-api"
    assert function["runtime"] == "python3.13"
    assert function["architectures"] == ["arm64"]
    assert function["handler"] == "handlers.api.handler"
    assert function["layers"] == ["arn:aws:lambda:us-east-2:123456789012:layer:deps:3"]
    assert function["environment"]["variables"] == {"LEAVE_TABLE_NAME": "leave"}
    assert function["sourceCodeHash"]
    # Not durable, not published: nothing but its URL calls it.
    assert function["tracingConfig"] == {"mode": "Active"}
    assert "durableConfig" not in function
    assert not function.get("publish")


def test_the_url_is_public_and_has_both_permissions_it_needs(
    deployment: tuple[Deployment, dict[str, Any]],
) -> None:
    result, _ = deployment
    url = result.one("aws:lambda/functionUrl:FunctionUrl").inputs
    assert url["authorizationType"] == "NONE"
    assert url["functionName"] == "leave-approvals-dev-api"
    assert "qualifier" not in url
    permissions = {
        p.inputs["action"]: p.inputs for p in result.of_type("aws:lambda/permission:Permission")
    }
    assert set(permissions) == {"lambda:InvokeFunctionUrl", "lambda:InvokeFunction"}
    assert permissions["lambda:InvokeFunctionUrl"]["functionUrlAuthType"] == "NONE"
    assert permissions["lambda:InvokeFunction"]["invokedViaFunctionUrl"] is True
    for permission in permissions.values():
        assert permission["principal"] == "*"
        assert permission["function"] == "leave-approvals-dev-api"
    assert result.values["url"].startswith("https://")


def test_logs_go_to_its_own_log_group_with_retention(
    deployment: tuple[Deployment, dict[str, Any]],
) -> None:
    result, _ = deployment
    log_group = result.one("aws:cloudwatch/logGroup:LogGroup").inputs
    assert log_group["name"] == "/aws/lambda/leave-approvals-dev-api"
    assert log_group["retentionInDays"] == 14
    function = result.one("aws:lambda/function:Function").inputs
    assert function["loggingConfig"]["logGroup"] == log_group["name"]


def test_the_role_may_write_its_logs_and_do_what_it_was_given(
    deployment: tuple[Deployment, dict[str, Any]],
) -> None:
    result, _ = deployment
    statements = {s["Sid"]: s for s in result.role_statements("api")}
    assert set(statements) == {"WriteOwnLogs", "SendTraces", "ReadTable"}
    assert statements["WriteOwnLogs"]["Action"] == ["logs:CreateLogStream", "logs:PutLogEvents"]
    assert statements["WriteOwnLogs"]["Resource"] == [
        "arn:aws:logs:us-east-2:123456789012:log-group:/aws/lambda/leave-approvals-dev-api:*"
    ]
    assert statements["ReadTable"]["Resource"] == [TABLE_ARN]
    # X-Ray's write actions take no resource: "*" is the only value they accept.
    assert statements["SendTraces"] == {
        "Sid": "SendTraces",
        "Effect": "Allow",
        "Action": ["xray:PutTelemetryRecords", "xray:PutTraceSegments"],
        "Resource": ["*"],
    }
    role = result.one("aws:iam/role:Role").inputs
    assert '"lambda.amazonaws.com"' in role["assumeRolePolicy"]


def test_the_function_waits_for_its_permissions(
    deployment: tuple[Deployment, dict[str, Any]],
) -> None:
    # Lambda refuses active tracing to a role without X-Ray's permissions, and a function
    # should never run without its grants: the policy comes first.
    result, _ = deployment
    assert depends_on(result.one("aws:lambda/function:Function")) == ["api-policy"]


def test_taggable_resources_are_tagged(deployment: tuple[Deployment, dict[str, Any]]) -> None:
    result, _ = deployment
    assert_function_resources_tagged(result, TAGS)


def test_every_child_is_parented_to_the_component(
    deployment: tuple[Deployment, dict[str, Any]],
) -> None:
    result, created = deployment
    component = result.one("leave:http_function:HttpFunction")
    children = [r for r in result.resources if r is not component]
    assert len(children) == 7
    assert_parented(children, created["api"])
    assert all(child.name.startswith("api-") for child in children), [c.name for c in children]
