"""The REST API function component: a Lambda reached only through a throttled API Gateway stage."""

import json
from pathlib import Path
from typing import Any

import pytest

from components.rest_api_function import RestApiFunction, RestApiFunctionArgs
from components.throttling import ClientRateLimit, Throttle
from tests.pulumi.mocks import REGION, Deployment, run
from tests.pulumi.support import assert_parented, depends_on
from tests.pulumi.test_http_function import function_args


def deploy(
    directory: Path, throttle: Throttle, client_rate_limit: ClientRateLimit | None = None
) -> tuple[Deployment, dict[str, Any]]:
    created: dict[str, Any] = {}

    def program() -> dict[str, Any]:
        created["api"] = RestApiFunction(
            "api",
            RestApiFunctionArgs(
                function_args(directory),
                REGION,
                throttle,
                client_rate_limit or ClientRateLimit(),
            ),
        )
        return {"url": created["api"].url}

    return run(program), created


@pytest.fixture
def deployment(tmp_path: Path) -> Deployment:
    return deploy(tmp_path, Throttle(rate_per_second=0.5, burst=3))[0]


def test_every_path_and_method_reaches_the_function(deployment: Deployment) -> None:
    function = deployment.one("aws:lambda/function:Function")
    proxy = deployment.one("aws:apigateway/resource:Resource").inputs
    assert proxy["pathPart"] == "{proxy+}"
    methods = deployment.of_type("aws:apigateway/method:Method")
    assert {m.inputs["httpMethod"] for m in methods} == {"ANY"}
    assert {m.inputs["authorization"] for m in methods} == {"NONE"}
    integrations = deployment.of_type("aws:apigateway/integration:Integration")
    assert len(integrations) == len(methods) == 2
    for integration in integrations:
        assert integration.inputs["type"] == "AWS_PROXY"
        # Lambda is always invoked with POST, whatever the caller's method.
        assert integration.inputs["integrationHttpMethod"] == "POST"
        assert integration.inputs["uri"] == function.outputs["invokeArn"]
    # No Function URL: nothing reaches the function around the throttle.
    assert deployment.of_type("aws:lambda/functionUrl:FunctionUrl") == []


def test_only_the_apis_own_stage_may_invoke_the_function(deployment: Deployment) -> None:
    permission = deployment.one("aws:lambda/permission:Permission").inputs
    api = deployment.one("aws:apigateway/restApi:RestApi").outputs
    assert permission["principal"] == "apigateway.amazonaws.com"
    assert permission["action"] == "lambda:InvokeFunction"
    assert permission["sourceArn"] == f"{api['executionArn']}/live/*"


def test_past_the_throttle_callers_get_429_with_retry_after(deployment: Deployment) -> None:
    settings = deployment.one("aws:apigateway/methodSettings:MethodSettings").inputs
    assert settings["methodPath"] == "*/*"
    assert settings["stageName"] == "live"
    assert settings["settings"]["throttlingRateLimit"] == 0.5
    assert settings["settings"]["throttlingBurstLimit"] == 3
    response = deployment.one("aws:apigateway/response:Response").inputs
    assert response["responseType"] == "THROTTLED"
    assert response["statusCode"] == "429"
    # Static values are quoted in gateway response parameters; a token comes every 2 s.
    assert response["responseParameters"] == {
        "gatewayresponse.header.Retry-After": "'2'",
        "gatewayresponse.header.Content-Type": "'application/json'",
    }
    body = json.loads(response["responseTemplates"]["application/json"])
    assert body["message"].startswith("Too many requests")


def test_the_url_is_the_stages_own(deployment: Deployment) -> None:
    stage = deployment.one("aws:apigateway/stage:Stage")
    assert stage.inputs["stageName"] == "live"
    assert deployment.values["url"] == stage.outputs["invokeUrl"] + "/"
    assert deployment.one("aws:apigateway/restApi:RestApi").inputs["endpointConfiguration"] == {
        "types": "REGIONAL"
    }


def test_a_changed_throttled_answer_is_deployed_anew(tmp_path: Path) -> None:
    def snapshot(throttle: Throttle) -> str:
        result, _ = deploy(tmp_path, throttle)
        deployment = result.one("aws:apigateway/deployment:Deployment")
        assert {"api-root-function", "api-proxy-function", "api-throttled"} <= set(
            depends_on(deployment)
        )
        return str(deployment.inputs["triggers"])

    assert snapshot(Throttle(rate_per_second=10)) == snapshot(Throttle(rate_per_second=20))
    assert snapshot(Throttle(rate_per_second=10)) != snapshot(Throttle(rate_per_second=0.1))


def test_everything_is_a_child_of_the_component(tmp_path: Path) -> None:
    result, created = deploy(tmp_path, Throttle())
    component = result.one("leave:rest_api_function:RestApiFunction")
    # The firewall's own resources are its children (test_api_firewall).
    firewall = {"api-firewall-web-acl", "api-firewall-association"}
    children = [r for r in result.resources if r is not component and r.name not in firewall]
    assert_parented(children, created["api"])
    assert all(child.name.startswith("api-") for child in children), [c.name for c in children]
