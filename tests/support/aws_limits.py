"""AWS's rules on a request that botocore's model cannot state (tests/support/aws_api_model.py
checks what it can), written out once with their source, never from the project's constants:
what a value means in its unit, which values of a number AWS takes, how members bound each other,
what goes inside a string the model only calls a string.

Each `Limit` applies to one operation's request (as tests/pulumi/aws_requests.py builds it) and
yields (member path, problem); `limit_breaches` runs those of an operation. Sources are AWS's
documentation pages by title, or the operation's documentation in botocore's model (the text
AWS's API reference is generated from), quoted where the number comes from.

Rules checked elsewhere, not repeated here:
- Lambda `MaximumEventAgeInSeconds` 60 to 21600 and `MaximumRetryAttempts` 0 to 2, WAF's
  rate-based `Limit` 10 to 2,000,000,000, Cognito token validities 1 to 86400 (as numbers),
  `DurableConfig` 1 to 31,622,400 s and 1 to 90 days: botocore's model states them.
- The durable execution timeout outlasting the approval wait: the policy pack's rule
  `execution-outlasts-the-approval` (policy/rules.py).
- An EventBridge archive's `RetentionDays`: the model's minimum 0 (0 keeps events forever); AWS
  documents no maximum, so none is written here.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from tests.support.aws_api_model import Breach, shape_named, shown, value_breaches

Found = Iterator[tuple[str, str]]


@dataclass(frozen=True)
class Limit:
    service: str
    operation: str
    source: str
    check: Callable[[Mapping[str, Any]], Found]


# ---------------------------------------------------------------------------------------------
# Cognito: token validity, in the units the request names.

# Source: Amazon Cognito Developer Guide, "Application-specific settings with app clients"
# (token expiration: ID and access tokens 5 minutes to 1 day, refresh tokens 60 minutes to 10
# years), and botocore's cognito-idp model, CreateUserPoolClient: "The default time unit for
# IdTokenValidity [and AccessTokenValidity] in an API request is hours", "for
# RefreshTokenValidity ... is days"; "You can't set RefreshTokenValidity to 0. If you do, Amazon
# Cognito overrides the value with the default value of 30 days."
SECONDS_PER_UNIT = {"seconds": 1, "minutes": 60, "hours": 3_600, "days": 86_400}
TOKEN_VALIDITY = {
    # member: (its key in TokenValidityUnits, default unit, least, most, in seconds)
    "IdTokenValidity": ("IdToken", "hours", 5 * 60, 86_400),
    "AccessTokenValidity": ("AccessToken", "hours", 5 * 60, 86_400),
    "RefreshTokenValidity": ("RefreshToken", "days", 60 * 60, 3_650 * 86_400),
}


def _token_validity(params: Mapping[str, Any]) -> Found:
    units = params.get("TokenValidityUnits") or {}
    for member, (unit_key, default_unit, least, most) in TOKEN_VALIDITY.items():
        value = params.get(member)
        if value is None or (member == "RefreshTokenValidity" and value == 0):
            continue
        unit = units.get(unit_key, default_unit)
        if unit not in SECONDS_PER_UNIT:
            continue  # the model refuses an unknown unit
        seconds = value * SECONDS_PER_UNIT[unit]
        if not least <= seconds <= most:
            yield (
                member,
                f"{shown(value)} {unit} is {shown(seconds)} s, outside {least} to {most} s "
                f"(TokenValidityUnits.{unit_key} {unit!r})",
            )


# ---------------------------------------------------------------------------------------------
# Lambda


# Source: botocore's lambda model, CreateFunction Timeout: "the maximum allowed value is 900
# seconds. For functions using Lambda Managed Instances, ... 5,400 seconds" (the model's max is
# the latter); Lambda Developer Guide, "Lambda quotas" (function timeout: 900 seconds).
MAX_FUNCTION_TIMEOUT_SECONDS = 900


def _function_timeout(params: Mapping[str, Any]) -> Found:
    timeout = params.get("Timeout")
    managed_instances = params.get("CapacityProviderConfig") is not None
    if timeout is not None and not managed_instances and timeout > MAX_FUNCTION_TIMEOUT_SECONDS:
        yield (
            "Timeout",
            f"{shown(timeout)} s is above {MAX_FUNCTION_TIMEOUT_SECONDS} s, the most for a "
            "function without Lambda Managed Instances",
        )


# Source: Lambda Developer Guide, "Lambda quotas" (function environment variables: 4 KB, for all
# of a function's variables in aggregate); Lambda's refusal quotes the "String measured": the
# variables as JSON.
MAX_ENVIRONMENT_BYTES = 4 * 1024


def _environment_size(params: Mapping[str, Any]) -> Found:
    variables = (params.get("Environment") or {}).get("Variables")
    if variables:
        size = len(json.dumps(variables, separators=(",", ":")).encode())
        if size > MAX_ENVIRONMENT_BYTES:
            yield (
                "Environment.Variables",
                f"{size} bytes as JSON, above {MAX_ENVIRONMENT_BYTES} for all of them",
            )


def _function(params: Mapping[str, Any]) -> Found:
    yield from _function_timeout(params)
    yield from _environment_size(params)


# ---------------------------------------------------------------------------------------------
# CloudWatch Logs

# Source: CloudWatch Logs API Reference, PutRetentionPolicy (retentionInDays: "Possible values
# are: 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557,
# 2922, 3288, and 3653"), as botocore's logs model documents it; the model's shape has no enum.
LOG_RETENTION_DAYS = frozenset(
    {1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557,
     2922, 3288, 3653}
)  # fmt: skip


def _log_retention(params: Mapping[str, Any]) -> Found:
    days = params.get("retentionInDays")
    if days is not None and days not in LOG_RETENTION_DAYS:
        yield "retentionInDays", f"{shown(days)} is not one of {sorted(LOG_RETENTION_DAYS)}"


# ---------------------------------------------------------------------------------------------
# CloudWatch alarms

# Source: CloudWatch API Reference, PutMetricAlarm (botocore's cloudwatch model): Period "Valid
# values are 10, 20, 30, and any multiple of 60"; "Period multiplied by EvaluationPeriods can't
# be more than 604,800 seconds. For alarms with a period of less than one hour (3,600 seconds),
# the total evaluation period can't be longer than one day (86,400 seconds)"; DatapointsToAlarm
# is the M and EvaluationPeriods the N of "M out of N"; Metrics: "If you use the Metrics
# parameter, you cannot include the Namespace, MetricName, Dimensions, Period, Unit, Statistic,
# or ExtendedStatistic parameters"; MetricDataQuery ReturnData: "specify true for the one
# expression result to use as the alarm" (omitted, it is true).
HIGH_RESOLUTION_ALARM_PERIODS = (10, 20, 30)
MAX_EVALUATION_SECONDS = 604_800
MAX_EVALUATION_SECONDS_UNDER_AN_HOUR = 86_400
SINGLE_METRIC_MEMBERS = (
    "Namespace",
    "MetricName",
    "Dimensions",
    "Period",
    "Unit",
    "Statistic",
    "ExtendedStatistic",
)


def _alarm_periods(params: Mapping[str, Any]) -> Iterator[tuple[str, Any]]:
    if params.get("Period") is not None:
        yield "Period", params["Period"]
    for index, query in enumerate(params.get("Metrics") or []):
        if query.get("Period") is not None:
            yield f"Metrics[{index}].Period", query["Period"]
        stat = query.get("MetricStat") or {}
        if stat.get("Period") is not None:
            yield f"Metrics[{index}].MetricStat.Period", stat["Period"]


def _alarm(params: Mapping[str, Any]) -> Found:
    evaluations = params.get("EvaluationPeriods")
    for path, period in _alarm_periods(params):
        if period not in HIGH_RESOLUTION_ALARM_PERIODS and period % 60 != 0:
            yield path, f"{shown(period)} s is not 10, 20, 30 or a multiple of 60"
            continue
        if evaluations is None:
            continue
        total = period * evaluations
        most = MAX_EVALUATION_SECONDS_UNDER_AN_HOUR if period < 3_600 else MAX_EVALUATION_SECONDS
        if total > most:
            yield (
                path,
                f"{shown(period)} s x EvaluationPeriods {shown(evaluations)} is {shown(total)} s, "
                f"above {most} s",
            )
    datapoints = params.get("DatapointsToAlarm")
    if datapoints is not None and evaluations is not None and datapoints > evaluations:
        yield (
            "DatapointsToAlarm",
            f"{shown(datapoints)} is above EvaluationPeriods {shown(evaluations)}",
        )
    metrics = params.get("Metrics")
    if metrics:
        for member in SINGLE_METRIC_MEMBERS:
            if params.get(member) is not None:
                yield member, "cannot be given with Metrics"
        returned = [q.get("Id") for q in metrics if q.get("ReturnData", True)]
        if len(returned) != 1:
            yield "Metrics", f"exactly one query must return data (ReturnData), not {returned}"


# ---------------------------------------------------------------------------------------------
# EventBridge schedules

# Source: Amazon EventBridge User Guide, "Creating a rule that runs on a schedule" (schedule
# expressions): `rate(value unit)`, value a positive whole number, unit minute(s), hour(s) or
# day(s), singular when the value is 1 and plural otherwise ("rate(1 hours)" and "rate(5 hour)"
# are not valid); `cron(...)` takes six fields.
RATE = re.compile(r"rate\((?P<value>\d+) (?P<unit>minutes?|hours?|days?)\)")
CRON = re.compile(r"cron\((?P<fields>[^()]*)\)")


def _schedule(params: Mapping[str, Any]) -> Found:
    expression = params.get("ScheduleExpression")
    if expression is None:
        return
    rate, cron = RATE.fullmatch(expression), CRON.fullmatch(expression)
    if rate:
        value, unit = int(rate["value"]), rate["unit"]
        if value < 1:
            yield "ScheduleExpression", f"{expression!r}: the value must be positive"
        elif (value == 1) == unit.endswith("s"):
            form = "singular" if value == 1 else "plural"
            yield "ScheduleExpression", f"{expression!r}: with {value} the unit is {form}"
    elif cron:
        if len(cron["fields"].split()) != 6:
            yield "ScheduleExpression", f"{expression!r}: a cron expression has six fields"
    else:
        yield "ScheduleExpression", f"{expression!r} is neither rate(value unit) nor cron(...)"


# ---------------------------------------------------------------------------------------------
# SQS queue attributes: text in a map, so the model cannot say.

# Source: Amazon SQS API Reference, CreateQueue (Attributes), as botocore's sqs model documents
# it: DelaySeconds 0 to 900; MaximumMessageSize 1,024 to 1,048,576 bytes; MessageRetentionPeriod
# 60 to 1,209,600 seconds; ReceiveMessageWaitTimeSeconds 0 to 20; VisibilityTimeout 0 to 43,200;
# KmsDataKeyReusePeriodSeconds 60 to 86,400; SqsManagedSseEnabled, FifoQueue and
# ContentBasedDeduplication true or false.
QUEUE_ATTRIBUTE_RANGES = {
    "DelaySeconds": (0, 900),
    "MaximumMessageSize": (1_024, 1_048_576),
    "MessageRetentionPeriod": (60, 1_209_600),
    "ReceiveMessageWaitTimeSeconds": (0, 20),
    "VisibilityTimeout": (0, 43_200),
    "KmsDataKeyReusePeriodSeconds": (60, 86_400),
}
QUEUE_FLAGS = ("SqsManagedSseEnabled", "FifoQueue", "ContentBasedDeduplication")


def _queue_attributes(params: Mapping[str, Any]) -> Found:
    attributes = params.get("Attributes") or {}
    for name, (least, most) in QUEUE_ATTRIBUTE_RANGES.items():
        text = attributes.get(name)
        if text is None:
            continue
        if not re.fullmatch(r"\d+", str(text)):
            yield f"Attributes[{name!r}]", f"{text!r} is not a whole number"
        elif not least <= int(text) <= most:
            yield f"Attributes[{name!r}]", f"{text} is outside {least} to {most}"
    for name in QUEUE_FLAGS:
        text = attributes.get(name)
        if text is not None and text not in {"true", "false"}:
            yield f"Attributes[{name!r}]", f"{text!r} is not true or false"


# ---------------------------------------------------------------------------------------------
# API Gateway stage method settings: patch operations, their values text.

# Source: Amazon API Gateway REST API Reference, UpdateStage and PatchOperation (a stage's method
# setting is patched at `/{resource path}/{HTTP method}/{setting}`, `*/*` for all, its value
# text), and the `MethodSetting` shape of botocore's apigateway model for each setting's type and
# bounds.
METHOD_SETTING_MEMBERS = {
    "metrics/enabled": "metricsEnabled",
    "logging/loglevel": "loggingLevel",
    "logging/dataTrace": "dataTraceEnabled",
    "throttling/burstLimit": "throttlingBurstLimit",
    "throttling/rateLimit": "throttlingRateLimit",
    "caching/enabled": "cachingEnabled",
    "caching/ttlInSeconds": "cacheTtlInSeconds",
    "caching/dataEncrypted": "cacheDataEncrypted",
    "caching/requireAuthorizationForCacheControl": "requireAuthorizationForCacheControl",
    "caching/unauthorizedCacheControlHeaderStrategy": "unauthorizedCacheControlHeaderStrategy",
}


def _parsed(kind: str, text: str) -> Any:
    if kind == "boolean":
        return {"true": True, "false": False}.get(text, text)
    if kind in {"integer", "long"}:
        return int(text) if re.fullmatch(r"-?\d+", text) else text
    if kind in {"float", "double"}:
        return float(text) if re.fullmatch(r"-?\d+(\.\d+)?", text) else text
    return text


def _stage_patches(params: Mapping[str, Any]) -> Found:
    setting_shape = shape_named("apigateway", "MethodSetting")
    for index, operation in enumerate(params.get("patchOperations") or []):
        path = str(operation.get("path", ""))
        setting = "/".join(path.split("/")[-2:])
        member = METHOD_SETTING_MEMBERS.get(setting) if path.count("/") >= 4 else None
        if member is None:
            continue  # a stage patch, not a method setting's
        shape = setting_shape.members[member]
        value = _parsed(shape.type_name, str(operation.get("value")))
        where = f"patchOperations[{index}].value"
        for _, problem in value_breaches(shape, value, where):
            yield where, f"{path}: {problem} (MethodSetting.{member})"


# ---------------------------------------------------------------------------------------------
# WAF

# Source: botocore's wafv2 model, RateBasedStatement EvaluationWindowSec: "Valid settings are
# 60, 120, 300, and 600" (the shape has no enum).
RATE_WINDOWS_SECONDS = (60, 120, 300, 600)


def _rate_windows(params: Mapping[str, Any]) -> Found:
    for index, rule in enumerate(params.get("Rules") or []):
        statement = (rule.get("Statement") or {}).get("RateBasedStatement") or {}
        window = statement.get("EvaluationWindowSec")
        if window is not None and window not in RATE_WINDOWS_SECONDS:
            yield (
                f"Rules[{index}].Statement.RateBasedStatement.EvaluationWindowSec",
                f"{shown(window)} is not one of {', '.join(map(str, RATE_WINDOWS_SECONDS))}",
            )


LIMITS = (
    Limit(
        "cognito-idp",
        "CreateUserPoolClient",
        "Amazon Cognito Developer Guide, app client token expiration",
        _token_validity,
    ),
    Limit("lambda", "CreateFunction", "Lambda Developer Guide, Lambda quotas", _function),
    Limit(
        "logs",
        "PutRetentionPolicy",
        "CloudWatch Logs API Reference, PutRetentionPolicy",
        _log_retention,
    ),
    Limit("cloudwatch", "PutMetricAlarm", "CloudWatch API Reference, PutMetricAlarm", _alarm),
    Limit("events", "PutRule", "EventBridge User Guide, schedule expressions", _schedule),
    Limit("sqs", "CreateQueue", "Amazon SQS API Reference, CreateQueue", _queue_attributes),
    Limit(
        "apigateway", "UpdateStage", "API Gateway REST API Reference, UpdateStage", _stage_patches
    ),
    Limit("wafv2", "CreateWebACL", "AWS WAF API Reference, RateBasedStatement", _rate_windows),
)


def limit_breaches(service: str, operation: str, params: Mapping[str, Any]) -> list[Breach]:
    """What in a request breaks a rule written out here, each naming its source."""
    return [
        Breach(service, operation, path, f"{problem} ({limit.source})")
        for limit in LIMITS
        if (limit.service, limit.operation) == (service, operation)
        for path, problem in limit.check(params)
    ]
