"""How long one AWS call may take before it gives up, by who waits on the function making it.

A person waits on the submit and decision functions: a call gives up after a few seconds, well
before the function's timeout, and the caller answers "busy, retry" (503 + Retry-After).
Nobody waits on the workflow, the settler and the gauge: there a call waits longer rather than
retry, because a retry after an answer that was only late repeats what the call did (an email
sent twice) and adds load to a service that is already slow; their work still retries at a
level of its own (steps with backoff, the next sweep or run).

Each function's settings name its limits (`AWS_CALL_LIMITS`, written by `environment_for`);
handlers/aws_clients.py makes every client with them. Nothing here imports boto3: the Pulumi
program reads these too.
"""

import os
from collections.abc import Mapping
from typing import Literal

# What botocore's standard mode may wait before retry n (1-based): a jittered backoff of at most
# 2^(n-1) seconds (for a throttle; less otherwise), and up to 5 more if the service asks for it
# (x-amz-retry-after).
_MOST_BACKOFF_SECONDS = 20
_MOST_RETRY_AFTER_SECONDS = 5


class CallLimits:
    # A plain class: a dataclass's generated methods cost a millisecond of every cold start.
    __slots__ = ("connect_timeout_seconds", "read_timeout_seconds", "total_attempts")

    def __init__(
        self, connect_timeout_seconds: int, read_timeout_seconds: int, total_attempts: int
    ) -> None:
        self.connect_timeout_seconds = connect_timeout_seconds
        self.read_timeout_seconds = read_timeout_seconds
        # The first try and the retries.
        self.total_attempts = total_attempts

    def longest_call_seconds(self) -> float:
        """The most one call may take before it gives up: every attempt waiting out both
        timeouts, and the longest backoff before each retry."""
        attempts = self.total_attempts * (self.connect_timeout_seconds + self.read_timeout_seconds)
        backoff: int = sum(
            min(2 ** (retry - 1), _MOST_BACKOFF_SECONDS) + _MOST_RETRY_AFTER_SECONDS
            for retry in range(1, self.total_attempts)
        )
        return attempts + backoff


CallLimitsName = Literal["answering", "background"]
CALL_LIMITS: dict[CallLimitsName, CallLimits] = {
    "answering": CallLimits(connect_timeout_seconds=1, read_timeout_seconds=3, total_attempts=2),
    "background": CallLimits(connect_timeout_seconds=2, read_timeout_seconds=20, total_attempts=2),
}
CALL_LIMITS_VARIABLE = "AWS_CALL_LIMITS"
# The durable SDK's own calls from the workflow (checkpoints, reads of its state). Left to
# itself the SDK waits 50 s for an answer and retries four times, so one call left hanging
# outlives the workflow function (60 s): Lambda then ends the invocation between a step's
# effect and its checkpoint, and the step runs again (an email sent twice). Three shorter
# attempts give up within the function's time; a retry of a checkpoint that was applied is
# answered as the first was (its ClientToken), and a throttled one is tried again.
DURABLE_API_LIMITS = CallLimits(
    connect_timeout_seconds=2, read_timeout_seconds=10, total_attempts=3
)


def call_limits(environ: Mapping[str, str] | None = None) -> CallLimits:
    """This function's limits, by its settings; a person's (the shortest) when unset."""
    name = (os.environ if environ is None else environ).get(CALL_LIMITS_VARIABLE, "answering")
    if name not in CALL_LIMITS:
        raise ValueError(
            f"{CALL_LIMITS_VARIABLE} must be one of {sorted(CALL_LIMITS)}, not {name!r}"
        )
    return CALL_LIMITS[name]
