"""How the service tells people: SES identities, and the event bus."""

from __future__ import annotations

from tests.pulumi.mocks import Deployment


def test_the_sender_and_sandbox_recipients_are_ses_identities(deployment: Deployment) -> None:
    identities = {
        i.inputs["email"] for i in deployment.of_type("aws:ses/emailIdentity:EmailIdentity")
    }
    assert identities == {"leave@example.com", "alice@example.com"}
