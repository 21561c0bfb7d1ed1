"""Reading the settings, from stack config or from the package's inputs, into a `ServiceConfig`.

Pulumi (and its mocks) check no ranges, and AWS would refuse a bad value only halfway through a
deploy, so every value is checked before anything is created, with an error that names the key
and how to set it. The one exception is a secret handed to the package: Pulumi's provider
server passes it in as an Output, so its value is checked once it resolves, and stays secret.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import Enum
from typing import Any

import pulumi
from annotated_types import Ge, Gt, Le
from pydantic import ValidationError
from pydantic_core import ErrorDetails

from components.config.service_config import ExternalIdentityProvider, ServiceConfig
from components.config.setting_types import SettingProblem, holds_output, signing_key_problem
from components.config.stack_settings import KEYS_DIFFER, StackSettings
from components.throttling import ClientRateLimit, Throttle
from handlers.domain.leave_dates import DateLimits

COMPONENT = "LeaveApprovals"


class Source(Enum):
    """Where the settings come from, which decides how a person sets one."""

    STACK_CONFIG = "stack config"
    PACKAGE_INPUTS = "the package's inputs"


@dataclass(frozen=True)
class Problem:
    key: str | None
    message: str


class ConfigError(pulumi.RunError):
    """Settings are missing or out of range; each line says which and how to set it."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("\n".join(problem.message for problem in problems))
        self.problems = problems


def how_to_set(key: str, source: Source, subject: str = "it") -> str:
    field = StackSettings.model_fields[_names()[key]]
    extra = field.json_schema_extra if isinstance(field.json_schema_extra, dict) else {}
    secret = bool(extra.get("secret"))
    if source is Source.PACKAGE_INPUTS:
        kind = "secret " if secret else ""
        return f"pass {subject} as the {kind}input `{key}` of {COMPONENT}"
    arguments = extra.get("configSet") or f"{key} {extra.get('example') or _as_config(field)}"
    return f"set {subject} with `pulumi config set{' --secret' if secret else ''} {arguments}`"


def _as_config(field: Any) -> str:
    """A default as `pulumi config set` takes it."""
    value = field.default
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def _names() -> dict[str, str]:
    """Each setting's field name by its key, and by its field name."""
    keys = StackSettings.keys()
    return {key: name for name, key in keys.items()} | {name: name for name in keys}


def _bounds(name: str) -> tuple[Any, Any, Any]:
    """A field's (at least, above, at most): ints take the first, numbers the second."""
    low = lowest = high = None
    for constraint in StackSettings.model_fields[name].metadata:
        if isinstance(constraint, Ge):
            low = constraint.ge
        elif isinstance(constraint, Gt):
            lowest = constraint.gt
        elif isinstance(constraint, Le):
            high = constraint.le
    return low, lowest, high


def _problem_with(error: ErrorDetails, source: Source) -> Problem:
    context = error.get("ctx") or {}
    cause = context.get("error")
    if not error["loc"]:
        key = cause.key if isinstance(cause, SettingProblem) else None
        text = str(cause) if cause is not None else error["msg"]
        return Problem(key, f"{text}; {how_to_set(key, source, key)}" if key else text)
    name = _names().get(str(error["loc"][0]))
    if name is None:
        known = ", ".join(StackSettings.keys().values())
        return Problem(None, f"{error['loc'][0]} is not a setting of {COMPONENT} ({known})")
    key = StackSettings.keys()[name]
    kind, value = error["type"], error["input"]
    if kind == "missing":
        return Problem(key, f"{key} is required: {how_to_set(key, source)}")
    low, lowest, high = _bounds(name)
    if kind in {"int_parsing", "int_from_float", "int_type"}:
        problem = f"must be a whole number, not {value!r}"
    elif kind in {"greater_than_equal", "less_than_equal"} and lowest is None:
        problem = f"must be between {low} and {high}, not {value}"
    elif kind in {"float_parsing", "float_type"}:
        problem = f"must be a number above {lowest:g} and at most {high:g}, not {value!r}"
    elif kind in {"greater_than", "less_than_equal", "finite_number"}:
        problem = f"must be above {lowest:g} and at most {high:g}, not {value}"
    elif cause is not None:
        problem = str(cause)
    else:
        problem = error["msg"].lower()
    return Problem(key, f"{key} {problem}; {how_to_set(key, source)}")


def _settings(values: Mapping[str, Any], source: Source) -> StackSettings:
    # A blank setting is an unset one (`pulumi config set key ""`, an empty YAML value).
    given = {
        key: value
        for key, value in values.items()
        if value is not None and not (isinstance(value, str) and not value.strip())
    }
    secret = StackSettings.secret_keys()
    known_later = [
        key
        for key, value in given.items()
        if holds_output(value) and StackSettings.keys().get(key, key) not in secret
    ]
    if known_later:
        raise ConfigError(
            [
                Problem(
                    StackSettings.keys().get(key, key),
                    f"{StackSettings.keys().get(key, key)} must be a value known before the "
                    "deploy, not a secret or another resource's output: it decides what is "
                    f"created (only {' and '.join(sorted(secret))} may be secret)",
                )
                for key in known_later
            ]
        )
    try:
        return StackSettings.model_validate(given)
    except ValidationError as invalid:
        raise ConfigError([_problem_with(error, source) for error in invalid.errors()]) from None


