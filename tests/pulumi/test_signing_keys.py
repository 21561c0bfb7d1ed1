"""The link-signing key as SecureStrings, and the previous one kept during a rotation."""

from __future__ import annotations

from pathlib import Path

import pulumi

from handlers.settings import DecisionSettings
from tests.pulumi.mocks import ACCOUNT, REGION, Deployment
from tests.pulumi.support import deploy_service, function_environment, statements_by_sid


def test_the_signing_key_is_a_secure_string_holding_the_secret(deployment: Deployment) -> None:
    parameter = deployment.one("aws:ssm/parameter:Parameter").inputs
    assert parameter["type"] == "SecureString"
    assert parameter["name"] == "/leave-approvals/dev/signing-key"
    # A secret reaches the engine wrapped, marked with Pulumi's secret signature.
    assert parameter["value"]["4dabf18193072939515e22adb298388d"] == (
        "1b47061264138c4ac30d75fd1eb44270"
    )


def test_during_a_key_rotation_the_decision_endpoint_also_reads_the_previous_key(
    tmp_path: Path,
) -> None:
    previous = pulumi.Output.secret("p" * 40)
    deployment, _ = deploy_service(tmp_path, previous_signing_key=previous)

    parameters = {
        p.inputs["name"]: p.inputs for p in deployment.of_type("aws:ssm/parameter:Parameter")
    }
    old = "/leave-approvals/dev/signing-key-previous"
    assert parameters[old]["type"] == "SecureString"
    settings = DecisionSettings.from_environment(function_environment(deployment, "decision"))
    assert settings.previous_signing_key_parameter == old
    read = statements_by_sid(deployment, "decision")["ReadSigningKey"]
    assert read["Resource"] == [
        f"arn:aws:ssm:{REGION}:{ACCOUNT}:parameter/leave-approvals/dev/signing-key",
        f"arn:aws:ssm:{REGION}:{ACCOUNT}:parameter{old}",
    ]
