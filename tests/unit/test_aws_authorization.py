"""The written-out authorization of each AWS call says what AWS's documentation says it checks,
and an operation nobody wrote out fails."""

from typing import Any

import boto3
import pytest

from tests.support.aws_authorization import (
    AccountFacts,
    Authorization,
    UnmappedOperationError,
    authorizations,
    mapped_operations,
)

EXECUTION = (
    "arn:aws:lambda:us-east-2:123456789012:function:wf:3/durable-execution/lr-1-1/0f6b2d1e-9a"
)
ACCOUNT = AccountFacts(
    "aws",
    "us-east-2",
    "123456789012",
    ses_identities=frozenset({"leave@example.com", "example.org"}),
    execution_of_callback=lambda callback_id: EXECUTION if callback_id == "Y2I=" else "",
    partition_keys={"": "pk", "by_pending": "pending_shard"},
)
TABLE = "arn:aws:dynamodb:us-east-2:123456789012:table/leave"
FUNCTION = "arn:aws:lambda:us-east-2:123456789012:function:wf"


def checks(
    service: str, operation: str, account: AccountFacts = ACCOUNT, **params: Any
) -> list[Authorization]:
    return authorizations(service, operation, params, account)


def test_a_transaction_is_authorised_as_the_item_actions_inside_it() -> None:
    found = checks(
        "dynamodb",
        "TransactWriteItems",
        TransactItems=[
            {"Put": {"TableName": "leave", "Item": {}}},
            {"Update": {"TableName": "leave", "Key": {}}},
            {"Delete": {"TableName": "other", "Key": {}}},
            {"ConditionCheck": {"TableName": "leave", "Key": {}}},
        ],
    )
    assert [(c.action, c.resource) for c in found] == [
        ("dynamodb:PutItem", TABLE),
        ("dynamodb:UpdateItem", TABLE),
        ("dynamodb:DeleteItem", "arn:aws:dynamodb:us-east-2:123456789012:table/other"),
        ("dynamodb:ConditionCheckItem", TABLE),
    ]
    assert {c.context["dynamodb:EnclosingOperation"] for c in found} == {"TransactWriteItems"}


def _query(**params: str) -> dict[str, Any]:
    return {
        "TableName": "leave",
        "KeyConditionExpression": "#key = :key AND sk > :after",
        "ExpressionAttributeValues": {":key": {"S": "DELEGATIONS"}, ":after": {"S": "a"}},
        **params,
    }


def test_a_query_of_an_index_is_authorised_on_the_index() -> None:
    names = {"#key": "pending_shard"}
    [on_index] = checks(
        "dynamodb", "Query", **_query(IndexName="by_pending"), ExpressionAttributeNames=names
    )
    assert on_index.resource == f"{TABLE}/index/by_pending"
    [on_table] = checks("dynamodb", "Query", **_query(), ExpressionAttributeNames={"#key": "pk"})
    assert on_table.resource == TABLE
    # The partition key value it asks for, for a condition on dynamodb:LeadingKeys.
    assert on_table.context == {
        "dynamodb:EnclosingOperation": None,
        "dynamodb:LeadingKeys": ("DELEGATIONS",),
    }


def test_a_query_whose_partition_key_cannot_be_told_is_not_guessed() -> None:
    with pytest.raises(UnmappedOperationError, match="no equality on its partition key"):
        checks("dynamodb", "Query", **_query(), ExpressionAttributeNames={"#key": "sk"})


def test_a_batch_read_is_authorised_on_each_table() -> None:
    found = checks("dynamodb", "BatchGetItem", RequestItems={"leave": {}, TABLE + "2": {}})
    assert [(c.action, c.resource) for c in found] == [
        ("dynamodb:BatchGetItem", TABLE),
        ("dynamodb:BatchGetItem", TABLE + "2"),
    ]


@pytest.mark.parametrize(
    ("name", "arn"),
    [
        ("/leave/signing-key", "arn:aws:ssm:us-east-2:123456789012:parameter/leave/signing-key"),
        ("signing-key", "arn:aws:ssm:us-east-2:123456789012:parameter/signing-key"),
    ],
)
def test_a_parameter_arn_has_one_slash_before_the_name(name: str, arn: str) -> None:
    assert checks("ssm", "GetParameter", Name=name, WithDecryption=True) == [
        Authorization("ssm:GetParameter", arn)
    ]


def test_each_event_is_authorised_on_its_own_bus_with_its_source() -> None:
    found = checks(
        "events",
        "PutEvents",
        Entries=[
            {
                "EventBusName": "leave",
                "Source": "leave.approvals",
                "DetailType": "A",
                "Detail": "{}",
            },
            {"Source": "other", "DetailType": "B", "Detail": "{}"},
        ],
    )
    assert found == [
        Authorization(
            "events:PutEvents",
            "arn:aws:events:us-east-2:123456789012:event-bus/leave",
            {"events:source": "leave.approvals", "events:detail-type": "A"},
        ),
        Authorization(
            "events:PutEvents",
            "arn:aws:events:us-east-2:123456789012:event-bus/default",
            {"events:source": "other", "events:detail-type": "B"},
        ),
    ]


