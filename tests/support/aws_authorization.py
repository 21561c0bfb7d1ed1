"""What AWS authorises an API call against: the IAM actions and resource ARNs it checks, and the
condition keys it sets, written out once from AWS's documentation (never from the project's
constants). An operation not written out here raises UnmappedOperationError: a new call fails
the check until someone looks its authorization up.

Sources (AWS documentation page titles):
- "Actions, resources, and condition keys for Amazon DynamoDB" (Service Authorization
  Reference): item actions on `arn:${Partition}:dynamodb:${Region}:${Account}:table/${TableName}`,
  Query and Scan on an index on `.../table/${TableName}/index/${IndexName}`; BatchGetItem and
  BatchWriteItem on each table they name. "Using IAM with DynamoDB transactions" (DynamoDB
  Developer Guide): a transaction's Put, Update, Delete and Get are authorised as PutItem,
  UpdateItem, DeleteItem and GetItem, its ConditionCheck as ConditionCheckItem, each on its own
  table, with `dynamodb:EnclosingOperation` naming the transaction.
- "Actions, resources, and condition keys for Amazon EventBridge": PutEvents on
  `arn:${Partition}:events:${Region}:${Account}:event-bus/${EventBusName}`, the bus of each
  entry (`default` when an entry names none), condition keys `events:source` and
  `events:detail-type` from the entry.
- "Actions, resources, and condition keys for AWS Systems Manager": GetParameter(s) on
  `arn:${Partition}:ssm:${Region}:${Account}:parameter/${ParameterNameWithoutLeadingSlash}`
  (a name `/a/b` is `parameter/a/b`, a name `b` is `parameter/b`). A SecureString under the AWS
  managed key `aws/ssm` is decrypted under that key's policy, not the caller's role.
- "Actions, resources, and condition keys for Amazon SES" and the SES Developer Guide's
  "Identity and access management in Amazon SES": SendEmail and SendRawEmail on the identity ARN
  `arn:${Partition}:ses:${Region}:${Account}:identity/${IdentityName}` of the sending address,
  with condition keys `ses:FromAddress`, `ses:FromDisplayName` and `ses:Recipients`. The
  identity is the verified one the address sends as: the address's own, else its domain's (AWS's
  denials then name `identity/example.com`: re:Post, "How do I resolve a 554 'Access denied'
  error when I send an email from my IAM user in Amazon SES?"). While the account is in the SES
  sandbox every recipient must be a verified identity too, and sends are then also checked
  against each recipient's identity ARN: the denials AWS reports name it
  (`not authorized to perform ses:SendTemplatedEmail on resource ...:identity/<recipient>`,
  aws/aws-sdk-js#3641; the same for SendRawEmail in cloudposse/terraform-aws-ses#40).
- "Actions, resources, and condition keys for AWS Lambda" and the Lambda Developer Guide's
  "Fine-tuning the Resources and Conditions sections of policies" (actions on a function are
  restricted "by function, version, or alias ARN"): Invoke is `lambda:InvokeFunction` on the
  function ARN as called, with its version or alias qualifier if it has one
  (`function:NAME:QUALIFIER`). ListDurableExecutionsByFunction names a function, not an
  execution, and is taken to be authorised the same way, on the function's ARN as called (with
  the Qualifier parameter, if given): no deploy has confirmed it yet. "Security and permissions
  for Lambda durable functions": the other durable execution APIs are authorised against the
  durable execution ARN, `function:NAME:VERSION/durable-execution/EXECUTION-NAME/EXECUTION-ID`
  ("the qualifier in a durable execution ARN is always $LATEST or a version number": aliases do
  not apply), the callbacks against the execution the callback belongs to; Pause and Resume
  (the operators' `leave-ops`) the same. GetFunctionConfiguration is
  `lambda:GetFunctionConfiguration` on the function ARN as called, like Invoke.
- "Actions, resources, and condition keys for Amazon CloudWatch": PutMetricData takes no
  resource (`*`), condition key `cloudwatch:namespace`.
- "Actions, resources, and condition keys for Amazon SQS": SendMessage on
  `arn:${Partition}:sqs:${Region}:${Account}:${QueueName}`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from email import message_from_bytes
from email.utils import getaddresses, parseaddr
from typing import Any

from tests.support.iam_policy import ContextValue


class UnmappedOperationError(LookupError):
    """No one has written out what AWS authorises this call against."""


@dataclass(frozen=True)
class AccountFacts:
    """Where the calls are made, and what of the account's state decides what AWS checks."""

    partition: str
    region: str
    account_id: str
    # Verified SES identities: addresses and domains.
    ses_identities: frozenset[str] = frozenset()
    # In the SES sandbox, recipients' identities are checked too.
    ses_sandbox: bool = True
    # The durable execution ARN a callback id belongs to (Lambda knows; its callers cannot).
    execution_of_callback: Callable[[str], str] = field(default=lambda callback_id: "")
    # The partition key attribute of the table (under "") and of each index, by index name, as
    # deployed: a Query's `dynamodb:LeadingKeys` is the value it asks of that attribute.
    partition_keys: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Authorization:
    """One check AWS makes for a call: an action on a resource, with the condition keys it sets
    (every key this reference models for the action; None when absent from this request)."""

    action: str
    resource: str
    context: Mapping[str, ContextValue] = field(default_factory=dict)


