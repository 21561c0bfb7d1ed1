"""How the service tells people: SES identities, and the event bus."""

from __future__ import annotations

from typing import Any

import pytest

from tests.pulumi.support import (
    Deployment,
    deploy_service,
)


@pytest.fixture(scope="module")
def deployed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Deployment, dict[str, Any]]:
    return deploy_service(tmp_path_factory.mktemp("packages"))


@pytest.fixture(scope="module")
def deployment(deployed: tuple[Deployment, dict[str, Any]]) -> Deployment:
    return deployed[0]


def test_the_sender_and_sandbox_recipients_are_ses_identities(deployment: Deployment) -> None:
    identities = {
        i.inputs["email"] for i in deployment.of_type("aws:ses/emailIdentity:EmailIdentity")
    }
    assert identities == {"leave@example.com", "alice@example.com"}
