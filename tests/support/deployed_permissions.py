"""Whether every AWS call a test saw a function make is one the function's role allows, as the
Pulumi program deploys that role.

The program (the unmodified __main__.py with the dev stack's settings) runs once per process
under Pulumi's mocks (tests/pulumi/mocks.py), with a stand-in code archive: packaging the real
one takes seconds and changes no permission. Each deployed function is known by its handler's
module (`handlers.submit.handler` -> `handlers.submit`), which is how a recorded call names its
caller (tests/support/recorded_calls.py); its role's policies are every inline policy on that
role.

The tests name their resources differently from the deployed stack (table `leave-requests`,
the stack's `leave-table-...`). A function finds its resources through its settings, so a call
is translated setting by setting: a value the test's environment gives a setting becomes the
value the deployed function's environment gives the same setting (so submit's workflow is the
alias, as deployed, whatever the shared test environment holds). The in-process runner's
execution ids become durable execution ARNs of the deployed durable function's published
version. Calls of the operators' command (`leave-ops`) are checked the same way against the
program's `operator_policy` output: the operator reaches resources through the stack's outputs
and the functions' settings, so both are translated. Then tests/support/aws_authorization.py
says what AWS checks for the call, and
tests/support/iam_policy.py whether the role's policies allow it.
"""

from __future__ import annotations

import json
import re
import tempfile
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from functools import cache
from pathlib import Path
from typing import Any
from unittest import mock

from aws_durable_execution_sdk_python_testing.token import CallbackToken

from handlers.call_limits import CALL_LIMITS_VARIABLE
from tests.pulumi.mocks import ACCOUNT, PARTITION, REGION, Deployment
from tests.support.aws_authorization import (
    AccountFacts,
    Authorization,
    UnmappedOperationError,
    authorizations,
)
from tests.support.iam_policy import ContextValue, Decision, evaluate
from tests.support.recorded_calls import DURABLE_RUNTIME, OPERATOR, CallRecorder, RecordedCall

FUNCTION = "aws:lambda/function:Function"
ROLE = "aws:iam/role:Role"
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
TABLE = "aws:dynamodb/table:Table"
# Policies these checks do not read: a role holding one would be judged on part of its rights.
UNREAD_POLICY_TYPES = (
    "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
    "aws:iam/rolePoliciesExclusive:RolePoliciesExclusive",
    "aws:iam/policyAttachment:PolicyAttachment",
)
SES_IDENTITIES = {
    "aws:ses/emailIdentity:EmailIdentity": "email",
    "aws:ses/domainIdentity:DomainIdentity": "domain",
    "aws:sesv2/emailIdentity:EmailIdentity": "emailIdentity",
}


@dataclass(frozen=True)
class DeployedFunction:
    entry_point: str
    name: str
    arn: str
    version: str
    durable: bool
    environment: Mapping[str, str]
    # The role's policy documents, as JSON (hashable: decisions are cached by it).
    policies_json: str

    @property
    def policies(self) -> list[dict[str, Any]]:
        documents: list[dict[str, Any]] = json.loads(self.policies_json)
        return documents

    def __str__(self) -> str:
        return f"{self.entry_point} (function {self.name})"


@dataclass(frozen=True)
class DeployedService:
    functions: Mapping[str, DeployedFunction]  # by entry point
    account: AccountFacts
    # The operators as the stack's `operator_policy` output lets them act (as a function would).
    operator: DeployedFunction | None = None

    def caller_of(self, call: RecordedCall) -> DeployedFunction | None:
        """The function that made the call; None for a call of the test's own."""
        if DURABLE_RUNTIME in call.callers:
            return self.durable_function()
        if OPERATOR in call.callers:
            # With the operator's credentials, whatever handler code the command runs.
            assert self.operator is not None, "the program exports no operator_policy"
            return self.operator
        # Innermost first: a test that runs one handler inside another's call (a rival decision
        # held at the racing moment) sees the inner one make its own calls.
        found = [self.functions[module] for module in call.callers if module in self.functions]
        return found[0] if found else None

    def durable_function(self) -> DeployedFunction:
        durable = [f for f in self.functions.values() if f.durable]
        assert len(durable) == 1, f"expected one durable function, found {durable}"
        return durable[0]

    def execution_arn(self, runner_execution: str) -> str:
        """The durable execution ARN standing for one of the test runner's executions (the
        runner names them by ids of its own): an execution of the durable function's version."""
        durable = self.durable_function()
        # An execution's name and id are `[a-zA-Z0-9-_]+` (the Lambda API Reference's Execution).
        name = re.sub(r"[^A-Za-z0-9_-]", "-", runner_execution)
        return f"{durable.arn}:{durable.version}/durable-execution/{name}/{name}"

    def with_policies(
        self, entry_point: str, policies: Sequence[Mapping[str, Any]]
    ) -> DeployedService:
        changed = replace(self.functions[entry_point], policies_json=json.dumps(list(policies)))
        return replace(self, functions={**self.functions, entry_point: changed})


