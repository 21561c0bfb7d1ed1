"""Chaos mode: a front between the service's functions and the emulated AWS that fails a share
of their calls the way AWS fails them.

Only the functions' environments point at the front (`AWS_ENDPOINT_URL_<SERVICE>` and
`AWS_ENDPOINT_URL_LAMBDA`: `functions.platform_environment`); the sandbox's own machinery
(seeding, telemetry, the dashboard, the Lambda API invoking a function, the durable emulator)
talks to the emulators directly, so nothing but the service's own AWS calls is faulted. The
front listens on a port of its own on 127.0.0.1, chosen by the OS.

Each call is told apart by what botocore sends: the service by the signing name in the
credential scope of its `Authorization` header, the operation by `X-Amz-Target` (JSON
protocol), the form's `Action` (Query protocol) or the path (Lambda's REST API, matched against
botocore's own model). A seeded RNG (one draw per call, so a run is reproducible for a given
order of calls) fails RATE of the calls of the services in `SERVICE_FAULTS`, each fault one of:

- throttle: the service's own throttling error, in its protocol and with its status;
- server error: a 500 or 503 of the service;
- timeout: no answer until the client gives up (its read timeout: `handlers/call_limits.py`)
  and hangs up. Whether the call was applied before its answer was
  lost is decided per service (`ServiceFaults.applied_before_timeout`).

Every fault is logged: a line on the console and in DIR/chaos.log (time, service, operation,
fault). DynamoDB's `ClientRequestToken` (botocore fills it in for TransactWriteItems, so its own
retries resend it) is honoured as DynamoDB honours it: a transaction already applied with the
same token answers success again instead of failing its conditions (moto ignores the token).
The durable emulator already honours a checkpoint's `ClientToken` the same way.
"""

import http.client
import json
import logging
import random
import re
import select
import socket
import threading
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from functools import cache
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit
from xml.sax.saxutils import escape

import botocore.session

from sandbox.child_process import SERVE_POLL_SECONDS
from sandbox.config import ChaosSettings
from sandbox.http_server import HOP_BY_HOP_HEADERS, Request, Response, read_request

logger = logging.getLogger(__name__)

CHAOS_LOG = "chaos.log"
# The longest a timed-out call is held if its client never hangs up: past every client's read
# timeout (handlers/call_limits.py: 20 s at most).
HOLD_CAP_SECONDS = 90.0


def parse_chaos_rate(value: str) -> float:
    """The share of the functions' AWS calls to fail, from `0.05` or `5%`."""
    text = value.strip()
    try:
        rate = float(text[:-1]) / 100 if text.endswith("%") else float(text)
    except ValueError:
        raise ValueError(f"must be a share like 0.05 or 5%, not {value!r}") from None
    if not 0 <= rate <= 1:
        raise ValueError(f"must be between 0 and 1 (0% and 100%), not {value!r}")
    return rate


class FaultKind(StrEnum):
    THROTTLE = "throttle"
    SERVER_ERROR = "server-error"
    TIMEOUT = "timeout"


@dataclass(frozen=True)
class ServiceFaults:
    """How one service fails: its protocol, its errors (status, code) and its timeouts."""

    protocol: str  # botocore's name: "json", "query" or "rest-json"
    throttles: tuple[tuple[int, str], ...]
    server_errors: tuple[tuple[int, str], ...]
    # Whether a call that times out took effect before its answer was lost.
    applied_before_timeout: bool
    # JSON protocol: the namespace of the error's `__type`.
    error_namespace: str = ""


