"""The Lambda functions the sandbox runs: the same handlers and settings the Pulumi program deploys.

The handlers learn where AWS is only from the standard `AWS_ENDPOINT_URL_<SERVICE>` variables,
so nothing in them knows it runs here. Scheduled functions are data: add one to
`scheduled_functions` and the sandbox's scheduler fires it, as an EventBridge schedule rule would.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field

from components.config.service_config import MAX_EXECUTION_TIMEOUT_SECONDS
from handlers.domain.allowances import allowance_settings
from handlers.domain.approval_levels import OFF
from handlers.domain.claims import (
    DECISION_FUNCTION_TIMEOUT_SECONDS,
    GAUGE_FUNCTION_TIMEOUT_SECONDS,
    SETTLER_FUNCTION_TIMEOUT_SECONDS,
    SUBMIT_FUNCTION_TIMEOUT_SECONDS,
    WORKFLOW_FUNCTION_TIMEOUT_SECONDS,
)
from handlers.domain.event_patterns import broken_workflow_executions
from handlers.settings import (
    DecisionSettings,
    GaugeSettings,
    SettlerSettings,
    SubmitSettings,
    WorkflowSettings,
)
from sandbox.config import (
    ACCOUNT_ID,
    ALLOWED_EMAIL_DOMAINS,
    DEFAULT_APPROVER,
    EVENT_BUS_NAME,
    FAKE_CREDENTIALS,
    MAX_LEAVE_DAYS,
    NAME_PREFIX,
    OIDC_AUDIENCE,
    PREVIOUS_SIGNING_KEY_PARAMETER,
    REGION,
    SENDER_EMAIL,
    SIGNING_KEY_PARAMETER,
    TABLE_NAME,
    SandboxConfig,
)
from sandbox.event_rules import LambdaRule

SUBMIT = f"{NAME_PREFIX}-submit"
WORKFLOW = f"{NAME_PREFIX}-workflow"
DECISION = f"{NAME_PREFIX}-decision"
PENDING_GAUGE = f"{NAME_PREFIX}-pending-gauge"
PENDING_GAUGE_EVERY_SECONDS = 5.0
SETTLER = f"{NAME_PREFIX}-settler"
# Durable functions are invoked through an alias, never unqualified.
WORKFLOW_ALIAS = "live"

# botocore's names for the services the handlers call (`AWS_ENDPOINT_URL_<name>`).
EMULATED_SERVICES = (
    "DYNAMODB",
    "SES",
    "SESV2",
    "SSM",
    "CLOUDWATCH",
    "CLOUDWATCH_LOGS",
    "EVENTBRIDGE",
)


def function_arn(name: str, qualifier: str | None = None) -> str:
    arn = f"arn:aws:lambda:{REGION}:{ACCOUNT_ID}:function:{name}"
    return f"{arn}:{qualifier}" if qualifier else arn


@dataclass(frozen=True)
class DurableConfig:
    execution_timeout_seconds: int
    retention_period_days: int = 1


@dataclass(frozen=True)
class LambdaFunction:
    name: str
    handler: str
    settings: Mapping[str, str]
    timeout_seconds: int
    memory_mb: int = 512
    # Environments (worker processes) at most; further invocations wait for a free one.
    max_concurrency: int = 4
    durable: DurableConfig | None = None

    @property
    def log_group(self) -> str:
        return f"/aws/lambda/{self.name}"


@dataclass(frozen=True)
class ScheduledFunction:
    """A function an EventBridge schedule rule invokes; `every_seconds` overrides the default.

    `awaited_at_start`: its first firing is waited for before the sandbox says it is up.
    """

    function: LambdaFunction
    every_seconds: float | None = None
    rule_name: str = field(default="")
    awaited_at_start: bool = False

    @property
    def rule(self) -> str:
        return self.rule_name or f"{self.function.name}-schedule"


def platform_environment(
    config: SandboxConfig, chaos_endpoint: str | None = None
) -> dict[str, str]:
    """What every function's environment holds besides its settings: region, keys, endpoints
    (with `chaos_endpoint`, every AWS endpoint is the chaos front's: `sandbox/chaos.py`)."""
    environment = {
        "AWS_REGION": REGION,
        "AWS_DEFAULT_REGION": REGION,
        **FAKE_CREDENTIALS,
        "AWS_ENDPOINT_URL_LAMBDA": chaos_endpoint or config.lambda_endpoint,
    }
    for service in EMULATED_SERVICES:
        environment[f"AWS_ENDPOINT_URL_{service}"] = chaos_endpoint or config.aws_endpoint
    return environment


def service_functions(config: SandboxConfig) -> list[LambdaFunction]:
    approval_timeout = config.approval_timeout_seconds
    return [
        LambdaFunction(
            name=SUBMIT,
            handler="handlers.submit.handler",
            settings=SubmitSettings.environment_for(
                table_name=TABLE_NAME,
                submit_url=config.submit_url,
                workflow_function=function_arn(WORKFLOW, WORKFLOW_ALIAS),
                allowed_email_domains=ALLOWED_EMAIL_DOMAINS,
                default_approver=DEFAULT_APPROVER,
                max_leave_days=MAX_LEAVE_DAYS,
                **config.date_limits.as_settings(),
                allowances=allowance_settings(config.allowances),
                **config.work_calendar.as_settings(),
                signing_key_parameter=SIGNING_KEY_PARAMETER,
                oidc_issuer=config.oidc_issuer,
                oidc_audience=OIDC_AUDIENCE,
                oidc_jwks_url=config.oidc_jwks_url,
                sender_email=SENDER_EMAIL,
                event_bus_name=EVENT_BUS_NAME,
            ),
            timeout_seconds=SUBMIT_FUNCTION_TIMEOUT_SECONDS,
        ),
        LambdaFunction(
            name=WORKFLOW,
            handler="handlers.workflow.handler",
            settings=WorkflowSettings.environment_for(
                table_name=TABLE_NAME,
                sender_email=SENDER_EMAIL,
                decision_url=config.decision_url,
                submit_url=config.submit_url,
                signing_key_parameter=SIGNING_KEY_PARAMETER,
                approval_timeout_seconds=approval_timeout,
                event_bus_name=EVENT_BUS_NAME,
                default_approver=DEFAULT_APPROVER,
                **config.follow_ups.as_settings(),
                second_approval_over_days=config.second_approval_over_days or OFF,
            ),
            timeout_seconds=WORKFLOW_FUNCTION_TIMEOUT_SECONDS,
            # The durable emulator invokes up to 6 executions at once on 2 cores.
            max_concurrency=6,
            # As deployed: the longest Lambda allows, whatever the approval timeout.
            durable=DurableConfig(execution_timeout_seconds=MAX_EXECUTION_TIMEOUT_SECONDS),
        ),
        LambdaFunction(
            name=DECISION,
            handler="handlers.decision.handler",
            settings=DecisionSettings.environment_for(
                table_name=TABLE_NAME,
                signing_key_parameter=SIGNING_KEY_PARAMETER,
                previous_signing_key_parameter=PREVIOUS_SIGNING_KEY_PARAMETER,
                second_approval_over_days=config.second_approval_over_days or OFF,
            ),
            timeout_seconds=DECISION_FUNCTION_TIMEOUT_SECONDS,
        ),
    ]


def scheduled_functions(config: SandboxConfig) -> list[ScheduledFunction]:
    """The functions schedule rules invoke, each every `config.schedule_seconds` by default."""
    return [
        ScheduledFunction(
            LambdaFunction(
                name=SETTLER,
                handler="handlers.settler.handler",
                settings=SettlerSettings.environment_for(
                    table_name=TABLE_NAME,
                    sender_email=SENDER_EMAIL,
                    submit_url=config.submit_url,
                    event_bus_name=EVENT_BUS_NAME,
                    workflow_function=function_arn(WORKFLOW),
                    approval_timeout_seconds=config.approval_timeout_seconds,
                    sweep_grace_seconds=config.sweep_grace_seconds,
                    decision_url=config.decision_url,
                    signing_key_parameter=SIGNING_KEY_PARAMETER,
                ),
                timeout_seconds=SETTLER_FUNCTION_TIMEOUT_SECONDS,
                max_concurrency=2,
            ),
            rule_name=f"{NAME_PREFIX}-sweep",
        ),
        ScheduledFunction(
            LambdaFunction(
                name=PENDING_GAUGE,
                handler="handlers.pending_gauge.handler",
                settings=GaugeSettings.environment_for(table_name=TABLE_NAME),
                timeout_seconds=GAUGE_FUNCTION_TIMEOUT_SECONDS,
                max_concurrency=1,
            ),
            # The dashboard's Pending tile is the gauge's latest reading. On AWS the gauge runs
            # every minute, CloudWatch's resolution; here it runs often enough that the tile is
            # current within seconds of a submission or a decision.
            every_seconds=PENDING_GAUGE_EVERY_SECONDS,
            # The dashboard counts submissions and outcomes as the increase of the running
            # totals over its range: the first reading must come before the first request,
            # or the requests before it are never counted (on a busy machine the first
            # scheduled firing can land after a test's first submissions).
            awaited_at_start=True,
        ),
    ]


def lambda_rules() -> list[LambdaRule]:
    """The EventBridge rules whose targets are functions (the Settler component's rule)."""
    return [
        LambdaRule(
            f"{NAME_PREFIX}-settle-broken",
            broken_workflow_executions(function_arn(WORKFLOW)),
            SETTLER,
        )
    ]