Mapper = Callable[[Mapping[str, Any], AccountFacts], list[Authorization]]


def authorizations(
    service: str, operation: str, params: Mapping[str, Any], account: AccountFacts
) -> list[Authorization]:
    """The checks AWS makes for `service.operation` called with `params` (botocore's service
    name and operation name, the parameters as the client was given them)."""
    mapper = _OPERATIONS.get((service, operation))
    if mapper is None:
        raise UnmappedOperationError(
            f"{service}.{operation}: what AWS authorises it against is not written out in "
            "tests/support/aws_authorization.py (look it up in the Service Authorization "
            "Reference and add it)"
        )
    return mapper(params, account)


def mapped_operations() -> frozenset[tuple[str, str]]:
    return frozenset(_OPERATIONS)


# -- DynamoDB ----------------------------------------------------------------------------------

_NOT_IN_A_TRANSACTION: Mapping[str, ContextValue] = {"dynamodb:EnclosingOperation": None}


def table_arn(table: str, account: AccountFacts) -> str:
    if table.startswith("arn:"):
        return table
    return f"arn:{account.partition}:dynamodb:{account.region}:{account.account_id}:table/{table}"


def _item_action(action: str) -> Mapper:
    def mapper(params: Mapping[str, Any], account: AccountFacts) -> list[Authorization]:
        return [
            Authorization(
                f"dynamodb:{action}", table_arn(params["TableName"], account), _NOT_IN_A_TRANSACTION
            )
        ]

    return mapper


def _table_or_index(action: str) -> Mapper:
    def mapper(params: Mapping[str, Any], account: AccountFacts) -> list[Authorization]:
        resource = table_arn(params["TableName"], account)
        if params.get("IndexName"):
            resource = f"{resource}/index/{params['IndexName']}"
        return [Authorization(f"dynamodb:{action}", resource, _NOT_IN_A_TRANSACTION)]

    return mapper


_KEY_EQUALITY = re.compile(r"(#?[A-Za-z0-9_]+)\s*=\s*(:[A-Za-z0-9_]+)")


def _leading_key(params: Mapping[str, Any], account: AccountFacts) -> str:
    """The partition key value a Query asks for: `dynamodb:LeadingKeys` ("Using IAM policy
    conditions for fine-grained access control", DynamoDB Developer Guide: the partition key
    values of the items accessed; a Query's is the one its key condition names)."""
    index = params.get("IndexName") or ""
    attribute = account.partition_keys.get(index)
    if attribute is None:
        raise UnmappedOperationError(
            f"dynamodb.Query on {index or 'the table'}: its partition key is not known here "
            "(AccountFacts.partition_keys)"
        )
    names = params.get("ExpressionAttributeNames", {})
    for name, placeholder in _KEY_EQUALITY.findall(params.get("KeyConditionExpression", "")):
        if names.get(name, name) == attribute:
            value = params["ExpressionAttributeValues"][placeholder]
            return str(value["S"] if isinstance(value, Mapping) else value)
    raise UnmappedOperationError(
        f"dynamodb.Query on {index or 'the table'}: no equality on its partition key "
        f"{attribute!r} in {params.get('KeyConditionExpression')!r}"
    )


