"""A Lambda durable function, reached only through a published version's alias.

Durable executions replay the code they started on, so nothing may invoke the unqualified
function: every invoke, permission and event target goes to the alias, which moves to each new
published version while executions in flight stay on theirs.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components.iam import Statement
from components.lambda_function import FunctionArgs, create_function_resources
from components.naming import WORKFLOW_ALIAS, lambda_function_arn

# Lambda stops a durable function's executions before deleting it, which can take up to an hour.
DELETE_TIMEOUT = "60m"
# The function's settings Lambda takes only at creation (its execution timeout and retention).
DURABLE_CONFIG = "durableConfig"
# What the function's role needs to run durably: checkpoint, and read its state on replay.
DURABLE_EXECUTION_ACTIONS = (
    "lambda:CheckpointDurableExecution",
    "lambda:GetDurableExecutionState",
)


@dataclass(frozen=True)
class DurableFunctionArgs:
    function: FunctionArgs
    # Seconds an execution may run in all (1 to 31,622,400).
    execution_timeout_seconds: int
    # Days Lambda keeps a finished execution's state and history (1 to 90).
    retention_days: int
    alias_name: str = WORKFLOW_ALIAS

    def __post_init__(self) -> None:
        if not 1 <= self.execution_timeout_seconds <= 31_622_400:
            raise ValueError("execution_timeout_seconds must be between 1 and 31622400")
        if not 1 <= self.retention_days <= 90:
            raise ValueError("retention_days must be between 1 and 90")


class DurableFunction(pulumi.ComponentResource):
    """A durable function, its alias, role and log group.

    Attributes: `function`, `alias`, `alias_arn`, `role`, `policy`, `log_group`, and
    `arn_from_name` (the function's ARN, known before it exists). Grant invokes (EventBridge,
    async destinations, ...) with `grant_invoke`, which always targets the alias.
    """

    function: aws.lambda_.Function
    alias: aws.lambda_.Alias
    alias_arn: pulumi.Output[str]
    role: aws.iam.Role
    log_group: aws.cloudwatch.LogGroup

    def __init__(
        self, name: str, args: DurableFunctionArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("leave:durable_function:DurableFunction", name, None, opts)
        self._name = name
        spec = args.function
        # The role holds these before the function exists (see lambda_function), so they name
        # the function by an ARN built from its fixed name, not by its ARN output; a test checks
        # the two are the same. Executions are named by qualified ARNs
        # (function:NAME:VERSION/durable-execution/...): hence `:*` beside the unqualified ARN.
        lookup = pulumi.InvokeOutputOptions(parent=self)
        self.arn_from_name: pulumi.Output[str] = pulumi.Output.all(
            aws.get_partition_output(opts=lookup).partition,
            aws.get_region_output(opts=lookup).region,
            aws.get_caller_identity_output(opts=lookup).account_id,
        ).apply(
            lambda where: lambda_function_arn(
                partition=where[0],
                region=where[1],
                account=where[2],
                function_name=spec.function_name,
            )
        )
        durable = Statement(
            sid="RunDurably",
            actions=list(DURABLE_EXECUTION_ACTIONS),
            resources=[self.arn_from_name, self.arn_from_name.apply(lambda arn: f"{arn}:*")],
        )
        created = create_function_resources(
            self,
            name,
            spec,
            own_statements=[durable],
            opts=pulumi.ResourceOptions(
                custom_timeouts=pulumi.CustomTimeouts(delete=DELETE_TIMEOUT),
                # Lambda takes DurableConfig only when it creates the function: a change would
                # replace it, deleting its versions and stopping every waiting execution. A
                # new stack gets the values given; an existing one keeps what it was created
                # with (docs/deploying.md, "Changing the workflow safely").
                ignore_changes=[DURABLE_CONFIG],
            ),
            publish=True,
            durable_config=aws.lambda_.FunctionDurableConfigArgs(
                execution_timeout=args.execution_timeout_seconds,
                retention_period=args.retention_days,
            ),
        )
        self.log_group, self.role = created.log_group, created.role
        self.policy, self.function = created.policy, created.function
        self.alias = aws.lambda_.Alias(
            f"{name}-alias",
            name=args.alias_name,
            description="What every invoke uses: the current published version",
            function_name=self.function.name,
            function_version=self.function.version,
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.alias_arn = self.alias.arn
        self.register_outputs(
            {
                "function_name": self.function.name,
                "function_arn": self.function.arn,
                "alias_arn": self.alias_arn,
                "version": self.function.version,
                "log_group": self.log_group.name,
            }
        )

    def grant_invoke(
        self,
        name: str,
        principal: pulumi.Input[str],
        source_arn: pulumi.Input[str],
        opts: pulumi.ResourceOptions | None = None,
    ) -> aws.lambda_.Permission:
        """Let a service (EventBridge, ...) invoke the alias, from one source only."""
        return aws.lambda_.Permission(
            f"{self._name}-{name}",
            function=self.function.name,
            qualifier=self.alias.name,
            action="lambda:InvokeFunction",
            principal=principal,
            source_arn=source_arn,
            opts=pulumi.ResourceOptions.merge(pulumi.ResourceOptions(parent=self), opts),
        )
