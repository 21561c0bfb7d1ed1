"""The stack's settings: read from `pulumi config`, checked here, before anything is created.

Pulumi (and its mocks) check no ranges, and AWS would refuse a bad value only halfway through a
deploy, so every value is validated here with an error that names the key and how to set it.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Protocol

import pulumi
from pydantic import TypeAdapter, ValidationError

from components.throttling import (
    CLIENT_WINDOWS_SECONDS,
    DEFAULT_BURST,
    DEFAULT_CLIENT_LIMIT,
    DEFAULT_CLIENT_WINDOW_SECONDS,
    DEFAULT_RATE_PER_SECOND,
    MAX_BURST,
    MAX_CLIENT_LIMIT,
    MAX_RATE_PER_SECOND,
    MIN_CLIENT_LIMIT,
    ClientRateLimit,
    Throttle,
)
from handlers.domain.approval_levels import DEFAULT_SECOND_APPROVAL_OVER_DAYS, parse_days
from handlers.domain.follow_ups import (
    MAX_REMINDERS,
    OFF,
    FollowUpPlan,
    parse_share,
    parse_shares,
)
from handlers.domain.leave_dates import (
    DEFAULT_MAX_FUTURE_DAYS,
    MAX_FUTURE_DAYS_LIMIT,
    MIN_FUTURE_DAYS,
    DateLimits,
    parse_max_past_days,
)
from handlers.domain.leave_request import EnteredEmail

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

# An address is valid here exactly when the handlers accept it, or a deploy that passes would
# refuse every request at run time.
_EMAIL = TypeAdapter(EnteredEmail)
_DOMAIN = re.compile(r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]*[a-z0-9])?\.)+[a-z]{2,}$")
_HTTPS_URL = re.compile(r"^https://[^\s/?#]+(/[^\s?#]*)?$")


class Settings(Protocol):
    """Where settings are read from: the stack's config, or a component's inputs."""

    def get(self, key: str) -> str | None: ...

    def get_object(self, key: str) -> Any: ...


class PlainSettings:
    """Settings given as values (the package component's inputs), read as the stack's config
    is read: text for `get`, the value itself for `get_object`."""

    def __init__(self, values: Mapping[str, Any]) -> None:
        self._values = {key: value for key, value in values.items() if value is not None}

    def _value(self, key: str) -> Any:
        value = self._values.get(key)
        if isinstance(value, pulumi.Output):
            raise ConfigError(f"{key} must be a value known before the deploy, not an output")
        return value

    def get(self, key: str) -> str | None:
        value = self._value(key)
        if value is None:
            return None
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, list | tuple | dict):
            return json.dumps(value)
        return str(value)

    def get_object(self, key: str) -> Any:
        return self._value(key)


class ConfigError(pulumi.RunError):
    """A setting is missing or out of range; the message says which and how to set it."""


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

    @property
    def execution_timeout_seconds(self) -> int:
        """The workflow's durable execution timeout: the approval wait and a margin."""
        return min(
            self.approval_timeout_seconds + EXECUTION_TIMEOUT_MARGIN_SECONDS,
            MAX_EXECUTION_TIMEOUT_SECONDS,
        )


@dataclass(frozen=True)
class ExternalIdentityProvider:
    """The company's own OpenID Connect issuer (Okta, Entra ID, Google Workspace, ...)."""

    issuer: str
    # The client id the issuer puts in its ID tokens' `aud` for this service.
    audience: str
    # Where its signing keys are; found through its discovery document when unset.
    jwks_url: str | None = None


def _set_hint(key: str, example: str, secret: bool = False) -> str:
    flag = " --secret" if secret else ""
    return f"set it with `pulumi config set{flag} {key} {example}`"


def _int_in_range(config: Settings, key: str, default: int, low: int, high: int) -> int:
    value = _optional_int_in_range(config, key, low, high)
    return default if value is None else value


def _optional_int_in_range(config: Settings, key: str, low: int, high: int) -> int | None:
    raw = config.get(key)
    if raw is None:
        return None
    try:
        value = int(str(raw).strip())
    except ValueError:
        raise ConfigError(f"{key} must be a whole number, not {raw!r}") from None
    if not low <= value <= high:
        raise ConfigError(f"{key} must be between {low} and {high}, not {value}")
    return value


def _positive_number(config: Settings, key: str, default: float, high: float) -> float:
    """A number above 0 and at most `high`."""
    raw = config.get(key)
    if raw is None:
        return default
    try:
        value = float(str(raw).strip())
    except ValueError:
        problem = f"{key} must be a number above 0 and at most {high:g}, not {raw!r}"
        raise ConfigError(problem) from None
    if not (math.isfinite(value) and 0 < value <= high):
        raise ConfigError(f"{key} must be above 0 and at most {high:g}, not {value:g}")
    return value


def _share(config: Settings, key: str, default: float) -> float:
    """A fraction above 0 and at most 1, e.g. 0.5 for half."""
    return _positive_number(config, key, default, 1)


def _email(key: str, value: Any) -> str:
    try:
        return str(_EMAIL.validate_python(value.strip() if isinstance(value, str) else value))
    except ValidationError:
        raise ConfigError(f"{key} must be an email address, not {value!r}") from None


def _required_email(config: Settings, key: str) -> str:
    raw = config.get(key)
    if raw is None or not raw.strip():
        raise ConfigError(f"{key} is required: {_set_hint(key, 'someone@example.com')}")
    return _email(key, raw)


def _string_list(config: Settings, key: str) -> list[str]:
    """A list, as YAML/JSON (`["a", "b"]`) or as comma-separated text (`a,b`)."""
    raw = config.get(key)
    if raw is None:
        return []
    text = raw.strip()
    if text.startswith("["):
        try:
            values = json.loads(text)
        except json.JSONDecodeError:
            raise ConfigError(f"{key} is not a valid list: {raw!r}") from None
    else:
        values = text.split(",")
    if not all(isinstance(value, str) for value in values):
        raise ConfigError(f"{key} must be a list of strings, not {raw!r}")
    return [value.strip() for value in values if value.strip()]


def _domains(config: Settings, key: str) -> tuple[str, ...]:
    domains = [domain.lower() for domain in _string_list(config, key)]
    if not domains:
        raise ConfigError(f"{key} is required: {_set_hint(key, 'example.com,example.org')}")
    for domain in domains:
        if not _DOMAIN.match(domain):
            raise ConfigError(f"{key}: {domain!r} is not a domain name")
    return tuple(dict.fromkeys(domains))


def _directory(config: Settings, key: str) -> dict[str, str]:
    try:
        raw = config.get_object(key)
    except pulumi.ConfigTypeError:
        raw = config.get(key)
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise ConfigError(
            f"{key} must map employee addresses to approver addresses, e.g. "
            f"`pulumi config set --path '{key}[\"alice@example.com\"]' bob@example.com`"
        )
    directory: dict[str, str] = {}
    for employee, approver in raw.items():
        employee_email = _email(f"{key} (employee)", employee)
        approver_email = _email(f"{key}[{employee!r}]", approver)
        if employee_email == approver_email:
            raise ConfigError(f"{key}: {employee_email} cannot approve their own leave")
        if employee_email in directory:
            raise ConfigError(f"{key}: {employee_email} is listed twice")
        directory[employee_email] = approver_email
    return directory


def _bool(config: Settings, key: str, default: bool) -> bool:
    raw = config.get(key)
    if raw is None:
        return default
    text = str(raw).strip().lower()
    if text not in {"true", "false"}:
        raise ConfigError(f"{key} must be true or false, not {raw!r}")
    return text == "true"


def _https_url(key: str, value: str) -> str:
    url = value.strip().rstrip("/")
    if not _HTTPS_URL.match(url):
        raise ConfigError(f"{key} must be an https:// URL, not {value!r}")
    return url


def _identity_provider(config: Settings) -> ExternalIdentityProvider | None:
    issuer, audience = config.get("oidcIssuer"), config.get("oidcAudience")
    jwks_url = config.get("oidcJwksUrl")
    if not issuer:
        if audience or jwks_url:
            raise ConfigError(
                "oidcAudience and oidcJwksUrl go with oidcIssuer: "
                f"{_set_hint('oidcIssuer', 'https://login.example.com')}, or unset them to "
                "sign people in with the stack's own Cognito user pool"
            )
        return None
    issuer_url = _https_url("oidcIssuer", issuer)
    if not audience or not audience.strip():
        raise ConfigError(
            "oidcAudience (the client id your issuer puts in its ID tokens) is required with "
            f"oidcIssuer: {_set_hint('oidcAudience', '0oa1b2c3d4')}"
        )
    return ExternalIdentityProvider(
        issuer=issuer_url,
        audience=audience.strip(),
        jwks_url=_https_url("oidcJwksUrl", jwks_url) if jwks_url else None,
    )


def _signing_key(config: Settings, key: str) -> pulumi.Output[str]:
    hint = _set_hint(key, '"$(openssl rand -base64 48)"', secret=True)
    # Read as plain text to check it now; it is wrapped as a secret at once, and only ever
    # leaves the program as the value of an SSM SecureString.
    raw = config.get(key)
    if raw is None or not raw.strip():
        raise ConfigError(f"{key} (the key that signs approvers' links) is required: {hint}")
    if key != "signingKey" and raw == config.get("signingKey"):
        raise ConfigError(f"{key} must differ from signingKey: it is the key before the rotation")
    if len(raw) < MIN_SIGNING_KEY_LENGTH:
        raise ConfigError(f"{key} must be at least {MIN_SIGNING_KEY_LENGTH} characters: {hint}")
    return pulumi.Output.secret(raw)


def _follow_up_plan(config: Settings) -> FollowUpPlan:
    """`reminderAt` (shares: `0.5`, `0.25,0.5` or a list) and `escalateAt` (one share); `none`
    turns either off."""
    raw_reminders, raw_escalation = config.get("reminderAt"), config.get("escalateAt")
    plan = FollowUpPlan()
    try:
        reminders = plan.reminder_at
        if raw_reminders is not None:
            text = raw_reminders.strip()
            reminders = parse_shares(json.loads(text) if text.startswith("[") else text)
    except (ValueError, TypeError):
        raise ConfigError(
            f"reminderAt must be shares of approvalTimeoutSeconds like 0.5 or 0.25,0.5, or "
            f"{OFF}, not {raw_reminders!r}"
        ) from None
    if len(reminders) > MAX_REMINDERS:
        raise ConfigError(
            f"reminderAt takes at most {MAX_REMINDERS} shares (each reminder costs durable "
            f"operations), not {len(reminders)}: {raw_reminders!r}"
        )
    try:
        escalation = plan.escalate_at if raw_escalation is None else parse_share(raw_escalation)
    except ValueError:
        raise ConfigError(
            f"escalateAt must be one share of approvalTimeoutSeconds like 0.75, or {OFF}, "
            f"not {raw_escalation!r}"
        ) from None
    try:
        return FollowUpPlan(reminders, escalation)
    except ValueError as problem:
        raise ConfigError(f"reminderAt and escalateAt: {problem}") from None


def _second_approval_over_days(config: Settings) -> int | None:
    raw = config.get("secondApprovalOverDays")
    if raw is None:
        return DEFAULT_SECOND_APPROVAL_OVER_DAYS
    try:
        return parse_days(raw)
    except ValueError as problem:
        raise ConfigError(f"secondApprovalOverDays {problem}, not {raw!r}") from None


def _date_limits(config: Settings) -> DateLimits:
    """`maxPastDays`: one number for every leave type, or leave types mapped to days (the
    others keep their defaults); `maxFutureDays`: one number."""
    try:
        raw = config.get_object("maxPastDays")
    except pulumi.ConfigTypeError:
        raw = config.get("maxPastDays")
    try:
        past_days = parse_max_past_days(raw)
    except ValueError as problem:
        raise ConfigError(
            f"maxPastDays {problem}; set one number for every leave type, or one per type: "
            "`pulumi config set --path 'maxPastDays.sick' 7`"
        ) from None
    future_days = _int_in_range(
        config, "maxFutureDays", DEFAULT_MAX_FUTURE_DAYS, MIN_FUTURE_DAYS, MAX_FUTURE_DAYS_LIMIT
    )
    return DateLimits(past_days, future_days)


def _client_rate_limit(config: Settings) -> ClientRateLimit:
    """`clientRateLimitEnabled`, `clientRateLimit` (requests per window from one address) and
    `clientRateLimitWindowSeconds`: the web ACL in front of the employees' API."""
    window = _int_in_range(
        config,
        "clientRateLimitWindowSeconds",
        DEFAULT_CLIENT_WINDOW_SECONDS,
        CLIENT_WINDOWS_SECONDS[0],
        CLIENT_WINDOWS_SECONDS[-1],
    )
    if window not in CLIENT_WINDOWS_SECONDS:
        raise ConfigError(
            "clientRateLimitWindowSeconds must be one of "
            f"{', '.join(map(str, CLIENT_WINDOWS_SECONDS))} (what AWS WAF offers), not {window}"
        )
    return ClientRateLimit(
        enabled=_bool(config, "clientRateLimitEnabled", True),
        limit=_int_in_range(
            config, "clientRateLimit", DEFAULT_CLIENT_LIMIT, MIN_CLIENT_LIMIT, MAX_CLIENT_LIMIT
        ),
        window_seconds=window,
    )


def _mfa(config: Settings) -> Mfa:
    raw = config.get("mfa")
    if raw is None:
        return Mfa.OPTIONAL
    try:
        return Mfa(raw.strip().lower())
    except ValueError:
        modes = " | ".join(mode.value for mode in Mfa)
        raise ConfigError(f"mfa must be one of {modes}, not {raw!r}") from None


def load_config(config: Settings | None = None) -> ServiceConfig:
    """Every setting of the stack, validated."""
    config = config or pulumi.Config()
    log_retention = _int_in_range(config, "logRetentionDays", 30, 1, LOG_RETENTION_DAYS[-1])
    if log_retention not in LOG_RETENTION_DAYS:
        raise ConfigError(
            f"logRetentionDays must be one of {', '.join(map(str, LOG_RETENTION_DAYS))}, "
            f"not {log_retention}"
        )
    sender = _required_email(config, "senderEmail")
    return ServiceConfig(
        approval_timeout_seconds=_int_in_range(
            config,
            "approvalTimeoutSeconds",
            7 * 86_400,
            MIN_APPROVAL_TIMEOUT_SECONDS,
            MAX_APPROVAL_TIMEOUT_SECONDS,
        ),
        max_leave_days=_int_in_range(config, "maxLeaveDays", 30, 1, 366),
        allowed_email_domains=_domains(config, "allowedEmailDomains"),
        default_approver=_required_email(config, "defaultApprover"),
        approver_directory=_directory(config, "approverDirectory"),
        sender_email=sender,
        alarm_email=_required_email(config, "alarmEmail"),
        signing_key=_signing_key(config, "signingKey"),
        previous_signing_key=(
            _signing_key(config, "previousSigningKey")
            if config.get("previousSigningKey") is not None
            else None
        ),
        log_retention_days=log_retention,
        execution_retention_days=_int_in_range(config, "executionRetentionDays", 14, 1, 90),
        table_deletion_protection=_bool(config, "tableDeletionProtection", True),
        compile_bytecode=_bool(config, "compileBytecode", True),
        http_max_concurrency=_optional_int_in_range(
            config, "httpMaxConcurrency", 1, MAX_RESERVED_CONCURRENCY
        ),
        throttle=Throttle(
            rate_per_second=_positive_number(
                config, "apiRateLimit", DEFAULT_RATE_PER_SECOND, MAX_RATE_PER_SECOND
            ),
            burst=_int_in_range(config, "apiBurstLimit", DEFAULT_BURST, 1, MAX_BURST),
        ),
        pending_gauge_interval_minutes=_int_in_range(
            config, "pendingGaugeIntervalMinutes", 1, 1, MAX_PENDING_GAUGE_INTERVAL_MINUTES
        ),
        sweep_interval_minutes=_int_in_range(
            config, "sweepIntervalMinutes", 5, 1, MAX_SWEEP_INTERVAL_MINUTES
        ),
        identity_provider=_identity_provider(config),
        client_rate_limit=_client_rate_limit(config),
        mfa=_mfa(config),
        max_pending_per_employee=_int_in_range(
            config, "maxPendingPerEmployee", 5, 1, MAX_PENDING_PER_EMPLOYEE
        ),
        sweep_grace_seconds=_int_in_range(
            config, "sweepGraceSeconds", 900, MIN_SWEEP_GRACE_SECONDS, MAX_SWEEP_GRACE_SECONDS
        ),
        follow_ups=_follow_up_plan(config),
        second_approval_over_days=_second_approval_over_days(config),
        date_limits=_date_limits(config),
        oldest_pending_alarm_share=_share(config, "oldestPendingAlarmShare", 0.5),
        expiry_rate_alarm_threshold=_share(config, "expiryRateAlarmThreshold", 0.5),
        event_archive_retention_days=_int_in_range(
            config, "eventArchiveRetentionDays", 90, 1, MAX_EVENT_ARCHIVE_RETENTION_DAYS
        ),
        sandbox_recipients=tuple(
            dict.fromkeys(
                _email("sandboxRecipients", address)
                for address in _string_list(config, "sandboxRecipients")
                if address.strip().lower() != sender
            )
        ),
    )
