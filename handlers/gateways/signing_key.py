"""The key that signs decision links: an SSM SecureString, read and cached by Powertools."""

from functools import cache

from aws_lambda_powertools.utilities import parameters

from handlers.aws_clients import aws_client

# Long enough to spare SSM on a busy day; short enough that a rotated key takes over soon.
_CACHE_SECONDS = 300


@cache
def ssm_parameters() -> parameters.SSMProvider:
    """Powertools' SSM reader and its cache, over the environment's own SSM client (Powertools
    would make one of its own, with botocore's defaults)."""
    return parameters.SSMProvider(boto3_client=aws_client("ssm"))


def signing_key(parameter_name: str) -> bytes:
    value = ssm_parameters().get(parameter_name, decrypt=True, max_age=_CACHE_SECONDS)
    return str(value).encode()
