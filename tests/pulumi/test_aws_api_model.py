"""Every resource the program creates, as the AWS API requests that create it, checked against
botocore's model of each operation and the rules the model cannot state (tests/support/
aws_limits.py), and every input it registers checked against the names pulumi_aws declares: with
the dev stack's settings, with each numeric setting at its smallest and at its largest accepted
value, and with the settings that create other resources or none.

Nobody here can run `pulumi up`: a value in the wrong unit, outside AWS's range, an enum in the
wrong case or a misnamed option would only fail there, at that resource. The last tests feed the
checker such mistakes and show it names the resource and the AWS rule.
"""

from __future__ import annotations

import dataclasses
import json
import math
import re
from collections.abc import Iterator, Mapping
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

import components.leave_service
from components.config import StackSettings
from components.config.loading import ConfigError
from tests.pulumi.aws_requests import MAPPINGS, UnmappedInput, requests_for
from tests.pulumi.declared_inputs import undeclared_inputs
from tests.pulumi.mocks import PROJECT, SIGNING_KEY, Deployment, Registered
from tests.pulumi.support import dev_stack_config, run_main, tiny_packages
from tests.support.aws_api_model import operation_model, request_breaches
from tests.support.aws_limits import LIMITS, LOG_RETENTION_DAYS, limit_breaches

FUNCTION = "aws:lambda/function:Function"
INVOKE_CONFIG = "aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig"
USER_POOL_CLIENT = "aws:cognito/userPoolClient:UserPoolClient"
ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"
LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup"
QUEUE = "aws:sqs/queue:Queue"
RULE = "aws:cloudwatch/eventRule:EventRule"
METHOD_SETTINGS = "aws:apigateway/methodSettings:MethodSettings"
WEB_ACL = "aws:wafv2/webAcl:WebAcl"

# Each numeric setting at the least and the most the settings model accepts, as stack config
# text (`test_these_are_the_extremes_the_settings_accept` holds them to it). They go in two
# deploys: all the least values together, all the most together.
EXTREMES: dict[str, tuple[str, str]] = {
    "approvalTimeoutSeconds": ("60", "31536000"),
    "maxLeaveDays": ("1", "366"),
    "maxPastDays": ("0", "366"),
    "maxFutureDays": ("1", "3660"),
    "logRetentionDays": ("1", "3653"),
    "executionRetentionDays": ("1", "90"),
    "httpMaxConcurrency": ("1", "1000"),
    "maxPendingPerEmployee": ("1", "100"),
    "apiRateLimit": ("0.000001", "10000"),
    "apiBurstLimit": ("1", "5000"),
    "clientRateLimit": ("10", "2000000000"),
    "clientRateLimitWindowSeconds": ("60", "600"),
    "sweepIntervalMinutes": ("1", "60"),
    "sweepGraceSeconds": ("60", "86400"),
    "pendingGaugeIntervalMinutes": ("1", "60"),
    "oldestPendingAlarmShare": ("5e-324", "1"),
    "expiryRateAlarmThreshold": ("5e-324", "1"),
    "eventArchiveRetentionDays": ("1", "3650"),
    "secondApprovalOverDays": ("1", "366"),
    # Shares of the approval time: the first reminder as early as can be, escalation after it;
    # three reminders (the most) and escalation as late as can be, each before the next.
    "reminderAt": ("5e-324", "0.9999999999999996,0.9999999999999997,0.9999999999999998"),
    "escalateAt": ("1e-323", "0.9999999999999999"),
}
# The settings that are no number: each deploy below sets them one way or another.
NOT_NUMERIC = frozenset(
    {
        "senderEmail",
        "allowedEmailDomains",
        "defaultApprover",
        "approverDirectory",
        "allowances",
        "allowanceOverrides",
        "alarmEmail",
        "signingKey",
        "previousSigningKey",
        "sandboxRecipients",
        "tableDeletionProtection",
        "oidcIssuer",
        "oidcAudience",
        "oidcJwksUrl",
        "clientRateLimitEnabled",
        "mfa",
        "compileBytecode",
        "workWeek",
        "holidayCountry",
        "holidaySubdivision",
        # A list: the most values deploy holds as many dates as it takes.
        "closureDays",
    }
)
# A value one step past each extreme, where stepping is not by one or to the next float: no
# share is 0 or 1, escalation comes after every reminder.
BEYOND = {
    "reminderAt": ("0", "0.9999999999999997,0.9999999999999998,0.9999999999999999"),
    "escalateAt": ("5e-324", "1"),
}