def raw_email(sender: str, to: str) -> dict[str, Any]:
    return {"Data": f"From: {sender}\nTo: {to}\nSubject: s\n\nbody".encode()}


def test_an_email_is_authorised_on_its_senders_identity_and_in_the_sandbox_its_recipients() -> None:
    found = checks(
        "ses",
        "SendRawEmail",
        Source="leave@example.com",
        Destinations=["carol@example.org"],
        RawMessage=raw_email("leave@example.com", "carol@example.org"),
    )
    identity = "arn:aws:ses:us-east-2:123456789012:identity/"
    # The sender's address is verified itself; the recipient's domain is.
    assert [c.resource for c in found] == [f"{identity}leave@example.com", f"{identity}example.org"]
    assert found[0].context == {
        "ses:FromAddress": "leave@example.com",
        "ses:FromDisplayName": None,
        "ses:Recipients": ("carol@example.org",),
    }


def test_out_of_the_sandbox_only_the_sender_is_checked_and_headers_stand_in_for_parameters() -> (
    None
):
    production = AccountFacts("aws", "us-east-2", "123456789012", frozenset({"example.com"}), False)
    found = checks(
        "ses",
        "SendRawEmail",
        production,
        RawMessage=raw_email("Leave <leave@mail.example.com>", "carol@example.org"),
    )
    assert [c.resource for c in found] == [
        "arn:aws:ses:us-east-2:123456789012:identity/example.com"
    ]
    assert found[0].context["ses:FromAddress"] == "leave@mail.example.com"
    assert found[0].context["ses:FromDisplayName"] == "Leave"
    assert found[0].context["ses:Recipients"] == ("carol@example.org",)


@pytest.mark.parametrize(
    ("params", "arn"),
    [
        ({"FunctionName": f"{FUNCTION}:live"}, f"{FUNCTION}:live"),
        ({"FunctionName": "wf", "Qualifier": "7"}, f"{FUNCTION}:7"),
        ({"FunctionName": "123456789012:function:wf"}, FUNCTION),
        ({"FunctionName": "wf:live"}, f"{FUNCTION}:live"),
    ],
)
def test_an_invoke_is_authorised_on_the_function_as_called(
    params: dict[str, Any], arn: str
) -> None:
    assert checks("lambda", "Invoke", **params) == [Authorization("lambda:InvokeFunction", arn)]


def test_durable_apis_are_authorised_on_the_execution_and_listing_on_the_function() -> None:
    assert checks("lambda", "SendDurableExecutionCallbackSuccess", CallbackId="Y2I=") == [
        Authorization("lambda:SendDurableExecutionCallbackSuccess", EXECUTION)
    ]
    assert checks("lambda", "CheckpointDurableExecution", DurableExecutionArn=EXECUTION) == [
        Authorization("lambda:CheckpointDurableExecution", EXECUTION)
    ]
    assert checks("lambda", "ListDurableExecutionsByFunction", FunctionName=FUNCTION) == [
        Authorization("lambda:ListDurableExecutionsByFunction", FUNCTION)
    ]
    with pytest.raises(ValueError, match="no durable execution known for callback"):
        checks("lambda", "SendDurableExecutionCallbackFailure", CallbackId="b3RoZXI=")


def test_metrics_take_no_resource_but_their_namespace_is_a_condition() -> None:
    assert checks("cloudwatch", "PutMetricData", Namespace="LeaveApprovals", MetricData=[]) == [
        Authorization("cloudwatch:PutMetricData", "*", {"cloudwatch:namespace": "LeaveApprovals"})
    ]


def test_an_operation_nobody_wrote_out_fails_naming_it() -> None:
    with pytest.raises(
        UnmappedOperationError, match=r"dynamodb\.DescribeTable: what AWS authorises"
    ):
        checks("dynamodb", "DescribeTable", TableName="leave")
    with pytest.raises(UnmappedOperationError, match="sending as another's identity"):
        checks(
            "ses",
            "SendRawEmail",
            SourceArn="arn:aws:ses:::identity/x",
            RawMessage=raw_email("a@b", "c@d"),
        )


def test_every_operation_written_out_is_one_of_its_service_in_botocore() -> None:
    operations: dict[str, list[str]] = {}
    for service, operation in mapped_operations():
        operations.setdefault(service, []).append(operation)
    for service, names in operations.items():
        model = boto3.client(service, region_name="us-east-2").meta.service_model
        assert set(names) <= set(model.operation_names), service
