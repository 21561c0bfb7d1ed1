"""The sandbox's employees' API: each client has its own budget as the deployed web ACL gives it,
only its stage exists, it throttles as the deployed stage does, and what passes reaches the
function as a REST API proxy event."""

import json
from dataclasses import dataclass, field
from typing import Any

from components.throttling import (
    CLIENT_LIMITED_MESSAGE,
    THROTTLED_MESSAGE,
    ClientRateLimit,
    Throttle,
)
from sandbox.http_server import Request
from sandbox.lambda_runtime import Invocation, InvocationResult
from sandbox.rest_api_gateway import ClientBuckets, RestApiConfig, RestApiGateway, TokenBucket


@dataclass
class Function:
    name: str = "leave-approvals-sandbox-submit"


@dataclass
class EchoingRuntime:
    """Stands in for the function: answers with the event it was given, in its
    `multiValueHeaders` form, as Powertools' REST resolver answers."""

    function: Function = field(default_factory=Function)
    events: list[dict[str, Any]] = field(default_factory=list)

    def invoke(self, invocation: Invocation) -> InvocationResult:
        event = json.loads(invocation.payload)
        self.events.append(event)
        answer = {
            "statusCode": 200,
            "multiValueHeaders": {"Content-Type": ["application/json"], "X-Seen": ["1"]},
            "body": json.dumps({"path": event["path"]}),
            "isBase64Encoded": False,
        }
        return InvocationResult("req-1", json.dumps(answer).encode())


Headers = list[tuple[str, str]]


def _request(path: str, method: str = "GET", headers: Headers | None = None) -> Request:
    return Request(
        method,
        path,
        "a=1&a=2",
        [("Host", "127.0.0.1:8001"), ("Authorization", "Bearer t"), *(headers or [])],
        b"",
        "10.0.0.7",
    )


def _gateway(
    throttle: Throttle | None = None, client_rate_limit: ClientRateLimit | None = None
) -> tuple[RestApiGateway, EchoingRuntime]:
    runtime = EchoingRuntime()
    config = RestApiConfig(
        "a1b2c3d4e5",
        throttle or Throttle(),
        client_rate_limit=client_rate_limit or ClientRateLimit(),
    )
    return RestApiGateway(runtime, config), runtime  # type: ignore[arg-type]


def _from(client: str, path: str = "/live/requests", token: bool = False) -> Request:
    """A request from `client`, as a proxy in front of 127.0.0.1 names it."""
    headers = [("X-Forwarded-For", f"{client}, 192.0.2.1")]
    request = _request(path, headers=headers)
    if not token:
        request.headers.remove(("Authorization", "Bearer t"))
    return request


def test_a_request_under_the_stage_reaches_the_function_without_the_stage() -> None:
    gateway, runtime = _gateway()

    response = gateway.handle(_request("/live/requests/lr-1"))

    assert response.status == 200
    assert json.loads(response.body) == {"path": "/requests/lr-1"}
    assert ("X-Seen", "1") in response.headers
    event = runtime.events[0]
    assert event["httpMethod"] == "GET"
    assert event["resource"] == "/{proxy+}"
    assert event["requestContext"]["stage"] == "live"
    assert event["requestContext"]["path"] == "/live/requests/lr-1"
    # Headers as the caller spelt them, once and multi-valued; the scheme the sandbox serves.
    assert event["headers"]["Authorization"] == "Bearer t"
    assert event["multiValueHeaders"]["Host"] == ["127.0.0.1:8001"]
    assert event["headers"]["X-Forwarded-Proto"] == "http"
    assert event["multiValueQueryStringParameters"] == {"a": ["1", "2"]}
    assert event["requestContext"]["identity"]["sourceIp"] == "10.0.0.7"
    root = gateway.handle(_request("/live/", "POST"))
    assert json.loads(root.body) == {"path": "/"}
    assert runtime.events[-1]["resource"] == "/"


def test_outside_the_stage_is_api_gateways_403() -> None:
    gateway, runtime = _gateway()

    for path in ("/", "/requests/lr-1", "/lived/requests"):
        response = gateway.handle(_request(path))
        assert response.status == 403, path
        assert json.loads(response.body) == {"message": "Forbidden"}
    assert runtime.events == []


