"""What the components read: the stack's settings, validated and grouped by what they configure.

`StackSettings` (stack_settings.py) is what people set; this is what it becomes. The limits
AWS puts on some settings are here too, for the model and the policy pack.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum

import pulumi

from components.throttling import ClientRateLimit, Throttle
from handlers.domain.allowances import AllowanceTable, parse_allowances
from handlers.domain.approval_levels import DEFAULT_SECOND_APPROVAL_OVER_DAYS
from handlers.domain.follow_ups import FollowUpPlan
from handlers.domain.leave_dates import DateLimits
from handlers.domain.working_days import WorkCalendar

# Lambda durable functions: an execution may last 1 s to 366 days; its state is kept 1 to 90 days.
MAX_EXECUTION_TIMEOUT_SECONDS = 31_622_400
# The workflow runs a little after the approval wait ends (record, email): a day covers retries.
EXECUTION_TIMEOUT_MARGIN_SECONDS = 86_400
MIN_APPROVAL_TIMEOUT_SECONDS = 60
MAX_APPROVAL_TIMEOUT_SECONDS = MAX_EXECUTION_TIMEOUT_SECONDS - EXECUTION_TIMEOUT_MARGIN_SECONDS
# What CloudWatch Logs accepts as a retention period.
LOG_RETENTION_DAYS = (
    1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731,
    1096, 1827, 2192, 2557, 2922, 3288, 3653,
)  # fmt: skip
MIN_SIGNING_KEY_LENGTH = 32
# The pending gauge runs every 1 to 60 minutes; its alarm and dashboard read one figure a run.
MAX_PENDING_GAUGE_INTERVAL_MINUTES = 60
# The sweep runs every 1 to 60 minutes. Its grace must outlast a start Lambda holds back (a
# throttled asynchronous start is retried for minutes) and is at most a day.
MAX_SWEEP_INTERVAL_MINUTES = 60
# A cap on an employee's waiting requests: past a hundred it limits nothing.
MAX_PENDING_PER_EMPLOYEE = 100
MIN_SWEEP_GRACE_SECONDS = 60
MAX_SWEEP_GRACE_SECONDS = 86_400
# EventBridge keeps an archive's events 1 day to 10 years (0, forever, is not offered here:
# the audit log group already keeps them as long as logRetentionDays says).
MAX_EVENT_ARCHIVE_RETENTION_DAYS = 3650
# Lambda's default concurrency quota per account and region; a raised quota allows more.
MAX_RESERVED_CONCURRENCY = 1000


class Mfa(StrEnum):
    """Whether the stack's Cognito user pool asks for a second factor (an authenticator app's
    one-time code) at sign-in: never, when the employee has registered one, or always (Cognito
    has each register one when they sign in)."""

    OFF = "off"
    OPTIONAL = "optional"
    REQUIRED = "required"


@dataclass(frozen=True)
class ServiceConfig:
    approval_timeout_seconds: int
    max_leave_days: int
    allowed_email_domains: tuple[str, ...]
    default_approver: str
    sender_email: str
    alarm_email: str
    signing_key: pulumi.Output[str]
    approver_directory: Mapping[str, str] = field(default_factory=dict)
    # Days a year of each leave type (None: no limit), and the people with allowances of their
    # own (seeded into their directory entries).
    allowances: AllowanceTable = field(default_factory=lambda: parse_allowances(None))
    allowance_overrides: Mapping[str, AllowanceTable] = field(default_factory=dict)
    log_retention_days: int = 30
    execution_retention_days: int = 14
    table_deletion_protection: bool = True
    # Addresses to verify as SES identities, so a new account (in the SES sandbox) can mail them.
    sandbox_recipients: tuple[str, ...] = ()
    # Observability: how often the pending gauge measures, what the alarms call too much, and
    # how long the domain events stay replayable.
    pending_gauge_interval_minutes: int = 1
    # Alarm when the oldest pending request has waited this share of approvalTimeoutSeconds.
    oldest_pending_alarm_share: float = 0.5
    # Alarm when this share of the requests ended in a window expired instead of being decided.
    expiry_rate_alarm_threshold: float = 0.5
    event_archive_retention_days: int = 90
    # Ship bytecode compiled by a Python of the Lambda runtime's version, installed by uv when
    # this machine has none (see packaging).
    compile_bytecode: bool = True
    # Caps each public endpoint's concurrency (reserved concurrency); None leaves it uncapped.
    http_max_concurrency: int | None = None
    # The employees' API: requests per second it lets through, and how many at once.
    throttle: Throttle = field(default_factory=Throttle)
    # The settler's sweep: how often it runs, and how long a request may wait to be taken over
    # by its workflow (or stay pending past its approval timeout) before it is looked at.
    sweep_interval_minutes: int = 5
    sweep_grace_seconds: int = 900
    # Who signs employees in. None: the stack creates a Cognito user pool and app client.
    identity_provider: ExternalIdentityProvider | None = None
    # Abuse: the employees' API's limit per client address (an AWS WAF rate-based rule), and
    # whether the stack's user pool asks for a second factor.
    client_rate_limit: ClientRateLimit = field(default_factory=ClientRateLimit)
    mfa: Mfa = Mfa.OPTIONAL
    # How many requests one employee may have waiting for a decision at once.
    max_pending_per_employee: int = 5
    # The signing key before the last rotation, kept until the links it signed have expired.
    previous_signing_key: pulumi.Output[str] | None = None
    # When a waiting request's approver is reminded, and when it escalates.
    follow_ups: FollowUpPlan = field(default_factory=FollowUpPlan)
    # Leave longer than this many days needs a second approval (None: one level for all).
    second_approval_over_days: int | None = DEFAULT_SECOND_APPROVAL_OVER_DAYS
    # How many days back a request may start (by leave type), and how far ahead it may end.
    date_limits: DateLimits = field(default_factory=DateLimits)
    # Which days count: the work week, public holidays, closure days.
    work_calendar: WorkCalendar = field(default_factory=WorkCalendar)

    @property
    def execution_timeout_seconds(self) -> int:
        """The workflow's durable execution timeout: the longest Lambda allows, whatever
        approvalTimeoutSeconds is.

        A request ends at its own deadline (its approval callback's timeout, fixed when it was
        asked), never at this one. And Lambda takes DurableConfig only when the function is
        created: a timeout that followed approvalTimeoutSeconds would make a change of that
        setting replace the workflow function, which deletes its versions and stops every
        execution still waiting (docs/deploying.md, "Changing the workflow safely"). The
        longest approval still leaves the execution EXECUTION_TIMEOUT_MARGIN_SECONDS to end."""
        return MAX_EXECUTION_TIMEOUT_SECONDS


@dataclass(frozen=True)
class ExternalIdentityProvider:
    """The company's own OpenID Connect issuer (Okta, Entra ID, Google Workspace, ...)."""

    issuer: str
    # The client id the issuer puts in its ID tokens' `aud` for this service.
    audience: str
    # Where its signing keys are; found through its discovery document when unset.
    jwks_url: str | None = None
