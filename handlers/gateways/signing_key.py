"""The key that signs decision links: an SSM SecureString, read and cached by Powertools."""

from aws_lambda_powertools.utilities import parameters

# Long enough to spare SSM on a busy day; short enough that a rotated key takes over soon.
_CACHE_SECONDS = 300


def signing_key(parameter_name: str) -> bytes:
    value = parameters.get_parameter(parameter_name, decrypt=True, max_age=_CACHE_SECONDS)
    return str(value).encode()
