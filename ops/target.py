"""What a `leave-ops` command works on: a sandbox or a deployed stack.

A target gives a command the stack's outputs, AWS clients that reach that stack, and the
deployed functions' settings as Lambda holds them (GetFunctionConfiguration of the function →
its environment → the function's model in handlers/settings.py), so the command runs the
service's own logic with exactly the settings the functions run with.

Clients are the functions' own (handlers/aws_clients.py: boto3's default session, endpoints
and region from the environment). For a sandbox, the target sets the same variables the
sandbox gives its functions (`AWS_ENDPOINT_URL`, `AWS_ENDPOINT_URL_LAMBDA`, fake credentials,
its region), so every client, ours and the handlers', reaches the sandbox's emulators. For a
stack, the caller's own credentials and the stack's region.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from handlers.aws_clients import aws_client
from handlers.call_limits import CALL_LIMITS_VARIABLE
from handlers.gateways.durable_executions import DurableExecutions, LambdaDurableExecutions
from handlers.settings import (
    DecisionSettings,
    SettlerSettings,
    SubmitSettings,
    WorkflowSettings,
    _Settings,
)
from ops.output import fail

SANDBOX_OUTPUTS = "outputs.json"
# The sandbox's emulated account takes any credentials; these name it in its logs.
_SANDBOX_CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "leave-ops",
    "AWS_SECRET_ACCESS_KEY": "leave-ops",
}
_SANDBOX_REGION = "us-east-2"

# Which deployed function runs with which settings, by the output that names it.
FUNCTION_OUTPUTS: dict[type[_Settings], str] = {
    SubmitSettings: "submit_function_name",
    WorkflowSettings: "workflow_function_name",
    DecisionSettings: "decision_function_name",
    SettlerSettings: "settler_function_name",
}

S = TypeVar("S", bound=_Settings)


@dataclass
class Target:
    """A stack as `leave-ops` reaches it; `description` names it in messages."""

    description: str
    outputs: Mapping[str, Any]
    # Where clients come from: the functions' own factory, unless a test gives its own.
    client_factory: Callable[[str], Any] = aws_client
    # Lambda's durable APIs for the workflow's executions: Lambda's, unless a test gives its
    # stand-in for the in-process runner.
    executions_factory: Callable[[], DurableExecutions] | None = None
    _settings: dict[type[_Settings], _Settings] = field(default_factory=dict, repr=False)

    def client(self, service: str) -> Any:
        return self.client_factory(service)

    def output(self, name: str) -> str:
        value = self.outputs.get(name)
        if not isinstance(value, str) or not value:
            fail(f"{self.description} has no output {name!r}: deploy the current program")
        return value

    @property
    def table_name(self) -> str:
        return self.output("table_name")

    @property
    def workflow_function(self) -> str:
        """The workflow function itself, unqualified: its executions span its versions."""
        return self.output("workflow_function_name")

    def executions(self) -> DurableExecutions:
        if self.executions_factory is not None:
            return self.executions_factory()
        return LambdaDurableExecutions(self.workflow_function, self.client("lambda"))

    def settings(self, model: type[S]) -> S:
        """The settings of the deployed function that runs with `model`, read from Lambda."""
        if model not in self._settings:
            name = self.output(FUNCTION_OUTPUTS[model])
            configuration = self.client("lambda").get_function_configuration(FunctionName=name)
            environment = configuration.get("Environment", {}).get("Variables", {})
            self._settings[model] = model.from_environment(environment)
        found = self._settings[model]
        assert isinstance(found, model)
        return found


def sandbox_target(data_dir: Path) -> Target:
    """The sandbox whose data dir is `data_dir`; its clients reach its emulators."""
    outputs_file = data_dir / SANDBOX_OUTPUTS
    try:
        outputs = json.loads(outputs_file.read_text())
    except FileNotFoundError:
        fail(f"no sandbox at {data_dir}: start one with `make sandbox`")
    except (OSError, json.JSONDecodeError) as error:
        fail(f"cannot read {outputs_file}: {error}")
    if not isinstance(outputs, dict):
        fail(f"{outputs_file} is not the sandbox's outputs")
    for endpoint in ("aws_endpoint", "lambda_endpoint"):
        if not isinstance(outputs.get(endpoint), str):
            fail(f"{outputs_file} has no {endpoint}: restart the sandbox")
    _point_clients_at(
        {
            "AWS_ENDPOINT_URL": outputs["aws_endpoint"],
            "AWS_ENDPOINT_URL_LAMBDA": outputs["lambda_endpoint"],
            "AWS_REGION": _SANDBOX_REGION,
            "AWS_DEFAULT_REGION": _SANDBOX_REGION,
            **_SANDBOX_CREDENTIALS,
        },
        unset=("AWS_PROFILE", "AWS_SESSION_TOKEN"),
    )
    return Target(f"the sandbox at {data_dir}", outputs)


def stack_target(stack: str) -> Target:
    """The deployed stack `stack`: its outputs from Pulumi, the caller's AWS credentials."""
    pulumi = shutil.which("pulumi")
    if pulumi is None:
        fail("pulumi is not installed: install its CLI to read the stack's outputs")
    try:
        answer = subprocess.run(  # noqa: S603 - pulumi's CLI, with the operator's stack name
            [pulumi, "stack", "output", "--json", "--show-secrets", "--stack", stack],
            capture_output=True,
            text=True,
            check=False,
            timeout=120,
        )
    except subprocess.TimeoutExpired:
        fail(f"pulumi took too long to read the outputs of stack {stack!r}")
    if answer.returncode != 0:
        reason = next((line for line in answer.stderr.splitlines() if line.strip()), "")
        fail(f"cannot read the outputs of stack {stack!r}: {reason.strip() or 'pulumi failed'}")
    try:
        outputs = json.loads(answer.stdout)
    except json.JSONDecodeError:
        fail(f"pulumi printed no outputs for stack {stack!r}")
    if not isinstance(outputs, dict):
        fail(f"pulumi printed no outputs for stack {stack!r}")
    region = os.environ.get("AWS_REGION") or _region_of(outputs.get("workflow_alias_arn"))
    environment = {CALL_LIMITS_VARIABLE: "background"}
    if region:
        environment |= {"AWS_REGION": region, "AWS_DEFAULT_REGION": region}
    _point_clients_at(environment, unset=())
    return Target(f"stack {stack!r}", outputs)


def _region_of(arn: Any) -> str | None:
    parts = arn.split(":") if isinstance(arn, str) else []
    return parts[3] if len(parts) > 3 and parts[0] == "arn" else None


def _point_clients_at(environment: Mapping[str, str], unset: tuple[str, ...]) -> None:
    """Set what boto3's default session reads, before any client is made (the process is the
    CLI's own: nothing else reads its environment)."""
    for name in unset:
        os.environ.pop(name, None)
    # The operator waits on the command, but a listing may take a while: the longer limits.
    os.environ.update({CALL_LIMITS_VARIABLE: "background", **environment})
    aws_client.cache_clear()