def _query(params: Mapping[str, Any], account: AccountFacts) -> list[Authorization]:
    (check,) = _table_or_index("Query")(params, account)
    context = {**check.context, "dynamodb:LeadingKeys": (_leading_key(params, account),)}
    return [Authorization(check.action, check.resource, context)]


def _per_table(action: str) -> Mapper:
    def mapper(params: Mapping[str, Any], account: AccountFacts) -> list[Authorization]:
        return [
            Authorization(f"dynamodb:{action}", table_arn(table, account), _NOT_IN_A_TRANSACTION)
            for table in params["RequestItems"]
        ]

    return mapper


_TRANSACTION_ITEM_ACTIONS = {
    "Put": "dynamodb:PutItem",
    "Update": "dynamodb:UpdateItem",
    "Delete": "dynamodb:DeleteItem",
    "ConditionCheck": "dynamodb:ConditionCheckItem",
    "Get": "dynamodb:GetItem",
}


def _transaction(operation: str) -> Mapper:
    def mapper(params: Mapping[str, Any], account: AccountFacts) -> list[Authorization]:
        checks = []
        for item in params["TransactItems"]:
            for kind, request in item.items():
                if kind not in _TRANSACTION_ITEM_ACTIONS:
                    raise UnmappedOperationError(f"dynamodb.{operation}: an item of kind {kind}")
                checks.append(
                    Authorization(
                        _TRANSACTION_ITEM_ACTIONS[kind],
                        table_arn(request["TableName"], account),
                        {"dynamodb:EnclosingOperation": operation},
                    )
                )
        return checks

    return mapper


# -- EventBridge -------------------------------------------------------------------------------


def event_bus_arn(bus: str, account: AccountFacts) -> str:
    if bus.startswith("arn:"):
        return bus
    return f"arn:{account.partition}:events:{account.region}:{account.account_id}:event-bus/{bus}"


def _put_events(params: Mapping[str, Any], account: AccountFacts) -> list[Authorization]:
    if params.get("EndpointId"):
        raise UnmappedOperationError("events.PutEvents through a global endpoint")
    return [
        Authorization(
            "events:PutEvents",
            event_bus_arn(entry.get("EventBusName") or "default", account),
            {"events:source": entry.get("Source"), "events:detail-type": entry.get("DetailType")},
        )
        for entry in params["Entries"]
    ]


# -- Systems Manager ---------------------------------------------------------------------------


def parameter_arn(name: str, account: AccountFacts) -> str:
    if name.startswith("arn:"):
        return name
    if ":" in name:
        raise UnmappedOperationError(f"an SSM parameter named with a version or label: {name}")
    where = f"{account.partition}:ssm:{account.region}:{account.account_id}"
    return f"arn:{where}:parameter/{name.removeprefix('/')}"


def _get_parameter(params: Mapping[str, Any], account: AccountFacts) -> list[Authorization]:
    return [Authorization("ssm:GetParameter", parameter_arn(params["Name"], account))]


def _get_parameters(params: Mapping[str, Any], account: AccountFacts) -> list[Authorization]:
    return [
        Authorization("ssm:GetParameters", parameter_arn(name, account)) for name in params["Names"]
    ]


# -- SES ---------------------------------------------------------------------------------------


def ses_identity_arn(address: str, account: AccountFacts) -> str:
    """The identity SES sends an address's mail as: the address's own if verified, else the
    closest verified domain it is under (else the address: SES refuses it anyway)."""
    identity = address
    if address not in account.ses_identities:
        domain = address.rpartition("@")[2]
        while domain:
            if domain in account.ses_identities:
                identity = domain
                break
            domain = domain.partition(".")[2]
    where = f"{account.partition}:ses:{account.region}:{account.account_id}"
    return f"arn:{where}:identity/{identity}"


def _mail_checks(
    action: str,
    sender: str,
    recipients: Sequence[str],
    account: AccountFacts,
    extra_resources: Sequence[str] = (),
) -> list[Authorization]:
    display_name, from_address = parseaddr(sender)
    context: Mapping[str, ContextValue] = {
        "ses:FromAddress": from_address,
        "ses:FromDisplayName": display_name or None,
        "ses:Recipients": tuple(recipients),
    }
    resources = [ses_identity_arn(from_address, account), *extra_resources]
    if account.ses_sandbox:
        resources += [ses_identity_arn(parseaddr(r)[1], account) for r in recipients]
    return [Authorization(action, resource, context) for resource in dict.fromkeys(resources)]


