"""`leave-ops rotate-key`: the guided rotation of the link-signing key
(handlers/logic/key_rotation.py).

On a stack it changes nothing: Pulumi owns the key parameters, so it says where the rotation
stands and prints the next `pulumi` commands. On the sandbox it rotates the parameters itself
and keeps the keys in the data dir (sandbox/seed.py), so a restart keeps them.
"""

from datetime import UTC, datetime

import typer

from handlers.domain.date_style import moment_words
from handlers.gateways.signing_key import KEY_CACHE_SECONDS, SigningKeyParameters
from handlers.logic.key_rotation import (
    RotationRefusal,
    RotationState,
    new_key,
    rotate_in_place,
    rotation_state,
    stack_steps,
)
from handlers.settings import DecisionSettings
from handlers.storage.leave_store import DynamoDbLeaveStore
from ops.cli import TargetChoice, app, target_of
from ops.output import fail, operator_command, say
from ops.target import Target


def _is_sandbox(target: Target) -> bool:
    # Only the sandbox's outputs name its local Lambda API.
    return "lambda_endpoint" in target.outputs


def _stack_name(context: typer.Context) -> str:
    chosen = context.find_root().obj
    return chosen.stack if isinstance(chosen, TargetChoice) and chosen.stack else "<stack>"


@app.command("rotate-key")
@operator_command
def rotate_key(context: typer.Context) -> None:
    """Rotate the key that signs approvers' links, keeping the previous one for open links."""
    target = target_of(context)
    decision = target.settings(DecisionSettings)
    keys = SigningKeyParameters(target.client("ssm"))
    try:
        if _is_sandbox(target):
            _rotate_sandbox(decision, keys)
            return
        store = DynamoDbLeaveStore(target.table_name, client=target.client("dynamodb"))
        state = rotation_state(decision, keys, store.pending_submitted_before, datetime.now(UTC))
    except RotationRefusal as refusal:
        fail(str(refusal))
    _guide(state, _stack_name(context))


def _rotate_sandbox(decision: DecisionSettings, keys: SigningKeyParameters) -> None:
    """In the sandbox's SSM, which keeps it across a restart (its requests are replayed, and
    its seed leaves the parameters it finds)."""
    rotate_in_place(decision, keys, new_key())
    say(
        "The link-signing key is rotated: new links are signed with the new key, links "
        "already sent still decide (the key before is kept as the previous one), and links "
        "signed before the last rotation no longer do. The functions read the key through a "
        f"cache: they all sign with the new one within {KEY_CACHE_SECONDS // 60} minutes."
    )


def _guide(state: RotationState, stack: str) -> None:
    steps = stack_steps(state, stack)
    if not state.under_way:
        say("No rotation is under way: the current key signs every link. To rotate it:")
    elif state.previous_key_unused:
        say(
            "A rotation is under way, and no open link is signed with the previous key: "
            "it is safe to drop it:"
        )
    else:
        assert state.last_old_link_expires is not None
        say(
            f"A rotation is under way: {state.open_old_links} waiting request(s) hold links "
            "that may be signed with the previous key; the last expires "
            f"{moment_words(state.last_old_link_expires)}. Keep the previous key until then, "
            "then run `leave-ops rotate-key` again."
        )
    for step in steps:
        say(f"  {step}")
