"""The employees' REST API: a web ACL that limits each client, a stage that throttles, then
proxy events (payload format 1.0) for one function, as AWS WAF and API Gateway do it.

- Every request first counts against its client's own budget (`ClientRateLimit`, the deployed
  web ACL's rate-based rule): a client past it gets 429 with `Retry-After`, as the web ACL
  answers, and spends nothing of the stage's budget, so a flood from one client, signed in or
  not, never turns another away. The client is `X-Forwarded-For`'s first address when the
  caller sent one (as API Gateway takes it), else the connecting address: every caller of the
  sandbox connects from 127.0.0.1, so the header is how a test stands in for two clients. (On
  AWS the rule counts the connecting address, which a header cannot forge.)
- Only paths under the stage (`/live/...`) exist; anything else is API Gateway's 403.
- The stage meters requests with a token bucket (`components.throttling`, the same limits and
  the same THROTTLED answer as the deployed stage): past it, 429 with `Retry-After`, and the
  function is never invoked.
- The event carries the path without the stage, the stage in its request context, headers as
  the caller spelt them (single- and multi-valued), the client as `sourceIp`, the connecting
  address appended to `X-Forwarded-For`, and `X-Forwarded-Proto: http`: the sandbox serves plain
  HTTP on 127.0.0.1.
"""

import base64
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol
from urllib.parse import parse_qsl

from components.throttling import (
    API_STAGE,
    CLIENT_LIMITED_STATUS,
    THROTTLED_STATUS,
    ClientRateLimit,
    Throttle,
)
from sandbox.config import ACCOUNT_ID
from sandbox.function_url_gateway import invoke_proxy, is_text
from sandbox.http_server import Request, Response
from sandbox.lambda_runtime import FunctionRuntime


class BucketLimits(Protocol):
    @property
    def rate_per_second(self) -> float: ...

    @property
    def burst(self) -> int: ...


class TokenBucket:
    """`burst` tokens to start with, refilled at `rate_per_second`; one per request."""

    def __init__(self, limits: BucketLimits, clock: Callable[[], float] = time.monotonic) -> None:
        self._rate = limits.rate_per_second
        self._capacity = float(limits.burst)
        self._tokens = self._capacity
        self._clock = clock
        self._refilled_at = clock()
        self._lock = threading.Lock()

    def take(self) -> bool:
        with self._lock:
            now = self._clock()
            elapsed = max(0.0, now - self._refilled_at)
            self._tokens = min(self._capacity, self._tokens + elapsed * self._rate)
            self._refilled_at = now
            if self._tokens < 1:
                return False
            self._tokens -= 1
            return True


class ClientBuckets:
    """One token bucket per client, made on the client's first request."""

    def __init__(self, limit: ClientRateLimit, clock: Callable[[], float] = time.monotonic) -> None:
        self._limit = limit
        self._clock = clock
        self._buckets: dict[str, TokenBucket] = {}
        self._lock = threading.Lock()

    def take(self, client: str) -> bool:
        with self._lock:
            bucket = self._buckets.get(client)
            if bucket is None:
                bucket = self._buckets[client] = TokenBucket(self._limit, self._clock)
        return bucket.take()


def client_address(request: Request) -> str:
    """Who is calling: `X-Forwarded-For`'s first address when sent, else the connecting one."""
    forwarded = request.header("x-forwarded-for").split(",", 1)[0].strip()
    return forwarded or request.client_ip


@dataclass(frozen=True)
class RestApiConfig:
    api_id: str
    throttle: Throttle = field(default_factory=Throttle)
    stage: str = API_STAGE
    client_rate_limit: ClientRateLimit = field(default_factory=ClientRateLimit)


def rest_api_event(request: Request, path: str, config: RestApiConfig) -> dict[str, Any]:
    headers: dict[str, str] = {}
    multi_headers: dict[str, list[str]] = {}
    for name, value in request.headers:
        headers[name] = value
        multi_headers.setdefault(name, []).append(value)
    host = request.header("host", "127.0.0.1")
    sent_forwarded_for = request.header("x-forwarded-for").strip()
    forwarded = {
        "X-Forwarded-Proto": "http",
        "X-Forwarded-Port": host.rpartition(":")[2],
        "X-Forwarded-For": ", ".join(filter(None, (sent_forwarded_for, request.client_ip))),
        "X-Amzn-Trace-Id": f"Root=1-{uuid.uuid4().hex[:8]}-{uuid.uuid4().hex[:24]}",
    }
    headers |= forwarded
    multi_headers |= {name: [value] for name, value in forwarded.items()}
    query: dict[str, list[str]] = {}
    for key, value in parse_qsl(request.query, keep_blank_values=True):
        query.setdefault(key, []).append(value)
    binary = bool(request.body) and not is_text(request.header("content-type"))
    resource = "/" if path == "/" else "/{proxy+}"
    body: str | None = None
    if request.body:
        body = base64.b64encode(request.body).decode() if binary else request.body.decode()
    return {
        "resource": resource,
        "path": path,
        "httpMethod": request.method,
        "headers": headers,
        "multiValueHeaders": multi_headers,
        "queryStringParameters": {k: v[-1] for k, v in query.items()} or None,
        "multiValueQueryStringParameters": query or None,
        "pathParameters": None if path == "/" else {"proxy": path.lstrip("/")},
        "stageVariables": None,
        "requestContext": {
            "accountId": ACCOUNT_ID,
            "apiId": config.api_id,
            "domainName": host,
            "domainPrefix": config.api_id,
            "httpMethod": request.method,
            "identity": {
                "sourceIp": client_address(request),
                "userAgent": request.header("user-agent"),
            },
            "path": f"/{config.stage}{path}",
            "protocol": "HTTP/1.1",
            "requestId": str(uuid.uuid4()),
            "requestTimeEpoch": int(time.time() * 1000),
            "resourcePath": resource,
            "stage": config.stage,
        },
        "body": body,
        "isBase64Encoded": binary,
    }


class RestApiGateway:
    def __init__(self, runtime: FunctionRuntime, config: RestApiConfig) -> None:
        self._runtime = runtime
        self._config = config
        self._bucket = TokenBucket(config.throttle)
        self._clients = (
            ClientBuckets(config.client_rate_limit) if config.client_rate_limit.enabled else None
        )

    def handle(self, request: Request) -> Response:
        config = self._config
        # The web ACL comes first: it counts every request to the API, whatever its path.
        if self._clients is not None and not self._clients.take(client_address(request)):
            limit = config.client_rate_limit
            return Response(
                CLIENT_LIMITED_STATUS,
                limit.limited_body().encode(),
                list(limit.limited_headers().items()),
            )
        stage_root = f"/{config.stage}"
        if request.path != stage_root and not request.path.startswith(stage_root + "/"):
            return Response.json('{"message":"Forbidden"}', status=403)
        if not self._bucket.take():
            return Response(
                THROTTLED_STATUS,
                config.throttle.throttled_body().encode(),
                list(config.throttle.throttled_headers().items()),
            )
        path = request.path[len(stage_root) :] or "/"
        event = rest_api_event(request, path, config)
        return invoke_proxy(self._runtime, event)
