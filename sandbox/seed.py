"""What the Pulumi program creates before the first request, created in the local AWS.

Every step may run again on a restart (the recorded state is replayed first), so each one
tolerates finding its work done.
"""

import secrets
from pathlib import Path
from typing import Any

from botocore.exceptions import ClientError

from handlers.storage.table_schema import create_table_request, directory_item
from sandbox.config import (
    APPROVER_DIRECTORY,
    EVENT_BUS_NAME,
    FAILED_START_QUEUE,
    PREVIOUS_SIGNING_KEY_PARAMETER,
    SENDER_EMAIL,
    SIGNING_KEY_PARAMETER,
    TABLE_NAME,
)

SIGNING_KEY_FILE = "signing-key"


def signing_key(data_dir: Path) -> str:
    """The key that signs decision links: made once per data dir, so links outlive restarts."""
    path = data_dir / SIGNING_KEY_FILE
    if not path.exists():
        path.write_text(secrets.token_urlsafe(32))
        path.chmod(0o600)
    return path.read_text().strip()


def _unless_exists(call: Any, **arguments: Any) -> None:
    try:
        call(**arguments)
    except ClientError as error:
        if error.response["Error"]["Code"] not in (
            "ResourceInUseException",
            "ResourceAlreadyExistsException",
            "ParameterAlreadyExists",
        ):
            raise


def _add_missing_indexes(dynamodb: Any) -> None:
    """A data dir made by an older version has a table without the newer indexes: add them."""
    wanted = create_table_request(TABLE_NAME)
    table = dynamodb.describe_table(TableName=TABLE_NAME)["Table"]
    present = {index["IndexName"] for index in table.get("GlobalSecondaryIndexes", [])}
    for index in wanted["GlobalSecondaryIndexes"]:
        if index["IndexName"] not in present:
            dynamodb.update_table(
                TableName=TABLE_NAME,
                AttributeDefinitions=wanted["AttributeDefinitions"],
                GlobalSecondaryIndexUpdates=[{"Create": index}],
            )


def failed_start_queue(sqs: Any) -> str:
    """The workflow's on-failure destination (the stack's queue, by its name); its URL.
    Creating a queue that exists with the same attributes answers its URL, as SQS does."""
    return str(sqs.create_queue(QueueName=FAILED_START_QUEUE)["QueueUrl"])


def seed(clients: dict[str, Any], key: str) -> None:
    dynamodb = clients["dynamodb"]
    _unless_exists(dynamodb.create_table, **create_table_request(TABLE_NAME))
    _add_missing_indexes(dynamodb)
    _unless_exists(clients["events"].create_event_bus, Name=EVENT_BUS_NAME)
    for employee, approver in APPROVER_DIRECTORY.items():
        item = {k: {"S": v} for k, v in directory_item(employee, approver).items()}
        dynamodb.put_item(TableName=TABLE_NAME, Item=item)
    clients["ses"].verify_email_identity(EmailAddress=SENDER_EMAIL)
    # Only where none is: a restart has replayed what the parameters held, a rotation by
    # `leave-ops rotate-key` included. Until the first rotation the current key stands in for the
    # previous one.
    for name in (SIGNING_KEY_PARAMETER, PREVIOUS_SIGNING_KEY_PARAMETER):
        _unless_exists(clients["ssm"].put_parameter, Name=name, Value=key, Type="SecureString")
