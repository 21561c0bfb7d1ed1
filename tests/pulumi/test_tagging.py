"""The project's tags, applied once: on every AWS resource that takes tags, in the Python program
and in the package component, with no component passing them by hand."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pulumi
import pulumi_aws as aws
import pytest

from components.tagging import tagged
from tests.pulumi.mocks import PROJECT, PROJECT_ROOT, STACK, Deployment, run
from tests.pulumi.support import NAMING, deploy_package, is_taggable, run_main

TAGS = {"project": PROJECT, "stack": STACK}
# What each way in must tag, at least: every kind of resource that took tags by hand before.
TAGGED_TYPES = {
    "aws:lambda/function:Function",
    "aws:iam/role:Role",
    "aws:cloudwatch/logGroup:LogGroup",
    "aws:dynamodb/table:Table",
    "aws:ssm/parameter:Parameter",
    "aws:cloudwatch/eventBus:EventBus",
    "aws:cloudwatch/eventRule:EventRule",
    "aws:cloudwatch/metricAlarm:MetricAlarm",
    "aws:sqs/queue:Queue",
    "aws:sns/topic:Topic",
    "aws:apigateway/restApi:RestApi",
    "aws:apigateway/stage:Stage",
    "aws:wafv2/webAcl:WebAcl",
    "aws:cognito/userPool:UserPool",
}


@pytest.mark.parametrize("deploy", [run_main, deploy_package], ids=["program", "package"])
def test_every_taggable_resource_carries_the_project_and_stack(deploy: Any) -> None:
    deployment: Deployment = deploy()
    taggable = [r for r in deployment.resources if r.custom and is_taggable(r.typ)]
    assert {r.typ for r in taggable} >= TAGGED_TYPES
    for record in taggable:
        assert record.inputs.get("tags") == TAGS, record.name
    for record in deployment.resources:
        if record.custom and not is_taggable(record.typ):
            assert "tags" not in record.inputs, record.name
    assert NAMING.tags == TAGS


def test_no_component_passes_tags_by_hand() -> None:
    for module in sorted((PROJECT_ROOT / "components").glob("*.py")):
        if module.name != "tagging.py":
            assert "tags=" not in module.read_text(), module.name


def _queue_tags(own: Any, tmp_path: Path) -> dict[str, str]:
    def program() -> dict[str, Any]:
        queue = aws.sqs.Queue("queue", tags=own, opts=tagged(TAGS))
        return {"tags": queue.tags}

    result = run(program)
    tags: dict[str, str] = result.one("aws:sqs/queue:Queue").inputs["tags"]
    return tags


def test_a_resources_own_tags_are_kept_beside_the_projects(tmp_path: Path) -> None:
    assert _queue_tags({"team": "people"}, tmp_path) == {**TAGS, "team": "people"}
    # Known only during the deploy, as well.
    assert _queue_tags(pulumi.Output.from_input({"team": "hr"}), tmp_path) == {**TAGS, "team": "hr"}
    # The project's own names are the project's.
    assert _queue_tags({"stack": "other"}, tmp_path) == TAGS


def test_children_of_a_tagged_component_are_tagged_however_deep() -> None:
    class Outer(pulumi.ComponentResource):
        def __init__(self, name: str, opts: pulumi.ResourceOptions | None = None) -> None:
            super().__init__("test:index:Outer", name, None, opts)
            inner = pulumi.ComponentResource(
                "test:index:Inner", f"{name}-inner", None, pulumi.ResourceOptions(parent=self)
            )
            aws.sqs.Queue(f"{name}-queue", opts=pulumi.ResourceOptions(parent=inner))
            aws.sqs.QueuePolicy(
                f"{name}-policy",
                queue_url="https://sqs.example/queue",
                policy="{}",
                opts=pulumi.ResourceOptions(parent=inner),
            )

    def program() -> None:
        Outer("outer", tagged(TAGS))
        aws.sqs.Queue("elsewhere")

    result = run(program)
    assert result.one("aws:sqs/queue:Queue", "outer-queue").inputs["tags"] == TAGS
    assert "tags" not in result.one("aws:sqs/queue:Queue", "elsewhere").inputs
    # A resource without tags gets none.
    assert "tags" not in result.one("aws:sqs/queuePolicy:QueuePolicy").inputs
