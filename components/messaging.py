"""How the service tells people and other systems: SES identities to mail from (and, while the
account is in the SES sandbox, to), and the event bus its domain events go to.

`notify_statements` is what a function that tells people needs: the workflow, the settler, and
submit for cancelled leave.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components.iam import Statement
from components.moves import FormerParent, child_options
from components.naming import Naming
from handlers.domain.signals import EVENT_SOURCE


@dataclass(frozen=True)
class MessagingArgs:
    naming: Naming
    # The From address of every email.
    sender_email: str
    # Addresses SES must verify while the account is in its sandbox.
    sandbox_recipients: Sequence[str]
    partition: pulumi.Input[str]
    region: pulumi.Input[str]
    account_id: pulumi.Input[str]
    # Where the identities and the bus were before #23 (components.moves).
    formerly_under: FormerParent | None = None


class Messaging(pulumi.ComponentResource):
    """Attributes: `sender_identity`, `recipient_identities`, `event_bus`."""

    sender_identity: aws.ses.EmailIdentity
    recipient_identities: list[aws.ses.EmailIdentity]
    event_bus: aws.cloudwatch.EventBus

    def __init__(
        self, name: str, args: MessagingArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("leave:messaging:Messaging", name, None, opts)
        self._args = args
        child = child_options(self, args.formerly_under)
        # SES mails a verification link to each address; nothing is sent until it is clicked.
        self.sender_identity = aws.ses.EmailIdentity(
            f"{name}-sender", email=args.sender_email, opts=child
        )
        self.recipient_identities = [
            aws.ses.EmailIdentity(f"{name}-recipient-{address}", email=address, opts=child)
            for address in args.sandbox_recipients
        ]
        self.event_bus = aws.cloudwatch.EventBus(
            f"{name}-events", name=args.naming.event_bus_name, opts=child
        )
        self.register_outputs({"event_bus_name": self.event_bus.name})

    def notify_statements(self) -> list[Statement]:
        """Mail as the sender, and publish domain events."""
        args = self._args
        sender_identities = pulumi.Output.all(args.partition, args.region, args.account_id).apply(
            lambda where: f"arn:{where[0]}:ses:{where[1]}:{where[2]}:identity/*"
        )
        return [
            # SES checks the sending identity and, while the account is in the SES sandbox,
            # each recipient's identity too: hence every identity of this account and region,
            # but only ever from the configured sender address.
            Statement(
                "SendMailAsSender",
                ["ses:SendRawEmail"],
                [sender_identities],
                condition={"StringEquals": {"ses:FromAddress": args.sender_email}},
            ),
            Statement(
                "PublishDomainEvents",
                ["events:PutEvents"],
                [self.event_bus.arn],
                condition={"StringEquals": {"events:source": EVENT_SOURCE}},
            ),
        ]
