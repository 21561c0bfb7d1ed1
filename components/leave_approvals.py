"""The whole service, composed once: by `__main__.py` (the Python program) and, as the package
component `LeaveApprovals`, by any Pulumi program (TypeScript, Go, YAML) through the component
provider in `package/`.

    service (table, sign-in, functions) + settler + observability
"""

from dataclasses import dataclass
from typing import Any, NotRequired, TypedDict

import pulumi

from components.config import PlainSettings, ServiceConfig, load_config
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
        "leave-observability", ObservabilityArgs.from_service(service, config), opts=opts
    )
    return Composition(service, settler, observability)


class LeaveApprovalsArgs(TypedDict):
    """The stack settings of docs/deploying.md, as inputs (values known before the deploy)."""

    sender_email: pulumi.Input[str]
    """The From address of every email; an SES identity is created for it."""
    allowed_email_domains: pulumi.Input[list[str]]
    """Only employees at these domains may submit."""
    default_approver: pulumi.Input[str]
    """Who approves when the directory names nobody for the employee."""
    alarm_email: pulumi.Input[str]
    """Where alarms go."""
    signing_key: pulumi.Input[str]
    """The secret that signs approvers' links (at least 32 characters)."""
    approver_directory: NotRequired[pulumi.Input[dict[str, str]]]
    """Employee address -> approver address."""
    approval_timeout_seconds: NotRequired[pulumi.Input[int]]
    """How long an approver has (default 604800, a week)."""
    max_leave_days: NotRequired[pulumi.Input[int]]
    """The longest leave one request may cover (default 30)."""
    max_pending_per_employee: NotRequired[pulumi.Input[int]]
    """Requests one employee may have waiting at once (default 5)."""
    max_past_days: NotRequired[pulumi.Input[dict[str, int]]]
    """Days before today a request may start, by leave type ({"sick": 7, "bereavement": 3});
    the types left out keep their defaults (sick 7, the others 0)."""
    max_future_days: NotRequired[pulumi.Input[int]]
    """Days after today a request may end at the latest (default 730)."""
    reminder_at: NotRequired[pulumi.Input[str]]
    """When the approver is reminded, as shares of the approval time ("0.5", "0.25,0.5", or
    "none"; default "0.5")."""
    second_approval_over_days: NotRequired[pulumi.Input[str]]
    """Leave longer than this many days also needs the approver's own approver ("10" by
    default, or "none")."""
    escalate_at: NotRequired[pulumi.Input[str]]
    """When the request moves up to the approver's own approver, as a share of the approval
    time ("0.75" by default, or "none")."""
    log_retention_days: NotRequired[pulumi.Input[int]]
    """CloudWatch Logs retention (default 30)."""
    execution_retention_days: NotRequired[pulumi.Input[int]]
    """How long Lambda keeps a finished workflow's history (default 14)."""
    table_deletion_protection: NotRequired[pulumi.Input[bool]]
    """Protect the table (and user pool) from deletion (default true)."""
    compile_bytecode: NotRequired[pulumi.Input[bool]]
    """Ship bytecode compiled by Python 3.13 (default true)."""
    api_rate_limit: NotRequired[pulumi.Input[float]]
    """Requests per second the employees' API lets through (default 10)."""
    api_burst_limit: NotRequired[pulumi.Input[int]]
    """Requests it lets through at once (default 20)."""
    sandbox_recipients: NotRequired[pulumi.Input[list[str]]]
    """Addresses to verify in SES while the account is in the SES sandbox."""
    oidc_issuer: NotRequired[pulumi.Input[str]]
    """The company's OpenID Connect issuer; unset, the stack creates a Cognito user pool."""
    oidc_audience: NotRequired[pulumi.Input[str]]
    """The client id the issuer's ID tokens carry (with oidc_issuer)."""


# Each input's stack config key (docs/deploying.md): one validation for both ways in.
CONFIG_KEYS = {
    "sender_email": "senderEmail",
    "allowed_email_domains": "allowedEmailDomains",
    "default_approver": "defaultApprover",
    "alarm_email": "alarmEmail",
    "signing_key": "signingKey",
    "approver_directory": "approverDirectory",
    "approval_timeout_seconds": "approvalTimeoutSeconds",
    "max_leave_days": "maxLeaveDays",
    "max_pending_per_employee": "maxPendingPerEmployee",
    "max_past_days": "maxPastDays",
    "max_future_days": "maxFutureDays",
    "reminder_at": "reminderAt",
    "escalate_at": "escalateAt",
    "second_approval_over_days": "secondApprovalOverDays",
    "log_retention_days": "logRetentionDays",
    "execution_retention_days": "executionRetentionDays",
    "table_deletion_protection": "tableDeletionProtection",
    "compile_bytecode": "compileBytecode",
    "api_rate_limit": "apiRateLimit",
    "api_burst_limit": "apiBurstLimit",
    "sandbox_recipients": "sandboxRecipients",
    "oidc_issuer": "oidcIssuer",
    "oidc_audience": "oidcAudience",
}


def settings_of(args: LeaveApprovalsArgs | dict[str, Any]) -> PlainSettings:
    return PlainSettings({CONFIG_KEYS[key]: value for key, value in args.items()})


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
            load_config(settings_of(args)),
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
