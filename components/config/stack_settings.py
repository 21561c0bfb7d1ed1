"""Every setting of the stack, declared once: its key, default, range and meaning.

The Pulumi program reads these keys from stack config, the component package takes them as
its inputs (`package_inputs.py`, generated from this model), and docs/deploying.md lists them
(generated too: `python -m components.config`). A field's description is the same in all three;
its key is its name in camelCase.

Over 400 lines, on purpose: one declaration per setting (42 of them, each with the sentence that
documents it), and the model is worth reading in one place.
"""

from __future__ import annotations

from typing import Annotated, Any, Self

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    model_validator,
)
from pydantic.alias_generators import to_camel
from pydantic_core import PydanticUndefined

from components.config.service_config import (
    LOG_RETENTION_DAYS,
    MAX_APPROVAL_TIMEOUT_SECONDS,
    MAX_EVENT_ARCHIVE_RETENTION_DAYS,
    MAX_PENDING_GAUGE_INTERVAL_MINUTES,
    MAX_PENDING_PER_EMPLOYEE,
    MAX_RESERVED_CONCURRENCY,
    MAX_SWEEP_GRACE_SECONDS,
    MAX_SWEEP_INTERVAL_MINUTES,
    MIN_APPROVAL_TIMEOUT_SECONDS,
    MIN_SIGNING_KEY_LENGTH,
    MIN_SWEEP_GRACE_SECONDS,
    Mfa,
)
from components.config.setting_types import (
    AllowanceOverrides,
    Allowances,
    ClosureDays,
    DaysOrNone,
    Directory,
    DomainList,
    Email,
    EmailList,
    EscalationShare,
    Flag,
    HolidayCountry,
    HolidaySubdivision,
    HttpsUrl,
    OneOf,
    PastDays,
    ReminderShares,
    SettingProblem,
    SigningKey,
    Text,
    WorkWeek,
    choice,
)
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
    MIN_RATE_PER_SECOND,
)
from handlers.domain.allowances import DEFAULT_ALLOWANCES, MAX_ALLOWANCE_DAYS, NO_LIMIT
from handlers.domain.approval_levels import DEFAULT_SECOND_APPROVAL_OVER_DAYS
from handlers.domain.approval_levels import MAX_DAYS as MAX_SECOND_APPROVAL_DAYS
from handlers.domain.follow_ups import (
    DEFAULT_ESCALATE_AT,
    DEFAULT_REMINDER_AT,
    MAX_REMINDERS,
    FollowUpPlan,
)
from handlers.domain.leave_dates import (
    DEFAULT_MAX_FUTURE_DAYS,
    DEFAULT_MAX_PAST_DAYS,
    MAX_FUTURE_DAYS_LIMIT,
    MAX_PAST_DAYS_LIMIT,
    MIN_FUTURE_DAYS,
)
from handlers.domain.working_days import (
    DEFAULT_WORK_WEEK,
    MAX_CLOSURE_DAYS,
    WorkCalendar,
    known_subdivision,
)


def setting(
    default: Any = PydanticUndefined,
    *,
    example: str | None = None,
    config_set: str | None = None,
    takes: str | None = None,
    package_type: str | None = None,
    secret: bool = False,
    **constraints: Any,
) -> Any:
    """A field with what the docs, the package and the error messages need beyond its type:
    `example` (a value for `pulumi config set <key> ...` when the default is none),
    `config_set` (the whole command's arguments, for mappings), `takes` (the values it takes,
    where its type and bounds do not say), `package_type` (the package input's type, where it
    is not the field's), `secret`."""
    extra = {
        "example": example,
        "configSet": config_set,
        "takes": takes,
        "packageType": package_type,
        "secret": secret or None,
    }
    return Field(
        default, json_schema_extra={k: v for k, v in extra.items() if v is not None}, **constraints
    )


AN_EMAIL_ADDRESS = "an email address"
AN_HTTPS_URL = "an `https://` URL"
KEYS_DIFFER = "previousSigningKey must differ from signingKey: it is the key before the rotation"


def _shares_text(shares: tuple[float, ...]) -> str:
    return ",".join(f"{share:g}" for share in shares)


def _defaults_text() -> str:
    return ", ".join(f"{t.value} {days}" for t, days in DEFAULT_ALLOWANCES.items())


def _reaches_api_gateway(rate: float) -> float:
    """A rate the provider can send API Gateway as it is (six decimals), not as 0."""
    if rate < MIN_RATE_PER_SECOND:
        raise ValueError(f"must be at least {MIN_RATE_PER_SECOND:f} (six decimals), not {rate:g}")
    return rate


