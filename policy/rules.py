"""The rules a deploy of this service must keep, written against AWS's own names and limits.

Each rule looks at the whole stack (a list of `Resource`: type token, name, properties) and
yields what breaks it; `__main__.py` turns them into a Pulumi policy pack for `pulumi preview
--policy-pack policy`, and `tests/policy/` runs them against the program under mocks. The
properties are the resource's outputs in the provider's names (camelCase), numbers as the engine
carries them (floats); a value not known yet at a preview (an ARN to be created) is `UNKNOWN`
here, and what depends on it is let through.

No Pulumi import: these are plain functions over plain data.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

import botocore.session

from components.config import EXECUTION_TIMEOUT_MARGIN_SECONDS, LOG_RETENTION_DAYS
from components.packaging import LAMBDA_ARCHITECTURE, LAMBDA_RUNTIME
from dashboards.leave_operations import (
    LAMBDA_METRICS,
    LAMBDA_NAMESPACE,
    QUEUE_DEPTH,
    SQS_NAMESPACE,
)
from handlers.domain.signals import METRICS_NAMESPACE, Metric

FUNCTION = "aws:lambda/function:Function"
PERMISSION = "aws:lambda/permission:Permission"
EVENT_TARGET = "aws:cloudwatch/eventTarget:EventTarget"
INVOKE_CONFIG = "aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig"
FUNCTION_URL = "aws:lambda/functionUrl:FunctionUrl"
LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup"
LAYER = "aws:lambda/layerVersion:LayerVersion"
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"
DASHBOARD = "aws:cloudwatch/dashboard:Dashboard"
EVENT_RULE = "aws:cloudwatch/eventRule:EventRule"
# The functions a schedule must invoke, by the end of their names (components.naming).
SCHEDULED_FUNCTIONS = ("-pending-gauge", "-settler")

MAX_DURABLE_RETENTION_DAYS = 90
# The workflow's setting the execution timeout must outlast (handlers.settings).
APPROVAL_TIMEOUT_VARIABLE = "APPROVAL_TIMEOUT_SECONDS"
# IAM names that are not API operation names, each with why.
IAM_ONLY_ACTIONS = {
    # The Invoke operation is authorised as InvokeFunction.
    "lambda:InvokeFunction",
    # Calling a Function URL is an HTTP request, not an API operation.
    "lambda:InvokeFunctionUrl",
}
# botocore model names of the services whose action prefix differs from them.
SERVICE_MODELS = {"ses": ["ses", "sesv2"]}
# Actions that take no resource-level permissions: "*" is the only resource they accept.
RESOURCELESS_ACTIONS = {"xray:PutTraceSegments", "xray:PutTelemetryRecords"}
# What the durable runtime itself calls on the workflow's own executions.
DURABLE_RUNTIME_ACTIONS = {
    "lambda:CheckpointDurableExecution",
    "lambda:GetDurableExecutionState",
}
# Every metric an alarm may watch: what the handlers emit, and what AWS publishes for us.
EMITTED_METRICS = {
    *((METRICS_NAMESPACE, metric.value) for metric in Metric),
    *((LAMBDA_NAMESPACE, name) for name in LAMBDA_METRICS),
    (SQS_NAMESPACE, QUEUE_DEPTH),
}


class Unknown:
    """A value Pulumi knows only once the stack is deployed (an ARN, a document holding one)."""

    def __repr__(self) -> str:
        return "<known after deploy>"


UNKNOWN = Unknown()


@dataclass(frozen=True)
class Resource:
    type: str
    name: str
    props: Mapping[str, Any]


@dataclass(frozen=True)
class Rule:
    id: str
    description: str
    remediation: str
    check: Callable[[list[Resource]], Iterator[str]]


def _of(resources: list[Resource], type_token: str) -> list[Resource]:
    return [r for r in resources if r.type == type_token]


def _mapping(value: Any) -> Mapping[str, Any]:
    """`value` if it is an object; else nothing to check in it (absent, or not known yet)."""
    return value if isinstance(value, Mapping) else {}


def _items(value: Any) -> list[Any]:
    """`value` if it is a list; else nothing to check in it (absent, or not known yet)."""
    return value if isinstance(value, list) else []


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _durable_functions(resources: list[Resource]) -> list[Resource]:
    return [f for f in _of(resources, FUNCTION) if _mapping(f.props.get("durableConfig"))]


def _names_function(value: Any, function: Resource) -> bool:
    """Whether `value` (a name or an ARN) is this function, qualified or not."""
    if not isinstance(value, str):
        return False
    name = function.props.get("name")
    return value == name or value.split(":")[6:7] == [name]


def _is_qualified(value: str) -> bool:
    return value.startswith("arn:") and len(value.split(":")) == 8


# -- the rules -----------------------------------------------------------------------------------


def durable_only_through_a_version_or_alias(resources: list[Resource]) -> Iterator[str]:
    for function in _durable_functions(resources):
        for permission in _of(resources, PERMISSION):
            target = permission.props.get("function")
            if _names_function(target, function) and not (
                permission.props.get("qualifier") or _is_qualified(str(target))
            ):
                yield f"{permission.name} lets callers invoke {target} unqualified"
        for target in _of(resources, EVENT_TARGET):
            arn = target.props.get("arn")
            if _names_function(arn, function) and not _is_qualified(str(arn)):
                yield f"{target.name} sends events to {arn} unqualified"
        for config in _of(resources, INVOKE_CONFIG) + _of(resources, FUNCTION_URL):
            named = config.props.get("functionName")
            if _names_function(named, function) and not (
                config.props.get("qualifier") or _is_qualified(str(named))
            ):
                yield f"{config.name} configures {named} unqualified"


def execution_outlasts_the_approval(resources: list[Resource]) -> Iterator[str]:
    for function in _durable_functions(resources):
        timeout = function.props["durableConfig"].get("executionTimeout")
        variables = _mapping(_mapping(function.props.get("environment")).get("variables"))
        approval = variables.get(APPROVAL_TIMEOUT_VARIABLE)
        if not _is_number(timeout) or not isinstance(approval, str) or not approval.isdigit():
            continue
        needed = int(approval) + EXECUTION_TIMEOUT_MARGIN_SECONDS
        if timeout < needed:
            # On a stack the function already exists in, the engine hands the pack the timeout
            # Lambda fixed at its creation (the function ignores changes of its DurableConfig).
            yield (
                f"{function.name}: executionTimeout {timeout:.0f} s, fixed when the function was "
                f"created, ends before the approval wait ({approval} s) and the workflow's own "
                f"work ({EXECUTION_TIMEOUT_MARGIN_SECONDS} s): keep approvalTimeoutSeconds at most "
                f"{timeout - EXECUTION_TIMEOUT_MARGIN_SECONDS:.0f}"
            )


def retention_within_range(resources: list[Resource]) -> Iterator[str]:
    for group in _of(resources, LOG_GROUP):
        days = group.props.get("retentionInDays")
        if _is_number(days) and days not in LOG_RETENTION_DAYS:
            yield f"{group.name}: retentionInDays {days} is not one CloudWatch Logs accepts"
    for function in _durable_functions(resources):
        # A float under the mocks: Pulumi carries every number as one.
        days = function.props["durableConfig"].get("retentionPeriod")
        if _is_number(days) and not 1 <= days <= MAX_DURABLE_RETENTION_DAYS:
            yield f"{function.name}: retentionPeriod {days} is outside 1 to 90 days"


def runtime_matches_the_layer(resources: list[Resource]) -> Iterator[str]:
    for function in _of(resources, FUNCTION):
        if function.props.get("runtime") != LAMBDA_RUNTIME:
            yield f"{function.name}: runtime {function.props.get('runtime')}, not {LAMBDA_RUNTIME}"
        if function.props.get("architectures") != [LAMBDA_ARCHITECTURE]:
            yield f"{function.name}: architectures {function.props.get('architectures')}"
    for layer in _of(resources, LAYER):
        if LAMBDA_RUNTIME not in (layer.props.get("compatibleRuntimes") or []):
            yield f"{layer.name}: its wheels are not for {LAMBDA_RUNTIME}"
        if LAMBDA_ARCHITECTURE not in (layer.props.get("compatibleArchitectures") or []):
            yield f"{layer.name}: its wheels are not for {LAMBDA_ARCHITECTURE}"


@cache
def operations(prefix: str) -> frozenset[str]:
    session = botocore.session.get_session()
    names: set[str] = set()
    for model in SERVICE_MODELS.get(prefix, [prefix]):
        names |= set(session.get_service_model(model).operation_names)
    return frozenset(names)


def _statements(policy: Resource) -> list[dict[str, Any]]:
    document = policy.props.get("policy")
    if not isinstance(document, str):
        return []
    statements = json.loads(document)["Statement"]
    return statements if isinstance(statements, list) else [statements]


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def iam_actions_real_and_scoped(resources: list[Resource]) -> Iterator[str]:
    for policy in _of(resources, ROLE_POLICY):
        for statement in _statements(policy):
            for action in _as_list(statement.get("Action")):
                prefix, _, operation = str(action).partition(":")
                if "*" in action:
                    yield f"{policy.name}: {action} is a wildcard"
                elif action not in IAM_ONLY_ACTIONS and operation not in operations(prefix):
                    yield f"{policy.name}: {action} is not an action of {prefix}"
                elif "*" in _as_list(statement.get("Resource")) and (
                    action not in RESOURCELESS_ACTIONS
                ):
                    yield f"{policy.name}: {action} may act on every resource (*)"


def durable_runtime_may_checkpoint(resources: list[Resource]) -> Iterator[str]:
    if not _durable_functions(resources):
        return
    policies = _of(resources, ROLE_POLICY)
    if any(isinstance(policy.props.get("policy"), Unknown) for policy in policies):
        return  # a policy not known yet (it names an ARN to be created) may grant them
    granted: set[str] = set()
    for policy in policies:
        for statement in _statements(policy):
            granted |= {str(a) for a in _as_list(statement.get("Action"))}
    for action in sorted(DURABLE_RUNTIME_ACTIONS - granted):
        yield f"no role grants {action}: the durable runtime cannot run the workflow"


def log_groups_named_for_their_functions(resources: list[Resource]) -> Iterator[str]:
    groups = {g.props.get("name") for g in _of(resources, LOG_GROUP)}
    for function in _of(resources, FUNCTION):
        name = function.props.get("name")
        if not isinstance(name, str):
            continue
        wanted = f"/aws/lambda/{name}"
        group = _mapping(function.props.get("loggingConfig")).get("logGroup")
        if isinstance(group, str) and group != wanted:
            yield f"{function.name} logs to {group}, not {wanted}"
        if wanted not in groups:
            yield f"{function.name}: no log group {wanted} (Lambda would make one kept forever)"


def alarms_act_on_emitted_metrics(resources: list[Resource]) -> Iterator[str]:
    for alarm in _of(resources, ALARM):
        if not alarm.props.get("alarmActions"):
            yield f"{alarm.name} tells nobody: it has no alarm action"
        metrics = [
            (alarm.props.get("namespace"), alarm.props.get("metricName")),
            *(
                (query["metric"].get("namespace"), query["metric"].get("metricName"))
                for query in _items(alarm.props.get("metricQueries"))
                if _mapping(query.get("metric"))
            ),
        ]
        for namespace, name in metrics:
            if namespace is None and name is None:
                continue
            if (namespace, name) not in EMITTED_METRICS:
                yield f"{alarm.name} watches {namespace}/{name}, which nothing emits"


def dashboard_shows_emitted_metrics(resources: list[Resource]) -> Iterator[str]:
    for dashboard in _of(resources, DASHBOARD):
        body = dashboard.props.get("dashboardBody")
        if not isinstance(body, str):
            continue
        try:
            widgets = json.loads(body)["widgets"]
        except (ValueError, KeyError, TypeError):
            yield f"{dashboard.name}: its body is not a dashboard CloudWatch can read"
            continue
        for widget in widgets:
            properties = widget.get("properties", {})
            for row in properties.get("metrics", []):
                if not isinstance(row[0], str):
                    continue  # metric math over the rows that name metrics
                namespace, name = row[0], row[1]
                if (namespace, name) not in EMITTED_METRICS:
                    yield (
                        f"{dashboard.name}: '{properties.get('title')}' shows {namespace}/{name},"
                        " which nothing emits"
                    )


def schedules_present(resources: list[Resource]) -> Iterator[str]:
    scheduled = {
        rule.props.get("name")
        for rule in _of(resources, EVENT_RULE)
        if rule.props.get("scheduleExpression")
    }
    targeted = [
        target.props.get("arn")
        for target in _of(resources, EVENT_TARGET)
        if target.props.get("rule") in scheduled
    ]
    for ending in SCHEDULED_FUNCTIONS:
        # A target not known yet (the function's ARN, at a first preview) may be that function.
        if not any(
            isinstance(arn, Unknown) or (isinstance(arn, str) and arn.endswith(ending))
            for arn in targeted
        ):
            yield f"no schedule invokes the function named *{ending}"


RULES = [
    Rule(
        "durable-only-through-a-version-or-alias",
        "A durable function is invoked, targeted and configured only through a published "
        "version or alias, so in-flight executions replay the code they started on.",
        "Qualify the permission, event target, invoke config or Function URL with the alias.",
        durable_only_through_a_version_or_alias,
    ),
    Rule(
        "execution-outlasts-the-approval",
        "The workflow's execution timeout covers the approval wait and the work after it.",
        "Keep approvalTimeoutSeconds at least a day below the execution timeout the workflow "
        "function was created with (a stack created before it was fixed at Lambda's longest "
        "keeps its own), or replace the function once no request waits.",
        execution_outlasts_the_approval,
    ),
    Rule(
        "retention-within-range",
        "Log and durable-execution retention take values AWS accepts.",
        "Use a logRetentionDays CloudWatch offers and an executionRetentionDays of 1 to 90.",
        retention_within_range,
    ),
    Rule(
        "runtime-matches-the-layer",
        f"Every function runs {LAMBDA_RUNTIME} on {LAMBDA_ARCHITECTURE}, as the layer's wheels.",
        "Build the layer and the functions for the same runtime and architecture.",
        runtime_matches_the_layer,
    ),
    Rule(
        "iam-actions-real-and-scoped",
        "Every IAM action exists (botocore's models), none is a wildcard, none acts on * "
        "unless it takes no resource.",
        "Name the exact action and the resources it acts on.",
        iam_actions_real_and_scoped,
    ),
    Rule(
        "durable-runtime-may-checkpoint",
        "The workflow's role may checkpoint and read its executions' state.",
        "Grant lambda:CheckpointDurableExecution and lambda:GetDurableExecutionState.",
        durable_runtime_may_checkpoint,
    ),
    Rule(
        "log-groups-named-for-their-functions",
        "Each function logs to /aws/lambda/<function>, a group the stack creates.",
        "Create the log group with the function's name and point loggingConfig at it.",
        log_groups_named_for_their_functions,
    ),
    Rule(
        "alarms-act-on-emitted-metrics",
        "Every alarm has an action and watches a metric the handlers or AWS emit.",
        "Subscribe the alarm to the topic; take its namespace and name from the signals.",
        alarms_act_on_emitted_metrics,
    ),
    Rule(
        "dashboard-shows-emitted-metrics",
        "Every dashboard widget parses and names only metrics the handlers or AWS emit.",
        "Build widgets from dashboards/ with the signals' names.",
        dashboard_shows_emitted_metrics,
    ),
    Rule(
        "schedules-present",
        "The pending gauge and the settler's sweep each have a schedule that invokes them.",
        "Keep the Observability and Settler components in the program.",
        schedules_present,
    ),
]
