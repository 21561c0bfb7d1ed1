"""What happens while a request waits: its approver is reminded, then it escalates.

Both are set as shares of the approval time: a reminder at 0.5 goes out halfway, an escalation
at 0.75 hands the request to the approver's own approver three quarters of the way through.
The request still expires at the end of the approval time if nobody decides.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

DEFAULT_REMINDER_AT: tuple[float, ...] = (0.5,)
DEFAULT_ESCALATE_AT: float | None = 0.75
# What a setting says to turn reminders or escalation off.
OFF = "none"
# Each reminder that falls due is a race (a parallel context, its two branches, a wait) and a
# step: 5 durable operations and one more invocation per approval level. A few are plenty.
MAX_REMINDERS = 3


class FollowUpKind(StrEnum):
    REMIND = "remind"
    ESCALATE = "escalate"


@dataclass(frozen=True)
class FollowUp:
    kind: FollowUpKind
    # Names the follow-up within its request: its durable operations, the record's marker that
    # it happened, and its domain event's id. Renaming one breaks executions in flight.
    key: str
    # Seconds after the previous follow-up (or after the approver was asked) that it is due.
    wait_seconds: int


def parse_share(text: str | float | None) -> float | None:
    """One share written as `0.75`, or `none` (None)."""
    shares = parse_shares(text)
    if len(shares) > 1:
        raise ValueError(f"must be one share of the approval time like 0.75, or {OFF}")
    return shares[0] if shares else None


def parse_shares(text: str | float | Iterable[float] | None) -> tuple[float, ...]:
    """Shares written as `0.5`, `0.25,0.5`, a list of numbers, or `none` (no shares)."""
    if text is None:
        return ()
    if isinstance(text, int | float):
        return (float(text),)
    if not isinstance(text, str):
        return tuple(float(value) for value in text)
    parts = [part.strip() for part in text.split(",") if part.strip()]
    if not parts or parts == [OFF]:
        return ()
    try:
        return tuple(float(part) for part in parts)
    except ValueError:
        raise ValueError(f"must be shares of the approval time like 0.5, or {OFF}") from None


@dataclass(frozen=True)
class FollowUpPlan:
    """When reminders go out and when the request escalates; empty or None turns either off."""

    reminder_at: tuple[float, ...] = DEFAULT_REMINDER_AT
    escalate_at: float | None = DEFAULT_ESCALATE_AT

    def __post_init__(self) -> None:
        if len(self.reminder_at) > MAX_REMINDERS:
            raise ValueError(
                f"at most {MAX_REMINDERS} reminders, not {len(self.reminder_at)}: each one "
                "costs durable operations"
            )
        shares = [*self.reminder_at, *([] if self.escalate_at is None else [self.escalate_at])]
        for share in shares:
            if not 0 < share < 1:
                raise ValueError(
                    f"{share:g} is not a share of the approval time: use a number above 0 "
                    "and below 1, like 0.5 for halfway"
                )
        if list(self.reminder_at) != sorted(set(self.reminder_at)):
            raise ValueError("reminders must be given in increasing order, each once")
        if self.escalate_at is not None and any(r >= self.escalate_at for r in self.reminder_at):
            raise ValueError(
                f"escalation ({self.escalate_at:g}) must come after every reminder "
                f"({', '.join(f'{r:g}' for r in self.reminder_at)})"
            )

    def as_settings(self) -> dict[str, str]:
        """The plan as the workflow's settings (`reminder_at`, `escalate_at`) spell it."""
        return {
            "reminder_at": ",".join(f"{share:g}" for share in self.reminder_at) or OFF,
            "escalate_at": OFF if self.escalate_at is None else f"{self.escalate_at:g}",
        }

    def schedule(self, approval_seconds: int) -> tuple[FollowUp, ...]:
        """The follow-ups in order, each due a whole number of seconds after the one before.

        One that would fall on or after the end of the approval time is dropped.
        """
        planned = [
            (share, FollowUpKind.REMIND, f"remind-{number}")
            for number, share in enumerate(self.reminder_at, start=1)
        ]
        if self.escalate_at is not None:
            planned.append((self.escalate_at, FollowUpKind.ESCALATE, "escalate"))
        follow_ups: list[FollowUp] = []
        previous = 0
        for share, kind, key in planned:
            due = max(round(share * approval_seconds), previous + 1)
            if due >= approval_seconds:
                break
            follow_ups.append(FollowUp(kind, key, due - previous))
            previous = due
        return tuple(follow_ups)
