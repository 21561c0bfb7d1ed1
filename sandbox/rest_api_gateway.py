"""The employees' REST API: a stage that throttles, then proxy events (payload format 1.0) for
one function, as API Gateway does it.

- Only paths under the stage (`/live/...`) exist; anything else is API Gateway's 403.
- The stage meters requests with a token bucket (`components.throttling`, the same limits and
  the same THROTTLED answer as the deployed stage): past it, 429 with `Retry-After`, and the
  function is never invoked.
- The event carries the path without the stage, the stage in its request context, headers as
  the caller spelt them (single- and multi-valued), and `X-Forwarded-Proto: http`: the sandbox
  serves plain HTTP on 127.0.0.1.
"""

import base64
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

from components.throttling import API_STAGE, THROTTLED_STATUS, Throttle
from sandbox.config import ACCOUNT_ID
from sandbox.function_url_gateway import invoke_proxy, is_text
from sandbox.http_server import Request, Response
from sandbox.lambda_runtime import FunctionRuntime


class TokenBucket:
    """`burst` tokens to start with, refilled at `rate_per_second`; one per request."""

    def __init__(self, throttle: Throttle, clock: Callable[[], float] = time.monotonic) -> None:
        self._rate = throttle.rate_per_second
        self._capacity = float(throttle.burst)
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


@dataclass(frozen=True)
class RestApiConfig:
    api_id: str
    throttle: Throttle = field(default_factory=Throttle)
    stage: str = API_STAGE


def rest_api_event(request: Request, path: str, config: RestApiConfig) -> dict[str, Any]:
    headers: dict[str, str] = {}
    multi_headers: dict[str, list[str]] = {}
    for name, value in request.headers:
        headers[name] = value
        multi_headers.setdefault(name, []).append(value)
    host = request.header("host", "127.0.0.1")
    forwarded = {
        "X-Forwarded-Proto": "http",
        "X-Forwarded-Port": host.rpartition(":")[2],
        "X-Forwarded-For": request.client_ip,
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
                "sourceIp": request.client_ip,
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

    def handle(self, request: Request) -> Response:
        config = self._config
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
