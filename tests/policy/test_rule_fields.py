"""Each rule of the pack, field by field: for every property a rule reads, a value that breaks the
rule and one that keeps it, set on one resource of the program's stack and handed to the pack as
Pulumi's engine hands it (tests/policy/engine_view.py). The breaking value must be caught by that
rule alone, the keeping one by none. Which properties each rule reads is recorded as it runs over
the program (tests/policy/field_reads.py), so a rule that starts reading a property without a
case here, or reads one by a name the engine does not send, fails.

Values that are AWS's own: CloudWatch Logs' retention periods (CloudWatch Logs API Reference,
PutRetentionPolicy: 1, 3, 5, 7, 14, 30, ... 3288, 3653 days), durable executions' retention
(tests/support/aws_reference.py, checked against botocore's Lambda model), Lambda's runtime and
architecture names (botocore's Lambda model, `Runtime` and `Architecture`), IAM actions as
DynamoDB's API names them, and Lambda's ARN format (`arn:aws:lambda:<region>:<account>:function:
<name>[:<qualifier>]`, Lambda Developer Guide, "Understanding Lambda function ARNs").
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any
from unittest import mock

import pytest
from pulumi_policy import PolicyResource

from policy.rules import FUNCTION, RULES, Resource, Rule
from tests.policy.engine_view import PackReport, analyze_stack, as_received
from tests.policy.field_reads import ABSENT, changed, fields, reads_of
from tests.support.aws_reference import RETENTION_DAYS

WORKFLOW = "leave-approvals-dev-workflow"
FUNCTION_ARN = "arn:aws:lambda:us-east-2:123456789012:function:"
# The program's approval wait and the workflow's own work after it (a day, components.config).
APPROVAL_SECONDS = 604_800
NEEDED_SECONDS = APPROVAL_SECONDS + 86_400
LONGEST_EXECUTION_SECONDS = 31_622_400


@dataclass(frozen=True)
class Change:
    resource: str
    field: str
    value: Any
    at: tuple[int, ...] = ()


@dataclass(frozen=True)
class Case:
    """`field` of `resource` (a path as field_reads writes it; `at` picks the element of each
    `[]`) set to each `violating` value is caught by `rule`, to each `passing` one by no rule;
    `given` first sets what makes the field decide."""

    rule: str
    resource: str
    field: str
    violating: tuple[Any, ...]
    passing: tuple[Any, ...]
    at: tuple[int, ...] = ()
    given: tuple[Change, ...] = ()


UNQUALIFIED_ASYNC_STARTS = Change("leave-observability-workflow-async-starts", "qualifier", ABSENT)

CASES = [
    # -- durable-only-through-a-version-or-alias: by name, by ARN, qualified by ARN or qualifier
    Case(
        "durable-only-through-a-version-or-alias",
        "leave-observability-workflow-async-starts",
        "qualifier",
        violating=(ABSENT, None),
        passing=("live", "3"),
    ),
    Case(
        "durable-only-through-a-version-or-alias",
        "leave-observability-workflow-async-starts",
        "functionName",
        violating=(WORKFLOW, FUNCTION_ARN + WORKFLOW),
        passing=(f"{FUNCTION_ARN}{WORKFLOW}:live", "leave-approvals-dev-submit"),
        given=(UNQUALIFIED_ASYNC_STARTS,),
    ),
    Case(
        "durable-only-through-a-version-or-alias",
        "leave-decision-url",
        "functionName",
        violating=(WORKFLOW, FUNCTION_ARN + WORKFLOW),
        passing=(f"{FUNCTION_ARN}{WORKFLOW}:live",),
    ),
    Case(
        "durable-only-through-a-version-or-alias",
        "leave-decision-url",
        "qualifier",
        violating=(ABSENT,),
        passing=("live",),
        given=(Change("leave-decision-url", "functionName", WORKFLOW),),
    ),
    Case(
        "durable-only-through-a-version-or-alias",
        "leave-submit-invoke",
        "function",
        violating=(WORKFLOW, FUNCTION_ARN + WORKFLOW),
        passing=(f"{FUNCTION_ARN}{WORKFLOW}:live",),
    ),
    Case(
        "durable-only-through-a-version-or-alias",
        "leave-submit-invoke",
        "qualifier",
        violating=(ABSENT,),
        passing=("live",),
        given=(Change("leave-submit-invoke", "function", WORKFLOW),),
    ),
    Case(
        "durable-only-through-a-version-or-alias",
        "leave-settler-broken-executions-target",
        "arn",
        violating=(FUNCTION_ARN + WORKFLOW,),
        passing=(f"{FUNCTION_ARN}{WORKFLOW}:live",),
    ),
    Case(
        "durable-only-through-a-version-or-alias",
        "leave-submit-function",
        "durableConfig",
        # The submit function made durable: its API's permission names it unqualified.
        violating=({"executionTimeout": 900, "retentionPeriod": 14},),
        passing=(ABSENT,),
    ),
    Case(
        "durable-only-through-a-version-or-alias",
        "leave-workflow-function",
        "name",
        # The workflow takes the submit function's name (whose log group exists): only what
        # names that function, unqualified, changes meaning.
        violating=("leave-approvals-dev-submit",),
        passing=(WORKFLOW,),
        given=(
            Change("leave-workflow-function", "loggingConfig", ABSENT),
            UNQUALIFIED_ASYNC_STARTS,
            Change(
                "leave-observability-workflow-async-starts",
                "functionName",
                "leave-approvals-dev-submit",
            ),
        ),
    ),
    # -- execution-outlasts-the-approval: at the boundary
    Case(
        "execution-outlasts-the-approval",
        "leave-workflow-function",
        "durableConfig.executionTimeout",
        violating=(NEEDED_SECONDS - 1,),
        passing=(NEEDED_SECONDS,),
    ),
    Case(
        "execution-outlasts-the-approval",
        "leave-workflow-function",
        "environment.variables.APPROVAL_TIMEOUT_SECONDS",
        # The stack's execution timeout is the longest Lambda allows (a year and a day),
        # whatever the approval timeout: only an approval past a year leaves it no day.
        violating=(str(LONGEST_EXECUTION_SECONDS - 86_400 + 1),),
        passing=(str(LONGEST_EXECUTION_SECONDS - 86_400),),
    ),
    # -- retention-within-range: each side of AWS's ranges
    Case(
        "retention-within-range",
        "leave-submit-logs",
        "retentionInDays",
        violating=(2, 3654),
        passing=(1, 3653),
    ),
    Case(
        "retention-within-range",
        "leave-workflow-function",
        "durableConfig.retentionPeriod",
        violating=(RETENTION_DAYS[0] - 1, RETENTION_DAYS[1] + 1),
        passing=RETENTION_DAYS,
    ),
    # -- runtime-matches-the-layer
    Case(
        "runtime-matches-the-layer",
        "leave-decision-function",
        "runtime",
        violating=("python3.12",),
        passing=("python3.13",),
    ),
    Case(
        "runtime-matches-the-layer",
        "leave-decision-function",
        "architectures",
        violating=(["x86_64"], ["arm64", "x86_64"]),
        passing=(["arm64"],),
    ),
    Case(
        "runtime-matches-the-layer",
        "leave-dependencies",
        "compatibleRuntimes",
        violating=(["python3.12"],),
        passing=(["python3.12", "python3.13"],),
    ),
    Case(
        "runtime-matches-the-layer",
        "leave-dependencies",
        "compatibleArchitectures",
        violating=(["x86_64"],),
        passing=(["x86_64", "arm64"],),
    ),
    # -- iam-actions-real-and-scoped: the decision function's statement on the table
    Case(
        "iam-actions-real-and-scoped",
        "leave-decision-policy",
        "policy{json}.Statement[].Action",
        at=(2,),
        violating=(["dynamodb:GetItems"], ["dynamodb:*"], "dynamodb:Get*"),
        passing=(["dynamodb:GetItem"], "dynamodb:UpdateItem"),
    ),
    Case(
        "iam-actions-real-and-scoped",
        "leave-decision-policy",
        "policy{json}.Statement[].Resource",
        at=(2,),
        violating=(["*"], "*"),
        passing=("arn:aws:dynamodb:us-east-2:123456789012:table/leave-table-0a1b2c3",),
    ),
    # -- durable-runtime-may-checkpoint: the workflow's statement for its own executions
    Case(
        "durable-runtime-may-checkpoint",
        "leave-workflow-policy",
        "policy{json}.Statement[].Action",
        at=(2,),
        violating=(["lambda:GetDurableExecutionState"], ["lambda:CheckpointDurableExecution"]),
        passing=(["lambda:CheckpointDurableExecution", "lambda:GetDurableExecutionState"],),
    ),
    Case(
        "durable-runtime-may-checkpoint",
        "leave-workflow-function",
        "durableConfig",
        # No role may checkpoint: that matters only while a function is durable.
        violating=({"executionTimeout": NEEDED_SECONDS, "retentionPeriod": 14},),
        passing=(ABSENT,),
        given=(
            Change(
                "leave-workflow-policy",
                "policy{json}.Statement[].Action",
                ["lambda:GetDurableExecutionState"],
                at=(2,),
            ),
        ),
    ),
    # -- log-groups-named-for-their-functions
    Case(
        "log-groups-named-for-their-functions",
        "leave-submit-logs",
        "name",
        violating=("/aws/lambda/leave-submit", "/aws/lambda/leave-approvals-dev-submit/"),
        passing=("/aws/lambda/leave-approvals-dev-submit",),
    ),
    Case(
        "log-groups-named-for-their-functions",
        "leave-submit-function",
        "loggingConfig.logGroup",
        violating=("/aws/lambda/leave-approvals-dev-decision",),
        passing=("/aws/lambda/leave-approvals-dev-submit", ABSENT),
    ),
    Case(
        "log-groups-named-for-their-functions",
        "leave-decision-function",
        "name",
        violating=("leave-approvals-dev-decide",),
        passing=("leave-approvals-dev-decision",),
    ),
    # -- alarms-act-on-emitted-metrics: an alarm on metric math, and one on a single metric
    Case(
        "alarms-act-on-emitted-metrics",
        "leave-observability-function-errors",
        "alarmActions",
        violating=([], ABSENT),
        passing=(["arn:aws:sns:us-east-2:123456789012:leave-approvals-dev-alarms"],),
    ),
    Case(
        "alarms-act-on-emitted-metrics",
        "leave-observability-function-errors",
        "metricQueries[].metric.namespace",
        at=(0,),
        violating=("AWS/lambda", "LeaveApprovals", ABSENT),
        passing=("AWS/Lambda",),
    ),
    Case(
        "alarms-act-on-emitted-metrics",
        "leave-observability-function-errors",
        "metricQueries[].metric.metricName",
        at=(0,),
        violating=("Error", ABSENT),
        passing=("Throttles",),
    ),
    Case(
        "alarms-act-on-emitted-metrics",
        "leave-observability-function-errors",
        "namespace",
        violating=("AWS/lambda",),
        passing=("AWS/Lambda",),
        given=(Change("leave-observability-function-errors", "metricName", "Errors"),),
    ),
    Case(
        "alarms-act-on-emitted-metrics",
        "leave-observability-function-errors",
        "metricName",
        violating=("Error",),
        passing=("Errors",),
        given=(Change("leave-observability-function-errors", "namespace", "AWS/Lambda"),),
    ),
    # -- dashboard-shows-emitted-metrics: the first row of "Function throttles"
    Case(
        "dashboard-shows-emitted-metrics",
        "leave-observability-dashboard",
        "dashboardBody{json}.widgets[].properties.metrics[][0]",
        at=(9, 0),
        violating=("AWS/lambda", "LeaveApprovals"),
        passing=("AWS/Lambda",),
    ),
    Case(
        "dashboard-shows-emitted-metrics",
        "leave-observability-dashboard",
        "dashboardBody{json}.widgets[].properties.metrics[][1]",
        at=(9, 0),
        violating=("Throttled",),
        passing=("Errors",),
    ),
    # -- schedules-present: the settler's sweep
    Case(
        "schedules-present",
        "leave-settler-function-schedule",
        "scheduleExpression",
        violating=(ABSENT, ""),
        passing=("rate(1 hour)", "cron(0/5 * * * ? *)"),
    ),
    Case(
        "schedules-present",
        "leave-settler-function-schedule",
        "name",
        violating=("leave-approvals-dev-sweeps",),
        passing=("leave-approvals-dev-sweep",),
    ),
    Case(
        "schedules-present",
        "leave-settler-function-schedule-target",
        "rule",
        # The broken-executions rule matches events, on no schedule.
        violating=("leave-approvals-dev-settle-broken",),
        passing=("leave-approvals-dev-pending-gauge",),
    ),
    Case(
        "schedules-present",
        "leave-settler-function-schedule-target",
        "arn",
        violating=(
            FUNCTION_ARN + "leave-approvals-dev-settler-old",
            FUNCTION_ARN + "leave-approvals-dev-submit",
        ),
        passing=(FUNCTION_ARN + "leave-approvals-dev-settler",),
    ),
]


def _case_id(case: Case) -> str:
    return f"{case.rule}:{case.resource}.{case.field}"


def _value_id(value: Any) -> str:
    return "absent" if value is ABSENT else repr(value)


def _with(stack: list[Resource], changes: list[Change]) -> list[Resource]:
    by_name = {r.name: r for r in stack}
    for change in changes:
        resource = by_name[change.resource]
        props = changed(resource.props, change.field, change.at, change.value)
        by_name[change.resource] = dataclasses.replace(resource, props=props)
    return [by_name[r.name] for r in stack]


def _stack_for(stack: list[Resource], case: Case, value: Any) -> list[Resource]:
    return _with(stack, [*case.given, Change(case.resource, case.field, value, case.at)])


@pytest.fixture(scope="module")
def received(stack: list[Resource]) -> list[PolicyResource]:
    """The program's stack as the engine sends it, marshalled once."""
    return [as_received(resource) for resource in stack]


