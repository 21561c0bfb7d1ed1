"""What counts as presenting a token at all, and whose tokens must carry `token_use` (the rest
of the checks run against a real issuer in tests/integration/test_sign_in.py)."""

import pytest

from handlers.gateways.token_verifier import COGNITO_ISSUER, UnauthenticatedError, bearer_token


@pytest.mark.parametrize(
    "header", ["Bearer abc.def.ghi", "bearer abc.def.ghi", "  Bearer   abc.def.ghi  "]
)
def test_a_bearer_token_is_taken_whatever_the_case_and_spacing(header: str) -> None:
    assert bearer_token(header) == "abc.def.ghi"


@pytest.mark.parametrize("header", [None, "", "Bearer", "Bearer   ", "Basic dXNlcjpwYXNz", "abc"])
def test_no_bearer_token_is_a_challenge_without_an_error_code(header: str | None) -> None:
    with pytest.raises(UnauthenticatedError) as refused:
        bearer_token(header)
    assert refused.value.token_given is False
    assert "Authorization: Bearer" in refused.value.problem


@pytest.mark.parametrize(
    ("issuer", "is_cognito"),
    [
        ("https://cognito-idp.us-east-2.amazonaws.com/us-east-2_AbC123xyZ", True),
        ("https://cognito-idp.eu-central-1.amazonaws.com/eu-central-1_Q9", True),
        ("https://login.example.com/oauth2/default", False),
        ("https://cognito-idp.us-east-2.amazonaws.com.evil.example/us-east-2_A", False),
        ("http://127.0.0.1:8000/oidc", False),
    ],
)
def test_a_cognito_pools_tokens_must_say_what_they_are_for(issuer: str, is_cognito: bool) -> None:
    """Cognito puts `token_use` in every token: from a pool, a token without it is refused."""
    assert bool(COGNITO_ISSUER.fullmatch(issuer)) is is_cognito
