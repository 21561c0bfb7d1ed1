"""The pack at a stack's first preview. Nothing is created yet: every output AWS computes (an
ARN, an id, a URL) is unknown, and so is anything the program makes from one (a policy document
naming an ARN, an event target's ARN). The engine sends those values as unknowns; pulumi_policy
raises when a policy reads one, and its analyzer then runs that policy not at all (an advisory
"can't run policy during preview" instead of the mandatory check). So every policy must read the
program's first preview without raising and find nothing, and still catch a mistake in what is
known by then."""

import dataclasses
from typing import Any

from policy.rules import Resource
from tests.policy.engine_view import (
    UNKNOWN_ON_THE_WIRE,
    PackReport,
    analyze_stack,
    as_received,
    at_first_preview,
)
from tests.pulumi.mocks import Deployment


def _props(resources: list[Resource], name: str) -> dict[str, Any]:
    (resource,) = [r for r in resources if r.name == name]
    return dict(resource.props)


def test_the_first_preview_hides_what_some_rules_read(program: Deployment) -> None:
    preview = at_first_preview(program)
    # What the checkpoint rule reads: the workflow's role policy names its own ARN.
    assert _props(preview, "leave-workflow-policy")["policy"] == UNKNOWN_ON_THE_WIRE
    # What the schedule rule reads: the sweep's target is the settler's ARN.
    target = _props(preview, "leave-settler-function-schedule-target")
    assert target["arn"] == UNKNOWN_ON_THE_WIRE
    assert target["rule"] == "leave-approvals-dev-sweep"
    # The functions' own settings are known.
    assert _props(preview, "leave-workflow-function")["durableConfig"]["retentionPeriod"] == 14


def test_every_policy_runs_over_the_first_preview_and_finds_nothing(
    program: Deployment,
) -> None:
    report = analyze_stack([as_received(r) for r in at_first_preview(program)])

    assert report == PackReport()


def test_a_mistake_in_what_is_known_is_caught_at_the_first_preview(program: Deployment) -> None:
    preview = [
        dataclasses.replace(r, props={**r.props, "retentionInDays": 2})
        if r.name == "leave-submit-logs"
        else r
        for r in at_first_preview(program)
    ]

    report = analyze_stack([as_received(r) for r in preview])

    assert report == PackReport(
        violations={
            "retention-within-range": [
                "leave-submit-logs: retentionInDays 2 is not one CloudWatch Logs accepts"
            ]
        }
    )
