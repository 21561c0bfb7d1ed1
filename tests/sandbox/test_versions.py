"""The sandbox's published versions of the workflow (sandbox/versions.py): a version is
published when the code or the settings change, each keeps its own copy and settings, every
execution stays on the version it started on (across restarts), and the Lambda API says so."""

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.config import Config

from sandbox.http_server import LoopbackServer, Response
from sandbox.lambda_service import LambdaService
from sandbox.versions import CODE_PACKAGE, WorkflowVersions
from tests.e2e.harness import free_base_port
from tests.sandbox.test_lambda_service import (
    PLAIN,
    WORKFLOW,
    FakeRuntime,
    FakeSignals,
    FakeStarts,
    FakeVersionedRuntime,
    publish,
)

V1_SETTINGS = {"APPROVAL_TIMEOUT_SECONDS": "300"}


def test_a_version_is_published_only_when_the_code_or_the_settings_change(
    tmp_path: Path,
) -> None:
    first = publish(tmp_path, "one = 1\n", V1_SETTINGS).newest
    assert publish(tmp_path, "one = 1\n", V1_SETTINGS).newest == first
    second = publish(tmp_path, "one = 2\n", V1_SETTINGS).newest
    third = publish(tmp_path, "one = 2\n", {"APPROVAL_TIMEOUT_SECONDS": "60"}).newest

    assert [first.number, second.number, third.number] == [1, 2, 3]
    # Each version keeps the code and the settings it was published with.
    assert (first.code_root / CODE_PACKAGE / "__init__.py").read_text() == "one = 1\n"
    assert (second.code_root / CODE_PACKAGE / "__init__.py").read_text() == "one = 2\n"
    assert first.code_root == tmp_path / "versions" / "1"
    assert dict(third.settings) == {"APPROVAL_TIMEOUT_SECONDS": "60"}
    # Compiled files are not code: importing a version does not publish another.
    (second.code_root / CODE_PACKAGE / "__pycache__").mkdir()
    (tmp_path / "code" / CODE_PACKAGE / "__pycache__").mkdir()
    (tmp_path / "code" / CODE_PACKAGE / "__pycache__" / "x.pyc").write_bytes(b"\0")
    assert publish(tmp_path, "one = 2\n", {"APPROVAL_TIMEOUT_SECONDS": "60"}).newest == third


def test_each_execution_stays_on_its_version_across_a_restart(tmp_path: Path) -> None:
    versions = publish(tmp_path, "one = 1\n", V1_SETTINGS)
    versions.started("arn:old", versions.newest)
    publish(tmp_path, "one = 2\n", V1_SETTINGS)

    restarted = WorkflowVersions(tmp_path)
    restarted.load()
    assert restarted.of_execution("arn:old").number == 1
    assert restarted.newest.number == 2
    assert restarted.resolve("live", "live") == restarted.newest
    assert restarted.resolve("1", "live") == restarted.of_execution("arn:old")
    assert restarted.resolve("7", "live") is None
    # An execution started before the data dir kept versions replays its first.
    assert restarted.of_execution("arn:from-before").number == 1


@pytest.fixture
def two_versions(tmp_path: Path) -> Iterator[Any]:
    """The local Lambda API with the workflow at version 2, an execution still on version 1."""
    versions = publish(tmp_path, "one = 1\n", V1_SETTINGS)
    versions.started("arn:waiting", versions.newest)
    publish(tmp_path, "one = 2\n", {"APPROVAL_TIMEOUT_SECONDS": "60"})
    versions.load()
    listing = {
        "DurableExecutions": [
            {
                "DurableExecutionArn": arn,
                "DurableExecutionName": arn,
                "FunctionArn": "arn:aws:lambda:us-east-2:123456789012:function:wf:$LATEST",
                "Status": "RUNNING",
            }
            for arn in ("arn:waiting", "arn:wf:live/lr-new")
        ]
    }
    emulator_port = free_base_port()
    emulator = LoopbackServer(
        "emulator", emulator_port, lambda _: Response.json(json.dumps(listing))
    )
    workflow = FakeVersionedRuntime(WORKFLOW, versions)
    service = LambdaService(
        {WORKFLOW.name: workflow, PLAIN.name: FakeRuntime(PLAIN)},  # type: ignore[dict-item]
        FakeStarts(),  # type: ignore[arg-type]
        FakeSignals(),  # type: ignore[arg-type]
        f"http://127.0.0.1:{emulator_port}",
    )
    port = free_base_port()
    server = LoopbackServer("lambda", port, service.handle)
    emulator.start()
    server.start()
    client = boto3.client(
        "lambda",
        endpoint_url=f"http://127.0.0.1:{port}",
        region_name="us-east-2",
        aws_access_key_id="k",
        aws_secret_access_key="s",
        config=Config(retries={"max_attempts": 0}),
    )
    yield client, workflow
    server.stop()
    emulator.stop()
    service.stop()


def test_the_lambda_api_names_the_real_versions(two_versions: Any) -> None:
    client, _ = two_versions
    assert client.get_alias(FunctionName="wf", Name="live")["FunctionVersion"] == "2"
    listed = client.list_versions_by_function(FunctionName="wf")["Versions"]
    assert [v["Version"] for v in listed] == ["$LATEST", "1", "2"]
    first = client.get_function(FunctionName="wf", Qualifier="1")["Configuration"]
    assert first["Environment"]["Variables"] == V1_SETTINGS
    assert first["FunctionArn"].endswith(":function:wf:1")

    started = client.invoke(
        FunctionName="wf:live", InvocationType="Event", DurableExecutionName="lr-new", Payload=b"{}"
    )
    assert started["DurableExecutionArn"] == "arn:wf:live/lr-new"
    executions = client.list_durable_executions_by_function(FunctionName="wf")
    on = {e["DurableExecutionArn"]: e["FunctionArn"] for e in executions["DurableExecutions"]}
    assert on == {
        "arn:waiting": "arn:aws:lambda:us-east-2:123456789012:function:wf:1",
        "arn:wf:live/lr-new": "arn:aws:lambda:us-east-2:123456789012:function:wf:2",
    }
    with pytest.raises(client.exceptions.ResourceNotFoundException):
        client.invoke(FunctionName="wf:9", InvocationType="Event", Payload=b"{}")


def test_an_invocation_runs_on_its_executions_version(two_versions: Any) -> None:
    client, workflow = two_versions

    def mark_as_the_emulator_does(params: dict[str, Any], **_: Any) -> None:
        params["headers"]["X-Dex-Handler-Invoke"] = "true"

    client.meta.events.register("before-call.lambda.Invoke", mark_as_the_emulator_does)
    waiting = client.invoke(FunctionName="wf", Payload=b'{"DurableExecutionArn": "arn:waiting"}')
    assert waiting["ExecutedVersion"] == "1"
    assert workflow.version_invoked(workflow.invoked[-1]).number == 1
    assert workflow.invoked[-1].invoked_arn.endswith(":function:wf:1")
