"""The WAF web ACL in front of the employees' API: a rate limit per client address, answered as
the stage's throttle answers, on the stage itself, and nothing of it when turned off."""

import json
from pathlib import Path
from typing import Any

import pytest

from components.api_firewall import ApiFirewall
from components.rest_api_function import RestApiFunction, RestApiFunctionArgs
from components.throttling import CLIENT_LIMITED_MESSAGE, ClientRateLimit, Throttle
from tests.pulumi.mocks import REGION, Deployment, run
from tests.pulumi.support import assert_parented
from tests.pulumi.test_http_function import function_args
from tests.pulumi.test_rest_api_function import deploy

WEB_ACL = "aws:wafv2/webAcl:WebAcl"
ASSOCIATION = "aws:wafv2/webAclAssociation:WebAclAssociation"


@pytest.fixture
def deployment(tmp_path: Path) -> Deployment:
    limit = ClientRateLimit(limit=50, window_seconds=120)
    return deploy(tmp_path, Throttle(), limit)[0]


def _rate_rule(deployment: Deployment) -> dict[str, Any]:
    rules = deployment.one(WEB_ACL).inputs["rules"]
    assert len(rules) == 1
    rule: dict[str, Any] = rules[0]
    return rule


def test_a_regional_web_acl_lets_everything_else_through(deployment: Deployment) -> None:
    web_acl = deployment.one(WEB_ACL).inputs
    # An API Gateway stage takes a REGIONAL web ACL (CLOUDFRONT is for distributions).
    assert web_acl["scope"] == "REGIONAL"
    assert web_acl["defaultAction"] == {"allow": {}}
    assert web_acl["name"] == "leave-approvals-dev-api"


def test_each_client_address_is_limited_per_window(deployment: Deployment) -> None:
    statement = _rate_rule(deployment)["statement"]["rateBasedStatement"]
    # The connecting address: a header (X-Forwarded-For) cannot forge it.
    assert statement["aggregateKeyType"] == "IP"
    assert statement["limit"] == 50
    assert statement["evaluationWindowSec"] == 120
    assert "scopeDownStatement" not in statement  # every request counts, with a token or not


def test_a_client_past_its_limit_is_blocked_with_429_and_retry_after(
    deployment: Deployment,
) -> None:
    rule = _rate_rule(deployment)
    assert rule["priority"] == 0
    response = rule["action"]["block"]["customResponse"]
    # Not WAF's default 403: the same answer as the stage's throttle.
    assert response["responseCode"] == 429
    # 120 s for 50 requests: one every 2.4 s, rounded up.
    assert response["responseHeaders"] == [{"name": "Retry-After", "value": "3"}]
    bodies = {b["key"]: b for b in deployment.one(WEB_ACL).inputs["customResponseBodies"]}
    body = bodies[response["customResponseBodyKey"]]
    assert body["contentType"] == "APPLICATION_JSON"
    assert json.loads(body["content"]) == {"message": CLIENT_LIMITED_MESSAGE}


def test_its_metrics_and_sampled_requests_are_on(deployment: Deployment) -> None:
    expected = {"cloudwatchMetricsEnabled": True, "sampledRequestsEnabled": True}
    web_acl = deployment.one(WEB_ACL).inputs["visibilityConfig"]
    rule = _rate_rule(deployment)["visibilityConfig"]
    assert web_acl == expected | {"metricName": "leave-approvals-dev-api"}
    assert rule == expected | {"metricName": "leave-approvals-dev-api-per-client-rate"}


def test_it_guards_the_apis_own_stage(deployment: Deployment) -> None:
    stage = deployment.one("aws:apigateway/stage:Stage")
    association = deployment.one(ASSOCIATION).inputs
    assert association["resourceArn"] == stage.outputs["arn"]
    assert association["resourceArn"].startswith(f"arn:aws:apigateway:{REGION}::/restapis/")
    assert association["resourceArn"].endswith("/stages/live")
    assert association["webAclArn"] == deployment.one(WEB_ACL).outputs["arn"]


def test_turned_off_there_is_no_web_acl(tmp_path: Path) -> None:
    result, created = deploy(tmp_path, Throttle(), ClientRateLimit(enabled=False))
    assert result.of_type(WEB_ACL) == []
    assert result.of_type(ASSOCIATION) == []
    assert created["api"].firewall is None
    # The stage's own throttle stays.
    assert result.one("aws:apigateway/methodSettings:MethodSettings")


def test_it_is_a_child_of_the_api(tmp_path: Path) -> None:
    created: dict[str, Any] = {}

    def program() -> None:
        created["api"] = RestApiFunction(
            "api", RestApiFunctionArgs(function_args(tmp_path), REGION)
        )

    result = run(program)
    firewall = created["api"].firewall
    assert isinstance(firewall, ApiFirewall)
    assert_parented(result.of_type("leave:api_firewall:ApiFirewall"), created["api"])
    assert_parented([result.one(WEB_ACL), result.one(ASSOCIATION)], firewall)
