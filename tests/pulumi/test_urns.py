"""A refactor of the components must not make `pulumi up` replace what a stack already runs: every
resource of a stack deployed before #23 split the service and observability components is taken
over by the same resource after it, under its old URN or through an alias to it, and nothing the
program makes is created anew. A moved table would otherwise be a new, empty table.

`urns_before_23.json` holds the URNs of the program (the dev stack, during a key rotation) and of
the package component as they were before the split, computed as the engine computes them.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pulumi
import pulumi_aws as aws
import pytest

from tests.pulumi.mocks import PROJECT, Deployment, run
from tests.pulumi.support import deploy_package, run_main
from tests.pulumi.urns import Update, update

BEFORE = json.loads((Path(__file__).parent / "urns_before_23.json").read_text())
# What holds data or people, which a replacement would lose.
STATEFUL = (
    "aws:dynamodb/table:Table",
    "aws:dynamodb/tableItem:TableItem",
    "aws:cloudwatch/eventArchive:EventArchive",
    "aws:cloudwatch/logGroup:LogGroup",
    "aws:cognito/userPool:UserPool",
    "aws:ssm/parameter:Parameter",
    "aws:sqs/queue:Queue",
)


def program() -> Deployment:
    return run_main({f"{PROJECT}:previousSigningKey": "p" * 48})


@pytest.mark.parametrize(("way_in", "deploy"), [("program", program), ("package", deploy_package)])
def test_every_resource_deployed_before_is_taken_over_never_replaced(
    way_in: str, deploy: Any
) -> None:
    deployment = deploy()
    old = BEFORE[way_in]
    result = update(deployment.constructed, old)
    taken_over = set(result.urns) | set(result.moved)
    assert sorted(set(old) - taken_over) == [], "deleted by the next deploy"
    custom = {
        urn for urn, made in zip(result.urns, deployment.constructed, strict=True) if made.custom
    }
    assert sorted(custom & set(result.created)) == [], "created anew by the next deploy"
    assert result.claimed_twice == []
    stateful = [urn for urn in old if urn.split("::")[2].split("$")[-1] in STATEFUL]
    assert len(stateful) >= 10
    for urn in stateful:
        assert urn in taken_over, urn


# -- the check itself: it sees a move without an alias, and follows aliases as the engine does


class Old(pulumi.ComponentResource):
    def __init__(self, name: str, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("test:index:Old", name, None, opts)


class New(pulumi.ComponentResource):
    def __init__(self, name: str, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("test:index:New", name, None, opts)


def _queue_under_a_function(moved: bool, aliased: bool) -> Update:
    def before() -> None:
        holder = Old("holder")
        inner = Old("holder-inner", pulumi.ResourceOptions(parent=holder))
        aws.sqs.Queue("holder-inner-queue", opts=pulumi.ResourceOptions(parent=inner))

    def after() -> None:
        holder = Old("holder")
        parent: pulumi.Resource = (
            New("holder", pulumi.ResourceOptions(parent=holder)) if moved else holder
        )
        aliases = [pulumi.Alias(parent=holder)] if aliased else []
        inner = Old("holder-inner", pulumi.ResourceOptions(parent=parent, aliases=aliases))
        aws.sqs.Queue("holder-inner-queue", opts=pulumi.ResourceOptions(parent=inner))

    old = update(run(before).constructed, []).urns
    return update(run(after).constructed, old)


def test_a_resource_moved_without_an_alias_is_created_anew() -> None:
    result = _queue_under_a_function(moved=True, aliased=False)
    assert [urn.rsplit("::", 1)[1] for urn in result.created] == [
        "holder",
        "holder-inner",
        "holder-inner-queue",
    ]


def test_an_alias_on_a_moved_component_carries_its_children_along() -> None:
    result = _queue_under_a_function(moved=True, aliased=True)
    assert [urn.rsplit("::", 1)[1] for urn in result.created] == ["holder"]
    assert sorted(old.rsplit("::", 1)[1] for old in result.moved) == [
        "holder-inner",
        "holder-inner-queue",
    ]


def test_an_unmoved_resource_keeps_its_urn() -> None:
    result = _queue_under_a_function(moved=False, aliased=False)
    assert result.created == []
    assert result.moved == {}
