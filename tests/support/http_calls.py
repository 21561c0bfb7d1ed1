"""Calling a handler the way its front does (a Function URL, or an API Gateway REST API's
proxy integration), and reading its answer."""

import base64
import json
import threading
from collections.abc import Callable
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


REST_API_HOST = "a1b2c3d4e5.execute-api.us-east-2.amazonaws.com"


def rest_api_event(
    method: str,
    path: str = "/",
    body: str | bytes | None = None,
    headers: dict[str, str] | None = None,
    query: dict[str, str] | None = None,
    host: str = REST_API_HOST,
    stage: str = "live",
) -> dict[str, Any]:
    """A REST API proxy event (payload format 1.0) for `https://{host}/{stage}{path}`: headers
    keep the caller's spelling and come twice, single- and multi-valued, as API Gateway sends
    them."""
    all_headers = {"Host": host, "X-Forwarded-Proto": "https", **(headers or {})}
    is_binary = isinstance(body, bytes)
    return {
        "resource": "/" if path == "/" else "/{proxy+}",
        "path": path,
        "httpMethod": method,
        "headers": all_headers,
        "multiValueHeaders": {k: [v] for k, v in all_headers.items()},
        "queryStringParameters": query or None,
        "multiValueQueryStringParameters": {k: [v] for k, v in query.items()} if query else None,
        "pathParameters": None if path == "/" else {"proxy": path.lstrip("/")},
        "stageVariables": None,
        "requestContext": {
            "accountId": "123456789012",
            "apiId": host.split(".")[0],
            "domainName": host,
            "domainPrefix": host.split(".")[0],
            "httpMethod": method,
            "identity": {"sourceIp": "127.0.0.1", "userAgent": "tests"},
            "path": f"/{stage}{path}",
            "protocol": "HTTP/1.1",
            "requestId": "test-request",
            "requestTimeEpoch": 1795849200000,
            "resourcePath": "/" if path == "/" else "/{proxy+}",
            "stage": stage,
        },
        "body": base64.b64encode(body).decode() if isinstance(body, bytes) else body,
        "isBase64Encoded": is_binary,
    }


EventBuilder = Callable[..., dict[str, Any]]

# Powertools' resolvers keep the event being served in one class attribute, shared by every
# resolver in the process: Lambda gives an execution environment one event at a time. Tests
# that race two calls in one process (a withdrawal and an approval) would otherwise have each
# handler read the other's event (seen as a signed-in withdrawal answered 401). The race itself
# is arbitrated by the callback API, which the calls still reach in either order; the e2e tests
# race them in separate processes. Re-entrant: a call made from inside another (a rival
# decision injected into the first one's callback) is still served.
_ONE_EVENT_AT_A_TIME = threading.RLock()


def call(
    handler: Any,
    method: str,
    path: str = "/",
    via: EventBuilder = function_url_event,
    **kwargs: Any,
) -> HttpResponse:
    """Invoke an HTTP handler with the event its front builds (`via`, a Function URL's by
    default); `json=` sends a JSON body, `form=` a form."""
    headers = dict(kwargs.pop("headers", None) or {})
    if "json" in kwargs:
        kwargs["body"] = json.dumps(kwargs.pop("json"))
        headers.setdefault("content-type", "application/json")
    if "form" in kwargs:
        kwargs["body"] = urlencode(kwargs.pop("form"))
        headers.setdefault("content-type", "application/x-www-form-urlencoded")
    with _ONE_EVENT_AT_A_TIME:
        result = handler(via(method, path, headers=headers, **kwargs), lambda_context())
    # A REST API proxy's answer may carry its headers in either field; API Gateway sends both.
    response_headers = {k.lower(): v for k, v in (result.get("headers") or {}).items()}
    for name, values in (result.get("multiValueHeaders") or {}).items():
        response_headers[name.lower()] = ", ".join(values)
    body = result.get("body") or ""
    if result.get("isBase64Encoded"):
        body = base64.b64decode(body).decode()
    return HttpResponse(int(result["statusCode"]), body, response_headers)


def query_of(url: str) -> dict[str, str]:
    return dict(parse_qsl(url.partition("?")[2]))
