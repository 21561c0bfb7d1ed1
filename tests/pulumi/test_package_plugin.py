"""The component package as the Pulumi CLI loads it for the YAML example (`packages: leave:
../../package`): its PulumiPlugin.yaml read as Pulumi's Python host reads it
(tests/support/pulumi_python_host.py), the provider started in its own process as that host
starts it, and the engine's part played over gRPC (tests/pulumi/engine_servers.py): the
provider's info and schema, then a Construct of the example's `approvals` resource with its
properties, the signing key a secret, against a resource monitor that records what the
component registers."""

import json
import shutil
import subprocess
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import grpc
import pytest
import yaml
from google.protobuf import empty_pb2, struct_pb2
from pulumi.runtime.proto import engine_pb2, provider_pb2, provider_pb2_grpc

from tests.pulumi.engine_servers import EngineServers, engine_servers, stack_urn
from tests.pulumi.mocks import SIGNING_KEY
from tests.support.pulumi_python_host import (
    PACKAGE_FILE,
    PluginLaunch,
    PluginLayoutError,
    check_plugin,
)

PROJECT_ROOT = Path(__file__).resolve().parents[2]
PACKAGE = PROJECT_ROOT / "package"
PROJECT_VENV = str(PROJECT_ROOT / ".venv")
EXAMPLE = PROJECT_ROOT / "examples" / "yaml"
TOKEN = "leave:index:LeaveApprovals"
SECRET = {"4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270"}
EXAMPLE_PROJECT = "leave-approvals-yaml"
STACK = "dev"


def test_the_plugin_file_is_one_the_python_host_loads() -> None:
    launch = check_plugin(PACKAGE, PACKAGE_FILE)

    # The project's own environment, the one `make install` makes, resolved from package/.
    assert launch.virtualenv == PROJECT_ROOT / ".venv"
    assert launch.command("ENGINE") == [
        str(PROJECT_ROOT / ".venv/bin/python"),
        str(PACKAGE),
        "ENGINE",
    ]
    # No toolchain named: the project's uv.lock makes the host pick uv, which must be on PATH.
    assert (launch.toolchain, launch.needs_on_path) == ("uv", ("uv",))


def _plugin_copy(
    directory: Path, runtime: dict[str, Any], options: dict[str, Any], with_main: bool
) -> Path:
    """package/'s plugin file and entry point in `directory`, its runtime and options changed."""
    document = yaml.safe_load((PACKAGE / PACKAGE_FILE).read_text())
    document["runtime"].update(runtime)
    document["runtime"]["options"].update(options)
    directory.mkdir()
    (directory / PACKAGE_FILE).write_text(yaml.safe_dump(document))
    if with_main:
        shutil.copy(PACKAGE / "__main__.py", directory)
    return directory


@pytest.mark.parametrize(
    ("runtime", "options", "with_main", "problem"),
    [
        # As written, from a directory elsewhere: `../.venv` is no virtualenv from there.
        ({}, {}, True, "runtime.options.virtualenv: '../.venv' resolves to"),
        (
            {},
            {"virtualenv": PROJECT_VENV, "virtualEnv": PROJECT_VENV},
            True,
            "runtime.options.virtualEnv: not an option the Python host reads",
        ),
        (
            {},
            {"virtualenv": PROJECT_VENV, "toolchain": "pipenv"},
            True,
            "runtime.options.toolchain: 'pipenv' is not one of ['pip', 'poetry', 'uv']",
        ),
        ({"name": "nodejs"}, {"virtualenv": PROJECT_VENV}, True, "runtime.name: 'nodejs'"),
        (
            {},
            {"virtualenv": PROJECT_VENV},
            False,
            "__main__.py: missing from the plugin directory",
        ),
    ],
    ids=["a wrong virtualenv path", "an unknown option", "an unknown toolchain", "node", "no main"],
)
def test_a_plugin_the_host_would_not_start_is_refused_naming_the_key(
    tmp_path: Path,
    runtime: dict[str, Any],
    options: dict[str, Any],
    with_main: bool,
    problem: str,
) -> None:
    plugin = _plugin_copy(tmp_path / "package", runtime, options, with_main)

    with pytest.raises(PluginLayoutError) as refused:
        check_plugin(plugin, PACKAGE_FILE)

    assert [p for p in refused.value.problems if p.startswith(problem)], refused.value.problems
    assert str(plugin / PACKAGE_FILE) in str(refused.value)