# By the signing name botocore puts in the credential scope. The codes are the services' own
# (botocore's models; SES's `Throttling` is its documented sending-rate error). CloudWatch is
# left out: no function calls it (metrics leave as EMF log lines, which Lambda ships), and
# botocore speaks CBOR to it.
SERVICE_FAULTS: dict[str, ServiceFaults] = {
    "dynamodb": ServiceFaults(
        "json",
        ((400, "ThrottlingException"), (400, "ProvisionedThroughputExceededException")),
        ((500, "InternalServerError"), (503, "ServiceUnavailable")),
        # Applied, answer lost: every write is conditional or keyed by a token, and must cope.
        applied_before_timeout=True,
        error_namespace="com.amazonaws.dynamodb.v20120810#",
    ),
    "ses": ServiceFaults(
        "query",
        ((400, "Throttling"),),
        ((500, "InternalFailure"), (503, "ServiceUnavailable")),
        # Lost before SES took it: SendRawEmail has no idempotency key, so a send applied but
        # unanswered is sent again by any retry, on AWS too (the fault matrix shows that
        # at-least-once copy); modelling it would only count those copies.
        applied_before_timeout=False,
    ),
    "events": ServiceFaults(
        "json",
        ((400, "ThrottlingException"),),
        ((500, "InternalException"), (503, "ServiceUnavailable")),
        # Applied: an event may then be delivered twice, as EventBridge says it may be anyway.
        applied_before_timeout=True,
        error_namespace="com.amazonaws.events#",
    ),
    "ssm": ServiceFaults(
        "json",
        ((400, "ThrottlingException"),),
        ((500, "InternalServerError"), (503, "ServiceUnavailable")),
        applied_before_timeout=True,  # reads only
        error_namespace="com.amazonaws.ssm#",
    ),
    "logs": ServiceFaults(
        "json",
        ((400, "ThrottlingException"),),
        ((500, "InternalServerException"), (503, "ServiceUnavailableException")),
        applied_before_timeout=True,
        error_namespace="com.amazonaws.logs#",
    ),
    "lambda": ServiceFaults(
        "rest-json",
        ((429, "TooManyRequestsException"),),
        ((500, "ServiceException"),),
        # Applied: a start (same name, same payload: the same execution), a callback (closed
        # once sent), a checkpoint (its ClientToken) must each cope with their own retry.
        applied_before_timeout=True,
    ),
}


@dataclass(frozen=True)
class AwsCall:
    service: str
    operation: str


@dataclass(frozen=True)
class Fault:
    kind: FaultKind
    status: int = 0
    code: str = ""

    def describe(self, faults: ServiceFaults) -> str:
        if self.kind is FaultKind.TIMEOUT:
            applied = "applied, answer lost" if faults.applied_before_timeout else "not applied"
            return f"timeout ({applied})"
        return f"{self.kind} {self.status} {self.code}"


_CREDENTIAL_SCOPE = re.compile(r"Credential=[^/,]+/\d{8}/[^/]+/(?P<service>[^/]+)/aws4_request")


@cache
def _rest_operations(service: str) -> tuple[tuple[str, re.Pattern[str], str], ...]:
    """(method, path pattern, operation) of a REST service, from botocore's model."""
    model = botocore.session.get_session().get_service_model(service)
    found = []
    for name in model.operation_names:
        http_trait = model.operation_model(name).http
        uri = http_trait["requestUri"].partition("?")[0]
        pattern = re.sub(
            r"\\\{[^}]+\\\}",
            lambda label: ".+" if label.group().endswith("+\\}") else "[^/]+",
            re.escape(uri),
        )
        found.append((http_trait["method"], re.compile(f"^{pattern}$"), name))
    return tuple(found)


def identify(request: Request) -> AwsCall | None:
    """The service and operation of a call botocore signed; None for anything else."""
    scope = _CREDENTIAL_SCOPE.search(request.header("Authorization"))
    if scope is None:
        return None
    service = scope["service"]
    target = request.header("X-Amz-Target")
    if target:
        return AwsCall(service, target.rpartition(".")[2])
    if "x-www-form-urlencoded" in request.header("Content-Type"):
        action = parse_qs(request.body.decode(errors="replace")).get("Action", [""])[0]
        return AwsCall(service, action or "unknown")
    if service in SERVICE_FAULTS and SERVICE_FAULTS[service].protocol == "rest-json":
        for method, pattern, operation in _rest_operations(service):
            if method == request.method and pattern.match(request.path):
                return AwsCall(service, operation)
    return AwsCall(service, "unknown")


