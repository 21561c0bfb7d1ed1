"""The policy pack as the Pulumi CLI loads it and talks to it: PulumiPolicy.yaml read as Pulumi's
Python host reads it (tests/support/pulumi_python_host.py), the pack started in its own process
as that host starts it, and its gRPC Analyzer asked what the engine asks at a preview: its
policies, then AnalyzeStack over the program's stack as the engine marshals it
(tests/policy/engine_view.py)."""

import subprocess
from collections.abc import Iterator
from pathlib import Path

import grpc
import pytest
from google.protobuf import empty_pb2
from pulumi.runtime.proto import analyzer_pb2, analyzer_pb2_grpc

from policy.rules import RULES, Resource
from tests.policy.engine_view import as_sent, at_first_preview
from tests.policy.test_rules import MISTAKES
from tests.pulumi.mocks import PROJECT, STACK, Deployment
from tests.support.pulumi_python_host import POLICY_PACK_FILE, check_plugin

PROJECT_ROOT = Path(__file__).resolve().parents[2]
PACK = PROJECT_ROOT / "policy"
# The engine's address, which the pack uses only to log an exception it cannot start with.
NO_ENGINE = "127.0.0.1:0"


def test_the_pack_file_is_one_the_python_host_loads() -> None:
    launch = check_plugin(PACK, POLICY_PACK_FILE)

    # The project's own environment, the one `make install` makes.
    assert launch.virtualenv == PROJECT_ROOT / ".venv"
    # No toolchain named: the project's uv.lock makes the host pick uv, which must be on PATH.
    assert (launch.toolchain, launch.needs_on_path) == ("uv", ("uv",))


@pytest.fixture(scope="module")
def analyzer(request: pytest.FixtureRequest) -> Iterator[analyzer_pb2_grpc.AnalyzerStub]:
    launch = check_plugin(PACK, POLICY_PACK_FILE)
    pack = subprocess.Popen(  # noqa: S603 - this project's own pack, as Pulumi starts it
        launch.command(NO_ENGINE),
        cwd=launch.cwd,
        env=launch.environment(),
        stdout=subprocess.PIPE,
    )
    try:
        # The program deploys under mocks (once for the session) while the pack starts.
        request.getfixturevalue("program")
        assert pack.stdout is not None
        first_line = pack.stdout.readline()
        assert first_line, "it exited before printing its port: its error is in the output above"
        port = int(first_line)
        with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
            yield analyzer_pb2_grpc.AnalyzerStub(channel)
    finally:
        pack.terminate()
        pack.wait()


def _analyze(
    analyzer: analyzer_pb2_grpc.AnalyzerStub, resources: list[Resource]
) -> list[tuple[str, int, str]]:
    request = analyzer_pb2.AnalyzeStackRequest(
        resources=[
            analyzer_pb2.AnalyzerResource(
                urn=f"urn:pulumi:{STACK}::{PROJECT}::{r.type}::{r.name}",
                type=r.type,
                name=r.name,
                properties=as_sent(r.props),
            )
            for r in resources
        ]
    )
    answer = analyzer.AnalyzeStack(request, timeout=120)
    return [(d.policyName, d.enforcementLevel, d.message) for d in answer.diagnostics]


def test_the_pack_names_every_rule_a_mandatory_policy(
    analyzer: analyzer_pb2_grpc.AnalyzerStub,
) -> None:
    info = analyzer.GetAnalyzerInfo(empty_pb2.Empty(), timeout=120)

    assert info.name == "leave-approvals"
    assert [(p.name, p.enforcementLevel) for p in info.policies] == [
        (rule.id, analyzer_pb2.MANDATORY) for rule in RULES
    ]


def test_the_pack_passes_the_program_at_a_first_preview_and_after(
    analyzer: analyzer_pb2_grpc.AnalyzerStub, program: Deployment, stack: list[Resource]
) -> None:
    assert _analyze(analyzer, at_first_preview(program)) == []
    assert _analyze(analyzer, stack) == []


def test_the_pack_stops_a_mistake_with_a_mandatory_violation(
    analyzer: analyzer_pb2_grpc.AnalyzerStub, stack: list[Resource]
) -> None:
    rule, make = MISTAKES["a misspelt action"]

    ((policy, level, message),) = _analyze(analyzer, make(stack))

    assert (policy, level) == (rule, analyzer_pb2.MANDATORY)
    assert "leave-decision-policy: dynamodb:GetItems is not an action of dynamodb" in message