# Besides its numbers, each deploy sets the settings that change what is created.
DEPLOYS: dict[str, dict[str, str]] = {
    "dev stack": {},
    "least values": {
        **{key: least for key, (least, _) in EXTREMES.items()},
        "mfa": "off",
        "previousSigningKey": "p" * 32,
        "tableDeletionProtection": "true",
    },
    "most values": {
        **{key: most for key, (_, most) in EXTREMES.items()},
        "mfa": "required",
        # A person with allowances of their own and no approver: an entry of its own.
        "allowanceOverrides": '{"solo@example.com": {"annual": 366, "sick": "none"}}',
        # The most closure days, in the submit function's environment with everything else.
        "closureDays": json.dumps([str(date(2030, 1, 1) + timedelta(days=n)) for n in range(100)]),
        "workWeek": "Sun-Thu",
        "holidayCountry": "GB",
        "holidaySubdivision": "NIR",
    },
    "another issuer, no firewall, no follow-ups": {
        "oidcIssuer": "https://login.example.com/oauth2/default",
        "oidcAudience": "0oa1b2c3d4e5f6g7h8i9",
        "oidcJwksUrl": "https://login.example.com/oauth2/default/v1/keys",
        "clientRateLimitEnabled": "false",
        "reminderAt": "none",
        "escalateAt": "none",
        "secondApprovalOverDays": "none",
        "sandboxRecipients": "[]",
    },
}


