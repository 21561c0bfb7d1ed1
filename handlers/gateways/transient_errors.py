"""Which failures of an AWS call may pass if tried again, by botocore's own rules.

Throttling, a 5xx, a timeout or a lost connection may pass; anything else (a refused condition,
a validation error, a missing permission) will fail the same way every time, so retrying it
only delays the answer. botocore's standard retry mode makes this call for every SDK call
before we see an error; this applies the same rules to the errors that still reach us.
"""

from typing import Any

from botocore.awsrequest import AWSResponse
from botocore.exceptions import BotoCoreError, ClientError
from botocore.retries.standard import (
    RetryContext,
    ThrottledRetryableChecker,
    TransientRetryableChecker,
)

# Service errors botocore's lists leave out that mean "not now" rather than "never".
_MORE_TRANSIENT_CODES = {
    "ServiceException",  # Lambda's 5xx
    "InternalServerError",
    "InternalFailure",
    "ServiceUnavailable",
    "ServiceUnavailableException",
    "TransactionConflict",
}
# Why a DynamoDB transaction item was cancelled, when trying again may pass.
_TRANSIENT_CANCELLATIONS = {
    "ThrottlingError",
    "TransactionConflict",
    "ProvisionedThroughputExceeded",
}

_checkers = (TransientRetryableChecker(), ThrottledRetryableChecker())


class TransientError(RuntimeError):
    """Raised by our own gateways for a refusal that may pass (a throttled PutEvents entry)."""


def _http_status(error: ClientError) -> int | None:
    status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
    return int(status) if status else None


def _context_for(error: BaseException) -> RetryContext:
    if isinstance(error, ClientError):
        status = _http_status(error)
        response: Any = AWSResponse("", status, {}, None) if status else None
        return RetryContext(1, parsed_response=error.response, http_response=response)
    return RetryContext(1, caught_exception=error)


def is_transient(error: BaseException) -> bool:
    if isinstance(error, TransientError):
        return True
    if isinstance(error, ClientError):
        code = error.response.get("Error", {}).get("Code", "")
        if code in _MORE_TRANSIENT_CODES:
            return True
        if code == "TransactionCanceledException":
            reasons = {r.get("Code") for r in error.response.get("CancellationReasons") or []}
            return bool(reasons & _TRANSIENT_CANCELLATIONS)
    elif not isinstance(error, BotoCoreError):
        return False
    context = _context_for(error)
    return any(checker.is_retryable(context) for checker in _checkers)