def _reported(
    stack: list[Resource], received: list[PolicyResource], variant: list[Resource]
) -> PackReport:
    """The pack's answer on `variant` of `stack`, each resource as the engine sends it."""
    return analyze_stack(
        [
            sent if resource is original else as_received(resource)
            for resource, original, sent in zip(variant, stack, received, strict=True)
        ]
    )


def _type_of(stack: list[Resource], name: str) -> str:
    (resource,) = [r for r in stack if r.name == name]
    return resource.type


def _without_a_case(rules: list[Rule], stack: list[Resource]) -> list[tuple[str, str, str]]:
    """(rule, resource type, property) a rule reads over the program with no case here."""
    read = {
        (rule.id, type_, path) for rule in rules for type_, path in fields(reads_of(rule, stack))
    }
    covered = {(case.rule, _type_of(stack, case.resource), case.field) for case in CASES}
    return sorted(read - covered)


def test_every_field_a_rule_reads_has_a_case(stack: list[Resource]) -> None:
    assert _without_a_case(RULES, stack) == []


@pytest.mark.parametrize("case", CASES, ids=_case_id)
def test_each_case_changes_a_field_its_rule_reads(stack: list[Resource], case: Case) -> None:
    (rule,) = [rule for rule in RULES if rule.id == case.rule]
    for value in case.violating:
        read = fields(reads_of(rule, _stack_for(stack, case, value)))
        assert (_type_of(stack, case.resource), case.field) in read, _value_id(value)


