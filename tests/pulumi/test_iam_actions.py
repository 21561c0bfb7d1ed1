"""Every IAM action the program grants is a real one, and none is a wildcard.

Actions are checked against botocore's service models, so a typo fails here rather than in a
user's deploy (IAM accepts a policy naming an action that does not exist, and then denies).
"""

import json
import re
from collections.abc import Iterator

import pytest

from policy.rules import IAM_ONLY_ACTIONS, RESOURCELESS_ACTIONS, operations
from tests.pulumi.mocks import ACCOUNT, REGION, Deployment
from tests.pulumi.support import run_main


@pytest.fixture(scope="module")
def deployment() -> Deployment:
    return run_main()


def as_list(value: str | list[str]) -> list[str]:
    return [value] if isinstance(value, str) else value


def granted(deployment: Deployment) -> Iterator[tuple[str, str, dict[str, object]]]:
    """(where, action, statement) for every action in every policy (a role's, a resource's, the
    operators' output) and every Lambda permission."""
    operators = ("operator_policy", json.loads(deployment.outputs["operator_policy"]))
    for name, document in [*deployment.policies(), *deployment.resource_policies(), operators]:
        for statement in document["Statement"]:
            for action in as_list(statement["Action"]):
                yield name, action, statement
    for permission in deployment.of_type("aws:lambda/permission:Permission"):
        yield permission.name, permission.inputs["action"], {}


def test_the_program_grants_actions_of_every_kind_it_needs(deployment: Deployment) -> None:
    actions = {action for _, action, _ in granted(deployment)}
    prefixes = {action.split(":")[0] for action in actions}
    assert prefixes == {
        "sts",
        "logs",
        "xray",
        "lambda",
        "dynamodb",
        "ssm",
        "ses",
        "events",
        "sqs",
        "sns",
    }
    assert len(actions) >= 20
    # What observability adds: the gauge's query, failed starts, alarms and event logs.
    assert {"dynamodb:Query", "sqs:SendMessage", "sns:Publish", "logs:PutLogEvents"} <= actions
    resource_policies = dict(deployment.resource_policies())
    assert len(resource_policies) == 2


def test_no_action_is_a_wildcard(deployment: Deployment) -> None:
    for where, action, _ in granted(deployment):
        assert re.fullmatch(r"[a-z0-9-]+:[A-Za-z0-9]+", action), (where, action)


def test_every_action_exists_in_its_service(deployment: Deployment) -> None:
    unknown = sorted(
        {
            (where, action)
            for where, action, _ in granted(deployment)
            if action not in IAM_ONLY_ACTIONS
            and action.split(":")[1] not in operations(action.split(":")[0])
        }
    )
    assert unknown == []


def test_the_allowlist_holds_only_names_botocore_lacks() -> None:
    for action in IAM_ONLY_ACTIONS:
        prefix, name = action.split(":")
        assert name not in operations(prefix)


def test_a_misspelt_action_would_be_caught() -> None:
    assert "CheckpointDurableExecution" in operations("lambda")
    assert "CheckpointDurableExecutions" not in operations("lambda")
    assert "SendRawEmail" in operations("ses")


def test_every_resource_is_an_arn_of_this_account_and_region(deployment: Deployment) -> None:
    for name, document in deployment.policies():
        for statement in document["Statement"]:
            assert statement["Effect"] == "Allow"
            if "Principal" in statement:  # a trust policy: who may assume the role
                assert statement == {
                    "Effect": "Allow",
                    "Principal": {"Service": "lambda.amazonaws.com"},
                    "Action": "sts:AssumeRole",
                }
                continue
            resources = as_list(statement["Resource"])
            if set(as_list(statement["Action"])) <= RESOURCELESS_ACTIONS:
                assert resources == ["*"], name
                continue
            for resource in resources:
                assert resource.startswith("arn:aws:"), (name, resource)
                assert f":{REGION}:{ACCOUNT}:" in resource, (name, resource)
                # A wildcard only ever narrows within one named thing: streams of one log
                # group, versions of one function, SES identities of this account.
                if "*" in resource:
                    assert resource.endswith((":*", "identity/*")), (name, resource)
                    assert resource.count("*") == 1, (name, resource)


def test_resource_policies_let_in_named_services_on_this_stacks_resources_only(
    deployment: Deployment,
) -> None:
    """The alarm topic's and the event logs' policies: AWS services, never an account or `*`,
    on ARNs of this account and region, each held to one source where the service says it."""
    for name, document in deployment.resource_policies():
        for statement in document["Statement"]:
            assert statement["Effect"] == "Allow", name
            services = statement["Principal"]["Service"]
            assert set(statement["Principal"]) == {"Service"}, name
            assert all(s.endswith(".amazonaws.com") for s in as_list(services)), name
            for resource in as_list(statement["Resource"]):
                assert resource.startswith("arn:aws:"), (name, resource)
                assert f":{REGION}:{ACCOUNT}:" in resource, (name, resource)
                assert "*" not in resource or resource.endswith(":*"), (name, resource)
            if any(action.startswith("sns:") for action in as_list(statement["Action"])):
                assert "aws:SourceArn" in json.dumps(statement.get("Condition", {})), name
