"""`leave-ops rotate-key`: on the sandbox it rotates the key and links already sent still
decide; on a stack it says where the rotation stands and what to run next."""

import dataclasses
import os
from collections.abc import Iterator

import boto3
import pytest
from aws_lambda_powertools.utilities import parameters
from typer.testing import CliRunner, Result

from handlers.aws_clients import aws_client
from handlers.gateways import signing_key
from handlers.settings import DecisionSettings, decision_settings
from ops import cli
from tests.integration.conftest import SEED_PAYLOAD, LeaveApp
from tests.support.aws import REGION
from tests.support.dates import from_today
from tests.support.deployed_permissions import deployed_program, unauthorised_calls
from tests.support.operator_target import FUNCTION_NAMES, deploy_functions, operator_target
from tests.support.recorded_calls import (
    OPERATOR,
    CallRecorder,
    parameter_cache_per_function,
    recording,
    watch_lambda_stand_ins,
)

PREVIOUS_PARAMETER = "/leave/decision-link-key-previous"
DECISION_FUNCTION = FUNCTION_NAMES[DecisionSettings]
SHORT = {**SEED_PAYLOAD, "start_date": from_today(60), "end_date": from_today(66)}
OTHER = {**SEED_PAYLOAD, "start_date": from_today(80), "end_date": from_today(82)}


# The stack mid-rotation: its decision function may read the previous key too.
ROTATING = (("leave-approvals:previousSigningKey", "p" * 40),)


@pytest.fixture(autouse=True)
def aws_calls(monkeypatch: pytest.MonkeyPatch) -> Iterator[CallRecorder]:
    """As tests/integration/conftest.py's, against the program deployed mid-rotation."""
    recorder = CallRecorder()
    watch_lambda_stand_ins(monkeypatch)
    parameter_cache_per_function(monkeypatch)
    with recording(recorder):
        yield recorder
    # The sandbox's rotation writes the key parameters, which on a stack only Pulumi writes:
    # the operator policy grants no write, and none is checked here.
    recorder.calls[:] = [
        call
        for call in recorder.calls
        if not (OPERATOR in call.callers and call.name == "ssm.PutParameter")
    ]
    if any(call.callers for call in recorder.calls):
        refused = unauthorised_calls(recorder, os.environ, deployed_program(ROTATING))
        if refused:
            pytest.fail("\n".join(["AWS would refuse these calls:", *refused]), pytrace=False)


@pytest.fixture
def previous_key(monkeypatch: pytest.MonkeyPatch) -> None:
    """The decision function accepts a previous key, as the sandbox's does (set before the
    service is wired: requested before `leave_app`)."""
    monkeypatch.setenv("PREVIOUS_SIGNING_KEY_PARAMETER", PREVIOUS_PARAMETER)


def _seed_previous(app: LeaveApp) -> None:
    """As the sandbox seeds it before any rotation: the current key stands in."""
    ssm = boto3.client("ssm", region_name=REGION)
    ssm.put_parameter(
        Name=f"{app.account.signing_key_parameter}-previous",
        Value=app.account.signing_key,
        Type="SecureString",
    )