def test_past_the_burst_callers_get_429_with_retry_after_and_the_function_is_not_run() -> None:
    gateway, runtime = _gateway(Throttle(rate_per_second=0.001, burst=3))

    answers = [gateway.handle(_request("/live/requests/lr-1")) for _ in range(5)]

    assert [a.status for a in answers] == [200, 200, 200, 429, 429]
    throttled = answers[-1]
    assert ("Retry-After", "1000") in throttled.headers
    assert json.loads(throttled.body) == {"message": THROTTLED_MESSAGE}
    assert len(runtime.events) == 3


def test_the_bucket_refills_at_the_rate_up_to_the_burst() -> None:
    now = [0.0]
    bucket = TokenBucket(Throttle(rate_per_second=2, burst=2), clock=lambda: now[0])

    assert [bucket.take() for _ in range(3)] == [True, True, False]
    now[0] += 0.5  # one token back
    assert [bucket.take(), bucket.take()] == [True, False]
    now[0] += 60  # never more than the burst
    assert [bucket.take() for _ in range(3)] == [True, True, False]


def test_a_flood_from_one_client_never_spends_another_clients_budget() -> None:
    # The stage lets 12 through at once, each client 10 (the least AWS WAF allows) per 5 min.
    gateway, runtime = _gateway(
        Throttle(rate_per_second=0.001, burst=12), ClientRateLimit(limit=10, window_seconds=300)
    )

    flood = [gateway.handle(_from("198.51.100.7")) for _ in range(40)]
    employee = [gateway.handle(_from("203.0.113.9", token=True)) for _ in range(2)]

    # Ten of the flood went on (to be refused by the function, without a token); the other 30
    # were refused in front of the stage, and spent nothing of its 12.
    assert [a.status for a in flood] == [200] * 10 + [429] * 30
    assert [a.status for a in employee] == [200, 200]
    refused = flood[-1]
    # 300 s for 10 requests: one every 30 s.
    assert ("Retry-After", "30") in refused.headers
    assert json.loads(refused.body) == {"message": CLIENT_LIMITED_MESSAGE}
    assert len(runtime.events) == 12


def test_the_client_is_the_first_forwarded_address_else_the_connecting_one() -> None:
    gateway, runtime = _gateway(client_rate_limit=ClientRateLimit(limit=10))

    for _ in range(10):
        gateway.handle(_from("198.51.100.7"))
    assert gateway.handle(_from("198.51.100.7")).status == 429
    # Another first address is another client; without the header, the socket's address is.
    assert gateway.handle(_from("198.51.100.8")).status == 200
    assert gateway.handle(_request("/live/requests")).status == 200
    event = runtime.events[-1]
    assert event["requestContext"]["identity"]["sourceIp"] == "10.0.0.7"
    forwarded = runtime.events[-2]
    assert forwarded["requestContext"]["identity"]["sourceIp"] == "198.51.100.8"
    # The connecting address is appended, as API Gateway appends it.
    assert forwarded["headers"]["X-Forwarded-For"] == "198.51.100.8, 192.0.2.1, 10.0.0.7"


def test_the_web_acl_counts_paths_outside_the_stage_too() -> None:
    gateway, _ = _gateway(client_rate_limit=ClientRateLimit(limit=10))

    assert {gateway.handle(_from("198.51.100.7", "/")).status for _ in range(10)} == {403}
    assert gateway.handle(_from("198.51.100.7")).status == 429


def test_turned_off_only_the_stage_throttles() -> None:
    gateway, _ = _gateway(Throttle(rate_per_second=0.001, burst=15), ClientRateLimit(enabled=False))

    answers = [gateway.handle(_from("198.51.100.7")).status for _ in range(16)]

    assert answers == [200] * 15 + [429]


def test_each_client_bucket_refills_over_the_window() -> None:
    now = [0.0]
    buckets = ClientBuckets(ClientRateLimit(limit=10, window_seconds=60), clock=lambda: now[0])

    assert [buckets.take("a") for _ in range(11)] == [True] * 10 + [False]
    assert buckets.take("b")
    now[0] += 6  # a tenth of the window: one request back
    assert [buckets.take("a"), buckets.take("a")] == [True, False]
