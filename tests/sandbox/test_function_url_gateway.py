"""HTTP to Function URL events (payload format 2.0) and the function's answer back to HTTP."""

import base64
import json

from sandbox.function_url_gateway import (
    Cors,
    FunctionUrlConfig,
    FunctionUrlGateway,
    function_url_event,
    http_response,
)
from sandbox.http_server import Request

CONFIG = FunctionUrlConfig("abc123", Cors(allow_origins=("http://127.0.0.1:8000",)))


def _request(method: str = "GET", body: bytes = b"", **extra: object) -> Request:
    headers = [("Host", "127.0.0.1:8001"), ("Cookie", "a=1; b=2"), ("X-Multi", "1")]
    headers += [("X-Multi", "2"), *extra.get("headers", [])]  # type: ignore[misc]
    return Request(method, "/requests/lr-1", "x=1&x=2&y=", headers, body, "10.0.0.7")


def test_the_event_carries_the_request_as_lambda_sends_it() -> None:
    event = function_url_event(_request(), CONFIG)

    assert event["version"] == "2.0"
    assert event["rawPath"] == "/requests/lr-1"
    assert event["rawQueryString"] == "x=1&x=2&y="
    assert event["queryStringParameters"] == {"x": "1,2", "y": ""}
    assert event["cookies"] == ["a=1", "b=2"]
    assert event["headers"]["host"] == "127.0.0.1:8001"
    assert event["headers"]["x-multi"] == "1,2"
    assert event["headers"]["x-forwarded-proto"] == "http"
    assert event["requestContext"]["http"]["method"] == "GET"
    assert event["requestContext"]["http"]["sourceIp"] == "10.0.0.7"
    assert event["requestContext"]["domainName"] == "127.0.0.1:8001"
    assert "body" not in event
    assert event["isBase64Encoded"] is False


def test_text_bodies_travel_as_text_and_others_as_base64() -> None:
    text = _request("POST", b'{"a": 1}', headers=[("Content-Type", "application/json")])
    binary = _request("POST", b"\x00\x01", headers=[("Content-Type", "image/png")])

    assert function_url_event(text, CONFIG)["body"] == '{"a": 1}'
    as_binary = function_url_event(binary, CONFIG)
    assert as_binary["isBase64Encoded"] is True
    assert base64.b64decode(as_binary["body"]) == b"\x00\x01"


def test_a_structured_answer_becomes_status_headers_cookies_and_body() -> None:
    response = http_response(
        {
            "statusCode": 409,
            "headers": {"Content-Type": "text/html"},
            "cookies": ["s=1"],
            "body": base64.b64encode(b"<p>no</p>").decode(),
            "isBase64Encoded": True,
        }
    )
    assert response.status == 409
    assert response.body == b"<p>no</p>"
    assert ("Set-Cookie", "s=1") in response.headers
    assert ("Content-Type", "text/html") in response.headers


def test_multi_valued_headers_of_a_proxy_answer_are_sent_too() -> None:
    response = http_response(
        {"statusCode": 429, "multiValueHeaders": {"Retry-After": ["5"], "X-A": ["1", "2"]}}
    )
    assert response.status == 429
    assert ("Retry-After", "5") in response.headers
    assert [v for k, v in response.headers if k == "X-A"] == ["1", "2"]


def test_any_other_answer_is_200_json() -> None:
    response = http_response({"hello": "world"})
    assert response.status == 200
    assert json.loads(response.body) == {"hello": "world"}


def test_a_cors_preflight_is_answered_without_invoking_the_function() -> None:
    gateway = FunctionUrlGateway(runtime=None, config=CONFIG)  # type: ignore[arg-type]
    preflight = [("Origin", "http://127.0.0.1:8000"), ("Access-Control-Request-Method", "POST")]

    allowed = gateway.handle(_request("OPTIONS", headers=preflight))
    foreign = gateway.handle(_request("OPTIONS", headers=[("Origin", "http://evil"), preflight[1]]))

    assert allowed.status == 200
    assert ("Access-Control-Allow-Origin", "http://127.0.0.1:8000") in allowed.headers
    assert foreign.status == 403
