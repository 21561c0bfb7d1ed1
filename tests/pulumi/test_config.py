"""The stack's settings: read from config, validated with errors that say what to do."""

from datetime import date
from typing import Any

import pulumi
import pytest

from components.config import (
    EXECUTION_TIMEOUT_MARGIN_SECONDS,
    MAX_APPROVAL_TIMEOUT_SECONDS,
    MAX_EXECUTION_TIMEOUT_SECONDS,
    ConfigError,
    Mfa,
    ServiceConfig,
    StackSettings,
    load_config,
)
from components.config.derived_files import (
    DEPLOYING,
    PACKAGE_INPUTS,
    REGENERATE,
    deploying_with_table,
    package_inputs_source,
)
from components.config.loading import Source, how_to_set
from components.throttling import ClientRateLimit, Throttle
from handlers.domain.follow_ups import FollowUpPlan
from handlers.domain.leave_dates import DateLimits
from handlers.domain.statuses import LeaveType
from handlers.domain.working_days import WorkCalendar
from tests.pulumi.mocks import PROJECT, SIGNING_KEY, run
from tests.pulumi.support import dev_stack_config, service_config


class RecordingConfig(pulumi.Config):
    """A Config that remembers every key the program asked for."""

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.keys: set[str] = set()

    def _get(self, key: str, use: Any = None, instead_of: Any = None) -> str | None:
        self.keys.add(key)
        return super()._get(key, use, instead_of)


def dev_config(**overrides: str | None) -> dict[str, str]:
    config = {**dev_stack_config(), f"{PROJECT}:signingKey": SIGNING_KEY}
    for key, value in overrides.items():
        if value is None:
            config.pop(f"{PROJECT}:{key}", None)
        else:
            config[f"{PROJECT}:{key}"] = value
    return config


def load(config: dict[str, str]) -> tuple[ServiceConfig, dict[str, Any]]:
    loaded: dict[str, ServiceConfig] = {}

    def program() -> dict[str, Any]:
        loaded["config"] = load_config()
        return {"signing_key": loaded["config"].signing_key}

    deployment = run(program, config=config, secret_keys=[f"{PROJECT}:signingKey"])
    return loaded["config"], deployment.values


def test_the_dev_stack_config_loads_with_every_setting() -> None:
    config, values = load(dev_config())
    assert config.approval_timeout_seconds == 604_800
    assert config.max_leave_days == 30
    assert config.allowed_email_domains == ("example.com",)
    assert config.default_approver == "manager@example.com"
    assert config.approver_directory == {
        "alice@example.com": "carol@example.com",
        "manager@example.com": "director@example.com",
    }
    assert config.sender_email == "leave@example.com"
    assert config.alarm_email == "ops@example.com"
    assert config.log_retention_days == 30
    assert config.execution_retention_days == 14
    assert config.table_deletion_protection is False
    assert config.sandbox_recipients == (
        "alice@example.com",
        "carol@example.com",
        "manager@example.com",
    )
    assert config.pending_gauge_interval_minutes == 1
    assert config.oldest_pending_alarm_share == 0.5
    assert config.expiry_rate_alarm_threshold == 0.5
    assert config.event_archive_retention_days == 90
    # The dev stack deploys bytecode, as every stack does unless told not to.
    assert config.compile_bytecode is True
    assert config.client_rate_limit == ClientRateLimit(enabled=True, limit=600, window_seconds=300)
    assert config.mfa is Mfa.OPTIONAL
    # England's bank holidays, and the two days the company closes at the end of 2026.
    assert config.work_calendar == WorkCalendar(
        work_week=frozenset(range(5)),
        holiday_country="GB",
        holiday_subdivision="ENG",
        closure_days=frozenset({date(2026, 12, 24), date(2026, 12, 31)}),
    )
    assert values["signing_key"] == SIGNING_KEY