class StackSettings(BaseModel):
    """The leave-approval service's settings, as people write them."""

    model_config = ConfigDict(
        alias_generator=to_camel,
        validate_by_name=True,
        validate_by_alias=True,
        validate_default=True,
        extra="forbid",
        frozen=True,
        arbitrary_types_allowed=True,
    )

    sender_email: Email = setting(
        example="leave@example.com",
        takes=AN_EMAIL_ADDRESS,
        description=(
            "The From address of every email; an SES identity is created for it (and must be "
            "verified)."
        ),
    )
    allowed_email_domains: DomainList = setting(
        example="example.com,example.org",
        takes="a list, or `a.com,b.com`",
        description="Only employees at these domains may submit.",
    )
    default_approver: Email = setting(
        example="manager@example.com",
        takes=AN_EMAIL_ADDRESS,
        description="Who approves when the directory names nobody for the employee.",
    )
    approver_directory: Directory = setting(
        {},
        config_set="--path 'approverDirectory[\"alice@example.com\"]' bob@example.com",
        takes="employee address → approver address",
        description=(
            "Each employee's approver, seeded into the table; everyone else's is `defaultApprover`."
        ),
    )
    allowances: Allowances = setting(
        {leave_type.value: days for leave_type, days in DEFAULT_ALLOWANCES.items()},
        config_set="--path 'allowances.sick' 10",
        takes=f"leave types mapped to 0 to {MAX_ALLOWANCE_DAYS} days a year, or `{NO_LIMIT}`",
        package_type="dict[str, Any]",
        description=(
            "Days of leave each person has a calendar year, by leave type; the types left out "
            f"keep their defaults ({_defaults_text()}, the others no limit) and `{NO_LIMIT}` "
            "takes a type's limit off. A request's days count against the year each falls in: "
            "waiting, it holds them; approved, it has taken them; ended any other way, it gives "
            "them back. A request for more than is left is refused: 422 naming its dates (or "
            "`leave_type` when the type has no days that year), with the days left. Each "
            "person's own: `allowanceOverrides`."
        ),
    )
    allowance_overrides: AllowanceOverrides = setting(
        {},
        config_set="--path 'allowanceOverrides[\"alice@example.com\"].annual' 30",
        takes=f"employee address → leave types mapped to days a year, or `{NO_LIMIT}`",
        package_type="dict[str, dict[str, Any]]",
        description=(
            "Allowances of particular people, seeded into their directory entries; the types "
            "each leaves out are as `allowances` says."
        ),
    )
    alarm_email: Email = setting(
        example="ops@example.com",
        takes=AN_EMAIL_ADDRESS,
        description=(
            "Where alarms go: subscribed by email to the alarm topic (a team list rather than a "
            "person)."
        ),
    )
    signing_key: SigningKey = setting(
        example='"$(openssl rand -base64 48)"',
        takes=f"at least {MIN_SIGNING_KEY_LENGTH} characters",
        secret=True,
        description=(
            "The key that signs the links in approvers' emails; stored as an SSM SecureString."
        ),
    )
    approval_timeout_seconds: int = setting(
        7 * 86_400,
        ge=MIN_APPROVAL_TIMEOUT_SECONDS,
        le=MAX_APPROVAL_TIMEOUT_SECONDS,
        description=(
            "How long an approver has to decide, in seconds (the default is 7 days). A change "
            "applies to requests submitted after the deploy: those waiting keep the time they "
            "were given (see Changing the workflow safely)."
        ),
    )
    reminder_at: ReminderShares = setting(
        _shares_text(DEFAULT_REMINDER_AT),
        takes=f"up to {MAX_REMINDERS} shares, each above 0 and below 1, increasing, or `none`",
        package_type="str",
        description=(
            "When a waiting request's approver is reminded, as shares of `approvalTimeoutSeconds` "
            "(`0.5`, `0.25,0.5` or a list), with the link they were sent; `none` sends no "
            "reminders. Each reminder that falls due costs 5 durable operations (a race between "
            "the decision and its time, and its step; US$0.00004) and one more workflow "
            "invocation, at each approval level."
        ),
    )
    second_approval_over_days: DaysOrNone = setting(
        DEFAULT_SECOND_APPROVAL_OVER_DAYS,
        takes=f"1 to {MAX_SECOND_APPROVAL_DAYS}, or `none`",
        package_type="str",
        description=(
            "Leave longer than this many working days (`workWeek`) needs a second approval once "
            "its approver approved, by their own approver (chosen as for an escalation); a "
            "rejection at either level ends it, and it expires at the end of "
            "`approvalTimeoutSeconds` whichever level it waits at; with nobody above, one "
            "approval suffices."
        ),
    )
    escalate_at: EscalationShare = setting(
        f"{DEFAULT_ESCALATE_AT:g}",
        takes="a share after every reminder and below 1, or `none`",
        package_type="str",
        description=(
            "When a request nobody has decided moves up to its approver's own approver (their "
            "directory entry, else `defaultApprover`; above `defaultApprover` only their own "
            "entry), who gets a new link; the earlier link then answers 409 naming who has it. "
            "`none` turns escalation off. The request still expires at the end of "
            "`approvalTimeoutSeconds`."
        ),
    )
    max_leave_days: int = setting(
        30,
        ge=1,
        le=366,
        description=(
            "The longest leave one request may cover, in working days (`workWeek`); longer: 422 "
            "naming `end_date`."
        ),
    )
    max_past_days: PastDays = setting(
        {leave_type.value: days for leave_type, days in DEFAULT_MAX_PAST_DAYS.items()},
        config_set="--path 'maxPastDays.bereavement' 3",
        takes=f"leave types mapped to 0 to {MAX_PAST_DAYS_LIMIT} days, or one number for all",
        package_type="dict[str, int]",
        description=(
            "How many days before today (UTC) a request may start, by leave type; the types left "
            "out keep their defaults (sick 7, the others 0, so annual leave cannot start in the "
            "past). Earlier: 422 naming `start_date`."
        ),
    )
    max_future_days: int = setting(
        DEFAULT_MAX_FUTURE_DAYS,
        ge=MIN_FUTURE_DAYS,
        le=MAX_FUTURE_DAYS_LIMIT,
        description=(
            "How many days after today a request may end at the latest. Later: 422 naming "
            "`end_date`."
        ),
    )
    work_week: WorkWeek = setting(
        DEFAULT_WORK_WEEK,
        takes=(
            "day names: a range like `Mon-Fri` (or `Sun-Thu`, across the weekend), a list like "
            "`Mon,Tue,Thu`"
        ),
        package_type="str",
        description=(
            "The days of the week people work. Every day count of a request counts working "
            "days: days of this week that are neither public holidays (`holidayCountry`) nor "
            "`closureDays`. That is the count people are shown, and the one `maxLeaveDays` and "
            "`secondApprovalOverDays` compare; a request is counted once, when it is submitted. "
            "A request of no working days is refused (422 naming `start_date`)."
        ),
    )
    holiday_country: HolidayCountry = setting(
        None,
        example="GB",
        takes="an ISO 3166-1 alpha-2 code the `holidays` package knows",
        description=(
            "The country whose public holidays (observed days included, from the `holidays` "
            "package) are not working days; unset: no public holidays."
        ),
    )
    holiday_subdivision: HolidaySubdivision = setting(
        None,
        example="ENG",
        takes="one of the country's subdivisions the `holidays` package knows, by code or name",
        description=(
            "The part of `holidayCountry` (a state, province or nation, like `ENG` or `SCT` "
            "for GB) whose own public holidays are not working days either; unset: the "
            "country's nationwide holidays only."
        ),
    )
    closure_days: ClosureDays = setting(
        (),
        example="2026-12-24,2026-12-31",
        takes=f"up to {MAX_CLOSURE_DAYS} dates as YYYY-MM-DD: a list, or `2026-12-24,2026-12-31`",
        package_type="list[str]",
        description="Days the whole company is closed: not working days either.",
    )
    sandbox_recipients: EmailList = setting(
        (),
        example="alice@example.com,bob@example.com",
        takes="a list, or `a@x.com,b@x.com`",
        description=(
            "Addresses to verify in SES while the account is in the SES sandbox (which mails only "
            "verified addresses); empty once out of it."
        ),
    )
    log_retention_days: Annotated[int, OneOf(LOG_RETENTION_DAYS)] = setting(
        30,
        ge=LOG_RETENTION_DAYS[0],
        le=LOG_RETENTION_DAYS[-1],
        description="How long CloudWatch Logs keeps the functions' logs, in days.",
    )
    execution_retention_days: int = setting(
        14,
        ge=1,
        le=90,
        description=(
            "How long Lambda keeps a finished workflow's state and history, in days. Taken "
            "when the stack is first deployed: Lambda sets it only when it creates the "
            "workflow function, and the program never replaces that function for it."
        ),
    )
    table_deletion_protection: Flag = setting(
        True,
        description=(
            "Protects the table (and the user pool) from deletion; `false` in `dev`, so `pulumi "
            "destroy` can delete them."
        ),
    )
    http_max_concurrency: int | None = setting(
        None,
        example="20",
        ge=1,
        le=MAX_RESERVED_CONCURRENCY,
        description=(
            "Reserved concurrency of each public endpoint (unset: uncapped). Beyond it callers "
            "get 429, and a flood of requests can neither starve the account's other functions "
            "nor run up the bill. Lambda keeps at least 100 of the account's concurrency "
            "unreserved, so a new account with a quota of 10 has nothing to reserve: ask for a "
            "raise first."
        ),
    )
    max_pending_per_employee: int = setting(
        5,
        ge=1,
        le=MAX_PENDING_PER_EMPLOYEE,
        description=(
            "How many requests one employee may have waiting for a decision at once; the next "
            "gets 429."
        ),
    )
    oidc_issuer: HttpsUrl | None = setting(
        None,
        example="https://login.example.com",
        takes=AN_HTTPS_URL,
        description=(
            "The company's OpenID Connect issuer; unset, the stack creates a Cognito user pool "
            "and its hosted sign-in (see the threat model in docs/deploying.md)."
        ),
    )
    oidc_audience: Text | None = setting(
        None,
        example="0oa1b2c3d4",
        takes="text",
        description=(
            "The client id the issuer's ID tokens carry as their audience; required with "
            "`oidcIssuer`."
        ),
    )
    oidc_jwks_url: HttpsUrl | None = setting(
        None,
        example="https://login.example.com/oauth2/default/v1/keys",
        takes=AN_HTTPS_URL,
        description=(
            "Where the issuer's signing keys are, if its discovery document does not say (unset: "
            "found through it)."
        ),
    )
    previous_signing_key: SigningKey | None = setting(
        None,
        example='"$(pulumi config get signingKey)"',
        takes=f"at least {MIN_SIGNING_KEY_LENGTH} characters, not `signingKey`",
        secret=True,
        description=(
            "The signing key before the last rotation, kept until the links it signed have "
            "expired (see rotating the link-signing key in docs/deploying.md)."
        ),
    )
    api_rate_limit: Annotated[float, AfterValidator(_reaches_api_gateway)] = setting(
        DEFAULT_RATE_PER_SECOND,
        takes=f"{MIN_RATE_PER_SECOND:f} to {MAX_RATE_PER_SECOND:,g}",
        gt=0,
        le=MAX_RATE_PER_SECOND,
        allow_inf_nan=False,
        description=(
            "Requests per second the employees' API lets through (its stage's steady rate). Past "
            "it callers get 429 with `Retry-After`."
        ),
    )
    api_burst_limit: int = setting(
        DEFAULT_BURST,
        ge=1,
        le=MAX_BURST,
        description=(
            "How many requests the employees' API lets through at once before the rate applies."
        ),
    )
    client_rate_limit_enabled: Flag = setting(
        True,
        description=(
            "An AWS WAF web ACL on the employees' API that limits each client address, so that "
            "one client, signed in or not, cannot spend the throttle above for everyone; `false` "
            "removes it (and its cost: docs/cost.md)."
        ),
    )
    client_rate_limit: int = setting(
        DEFAULT_CLIENT_LIMIT,
        ge=MIN_CLIENT_LIMIT,
        le=MAX_CLIENT_LIMIT,
        description=(
            "Requests one client address may send per `clientRateLimitWindowSeconds` (AWS WAF's "
            "bounds). Past it the address gets 429 with `Retry-After` (the window's share of one "
            "request, rounded up) until its rate falls back. An office behind one NAT address is "
            "one client: leave room for its people."
        ),
    )
    client_rate_limit_window_seconds: Annotated[int, OneOf(CLIENT_WINDOWS_SECONDS)] = setting(
        DEFAULT_CLIENT_WINDOW_SECONDS,
        ge=CLIENT_WINDOWS_SECONDS[0],
        le=CLIENT_WINDOWS_SECONDS[-1],
        description="The window AWS WAF counts each address's requests over, in seconds.",
    )
    mfa: Annotated[Mfa, BeforeValidator(choice(Mfa))] = setting(
        Mfa.OPTIONAL.value,
        package_type="str",
        description=(
            "Whether the stack's Cognito user pool asks for a one-time code from an authenticator "
            "app (TOTP) at sign-in: `off`; `optional`: those with an authenticator app registered "
            "are asked for its code (the classic hosted sign-in offers no way to register one: "
            "that takes Cognito's `AssociateSoftwareToken` API); `required`: everyone, and "
            "Cognito has each register one when they sign in (from the sign-in after their first, "
            "its documentation says). No effect with `oidcIssuer`."
        ),
    )
    compile_bytecode: Flag = setting(
        True,
        description=(
            "Ship bytecode compiled for the runtime in both archives: about half a second off "
            "every cold start. It uses Python 3.13, which uv installs if the deploying machine "
            "has none; `false` skips it where that cannot be done."
        ),
    )
    sweep_interval_minutes: int = setting(
        5,
        ge=1,
        le=MAX_SWEEP_INTERVAL_MINUTES,
        description=(
            "How often the settler sweeps for pending requests nobody will end, in minutes."
        ),
    )
    sweep_grace_seconds: int = setting(
        900,
        ge=MIN_SWEEP_GRACE_SECONDS,
        le=MAX_SWEEP_GRACE_SECONDS,
        description=(
            "How long a request may wait to be taken over by its workflow (or stay pending past "
            "its approval timeout) before the sweep looks at it, in seconds."
        ),
    )
    pending_gauge_interval_minutes: int = setting(
        1,
        ge=1,
        le=MAX_PENDING_GAUGE_INTERVAL_MINUTES,
        description=(
            "How often the pending gauge counts the requests waiting for a decision, in minutes; "
            "the oldest-pending alarm reads one figure per run."
        ),
    )
    oldest_pending_alarm_share: float = setting(
        0.5,
        gt=0,
        le=1,
        allow_inf_nan=False,
        description=(
            "Alarm when the oldest pending request has waited this share of "
            "`approvalTimeoutSeconds` (0.5: halfway through an approver's time)."
        ),
    )
    expiry_rate_alarm_threshold: float = setting(
        0.5,
        gt=0,
        le=1,
        allow_inf_nan=False,
        description=(
            "Alarm when more than this share of the requests that ended in 6 hours expired rather "
            "than being approved or rejected."
        ),
    )
    event_archive_retention_days: int = setting(
        90,
        ge=1,
        le=MAX_EVENT_ARCHIVE_RETENTION_DAYS,
        description=(
            "How long the EventBridge archive keeps the service's events for replay, in days."
        ),
    )

    @model_validator(mode="after")
    def _keys_differ(self) -> Self:
        previous = self.previous_signing_key
        if isinstance(previous, str) and previous == self.signing_key:
            # A secret input is compared once it resolves (loading.py).
            raise SettingProblem("signingKey", KEYS_DIFFER)
        return self

    @model_validator(mode="after")
    def _follow_ups_in_order(self) -> Self:
        try:
            FollowUpPlan(self.reminder_at, self.escalate_at)
        except ValueError as problem:
            raise SettingProblem("reminderAt", f"reminderAt and escalateAt: {problem}") from None
        return self

    @model_validator(mode="after")
    def _issuer_with_its_audience(self) -> Self:
        if self.oidc_issuer is None and (self.oidc_audience or self.oidc_jwks_url):
            raise SettingProblem(
                "oidcIssuer",
                "oidcAudience and oidcJwksUrl go with oidcIssuer (unset them to sign people in "
                "with the stack's own Cognito user pool)",
            )
        if self.oidc_issuer is not None and not self.oidc_audience:
            # Without it, any client of the issuer could sign in.
            raise SettingProblem(
                "oidcAudience",
                "oidcAudience (the client id your issuer puts in its ID tokens) is required "
                "with oidcIssuer",
            )
        return self

    @model_validator(mode="after")
    def _subdivision_of_its_country(self) -> Self:
        if self.holiday_subdivision is None:
            return self
        if self.holiday_country is None:
            raise SettingProblem(
                "holidaySubdivision",
                "holidaySubdivision goes with holidayCountry: set the country too, or unset "
                "the subdivision",
            )
        try:
            known_subdivision(self.holiday_country, self.holiday_subdivision)
        except ValueError as problem:
            raise SettingProblem("holidaySubdivision", f"holidaySubdivision {problem}") from None
        return self

    def work_calendar(self) -> WorkCalendar:
        """The work calendar, its subdivision spelt as the `holidays` package spells it."""
        subdivision = self.holiday_subdivision
        if self.holiday_country is not None and subdivision is not None:
            subdivision = known_subdivision(self.holiday_country, subdivision)
        return WorkCalendar(self.work_week, self.holiday_country, subdivision, self.closure_days)

    def follow_up_plan(self) -> FollowUpPlan:
        return FollowUpPlan(self.reminder_at, self.escalate_at)

    @classmethod
    def keys(cls) -> dict[str, str]:
        """Each setting's field name and key."""
        return {name: field.alias or name for name, field in cls.model_fields.items()}

    @classmethod
    def secret_keys(cls) -> frozenset[str]:
        return frozenset(
            field.alias or name
            for name, field in cls.model_fields.items()
            if isinstance(field.json_schema_extra, dict) and field.json_schema_extra.get("secret")
        )