def _refuse_sending_authorization(operation: str, params: Mapping[str, Any]) -> None:
    named = sorted(k for k in ("SourceArn", "FromArn", "ReturnPathArn") if params.get(k))
    if named:
        raise UnmappedOperationError(f"ses.{operation} sending as another's identity ({named})")


def _send_raw_email(params: Mapping[str, Any], account: AccountFacts) -> list[Authorization]:
    _refuse_sending_authorization("SendRawEmail", params)
    message = message_from_bytes(params["RawMessage"]["Data"])
    sender = params.get("Source") or str(message["From"])
    recipients = params.get("Destinations") or [
        address
        for _, address in getaddresses(
            [str(v) for h in ("To", "Cc", "Bcc") for v in message.get_all(h, [])]
        )
    ]
    return _mail_checks("ses:SendRawEmail", sender, recipients, account)


def _destination(params: Mapping[str, Any]) -> list[str]:
    destination = params.get("Destination") or {}
    return [
        a for k in ("ToAddresses", "CcAddresses", "BccAddresses") for a in destination.get(k, [])
    ]


def _send_email_v1(params: Mapping[str, Any], account: AccountFacts) -> list[Authorization]:
    _refuse_sending_authorization("SendEmail", params)
    return _mail_checks("ses:SendEmail", params["Source"], _destination(params), account)


def _send_email_v2(params: Mapping[str, Any], account: AccountFacts) -> list[Authorization]:
    if "Raw" in params.get("Content", {}) or params.get("FromEmailAddressIdentityArn"):
        # Which action AWS checks for v2 raw content is not stated in the reference.
        raise UnmappedOperationError("sesv2.SendEmail with raw content or another's identity")
    extra = []
    if params.get("ConfigurationSetName"):
        where = f"{account.partition}:ses:{account.region}:{account.account_id}"
        extra.append(f"arn:{where}:configuration-set/{params['ConfigurationSetName']}")
    return _mail_checks(
        "ses:SendEmail", params["FromEmailAddress"], _destination(params), account, extra
    )


# -- Lambda ------------------------------------------------------------------------------------


def function_arn(function: str, qualifier: str | None, account: AccountFacts) -> str:
    """The ARN of a function as a call names it: a name, a partial or a full ARN, each perhaps
    with a `:qualifier`; or a separate Qualifier parameter."""
    if function.startswith("arn:"):
        arn = function
    elif ":function:" in function:
        arn = f"arn:{account.partition}:lambda:{account.region}:{function}"
    else:
        where = f"{account.partition}:lambda:{account.region}:{account.account_id}"
        arn = f"arn:{where}:function:{function}"
    parts = arn.split(":")
    if qualifier and len(parts) == 7:
        arn = f"{arn}:{qualifier}"
    elif qualifier and parts[7] != qualifier:
        raise ValueError(f"{function} and Qualifier {qualifier} disagree")
    return arn


def _invoke(params: Mapping[str, Any], account: AccountFacts) -> list[Authorization]:
    resource = function_arn(params["FunctionName"], params.get("Qualifier"), account)
    return [Authorization("lambda:InvokeFunction", resource)]


def _get_function_configuration(
    params: Mapping[str, Any], account: AccountFacts
) -> list[Authorization]:
    resource = function_arn(params["FunctionName"], params.get("Qualifier"), account)
    return [Authorization("lambda:GetFunctionConfiguration", resource)]


def _list_durable_executions(
    params: Mapping[str, Any], account: AccountFacts
) -> list[Authorization]:
    resource = function_arn(params["FunctionName"], params.get("Qualifier"), account)
    return [Authorization("lambda:ListDurableExecutionsByFunction", resource)]


def _on_callback_execution(action: str) -> Mapper:
    def mapper(params: Mapping[str, Any], account: AccountFacts) -> list[Authorization]:
        execution = account.execution_of_callback(params["CallbackId"])
        if "/durable-execution/" not in execution:
            raise ValueError(f"no durable execution known for callback {params['CallbackId']}")
        return [Authorization(f"lambda:{action}", execution)]

    return mapper