def test_every_setting_the_program_reads_is_in_the_dev_stack() -> None:
    recording: dict[str, RecordingConfig] = {}

    def program() -> None:
        recording["config"] = RecordingConfig(PROJECT)
        load_config(recording["config"])

    run(program, config=dev_config(), secret_keys=[f"{PROJECT}:signingKey"])
    in_dev_stack = {
        key.split(":", 1)[1] for key in dev_stack_config() if key.startswith(f"{PROJECT}:")
    }
    # The signing key is a secret: set with `pulumi config set --secret`, never in the file.
    # httpMaxConcurrency stays unset in dev (only commented there): a new account's concurrency
    # quota leaves nothing to reserve. The oidc* keys name the company's own issuer: unset, the
    # stack creates its Cognito user pool (they are commented there too).
    # previousSigningKey is set only while the signing key is rotated (a secret as well).
    optional = {
        "httpMaxConcurrency",
        "oidcIssuer",
        "oidcAudience",
        "oidcJwksUrl",
        "previousSigningKey",
    }
    assert recording["config"].keys == in_dev_stack | {"signingKey"} | optional
    assert "aws:region" in dev_stack_config()


def test_the_signing_key_stays_a_secret() -> None:
    def program() -> dict[str, Any]:
        key = load_config().signing_key
        return {"is_secret": pulumi.Output.from_input(key).is_secret()}

    values = run(program, config=dev_config(), secret_keys=[f"{PROJECT}:signingKey"]).values
    assert values["is_secret"] is True


def test_the_execution_timeout_never_follows_the_approval_timeout() -> None:
    """Lambda takes DurableConfig only when the function is created: were the execution
    timeout derived from approvalTimeoutSeconds, changing that setting would replace the
    workflow function and stop every execution waiting on it."""
    configs: dict[int, ServiceConfig] = {}

    def program() -> None:
        for seconds in (60, 604_800, MAX_APPROVAL_TIMEOUT_SECONDS):
            configs[seconds] = service_config(approval_timeout_seconds=seconds)

    run(program)
    timeouts = {config.execution_timeout_seconds for config in configs.values()}
    assert timeouts == {MAX_EXECUTION_TIMEOUT_SECONDS}
    assert MAX_EXECUTION_TIMEOUT_SECONDS - MAX_APPROVAL_TIMEOUT_SECONDS == (
        EXECUTION_TIMEOUT_MARGIN_SECONDS
    )


def test_lists_may_be_given_as_comma_separated_text() -> None:
    config, _ = load(
        dev_config(allowedEmailDomains="Example.com, example.org", sandboxRecipients="")
    )
    assert config.allowed_email_domains == ("example.com", "example.org")
    assert config.sandbox_recipients == ()


@pytest.mark.parametrize(
    ("settings", "plan"),
    [
        ({}, FollowUpPlan(reminder_at=(0.5,), escalate_at=0.75)),
        ({"reminderAt": "none", "escalateAt": "none"}, FollowUpPlan((), None)),
        ({"reminderAt": "[0.25, 0.5]", "escalateAt": "0.9"}, FollowUpPlan((0.25, 0.5), 0.9)),
        ({"reminderAt": "0.2,0.4"}, FollowUpPlan((0.2, 0.4), 0.75)),
        ({"escalateAt": "none"}, FollowUpPlan((0.5,), None)),
    ],
)
def test_reminders_and_escalation_follow_the_config(
    settings: dict[str, str], plan: FollowUpPlan
) -> None:
    config, _ = load(dev_config(**({"reminderAt": None, "escalateAt": None} | settings)))
    assert config.follow_ups == plan


