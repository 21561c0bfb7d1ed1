"""Rotating the key that signs decision links without breaking the links already sent
(`leave-ops rotate-key`; docs/deploying.md, "Rotating the link-signing key").

A link names the key that signed it; the decision function accepts the current key and, while
a rotation is under way, the previous one (its PREVIOUS_SIGNING_KEY_PARAMETER). A rotation:
the current key becomes the previous, a new one the current. The previous key may be dropped
once no open link is signed with it: no waiting request whose approver was emailed before the
rotation took hold. A link is signed when it is emailed, and the functions read the key through
a cache (`KEY_CACHE_SECONDS`), so links emailed up to that long after the rotation may still
carry the previous key: those requests count as holding one too. A request's links all expire
at its deadline, so the previous key is certainly unused once the last of those has passed.

On a stack the key is the stack's configuration (Pulumi owns the parameters): `stack_steps`
says where the rotation stands and the exact commands to run. On the sandbox there is no
Pulumi: `rotate_in_place` rotates the parameters themselves.
"""

import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from handlers.domain.leave_request import LeaveRecord
from handlers.gateways.signing_key import KEY_CACHE_SECONDS
from handlers.settings import DecisionSettings


class KeyParameters(Protocol):
    def last_changed(self, name: str) -> datetime | None: ...

    def read(self, name: str) -> str: ...

    def write(self, name: str, value: str) -> None: ...


class RotationRefusal(Exception):
    """The rotation cannot go on as asked; the message says why, in one line."""


@dataclass(frozen=True)
class RotationState:
    """Where a stack's rotation stands."""

    # The decision function accepts a previous key: a rotation is under way.
    under_way: bool
    # When the current key was set (None: unknown).
    rotated_at: datetime | None
    # Waiting requests that hold a link signed with the previous key, and when the last
    # of those links expires.
    open_old_links: int = 0
    last_old_link_expires: datetime | None = None

    @property
    def previous_key_unused(self) -> bool:
        return self.under_way and self.open_old_links == 0


def open_links(pending: Iterable[LeaveRecord], now: datetime) -> tuple[int, datetime | None]:
    """How many of the `pending` requests hold a link still open; when the last expires."""
    count, last = 0, None
    for record in pending:
        deadline = record.decision_deadline
        if record.callback_id is None or deadline is None or deadline <= now:
            continue  # nobody was emailed a link yet (a later one is signed anew), or it expired
        count += 1
        last = deadline if last is None or deadline > last else last
    return count, last


def took_hold(rotated_at: datetime) -> datetime:
    """When every function signs with the key set at `rotated_at`: their caches expired."""
    return rotated_at + timedelta(seconds=KEY_CACHE_SECONDS)


def rotation_state(
    decision: DecisionSettings,
    keys: KeyParameters,
    pending_before: Callable[[datetime], Iterable[LeaveRecord]],
    now: datetime,
) -> RotationState:
    """Where the rotation stands, from the decision function's settings, the parameters and
    the waiting requests."""
    rotated_at = keys.last_changed(decision.signing_key_parameter)
    previous = decision.previous_signing_key_parameter
    if previous is None:
        return RotationState(under_way=False, rotated_at=rotated_at)
    if keys.last_changed(previous) is None:
        raise RotationRefusal(
            f"the decision function names a previous key ({previous}) that SSM does not hold: "
            "run `pulumi up` again"
        )
    if rotated_at is None:
        raise RotationRefusal(f"SSM holds no signing key at {decision.signing_key_parameter}")
    # Submitted before the new key took hold: their first link may carry the previous one.
    count, last = open_links(pending_before(took_hold(rotated_at)), now)
    return RotationState(
        under_way=True, rotated_at=rotated_at, open_old_links=count, last_old_link_expires=last
    )


def stack_steps(state: RotationState, stack: str) -> list[str]:
    """The `pulumi` commands that take the rotation of `stack` its next step."""
    on = f" --stack {stack}"
    if not state.under_way:
        return [
            "pulumi config set --secret previousSigningKey "
            f'"$(pulumi config get signingKey{on})"{on}',
            f'pulumi config set --secret signingKey "$(openssl rand -base64 48)"{on}',
            f"pulumi up{on}",
        ]
    if state.previous_key_unused:
        return [f"pulumi config rm previousSigningKey{on}", f"pulumi up{on}"]
    return []


def new_key() -> str:
    return secrets.token_urlsafe(48)


def rotate_in_place(decision: DecisionSettings, keys: KeyParameters, key: str) -> str:
    """Rotate the parameters themselves (the sandbox): the current key becomes the previous
    (the one before it is dropped: links it signed stop working), `key` the current. The key
    that is now the previous."""
    previous = decision.previous_signing_key_parameter
    if previous is None:
        raise RotationRefusal(
            "the decision function has no previous-key parameter, so links already sent "
            "would stop working: restart the sandbox with this version first"
        )
    current = keys.read(decision.signing_key_parameter)
    # The previous key first: from here on both accept what the current key signs.
    keys.write(previous, current)
    keys.write(decision.signing_key_parameter, key)
    return current
