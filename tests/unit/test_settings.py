from datetime import date

import pytest

from handlers.domain.statuses import LeaveType
from handlers.domain.working_days import WorkCalendar
from handlers.settings import SettingsError, SubmitSettings, WorkflowSettings

SUBMIT_ENV = {
    "LEAVE_TABLE_NAME": "leave",
    "SUBMIT_URL": "https://api.example.com/live/",
    "WORKFLOW_FUNCTION": "arn:aws:lambda:us-east-2:1:function:wf:live",
    "ALLOWED_EMAIL_DOMAINS": " Email.com, example.com ,",
    "DEFAULT_APPROVER_EMAIL": "boss@email.com",
    "MAX_LEAVE_DAYS": "30",
    "SIGNING_KEY_PARAMETER": "/leave/key",
    "OIDC_ISSUER": "https://cognito-idp.us-east-2.amazonaws.com/us-east-2_abc",
    "OIDC_AUDIENCE": "client-id",
    "SENDER_EMAIL": "leave@example.com",
    "EVENT_BUS_NAME": "leave",
}


def test_settings_are_read_from_the_environment_with_lists_split() -> None:
    settings = SubmitSettings.from_environment(SUBMIT_ENV)
    assert settings.allowed_email_domains == ("email.com", "example.com")
    assert settings.max_leave_days == 30
    assert settings.max_body_bytes == 16_384
    assert settings.max_pending_per_employee == 5
    assert settings.oidc_jwks_url is None


def test_a_missing_or_bad_setting_is_named_in_the_error() -> None:
    env = {k: v for k, v in SUBMIT_ENV.items() if k != "LEAVE_TABLE_NAME"}
    with pytest.raises(SettingsError, match="LEAVE_TABLE_NAME"):
        SubmitSettings.from_environment(env)
    with pytest.raises(SettingsError, match="MAX_LEAVE_DAYS"):
        SubmitSettings.from_environment({**SUBMIT_ENV, "MAX_LEAVE_DAYS": "0"})


def test_environment_for_round_trips_through_from_environment() -> None:
    environment = SubmitSettings.environment_for(
        table_name="leave",
        submit_url="https://api.example.com/live/",
        workflow_function="arn:wf:live",
        allowed_email_domains=["email.com"],
        default_approver="boss@email.com",
        max_leave_days=10,
        signing_key_parameter="/leave/key",
        oidc_issuer="https://issuer",
        oidc_audience="client",
        sender_email="leave@example.com",
        event_bus_name="leave",
        oidc_jwks_url=None,
    )
    assert "OIDC_JWKS_URL" not in environment  # optional, and unset
    assert environment["ALLOWED_EMAIL_DOMAINS"] == "email.com"
    assert environment["MAX_LEAVE_DAYS"] == "10"
    assert SubmitSettings.from_environment(environment).max_leave_days == 10


def test_environment_for_refuses_unknown_and_missing_settings() -> None:
    with pytest.raises(SettingsError, match="approval_timeout"):
        SubmitSettings.environment_for(approval_timeout=5)
    with pytest.raises(SettingsError, match="sender_email"):
        WorkflowSettings.environment_for(table_name="leave")


def test_date_limits_default_to_a_week_back_for_sick_leave_only_and_two_years_ahead() -> None:
    limits = SubmitSettings.from_environment(SUBMIT_ENV).date_limits
    assert limits.max_future_days == 730
    assert limits.max_past_days == {t: 7 if t is LeaveType.SICK else 0 for t in LeaveType}


def test_date_limits_travel_through_the_environment_by_leave_type() -> None:
    environment = {
        **SUBMIT_ENV,
        "MAX_PAST_DAYS": "bereavement=3, sick=10",
        "MAX_FUTURE_DAYS": "365",
    }
    limits = SubmitSettings.from_environment(environment).date_limits
    assert limits.past_days_for(LeaveType.BEREAVEMENT) == 3
    assert limits.past_days_for(LeaveType.SICK) == 10
    assert limits.past_days_for(LeaveType.ANNUAL) == 0
    written = SubmitSettings.environment_for(
        table_name="leave",
        workflow_function="wf",
        allowed_email_domains=["email.com"],
        default_approver="boss@email.com",
        max_leave_days=10,
        signing_key_parameter="/leave/key",
        oidc_issuer="https://issuer",
        oidc_audience="client",
        sender_email="leave@example.com",
        submit_url="https://api.example.com/live/",
        event_bus_name="leave",
        **limits.as_settings(),
    )
    assert SubmitSettings.from_environment(written).date_limits == limits
    problem = limits.problem_with(
        date(2027, 1, 1), date(2028, 1, 2), LeaveType.ANNUAL, date(2027, 1, 1)
    )
    assert problem is not None
    assert (problem.field, problem.problem) == (
        "end_date",
        "must be within 365 days from today (on or before 2028-01-01)",
    )