def _caches_expired(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every function reads the key anew (their caches, KEY_CACHE_SECONDS, have expired)."""
    monkeypatch.setattr(
        signing_key,
        "ssm_parameters",
        lambda: parameters.SSMProvider(boto3_client=aws_client("ssm")),
    )


def _leave_ops(app: LeaveApp, recorder: CallRecorder, on: str) -> Result:
    """`leave-ops rotate-key` on the test's account, as the sandbox or as a stack."""
    listed = aws_client("lambda").list_functions()["Functions"]
    if DECISION_FUNCTION not in {function["FunctionName"] for function in listed}:
        deploy_functions()
    target, _ = operator_target(app.account, app.workflow, recorder)
    if on == "sandbox":
        # Only the sandbox's outputs name its local Lambda API.
        target = dataclasses.replace(
            target, outputs={**target.outputs, "lambda_endpoint": "http://127.0.0.1:1"}
        )
    return CliRunner().invoke(cli.app, ["rotate-key"], obj=target)


def _rotation_deployed(app: LeaveApp, monkeypatch: pytest.MonkeyPatch) -> None:
    """The operator ran the first commands and `pulumi up`: the previous key is kept, and the
    decision function now names it."""
    _seed_previous(app)
    monkeypatch.setenv("PREVIOUS_SIGNING_KEY_PARAMETER", PREVIOUS_PARAMETER)
    decision_settings.cache_clear()
    functions = aws_client("lambda")
    current = functions.get_function_configuration(FunctionName=DECISION_FUNCTION)
    variables = current["Environment"]["Variables"]
    variables["PREVIOUS_SIGNING_KEY_PARAMETER"] = PREVIOUS_PARAMETER
    functions.update_function_configuration(
        FunctionName=DECISION_FUNCTION, Environment={"Variables": variables}
    )


def test_on_the_sandbox_links_sent_before_a_rotation_still_decide_and_older_ones_do_not(
    previous_key: None,
    leave_app: LeaveApp,
    monkeypatch: pytest.MonkeyPatch,
    aws_calls: CallRecorder,
) -> None:
    _seed_previous(leave_app)
    before = leave_app.submit(SHORT).json()["request_id"]
    first_link = leave_app.decision_link(before)

    rotated = _leave_ops(leave_app, aws_calls, "sandbox")
    assert rotated.exit_code == 0, rotated.stderr
    assert "links already sent still decide" in rotated.stdout
    _caches_expired(monkeypatch)
    between = leave_app.submit(OTHER).json()["request_id"]
    second_link = leave_app.decision_link(between)
    assert second_link.split("token=")[1] != first_link.split("token=")[1]

    # Links from before the rotation still decide.
    assert leave_app.open_link(first_link).status == 200
    # A second rotation: the key before the first is dropped.
    assert _leave_ops(leave_app, aws_calls, "sandbox").exit_code == 0
    refused = leave_app.decide(first_link, "approve")
    assert refused.status in (400, 403)
    assert "not valid" in refused.body
    assert leave_app.decide(second_link, "approve").status == 200
    assert leave_app.wait_until_final(between)["status"] == "approved"


def test_on_the_sandbox_a_decision_function_without_a_previous_key_is_not_rotated(
    leave_app: LeaveApp, aws_calls: CallRecorder
) -> None:
    ssm = boto3.client("ssm", region_name=REGION)
    name = leave_app.account.signing_key_parameter
    before = ssm.get_parameter(Name=name, WithDecryption=True)["Parameter"]["Value"]

    refused = _leave_ops(leave_app, aws_calls, "sandbox")

    assert refused.exit_code == 1
    assert refused.stderr.startswith("leave-ops: the decision function has no previous-key")
    assert ssm.get_parameter(Name=name, WithDecryption=True)["Parameter"]["Value"] == before


def test_on_a_stack_it_says_where_the_rotation_stands_and_what_to_run(
    leave_app: LeaveApp, monkeypatch: pytest.MonkeyPatch, aws_calls: CallRecorder
) -> None:
    request_id = leave_app.submit(SHORT).json()["request_id"]
    link = leave_app.decision_link(request_id)

    start = _leave_ops(leave_app, aws_calls, "stack")
    assert start.exit_code == 0, start.stderr
    assert "No rotation is under way" in start.stdout
    assert "pulumi config set --secret previousSigningKey" in start.stdout

    _rotation_deployed(leave_app, monkeypatch)
    waiting = _leave_ops(leave_app, aws_calls, "stack")
    assert waiting.exit_code == 0, waiting.stderr
    assert "1 waiting request(s) hold links" in waiting.stdout
    assert "pulumi config rm" not in waiting.stdout

    assert leave_app.decide(link, "approve").status == 200
    leave_app.wait_until_final(request_id)
    done = _leave_ops(leave_app, aws_calls, "stack")
    assert "safe to drop it" in done.stdout
    assert "pulumi config rm previousSigningKey --stack <stack>" in done.stdout
