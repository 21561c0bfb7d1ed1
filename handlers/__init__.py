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

# Loading an entry point builds ninety thousand objects that live as long as the execution
# environment. The cyclic garbage collector would walk them again and again while they load
# (about 30 ms of every cold start: `make bench`) and at each full collection afterwards. So in
# a Lambda execution environment (Lambda's, or the sandbox's, which names the function the same
# way) it waits while the entry point loads, and what was loaded is then frozen out of its
# reach. Anywhere else (tests, the sandbox's own processes) the collector is left alone.
_HOLDING_COLLECTION = "AWS_LAMBDA_FUNCTION_NAME" in os.environ and gc.isenabled()
if _HOLDING_COLLECTION:
    gc.disable()


def loaded() -> None:
    """The last line of every entry point: collect again, leaving what was loaded alone."""
    if _HOLDING_COLLECTION and not gc.isenabled():
        gc.freeze()
        gc.enable()