def test_optional_settings_have_defaults() -> None:
    config, _ = load(
        dev_config(
            approvalTimeoutSeconds=None,
            maxLeaveDays=None,
            approverDirectory=None,
            logRetentionDays=None,
            executionRetentionDays=None,
            tableDeletionProtection=None,
            compileBytecode=None,
            sandboxRecipients=None,
            pendingGaugeIntervalMinutes=None,
            oldestPendingAlarmShare=None,
            expiryRateAlarmThreshold=None,
            eventArchiveRetentionDays=None,
            apiRateLimit=None,
            apiBurstLimit=None,
            clientRateLimitEnabled=None,
            clientRateLimit=None,
            clientRateLimitWindowSeconds=None,
            mfa=None,
            workWeek=None,
            holidayCountry=None,
            holidaySubdivision=None,
            closureDays=None,
        )
    )
    assert config.approval_timeout_seconds == 7 * 86_400
    # Monday to Friday, no public holidays, no closure days.
    assert config.work_calendar == WorkCalendar()
    # Throttling is on without a word in the config, and so is the limit per client address.
    assert config.throttle == Throttle(rate_per_second=10, burst=20)
    assert config.client_rate_limit == ClientRateLimit(enabled=True, limit=600, window_seconds=300)
    assert config.mfa is Mfa.OPTIONAL
    assert config.approver_directory == {}
    assert config.table_deletion_protection is True
    assert config.compile_bytecode is True
    assert config.http_max_concurrency is None
    assert config.sandbox_recipients == ()
    assert config.pending_gauge_interval_minutes == 1
    assert config.oldest_pending_alarm_share == 0.5
    assert config.expiry_rate_alarm_threshold == 0.5
    assert config.event_archive_retention_days == 90


def test_the_abuse_settings_take_what_aws_offers() -> None:
    config, _ = load(
        dev_config(
            clientRateLimitEnabled="false",
            clientRateLimit="10",
            clientRateLimitWindowSeconds="60",
            mfa="Required",
        )
    )
    assert config.client_rate_limit == ClientRateLimit(enabled=False, limit=10, window_seconds=60)
    assert config.mfa is Mfa.REQUIRED
    config, _ = load(dev_config(clientRateLimit="2000000000", clientRateLimitWindowSeconds="600"))
    assert config.client_rate_limit.limit == 2_000_000_000
    assert config.client_rate_limit.window_seconds == 600
    assert load(dev_config(mfa="off"))[0].mfa is Mfa.OFF