def deploy(directory: Path, settings: Mapping[str, str]) -> Deployment:
    """The unmodified program with the dev stack's config and `settings` over it; the code
    archives are tiny ones (building the real ones takes seconds and checks nothing here)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(
            components.leave_service,
            "build_packages",
            lambda bytecode=None: tiny_packages(directory),
        )
        return run_main({f"{PROJECT}:{key}": value for key, value in settings.items()})


@pytest.fixture(scope="module")
def deployments(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Deployment]:
    directory = tmp_path_factory.mktemp("packages")
    return {name: deploy(directory, settings) for name, settings in DEPLOYS.items()}


@pytest.fixture(scope="module")
def dev_stack(deployments: dict[str, Deployment]) -> Deployment:
    return deployments["dev stack"]


def problems(resource: Registered) -> list[str]:
    """What AWS (or pulumi_aws) would refuse of `resource`, each naming it and the rule."""
    label = f"{resource.typ} {resource.name}"
    try:
        requests = requests_for(resource)
    except UnmappedInput as unmapped:
        return [str(unmapped)]
    found = [
        f"{label}: input {path} is not one pulumi_aws declares for its type"
        for path in undeclared_inputs(resource)
    ]
    for request in requests:
        breaches = [
            *request_breaches(request.service, request.operation, request.params),
            *limit_breaches(request.service, request.operation, request.params),
        ]
        for breach in breaches:
            stand_in = any(breach.path.startswith(path) for path in request.stubbed)
            found.append(f"{label}: {breach}{' (a stand-in value)' if stand_in else ''}")
    return found


def stack_problems(deployment: Deployment) -> list[str]:
    return [problem for r in deployment.resources if r.custom for problem in problems(r)]


def changed(resource: Registered, **inputs: Any) -> Registered:
    """`resource` with some inputs replaced; a dict input is merged into the one recorded."""
    merged = dict(resource.inputs)
    for key, value in inputs.items():
        recorded = merged.get(key)
        merged[key] = {**recorded, **value} if isinstance(recorded, dict) else value
    return dataclasses.replace(resource, inputs=merged)


# ---------------------------------------------------------------------------------------------
# The program against AWS's rules


@pytest.mark.parametrize("name", list(DEPLOYS))
def test_every_request_the_program_makes_is_one_aws_accepts(
    deployments: dict[str, Deployment], name: str
) -> None:
    assert stack_problems(deployments[name]) == []


def test_every_resource_type_the_program_creates_has_a_mapping(
    deployments: dict[str, Deployment],
) -> None:
    created = {r.typ for d in deployments.values() for r in d.resources if r.custom}
    assert created - set(MAPPINGS) == set()
    # The dev stack creates the resource types named in issue #26, and each makes a request.
    assert len({r.typ for r in deployments["dev stack"].resources if r.custom}) == 37


def test_the_settings_that_change_what_is_created_are_all_deployed(
    deployments: dict[str, Deployment],
) -> None:
    def count(deploy: str, typ: str) -> int:
        return len(deployments[deploy].of_type(typ))

    cognito = "aws:cognito/userPool:UserPool"
    assert count("dev stack", cognito) == 1
    assert count("another issuer, no firewall, no follow-ups", cognito) == 0
    assert count("another issuer, no firewall, no follow-ups", WEB_ACL) == 0
    assert count("least values", "aws:ssm/parameter:Parameter") == 2  # the previous key too
    # The least values keep Cognito, with MFA off; the most, with MFA required.
    assert deployments["least values"].one(cognito).inputs["mfaConfiguration"] == "OFF"
    assert deployments["most values"].one(cognito).inputs["mfaConfiguration"] == "ON"
    reserved = {
        f.inputs.get("reservedConcurrentExecutions")
        for f in deployments["most values"].of_type(FUNCTION)
    }
    assert 1000 in reserved


def test_each_numeric_setting_is_deployed_at_its_extremes() -> None:
    assert set(EXTREMES) | NOT_NUMERIC == set(StackSettings.keys().values())
    assert set(EXTREMES) & NOT_NUMERIC == set()


def _accepted(settings: Mapping[str, str]) -> bool:
    """Whether the settings model takes `settings` over the dev stack's config."""
    config = {**dev_stack_config(), f"{PROJECT}:signingKey": SIGNING_KEY}
    given = {k.removeprefix(f"{PROJECT}:"): v for k, v in config.items() if k.startswith(PROJECT)}
    try:
        StackSettings.model_validate({**given, **settings})
    except ValidationError:
        return False
    return True


def _beyond(key: str, value: str, step: int) -> str:
    if key in BEYOND:
        return BEYOND[key][0 if step < 0 else 1]
    if value.isdigit():
        return str(int(value) + step)
    return repr(math.nextafter(float(value), step * math.inf))


@pytest.mark.parametrize(("deploy_name", "step"), [("least values", -1), ("most values", +1)])
def test_these_are_the_extremes_the_settings_accept(deploy_name: str, step: int) -> None:
    """Each value of the deploy is accepted, and one step further is refused, the others as
    they are."""
    settings = DEPLOYS[deploy_name]
    assert _accepted(settings)
    taken = [
        key for key in EXTREMES if _accepted({**settings, key: _beyond(key, settings[key], step)})
    ]
    assert taken == [], f"the settings take values past these: {taken}"


def test_a_rate_api_gateway_would_receive_as_0_is_refused_in_one_line(tmp_path: Path) -> None:
    # The provider writes the rate with six decimals: 0.0000001 would arrive as 0.000000.
    with pytest.raises(ConfigError, match=r"^apiRateLimit must be at least 0\.000001") as refused:
        deploy(tmp_path, {"apiRateLimit": "0.0000001"})
    assert "\n" not in str(refused.value)


def test_only_names_made_up_at_deploy_time_are_stand_ins(dev_stack: Deployment) -> None:
    stand_ins = {
        (request.operation, path)
        for resource in dev_stack.resources
        if resource.custom
        for request in requests_for(resource)
        for path in request.stubbed
    }
    # Pulumi's auto-names: the names and ids the program leaves to it.
    assert stand_ins == {
        ("CreateTable", "TableName"),
        ("UpdateContinuousBackups", "TableName"),
        ("CreateRole", "RoleName"),
        ("PutRolePolicy", "PolicyName"),
        ("AddPermission", "StatementId"),
        ("PutTargets", "Targets[0].Id"),
    }