# -- the provider's process, as the engine talks to it ------------------------------------------


@pytest.fixture(scope="module")
def engine() -> Iterator[EngineServers]:
    with engine_servers(EXAMPLE_PROJECT, STACK) as servers:
        yield servers


@pytest.fixture(scope="module")
def provider(engine: EngineServers) -> Iterator[provider_pb2_grpc.ResourceProviderStub]:
    launch: PluginLaunch = check_plugin(PACKAGE, PACKAGE_FILE)
    plugin = subprocess.Popen(  # noqa: S603 - this project's own provider, as Pulumi starts it
        launch.command(engine.address),
        # A package runs from the program's directory, not its own.
        cwd=EXAMPLE,
        env=launch.environment(),
        stdout=subprocess.PIPE,
    )
    try:
        assert plugin.stdout is not None
        first_line = plugin.stdout.readline()
        assert first_line, "it exited before printing its port: its error is in the output above"
        port = int(first_line)
        with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
            yield provider_pb2_grpc.ResourceProviderStub(channel)
    finally:
        plugin.terminate()
        plugin.wait()


def _example_inputs() -> struct_pb2.Struct:
    """The example's `approvals` properties as the YAML runtime sends them: `${signingKey}` is
    the stack's secret config, so a secret."""
    program = yaml.safe_load((EXAMPLE / "Pulumi.yaml").read_text())
    properties = dict(program["resources"]["approvals"]["properties"])
    assert properties["signingKey"] == "${signingKey}"
    properties["signingKey"] = {**SECRET, "value": SIGNING_KEY}
    # Bytecode needs Python 3.13, which this machine cannot download.
    properties["compileBytecode"] = False
    inputs = struct_pb2.Struct()
    inputs.update(properties)
    return inputs


def test_the_provider_process_constructs_the_yaml_example(
    engine: EngineServers, provider: provider_pb2_grpc.ResourceProviderStub
) -> None:
    assert provider.GetPluginInfo(empty_pb2.Empty(), timeout=120).version == "0.1.0"
    schema = json.loads(provider.GetSchema(provider_pb2.GetSchemaRequest(), timeout=120).schema)
    assert TOKEN in schema["resources"]
    provider.Configure(provider_pb2.ConfigureRequest(acceptSecrets=True), timeout=120)

    answer = provider.Construct(
        provider_pb2.ConstructRequest(
            project=EXAMPLE_PROJECT,
            stack=STACK,
            organization="organization",
            config={"aws:region": "us-east-2"},
            dryRun=False,
            monitorEndpoint=engine.address,
            type=TOKEN,
            name="approvals",
            parent=stack_urn(EXAMPLE_PROJECT, STACK),
            inputs=_example_inputs(),
        ),
        timeout=120,
    )

    component = f"urn:pulumi:{STACK}::{EXAMPLE_PROJECT}::{TOKEN}::approvals"
    assert answer.urn == component
    # What the example exports: `${approvals.<output>}`.
    program = yaml.safe_load((EXAMPLE / "Pulumi.yaml").read_text())
    exported = [
        value.removeprefix("${approvals.").rstrip("}") for value in program["outputs"].values()
    ]
    assert exported == ["submitUrl", "decisionUrl", "dashboardUrl"]
    for output in exported:
        assert str(answer.state[output]).startswith("https://"), output
    registered = engine.monitor.registrations
    assert (registered[0].type, registered[0].parent) == (TOKEN, stack_urn(EXAMPLE_PROJECT, STACK))
    # Every resource the component makes is its descendant.
    assert all(f"::{TOKEN}$" in r.urn for r in registered[1:])
    custom = Counter(r.type for r in registered if r.custom)
    assert custom["aws:dynamodb/table:Table"] == 1
    functions = sorted(
        r.inputs["name"] for r in registered if r.type == "aws:lambda/function:Function"
    )
    assert functions == [
        f"{EXAMPLE_PROJECT}-{STACK}-{role}"
        for role in ("decision", "pending-gauge", "settler", "submit", "workflow")
    ]
    (key,) = [
        r.inputs
        for r in registered
        if r.type == "aws:ssm/parameter:Parameter" and r.inputs["name"].endswith("/signing-key")
    ]
    assert key["value"] == {**SECRET, "value": SIGNING_KEY}
    assert key["type"] == "SecureString"
    assert [m for severity, m in engine.engine.logged if severity == engine_pb2.ERROR] == []
