"""The secret in a calendar feed's URL (see web/leave_calendar.py for the feed itself).

A calendar app cannot sign in, so the URL itself is the secret: it names the person and carries
an HMAC of their address keyed with the stack's secret (rotating `signingKey` changes every
feed's URL).
"""

import base64
import binascii
import hashlib
import hmac


class InvalidFeedTokenError(ValueError):
    """Not a feed this service gave out."""


def feed_key(signing_key: bytes) -> bytes:
    """The feeds' key, derived from the stack's secret for this one purpose."""
    return hmac.new(signing_key, b"leave-approvals calendar feeds", hashlib.sha256).digest()


def _encode(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _signature(email: str, key: bytes) -> str:
    return _encode(hmac.new(key, email.encode(), hashlib.sha256).digest()[:18])


def feed_token(email: str, key: bytes) -> str:
    """The secret part of `email`'s feed URL."""
    return f"{_encode(email.encode())}.{_signature(email, key)}"


def feed_owner(token: str, key: bytes) -> str:
    """Whose feed `token` opens, or InvalidFeedTokenError."""
    name, _, signature = token.partition(".")
    try:
        email = base64.urlsafe_b64decode(name + "=" * (-len(name) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise InvalidFeedTokenError(token) from None
    if not signature or not hmac.compare_digest(signature, _signature(email, key)):
        raise InvalidFeedTokenError(token)
    return email
