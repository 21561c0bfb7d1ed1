"""The Lambda durable APIs in process, over the SDK's DurableFunctionTestRunner.

It stands where Lambda stands for the submit and decision handlers (`WorkflowService`), with
Lambda's rule that one execution name starts one execution: the same payload again is a no-op,
another payload is refused.
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

from handlers.gateways.workflow_service import ExecutionNameConflictError, callback_error

_ENDED = {"ExecutionSucceeded", "ExecutionFailed", "ExecutionTimedOut", "ExecutionStopped"}


class InProcessWorkflowService:
    def __init__(self, runner: DurableFunctionTestRunner, execution_timeout: int = 120) -> None:
        self.runner = runner
        self._execution_timeout = execution_timeout
        self._lock = threading.Lock()
        self._started: dict[str, tuple[str, str]] = {}  # name -> (payload, execution ARN)
        self._results: dict[str, DurableFunctionTestResult] = {}

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

    @property
    def executions(self) -> dict[str, str]:
        """Execution ARNs by name."""
        with self._lock:
            return {name: arn for name, (_, arn) in self._started.items()}

    def wait_until_suspended(self, execution_name: str, timeout: float = 15) -> None:
        """Until an invocation of the execution has ended: from then on, resuming it replays."""
        deadline = time.monotonic() + timeout
        while not any(
            event.event_type == "InvocationCompleted"
            for event in self.runner.get_execution_history(self.executions[execution_name]).events
        ):
            if time.monotonic() > deadline:
                raise AssertionError(f"{execution_name} did not suspend in {timeout}s")
            time.sleep(0.05)

    def is_complete(self, execution_name: str) -> bool:
        if execution_name in self._results:
            return True
        history = self.runner.get_execution_history(self.executions[execution_name])
        return any(event.event_type in _ENDED for event in history.events)

    def result(self, execution_name: str, timeout: int = 30) -> DurableFunctionTestResult:
        """Wait for the execution to end; the runner signals the end once, so keep it."""
        if execution_name not in self._results:
            arn = self.executions[execution_name]
            self._results[execution_name] = self.runner.wait_for_result(arn, timeout=timeout)
        return self._results[execution_name]
