"""Each function's settings, read from its environment into a typed, validated model.

The field aliases are the environment variable names. The Pulumi program builds each function's
environment with `environment_for`, so the names exist only here.
"""

import os
from collections.abc import Mapping
from datetime import date
from functools import cache
from typing import Annotated, Any, ClassVar, Self

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, model_validator

from handlers.call_limits import CALL_LIMITS_VARIABLE, CallLimitsName
from handlers.domain.allowances import parse_allowances
from handlers.domain.approval_levels import DEFAULT_SECOND_APPROVAL_OVER_DAYS, parse_days
from handlers.domain.follow_ups import (
    DEFAULT_ESCALATE_AT,
    DEFAULT_REMINDER_AT,
    FollowUpPlan,
    parse_share,
    parse_shares,
)
from handlers.domain.leave_dates import (
    DEFAULT_MAX_FUTURE_DAYS,
    DateLimits,
    parse_max_future_days,
    parse_max_past_days,
)
from handlers.domain.statuses import LeaveType
from handlers.domain.working_days import (
    MONDAY_TO_FRIDAY,
    WorkCalendar,
    country_code,
    parse_closure_days,
    parse_work_week,
    subdivision_code,
)


def _split_csv(value: Any) -> Any:
    if isinstance(value, str):
        return tuple(part.strip().lower() for part in value.split(",") if part.strip())
    return value


CsvList = Annotated[tuple[str, ...], BeforeValidator(_split_csv)]


class SettingsError(RuntimeError):
    """The function was deployed with missing or invalid settings."""


class _Settings(BaseModel):
    # Built when first read: a function reads one of these classes, and never the others.
    model_config = ConfigDict(frozen=True, populate_by_name=True, extra="ignore", defer_build=True)

    table_name: str = Field(alias="LEAVE_TABLE_NAME", min_length=1)
    # Who waits on the function's AWS calls (handlers/aws_clients.py): a person, unless it
    # runs in the background.
    call_limits: ClassVar[CallLimitsName] = "answering"

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] | None = None) -> Self:
        try:
            return cls.model_validate(dict(os.environ if environ is None else environ))
        except ValidationError as error:
            raise SettingsError(f"{cls.__name__} are not valid: {error}") from error

    @classmethod
    def environment_for(cls, **values: Any) -> dict[str, Any]:
        """Map field names to environment variable names, for deploy tooling.

        Values may be Pulumi Outputs, so they are not validated here; names are. Sequences are
        joined with commas and numbers turned into strings.
        """
        fields = cls.model_fields
        unknown = sorted(set(values) - set(fields))
        if unknown:
            raise SettingsError(f"{cls.__name__} has no settings named {unknown}")
        missing = sorted(n for n, f in fields.items() if f.is_required() and n not in values)
        if missing:
            raise SettingsError(f"{cls.__name__} needs {missing}")
        environment: dict[str, Any] = {CALL_LIMITS_VARIABLE: cls.call_limits}
        for name, value in values.items():
            if value is None:
                continue  # an optional setting left unset
            if isinstance(value, list | tuple):
                value = ",".join(value)
            elif isinstance(value, bool | int | float):
                value = str(value)
            environment[fields[name].alias or name] = value
        return environment


class _CountsWorkingDays(_Settings):
    """The settings of a function that counts working days (handlers/domain/working_days.py).
    Whether the `holidays` package knows the country and subdivision was checked when the stack
    was configured; asking it here would import it into every cold start."""

    work_week: Annotated[frozenset[int], BeforeValidator(parse_work_week)] = Field(
        default=MONDAY_TO_FRIDAY, alias="WORK_WEEK"
    )
    holiday_country: Annotated[str | None, BeforeValidator(country_code)] = Field(
        default=None, alias="HOLIDAY_COUNTRY"
    )
    holiday_subdivision: Annotated[str | None, BeforeValidator(subdivision_code)] = Field(
        default=None, alias="HOLIDAY_SUBDIVISION"
    )
    closure_days: Annotated[frozenset[date], BeforeValidator(parse_closure_days)] = Field(
        default=frozenset(), alias="CLOSURE_DAYS"
    )

    @model_validator(mode="after")
    def _subdivision_of_a_country(self) -> Self:
        if self.holiday_subdivision is not None and self.holiday_country is None:
            raise ValueError("HOLIDAY_SUBDIVISION is set without HOLIDAY_COUNTRY")
        return self

    @property
    def work_calendar(self) -> WorkCalendar:
        return WorkCalendar(
            self.work_week, self.holiday_country, self.holiday_subdivision, self.closure_days
        )


