"""The program with nothing but the required settings: every optional setting's default must be
valid where it lands, and give what the docs promise."""

import pytest

from tests.pulumi.mocks import PROJECT, SIGNING_KEY, Deployment
from tests.pulumi.support import run_program

REQUIRED_ONLY = {
    "aws:region": "us-east-2",
    f"{PROJECT}:senderEmail": "leave@example.com",
    f"{PROJECT}:allowedEmailDomains": "example.com",
    f"{PROJECT}:defaultApprover": "boss@example.com",
    f"{PROJECT}:alarmEmail": "ops@example.com",
    f"{PROJECT}:signingKey": SIGNING_KEY,
    # The one optional key set: its default (on) would fetch Python 3.13, which this machine
    # cannot download. Its default is checked in test_config.
    f"{PROJECT}:compileBytecode": "false",
}
DAY = 86_400


@pytest.fixture(scope="module")
def deployment() -> Deployment:
    return run_program(REQUIRED_ONLY)


def _function(deployment: Deployment, role: str) -> dict[str, object]:
    return deployment.one("aws:lambda/function:Function", f"leave-{role}-function").inputs


def test_the_defaults_deploy_what_the_docs_promise(deployment: Deployment) -> None:
    workflow = _function(deployment, "workflow")
    # A week to decide (below); the execution may run the longest Lambda allows, whatever the
    # approval timeout, so changing it never replaces the function; history kept two weeks.
    assert workflow["durableConfig"] == {"executionTimeout": 31_622_400, "retentionPeriod": 14}
    variables = workflow["environment"]["variables"]  # type: ignore[index]
    assert variables["APPROVAL_TIMEOUT_SECONDS"] == str(7 * DAY)
    submit = _function(deployment, "submit")["environment"]["variables"]  # type: ignore[index]
    assert submit["MAX_PENDING_PER_EMPLOYEE"] == "5"
    assert submit["MAX_LEAVE_DAYS"] == "30"
    # Sick leave may start a week back, no other leave before today; none ends past two years.
    assert submit["MAX_PAST_DAYS"] == "annual=0,sick=7,unpaid=0,parental=0,bereavement=0,other=0"
    assert submit["MAX_FUTURE_DAYS"] == "730"
    # 25 days of annual leave a year; no limit on the other types.
    assert submit["ALLOWANCES"] == (
        "annual=25,sick=none,unpaid=none,parental=none,bereavement=none,other=none"
    )
    for log_group in deployment.of_type("aws:cloudwatch/logGroup:LogGroup"):
        if log_group.inputs["name"].startswith("/aws/lambda/"):
            assert log_group.inputs["retentionInDays"] == 30
    # Nothing is reserved: a new account has no concurrency to reserve.
    for function in deployment.of_type("aws:lambda/function:Function"):
        assert "reservedConcurrentExecutions" not in function.inputs
    throttle = deployment.one("aws:apigateway/methodSettings:MethodSettings").inputs["settings"]
    assert (throttle["throttlingRateLimit"], throttle["throttlingBurstLimit"]) == (10, 20)
    # Each client address: 600 requests per 5 minutes, whatever it sends them with.
    web_acl = deployment.one("aws:wafv2/webAcl:WebAcl").inputs
    limit = web_acl["rules"][0]["statement"]["rateBasedStatement"]
    assert (limit["limit"], limit["evaluationWindowSec"], limit["aggregateKeyType"]) == (
        600,
        300,
        "IP",
    )
    stage = deployment.one("aws:apigateway/stage:Stage").outputs["arn"]
    association = deployment.one("aws:wafv2/webAclAssociation:WebAclAssociation").inputs
    assert association["resourceArn"] == stage


def test_by_default_the_data_and_the_people_are_protected(deployment: Deployment) -> None:
    table = deployment.one("aws:dynamodb/table:Table").inputs
    assert table["deletionProtectionEnabled"] is True
    assert table["pointInTimeRecovery"] == {"enabled": True}
    pool = deployment.one("aws:cognito/userPool:UserPool").inputs
    assert pool["deletionProtection"] == "ACTIVE"
    # A second factor for those who registered one.
    assert pool["mfaConfiguration"] == "OPTIONAL"
    # Only the sender is an SES identity: no recipients to verify unless listed.
    identities = deployment.of_type("aws:ses/emailIdentity:EmailIdentity")
    assert [i.inputs["email"] for i in identities] == ["leave@example.com"]


def test_by_default_the_schedules_and_alarms_are_all_there(deployment: Deployment) -> None:
    schedules = sorted(
        rule.inputs["scheduleExpression"]
        for rule in deployment.of_type("aws:cloudwatch/eventRule:EventRule")
        if "scheduleExpression" in rule.inputs
    )
    # The pending gauge every minute, the settler's sweep every five.
    assert schedules == ["rate(1 minute)", "rate(5 minutes)"]
    alarms = deployment.of_type("aws:cloudwatch/metricAlarm:MetricAlarm")
    assert len(alarms) == 7
    assert all(alarm.inputs["alarmActions"] for alarm in alarms)
    archive = deployment.one("aws:cloudwatch/eventArchive:EventArchive").inputs
    assert archive["retentionDays"] == 90
