"""The key that signs decision links: an SSM SecureString, read and cached by Powertools; and
the key parameters as an operator rotates them.

Powertools wraps every failure of the read in its own `GetParameterError`, a throttle and a 5xx
too; the AWS error under it is raised instead, so that callers judge it as any other AWS call's
(a step retries what may pass, a person is answered "busy, retry", not a 500). Under chaos, one
SSM 5xx otherwise failed the step that emails the approver, and the request with it.
"""

from datetime import UTC, datetime
from functools import cache
from typing import Any

from aws_lambda_powertools.utilities import parameters
from aws_lambda_powertools.utilities.parameters.exceptions import GetParameterError
from botocore.exceptions import BotoCoreError, ClientError

from handlers.aws_clients import aws_client

# Long enough to spare SSM on a busy day; short enough that a rotated key takes over soon.
KEY_CACHE_SECONDS = 300


@cache
def ssm_parameters() -> parameters.SSMProvider:
    """Powertools' SSM reader and its cache, over the environment's own SSM client (Powertools
    would make one of its own, with botocore's defaults)."""
    return parameters.SSMProvider(boto3_client=aws_client("ssm"))


def signing_key(parameter_name: str, provider: parameters.SSMProvider | None = None) -> bytes:
    """The key, through `provider` (the environment's shared reader unless given)."""
    try:
        value = (provider or ssm_parameters()).get(
            parameter_name, decrypt=True, max_age=KEY_CACHE_SECONDS
        )
    except GetParameterError as wrapped:
        under = wrapped.__cause__ or wrapped.__context__
        if isinstance(under, ClientError | BotoCoreError):
            raise under from None
        raise
    return str(value).encode()


class SigningKeyParameters:
    """The key parameters as an operator reads and writes them (`leave-ops rotate-key`), over
    an SSM client of its own: never cached, so what it reads is what SSM holds now."""

    def __init__(self, client: Any) -> None:
        self._client = client

    def last_changed(self, name: str) -> datetime | None:
        """When the parameter's value was last set; None if there is no such parameter."""
        try:
            answer = self._client.get_parameter(Name=name, WithDecryption=False)
        except ClientError as error:
            if error.response["Error"]["Code"] == "ParameterNotFound":
                return None
            raise
        changed: datetime = answer["Parameter"]["LastModifiedDate"]
        return changed if changed.tzinfo else changed.replace(tzinfo=UTC)

    def read(self, name: str) -> str:
        answer = self._client.get_parameter(Name=name, WithDecryption=True)
        return str(answer["Parameter"]["Value"])

    def write(self, name: str, value: str) -> None:
        self._client.put_parameter(Name=name, Value=value, Type="SecureString", Overwrite=True)