class SubmitSettings(_CountsWorkingDays):
    # The employees' API as people reach it (ends with `/`): every URL the function gives out
    # (the app's, a status URL, a calendar feed's) is built from it, never from request headers.
    submit_url: str = Field(alias="SUBMIT_URL", min_length=1)
    workflow_function: str = Field(alias="WORKFLOW_FUNCTION", min_length=1)
    allowed_email_domains: CsvList = Field(alias="ALLOWED_EMAIL_DOMAINS", min_length=1)
    default_approver: str = Field(alias="DEFAULT_APPROVER_EMAIL", min_length=3)
    max_leave_days: int = Field(alias="MAX_LEAVE_DAYS", ge=1, le=366)
    max_body_bytes: int = Field(default=16_384, alias="MAX_BODY_BYTES", ge=256)
    # Without an Idempotency-Key header, the same body within this window is the same request.
    idempotency_window_seconds: int = Field(
        default=86_400, alias="IDEMPOTENCY_WINDOW_SECONDS", ge=60
    )
    # How many requests one employee may have waiting for a decision at once.
    max_pending_per_employee: int = Field(default=5, alias="MAX_PENDING_PER_EMPLOYEE", ge=1)
    # The stack's secret (SSM), from which request ids are keyed.
    signing_key_parameter: str = Field(alias="SIGNING_KEY_PARAMETER", min_length=1)
    # Who signs employees in: the OpenID Connect issuer, and the audience (app client id) its
    # ID tokens must be for. The keys come from the issuer's discovery document unless named.
    oidc_issuer: str = Field(alias="OIDC_ISSUER", min_length=1)
    oidc_audience: str = Field(alias="OIDC_AUDIENCE", min_length=1)
    oidc_jwks_url: str | None = Field(default=None, alias="OIDC_JWKS_URL")
    # Cancelling approved leave tells its approver and announces it.
    sender_email: str = Field(alias="SENDER_EMAIL", min_length=3)
    event_bus_name: str = Field(alias="EVENT_BUS_NAME", min_length=1)

    # How far from today a request's dates may lie: days back it may start, by leave type
    # (`sick=7,annual=0,...`), and days ahead it may end.
    max_past_days: Annotated[dict[LeaveType, int], BeforeValidator(parse_max_past_days)] = Field(
        default_factory=lambda: parse_max_past_days(None), alias="MAX_PAST_DAYS"
    )
    max_future_days: Annotated[int, BeforeValidator(parse_max_future_days)] = Field(
        default=DEFAULT_MAX_FUTURE_DAYS, alias="MAX_FUTURE_DAYS"
    )
    # Days a year of each leave type, `annual=25,sick=none,...` (none: no limit); the
    # directory may give a person their own.
    allowances: Annotated[dict[LeaveType, int | None], BeforeValidator(parse_allowances)] = Field(
        default_factory=lambda: parse_allowances(None), alias="ALLOWANCES"
    )

    @property
    def date_limits(self) -> DateLimits:
        return DateLimits(self.max_past_days, self.max_future_days)


