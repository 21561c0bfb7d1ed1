"""The service as a multi-language component package: the schema its provider answers the engine
with, the YAML example that consumes it, and the component constructed as Pulumi's provider
server constructs it (inputs as the engine sends them, secrets included), under mocks."""

import json
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import grpc
import pulumi
import pytest
import yaml
from google.protobuf import struct_pb2
from pulumi.errors import InputPropertiesError, InputPropertyError
from pulumi.provider.server import ProviderServicer
from pulumi.runtime.proto import provider_pb2, provider_pb2_grpc
from pulumi.runtime.sync_await import _sync_await

from components.config import ConfigError, StackSettings
from package.provider import LeaveApprovalsProvider
from tests.pulumi.mocks import PROJECT, SIGNING_KEY, Deployment, run
from tests.pulumi.support import run_program
from tests.pulumi.test_defaults import REQUIRED_ONLY

PROJECT_ROOT = Path(__file__).resolve().parents[2]
TOKEN = "leave:index:LeaveApprovals"
PREVIOUS_KEY = "p" * 40
# Pulumi's wire format: a secret travels as an object carrying this signature.
SECRET_SIGNATURE = ("4dabf18193072939515e22adb298388d", "1b47061264138c4ac30d75fd1eb44270")
REQUIRED = {
    "senderEmail": "leave@example.com",
    "allowedEmailDomains": ["example.com"],
    "defaultApprover": "boss@example.com",
    "alarmEmail": "ops@example.com",
}
# Bytecode needs Python 3.13, which this machine cannot download.
NO_BYTECODE = {"compileBytecode": False}
# Every setting away from its default (the company's issuer apart: it replaces the user pool).
EVERY_SETTING = {
    **REQUIRED,
    **NO_BYTECODE,
    "approverDirectory": {"alice@example.com": "carol@example.com"},
    # Numbers and `none` alike, as a program in any language passes them.
    "allowances": {"annual": 20, "sick": 10, "unpaid": "none"},
    "allowanceOverrides": {"alice@example.com": {"annual": 30}, "bob@example.com": {"sick": 0}},
    "approvalTimeoutSeconds": 86_400,
    "reminderAt": "0.25,0.5",
    "secondApprovalOverDays": "5",
    "escalateAt": "0.9",
    "maxLeaveDays": 20,
    "maxPastDays": {"sick": 3, "bereavement": 2},
    "maxFutureDays": 365,
    "sandboxRecipients": ["alice@example.com", "carol@example.com"],
    "logRetentionDays": 14,
    "executionRetentionDays": 7,
    "tableDeletionProtection": False,
    "httpMaxConcurrency": 20,
    "maxPendingPerEmployee": 3,
    "apiRateLimit": 2.5,
    "apiBurstLimit": 40,
    "clientRateLimitEnabled": True,
    "clientRateLimit": 100,
    "clientRateLimitWindowSeconds": 60,
    "mfa": "required",
    "sweepIntervalMinutes": 10,
    "sweepGraceSeconds": 600,
    "pendingGaugeIntervalMinutes": 5,
    "oldestPendingAlarmShare": 0.25,
    "expiryRateAlarmThreshold": 0.75,
    "eventArchiveRetentionDays": 30,
    "workWeek": "Sun-Thu",
    "holidayCountry": "US",
    "holidaySubdivision": "CA",
    "closureDays": ["2026-12-24", "2026-12-31"],
}
COMPANY_ISSUER = {
    "oidcIssuer": "https://login.example.com/oauth2/default",
    "oidcAudience": "0oa1b2c3d4",
    "oidcJwksUrl": "https://login.example.com/oauth2/default/v1/keys",
}
SECRETS = {"signingKey": SIGNING_KEY, "previousSigningKey": PREVIOUS_KEY}


@pytest.fixture(scope="module")
def schema() -> dict[str, Any]:
    """The schema as the provider's own process answers the engine's GetSchema."""
    plugin = subprocess.Popen(  # noqa: S603 - this project's own provider
        [sys.executable, str(PROJECT_ROOT / "package" / "__main__.py"), "127.0.0.1:0"],
        stdout=subprocess.PIPE,
        cwd=PROJECT_ROOT / "package",
    )
    try:
        assert plugin.stdout is not None
        port = int(plugin.stdout.readline())
        with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
            stub = provider_pb2_grpc.ResourceProviderStub(channel)
            answer = stub.GetSchema(provider_pb2.GetSchemaRequest(version=0), timeout=120)
    finally:
        plugin.terminate()
        plugin.wait()
    document: dict[str, Any] = json.loads(answer.schema)
    return document


