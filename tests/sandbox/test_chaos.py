"""Chaos mode's front as botocore meets it: each service's faults parse as that service's
errors, the calls are told apart, a timeout is applied or not as documented, and the faults
are drawn from a seed."""

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError, ReadTimeoutError

from handlers.gateways.transient_errors import is_transient
from sandbox.__main__ import _arguments
from sandbox.chaos import (
    SERVICE_FAULTS,
    AwsCall,
    ChaosFront,
    ChaosLog,
    ChaosServer,
    Fault,
    FaultDice,
    FaultKind,
    ServiceFaults,
    error_answer,
    identify,
    parse_chaos_rate,
)
from sandbox.config import DEFAULT_CHAOS_SEED, ChaosSettings, SandboxConfig
from sandbox.functions import EMULATED_SERVICES, platform_environment
from sandbox.http_server import LoopbackServer, Request, Response
from tests.e2e.harness import free_base_port

CHECKPOINT = {"DurableExecutionArn": "arn-1", "CheckpointToken": "t", "Updates": []}


class Upstream:
    """Stands for the emulators: records what reached it and answers `{}`."""

    def __init__(self) -> None:
        self.calls: list[AwsCall | None] = []
        self._lock = threading.Lock()

    def handle(self, request: Request) -> Response:
        call = identify(request)
        with self._lock:
            self.calls.append(call)
        if call and call.service == "ses":  # the Query protocol answers in XML
            name = call.operation
            xml = f"<{name}Response><{name}Result/></{name}Response>"
            return Response.text(200, xml, "text/xml")
        return Response.json("{}")


@contextmanager
def served(handle: Any) -> Iterator[str]:
    port = free_base_port()
    server = LoopbackServer("upstream", port, handle)
    server.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()


def client(service: str, endpoint: str, read_timeout: int = 10) -> Any:
    return boto3.client(
        service,
        endpoint_url=endpoint,
        region_name="us-east-2",
        aws_access_key_id="k",
        aws_secret_access_key="s",
        config=Config(read_timeout=read_timeout, retries={"total_max_attempts": 1}),
    )


# One call of each kind the functions make, by the service's signing name.
CALLS: dict[str, tuple[str, str, dict[str, Any]]] = {
    "dynamodb": ("dynamodb", "get_item", {"TableName": "t", "Key": {"pk": {"S": "a"}}}),
    "ses": ("ses", "send_raw_email", {"RawMessage": {"Data": b"x"}}),
    "events": ("events", "put_events", {"Entries": [{"Source": "s"}]}),
    "ssm": ("ssm", "get_parameter", {"Name": "n"}),
    "logs": ("logs", "describe_log_groups", {}),
    "lambda": ("lambda", "checkpoint_durable_execution", CHECKPOINT),
}


@pytest.mark.parametrize("service", sorted(SERVICE_FAULTS))
def test_each_fault_parses_as_the_services_own_error_and_may_pass(service: str) -> None:
    faults = SERVICE_FAULTS[service]
    name, method, arguments = CALLS[service]
    for status, code in (*faults.throttles, *faults.server_errors):
        with (
            served(lambda _, s=status, c=code: error_answer(faults, s, c)) as endpoint,
            pytest.raises(ClientError) as refused,
        ):
            getattr(client(name, endpoint), method)(**arguments)
        error = refused.value.response
        assert (error["Error"]["Code"], error["ResponseMetadata"]["HTTPStatusCode"]) == (
            code,
            status,
        )
        assert is_transient(refused.value), (service, code)


def test_the_calls_are_told_apart_by_service_and_operation() -> None:
    upstream = Upstream()
    with served(upstream.handle) as endpoint:
        for name, method, arguments in CALLS.values():
            getattr(client(name, endpoint), method)(**arguments)
        lam = client("lambda", endpoint)
        lam.invoke(FunctionName="wf:live", InvocationType="Event", Payload=b"{}")
        lam.send_durable_execution_callback_success(CallbackId="c", Result=b"{}")
        lam.get_durable_execution_state(DurableExecutionArn="arn-1", CheckpointToken="t")

    assert upstream.calls == [
        AwsCall("dynamodb", "GetItem"),
        AwsCall("ses", "SendRawEmail"),
        AwsCall("events", "PutEvents"),
        AwsCall("ssm", "GetParameter"),
        AwsCall("logs", "DescribeLogGroups"),
        AwsCall("lambda", "CheckpointDurableExecution"),
        AwsCall("lambda", "Invoke"),
        AwsCall("lambda", "SendDurableExecutionCallbackSuccess"),
        AwsCall("lambda", "GetDurableExecutionState"),
    ]


class TimeoutDice(FaultDice):
    """Every call times out."""

    def __init__(self) -> None:
        super().__init__(ChaosSettings(1.0))

    def roll(self, faults: ServiceFaults) -> Fault | None:
        return Fault(FaultKind.TIMEOUT)


