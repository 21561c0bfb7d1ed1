"""Every physical name the program chooses, the ARNs it builds from them, and the default tags."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from urllib.parse import quote

import pulumi

# The alias every invoke, permission and event target of the workflow goes through.
WORKFLOW_ALIAS = "live"
_LAMBDA_NAME_LIMIT = 64
_NOT_A_NAME_CHARACTER = re.compile(r"[^A-Za-z0-9_-]+")
_NOT_A_PARAMETER_CHARACTER = re.compile(r"[^A-Za-z0-9_.-]+")
_NOT_A_DOMAIN_CHARACTER = re.compile(r"[^a-z0-9-]+")
_COGNITO_DOMAIN_LIMIT = 63
_COGNITO_RESERVED_WORDS = ("aws", "amazon", "cognito")


class NamingError(pulumi.RunError):
    """A name the program derives from the project and stack is not valid for AWS."""


@dataclass(frozen=True)
class Naming:
    project: str
    stack: str

    @classmethod
    def current(cls) -> Naming:
        return cls(pulumi.get_project(), pulumi.get_stack())

    @property
    def prefix(self) -> str:
        """`<project>-<stack>`, with anything AWS names refuse turned into hyphens."""
        return _NOT_A_NAME_CHARACTER.sub("-", f"{self.project}-{self.stack}").strip("-")

    def function_name(self, role: str) -> str:
        return self.resource_name(role, _LAMBDA_NAME_LIMIT, "Lambda function")

    def resource_name(self, part: str, limit: int, kind: str) -> str:
        """`<prefix>-<part>`, refused when longer than AWS allows for that kind of resource."""
        name = f"{self.prefix}-{part}"
        if len(name) > limit:
            raise NamingError(
                f"the {kind} name {name!r} is longer than {limit} characters: "
                "choose a shorter stack name"
            )
        return name

    def short_resource_name(self, part: str, limit: int) -> str:
        """`<prefix>-<part>` where it fits; else the prefix cut short, with a hash of it
        that keeps names of different stacks apart (for kinds with tight limits)."""
        return _shortened(self.prefix, part, limit)

    def events_log_group_name(self, part: str) -> str:
        """A log group EventBridge writes to: under /aws/events/, where its console looks."""
        return f"/aws/events/{self.prefix}/{part}"

    @property
    def layer_name(self) -> str:
        return f"{self.prefix}-dependencies"

    @property
    def event_bus_name(self) -> str:
        return self.prefix

    @property
    def dashboard_name(self) -> str:
        """The CloudWatch dashboard the observability component creates under this name."""
        return self.prefix

    @property
    def signing_key_parameter(self) -> str:
        parts = (_NOT_A_PARAMETER_CHARACTER.sub("-", p) for p in (self.project, self.stack))
        return "/" + "/".join(parts) + "/signing-key"

    @property
    def previous_signing_key_parameter(self) -> str:
        """Kept while the signing key is rotated, so links signed before keep working."""
        return self.signing_key_parameter + "-previous"

    def sign_in_domain_prefix(self, account_id: str) -> str:
        """The Cognito hosted sign-in's domain prefix, `<prefix>-<account>`: prefixes are
        unique per region across every AWS account, so the account id keeps ours free."""
        name = _NOT_A_DOMAIN_CHARACTER.sub("-", self.prefix.lower()).strip("-")
        reserved = [word for word in _COGNITO_RESERVED_WORDS if word in name]
        if reserved:
            raise NamingError(
                f"a Cognito sign-in domain may not contain {reserved[0]!r}, and {name!r} does: "
                "choose a project or stack name without it"
            )
        return _shortened(name, account_id, _COGNITO_DOMAIN_LIMIT)

    @property
    def tags(self) -> dict[str, str]:
        """The tags every taggable resource carries."""
        return {"project": self.project, "stack": self.stack}


def _shortened(prefix: str, part: str, limit: int) -> str:
    name = f"{prefix}-{part}"
    if len(name) <= limit:
        return name
    digest = hashlib.sha256(prefix.encode()).hexdigest()[:8]
    keep = limit - len(part) - len(digest) - 2
    if keep < 1:
        raise NamingError(f"{part!r} leaves no room for a name within {limit} characters")
    return f"{prefix[:keep].rstrip('-')}-{digest}-{part}"


def lambda_function_arn(
    partition: str, region: str, account: str, function_name: str, qualifier: str | None = None
) -> str:
    arn = f"arn:{partition}:lambda:{region}:{account}:function:{function_name}"
    return f"{arn}:{qualifier}" if qualifier else arn


def dashboard_url(region: str, dashboard_name: str) -> str:
    """The CloudWatch console page of a dashboard."""
    return (
        f"https://{region}.console.aws.amazon.com/cloudwatch/home?region={region}"
        f"#dashboards/dashboard/{quote(dashboard_name)}"
    )