VIOLATING = [
    pytest.param(case, value, id=f"{_case_id(case)}={_value_id(value)}")
    for case in CASES
    for value in case.violating
]
PASSING = [
    pytest.param(case, value, id=f"{_case_id(case)}={_value_id(value)}")
    for case in CASES
    for value in case.passing
]


@pytest.mark.parametrize(("case", "value"), VIOLATING)
def test_a_breaking_value_is_caught_by_its_rule_alone(
    stack: list[Resource], received: list[PolicyResource], case: Case, value: Any
) -> None:
    report = _reported(stack, received, _stack_for(stack, case, value))

    assert report.not_run == {}
    assert list(report.violations) == [case.rule], report.violations


@pytest.mark.parametrize(("case", "value"), PASSING)
def test_a_keeping_value_is_caught_by_no_rule(
    stack: list[Resource], received: list[PolicyResource], case: Case, value: Any
) -> None:
    report = _reported(stack, received, _stack_for(stack, case, value))

    assert report == PackReport()


def _timeout_read_by_its_python_name(resources: list[Resource]) -> Iterator[str]:
    """execution-outlasts-the-approval as it would be with the SDK's name for the timeout."""
    for function in [r for r in resources if r.type == FUNCTION]:
        config = function.props.get("durableConfig")
        if isinstance(config, Mapping):
            timeout = config.get("execution_timeout")
            if isinstance(timeout, int | float) and timeout < NEEDED_SECONDS:
                yield f"{function.name}: execution_timeout {timeout} s"


def test_a_rule_reading_a_name_the_engine_does_not_send_is_found(
    stack: list[Resource], received: list[PolicyResource]
) -> None:
    (original,) = [rule for rule in RULES if rule.id == "execution-outlasts-the-approval"]
    misread = dataclasses.replace(original, check=_timeout_read_by_its_python_name)

    # The name it reads has no case...
    assert _without_a_case([misread], stack) == [
        (original.id, FUNCTION, "durableConfig.execution_timeout")
    ]
    # ...and the timeout that breaks the rule goes through it.
    (case,) = [c for c in CASES if c.field == "durableConfig.executionTimeout"]
    broken = _stack_for(stack, case, case.violating[0])
    with mock.patch("policy.stack_policies.RULES", [misread]):
        assert _reported(stack, received, broken) == PackReport()
