"""Calling a handler the way a Lambda Function URL does, and reading its answer."""

import base64
import json
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlencode

from tests.support.lambda_context import lambda_context


@dataclass
class HttpResponse:
    status: int
    body: str
    headers: dict[str, str] = field(default_factory=dict)

    def json(self) -> Any:
        return json.loads(self.body)


def function_url_event(
    method: str,
    path: str = "/",
    body: str | bytes | None = None,
    headers: dict[str, str] | None = None,
    query: dict[str, str] | None = None,
    host: str = "abc123.lambda-url.us-east-2.on.aws",
) -> dict[str, Any]:
    all_headers = {"host": host, "x-forwarded-proto": "https", **(headers or {})}
    all_headers = {k.lower(): v for k, v in all_headers.items()}
    is_binary = isinstance(body, bytes)
    return {
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": path,
        "rawQueryString": urlencode(query or {}),
        "queryStringParameters": query or None,
        "headers": all_headers,
        "requestContext": {
            "accountId": "anonymous",
            "apiId": host.split(".")[0],
            "domainName": host,
            "domainPrefix": host.split(".")[0],
            "http": {
                "method": method,
                "path": path,
                "protocol": "HTTP/1.1",
                "sourceIp": "127.0.0.1",
                "userAgent": "tests",
            },
            "requestId": "test-request",
            "routeKey": "$default",
            "stage": "$default",
            "time": "22/Nov/2026:07:00:00 +0000",
            "timeEpoch": 1795849200000,
        },
        "body": base64.b64encode(body).decode() if isinstance(body, bytes) else body,
        "isBase64Encoded": is_binary,
    }


def call(handler: Any, method: str, path: str = "/", **kwargs: Any) -> HttpResponse:
    """Invoke a Function URL handler; `json=` sends a JSON body, `form=` a form."""
    headers = dict(kwargs.pop("headers", None) or {})
    if "json" in kwargs:
        kwargs["body"] = json.dumps(kwargs.pop("json"))
        headers.setdefault("content-type", "application/json")
    if "form" in kwargs:
        kwargs["body"] = urlencode(kwargs.pop("form"))
        headers.setdefault("content-type", "application/x-www-form-urlencoded")
    result = handler(function_url_event(method, path, headers=headers, **kwargs), lambda_context())
    response_headers = {k.lower(): v for k, v in (result.get("headers") or {}).items()}
    body = result.get("body") or ""
    if result.get("isBase64Encoded"):
        body = base64.b64decode(body).decode()
    return HttpResponse(int(result["statusCode"]), body, response_headers)


def query_of(url: str) -> dict[str, str]:
    return dict(parse_qsl(url.partition("?")[2]))