def error_answer(faults: ServiceFaults, status: int, code: str) -> Response:
    """The error as the service sends it, in its protocol: what botocore parses on AWS."""
    request_id = str(uuid.uuid4())
    message = "Rate exceeded" if status in (400, 429) else "We encountered an internal error."
    if faults.protocol == "json":
        body = json.dumps({"__type": f"{faults.error_namespace}{code}", "message": message})
        return Response.text(
            status, body, "application/x-amz-json-1.0", x_amzn_RequestId=request_id
        )
    if faults.protocol == "query":
        kind = "Sender" if status < 500 else "Receiver"
        xml = (
            "<ErrorResponse><Error>"
            f"<Type>{kind}</Type><Code>{escape(code)}</Code><Message>{escape(message)}</Message>"
            f"</Error><RequestId>{request_id}</RequestId></ErrorResponse>"
        )
        return Response.text(status, xml, "text/xml", x_amzn_RequestId=request_id)
    body = json.dumps({"Type": "User" if status < 500 else "Service", "message": message})
    return Response.text(
        status, body, "application/json", x_amzn_ErrorType=code, x_amzn_RequestId=request_id
    )


class FaultDice:
    """Which calls fail and how: one seeded RNG, drawn under a lock, so a given order of calls
    fails the same way on every run."""

    def __init__(self, settings: ChaosSettings) -> None:
        self._rate = settings.rate
        self._random = random.Random(settings.seed)  # noqa: S311 - reproducible on purpose
        self._lock = threading.Lock()

    def roll(self, faults: ServiceFaults) -> Fault | None:
        with self._lock:
            if self._random.random() >= self._rate:
                return None
            kind = self._random.choice(list(FaultKind))
            if kind is FaultKind.TIMEOUT:
                return Fault(kind)
            status, code = self._random.choice(
                faults.throttles if kind is FaultKind.THROTTLE else faults.server_errors
            )
            return Fault(kind, status, code)


