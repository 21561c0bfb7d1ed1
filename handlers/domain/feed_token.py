"""The secret in a calendar feed's URL (see web/leave_calendar.py for the feed itself).

A calendar app cannot sign in, so the URL itself is the secret: a random one per person, kept
in the table (storage/feed_secrets.py) and replaced whenever they ask, after which the old URL
opens nothing. The URL says nothing about whose it is.
"""

import hashlib
import re
import secrets

# 256 bits: no address can be guessed, however many are tried.
FEED_SECRET_BYTES = 32
# What `secrets.token_urlsafe` writes, with room to spare; anything else is not looked up.
_SECRET_SHAPE = re.compile(r"[A-Za-z0-9_-]{22,128}")


def new_feed_secret() -> str:
    return secrets.token_urlsafe(FEED_SECRET_BYTES)


def feed_secret_hash(secret: str) -> str:
    """What the secret's item is keyed by: the table's keys never hold the secret itself."""
    return hashlib.sha256(secret.encode()).hexdigest()


def could_be_feed_secret(text: str) -> bool:
    return _SECRET_SHAPE.fullmatch(text) is not None
