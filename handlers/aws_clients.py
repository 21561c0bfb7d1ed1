"""The boto3 clients of an execution environment: one per AWS service, shared, and all made
here, with the limits that make every call give up in time.

Creating a client costs 10-20 ms even once botocore has read the service's model, and a
function that made one per store and gateway paid that several times on its first request
(the workflow made three for DynamoDB alone). boto3 clients are thread-safe.

Every client retries in botocore's standard mode (throttling, 5xx, timeouts, lost
connections; handlers/gateways/transient_errors.py applies the same rules to what still
reaches us) and waits only so long for a connection and an answer, by who waits on the
function (handlers/call_limits.py). botocore's defaults, the legacy retry mode and 60-second
timeouts, let one slow call outlive the submit and decision functions (15 seconds): Lambda
then killed the function and the caller got a bare 502.
"""

from functools import cache
from typing import Any

import boto3
from botocore.config import Config

from handlers.call_limits import DURABLE_API_LIMITS, CallLimits, call_limits


def client_config(limits: CallLimits) -> Config:
    return Config(
        connect_timeout=limits.connect_timeout_seconds,
        read_timeout=limits.read_timeout_seconds,
        retries={"mode": "standard", "total_max_attempts": limits.total_attempts},
    )


@cache
def aws_client(service: str) -> Any:
    return boto3.client(service, config=client_config(call_limits()))


@cache
def durable_api_client() -> Any:
    """The Lambda client the durable SDK checkpoints through, within the workflow's time."""
    return boto3.client("lambda", config=client_config(DURABLE_API_LIMITS))