@contextmanager
def front(
    tmp_path: Path, dice: FaultDice | None, rate: float = 0.0
) -> Iterator[tuple[str, Upstream]]:
    upstream = Upstream()
    with served(upstream.handle) as emulators:
        log = ChaosLog(tmp_path / "chaos.log")
        server = ChaosServer(ChaosFront(emulators, emulators, ChaosSettings(rate), log, dice))
        server.start()
        try:
            yield server.endpoint, upstream
        finally:
            server.stop()


def test_a_timeout_is_applied_before_its_answer_is_lost_where_the_service_must_cope(
    tmp_path: Path,
) -> None:
    with front(tmp_path, TimeoutDice()) as (endpoint, upstream):
        with pytest.raises(ReadTimeoutError):
            client("dynamodb", endpoint, read_timeout=1).get_item(**CALLS["dynamodb"][2])
        with pytest.raises(ReadTimeoutError):
            client("ses", endpoint, read_timeout=1).send_raw_email(**CALLS["ses"][2])

    # DynamoDB took the call, SES never saw it (sandbox/README.md: the fault model).
    assert upstream.calls == [AwsCall("dynamodb", "GetItem")]
    logged = (tmp_path / "chaos.log").read_text().splitlines()
    assert [line.split(" ", 1)[1] for line in logged] == [
        "dynamodb GetItem timeout (applied, answer lost)",
        "ses SendRawEmail timeout (not applied)",
    ]


def test_a_transaction_retried_with_its_token_is_answered_as_dynamodb_does(
    tmp_path: Path,
) -> None:
    transaction = {
        "TransactItems": [{"Put": {"TableName": "t", "Item": {"pk": {"S": "a"}}}}],
        "ClientRequestToken": "token-1",
    }
    with front(tmp_path, None) as (endpoint, upstream):
        dynamodb = client("dynamodb", endpoint)
        dynamodb.transact_write_items(**transaction)
        dynamodb.transact_write_items(**transaction)
        dynamodb.transact_write_items(**{**transaction, "ClientRequestToken": "token-2"})

    assert upstream.calls == [AwsCall("dynamodb", "TransactWriteItems")] * 2


def test_faults_are_drawn_from_the_seed_at_the_rate() -> None:
    dynamodb = SERVICE_FAULTS["dynamodb"]

    def draws(seed: int) -> list[Fault | None]:
        dice = FaultDice(ChaosSettings(0.05, seed))
        return [dice.roll(dynamodb) for _ in range(4000)]

    first, again, other = draws(25), draws(25), draws(26)
    assert first == again
    assert first != other
    failed = [fault for fault in first if fault]
    assert 150 <= len(failed) <= 250
    assert {fault.kind for fault in failed} == set(FaultKind)


def test_only_the_functions_reach_aws_through_the_front() -> None:
    config = SandboxConfig(port=9400)
    plain = platform_environment(config)
    chaotic = platform_environment(config, "http://127.0.0.1:4242")

    endpoints = ["LAMBDA", *EMULATED_SERVICES]
    assert {plain[f"AWS_ENDPOINT_URL_{s}"] for s in endpoints} == {
        config.lambda_endpoint,
        config.aws_endpoint,
    }
    assert {chaotic[f"AWS_ENDPOINT_URL_{s}"] for s in endpoints} == {"http://127.0.0.1:4242"}


@pytest.mark.parametrize(("text", "rate"), [("0.05", 0.05), ("5%", 0.05), ("0", 0.0), ("1", 1.0)])
def test_a_rate_is_a_share_or_a_percentage(text: str, rate: float) -> None:
    assert parse_chaos_rate(text) == pytest.approx(rate)


@pytest.mark.parametrize("text", ["-0.1", "1.5", "150%", "often", ""])
def test_a_rate_outside_0_to_1_is_named(text: str) -> None:
    with pytest.raises(ValueError, match="must be"):
        parse_chaos_rate(text)


def test_an_unsigned_call_passes_untouched(tmp_path: Path) -> None:
    request = Request("GET", "/_sandbox/ready", "", [], b"", "127.0.0.1")
    assert identify(request) is None
    assert json.loads(error_answer(SERVICE_FAULTS["lambda"], 429, "TooManyRequestsException").body)


def test_the_flags_set_the_rate_and_the_seed(capsys: pytest.CaptureFixture[str]) -> None:
    assert _arguments([]).chaos == ChaosSettings(0.0, DEFAULT_CHAOS_SEED)
    assert not _arguments([]).chaos.enabled
    assert _arguments(["--chaos", "5%", "--chaos-seed", "7"]).chaos == ChaosSettings(0.05, 7)
    with pytest.raises(SystemExit):
        _arguments(["--chaos", "often"])
    assert "--chaos must be a share like 0.05 or 5%, not 'often'" in capsys.readouterr().err
