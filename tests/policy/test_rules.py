"""The policy pack against the program itself (every rule holds) and against the deploy mistakes
it exists to stop, one at a time (each is caught, by its own rule)."""

import dataclasses
import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from pulumi_policy import EnforcementLevel, StackValidationArgs, StackValidationPolicy

from policy.rules import RULES, Resource
from policy.stack_policies import stack_policies
from tests.policy.engine_view import PackReport, analyze_stack, as_received

Mistake = Callable[[list[Resource]], list[Resource]]


def _changed(resources: list[Resource], resource: str, **props: Any) -> list[Resource]:
    assert [r for r in resources if r.name == resource], resource
    return [
        dataclasses.replace(r, props={**r.props, **props}) if r.name == resource else r
        for r in resources
    ]


def _without_action(resources: list[Resource], name: str, action: str) -> list[Resource]:
    policy = next(r for r in resources if r.name == name)
    document = json.loads(policy.props["policy"])
    for statement in document["Statement"]:
        if isinstance(statement["Action"], list) and action in statement["Action"]:
            statement["Action"] = [a for a in statement["Action"] if a != action]
    return _changed(resources, name, policy=json.dumps(document))


def _with_action(resources: list[Resource], name: str, action: str) -> list[Resource]:
    policy = next(r for r in resources if r.name == name)
    document = json.loads(policy.props["policy"])
    document["Statement"][0]["Action"] = [*document["Statement"][0]["Action"], action]
    return _changed(resources, name, policy=json.dumps(document))


def _unqualified_async_starts(resources: list[Resource]) -> list[Resource]:
    config = next(
        r
        for r in resources
        if r.type == "aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig"
    )
    assert config.props["qualifier"] == "live"
    return _changed(resources, config.name, qualifier=None)


def _workflow(resources: list[Resource]) -> Resource:
    return next(r for r in resources if r.name == "leave-workflow-function")


MISTAKES: dict[str, tuple[str, Mistake]] = {
    "failed starts configured on the unqualified workflow": (
        "durable-only-through-a-version-or-alias",
        _unqualified_async_starts,
    ),
    "an execution timeout no longer than the approval": (
        "execution-outlasts-the-approval",
        lambda rs: _changed(
            rs,
            "leave-workflow-function",
            durableConfig={**_workflow(rs).props["durableConfig"], "executionTimeout": 604_800},
        ),
    ),
    "a log retention CloudWatch does not offer": (
        "retention-within-range",
        lambda rs: _changed(rs, "leave-submit-logs", retentionInDays=0),
    ),
    "a layer built for x86_64": (
        "runtime-matches-the-layer",
        lambda rs: _changed(rs, "leave-dependencies", compatibleArchitectures=["x86_64"]),
    ),
    "a misspelt action": (
        "iam-actions-real-and-scoped",
        lambda rs: _with_action(rs, "leave-decision-policy", "dynamodb:GetItems"),
    ),
    "the workflow's role losing its checkpoint permission": (
        "durable-runtime-may-checkpoint",
        lambda rs: _without_action(
            rs, "leave-workflow-policy", "lambda:CheckpointDurableExecution"
        ),
    ),
    "a log group misnamed": (
        "log-groups-named-for-their-functions",
        lambda rs: _changed(rs, "leave-submit-logs", name="/aws/lambda/leave-submit"),
    ),
    "an alarm in a misspelt namespace": (
        "alarms-act-on-emitted-metrics",
        lambda rs: _changed(rs, "leave-observability-function-errors", namespace="AWS/lambda"),
    ),
    "a dashboard widget watching a misspelt metric": (
        "dashboard-shows-emitted-metrics",
        lambda rs: _changed(
            rs,
            "leave-observability-dashboard",
            dashboardBody=next(r for r in rs if r.name == "leave-observability-dashboard")
            .props["dashboardBody"]
            .replace('"Throttles"', '"Throttled"'),
        ),
    ),
    "the sweep's schedule left out": (
        "schedules-present",
        lambda rs: [r for r in rs if not r.name.startswith("leave-settler-function-schedule")],
    ),
}


def _violations(resources: list[Resource]) -> dict[str, list[str]]:
    return {rule.id: list(rule.check(resources)) for rule in RULES}


def test_the_program_keeps_every_rule(stack: list[Resource]) -> None:
    assert {rule: found for rule, found in _violations(stack).items() if found} == {}


def test_the_program_keeps_every_policy_as_the_engine_hands_it_the_stack(
    stack: list[Resource],
) -> None:
    # Lists behind pulumi_policy's proxies, numbers as floats: as `pulumi preview` runs the pack.
    assert analyze_stack([as_received(r) for r in stack]) == PackReport()


def test_raising_the_approval_timeout_past_an_older_stacks_execution_timeout_is_refused(
    stack: list[Resource],
) -> None:
    # A stack created when the execution timeout followed approvalTimeoutSeconds (7 days and a
    # day) keeps it: the workflow ignores changes of its DurableConfig, so the engine hands the
    # pack the old timeout beside the new environment (ignore_changes is applied before any
    # analyzer runs). Fourteen days would be cut short by Lambda at eight.
    workflow = _workflow(stack)
    created_with = {**workflow.props["durableConfig"], "executionTimeout": 691_200.0}
    environment = workflow.props["environment"]
    raised = {
        **environment,
        "variables": {**environment["variables"], "APPROVAL_TIMEOUT_SECONDS": "1209600"},
    }
    older = _changed(stack, workflow.name, durableConfig=created_with, environment=raised)

    (refusal,) = _violations(older)["execution-outlasts-the-approval"]
    assert refusal == (
        "leave-workflow-function: executionTimeout 691200 s, fixed when the function was "
        "created, ends before the approval wait (1209600 s) and the workflow's own work "
        "(86400 s): keep approvalTimeoutSeconds at most 604800"
    )
    kept = {
        **environment,
        "variables": {**environment["variables"], "APPROVAL_TIMEOUT_SECONDS": "604800"},
    }
    assert not _violations(
        _changed(stack, workflow.name, durableConfig=created_with, environment=kept)
    )["execution-outlasts-the-approval"]


@pytest.mark.parametrize("mistake", list(MISTAKES))
def test_each_deploy_mistake_is_stopped_by_its_rule(stack: list[Resource], mistake: str) -> None:
    rule, make = MISTAKES[mistake]

    found = {r: v for r, v in _violations(make(stack)).items() if v}

    assert list(found) == [rule], found


def test_every_rule_is_a_mandatory_policy_with_its_remediation(stack: list[Resource]) -> None:
    policies = stack_policies()
    assert [p.name for p in policies] == [rule.id for rule in RULES]
    assert all(p.description and p.remediation_steps for p in policies)
    assert all(p.enforcement_level is EnforcementLevel.MANDATORY for p in policies)
    broken = MISTAKES["a misspelt action"][1](stack)
    args = StackValidationArgs(resources=[as_received(r) for r in broken])
    reported: list[str] = []
    iam = next(p for p in policies if p.name == "iam-actions-real-and-scoped")
    assert isinstance(iam, StackValidationPolicy)
    iam.validate(args, lambda message, urn: reported.append(message))
    assert reported == ["leave-decision-policy: dynamodb:GetItems is not an action of dynamodb"]


def test_the_packs_readme_lists_every_rule() -> None:
    readme = (Path(__file__).resolve().parents[2] / "policy" / "README.md").read_text()
    listed = re.findall(r"^\| `([a-z-]+)` \|", readme, flags=re.MULTILINE)
    assert listed == [rule.id for rule in RULES]