class ChaosLog:
    """Each fault, as a line on the console and in DIR/chaos.log."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()

    def fault(self, call: AwsCall, description: str) -> None:
        line = f"{datetime.now(UTC).isoformat(timespec='milliseconds')} {call.service} "
        line += f"{call.operation} {description}"
        with self._lock, self.path.open("a") as log:
            log.write(line + "\n")
        logger.warning("chaos: %s %s %s", call.service, call.operation, description)


# How long DynamoDB answers a transaction's ClientRequestToken again (its documentation).
TOKEN_SECONDS = 600.0


class _TokenAnswers:
    """DynamoDB's idempotent transactions: an answer kept by its `ClientRequestToken` for as
    long as DynamoDB keeps one."""

    def __init__(self) -> None:
        self._answers: dict[str, tuple[float, Response]] = {}
        self._lock = threading.Lock()

    @staticmethod
    def token_of(call: AwsCall, request: Request) -> str | None:
        if call.service != "dynamodb" or call.operation != "TransactWriteItems":
            return None
        try:
            token = json.loads(request.body).get("ClientRequestToken")
        except ValueError:
            return None
        return token if isinstance(token, str) else None

    def get(self, token: str) -> Response | None:
        with self._lock:
            kept = self._answers.get(token)
        return kept[1] if kept and time.monotonic() - kept[0] < TOKEN_SECONDS else None

    def keep(self, token: str, answer: Response) -> None:
        if answer.status >= 300:
            return
        now = time.monotonic()
        with self._lock:
            self._answers = {
                t: kept for t, kept in self._answers.items() if now - kept[0] < TOKEN_SECONDS
            }
            self._answers[token] = (now, answer)


class ChaosFront:
    """What the functions reach instead of the emulators: each call forwarded, or failed."""

    def __init__(
        self,
        aws_endpoint: str,
        lambda_endpoint: str,
        settings: ChaosSettings,
        log: ChaosLog,
        dice: FaultDice | None = None,
    ) -> None:
        self._aws = urlsplit(aws_endpoint)
        self._lambda = urlsplit(lambda_endpoint)
        self._dice = dice or FaultDice(settings)
        self._log = log
        self._tokens = _TokenAnswers()

    def serve(self, request: Request) -> tuple[Response | None, bool]:
        """(the answer, or None for none at all; whether to hold the connection until the
        client gives up first)."""
        call = identify(request)
        faults = SERVICE_FAULTS.get(call.service) if call else None
        fault = self._dice.roll(faults) if faults else None
        if call is None or faults is None or fault is None:
            return self.forward(request, call), False
        self._log.fault(call, fault.describe(faults))
        if fault.kind is not FaultKind.TIMEOUT:
            return error_answer(faults, fault.status, fault.code), False
        if faults.applied_before_timeout:
            self.forward(request, call)
        return None, True

    def forward(self, request: Request, call: AwsCall | None) -> Response:
        token = self._tokens.token_of(call, request) if call else None
        if token is not None and (answered := self._tokens.get(token)) is not None:
            return answered
        upstream = self._lambda if call and call.service == "lambda" else self._aws
        connection = http.client.HTTPConnection(
            upstream.hostname or "127.0.0.1", upstream.port, timeout=HOLD_CAP_SECONDS
        )
        try:
            target = request.path + (f"?{request.query}" if request.query else "")
            headers = {k: v for k, v in request.headers if k.lower() not in HOP_BY_HOP_HEADERS}
            headers["Host"] = upstream.netloc
            connection.request(request.method, target, body=request.body or None, headers=headers)
            answer = connection.getresponse()
            body = answer.read()
            headers_back = [
                (k, v) for k, v in answer.getheaders() if k.lower() not in HOP_BY_HOP_HEADERS
            ]
            response = Response(answer.status, body, headers_back)
        finally:
            connection.close()
        if token is not None:
            self._tokens.keep(token, response)
        return response


def _wait_for_hang_up(connection: socket.socket, cap_seconds: float) -> None:
    """Return once the client closes its end (its read timeout), or after `cap_seconds`."""
    # Readable: the client hung up (botocore sends nothing more on a connection it waits on).
    select.select([connection], [], [], cap_seconds)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 512

    def handle_error(self, request: Any, client_address: Any) -> None:
        logger.debug("chaos front: a client at %s left mid-call", client_address)


def _handler(front: ChaosFront) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _serve(self) -> None:
            request = read_request(self)
            try:
                response, hold = front.serve(request)
            except (OSError, http.client.HTTPException):
                logger.exception("chaos front: the emulator did not answer %s", request.path)
                response, hold = None, False
            if response is None:
                if hold:
                    _wait_for_hang_up(self.connection, HOLD_CAP_SECONDS)
                self.close_connection = True
                return
            self.send_response(response.status)
            for key, value in response.headers:
                if key.lower() not in HOP_BY_HOP_HEADERS:
                    self.send_header(key, value)
            self.send_header("Content-Length", str(len(response.body)))
            self.end_headers()
            self.wfile.write(response.body)

        do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = _serve

        def log_message(self, format: str, *args: Any) -> None:
            logger.debug("chaos front: " + format, *args)

    return Handler


class ChaosServer:
    """The front on 127.0.0.1, on a port the OS chooses, from a daemon thread until `stop`."""

    def __init__(self, front: ChaosFront) -> None:
        self._server = _Server(("127.0.0.1", 0), _handler(front))
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": SERVE_POLL_SECONDS},
            name="http-chaos",
            daemon=True,
        )

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
