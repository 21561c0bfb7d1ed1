"""How the workflow's steps retry: what may pass, with backoff; nothing else.

The durable SDK's default retries every exception six times; a validation error or a refused
condition then fails six times over minutes. Here only what `is_transient` says may pass is
retried; the rest fails the step at once and the workflow decides what that means.
"""

from aws_durable_execution_sdk_python.config import Duration
from aws_durable_execution_sdk_python.retries import (
    RetryDecision,
    RetryStrategyConfig,
    create_retry_strategy,
)

from handlers.gateways.transient_errors import is_transient

STEP_ATTEMPTS = 6

_backoff = create_retry_strategy(
    RetryStrategyConfig(
        max_attempts=STEP_ATTEMPTS,
        initial_delay=Duration.from_seconds(5),
        max_delay=Duration.from_minutes(5),
    )
)


def retry_transient(error: Exception, attempts_made: int) -> RetryDecision:
    if not is_transient(error):
        return RetryDecision.no_retry()
    return _backoff(error, attempts_made)
