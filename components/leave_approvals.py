"""The whole service, composed once: by `__main__.py` (the Python program) and, as the package
component `LeaveApprovals`, by any Pulumi program (TypeScript, Go, YAML) through the component
provider in `package/`.

    service (table, sign-in, functions) + settler + observability

The component's inputs are the stack's settings (`LeaveApprovalsArgs`, made from the settings
model in components/config), checked by the same model as the program's config.
"""

from dataclasses import dataclass

import pulumi

from components.config import ServiceConfig, load_inputs
from components.config.package_inputs import LeaveApprovalsArgs
from components.leave_service import LeaveService, LeaveServiceArgs
from components.naming import Naming
from components.observability import Observability, ObservabilityArgs
from components.settler import Settler, SettlerArgs
from components.tagging import tagged


@dataclass(frozen=True)
class Composition:
    service: LeaveService
    settler: Settler
    observability: Observability


def compose(
    config: ServiceConfig, naming: Naming, opts: pulumi.ResourceOptions | None = None
) -> Composition:
    # The project's tags, on every taggable resource under these three (components.tagging).
    opts = pulumi.ResourceOptions.merge(tagged(naming.tags), opts)
    service = LeaveService("leave", LeaveServiceArgs(config=config, naming=naming), opts=opts)
    # Ends every request whose workflow broke, and sweeps for requests nobody would end.
    settler = Settler("leave-settler", SettlerArgs(service=service, config=config), opts=opts)
    # The dashboard, the alarms and the signals behind them, built on what the service exposes.
    observability = Observability(
        "leave-observability", ObservabilityArgs.from_service(service, settler, config), opts=opts
    )
    return Composition(service, settler, observability)


class LeaveApprovals(pulumi.ComponentResource):
    """The leave-approval service on AWS Lambda durable functions: employees request leave,
    approvers decide by a signed link, every request ends in a final status."""

    submit_url: pulumi.Output[str]
    """The employees' app and API."""
    decision_url: pulumi.Output[str]
    """The approvers' endpoint, behind the emailed links."""
    dashboard_url: pulumi.Output[str]
    """The CloudWatch dashboard."""
    table_name: pulumi.Output[str]
    workflow_alias_arn: pulumi.Output[str]
    oidc_issuer: pulumi.Output[str]
    oidc_client_id: pulumi.Output[str]
    alarm_topic_arn: pulumi.Output[str]

    def __init__(
        self, name: str, args: LeaveApprovalsArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("leave:index:LeaveApprovals", name, None, opts)
        composed = compose(
            load_inputs(args),
            Naming.current(),
            pulumi.ResourceOptions(parent=self),
        )
        service = composed.service
        self.submit_url = service.submit_url
        self.decision_url = service.decision_url
        self.dashboard_url = service.dashboard_url
        self.table_name = service.table_name
        self.workflow_alias_arn = service.workflow_alias_arn
        self.oidc_issuer = service.sign_in.issuer
        self.oidc_client_id = service.sign_in.audience
        self.alarm_topic_arn = composed.observability.alarm_topic.arn
        self.register_outputs(
            {
                "submit_url": self.submit_url,
                "decision_url": self.decision_url,
                "dashboard_url": self.dashboard_url,
                "table_name": self.table_name,
                "workflow_alias_arn": self.workflow_alias_arn,
                "oidc_issuer": self.oidc_issuer,
                "oidc_client_id": self.oidc_client_id,
                "alarm_topic_arn": self.alarm_topic_arn,
            }
        )
