"""PauseDurableExecution and ResumeDurableExecution, which Lambda serves and the durable
emulator's web runner does not route: added to its web server, in the emulator's process, over
its executor's own (experimental) pause and resume.

As Lambda documents them (botocore's lambda model): while an execution is paused Lambda does
not invoke the function, but pending operations (waits, callbacks and their timeouts) still
complete; an invocation in progress runs to its next checkpoint, then stops. Resuming invokes
the function if the pause held an invocation back or an operation completed meanwhile;
otherwise the execution goes on waiting. Pausing an execution that has ended is refused
(ResourceConflictException); pausing a paused one, or resuming one that is not paused, changes
nothing. A paused execution is listed and described as PAUSED. The pause is kept with the
execution in the emulator's store, so it outlives a restart.

Differences from Lambda: the call answers once the invocation in progress has stopped (Lambda
answers at once and reports PAUSING meanwhile), and `ExecutionTimeoutPaused` is refused: the
execution's timeout keeps running while it is paused, as when the option is left out.
"""

from dataclasses import dataclass
from typing import Any, ClassVar, cast

from aws_durable_execution_sdk_python_testing.exceptions import AwsApiException
from aws_durable_execution_sdk_python_testing.executor import Executor
from aws_durable_execution_sdk_python_testing.web.handlers import EndpointHandler
from aws_durable_execution_sdk_python_testing.web.models import HTTPRequest, HTTPResponse
from aws_durable_execution_sdk_python_testing.web.routes import (
    GetDurableExecutionRoute,
    ListDurableExecutionsByFunctionRoute,
    Route,
    StopDurableExecutionRoute,
)

PAUSED = "PAUSED"
RUNNING = "RUNNING"
# How long a pause waits for the invocation in progress to reach its next checkpoint: the
# emulator's own invocation timeout (sandbox/durable_emulator.py) and a margin.
_PAUSE_WAIT_SECONDS = 90


@dataclass(frozen=True)
class PauseRoute(StopDurableExecutionRoute):
    """Route: POST /2025-12-01/durable-executions/{arn}/pause"""

    action: ClassVar[str] = "pause"

    @classmethod
    def is_match(cls, route: Route, method: str) -> bool:
        pattern = ["2025-12-01", "durable-executions", "*", cls.action]
        return bool(route.matches_pattern(pattern)) and method == "POST"


@dataclass(frozen=True)
class ResumeRoute(PauseRoute):
    """Route: POST /2025-12-01/durable-executions/{arn}/resume"""

    action: ClassVar[str] = "resume"


def _error(status: int, kind: str, message: str) -> HTTPResponse:
    return HTTPResponse.from_dict({"Type": kind, "message": message}, status_code=status)


class PauseHandler(EndpointHandler):
    def handle(self, parsed_route: Route, request: HTTPRequest) -> HTTPResponse:
        arn = cast(PauseRoute, parsed_route).arn
        body: Any = request.body if isinstance(request.body, dict) else {}
        try:
            execution = self.executor.get_execution(arn)
            if execution.is_complete:
                return _error(
                    409,
                    "ResourceConflictException",
                    f"The durable execution has ended ({execution.current_status().value}): "
                    "it cannot be paused or resumed.",
                )
            if isinstance(parsed_route, ResumeRoute):
                self.executor.resume_execution(arn)
            elif body.get("ExecutionTimeoutPaused"):
                return _error(
                    400,
                    "InvalidParameterValueException",
                    "The sandbox does not pause an execution's timeout (ExecutionTimeoutPaused).",
                )
            else:
                self.executor.pause_execution(arn, timeout=_PAUSE_WAIT_SECONDS)
        except AwsApiException as error:
            return self._handle_aws_exception(error)
        except TimeoutError as error:
            return _error(500, "ServiceException", str(error))
        return HTTPResponse.from_dict({}, status_code=202)


class _ShowingPauses(EndpointHandler):
    """A handler whose executions are described as PAUSED while paused."""

    def __init__(self, executor: Executor, inner: EndpointHandler) -> None:
        super().__init__(executor)
        self._inner = inner

    def handle(self, parsed_route: Route, request: HTTPRequest) -> HTTPResponse:
        answer = self._inner.handle(parsed_route, request)
        if answer.status_code != 200 or not isinstance(answer.body, dict):
            return answer
        listed = answer.body.get("DurableExecutions")
        for execution in listed if isinstance(listed, list) else [answer.body]:
            if isinstance(execution, dict) and self._is_paused(execution):
                execution["Status"] = PAUSED
        return answer

    def _is_paused(self, execution: dict[str, Any]) -> bool:
        if execution.get("Status") != RUNNING or "DurableExecutionArn" not in execution:
            return False
        try:
            return bool(self.executor.get_execution(execution["DurableExecutionArn"]).is_paused)
        except AwsApiException:
            return False


def serve_pauses(server: Any, executor: Executor) -> None:
    """Add pause and resume to the emulator's web server (its router and handlers)."""
    router = server.router
    router._route_types = [*router._route_types, PauseRoute, ResumeRoute]
    handlers = server.endpoint_handlers
    handlers[PauseRoute] = handlers[ResumeRoute] = PauseHandler(executor)
    for route in (GetDurableExecutionRoute, ListDurableExecutionsByFunctionRoute):
        handlers[route] = _ShowingPauses(executor, handlers[route])