def _secret(key: str, value: str | pulumi.Output[str], source: Source) -> pulumi.Output[str]:
    """A signing key as a secret Output; a value that arrived as an Output is checked when it
    resolves, and its problem never quotes it."""
    if isinstance(value, str):
        return pulumi.Output.secret(value)

    def checked(text: str) -> str:
        if not text or not text.strip():
            raise ConfigError([Problem(key, f"{key} is required: {how_to_set(key, source)}")])
        problem = signing_key_problem(text)
        if problem:
            raise ConfigError([Problem(key, f"{key} {problem}; {how_to_set(key, source)}")])
        return text

    return pulumi.Output.secret(value.apply(checked))


def _previous_secret(
    settings: StackSettings, current: pulumi.Output[str], source: Source
) -> pulumi.Output[str] | None:
    previous = settings.previous_signing_key
    if previous is None:
        return None
    checked = _secret("previousSigningKey", previous, source)
    if isinstance(previous, str) and isinstance(settings.signing_key, str):
        return checked  # compared by the model already

    def differs(keys: list[str]) -> str:
        if keys[0] == keys[1]:
            hint = how_to_set("signingKey", source, "signingKey")
            raise ConfigError([Problem("signingKey", f"{KEYS_DIFFER}; {hint}")])
        return keys[1]

    return pulumi.Output.secret(pulumi.Output.all(current, checked).apply(differs))


def service_config(settings: StackSettings, source: Source) -> ServiceConfig:
    """What the components read, grouped by what each setting configures."""
    signing_key = _secret("signingKey", settings.signing_key, source)
    identity_provider = (
        ExternalIdentityProvider(
            issuer=settings.oidc_issuer,
            audience=settings.oidc_audience or "",
            jwks_url=settings.oidc_jwks_url,
        )
        if settings.oidc_issuer
        else None
    )
    return ServiceConfig(
        approval_timeout_seconds=settings.approval_timeout_seconds,
        max_leave_days=settings.max_leave_days,
        allowed_email_domains=settings.allowed_email_domains,
        default_approver=settings.default_approver,
        approver_directory=settings.approver_directory,
        allowances=settings.allowances,
        allowance_overrides=settings.allowance_overrides,
        sender_email=settings.sender_email,
        alarm_email=settings.alarm_email,
        signing_key=signing_key,
        previous_signing_key=_previous_secret(settings, signing_key, source),
        log_retention_days=settings.log_retention_days,
        execution_retention_days=settings.execution_retention_days,
        table_deletion_protection=settings.table_deletion_protection,
        compile_bytecode=settings.compile_bytecode,
        http_max_concurrency=settings.http_max_concurrency,
        throttle=Throttle(settings.api_rate_limit, settings.api_burst_limit),
        pending_gauge_interval_minutes=settings.pending_gauge_interval_minutes,
        sweep_interval_minutes=settings.sweep_interval_minutes,
        sweep_grace_seconds=settings.sweep_grace_seconds,
        identity_provider=identity_provider,
        client_rate_limit=ClientRateLimit(
            enabled=settings.client_rate_limit_enabled,
            limit=settings.client_rate_limit,
            window_seconds=settings.client_rate_limit_window_seconds,
        ),
        mfa=settings.mfa,
        max_pending_per_employee=settings.max_pending_per_employee,
        follow_ups=settings.follow_up_plan(),
        second_approval_over_days=settings.second_approval_over_days,
        date_limits=DateLimits(settings.max_past_days, settings.max_future_days),
        work_calendar=settings.work_calendar(),
        oldest_pending_alarm_share=settings.oldest_pending_alarm_share,
        expiry_rate_alarm_threshold=settings.expiry_rate_alarm_threshold,
        event_archive_retention_days=settings.event_archive_retention_days,
        # The sender is verified as the sender already.
        sandbox_recipients=tuple(
            address for address in settings.sandbox_recipients if address != settings.sender_email
        ),
    )


def load_config(config: pulumi.Config | None = None) -> ServiceConfig:
    """Every setting of the stack, read from its config and validated."""
    config = config or pulumi.Config()
    # Stack config holds text (a list or a mapping as JSON); each setting's type parses it.
    values = {key: config.get(key) for key in StackSettings.keys().values()}
    return service_config(_settings(values, Source.STACK_CONFIG), Source.STACK_CONFIG)


def load_inputs(inputs: Mapping[str, Any]) -> ServiceConfig:
    """Every setting as the package's inputs (by field name, as the provider hands them over,
    or by key), validated; a signing key may be a secret Output."""
    return service_config(_settings(inputs, Source.PACKAGE_INPUTS), Source.PACKAGE_INPUTS)