def test_observability_settings_take_any_value_in_range() -> None:
    config, _ = load(
        dev_config(
            oldestPendingAlarmShare="0.25",
            expiryRateAlarmThreshold="1",
            pendingGaugeIntervalMinutes="5",
            eventArchiveRetentionDays="3650",
            httpMaxConcurrency="20",
            apiRateLimit="0.5",
            apiBurstLimit="5000",
        )
    )
    assert config.throttle == Throttle(rate_per_second=0.5, burst=5000)
    assert config.oldest_pending_alarm_share == 0.25
    assert config.expiry_rate_alarm_threshold == 1.0
    assert config.pending_gauge_interval_minutes == 5
    assert config.event_archive_retention_days == 3650
    assert config.http_max_concurrency == 20


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("approvalTimeoutSeconds", "30", "approvalTimeoutSeconds must be between 60"),
        ("approvalTimeoutSeconds", str(MAX_APPROVAL_TIMEOUT_SECONDS + 1), "between 60 and"),
        ("approvalTimeoutSeconds", "a week", "approvalTimeoutSeconds must be a whole number"),
        ("maxLeaveDays", "0", "maxLeaveDays must be between 1 and 366"),
        ("logRetentionDays", "8", "logRetentionDays must be one of 1, 3, 5, 7, 14"),
        ("executionRetentionDays", "91", "executionRetentionDays must be between 1 and 90"),
        ("allowedEmailDomains", None, "allowedEmailDomains is required"),
        ("allowedEmailDomains", '["not a domain"]', "is not a domain name"),
        ("defaultApprover", None, "defaultApprover is required: set it with `pulumi config"),
        ("senderEmail", "leave", "senderEmail must be an email address"),
        # An address the handlers would refuse (a reserved domain) is refused here too.
        ("defaultApprover", "boss@corp.local", "defaultApprover must be an email address"),
        ("alarmEmail", None, "alarmEmail is required"),
        ("approverDirectory", '{"a@example.com": "a@example.com"}', "cannot approve their own"),
        ("approverDirectory", '["a@example.com"]', "approverDirectory must map employee"),
        ("approverDirectory", '{"a@example.com": "nobody"}', "must be an email address"),
        ("tableDeletionProtection", "maybe", "tableDeletionProtection must be true or false"),
        ("compileBytecode", "yes", "compileBytecode must be true or false"),
        ("httpMaxConcurrency", "0", "httpMaxConcurrency must be between 1 and 1000"),
        ("httpMaxConcurrency", "many", "httpMaxConcurrency must be a whole number"),
        ("sandboxRecipients", '["someone"]', "sandboxRecipients must be an email address"),
        ("signingKey", None, "pulumi config set --secret signingKey"),
        ("signingKey", "short", "signingKey must be at least 32 characters"),
        ("previousSigningKey", "short", "previousSigningKey must be at least 32 characters"),
        ("previousSigningKey", SIGNING_KEY, "previousSigningKey must differ from signingKey"),
        ("pendingGaugeIntervalMinutes", "0", "pendingGaugeIntervalMinutes must be between 1"),
        ("pendingGaugeIntervalMinutes", "61", "pendingGaugeIntervalMinutes must be between 1"),
        ("oldestPendingAlarmShare", "0", "oldestPendingAlarmShare must be above 0 and at most 1"),
        ("oldestPendingAlarmShare", "1.5", "oldestPendingAlarmShare must be above 0 and at most"),
        ("oldestPendingAlarmShare", "half", "oldestPendingAlarmShare must be a number above 0"),
        ("oldestPendingAlarmShare", "nan", "oldestPendingAlarmShare must be above 0"),
        ("expiryRateAlarmThreshold", "-0.1", "expiryRateAlarmThreshold must be above 0"),
        ("expiryRateAlarmThreshold", "50%", "expiryRateAlarmThreshold must be a number"),
        ("eventArchiveRetentionDays", "0", "eventArchiveRetentionDays must be between 1 and 3650"),
        ("sweepIntervalMinutes", "0", "sweepIntervalMinutes must be between 1 and 60"),
        ("sweepGraceSeconds", "59", "sweepGraceSeconds must be between 60 and 86400"),
        ("maxPendingPerEmployee", "0", "maxPendingPerEmployee must be between 1 and 100"),
        ("reminderAt", "half", "reminderAt must be shares of approvalTimeoutSeconds like 0.5"),
        ("reminderAt", "1", "reminderAt and escalateAt: 1 is not a share of the approval time"),
        ("reminderAt", "0.5,0.25", "reminders must be given in increasing order"),
        ("reminderAt", "0.8", "must come after every reminder"),
        ("reminderAt", "0.1,0.2,0.3,0.4", "reminderAt takes at most 3 shares"),
        ("maxPastDays", '{"sick": 367}', "maxPastDays for sick leave must be a whole number of"),
        ("maxPastDays", '{"holiday": 1}', "maxPastDays names 'holiday', which is not a leave"),
        ("maxPastDays", "-1", "maxPastDays must be a whole number of days from 0 to 366"),
        ("maxFutureDays", "0", "maxFutureDays must be between 1 and 3660"),
        ("allowances", '{"annual": 367}', "allowances for annual leave must be a whole number of"),
        ("allowances", '{"holiday": 5}', "allowances names 'holiday', which is not a leave type"),
        ("allowances", '{"annual": "lots"}', "allowances for annual leave must be a whole number"),
        ("allowances", "25", "allowances must map leave types to days a year"),
        ("allowanceOverrides", '{"bob": {"annual": 3}}', "must list employees by email address"),
        ("allowanceOverrides", '{"b@example.com": 30}', "must give each employee leave types"),
        (
            "allowanceOverrides",
            '{"b@example.com": {"annual": -2}}',
            "allowanceOverrides for b@example.com: for annual leave must be a whole number",
        ),
        ("maxFutureDays", "3661", "maxFutureDays must be between 1 and 3660"),
        ("escalateAt", "0.5,0.9", "escalateAt must be one share of approvalTimeoutSeconds"),
        ("escalateAt", "0", "0 is not a share of the approval time"),
        ("secondApprovalOverDays", "0", "secondApprovalOverDays must be a whole number of days"),
        ("secondApprovalOverDays", "ten", "secondApprovalOverDays must be a whole number of days"),
        ("apiRateLimit", "0", "apiRateLimit must be above 0 and at most 10000"),
        ("apiRateLimit", "10001", "apiRateLimit must be above 0 and at most 10000"),
        ("apiRateLimit", "fast", "apiRateLimit must be a number above 0"),
        ("apiRateLimit", "inf", "apiRateLimit must be above 0"),
        ("apiBurstLimit", "0", "apiBurstLimit must be between 1 and 5000"),
        ("apiBurstLimit", "2.5", "apiBurstLimit must be a whole number"),
        # AWS WAF's own bounds (botocore's wafv2 model): 10 to 2e9 per 60, 120, 300 or 600 s.
        ("clientRateLimit", "9", "clientRateLimit must be between 10 and 2000000000"),
        ("clientRateLimit", "2000000001", "clientRateLimit must be between 10 and 2000000000"),
        ("clientRateLimit", "lots", "clientRateLimit must be a whole number"),
        ("clientRateLimitWindowSeconds", "180", "must be one of 60, 120, 300, 600"),
        ("clientRateLimitWindowSeconds", "30", "clientRateLimitWindowSeconds must be between 60"),
        ("clientRateLimitEnabled", "on", "clientRateLimitEnabled must be true or false"),
        ("mfa", "sms", "mfa must be one of off | optional | required, not 'sms'"),
        ("oidcIssuer", "http://login.example.com", "oidcIssuer must be an https:// URL"),
        # An issuer without the audience its tokens carry would let any of its clients in.
        ("oidcIssuer", "https://login.example.com", "oidcAudience .* is required with oidcIssuer"),
        ("oidcAudience", "client-1", "oidcAudience and oidcJwksUrl go with oidcIssuer"),
        ("workWeek", "Mon-Funday", "workWeek must name days of the week, as a range like Mon-Fri"),
        ("workWeek", "[]", "workWeek must name at least one day of the week"),
        ("holidayCountry", "England", "holidayCountry must be a two-letter ISO 3166-1 country"),
        # Refused with the package's own list, in one line.
        (
            "holidayCountry",
            "XX",
            "holidayCountry must be a country the holidays package knows (AD,",
        ),
        (
            "holidaySubdivision",
            "Yorkshire",
            "holidaySubdivision must be one of GB's subdivisions the holidays package knows "
            "(ENG, NIR, SCT, WLS",
        ),
        ("holidayCountry", None, "holidaySubdivision goes with holidayCountry"),
        ("closureDays", "2026-13-01", "closureDays must list dates on the calendar"),
        ("closureDays", '["24 Dec"]', "closureDays must list dates written as YYYY-MM-DD"),
    ],
)
def test_a_bad_setting_fails_before_anything_is_created(
    key: str, value: str | None, message: str
) -> None:
    with pytest.raises(ConfigError, match=message.replace("(", r"\(").replace("[", r"\[")):
        load(dev_config(**{key: value}))