@pytest.mark.parametrize(
    ("name", "value", "problem"),
    [
        ("MAX_PAST_DAYS", "holiday=3", "'holiday', which is not a leave type"),
        (
            "MAX_PAST_DAYS",
            "sick=367",
            "for sick leave must be a whole number of days from 0 to 366",
        ),
        ("MAX_PAST_DAYS", "-1", "from 0 to 366"),
        ("MAX_FUTURE_DAYS", "0", "from 1 to 3660"),
        ("MAX_FUTURE_DAYS", "3661", "from 1 to 3660"),
    ],
)
def test_date_limits_out_of_range_are_refused_naming_the_setting(
    name: str, value: str, problem: str
) -> None:
    with pytest.raises(SettingsError, match=name) as refused:
        SubmitSettings.from_environment({**SUBMIT_ENV, name: value})
    assert problem in str(refused.value)


def test_more_reminders_than_a_handful_are_refused() -> None:
    workflow_env = {
        "LEAVE_TABLE_NAME": "leave",
        "SENDER_EMAIL": "leave@example.com",
        "DECISION_URL": "https://d",
        "SUBMIT_URL": "https://s",
        "SIGNING_KEY_PARAMETER": "/leave/key",
        "APPROVAL_TIMEOUT_SECONDS": "600",
        "EVENT_BUS_NAME": "leave",
        "DEFAULT_APPROVER_EMAIL": "boss@email.com",
    }
    plan = WorkflowSettings.from_environment({**workflow_env, "REMINDER_AT": "0.2,0.4,0.6"})
    assert plan.reminder_at == (0.2, 0.4, 0.6)
    with pytest.raises(SettingsError, match="at most 3 reminders, not 4"):
        WorkflowSettings.from_environment({**workflow_env, "REMINDER_AT": "0.1,0.2,0.4,0.6"})


def test_the_submit_function_counts_monday_to_friday_unless_told() -> None:
    assert SubmitSettings.from_environment(SUBMIT_ENV).work_calendar == WorkCalendar()


def test_the_work_calendar_travels_through_the_environment() -> None:
    calendar = WorkCalendar(
        frozenset({6, 0, 1, 2, 3}), "GB", "SCT", frozenset({date(2026, 12, 24)})
    )
    written = {
        **SUBMIT_ENV,
        **SubmitSettings.environment_for(**_required(), **calendar.as_settings()),
    }
    assert written["WORK_WEEK"] == "Sun-Thu"
    assert written["CLOSURE_DAYS"] == "2026-12-24"
    assert SubmitSettings.from_environment(written).work_calendar == calendar


@pytest.mark.parametrize(
    ("variables", "named"),
    [
        ({"WORK_WEEK": "Mon-Funday"}, "WORK_WEEK"),
        ({"HOLIDAY_COUNTRY": "United Kingdom"}, "HOLIDAY_COUNTRY"),
        ({"CLOSURE_DAYS": "2026-12-32"}, "CLOSURE_DAYS"),
        ({"HOLIDAY_SUBDIVISION": "ENG"}, "HOLIDAY_SUBDIVISION is set without HOLIDAY_COUNTRY"),
    ],
)
def test_a_bad_work_calendar_is_named_in_the_error(variables: dict[str, str], named: str) -> None:
    with pytest.raises(SettingsError, match=named):
        SubmitSettings.from_environment({**SUBMIT_ENV, **variables})


def _required() -> dict[str, object]:
    return {
        "table_name": "leave",
        "workflow_function": "wf",
        "allowed_email_domains": ["email.com"],
        "default_approver": "boss@email.com",
        "max_leave_days": 10,
        "signing_key_parameter": "/leave/key",
        "oidc_issuer": "https://issuer",
        "oidc_audience": "client",
        "sender_email": "leave@example.com",
        "submit_url": "https://api.example.com/live/",
        "event_bus_name": "leave",
    }