def test_the_schema_takes_every_setting_with_its_type(schema: dict[str, Any]) -> None:
    assert (schema["name"], schema["version"]) == ("leave", "0.1.0")
    component = schema["resources"][TOKEN]
    assert component["isComponent"] is True
    types = {name: spec["type"] for name, spec in component["inputProperties"].items()}
    assert types == {
        "senderEmail": "string",
        "allowedEmailDomains": "array",
        "defaultApprover": "string",
        "approverDirectory": "object",
        "allowances": "object",
        "allowanceOverrides": "object",
        "alarmEmail": "string",
        "signingKey": "string",
        "approvalTimeoutSeconds": "integer",
        "reminderAt": "string",
        "secondApprovalOverDays": "string",
        "escalateAt": "string",
        "maxLeaveDays": "integer",
        "maxPastDays": "object",
        "maxFutureDays": "integer",
        "sandboxRecipients": "array",
        "logRetentionDays": "integer",
        "executionRetentionDays": "integer",
        "tableDeletionProtection": "boolean",
        "httpMaxConcurrency": "integer",
        "maxPendingPerEmployee": "integer",
        "oidcIssuer": "string",
        "oidcAudience": "string",
        "oidcJwksUrl": "string",
        "previousSigningKey": "string",
        "apiRateLimit": "number",
        "apiBurstLimit": "integer",
        "clientRateLimitEnabled": "boolean",
        "clientRateLimit": "integer",
        "clientRateLimitWindowSeconds": "integer",
        "mfa": "string",
        "compileBytecode": "boolean",
        "sweepIntervalMinutes": "integer",
        "sweepGraceSeconds": "integer",
        "pendingGaugeIntervalMinutes": "integer",
        "oldestPendingAlarmShare": "number",
        "expiryRateAlarmThreshold": "number",
        "eventArchiveRetentionDays": "integer",
        "workWeek": "string",
        "holidayCountry": "string",
        "holidaySubdivision": "string",
        "closureDays": "array",
    }
    # Every input takes an Output (a secret among them): none is marked plain.
    assert not any(spec.get("plain") for spec in component["inputProperties"].values())
    assert sorted(component["requiredInputs"]) == sorted([*REQUIRED, "signingKey"])
    assert all(spec.get("description") for spec in component["inputProperties"].values())
    outputs = {name: spec["type"] for name, spec in component["properties"].items()}
    assert outputs == dict.fromkeys(
        [
            "submitUrl",
            "decisionUrl",
            "dashboardUrl",
            "tableName",
            "workflowAliasArn",
            "oidcIssuer",
            "oidcClientId",
            "alarmTopicArn",
        ],
        "string",
    )


def test_the_inputs_are_the_settings_model_and_the_docs_list_them(schema: dict[str, Any]) -> None:
    component = schema["resources"][TOKEN]
    settings = StackSettings.model_fields
    assert set(component["inputProperties"]) == set(StackSettings.keys().values())
    required = {field.alias for field in settings.values() if field.is_required()}
    assert set(component["requiredInputs"]) == required
    for field in settings.values():
        # The schema's description is the model's, with what it takes and its default.
        description = component["inputProperties"][field.alias]["description"]
        assert " ".join(description.split()).startswith(" ".join(str(field.description).split()))
    documented = (PROJECT_ROOT / "docs" / "deploying.md").read_text()
    for key in component["inputProperties"]:
        assert f"| `{key}` |" in documented, key


def test_the_yaml_example_sets_every_required_input_of_the_package(
    schema: dict[str, Any],
) -> None:
    program = yaml.safe_load((PROJECT_ROOT / "examples" / "yaml" / "Pulumi.yaml").read_text())
    assert program["runtime"] == "yaml"
    assert program["packages"]["leave"] == "../../package"
    assert program["config"]["signingKey"]["secret"] is True
    (resource,) = program["resources"].values()
    assert resource["type"] == TOKEN
    component = schema["resources"][TOKEN]
    assert set(component["requiredInputs"]) <= set(resource["properties"])
    assert set(resource["properties"]) <= set(component["inputProperties"])
    assert resource["properties"]["signingKey"] == "${signingKey}"
    for value in program["outputs"].values():
        assert value.split(".")[1].rstrip("}") in component["properties"]


# -- constructed as the provider server constructs it -------------------------------------------


def _as_sent(inputs: Mapping[str, Any], secret: frozenset[str]) -> struct_pb2.Struct:
    """The inputs as the engine sends them to the provider: a protobuf Struct (numbers as
    floats), each secret wrapped in Pulumi's secret signature."""
    sig, marker = SECRET_SIGNATURE
    struct = struct_pb2.Struct()
    struct.update(
        {
            key: ({sig: marker, "value": value} if key in secret else value)
            for key, value in inputs.items()
        }
    )
    return struct


