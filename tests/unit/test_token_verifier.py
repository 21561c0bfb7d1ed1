"""What counts as presenting a token at all (the rest of the checks run against a real issuer in
tests/integration/test_sign_in.py)."""

import pytest

from handlers.gateways.token_verifier import UnauthenticatedError, bearer_token


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