def deployed_service(deployment: Deployment) -> DeployedService:
    """The functions of a deployment under the mocks, and what the checks need of the account."""
    for typ in UNREAD_POLICY_TYPES:
        assert not deployment.of_type(typ), f"{typ} is not read by these checks"
    roles = {role.outputs["arn"]: role for role in deployment.of_type(ROLE)}
    functions = {}
    for function in deployment.of_type(FUNCTION):
        role = roles[function.inputs["role"]]
        assert not role.inputs.get("managedPolicyArns"), f"{role.name}: managed policies unread"
        # A RolePolicy names its role by id; the mocks make a role's id `<name>-id`.
        role_ids = {role.outputs["name"], f"{role.outputs['name']}-id"}
        policies = [
            json.loads(policy.inputs["policy"])
            for policy in deployment.of_type(ROLE_POLICY)
            if policy.inputs["role"] in role_ids
        ]
        entry_point = function.inputs["handler"].rpartition(".")[0]
        assert entry_point not in functions, f"two functions run {entry_point}"
        functions[entry_point] = DeployedFunction(
            entry_point=entry_point,
            name=function.outputs["name"],
            arn=function.outputs["arn"],
            version=function.outputs["version"],
            durable="durableConfig" in function.inputs,
            environment=dict(function.inputs.get("environment", {}).get("variables", {})),
            policies_json=json.dumps(policies, sort_keys=True),
        )
    identities = frozenset(
        str(identity.inputs[field])
        for typ, field in SES_IDENTITIES.items()
        for identity in deployment.of_type(typ)
    )
    # The stricter case, and the dev stack's: in the SES sandbox, recipients are checked too.
    (table,) = deployment.of_type(TABLE)
    partition_keys = {
        "": table.inputs["hashKey"],
        **{
            index["name"]: key["attributeName"]
            for index in table.inputs.get("globalSecondaryIndexes", [])
            for key in index["keySchemas"]
            if key["keyType"] == "HASH"
        },
    }
    account = AccountFacts(
        PARTITION, REGION, ACCOUNT, identities, ses_sandbox=True, partition_keys=partition_keys
    )
    return DeployedService(functions, account, _operator(deployment, functions))


def _operator(
    deployment: Deployment, functions: Mapping[str, DeployedFunction]
) -> DeployedFunction | None:
    """Whoever runs `leave-ops`, with the `operator_policy` output as their only policy. What
    they name, they name by the stack's outputs, or by the settings of the functions they read
    (the workflow's, the decision function's, the settler's): their "environment"."""
    policy = deployment.outputs.get("operator_policy")
    if policy is None:
        return None
    environment: dict[str, str] = {}
    for entry_point in ("handlers.workflow", "handlers.decision", "handlers.settler"):
        environment |= functions[entry_point].environment
    environment |= {k: v for k, v in deployment.outputs.items() if isinstance(v, str)}
    environment.pop(CALL_LIMITS_VARIABLE, None)
    return DeployedFunction(
        entry_point=OPERATOR,
        name="leave-ops",
        arn="",
        version="",
        durable=False,
        environment=environment,
        policies_json=json.dumps([json.loads(policy)], sort_keys=True),
    )


@cache
def deployed_program(extra_config: tuple[tuple[str, str], ...] = ()) -> DeployedService:
    """The program's functions, deployed once per process and config (about two seconds,
    most of it loading pulumi_aws's modules); `extra_config`: stack settings beyond the dev
    stack's, as (key, value) pairs."""
    # Imported here: the program's components and pulumi_aws load only in processes that check.
    from components import leave_service
    from tests.pulumi.support import run_main, tiny_packages

    with tempfile.TemporaryDirectory(prefix="deployed-permissions-") as directory:
        stand_in = tiny_packages(Path(directory))
        with (
            mock.patch.object(leave_service, "build_packages", return_value=stand_in),
            # pulumi_aws warns about a deprecated resource this program never uses.
            warnings.catch_warnings(action="ignore", category=DeprecationWarning),
        ):
            return deployed_service(run_main(dict(extra_config)))


