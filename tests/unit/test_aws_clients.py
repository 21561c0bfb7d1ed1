"""The one place boto3 clients are made, and the limits that make every call give up in time."""

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

import handlers
from handlers import aws_clients
from handlers.aws_clients import (
    CONNECT_TIMEOUT_SECONDS,
    READ_TIMEOUT_SECONDS,
    TOTAL_ATTEMPTS,
    aws_client,
    longest_call_seconds,
)
from handlers.domain.claims import DECISION_FUNCTION_TIMEOUT_SECONDS
from handlers.gateways.signing_key import ssm_parameters

HANDLERS = Path(handlers.__file__).parent


@pytest.fixture(autouse=True)
def fresh_clients(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Clients made here, and forgotten after: later tests make theirs inside moto."""
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-2")
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


def test_one_call_gives_up_before_the_shortest_function_timeout() -> None:
    # Two attempts of 1 + 3 seconds, and at most 1 + 5 seconds of backoff between them.
    assert (TOTAL_ATTEMPTS, CONNECT_TIMEOUT_SECONDS, READ_TIMEOUT_SECONDS) == (2, 1, 3)
    assert longest_call_seconds() == 14
    assert longest_call_seconds() < DECISION_FUNCTION_TIMEOUT_SECONDS


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
