"""The component provider that hosts `LeaveApprovals` for Pulumi programs in any language.

Pulumi's own component provider infers the schema from the component's type annotations and
constructs it with the inputs as the engine sends them (a secret as a secret Output). A
component's exception reaches the engine as its text and a Python stack trace, so settings that
are wrong are handed back as input errors instead: one per setting, naming it, as the engine
reports a bad property of any resource.
"""

import pulumi
from pulumi.errors import InputPropertiesError, InputPropertyErrorDetails
from pulumi.provider import ConstructResult
from pulumi.provider.experimental.component import ComponentProvider
from pulumi.provider.server import ComponentInitError

from components.config import ConfigError
from components.leave_approvals import LeaveApprovals

PACKAGE_NAME = "leave"
PACKAGE_VERSION = "0.1.0"


class LeaveApprovalsProvider(ComponentProvider):
    def __init__(self) -> None:
        super().__init__([LeaveApprovals], PACKAGE_NAME, version=PACKAGE_VERSION)

    def construct(
        self,
        name: str,
        resource_type: str,
        inputs: pulumi.Inputs,
        options: pulumi.ResourceOptions | None = None,
    ) -> ConstructResult:
        try:
            return super().construct(name, resource_type, inputs, options)
        except ComponentInitError as failure:
            if not isinstance(failure.inner, ConfigError):
                raise
            problems = failure.inner.problems
            errors = [
                InputPropertyErrorDetails(property_path=problem.key, reason=problem.message)
                for problem in problems
                if problem.key
            ]
            if len(errors) < len(problems):
                raise failure.inner from None
            raise InputPropertiesError(str(failure.inner), errors) from None
