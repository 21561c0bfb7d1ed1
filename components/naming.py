"""Every physical name the program chooses, the ARNs it builds from them, and the default tags."""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import quote

import pulumi

# The alias every invoke, permission and event target of the workflow goes through.
WORKFLOW_ALIAS = "live"
_LAMBDA_NAME_LIMIT = 64
_NOT_A_NAME_CHARACTER = re.compile(r"[^A-Za-z0-9_-]+")
_NOT_A_PARAMETER_CHARACTER = re.compile(r"[^A-Za-z0-9_.-]+")


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
        name = f"{self.prefix}-{role}"
        if len(name) > _LAMBDA_NAME_LIMIT:
            raise NamingError(
                f"the Lambda function name {name!r} is longer than {_LAMBDA_NAME_LIMIT} "
                "characters: choose a shorter stack name"
            )
        return name

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
    def tags(self) -> dict[str, str]:
        """The tags every taggable resource carries."""
        return {"project": self.project, "stack": self.stack}


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