def _on_execution(action: str) -> Mapper:
    def mapper(params: Mapping[str, Any], account: AccountFacts) -> list[Authorization]:
        return [Authorization(f"lambda:{action}", params["DurableExecutionArn"])]

    return mapper


# -- CloudWatch, SQS ---------------------------------------------------------------------------


def _put_metric_data(params: Mapping[str, Any], account: AccountFacts) -> list[Authorization]:
    return [
        Authorization(
            "cloudwatch:PutMetricData", "*", {"cloudwatch:namespace": params["Namespace"]}
        )
    ]


def _on_queue(action: str) -> Mapper:
    """An SQS action on the queue its URL names (SendMessage, ReceiveMessage, DeleteMessage,
    GetQueueAttributes: each authorised against the queue alone)."""

    def authorised(params: Mapping[str, Any], account: AccountFacts) -> list[Authorization]:
        # https://sqs.REGION.amazonaws.com/ACCOUNT/NAME
        *_, queue_account, queue = params["QueueUrl"].rstrip("/").split("/")
        arn = f"arn:{account.partition}:sqs:{account.region}:{queue_account}:{queue}"
        return [Authorization(f"sqs:{action}", arn)]

    return authorised


_OPERATIONS: dict[tuple[str, str], Mapper] = {
    ("dynamodb", "GetItem"): _item_action("GetItem"),
    ("dynamodb", "PutItem"): _item_action("PutItem"),
    ("dynamodb", "UpdateItem"): _item_action("UpdateItem"),
    ("dynamodb", "DeleteItem"): _item_action("DeleteItem"),
    ("dynamodb", "Query"): _query,
    ("dynamodb", "Scan"): _table_or_index("Scan"),
    ("dynamodb", "BatchGetItem"): _per_table("BatchGetItem"),
    ("dynamodb", "BatchWriteItem"): _per_table("BatchWriteItem"),
    ("dynamodb", "TransactWriteItems"): _transaction("TransactWriteItems"),
    ("dynamodb", "TransactGetItems"): _transaction("TransactGetItems"),
    ("events", "PutEvents"): _put_events,
    ("ssm", "GetParameter"): _get_parameter,
    ("ssm", "GetParameters"): _get_parameters,
    ("ses", "SendRawEmail"): _send_raw_email,
    ("ses", "SendEmail"): _send_email_v1,
    ("sesv2", "SendEmail"): _send_email_v2,
    ("lambda", "Invoke"): _invoke,
    ("lambda", "ListDurableExecutionsByFunction"): _list_durable_executions,
    ("lambda", "SendDurableExecutionCallbackSuccess"): _on_callback_execution(
        "SendDurableExecutionCallbackSuccess"
    ),
    ("lambda", "SendDurableExecutionCallbackFailure"): _on_callback_execution(
        "SendDurableExecutionCallbackFailure"
    ),
    ("lambda", "SendDurableExecutionCallbackHeartbeat"): _on_callback_execution(
        "SendDurableExecutionCallbackHeartbeat"
    ),
    ("lambda", "GetDurableExecution"): _on_execution("GetDurableExecution"),
    ("lambda", "GetDurableExecutionHistory"): _on_execution("GetDurableExecutionHistory"),
    ("lambda", "StopDurableExecution"): _on_execution("StopDurableExecution"),
    ("lambda", "PauseDurableExecution"): _on_execution("PauseDurableExecution"),
    ("lambda", "ResumeDurableExecution"): _on_execution("ResumeDurableExecution"),
    ("lambda", "GetFunctionConfiguration"): _get_function_configuration,
    ("lambda", "CheckpointDurableExecution"): _on_execution("CheckpointDurableExecution"),
    ("lambda", "GetDurableExecutionState"): _on_execution("GetDurableExecutionState"),
    ("cloudwatch", "PutMetricData"): _put_metric_data,
    ("sqs", "SendMessage"): _on_queue("SendMessage"),
    ("sqs", "ReceiveMessage"): _on_queue("ReceiveMessage"),
    ("sqs", "DeleteMessage"): _on_queue("DeleteMessage"),
    ("sqs", "GetQueueAttributes"): _on_queue("GetQueueAttributes"),
}
