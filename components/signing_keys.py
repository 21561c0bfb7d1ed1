"""The secret that signs approvers' links, kept as SSM SecureStrings, and the grant to read it.

During a key rotation the previous key is kept beside the current one, so links signed before it
keep working (docs/deploying.md, "Rotating the link-signing key"). The values arrive as secrets
and reach the engine as secrets: Pulumi never writes them to the state in plain text.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components.iam import Statement
from components.moves import FormerParent, child_options
from components.naming import Naming


@dataclass(frozen=True)
class SigningKeysArgs:
    naming: Naming
    signing_key: pulumi.Input[str]
    # Only while a rotation is under way.
    previous_signing_key: pulumi.Input[str] | None = None
    # Where the parameters were before #23 (components.moves).
    formerly_under: FormerParent | None = None


class SigningKeys(pulumi.ComponentResource):
    """Attributes: `current` and `previous` (None outside a rotation): the SSM parameters."""

    current: aws.ssm.Parameter
    previous: aws.ssm.Parameter | None

    def __init__(
        self, name: str, args: SigningKeysArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("leave:signing_keys:SigningKeys", name, None, opts)
        child = child_options(self, args.formerly_under)
        self.current = aws.ssm.Parameter(
            f"{name}-signing-key",
            name=args.naming.signing_key_parameter,
            description="Signs the links in approvers' emails",
            type="SecureString",
            value=args.signing_key,
            opts=child,
        )
        self.previous = (
            aws.ssm.Parameter(
                f"{name}-previous-signing-key",
                name=args.naming.previous_signing_key_parameter,
                description="Signed the links in approvers' emails before the last key rotation",
                type="SecureString",
                value=args.previous_signing_key,
                opts=child,
            )
            if args.previous_signing_key is not None
            else None
        )
        self.register_outputs({"parameter": self.current.name})

    def read_statement(self, with_previous: bool = False) -> Statement:
        """Read the key (and, to check links signed before a rotation, the previous one)."""
        # The SecureString uses the AWS managed key aws/ssm, whose key policy already lets every
        # principal of the account decrypt through SSM: GetParameter is all the role needs.
        keys = [self.current]
        if with_previous and self.previous is not None:
            keys.append(self.previous)
        return Statement(
            sid="ReadSigningKey", actions=["ssm:GetParameter"], resources=[k.arn for k in keys]
        )
