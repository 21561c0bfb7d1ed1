"""What every function of the service has: a log group, a role, a policy, the function itself.

The HTTP and durable function components build on these helpers; each resource is created as a
child of the calling component, named after it (URNs do not include the parent's name).

A function is created only once its role's policy exists: Lambda checks some of the execution
role's permissions when it creates a function (active tracing is refused without X-Ray's), and a
function should never run without its permissions. So a policy cannot name resources that
themselves wait for the function: where it must (the workflow's own ARN, its callers' grants),
the ARN is built from the function's fixed name.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws

from components.iam import LAMBDA_ASSUME_ROLE_POLICY, Statement, policy_document
from components.packaging import LAMBDA_ARCHITECTURE, LAMBDA_RUNTIME, BuiltArchive


@dataclass(frozen=True)
class FunctionArgs:
    """One Lambda function: what it runs, what it may touch, how it logs."""

    function_name: str
    handler: str
    code: BuiltArchive
    layers: Sequence[pulumi.Input[str]]
    environment: Mapping[str, pulumi.Input[str]]
    # What the function may do besides writing its own logs.
    statements: Sequence[Statement]
    log_retention_days: int
    description: str = ""
    memory_size: int = 512
    timeout_seconds: int = 15
    # Reserved concurrency: at most this many run at once, the rest are throttled (429).
    max_concurrency: int | None = None


def create_log_group(
    component: pulumi.Resource, name: str, args: FunctionArgs
) -> aws.cloudwatch.LogGroup:
    """The function's log group, created before the function so Lambda never makes its own
    (which would keep logs forever and outlive `pulumi destroy`)."""
    return aws.cloudwatch.LogGroup(
        f"{name}-logs",
        name=f"/aws/lambda/{args.function_name}",
        retention_in_days=args.log_retention_days,
        opts=pulumi.ResourceOptions(parent=component),
    )


def create_role(component: pulumi.Resource, name: str, args: FunctionArgs) -> aws.iam.Role:
    return aws.iam.Role(
        f"{name}-role",
        assume_role_policy=LAMBDA_ASSUME_ROLE_POLICY,
        description=f"Runs the Lambda function {args.function_name}",
        opts=pulumi.ResourceOptions(parent=component),
    )


def logs_statement(log_group: aws.cloudwatch.LogGroup) -> Statement:
    """Write to the function's own log group (created by the program, so no CreateLogGroup).

    `<log group ARN>:*` is the form Lambda's own basic execution policy uses: it covers the
    group's streams, which is what CreateLogStream and PutLogEvents are checked against.
    """
    return Statement(
        sid="WriteOwnLogs",
        actions=["logs:CreateLogStream", "logs:PutLogEvents"],
        resources=[log_group.arn.apply(lambda arn: f"{arn}:*")],
    )


def tracing_statement() -> Statement:
    """Send active tracing's segments to X-Ray.

    The one statement with `*` as its resource: X-Ray's write actions take no resource-level
    permissions, so `*` is the only resource they accept.
    """
    return Statement(
        sid="SendTraces",
        actions=["xray:PutTelemetryRecords", "xray:PutTraceSegments"],
        resources=["*"],
    )


def create_role_policy(
    component: pulumi.Resource, name: str, role: aws.iam.Role, statements: Sequence[Statement]
) -> aws.iam.RolePolicy:
    return aws.iam.RolePolicy(
        f"{name}-policy",
        role=role.id,
        policy=policy_document(statements),
        opts=pulumi.ResourceOptions(parent=component),
    )


def create_function(
    component: pulumi.Resource,
    name: str,
    args: FunctionArgs,
    role: aws.iam.Role,
    policy: aws.iam.RolePolicy,
    log_group: aws.cloudwatch.LogGroup,
    opts: pulumi.ResourceOptions | None = None,
    **function_args: Any,
) -> aws.lambda_.Function:
    own = pulumi.ResourceOptions(parent=component, depends_on=[policy])
    return aws.lambda_.Function(
        f"{name}-function",
        name=args.function_name,
        description=args.description,
        role=role.arn,
        runtime=LAMBDA_RUNTIME,
        architectures=[LAMBDA_ARCHITECTURE],
        handler=args.handler,
        code=args.code.archive(),
        source_code_hash=args.code.sha256,
        layers=list(args.layers),
        memory_size=args.memory_size,
        timeout=args.timeout_seconds,
        reserved_concurrent_executions=args.max_concurrency,
        environment=aws.lambda_.FunctionEnvironmentArgs(variables=dict(args.environment)),
        # Lambda traces each invocation (the handlers carry no X-Ray SDK: it slows cold starts).
        tracing_config=aws.lambda_.FunctionTracingConfigArgs(mode="Active"),
        # Naming the log group makes the function wait for it (and its retention).
        logging_config=aws.lambda_.FunctionLoggingConfigArgs(
            log_format="Text", log_group=log_group.name
        ),
        opts=pulumi.ResourceOptions.merge(own, opts),
        **function_args,
    )


@dataclass(frozen=True)
class FunctionResources:
    log_group: aws.cloudwatch.LogGroup
    role: aws.iam.Role
    policy: aws.iam.RolePolicy
    function: aws.lambda_.Function


def create_function_resources(
    component: pulumi.Resource,
    name: str,
    args: FunctionArgs,
    own_statements: Sequence[Statement] = (),
    opts: pulumi.ResourceOptions | None = None,
    **function_args: Any,
) -> FunctionResources:
    """A function with its log group, its role and the role's policy: its own logs, traces,
    what the component adds (`own_statements`) and what the function's args grant."""
    log_group = create_log_group(component, name, args)
    role = create_role(component, name, args)
    policy = create_role_policy(
        component,
        name,
        role,
        [logs_statement(log_group), tracing_statement(), *own_statements, *args.statements],
    )
    function = create_function(
        component, name, args, role, policy, log_group, opts=opts, **function_args
    )
    return FunctionResources(log_group, role, policy, function)
