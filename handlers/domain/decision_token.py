"""Signed, expiring tokens that let one approver decide one request.

The approver's email links carry a token, never the workflow's callback id. A token is
`<payload>.<signature>`, both base64url without padding; the payload is compact JSON naming the
request, the approver and the expiry (Unix seconds); the signature is HMAC-SHA256 of the payload.
"""

import base64
import binascii
import hashlib
import hmac
import json
from dataclasses import dataclass


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


def sign_token(token: DecisionToken, key: bytes) -> str:
    body = {"r": token.request_id, "a": token.approver_email, "e": token.expires_at}
    payload = _b64encode(json.dumps(body, separators=(",", ":"), sort_keys=True).encode())
    return f"{payload}.{_signature(payload, key)}"


def verify_token(text: str, key: bytes, now: float) -> DecisionToken:
    """Return the token's claims, or raise InvalidTokenError / ExpiredTokenError."""
    payload, _, signature = text.strip().partition(".")
    if not payload or not signature or not payload.isascii() or not signature.isascii():
        raise InvalidTokenError("the link is malformed")
    if not hmac.compare_digest(_signature(payload, key), signature):
        raise InvalidTokenError("the link's signature does not match")
    try:
        body = json.loads(_b64decode(payload))
        token = DecisionToken(str(body["r"]), str(body["a"]), int(body["e"]))
    except (binascii.Error, ValueError, KeyError, TypeError):
        raise InvalidTokenError("the link's content is unreadable") from None
    if now >= token.expires_at:
        raise ExpiredTokenError("the link has expired")
    return token
