"""Signed, expiring tokens that let one approver decide one request.

The approver's email links carry a token, never the workflow's callback id. A token is
`<payload>.<signature>`, both base64url without padding; the payload is compact JSON naming the
request, the approver, the expiry (Unix seconds) and the id of the key that signed it; the
signature is HMAC-SHA256 of the payload.

The key id lets the key be rotated without killing the links already sent: the decision
endpoint checks a token with whichever of its keys (the current and the previous) it names.
"""

import base64
import binascii
import hashlib
import hmac
import json
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import quote


class InvalidTokenError(ValueError):
    """The token is malformed, or was not signed with our key (forged or altered)."""


class ExpiredTokenError(ValueError):
    """The token was genuine but its time is up."""


@dataclass(frozen=True)
class DecisionToken:
    request_id: str
    approver_email: str
    expires_at: int


def _b64encode(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _b64decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _signature(payload: str, key: bytes) -> str:
    return _b64encode(hmac.new(key, payload.encode("ascii"), hashlib.sha256).digest())


def key_id(key: bytes) -> str:
    """A short name for a key that gives nothing of it away."""
    return _b64encode(hashlib.sha256(b"decision-link key id:" + key).digest()[:6])


def sign_token(token: DecisionToken, key: bytes) -> str:
    body = {
        "r": token.request_id,
        "a": token.approver_email,
        "e": token.expires_at,
        "k": key_id(key),
    }
    payload = _b64encode(json.dumps(body, separators=(",", ":"), sort_keys=True).encode())
    return f"{payload}.{_signature(payload, key)}"


def decision_link(decision_url: str, token: DecisionToken, key: bytes) -> str:
    """The link an approver decides through: the decision endpoint with the signed token."""
    return f"{decision_url}?token={quote(sign_token(token, key))}"


def verify_token(text: str, keys: Sequence[bytes], now: float) -> DecisionToken:
    """Return the token's claims, or raise InvalidTokenError / ExpiredTokenError.

    `keys`: the keys links may be signed with, the current one first.
    """
    payload, _, signature = text.strip().partition(".")
    if not payload or not signature or not payload.isascii() or not signature.isascii():
        raise InvalidTokenError("the link is malformed")
    try:
        body = json.loads(_b64decode(payload))
        named = body.get("k") if isinstance(body, dict) else None
    except (binascii.Error, ValueError):
        raise InvalidTokenError("the link's content is unreadable") from None
    key = next((k for k in keys if key_id(k) == named), None)
    if key is None or not hmac.compare_digest(_signature(payload, key), signature):
        raise InvalidTokenError("the link's signature does not match")
    try:
        token = DecisionToken(str(body["r"]), str(body["a"]), int(body["e"]))
    except (ValueError, KeyError, TypeError):
        raise InvalidTokenError("the link's content is unreadable") from None
    if now >= token.expires_at:
        raise ExpiredTokenError("the link has expired")
    return token
