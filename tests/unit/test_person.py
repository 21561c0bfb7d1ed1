"""A person is one plain-ASCII address: lookalikes, control characters and non-addresses are
refused rather than folded onto someone else's address."""

import pytest

from handlers.domain.person import NotAPersonError, person_address


@pytest.mark.parametrize(
    ("claim", "address"),
    [
        ("kent@email.com", "kent@email.com"),
        ("Kent@Email.COM", "kent@email.com"),
        ("  kent@email.com ", "kent@email.com"),
        ("o'brien+leave@mail.email.com", "o'brien+leave@mail.email.com"),
        ("first.last@e-mail.co.uk", "first.last@e-mail.co.uk"),
    ],
)
def test_a_plain_address_is_its_lower_case_spelling(claim: str, address: str) -> None:
    assert person_address(claim) == address


@pytest.mark.parametrize(
    "claim",
    [
        pytest.param("\u212aent@email.com", id="kelvin-sign-K"),
        pytest.param("\uff4bent@email.com", id="full-width-k"),
        pytest.param("k\u0435nt@email.com", id="cyrillic-e"),
        pytest.param("kent@\u212aemail.com", id="kelvin-sign-in-domain"),
        pytest.param("\u00a0kent@email.com", id="no-break-space"),
        pytest.param("stra\u00dfe@email.com", id="sharp-s"),
        pytest.param("\u0130an@email.com", id="dotted-capital-I"),
    ],
)
def test_a_lookalike_never_becomes_another_persons_address(claim: str) -> None:
    with pytest.raises(NotAPersonError) as refused:
        person_address(claim)
    assert "not plain ASCII" in refused.value.problem


@pytest.mark.parametrize(
    "claim",
    [
        pytest.param("kent@email.com\r\nBcc: all@email.com", id="CRLF-header"),
        pytest.param("kent@email.com\n", id="trailing-LF"),
        pytest.param("\rkent@email.com", id="leading-CR"),
        pytest.param("kent@email.com\t", id="tab"),
        pytest.param("ke\u200bnt@email.com", id="zero-width-space"),
        pytest.param("kent\x00@email.com", id="NUL"),
    ],
)
def test_a_control_character_never_passes_even_at_the_ends(claim: str) -> None:
    with pytest.raises(NotAPersonError) as refused:
        person_address(claim)
    assert refused.value.problem == "it contains a control character"


@pytest.mark.parametrize(
    "claim",
    [
        "kent",
        "@email.com",
        "kent@",
        "kent@@email.com",
        "a@b@email.com",
        '"kent smith"@email.com',
        "kent smith@email.com",
        ".kent@email.com",
        "ke..nt@email.com",
        "kent@localhost",
        "kent@email..com",
        "kent@-email.com",
        "kent@email.com.",
        "k" * 65 + "@email.com",
        "kent@" + "e" * 250 + ".com",
    ],
)
def test_what_is_not_an_address_is_refused(claim: str) -> None:
    with pytest.raises(NotAPersonError) as refused:
        person_address(claim)
    assert refused.value.problem == "it is not an email address"