# -- the check ---------------------------------------------------------------------------------


def unauthorised_calls(
    recorder: CallRecorder, test_environment: Mapping[str, str], service: DeployedService
) -> list[str]:
    """One line per call a function made that its role does not allow, or that no one has
    said how AWS authorises; nothing when every call is allowed. `test_environment` holds the
    functions' settings as the test gave them."""
    failures: dict[str, None] = {}
    account = replace(
        service.account,
        execution_of_callback=lambda callback_id: service.execution_arn(
            _runner_execution_of_callback(callback_id)
        ),
    )
    to_deployed: dict[str, _ToDeployed] = {}
    for call in recorder.calls:
        function = service.caller_of(call)
        if function is None:
            continue
        if function.entry_point not in to_deployed:
            # The operator also names what the test's target outputs named.
            given = test_environment
            if function.entry_point == OPERATOR:
                given = {**test_environment, **recorder.operator_outputs}
            to_deployed[function.entry_point] = _ToDeployed(function, given, service)
        params = to_deployed[function.entry_point].params(call.params)
        try:
            checks = authorizations(call.service, call.operation, params, account)
        except UnmappedOperationError as error:
            failures[f"{function} calls {call.name}: {error}"] = None
            continue
        for check in checks:
            context = tuple(sorted(check.context.items()))
            decision = _decide(function.policies_json, check.action, check.resource, context)
            if not decision.allowed:
                failures[_refusal(function, call, check, decision)] = None
    return list(failures)


def _refusal(
    function: DeployedFunction, call: RecordedCall, check: Authorization, decision: Decision
) -> str:
    conditions = ", ".join(f"{k}={v}" for k, v in check.context.items() if v is not None)
    where = f" (with {conditions})" if conditions else ""
    return (
        f"{function} calls {call.name}: its role does not allow {check.action} on "
        f"{check.resource}{where}: {decision.reason}"
    )


@cache
def _decide(
    policies_json: str, action: str, resource: str, context: tuple[tuple[str, ContextValue], ...]
) -> Decision:
    return evaluate(json.loads(policies_json), action, resource, dict(context))


def _runner_execution_of_callback(callback_id: str) -> str:
    """The test runner's execution a callback id of its own belongs to."""
    try:
        return CallbackToken.from_str(callback_id).execution_arn
    except ValueError as error:
        raise ValueError(f"{callback_id!r} is not a callback id of the test runner") from error


# Parameters that carry data, not the names of resources: not walked.
_DATA_PARAMETERS = frozenset(
    {"Item", "Key", "ExpressionAttributeValues", "ExclusiveStartKey", "RawMessage", "Updates"}
)


class _ToDeployed:
    """A function's call parameters as the deployed function would send them: the test's
    values of the function's settings replaced by the deployed ones, and the runner's
    execution ids by durable execution ARNs."""

    def __init__(
        self,
        function: DeployedFunction,
        test_environment: Mapping[str, str],
        service: DeployedService,
    ) -> None:
        self._service = service
        self._deployed: dict[str, str] = {}
        self._ambiguous: set[str] = set()
        for setting, value in function.environment.items():
            test_value = test_environment.get(setting)
            if not test_value:
                continue
            if self._deployed.get(test_value, value) != value:
                self._ambiguous.add(test_value)
            self._deployed[test_value] = value

    def params(self, params: Mapping[str, Any]) -> dict[str, Any]:
        result: dict[str, Any] = self._translated(params)
        return result

    def _translated(self, value: Any, key: str | None = None) -> Any:
        if key in _DATA_PARAMETERS:
            return value
        if key == "DurableExecutionArn":
            return self._service.execution_arn(value)
        if isinstance(value, str):
            if value in self._ambiguous:
                raise AssertionError(f"{value!r} is the test's value of settings deployed apart")
            return self._deployed.get(value, value)
        if isinstance(value, Mapping):
            return {self._translated(k): self._translated(v, k) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [self._translated(v) for v in value]
        return value