def test_an_unknown_country_is_refused_in_one_line_with_the_countries_known() -> None:
    with pytest.raises(ConfigError) as refused:
        load(dev_config(holidayCountry="XX", holidaySubdivision=None))
    (problem,) = refused.value.problems
    assert problem.key == "holidayCountry"
    assert "\n" not in problem.message
    assert " GB, " in problem.message
    assert problem.message.endswith("not 'XX'; set it with `pulumi config set holidayCountry GB`")


def test_the_longest_approval_still_leaves_the_execution_a_day_to_finish() -> None:
    """At the edges, with AWS's limit written out (31,622,400 s: a year and a day): the execution
    must outlive the approval wait by the time to record the outcome and tell the employee."""
    longest, _ = load(dev_config(approvalTimeoutSeconds="31536000"))
    assert longest.execution_timeout_seconds == 31_622_400
    assert longest.execution_timeout_seconds - longest.approval_timeout_seconds == 86_400
    with pytest.raises(ConfigError, match="approvalTimeoutSeconds must be between 60 and 31536000"):
        load(dev_config(approvalTimeoutSeconds="31536001"))


@pytest.mark.parametrize(
    ("settings", "sick", "bereavement", "annual", "future"),
    [
        ({}, 7, 0, 0, 730),
        ({"maxPastDays": '{"bereavement": 3}'}, 7, 3, 0, 730),
        ({"maxPastDays": '{"sick": 14, "annual": 1}', "maxFutureDays": "365"}, 14, 0, 1, 365),
        ({"maxPastDays": "2"}, 2, 2, 2, 730),
    ],
)
def test_how_far_back_and_ahead_leave_may_lie_follows_the_config(
    settings: dict[str, str], sick: int, bereavement: int, annual: int, future: int
) -> None:
    config, _ = load(dev_config(**({"maxPastDays": None, "maxFutureDays": None} | settings)))
    limits: DateLimits = config.date_limits
    assert limits.past_days_for(LeaveType.SICK) == sick
    assert limits.past_days_for(LeaveType.BEREAVEMENT) == bereavement
    assert limits.past_days_for(LeaveType.ANNUAL) == annual
    assert limits.max_future_days == future


