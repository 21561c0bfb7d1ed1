"""The local Lambda durable execution service: the SDK testing package's web runner, in its own
process, keeping executions in SQLite so they outlive a restart of the sandbox.

Run as `python -m sandbox.durable_emulator PORT LAMBDA_ENDPOINT STORE`. It drives executions by
invoking the workflow's handler at LAMBDA_ENDPOINT (the sandbox's Lambda service) and serves the
durable APIs (checkpoints, state, callbacks, executions) that the Lambda service forwards to it.
"""

import logging
import math
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime

from aws_durable_execution_sdk_python.lambda_service import OperationStatus
from aws_durable_execution_sdk_python_testing.runner import WebRunner, WebRunnerConfig
from aws_durable_execution_sdk_python_testing.stores.base import StoreType
from aws_durable_execution_sdk_python_testing.web.server import WebServiceConfig

from sandbox.child_process import serve_until_parent_exits
from sandbox.config import REGION

HEALTH_PATH = "/health"

logger = logging.getLogger(__name__)


def rearm_timers(runner: WebRunner, now: datetime) -> int:
    """Arm again the timers running executions wait on; return how many callbacks had one.

    The emulator keeps executions in SQLite but their timers in memory only, so after a restart
    a pending request would never be followed up nor expire. Each callback gets the time it had
    left (at least a second: one whose time ran out while the sandbox was down expires at once);
    each execution's earliest durable wait (a reminder or an escalation falling due) fires when
    it falls due, at once if it already has. The runner has no public way to do this: it
    reaches into its executor and store, checked by test_restart.
    """
    executor, store = runner._executor, runner._store
    if executor is None or store is None:
        return 0
    armed = 0
    for execution in store.list_all():
        if execution.is_complete:
            continue
        executor._schedule_earliest_pending(execution.durable_execution_arn)
        for update in execution.updates:
            options = update.callback_options
            if update.action.value != "START" or options is None or not options.timeout_seconds:
                continue
            _, operation = execution.find_operation(update.operation_id)
            details = operation.callback_details
            if operation.status != OperationStatus.STARTED or details is None:
                continue
            started = operation.start_timestamp or now
            if started.tzinfo is None:
                started = started.replace(tzinfo=UTC)
            left = options.timeout_seconds - (now - started).total_seconds()
            remaining = replace(options, timeout_seconds=max(1, math.ceil(left)))
            executor._schedule_callback_timeouts(
                execution.durable_execution_arn, remaining, details.callback_id
            )
            armed += 1
    return armed


def reinvoke_running(runner: WebRunner) -> int:
    """Invoke each running execution once; return how many.

    As Lambda retries an invocation whose execution environment died: the sandbox's stop may
    cut one off mid-invocation (a decision in, the outcome not yet recorded), and nothing else
    would ever resume it. One that was only waiting replays to where it waits and suspends.
    """
    executor, store = runner._executor, runner._store
    if executor is None or store is None:
        return 0
    running = [e.durable_execution_arn for e in store.list_all() if not e.is_complete]
    for arn in running:
        executor._invoke_execution(arn)
    return len(running)


def _once_reachable(url: str, then: Callable[[], object]) -> None:
    """Call `then` once `url` answers at all (the sandbox starts its Lambda API after this)."""
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2):  # noqa: S310 - our loopback endpoint
                break
        except urllib.error.HTTPError:
            break  # it answers
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.2)
    then()


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
    armed = rearm_timers(runner, datetime.now(UTC))
    if armed:
        logger.warning("re-armed the timeouts of %d waiting callbacks", armed)
    threading.Thread(target=runner.serve_forever, daemon=True).start()
    threading.Thread(
        target=_once_reachable,
        args=(lambda_endpoint, lambda: reinvoke_running(runner)),
        daemon=True,
    ).start()
    serve_until_parent_exits(runner.stop)


if __name__ == "__main__":
    main(int(sys.argv[1]), sys.argv[2], sys.argv[3])
