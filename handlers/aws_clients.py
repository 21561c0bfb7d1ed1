"""The boto3 clients of an execution environment: one per AWS service, shared, and all made
here, with the one configuration that makes them give up in time.

Creating a client costs 10-20 ms even once botocore has read the service's model, and a
function that made one per store and gateway paid that several times on its first request
(the workflow made three for DynamoDB alone). boto3 clients are thread-safe.

Every client retries in botocore's standard mode (throttling, 5xx, timeouts, lost
connections; handlers/gateways/transient_errors.py applies the same rules to what still
reaches us) and waits only so long for a connection and an answer. botocore's defaults, the
legacy retry mode and 60-second timeouts, let one slow call outlive the submit and decision
functions (15 seconds): Lambda then killed the function and the caller got a bare 502. Now a
call, retries and backoff included, gives up before the shortest function timeout, and its
caller answers "busy, retry" (503 + Retry-After) or its durable step retries later. The
longer functions (the workflow, the settler, the gauge) use the same limits: their work
retries at a level of its own (steps with backoff, the next sweep or run).
"""

from functools import cache
from typing import Any

import boto3
from botocore.config import Config

CONNECT_TIMEOUT_SECONDS = 1
READ_TIMEOUT_SECONDS = 3
# The first try and one retry.
TOTAL_ATTEMPTS = 2
# What standard mode may wait before retry n (1-based): a jittered backoff of at most 2^(n-1)
# seconds (for a throttle; less otherwise), and up to 5 more if the service asks for it
# (x-amz-retry-after).
_MOST_BACKOFF_SECONDS = 20
_MOST_RETRY_AFTER_SECONDS = 5

CLIENT_CONFIG = Config(
    connect_timeout=CONNECT_TIMEOUT_SECONDS,
    read_timeout=READ_TIMEOUT_SECONDS,
    retries={"mode": "standard", "total_max_attempts": TOTAL_ATTEMPTS},
)


def longest_call_seconds() -> float:
    """The most one call may take before it gives up: every attempt waiting out both
    timeouts, and the longest backoff before each retry."""
    attempts = TOTAL_ATTEMPTS * (CONNECT_TIMEOUT_SECONDS + READ_TIMEOUT_SECONDS)
    backoff: int = sum(
        min(2 ** (retry - 1), _MOST_BACKOFF_SECONDS) + _MOST_RETRY_AFTER_SECONDS
        for retry in range(1, TOTAL_ATTEMPTS)
    )
    return attempts + backoff


@cache
def aws_client(service: str) -> Any:
    return boto3.client(service, config=CLIENT_CONFIG)
