"""The service as a multi-language component package: the schema Pulumi infers from
`LeaveApprovals`, the YAML example that consumes it, and the component under mocks."""

import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import yaml
from pulumi.provider.experimental.component import ComponentProvider

from components.leave_approvals import CONFIG_KEYS, LeaveApprovals, LeaveApprovalsArgs
from package.__main__ import PACKAGE_NAME, PACKAGE_VERSION
from tests.pulumi.support import SIGNING_KEY, Deployment, run, run_program
from tests.pulumi.test_defaults import REQUIRED_ONLY

PROJECT_ROOT = Path(__file__).resolve().parents[2]
TOKEN = "leave:index:LeaveApprovals"
REQUIRED = {
    "senderEmail": "leave@example.com",
    "allowedEmailDomains": ["example.com"],
    "defaultApprover": "boss@example.com",
    "alarmEmail": "ops@example.com",
    "signingKey": SIGNING_KEY,
}


@pytest.fixture(scope="module")
def schema() -> dict[str, Any]:
    provider = ComponentProvider([LeaveApprovals], PACKAGE_NAME, version=PACKAGE_VERSION)
    document: dict[str, Any] = json.loads(provider.schema)
    return document


def test_the_schema_names_every_input_and_output_with_its_type(schema: dict[str, Any]) -> None:
    assert (schema["name"], schema["version"]) == ("leave", "0.1.0")
    component = schema["resources"][TOKEN]
    assert component["isComponent"] is True
    types = {name: spec["type"] for name, spec in component["inputProperties"].items()}
    assert types == {
        "senderEmail": "string",
        "allowedEmailDomains": "array",
        "defaultApprover": "string",
        "alarmEmail": "string",
        "signingKey": "string",
        "approverDirectory": "object",
        "approvalTimeoutSeconds": "integer",
        "maxLeaveDays": "integer",
        "maxPendingPerEmployee": "integer",
        "maxPastDays": "object",
        "maxFutureDays": "integer",
        "reminderAt": "string",
        "escalateAt": "string",
        "secondApprovalOverDays": "string",
        "logRetentionDays": "integer",
        "executionRetentionDays": "integer",
        "tableDeletionProtection": "boolean",
        "compileBytecode": "boolean",
        "apiRateLimit": "number",
        "apiBurstLimit": "integer",
        "sandboxRecipients": "array",
        "oidcIssuer": "string",
        "oidcAudience": "string",
    }
    assert sorted(component["requiredInputs"]) == sorted(REQUIRED)
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


def test_every_input_is_the_stack_setting_of_the_same_name(schema: dict[str, Any]) -> None:
    inputs = set(schema["resources"][TOKEN]["inputProperties"])
    # The package's inputs are the stack's config keys: one validation, one set of docs.
    assert set(CONFIG_KEYS.values()) == inputs
    assert set(CONFIG_KEYS) == set(LeaveApprovalsArgs.__annotations__)
    documented = (PROJECT_ROOT / "docs" / "deploying.md").read_text()
    for key in inputs:
        assert f"| `{key}` |" in documented, key


def test_the_yaml_example_sets_every_required_input_of_the_package(
    schema: dict[str, Any],
) -> None:
    program = yaml.safe_load((PROJECT_ROOT / "examples" / "yaml" / "Pulumi.yaml").read_text())
    assert program["runtime"] == "yaml"
    assert program["packages"]["leave"] == "../../package"
    (resource,) = program["resources"].values()
    assert resource["type"] == TOKEN
    component = schema["resources"][TOKEN]
    assert set(component["requiredInputs"]) <= set(resource["properties"])
    assert set(resource["properties"]) <= set(component["inputProperties"])
    for value in program["outputs"].values():
        assert value.split(".")[1].rstrip("}") in component["properties"]


def _component(extra: dict[str, Any]) -> Deployment:
    created: dict[str, Any] = {}

    def program() -> dict[str, Any]:
        args: Any = {**_snake(REQUIRED), **extra}
        created["component"] = LeaveApprovals("approvals", args)
        return {"submit_url": created["component"].submit_url}

    return run(program)


def _snake(values: dict[str, Any]) -> dict[str, Any]:
    by_config_key = {config_key: arg for arg, config_key in CONFIG_KEYS.items()}
    return {by_config_key[key]: value for key, value in values.items()}


def test_the_component_builds_the_same_service_as_the_program() -> None:
    # Bytecode needs Python 3.13, which this machine cannot download.
    component = _component({"compile_bytecode": False})
    program = run_program(REQUIRED_ONLY)

    def inventory(deployment: Deployment) -> Counter[str]:
        return Counter(r.typ for r in deployment.resources if r.custom)

    assert inventory(component) == inventory(program)
    assert component.values["submit_url"].endswith(".execute-api.us-east-2.amazonaws.com/live/")


def test_a_bad_input_names_itself_before_anything_is_created() -> None:
    with pytest.raises(Exception, match="maxLeaveDays must be between 1 and 366"):
        _component({"compile_bytecode": False, "max_leave_days": 0})
    with pytest.raises(Exception, match="maxPastDays for sick leave must be a whole number"):
        _component({"compile_bytecode": False, "max_past_days": {"sick": 400}})
