"""The Lambda durable APIs in process, over the SDK's DurableFunctionTestRunner.

It stands where Lambda stands for the submit, decision and settler handlers (`WorkflowService`),
with Lambda's rule that one execution name starts one execution: the same payload again is a
no-op, another payload is refused. Tests look executions up by request id (the part of the
execution name they know): `executions`, `result`, `is_complete` and `wait_until_suspended`
take the request's latest execution.
"""

import json
import threading
import time
from typing import Any

from aws_durable_execution_sdk_python.lambda_service import ErrorObject
from aws_durable_execution_sdk_python_testing.exceptions import AwsApiException
from aws_durable_execution_sdk_python_testing.runner import (
    DurableFunctionTestResult,
    DurableFunctionTestRunner,
)

from handlers.domain.leave_request import request_id_of
from handlers.gateways.workflow_service import ExecutionNameConflictError, callback_error

# The most a wait for an event may take: it ends as soon as the event happens, and the cap only
# bounds a broken run (CI may share a 2-core machine with two other runs).
WAIT_CAP_SECONDS = 120
_ENDED = {"ExecutionSucceeded", "ExecutionFailed", "ExecutionTimedOut", "ExecutionStopped"}


class InProcessWorkflowService:
    def __init__(self, runner: DurableFunctionTestRunner, execution_timeout: int = 120) -> None:
        self.runner = runner
        self._execution_timeout = execution_timeout
        self._lock = threading.Lock()
        self._started: dict[str, tuple[str, str]] = {}  # name -> (payload, execution ARN)
        self._latest: dict[str, str] = {}  # request id -> its latest execution's name
        self._results: dict[str, DurableFunctionTestResult] = {}  # by execution name

    def start(self, execution_name: str, payload: dict[str, Any]) -> None:
        body = json.dumps(payload, sort_keys=True)
        with self._lock:
            if execution_name in self._started:
                if self._started[execution_name][0] != body:
                    raise ExecutionNameConflictError(execution_name)
                return
            arn = self.runner.run_async(
                input=body,
                execution_name=execution_name,
                function_name="leave-workflow",
                execution_timeout=self._execution_timeout,
            )
            self._started[execution_name] = (body, arn)
            self._latest[request_id_of(execution_name)] = execution_name

    def succeed_callback(self, callback_id: str, result: str) -> None:
        try:
            self.runner.send_callback_success(callback_id, result.encode())
        except AwsApiException as error:
            raise callback_error(type(error).__name__) from error

    def fail_callback(self, callback_id: str, error_type: str, message: str, data: str) -> None:
        error = ErrorObject(message=message, type=error_type, data=data, stack_trace=None)
        try:
            self.runner.send_callback_failure(callback_id, error)
        except AwsApiException as failure:
            raise callback_error(type(failure).__name__) from failure

    def is_alive(self, execution_name: str) -> bool:
        with self._lock:
            started = execution_name in self._started
        return started and not self._ended(execution_name)

    def time_out(self, request_id: str, callback_id: str) -> None:
        """Fire the callback's timeout now, as its timer would: time driven by the test,
        not raced by it. (The runner has no public way: its executor's own timeout path.)"""
        self.runner._executor._on_callback_timeout(self.executions[request_id], callback_id)

    def stop(self, request_id: str) -> None:
        """Stop the request's execution, as `StopDurableExecution` does."""
        # The runner has no public stop; its executor serves StopDurableExecution.
        self.runner._executor.stop_execution(self.executions[request_id])

    @property
    def executions(self) -> dict[str, str]:
        """The latest execution's ARN, by request id."""
        with self._lock:
            return {rid: self._started[name][1] for rid, name in self._latest.items()}

    def payload(self, request_id: str) -> dict[str, Any]:
        """The input the request's latest execution started with."""
        with self._lock:
            body = self._started[self._latest[request_id]][0]
        started: dict[str, Any] = json.loads(body)
        return started

    def execution_name(self, request_id: str) -> str:
        with self._lock:
            return self._latest[request_id]

    def wait_until_suspended(self, request_id: str, timeout: float = WAIT_CAP_SECONDS) -> None:
        """Until an invocation of the execution has ended: from then on, resuming it replays."""
        deadline = time.monotonic() + timeout
        while not any(
            event.event_type == "InvocationCompleted"
            for event in self.runner.get_execution_history(self.executions[request_id]).events
        ):
            if time.monotonic() > deadline:
                raise AssertionError(f"{request_id} did not suspend in {timeout}s")
            time.sleep(0.05)

    def wait_for_step(self, request_id: str, name: str, timeout: float = WAIT_CAP_SECONDS) -> None:
        """Until the execution's step called `name` has succeeded."""
        deadline = time.monotonic() + timeout
        while not any(
            event.event_type == "StepSucceeded" and event.name == name
            for event in self.runner.get_execution_history(self.executions[request_id]).events
        ):
            if time.monotonic() > deadline:
                raise AssertionError(f"{request_id}'s step {name} did not succeed in {timeout}s")
            time.sleep(0.05)

    def is_complete(self, request_id: str) -> bool:
        return self._ended(self.execution_name(request_id))

    def _ended(self, execution_name: str) -> bool:
        if execution_name in self._results:
            return True
        history = self.runner.get_execution_history(self._started[execution_name][1])
        return any(event.event_type in _ENDED for event in history.events)

    def result(self, request_id: str, timeout: int = WAIT_CAP_SECONDS) -> DurableFunctionTestResult:
        """Wait for the execution to end; the runner signals the end once, so keep it."""
        name = self.execution_name(request_id)
        if name not in self._results:
            arn = self._started[name][1]
            self._results[name] = self.runner.wait_for_result(arn, timeout=timeout)
        return self._results[name]
