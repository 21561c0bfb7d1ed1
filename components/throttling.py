"""How the employees' API throttles, declared once for the stack and the sandbox's front.

API Gateway meters each stage with a token bucket: `burst` requests may arrive at once, and the
bucket refills at `rate_per_second`. A request finding the bucket empty never reaches Lambda:
API Gateway answers it with the stage's THROTTLED gateway response, which this service sets to
a 429 in its usual error shape with a `Retry-After` (a REST API lets a gateway response carry
headers; an HTTP API's throttled answers cannot). Nothing here imports Pulumi.
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