def test_every_input_is_one_pulumi_aws_declares(dev_stack: Deployment) -> None:
    undeclared = {r.name: undeclared_inputs(r) for r in dev_stack.resources if r.custom}
    assert {name: paths for name, paths in undeclared.items() if paths} == {}


# ---------------------------------------------------------------------------------------------
# The checker against deliberate mistakes


def _one_problem(resource: Registered, *expected: str) -> str:
    found = problems(resource)
    assert found, f"nothing found wrong with {resource.name}"
    text = "\n".join(found)
    for part in (resource.typ, resource.name, *expected):
        assert part in text, f"{part!r} not in:\n{text}"
    return text


def _function(deployment: Deployment) -> Registered:
    return deployment.one(FUNCTION, "leave-submit-function")


def test_a_lambda_timeout_in_milliseconds_is_refused(dev_stack: Deployment) -> None:
    function = changed(_function(dev_stack), timeout=15000.0)
    _one_problem(
        function,
        "lambda CreateFunction Timeout: 15000 is above the maximum 5400 (shape Timeout)",
        "15000 s is above 900 s",
    )


def test_an_event_age_beyond_lambdas_maximum_is_refused(dev_stack: Deployment) -> None:
    config = changed(dev_stack.one(INVOKE_CONFIG), maximumEventAgeInSeconds=86400.0)
    _one_problem(
        config,
        "lambda PutFunctionEventInvokeConfig MaximumEventAgeInSeconds: 86400 is above the "
        "maximum 21600",
    )


def test_a_token_validity_read_in_hours_is_refused(dev_stack: Deployment) -> None:
    client = changed(dev_stack.one(USER_POOL_CLIENT), tokenValidityUnits={"idToken": "hours"})
    _one_problem(
        client,
        "cognito-idp CreateUserPoolClient IdTokenValidity: 60 hours is 216000 s, outside 300 to "
        "86400 s",
    )


def test_an_enum_in_the_wrong_case_is_refused(dev_stack: Deployment) -> None:
    function = changed(_function(dev_stack), runtime="Python3.13")
    _one_problem(
        function,
        "lambda CreateFunction Runtime: 'Python3.13' is not in the enum Runtime",
        "AWS spells it 'python3.13'",
    )


def test_a_misnamed_option_in_a_nested_block_is_refused(dev_stack: Deployment) -> None:
    recorded = _function(dev_stack)
    variables = recorded.inputs["environment"]["variables"]
    function = changed(recorded, environment={"varaibles": variables, "variables": None})
    _one_problem(
        function,
        "input environment.varaibles is not one pulumi_aws declares",
        "lambda CreateFunction Environment.varaibles: is not a member of Environment",
    )


def test_environment_variables_past_lambdas_4_kb_are_refused(dev_stack: Deployment) -> None:
    recorded = _function(dev_stack)
    domains = ",".join(f"department-{n}.example.com" for n in range(200))
    variables = {**recorded.inputs["environment"]["variables"], "ALLOWED_EMAIL_DOMAINS": domains}
    function = changed(recorded, environment={"variables": variables})
    _one_problem(function, "lambda CreateFunction Environment.Variables:", "above 4096")


def test_an_input_no_mapping_places_is_refused(dev_stack: Deployment) -> None:
    function = changed(_function(dev_stack), memorySizeMb=512.0)
    _one_problem(function, "inputs ['memorySizeMb'] reach no API request")


def test_a_resource_type_with_no_mapping_is_refused(dev_stack: Deployment) -> None:
    queue = dev_stack.one(QUEUE)
    unknown = dataclasses.replace(queue, typ="aws:sqs/queuePolicy:QueuePolicy")
    _one_problem(unknown, "no mapping to the AWS API")


def test_a_missing_required_member_is_refused(dev_stack: Deployment) -> None:
    function = changed(_function(dev_stack), role=None)
    _one_problem(function, "lambda CreateFunction Role: is required by CreateFunctionRequest")


