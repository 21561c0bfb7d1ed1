"""The local Lambda durable execution service: the SDK testing package's web runner, in its own
process, keeping executions in SQLite so they outlive a restart of the sandbox.

Run as `python -m sandbox.durable_emulator PORT LAMBDA_ENDPOINT STORE`. It drives executions by
invoking the workflow's handler at LAMBDA_ENDPOINT (the sandbox's Lambda service) and serves the
durable APIs (checkpoints, state, callbacks, executions; pause and resume: durable_pauses.py)
that the Lambda service forwards to it.
"""

import logging
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from datetime import UTC, datetime

from aws_durable_execution_sdk_python.lambda_service import (
    ErrorObject,
    OperationAction,
    OperationStatus,
    OperationType,
)
from aws_durable_execution_sdk_python_testing.execution import Execution
from aws_durable_execution_sdk_python_testing.executor import Executor
from aws_durable_execution_sdk_python_testing.runner import WebRunner, WebRunnerConfig
from aws_durable_execution_sdk_python_testing.stores.base import ExecutionStore, StoreType
from aws_durable_execution_sdk_python_testing.web.server import WebServiceConfig
from aws_durable_execution_sdk_python_testing.worker.checkpoint_tasks import CallableTask

from sandbox.child_process import serve_until_parent_exits
from sandbox.config import REGION
from sandbox.durable_pauses import serve_pauses

logger = logging.getLogger(__name__)


class _ExecutorTimers:
    """What a restored execution needs from the runner's executor, which has no public way to
    do it: the executor arms every timer in memory when its operation starts, so one restored
    from the store has none. Each method names the executor's own path it reuses, so a timer
    armed here ends, and is cancelled, exactly as one the executor armed itself."""

    def __init__(self, executor: Executor, store: ExecutionStore) -> None:
        self._executor = executor
        self._store = store

    def fresh_invocation_budget(self, arn: str) -> None:
        """Invocations that failed because the sandbox was stopping are not the function's
        failures: a restored execution gets the retry budget of one never interrupted."""

        def reset() -> None:
            execution = self._store.load(arn)
            if not execution.is_complete and execution.consecutive_failed_invocation_attempts:
                execution.consecutive_failed_invocation_attempts = 0
                self._store.save(execution)

        self._executor._registry.submit(arn, CallableTask(reset)).result()

    def execution_timeout(self, arn: str, timeout_seconds: int, delay: float) -> None:
        executor = self._executor
        error = ErrorObject.from_message(f"Execution timed out after {timeout_seconds} seconds.")
        executor._execution_timeouts[arn] = executor._scheduler.call_later(
            lambda: executor.on_timed_out(arn, error), delay=delay
        )

    def callback_timeout(self, arn: str, callback_id: str, delay: float) -> None:
        executor = self._executor
        executor._callback_timeouts[callback_id] = executor._scheduler.call_later(
            lambda: executor._on_callback_timeout(arn, callback_id), delay=delay
        )

    def callback_heartbeat(self, arn: str, callback_id: str) -> None:
        """A whole heartbeat period from now: when the last heartbeat came is not stored."""
        self._executor._reset_callback_heartbeat_timeout(callback_id, arn)

    def waits_and_retries(self, arn: str) -> None:
        """The earliest durable wait or step retry, when it falls due (at once if it has)."""
        self._executor._schedule_earliest_pending(arn)

    def invoke(self, arn: str) -> None:
        self._executor._invoke_execution(arn)


def _seconds_left(started: datetime, seconds: float, now: datetime) -> float:
    """How long a timer of `seconds` started at `started` has left at `now`; 0 if none."""
    if started.tzinfo is None:
        started = started.replace(tzinfo=UTC)
    return max(0.0, seconds - (now - started).total_seconds())


def _rearm(timers: _ExecutorTimers, execution: Execution, now: datetime) -> None:
    """Arm the timers of a restored execution at the moments they were due before the stop."""
    arn = execution.durable_execution_arn
    timeout = execution.start_input.execution_timeout_seconds
    started = execution.get_operation_execution_started().start_timestamp
    if timeout > 0 and started is not None:
        timers.execution_timeout(arn, timeout, _seconds_left(started, timeout, now))
    for update in execution.updates:
        options = update.callback_options
        if (
            update.operation_type != OperationType.CALLBACK
            or update.action != OperationAction.START
        ):
            continue
        _, operation = execution.find_operation(update.operation_id)
        details = operation.callback_details
        if options is None or details is None or operation.status != OperationStatus.STARTED:
            continue
        if options.timeout_seconds > 0:
            left = _seconds_left(operation.start_timestamp or now, options.timeout_seconds, now)
            timers.callback_timeout(arn, details.callback_id, left)
        if options.heartbeat_timeout_seconds > 0:
            timers.callback_heartbeat(arn, details.callback_id)
    timers.waits_and_retries(arn)


def restore_running(runner: WebRunner, now: datetime) -> int:
    """Carry on each execution a stop left running; return how many.

    Call it once the Lambda API answers. The emulator keeps executions in SQLite but their
    timers (execution and callback timeouts, durable waits, step retries) in memory only, so a
    restored execution has none. Each is armed again for the moment it was due before the stop,
    and fires at once if that moment has passed. Armed before the Lambda API is up, a timer
    already due would fire into nothing: each failed invocation costs one of the emulator's
    five attempts, five seconds apart, and a restart slower than that (a busy machine) failed
    the execution where no settler sees it, leaving its request pending for good.

    Then each execution is invoked once, as Lambda retries an invocation whose execution
    environment died: the stop may have cut one off mid-invocation (a decision in, the outcome
    not yet recorded), and nothing else would resume it. One that was only waiting replays to
    where it waits and suspends.
    """
    executor, store = runner._executor, runner._store
    if executor is None or store is None:
        return 0
    timers = _ExecutorTimers(executor, store)
    running = [e for e in store.list_all() if not e.is_complete]
    for execution in running:
        arn = execution.durable_execution_arn
        timers.fresh_invocation_budget(arn)
        _rearm(timers, execution, now)
        timers.invoke(arn)
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


def _restore_and_say(runner: WebRunner) -> None:
    restored = restore_running(runner, datetime.now(UTC))
    if restored:
        logger.warning("carried on %d running executions from before the restart", restored)


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
    # Lambda's pause and resume, which the runner's web server does not route.
    assert runner._executor is not None  # made by start()
    serve_pauses(runner._server, runner._executor)
    threading.Thread(target=runner.serve_forever, daemon=True).start()
    threading.Thread(
        target=_once_reachable,
        args=(lambda_endpoint, lambda: _restore_and_say(runner)),
        daemon=True,
    ).start()
    serve_until_parent_exits(runner.stop)


if __name__ == "__main__":
    main(int(sys.argv[1]), sys.argv[2], sys.argv[3])
