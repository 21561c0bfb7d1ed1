import pytest

from handlers.domain.decision_token import (
    DecisionToken,
    ExpiredTokenError,
    InvalidTokenError,
    key_id,
    sign_token,
    verify_token,
)
from handlers.domain.feed_token import (
    InvalidFeedTokenError,
    feed_key,
    feed_owner,
    feed_token,
)

KEY = b"k" * 32
TOKEN = DecisionToken("lr-abc", "manager@email.com", 2_000)


def test_a_signed_token_verifies_to_its_claims() -> None:
    assert verify_token(sign_token(TOKEN, KEY), [KEY], now=1_999) == TOKEN


def test_a_token_is_url_safe() -> None:
    text = sign_token(TOKEN, KEY)
    assert set(text) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.")


def test_a_token_past_its_expiry_is_refused() -> None:
    with pytest.raises(ExpiredTokenError):
        verify_token(sign_token(TOKEN, KEY), [KEY], now=2_000)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "only-one-part",
        ".",
        "payload.",
        "é.é",
        sign_token(TOKEN, b"another key"),
        sign_token(DecisionToken("lr-other", "manager@email.com", 2_000), KEY).split(".")[0]
        + "."
        + sign_token(TOKEN, KEY).split(".")[1],
    ],
)
def test_a_malformed_forged_or_spliced_token_is_invalid(text: str) -> None:
    with pytest.raises(InvalidTokenError):
        verify_token(text, [KEY], now=0)


def test_a_validly_signed_payload_that_is_not_a_token_is_invalid() -> None:
    import base64
    import hashlib
    import hmac
    import json

    body = json.dumps({"r": 1, "k": key_id(KEY)}).encode()
    payload = base64.urlsafe_b64encode(body).rstrip(b"=").decode()
    signature = (
        base64.urlsafe_b64encode(hmac.new(KEY, payload.encode(), hashlib.sha256).digest())
        .rstrip(b"=")
        .decode()
    )
    with pytest.raises(InvalidTokenError, match="unreadable"):
        verify_token(f"{payload}.{signature}", [KEY], now=0)


PREVIOUS = b"p" * 32


def test_after_a_rotation_links_signed_with_the_previous_key_still_work() -> None:
    old_link = sign_token(TOKEN, PREVIOUS)
    new_link = sign_token(TOKEN, KEY)
    assert verify_token(old_link, [KEY, PREVIOUS], now=1_999) == TOKEN
    assert verify_token(new_link, [KEY, PREVIOUS], now=1_999) == TOKEN


def test_once_the_previous_key_is_dropped_its_links_stop_working() -> None:
    with pytest.raises(InvalidTokenError, match="signature"):
        verify_token(sign_token(TOKEN, PREVIOUS), [KEY], now=0)


def test_a_key_id_names_a_key_without_giving_it_away() -> None:
    assert key_id(KEY) == key_id(KEY) != key_id(PREVIOUS)
    assert len(key_id(KEY)) == 8
    assert key_id(KEY) not in KEY.decode()


def test_a_calendar_feed_token_names_its_owner_and_cannot_be_forged() -> None:
    key = feed_key(b"k" * 32)
    token = feed_token("alice@example.com", key)
    assert feed_owner(token, key) == "alice@example.com"
    other = feed_token("bob@example.com", key)
    for forged in (
        token.split(".")[0] + "." + other.split(".")[1],
        other.split(".")[0] + "." + token.split(".")[1],
        token + "x",
        "not-a-token",
        "%%%.abc",
    ):
        with pytest.raises(InvalidFeedTokenError):
            feed_owner(forged, key)
    with pytest.raises(InvalidFeedTokenError):
        feed_owner(token, feed_key(b"another secret, after a rotation"))
