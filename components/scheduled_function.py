"""A Lambda function that EventBridge runs on a schedule (the pending gauge)."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components.lambda_function import FunctionArgs, create_function_resources

# AWS's limit on an EventBridge rule's name.
RULE_NAME_LIMIT = 64


def rate_expression(minutes: int) -> str:
    """An EventBridge schedule every `minutes` minutes (EventBridge wants `1 minute` singular)."""
    if minutes < 1:
        raise ValueError("a schedule runs at most once a minute")
    return "rate(1 minute)" if minutes == 1 else f"rate({minutes} minutes)"


def invoke_from_rule(
    component: pulumi.Resource,
    permission_name: str,
    target_name: str,
    function: aws.lambda_.Function,
    rule: aws.cloudwatch.EventRule,
) -> tuple[aws.lambda_.Permission, aws.cloudwatch.EventTarget]:
    """An EventBridge rule's target on a function, with the permission that lets that rule, and
    no other, invoke it. The target waits for the permission, so the first event is let in."""
    permission = aws.lambda_.Permission(
        permission_name,
        function=function.name,
        action="lambda:InvokeFunction",
        principal="events.amazonaws.com",
        source_arn=rule.arn,
        opts=pulumi.ResourceOptions(parent=component),
    )
    target = aws.cloudwatch.EventTarget(
        target_name,
        rule=rule.name,
        arn=function.arn,
        opts=pulumi.ResourceOptions(parent=component, depends_on=[permission]),
    )
    return permission, target


@dataclass(frozen=True)
class ScheduledFunctionArgs:
    function: FunctionArgs
    # The EventBridge rule's name and schedule (`rate(...)` or `cron(...)`).
    rule_name: str
    schedule_expression: str


class ScheduledFunction(pulumi.ComponentResource):
    """A function, its role and log group, the scheduled rule that runs it and the permission
    that lets that rule, and no other, invoke it.

    Attributes: `function`, `role`, `log_group`, `rule`, `target`, `permission`.
    """

    function: aws.lambda_.Function
    role: aws.iam.Role
    log_group: aws.cloudwatch.LogGroup
    rule: aws.cloudwatch.EventRule

    def __init__(
        self, name: str, args: ScheduledFunctionArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("leave:scheduled_function:ScheduledFunction", name, None, opts)
        spec = args.function
        child = pulumi.ResourceOptions(parent=self)
        created = create_function_resources(self, name, spec)
        self.log_group, self.role = created.log_group, created.role
        self.policy, self.function = created.policy, created.function
        self.rule = aws.cloudwatch.EventRule(
            f"{name}-schedule",
            name=args.rule_name,
            description=f"Runs {spec.function_name}: {args.schedule_expression}",
            schedule_expression=args.schedule_expression,
            opts=child,
        )
        self.permission, self.target = invoke_from_rule(
            self,
            f"{name}-invoke-from-schedule",
            f"{name}-schedule-target",
            self.function,
            self.rule,
        )
        self.register_outputs(
            {
                "function_name": self.function.name,
                "function_arn": self.function.arn,
                "rule_arn": self.rule.arn,
                "log_group": self.log_group.name,
            }
        )