class WorkflowSettings(_Settings):
    call_limits = "background"
    sender_email: str = Field(alias="SENDER_EMAIL", min_length=3)
    decision_url: str = Field(alias="DECISION_URL", min_length=1)
    submit_url: str = Field(alias="SUBMIT_URL", min_length=1)
    signing_key_parameter: str = Field(alias="SIGNING_KEY_PARAMETER", min_length=1)
    approval_timeout_seconds: int = Field(alias="APPROVAL_TIMEOUT_SECONDS", ge=1)
    event_bus_name: str = Field(alias="EVENT_BUS_NAME", min_length=1)
    # Tops the chain a request escalates up (see logic/approval_chain.py).
    default_approver: str = Field(alias="DEFAULT_APPROVER_EMAIL", min_length=3)
    # Shares of the approval time: when the approver is reminded, when the request escalates.
    reminder_at: Annotated[tuple[float, ...], BeforeValidator(parse_shares)] = Field(
        default=DEFAULT_REMINDER_AT, alias="REMINDER_AT"
    )
    escalate_at: Annotated[float | None, BeforeValidator(parse_share)] = Field(
        default=DEFAULT_ESCALATE_AT, alias="ESCALATE_AT"
    )

    # Leave longer than this many days needs a second approval (None: one level for all).
    second_approval_over_days: Annotated[int | None, BeforeValidator(parse_days)] = Field(
        default=DEFAULT_SECOND_APPROVAL_OVER_DAYS, alias="SECOND_APPROVAL_OVER_DAYS"
    )

    @model_validator(mode="after")
    def _follow_ups_make_sense(self) -> Self:
        self.follow_ups  # noqa: B018 (FollowUpPlan checks itself)
        return self

    @property
    def follow_ups(self) -> FollowUpPlan:
        return FollowUpPlan(self.reminder_at, self.escalate_at)


class DecisionSettings(_Settings):
    signing_key_parameter: str = Field(alias="SIGNING_KEY_PARAMETER", min_length=1)
    # Set while a rotation is under way: links signed with the key before still work.
    previous_signing_key_parameter: str | None = Field(
        default=None, alias="PREVIOUS_SIGNING_KEY_PARAMETER"
    )
    # The workflow's own setting: the page tells the first approver of long leave that a
    # second approval follows theirs.
    second_approval_over_days: Annotated[int | None, BeforeValidator(parse_days)] = Field(
        default=DEFAULT_SECOND_APPROVAL_OVER_DAYS, alias="SECOND_APPROVAL_OVER_DAYS"
    )


class GaugeSettings(_Settings):
    """The pending gauge needs only the table."""

    call_limits = "background"


class SettlerSettings(_Settings):
    call_limits = "background"
    sender_email: str = Field(alias="SENDER_EMAIL", min_length=3)
    submit_url: str = Field(alias="SUBMIT_URL", min_length=1)
    event_bus_name: str = Field(alias="EVENT_BUS_NAME", min_length=1)
    # The workflow function itself, unqualified: its executions are listed across versions.
    workflow_function: str = Field(alias="WORKFLOW_FUNCTION", min_length=1)
    approval_timeout_seconds: int = Field(alias="APPROVAL_TIMEOUT_SECONDS", ge=1)
    # A pending request is looked at by the sweep once its workflow had this long to take it
    # over, and again once it is this long past its approval timeout.
    sweep_grace_seconds: int = Field(default=900, alias="SWEEP_GRACE_SECONDS", ge=1)
    # Requests handed to a delegate when a delegation starts get a decision link of their own.
    decision_url: str = Field(alias="DECISION_URL", min_length=1)
    signing_key_parameter: str = Field(alias="SIGNING_KEY_PARAMETER", min_length=1)


@cache
def submit_settings() -> SubmitSettings:
    return SubmitSettings.from_environment()


@cache
def workflow_settings() -> WorkflowSettings:
    return WorkflowSettings.from_environment()


@cache
def decision_settings() -> DecisionSettings:
    return DecisionSettings.from_environment()


@cache
def gauge_settings() -> GaugeSettings:
    return GaugeSettings.from_environment()


@cache
def settler_settings() -> SettlerSettings:
    return SettlerSettings.from_environment()
