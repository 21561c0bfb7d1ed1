"""The Lambda code of the leave-approval service.

Entry points (one per function): `submit` (employees' REST API), `workflow` (the durable
workflow), `decision` (approvers' Function URL), `settler`, `pending_gauge`. Everything they
share lives in the subpackages: `domain` (pure rules and names), `storage` (DynamoDB),
`gateways` (other AWS services), `logic` (the use cases the entry points call), `web` (the
pages people see).
"""

import gc
import os

# Pydantic looks for plugins in every installed package's metadata before its first model is
# built (about 5 ms here, more with Lambda's larger layer); the service uses none.
os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")

# Loading an entry point builds a few hundred thousand objects that live as long as the
# execution environment. The cyclic garbage collector would walk them again and again while they
# load (about 30 ms of every cold start: `make bench`) and at each full collection afterwards. So
# it waits while an entry point loads, and what was loaded is then frozen out of its reach.
gc.disable()


def loaded() -> None:
    """The last line of every entry point: collect again, leaving what was loaded alone."""
    gc.freeze()
    gc.enable()