def construct(inputs: Mapping[str, Any], secret: frozenset[str] = frozenset()) -> Deployment:
    """Run LeaveApprovals under mocks the way Pulumi's provider server does: its Construct
    deserializes the engine's inputs (`_construct_inputs`: a secret becomes a secret Output),
    then the component provider maps them to the component's args and constructs it."""
    provider = LeaveApprovalsProvider()

    def program() -> dict[str, Any]:
        args = _sync_await(ProviderServicer._construct_inputs(_as_sent(inputs, secret), {}))
        result = provider.construct("approvals", TOKEN, args)
        return {"urn": result.urn, **result.state}

    return run(program)


def _with_secrets(**values: str) -> tuple[dict[str, Any], frozenset[str]]:
    return {**REQUIRED, **NO_BYTECODE, **values}, frozenset(values)


def parameters(deployment: Deployment) -> dict[str, dict[str, Any]]:
    return {p.inputs["name"]: p.inputs for p in deployment.of_type("aws:ssm/parameter:Parameter")}


def _is_secret(value: Any, plain: str) -> bool:
    sig, marker = SECRET_SIGNATURE
    return isinstance(value, dict) and value.get(sig) == marker and value.get("value") == plain


def test_secret_signing_keys_are_taken_and_stay_secret() -> None:
    deployment = construct(*_with_secrets(signingKey=SIGNING_KEY, previousSigningKey=PREVIOUS_KEY))

    held = parameters(deployment)
    current = held["/leave-approvals/dev/signing-key"]
    previous = held["/leave-approvals/dev/signing-key-previous"]
    assert (current["type"], previous["type"]) == ("SecureString", "SecureString")
    # They reach the engine as secrets, each in the parameter meant for it.
    assert _is_secret(current["value"], SIGNING_KEY)
    assert _is_secret(previous["value"], PREVIOUS_KEY)
    # And nowhere else: no other resource's inputs hold either key, in plain text or secret.
    for resource in deployment.resources:
        if resource.typ != "aws:ssm/parameter:Parameter":
            text = json.dumps(resource.inputs, default=str)
            assert SIGNING_KEY not in text, resource.name
            assert PREVIOUS_KEY not in text, resource.name
    decision = deployment.one("aws:lambda/function:Function", "leave-decision-function")
    variables = decision.inputs["environment"]["variables"]
    assert variables["PREVIOUS_SIGNING_KEY_PARAMETER"] == previous["name"]
    assert deployment.values["submitUrl"].endswith(".execute-api.us-east-2.amazonaws.com/live/")


def test_the_component_builds_the_same_service_as_the_program() -> None:
    component = construct(*_with_secrets(signingKey=SIGNING_KEY))
    program = run_program(REQUIRED_ONLY)

    def inventory(deployment: Deployment) -> Counter[str]:
        return Counter(r.typ for r in deployment.resources if r.custom)

    assert inventory(component) == inventory(program)


def _stack_config(settings: Mapping[str, Any]) -> dict[str, str]:
    """Settings as `pulumi config set` leaves them: text, lists and mappings as JSON."""

    def text(value: Any) -> str:
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, list | dict):
            return json.dumps(value)
        return str(value)

    return {"aws:region": "us-east-2"} | {
        f"{PROJECT}:{key}": text(value) for key, value in settings.items()
    }


def _created(deployment: Deployment) -> dict[tuple[str, str], dict[str, Any]]:
    """Each resource's inputs, an archive by its path."""

    def comparable(value: Any) -> Any:
        return value.path if isinstance(value, pulumi.FileArchive) else value

    return {
        (r.typ, r.name): {key: comparable(value) for key, value in r.inputs.items()}
        for r in deployment.resources
        if r.custom
    }


def _differences(
    left: Mapping[tuple[str, str], Any], right: Mapping[tuple[str, str], Any]
) -> Iterator[str]:
    for key in sorted(set(left) | set(right)):
        if left.get(key) != right.get(key):
            yield f"{key}: {left.get(key)!r} != {right.get(key)!r}"


@pytest.mark.parametrize("sign_in", [{}, COMPANY_ISSUER], ids=["user pool", "company issuer"])
def test_every_setting_reaches_the_service_through_the_package_as_through_config(
    sign_in: dict[str, str],
) -> None:
    settings = {**EVERY_SETTING, **sign_in}
    # The test sets every setting: a new one must be added here too.
    assert set(settings) | set(SECRETS) | set(COMPANY_ISSUER) == set(StackSettings.keys().values())
    component = construct({**settings, **SECRETS}, secret=frozenset(SECRETS))
    program = run_program(_stack_config({**settings, **SECRETS}))
    assert list(_differences(_created(component), _created(program))) == []


