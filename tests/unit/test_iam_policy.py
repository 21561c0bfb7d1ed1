"""The IAM policy evaluator decides as the IAM User Guide's evaluation logic says, and refuses
what it does not model."""

from typing import Any

import pytest

from tests.support.iam_policy import ContextValue, UnsupportedPolicyError, evaluate

TABLE = "arn:aws:dynamodb:us-east-2:123456789012:table/leave"
BUS = "arn:aws:events:us-east-2:123456789012:event-bus/leave"
NO_CONTEXT: dict[str, ContextValue] = {}


def policy(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def allow(action: Any, resource: Any, **more: Any) -> dict[str, Any]:
    return {"Effect": "Allow", "Action": action, "Resource": resource, **more}


def test_an_allow_on_the_action_and_resource_allows() -> None:
    decision = evaluate(
        [policy(allow(["dynamodb:GetItem"], [TABLE]))], "dynamodb:GetItem", TABLE, {}
    )
    assert decision.allowed


def test_anything_not_allowed_is_implicitly_denied() -> None:
    documents = [policy(allow("dynamodb:GetItem", TABLE))]
    refused = evaluate(documents, "dynamodb:PutItem", TABLE, NO_CONTEXT)
    assert not refused.allowed
    assert refused.reason == "no statement allows it (implicit deny)"
    assert not evaluate(documents, "dynamodb:GetItem", f"{TABLE}/index/by_pending", {}).allowed


def test_an_explicit_deny_wins_over_any_allow() -> None:
    documents = [
        policy(allow("dynamodb:*", "*")),
        policy(
            {
                "Sid": "NoDeletes",
                "Effect": "Deny",
                "Action": "dynamodb:DeleteItem",
                "Resource": TABLE,
            }
        ),
    ]
    assert evaluate(documents, "dynamodb:GetItem", TABLE, {}).allowed
    denied = evaluate(documents, "dynamodb:DeleteItem", TABLE, {})
    assert not denied.allowed
    assert denied.reason == "explicitly denied by NoDeletes"


def test_actions_match_wildcards_whatever_their_case() -> None:
    documents = [policy(allow("DynamoDB:get*", TABLE)), policy(allow("ssm:GetParamete?", "*"))]
    assert evaluate(documents, "dynamodb:GetItem", TABLE, {}).allowed
    assert evaluate(documents, "ssm:GetParameter", "arn:aws:ssm:::parameter/x", {}).allowed
    assert not evaluate(documents, "ssm:GetParameters", "arn:aws:ssm:::parameter/x", {}).allowed


def test_resources_match_wildcards_and_case() -> None:
    documents = [policy(allow("lambda:InvokeFunction", "arn:aws:lambda:*:*:function:leave-*:live"))]
    alias = "arn:aws:lambda:us-east-2:123456789012:function:leave-workflow:live"
    assert evaluate(documents, "lambda:InvokeFunction", alias, {}).allowed
    assert not evaluate(documents, "lambda:InvokeFunction", alias.upper(), {}).allowed
    # An unqualified grant does not cover an alias: `*` is only where the pattern has it.
    unqualified = [policy(allow("lambda:InvokeFunction", alias.removesuffix(":live")))]
    assert not evaluate(unqualified, "lambda:InvokeFunction", alias, {}).allowed


def test_not_action_and_not_resource_match_everything_else() -> None:
    documents = [
        policy({"Effect": "Allow", "NotAction": "dynamodb:DeleteItem", "Resource": TABLE}),
        policy({"Effect": "Allow", "Action": "events:PutEvents", "NotResource": BUS}),
    ]
    assert evaluate(documents, "dynamodb:PutItem", TABLE, {}).allowed
    assert not evaluate(documents, "dynamodb:DeleteItem", TABLE, {}).allowed
    assert evaluate(documents, "events:PutEvents", f"{BUS}-other", {}).allowed
    assert not evaluate(documents, "events:PutEvents", BUS, {}).allowed


def test_a_string_equals_condition_must_hold() -> None:
    documents = [
        policy(
            allow(
                "events:PutEvents",
                BUS,
                Condition={"StringEquals": {"events:source": ["leave.approvals", "other"]}},
            )
        )
    ]
    assert evaluate(
        documents, "events:PutEvents", BUS, {"events:source": "leave.approvals"}
    ).allowed
    assert not evaluate(documents, "events:PutEvents", BUS, {"events:source": "leave"}).allowed
    # Keys are case-insensitive; a key the request lacks fails the condition.
    assert evaluate(documents, "events:PutEvents", BUS, {"Events:Source": "other"}).allowed
    assert not evaluate(documents, "events:PutEvents", BUS, {"events:source": None}).allowed


@pytest.mark.parametrize(
    ("statement", "named"),
    [
        (
            allow("ses:SendRawEmail", "*", Condition={"StringLike": {"ses:FromAddress": "*"}}),
            "condition operator StringLike is not modelled",
        ),
        (
            allow("ses:SendRawEmail", "*", Condition={"StringEquals": {"aws:SourceIp": "1.2.3.4"}}),
            "condition key aws:SourceIp is not one this request's authorization models",
        ),
        (
            allow("ses:SendRawEmail", "*", Condition={"StringEquals": {"ses:Recipients": "a"}}),
            "ses:Recipients has several values here",
        ),
        (allow("ses:SendRawEmail", "arn:aws:ses:::identity/${aws:username}"), "policy variables"),
        ({**allow("ses:SendRawEmail", "*"), "Principal": "*"}, "names no principal"),
        ({"Effect": "Allow", "Resource": "*"}, "exactly one of Action and NotAction"),
    ],
)
def test_what_it_does_not_model_fails_loudly(statement: dict[str, Any], named: str) -> None:
    context: dict[str, ContextValue] = {
        "ses:FromAddress": "leave@example.com",
        "ses:Recipients": ("a", "b"),
    }
    with pytest.raises(UnsupportedPolicyError, match=named):
        evaluate([policy(statement)], "ses:SendRawEmail", "arn:aws:ses:::identity/x", context)


def test_for_all_values_allows_only_the_partitions_it_names() -> None:
    documents = [
        policy(
            allow(
                "dynamodb:Query",
                TABLE,
                Condition={"ForAllValues:StringEquals": {"dynamodb:LeadingKeys": "DELEGATIONS"}},
            )
        )
    ]

    def query(*keys: str) -> bool:
        context: dict[str, ContextValue] = {"dynamodb:LeadingKeys": keys}
        return evaluate(documents, "dynamodb:Query", TABLE, context).allowed

    assert query("DELEGATIONS")
    assert not query("EMPLOYEE#alice@example.com")
    assert not query("DELEGATIONS", "EMPLOYEE#alice@example.com")
    # As IAM evaluates it: a request with no value for the key passes ForAllValues.
    no_keys: dict[str, ContextValue] = {"dynamodb:LeadingKeys": None}
    assert evaluate(documents, "dynamodb:Query", TABLE, no_keys).allowed
    with pytest.raises(UnsupportedPolicyError, match="dynamodb:LeadingKeys"):
        evaluate(documents, "dynamodb:Query", TABLE, NO_CONTEXT)
