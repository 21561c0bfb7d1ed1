"""The operators' tools: `leave-ops`, a command installed with the project (ops/cli.py).

It runs the service's own logic (handlers/logic, handlers/storage, handlers/gateways) against a
sandbox (`--sandbox DIR`) or a deployed stack (`--stack NAME`), with the settings the deployed
functions run with (ops/target.py). See ops/README.md for how to add a command.
"""