@pytest.mark.parametrize(
    ("inputs", "key", "reason"),
    [
        ({"maxLeaveDays": 0}, "maxLeaveDays", "maxLeaveDays must be between 1 and 366, not 0"),
        (
            {"maxPastDays": {"sick": 400}},
            "maxPastDays",
            "maxPastDays for sick leave must be a whole number",
        ),
        ({"mfa": "sms"}, "mfa", "mfa must be one of off | optional | required, not 'sms'"),
        (
            {"holidayCountry": "GB", "holidaySubdivision": "Yorkshire"},
            "holidaySubdivision",
            "holidaySubdivision must be one of GB's subdivisions the holidays package knows "
            "(ENG, NIR, SCT, WLS), not 'Yorkshire'",
        ),
        ({"signingKey": "short"}, "signingKey", "signingKey must be at least 32 characters"),
    ],
)
def test_a_bad_input_comes_back_to_the_engine_naming_itself(
    inputs: dict[str, Any], key: str, reason: str
) -> None:
    with pytest.raises(InputPropertiesError) as refused:
        construct({**REQUIRED, **NO_BYTECODE, "signingKey": SIGNING_KEY, **inputs})
    (error,) = refused.value.errors or []
    assert error["property_path"] == key
    assert error["reason"].startswith(reason)
    assert f"input `{key}` of LeaveApprovals" in error["reason"]
    assert "Traceback" not in refused.value.message


def test_every_bad_input_is_named_at_once() -> None:
    bad = {"maxLeaveDays": 0, "apiBurstLimit": 0, "mfa": "sms", "reminderAt": "soon"}
    with pytest.raises(InputPropertiesError) as refused:
        construct({**REQUIRED, **NO_BYTECODE, "signingKey": SIGNING_KEY, **bad})
    assert {error["property_path"] for error in refused.value.errors or []} == set(bad)


def test_a_missing_input_is_named_by_the_provider() -> None:
    inputs = {**REQUIRED, **NO_BYTECODE, "signingKey": SIGNING_KEY}
    del inputs["alarmEmail"]
    with pytest.raises(InputPropertyError) as refused:
        construct(inputs)
    assert refused.value.property_path == "alarmEmail"


@pytest.mark.parametrize(
    ("secrets", "message"),
    [
        ({"signingKey": "s" * 31}, "signingKey must be at least 32 characters"),
        ({"signingKey": "   "}, "signingKey is required"),
        (
            {"signingKey": SIGNING_KEY, "previousSigningKey": "p" * 12},
            "previousSigningKey must be at least 32 characters",
        ),
        (
            {"signingKey": SIGNING_KEY, "previousSigningKey": SIGNING_KEY},
            "previousSigningKey must differ from signingKey",
        ),
    ],
)
def test_a_bad_secret_is_refused_once_its_value_is_known_without_showing_it(
    secrets: dict[str, str], message: str
) -> None:
    with pytest.raises(ConfigError, match=message) as refused:
        construct(*_with_secrets(**secrets))
    assert "as the secret input `" in str(refused.value)
    for value in secrets.values():
        if value.strip():
            assert value not in str(refused.value)


def test_only_the_signing_keys_may_be_secrets() -> None:
    # Every other setting decides what is created, before any value is resolved.
    with pytest.raises(InputPropertiesError) as refused:
        construct(*_with_secrets(signingKey=SIGNING_KEY, alarmEmail="ops@example.com"))
    (error,) = refused.value.errors or []
    assert error["property_path"] == "alarmEmail"
    assert "must be a value known before the deploy" in error["reason"]
    assert "only previousSigningKey and signingKey may be secret" in error["reason"]


def test_the_yaml_example_constructs_with_its_secret() -> None:
    program = yaml.safe_load((PROJECT_ROOT / "examples" / "yaml" / "Pulumi.yaml").read_text())
    (resource,) = program["resources"].values()
    # `${signingKey}` is the stack's secret config: the engine sends it as a secret.
    inputs = {**resource["properties"], "signingKey": SIGNING_KEY, **NO_BYTECODE}
    deployment = construct(inputs, secret=frozenset({"signingKey"}))
    held = parameters(deployment)["/leave-approvals/dev/signing-key"]
    assert _is_secret(held["value"], SIGNING_KEY)
    pool = deployment.one("aws:cognito/userPool:UserPool").inputs
    assert pool["mfaConfiguration"] == "ON"
