"""`leave-ops` (ops/) against the integration tests' service: a target over the test's moto
account and, for Lambda's durable APIs, the in-process runner.

The deployed functions' settings are read as on AWS, by GetFunctionConfiguration: the
workflow, decision and settler functions are created in moto with the settings the test gave
them. Lambda's durable APIs are served by the runner (moto has none): each call is made again
by the service's own gateway over a Lambda client whose requests are recorded and never sent
(tests/support/recorded_calls.py), so it is checked against the operator policy as every
other call of the command is.
"""

import io
import os
import zipfile
from typing import Any

from handlers.aws_clients import aws_client
from handlers.gateways.durable_executions import (
    ExecutionEvent,
    ExecutionSummary,
    LambdaDurableExecutions,
    event_of,
    summary_of,
)
from handlers.settings import (
    DecisionSettings,
    SettlerSettings,
    SubmitSettings,
    WorkflowSettings,
    _Settings,
)
from ops.target import Target
from tests.support.aws import Account
from tests.support.durable import InProcessWorkflowService
from tests.support.recorded_calls import CallRecorder, unsent_lambda_client

# The runner's name for the workflow (tests/support/durable.py starts every execution so).
RUNNER_FUNCTION = "leave-workflow"
FUNCTION_NAMES: dict[type[_Settings], str] = {
    SubmitSettings: "leave-submit",
    WorkflowSettings: "leave-workflow",
    DecisionSettings: "leave-decision",
    SettlerSettings: "leave-settler",
}
_OUTPUTS: dict[type[_Settings], str] = {
    SubmitSettings: "submit_function_name",
    WorkflowSettings: "workflow_function_name",
    DecisionSettings: "decision_function_name",
    SettlerSettings: "settler_function_name",
}


class InProcessDurableExecutions:
    """Lambda's durable APIs as `leave-ops` calls them, answered by the test runner. Pause and
    resume are recorded and remembered (the runner has neither): a paused execution is listed
    PAUSED until resumed."""

    def __init__(self, workflow: InProcessWorkflowService, function: str) -> None:
        self._workflow = workflow
        self._lambda = LambdaDurableExecutions(function, client=unsent_lambda_client())
        self.paused: set[str] = set()

    @property
    def _executor(self) -> Any:
        return self._workflow.runner._executor

    def find(self, execution_name: str) -> ExecutionSummary | None:
        self._lambda.find(execution_name)
        listed = self._executor.list_executions_by_function(
            RUNNER_FUNCTION, execution_name=execution_name
        ).to_dict()
        for execution in listed.get("DurableExecutions", []):
            found = summary_of(execution)
            if found.name == execution_name:
                if found.arn in self.paused and not found.has_ended:
                    return ExecutionSummary(found.arn, found.name, "PAUSED", found.started_at)
                return found
        return None

    def history(self, execution_arn: str) -> list[ExecutionEvent]:
        self._lambda.history(execution_arn)
        events = self._executor.get_execution_history(execution_arn).to_dict().get("Events", [])
        return [found for event in events if (found := event_of(event)) is not None]

    def pause(self, execution_arn: str, reason: str) -> None:
        self._lambda.pause(execution_arn, reason)
        self.paused.add(execution_arn)

    def resume(self, execution_arn: str, reason: str) -> None:
        self._lambda.resume(execution_arn, reason)
        self.paused.discard(execution_arn)

    def stop(self, execution_arn: str, reason: str) -> None:
        self._lambda.stop(execution_arn, reason)
        self._executor.stop_execution(execution_arn)


def _environment_of(model: type[_Settings]) -> dict[str, str]:
    """The settings `model` reads, as the test set them in the environment."""
    names = [str(field.alias) for field in model.model_fields.values()]
    return {name: os.environ[name] for name in names if name in os.environ}


def _code() -> bytes:
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr("handler.py", "def handler(event, context):\n    return None\n")
    return archive.getvalue()


def deploy_functions() -> None:
    """The three functions `leave-ops` reads settings from, in moto, with the test's settings."""
    iam = aws_client("iam")
    role = iam.create_role(RoleName="leave-function", AssumeRolePolicyDocument="{}")["Role"]
    code = _code()
    for model, name in FUNCTION_NAMES.items():
        aws_client("lambda").create_function(
            FunctionName=name,
            Runtime="python3.13",
            Role=role["Arn"],
            Handler="handler.handler",
            Code={"ZipFile": code},
            Environment={"Variables": _environment_of(model)},
        )


def operator_target(
    account: Account, workflow: InProcessWorkflowService, recorder: CallRecorder
) -> tuple[Target, InProcessDurableExecutions]:
    """A target over the test's account, its outputs told to the call check."""
    outputs = {
        "table_name": account.table_name,
        **{_OUTPUTS[model]: name for model, name in FUNCTION_NAMES.items()},
    }
    recorder.operator_outputs.update(outputs)
    executions = InProcessDurableExecutions(workflow, FUNCTION_NAMES[WorkflowSettings])
    target = Target("the test's account", outputs, executions_factory=lambda: executions)
    return target, executions
