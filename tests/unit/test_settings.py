import pytest

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
