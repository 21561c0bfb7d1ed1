"""How the employees' API throttles, declared once for the stack and the sandbox's front.

API Gateway meters each stage with a token bucket: `burst` requests may arrive at once, and the
bucket refills at `rate_per_second`. A request finding the bucket empty never reaches Lambda:
API Gateway answers it with the stage's THROTTLED gateway response, which this service sets to
a 429 in its usual error shape with a `Retry-After` (a REST API lets a gateway response carry
headers; an HTTP API's throttled answers cannot). That bucket is shared by every caller, so in
front of it each client address has a budget of its own (`ClientRateLimit`: an AWS WAF rule on
AWS, a bucket per client in the sandbox), refused with the same kind of answer. Nothing here
imports Pulumi.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass

# The REST API's one stage: the first segment of every employee URL (`.../live/requests/...`).
API_STAGE = "live"

DEFAULT_RATE_PER_SECOND = 10.0
DEFAULT_BURST = 20
# API Gateway's own account-wide ceilings per region; a stage's limits cannot go beyond them.
MAX_RATE_PER_SECOND = 10_000.0
# terraform-provider-aws sends a stage's rate to API Gateway as text with six decimals (Go's
# `%f`, in its method settings): a smaller rate would arrive as 0, which lets nothing through.
MIN_RATE_PER_SECOND = 0.000_001
MAX_BURST = 5_000

THROTTLED_STATUS = 429
THROTTLED_MESSAGE = "Too many requests right now: please retry shortly."


@dataclass(frozen=True)
class Throttle:
    rate_per_second: float = DEFAULT_RATE_PER_SECOND
    burst: int = DEFAULT_BURST

    @property
    def retry_after_seconds(self) -> int:
        """When a token is next due in an empty bucket, in whole seconds (at least one)."""
        return max(1, math.ceil(1 / self.rate_per_second))

    def throttled_headers(self) -> dict[str, str]:
        return {"Content-Type": "application/json", "Retry-After": str(self.retry_after_seconds)}

    @staticmethod
    def throttled_body() -> str:
        return json.dumps({"message": THROTTLED_MESSAGE})


# Per client, in front of the stage: an AWS WAF rate-based rule counting each address's requests
# over a trailing window. Its limits, as botocore's wafv2 model states them: a limit of 10 to
# 2,000,000,000 requests per window, and these windows (WAF checks the rate about every 10 s).
CLIENT_WINDOWS_SECONDS = (60, 120, 300, 600)
MIN_CLIENT_LIMIT = 10
MAX_CLIENT_LIMIT = 2_000_000_000
DEFAULT_CLIENT_WINDOW_SECONDS = 300
# Per address: an office behind one NAT address is one client, so this leaves room for a few
# hundred people's pages, yet one address spends at most a fifth of the stage's steady rate.
DEFAULT_CLIENT_LIMIT = 600
# WAF answers a blocked request 403 unless the rule says otherwise; this one answers as the
# stage's throttle does, so a client handles both alike: 429 with Retry-After, the usual shape.
CLIENT_LIMITED_STATUS = THROTTLED_STATUS
CLIENT_LIMITED_MESSAGE = "Too many requests from your address: please retry later."


@dataclass(frozen=True)
class ClientRateLimit:
    """At most `limit` requests from one client address per `window_seconds`; off when not
    `enabled`. The sandbox meters it as a token bucket holding `limit` and refilled over the
    window (AWS counts over a trailing window: the same average, the same first burst)."""

    enabled: bool = True
    limit: int = DEFAULT_CLIENT_LIMIT
    window_seconds: int = DEFAULT_CLIENT_WINDOW_SECONDS

    def __post_init__(self) -> None:
        if not MIN_CLIENT_LIMIT <= self.limit <= MAX_CLIENT_LIMIT:
            raise ValueError(
                f"the limit must be between {MIN_CLIENT_LIMIT} and {MAX_CLIENT_LIMIT}, "
                f"not {self.limit}"
            )
        if self.window_seconds not in CLIENT_WINDOWS_SECONDS:
            windows = ", ".join(map(str, CLIENT_WINDOWS_SECONDS))
            raise ValueError(
                f"the window must be one of {windows} seconds, not {self.window_seconds}"
            )

    @property
    def rate_per_second(self) -> float:
        return self.limit / self.window_seconds

    @property
    def burst(self) -> int:
        return self.limit

    @property
    def retry_after_seconds(self) -> int:
        """How long one more request's share of the window is, in whole seconds."""
        return max(1, math.ceil(self.window_seconds / self.limit))

    def limited_headers(self) -> dict[str, str]:
        return {"Content-Type": "application/json", "Retry-After": str(self.retry_after_seconds)}

    @staticmethod
    def limited_body() -> str:
        return json.dumps({"message": CLIENT_LIMITED_MESSAGE})
