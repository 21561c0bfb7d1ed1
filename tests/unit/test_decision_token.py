import pytest

from handlers.domain.decision_token import (
    DecisionToken,
    ExpiredTokenError,
    InvalidTokenError,
    key_id,
    sign_token,
    verify_token,
)
from handlers.domain.feed_token import could_be_feed_secret, feed_secret_hash, new_feed_secret

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


def test_a_calendar_feed_secret_is_random_and_keyed_by_its_hash_alone() -> None:
    secrets = {new_feed_secret() for _ in range(100)}
    assert len(secrets) == 100
    assert all(could_be_feed_secret(secret) and len(secret) >= 22 for secret in secrets)
    secret = secrets.pop()
    assert feed_secret_hash(secret) == feed_secret_hash(secret)
    assert secret not in feed_secret_hash(secret)
    for not_one in ("", "short", "a" * 200, "YWxpY2VAZXhhbXBsZS5jb20.c2lnbmF0dXJl", "%" * 30):
        assert not could_be_feed_secret(not_one), not_one