def test_a_name_outside_the_pattern_is_refused(dev_stack: Deployment) -> None:
    function = changed(_function(dev_stack), name="leave approvals submit")
    _one_problem(function, "lambda CreateFunction FunctionName: 'leave approvals submit' does not")


def test_a_log_retention_cloudwatch_does_not_offer_is_refused(dev_stack: Deployment) -> None:
    group = changed(dev_stack.of_type(LOG_GROUP)[0], retentionInDays=45.0)
    _one_problem(group, "logs PutRetentionPolicy retentionInDays: 45 is not one of")


def test_an_alarm_period_cloudwatch_does_not_take_is_refused(dev_stack: Deployment) -> None:
    recorded = dev_stack.one(ALARM, "leave-observability-requests-failed")
    (query,) = recorded.inputs["metricQueries"]
    alarm = changed(
        recorded, metricQueries=[{**query, "metric": {**query["metric"], "period": 90}}]
    )
    _one_problem(
        alarm,
        "cloudwatch PutMetricAlarm Metrics[0].MetricStat.Period: 90 s is not 10, 20, 30 or a "
        "multiple of 60",
    )


def test_an_alarm_evaluating_more_than_a_day_of_short_periods_is_refused(
    dev_stack: Deployment,
) -> None:
    alarm = changed(
        dev_stack.one(ALARM, "leave-observability-requests-failed"), evaluationPeriods=300.0
    )
    _one_problem(alarm, "300 s x EvaluationPeriods 300 is 90000 s, above 86400 s")


def test_a_queue_attribute_out_of_sqs_range_is_refused(dev_stack: Deployment) -> None:
    queue = changed(dev_stack.one(QUEUE), messageRetentionSeconds=30.0)
    _one_problem(
        queue, "sqs CreateQueue Attributes['MessageRetentionPeriod']: 30 is outside 60 to 1209600"
    )


def test_a_schedule_in_the_wrong_number_is_refused(dev_stack: Deployment) -> None:
    rule = next(r for r in dev_stack.of_type(RULE) if "scheduleExpression" in r.inputs)
    _one_problem(
        changed(rule, scheduleExpression="rate(1 minutes)"),
        "events PutRule ScheduleExpression: 'rate(1 minutes)': with 1 the unit is singular",
    )


def test_a_stage_rate_that_is_no_number_is_refused(dev_stack: Deployment) -> None:
    settings = changed(dev_stack.one(METHOD_SETTINGS), settings={"throttlingRateLimit": "fast"})
    _one_problem(
        settings,
        "apigateway UpdateStage patchOperations[1].value: /*/*/throttling/rateLimit: must be a "
        "number, not 'fast'",
    )


def test_a_waf_window_waf_does_not_offer_is_refused(dev_stack: Deployment) -> None:
    recorded = dev_stack.one(WEB_ACL)
    (rule,) = recorded.inputs["rules"]
    statement = {**rule["statement"]["rateBasedStatement"], "evaluationWindowSec": 180}
    web_acl = changed(recorded, rules=[{**rule, "statement": {"rateBasedStatement": statement}}])
    _one_problem(
        web_acl,
        "wafv2 CreateWebACL Rules[0].Statement.RateBasedStatement.EvaluationWindowSec: 180 is "
        "not one of 60, 120, 300, 600",
    )


def test_the_written_out_log_retentions_are_those_aws_documents() -> None:
    retention = operation_model("logs", "PutRetentionPolicy").input_shape.members["retentionInDays"]
    listed = retention.documentation.split("Possible values are:")[1].split(".")[0]
    assert {int(days) for days in re.findall(r"\d+", listed)} == LOG_RETENTION_DAYS


def _all_requests(deployment: Deployment) -> Iterator[tuple[str, str]]:
    for resource in deployment.resources:
        if resource.custom:
            for request in requests_for(resource):
                yield request.service, request.operation


def test_each_written_out_limit_applies_to_a_request_the_program_makes(
    dev_stack: Deployment,
) -> None:
    made = set(_all_requests(dev_stack))
    assert {(limit.service, limit.operation) for limit in LIMITS} - made == set()
