"""The one place boto3 clients are made, and the limits that make every call give up in time:
early where a person waits, later (rather than retried) where nobody does."""

import ast
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import handlers
from handlers import aws_clients
from handlers.aws_clients import aws_client
from handlers.call_limits import CALL_LIMITS, CALL_LIMITS_VARIABLE, CallLimits, call_limits
from handlers.domain.claims import (
    DECISION_FUNCTION_TIMEOUT_SECONDS,
    GAUGE_FUNCTION_TIMEOUT_SECONDS,
    SETTLER_FUNCTION_TIMEOUT_SECONDS,
    SUBMIT_FUNCTION_TIMEOUT_SECONDS,
    WORKFLOW_FUNCTION_TIMEOUT_SECONDS,
)
from handlers.gateways.signing_key import ssm_parameters
from handlers.settings import (
    DecisionSettings,
    GaugeSettings,
    SettlerSettings,
    SubmitSettings,
    WorkflowSettings,
)

HANDLERS = Path(handlers.__file__).parent


@pytest.fixture(autouse=True)
def fresh_clients(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Clients made here, and forgotten after: later tests make theirs inside moto."""
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-2")
    monkeypatch.delenv(CALL_LIMITS_VARIABLE, raising=False)
    aws_client.cache_clear()
    ssm_parameters.cache_clear()
    yield
    aws_client.cache_clear()
    ssm_parameters.cache_clear()


@pytest.mark.parametrize("service", ["dynamodb", "ses", "events", "lambda", "ssm"])
def test_every_client_retries_in_standard_mode_and_gives_up_in_time(service: str) -> None:
    config = aws_client(service).meta.config

    assert config.retries == {"mode": "standard", "total_max_attempts": 2}
    assert (config.connect_timeout, config.read_timeout) == (1, 3)


def test_a_function_nobody_waits_on_waits_longer_for_an_answer_than_it_retries(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(CALL_LIMITS_VARIABLE, "background")
    config = aws_client("ses").meta.config

    assert config.retries == {"mode": "standard", "total_max_attempts": 2}
    assert (config.connect_timeout, config.read_timeout) == (2, 20)


def test_unknown_call_limits_are_named() -> None:
    with pytest.raises(ValueError, match=r"AWS_CALL_LIMITS must be one of .* not 'patient'"):
        call_limits({CALL_LIMITS_VARIABLE: "patient"})


@pytest.mark.parametrize(
    ("settings", "limits", "timeout"),
    [
        (SubmitSettings, "answering", SUBMIT_FUNCTION_TIMEOUT_SECONDS),
        (DecisionSettings, "answering", DECISION_FUNCTION_TIMEOUT_SECONDS),
        (WorkflowSettings, "background", WORKFLOW_FUNCTION_TIMEOUT_SECONDS),
        (SettlerSettings, "background", SETTLER_FUNCTION_TIMEOUT_SECONDS),
        (GaugeSettings, "background", GAUGE_FUNCTION_TIMEOUT_SECONDS),
    ],
)
def test_each_function_gives_up_a_call_before_its_timeout(
    settings: Any, limits: str, timeout: int
) -> None:
    assert settings.call_limits == limits
    # A person's: two attempts of 1 + 3 s and at most 1 + 5 s of backoff between them (14 s);
    # the background's: two of 2 + 20 s and the same backoff (50 s).
    assert CALL_LIMITS[settings.call_limits].longest_call_seconds() < timeout
    assert CALL_LIMITS["answering"].longest_call_seconds() == 14
    assert CALL_LIMITS["background"].longest_call_seconds() == 50


def test_an_environment_shares_one_client_per_service() -> None:
    assert aws_client("dynamodb") is aws_client("dynamodb")
    assert aws_client("dynamodb") is not aws_client("ses")


def test_the_signing_key_is_read_through_the_shared_ssm_client() -> None:
    assert ssm_parameters().client is aws_client("ssm")


def _makes_clients(source: str) -> bool:
    """Whether code calls `boto3.client(...)` / `boto3.resource(...)`, or a Powertools
    parameters shortcut that makes a client of its own."""
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            owner = node.func.value
            if isinstance(owner, ast.Name) and (owner.id, node.func.attr) in {
                ("boto3", "client"),
                ("boto3", "resource"),
                ("parameters", "get_parameter"),
                ("parameters", "get_parameters"),
                ("parameters", "get_secret"),
            }:
                return True
    return False


def test_no_module_but_aws_clients_makes_a_client() -> None:
    makers = [
        path.relative_to(HANDLERS).as_posix()
        for path in HANDLERS.rglob("*.py")
        if _makes_clients(path.read_text())
    ]

    assert makers == [Path(aws_clients.__file__).name]


def test_the_check_finds_a_client_made_elsewhere() -> None:
    assert _makes_clients("import boto3\nboto3.client('s3')")
    assert _makes_clients("parameters.get_parameter('/key')")
    assert not _makes_clients("aws_client('s3')")


class _Captured(Exception):
    """Stops the workflow's first invocation once its durable client is known."""


def test_the_workflow_checkpoints_through_a_client_that_gives_up_before_its_timeout(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A checkpoint left hanging must not outlive the workflow function: Lambda would end the
    invocation between a step's effect and its checkpoint, and the step would run again (the
    approver's email sent twice, as chaos mode showed with the SDK's own 50 s client)."""
    from aws_durable_execution_sdk_python import execution
    from aws_durable_execution_sdk_python.lambda_service import LambdaClient

    from handlers import workflow
    from tests.support.lambda_context import lambda_context

    captured: list[Any] = []

    class RecordingClient(LambdaClient):
        def __init__(self, client: Any) -> None:
            captured.append(client)
            raise _Captured

    monkeypatch.setattr(execution, "LambdaClient", RecordingClient)
    monkeypatch.setattr(RecordingClient, "_cached_boto_client", None)
    invocation = {"DurableExecutionArn": "arn", "CheckpointToken": "token"}
    with pytest.raises(_Captured):
        workflow.handler(invocation, lambda_context())

    config = captured[0].meta.config
    retries = config.retries or {}
    assert retries.get("mode") == "standard", retries
    limits = CallLimits(config.connect_timeout, config.read_timeout, retries["total_max_attempts"])
    assert limits.longest_call_seconds() < WORKFLOW_FUNCTION_TIMEOUT_SECONDS
