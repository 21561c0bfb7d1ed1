"""A Function URL: HTTP requests become Function URL events (payload format 2.0) for one function,
and its answer becomes the HTTP response, as Lambda's Function URLs do it.

The Host header is passed through, as on AWS, so the submit handler's `status_url` names this
URL; `x-forwarded-proto` says `http` because the sandbox serves plain HTTP on 127.0.0.1. A URL's
CORS configuration is answered here, without invoking the function, as on AWS.
"""

import base64
import json
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl

from sandbox.config import ACCOUNT_ID, REGION
from sandbox.functions import function_arn
from sandbox.http_server import Request, Response
from sandbox.lambda_runtime import FunctionRuntime, Invocation

_TEXT_TYPES = ("text/", "json", "xml", "javascript", "x-www-form-urlencoded")


@dataclass(frozen=True)
class Cors:
    allow_origins: tuple[str, ...]
    allow_methods: tuple[str, ...] = ("GET", "POST")
    allow_headers: tuple[str, ...] = ("content-type",)
    max_age: int = 300


@dataclass(frozen=True)
class FunctionUrlConfig:
    url_id: str
    cors: Cors | None = field(default=None)


def is_text(content_type: str) -> bool:
    return any(marker in content_type.lower() for marker in _TEXT_TYPES)


def function_url_event(request: Request, config: FunctionUrlConfig) -> dict[str, Any]:
    headers: dict[str, str] = {}
    cookies: list[str] = []
    for name, value in request.headers:
        key = name.lower()
        if key == "cookie":
            cookies += [c.strip() for c in value.split(";") if c.strip()]
            continue
        headers[key] = f"{headers[key]},{value}" if key in headers else value
    host = headers.get("host", "127.0.0.1")
    headers.update(
        {
            "x-forwarded-proto": "http",
            "x-forwarded-port": host.rpartition(":")[2],
            "x-forwarded-for": request.client_ip,
            "x-amzn-trace-id": f"Root=1-{uuid.uuid4().hex[:8]}-{uuid.uuid4().hex[:24]}",
        }
    )
    query: dict[str, str] = {}
    for key, value in parse_qsl(request.query, keep_blank_values=True):
        query[key] = f"{query[key]},{value}" if key in query else value
    binary = bool(request.body) and not is_text(headers.get("content-type", ""))
    now = datetime.now(UTC)
    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": request.path,
        "rawQueryString": request.query,
        "headers": headers,
        "requestContext": {
            "accountId": "anonymous",
            "apiId": config.url_id,
            "domainName": host,
            "domainPrefix": config.url_id,
            "http": {
                "method": request.method,
                "path": request.path,
                "protocol": "HTTP/1.1",
                "sourceIp": request.client_ip,
                "userAgent": headers.get("user-agent", ""),
            },
            "requestId": str(uuid.uuid4()),
            "routeKey": "$default",
            "stage": "$default",
            "time": now.strftime("%d/%b/%Y:%H:%M:%S +0000"),
            "timeEpoch": int(now.timestamp() * 1000),
        },
        "isBase64Encoded": binary,
    }
    if cookies:
        event["cookies"] = cookies
    if query:
        event["queryStringParameters"] = query
    if request.body:
        body = request.body
        event["body"] = base64.b64encode(body).decode() if binary else body.decode()
    return event


def http_response(output: Any) -> Response:
    """The function's output as its front turns it into HTTP (a REST API proxy's answer may
    carry headers in `multiValueHeaders` too)."""
    if not (isinstance(output, dict) and "statusCode" in output):
        return Response.json(json.dumps(output))
    body = output.get("body") or ""
    raw = base64.b64decode(body) if output.get("isBase64Encoded") else str(body).encode()
    headers = [(str(k), str(v)) for k, v in (output.get("headers") or {}).items()]
    for name, values in (output.get("multiValueHeaders") or {}).items():
        headers += [(str(name), str(value)) for value in values]
    headers += [("Set-Cookie", str(c)) for c in output.get("cookies") or []]
    if not any(k.lower() == "content-type" for k, _ in headers):
        headers.append(("Content-Type", "application/json"))
    return Response(int(output["statusCode"]), raw, headers)


def _cors_headers(cors: Cors | None, origin: str) -> list[tuple[str, str]]:
    if (
        cors is None
        or not origin
        or ("*" not in cors.allow_origins and origin not in cors.allow_origins)
    ):
        return []
    return [("Access-Control-Allow-Origin", origin), ("Vary", "Origin")]


def _is_preflight(request: Request) -> bool:
    return request.method == "OPTIONS" and bool(request.header("access-control-request-method"))


def _preflight(cors: Cors | None, origin: str) -> Response:
    allowed = _cors_headers(cors, origin)
    if cors is None or not allowed:
        return Response(403)
    return Response(
        200,
        headers=[
            *allowed,
            ("Access-Control-Allow-Methods", ",".join(cors.allow_methods)),
            ("Access-Control-Allow-Headers", ",".join(cors.allow_headers)),
            ("Access-Control-Max-Age", str(cors.max_age)),
        ],
    )


def invoke_proxy(
    runtime: FunctionRuntime, event: dict[str, Any], cors: Cors | None = None, origin: str = ""
) -> Response:
    """Invoke the function with a front's event; its answer as HTTP (502 if it failed), with
    the CORS headers `cors` gives `origin`."""
    result = runtime.invoke(
        Invocation(
            payload=json.dumps(event).encode(),
            invoked_arn=function_arn(runtime.function.name),
            request_id=str(uuid.uuid4()),
        )
    )
    if result.function_error:
        response = Response.json('{"Message":"Internal Server Error"}', status=502)
    else:
        response = http_response(result.output())
    headers = [*response.headers, ("x-amzn-RequestId", result.request_id)]
    return Response(response.status, response.body, headers + _cors_headers(cors, origin))


class FunctionUrlGateway:
    def __init__(self, runtime: FunctionRuntime, config: FunctionUrlConfig) -> None:
        self._runtime = runtime
        self._config = config

    def handle(self, request: Request) -> Response:
        origin = request.header("origin")
        if _is_preflight(request):
            return _preflight(self._config.cors, origin)
        event = function_url_event(request, self._config)
        return invoke_proxy(self._runtime, event, self._config.cors, origin)


def url_id(function_name: str) -> str:
    """A stable stand-in for the random id in `<id>.lambda-url.<region>.on.aws`."""
    return f"{function_name}-{ACCOUNT_ID}-{REGION}".replace("-", "")[:32]
