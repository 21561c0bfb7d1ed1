"""The local Lambda durable execution service: the SDK testing package's web runner, in its own
process, keeping executions in SQLite so they outlive a restart of the sandbox.

Run as `python -m sandbox.durable_emulator PORT LAMBDA_ENDPOINT STORE`. It drives executions by
invoking the workflow's handler at LAMBDA_ENDPOINT (the sandbox's Lambda service) and serves the
durable APIs (checkpoints, state, callbacks, executions) that the Lambda service forwards to it.
"""

import logging
import sys
import threading

from aws_durable_execution_sdk_python_testing.runner import WebRunner, WebRunnerConfig
from aws_durable_execution_sdk_python_testing.stores.base import StoreType
from aws_durable_execution_sdk_python_testing.web.server import WebServiceConfig

from sandbox.child_process import serve_until_parent_exits
from sandbox.config import REGION

HEALTH_PATH = "/health"


def main(port: int, lambda_endpoint: str, store: str) -> None:
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(name)s %(message)s")
    config = WebRunnerConfig(
        web_service=WebServiceConfig(host="127.0.0.1", port=port, log_level=logging.WARNING),
        lambda_endpoint=lambda_endpoint,
        local_runner_endpoint=f"http://127.0.0.1:{port}",
        local_runner_region=REGION,
        store_type=StoreType.SQLITE,
        store_path=store,
        invocation_timeout_seconds=60,
    )
    runner = WebRunner(config)
    runner.start()
    threading.Thread(target=runner.serve_forever, daemon=True).start()
    serve_until_parent_exits(runner.stop)


if __name__ == "__main__":
    main(int(sys.argv[1]), sys.argv[2], sys.argv[3])