@pytest.mark.parametrize(
    ("settings", "annual", "sick", "unpaid"),
    [
        ({"allowances": None}, 25, None, None),
        ({"allowances": '{"sick": 10}'}, 25, 10, None),
        ({"allowances": '{"annual": "none", "unpaid": 0}'}, None, None, 0),
    ],
)
def test_allowances_follow_the_config_and_the_types_left_out_keep_their_defaults(
    settings: dict[str, str | None], annual: int | None, sick: int | None, unpaid: int | None
) -> None:
    config, _ = load(dev_config(**settings))
    table = config.allowances
    assert (table[LeaveType.ANNUAL], table[LeaveType.SICK], table[LeaveType.UNPAID]) == (
        annual,
        sick,
        unpaid,
    )


def test_a_persons_own_allowances_are_read_by_address_with_the_types_they_name() -> None:
    overrides = '{"Bob@Example.com": {"annual": 30, "sick": "none"}, "c@example.com": {}}'
    config, _ = load(dev_config(allowanceOverrides=overrides))
    # Nobody with nothing of their own gets an entry for it.
    assert config.allowance_overrides == {
        "bob@example.com": {LeaveType.ANNUAL: 30, LeaveType.SICK: None}
    }


def test_the_files_made_from_the_settings_model_match_it() -> None:
    """The package's inputs and the docs' table are written from the model: after a change to
    a setting, `python -m components.config` rewrites them."""
    assert PACKAGE_INPUTS.read_text() == package_inputs_source(), f"run `{REGENERATE}`"
    assert DEPLOYING.read_text() == deploying_with_table(DEPLOYING.read_text()), (
        f"run `{REGENERATE}`"
    )


@pytest.mark.parametrize("key", sorted(StackSettings.keys().values()))
def test_every_setting_says_how_to_set_it(key: str) -> None:
    command = how_to_set(key, Source.STACK_CONFIG)
    assert command.startswith("set it with `pulumi config set ")
    assert key in command
    assert "None" not in command
    secret = key in StackSettings.secret_keys()
    assert ("--secret" in command) is secret
    assert how_to_set(key, Source.PACKAGE_INPUTS).endswith(f"input `{key}` of LeaveApprovals")


def test_every_bad_setting_is_named_at_once_with_how_to_set_it() -> None:
    with pytest.raises(ConfigError) as refused:
        load(dev_config(senderEmail=None, maxLeaveDays="0", apiBurstLimit="many"))
    assert str(refused.value).splitlines() == [
        "senderEmail is required: set it with `pulumi config set senderEmail leave@example.com`",
        "maxLeaveDays must be between 1 and 366, not 0; set it with "
        "`pulumi config set maxLeaveDays 30`",
        "apiBurstLimit must be a whole number, not 'many'; set it with "
        "`pulumi config set apiBurstLimit 20`",
    ]
