"""The settler: ends the requests whose workflow execution broke, and sweeps for the rest.

    default bus --workflow's FAILED/TIMED_OUT/STOPPED executions--> settler --> failed, emails
    schedule (sweepIntervalMinutes) --> settler --> pending requests nobody will end, and
                                                    delegations that started: hand over

Its own rule on the broken-executions pattern (the observability component has another, for
the alarm topic and the log group), so each consumer can change without the other.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components.config import ServiceConfig
from components.iam import Statement
from components.lambda_function import FunctionArgs
from components.leave_service import LeaveService
from components.scheduled_function import (
    RULE_NAME_LIMIT,
    ScheduledFunction,
    ScheduledFunctionArgs,
    invoke_from_rule,
    rate_expression,
)
from components.service_functions import POWERTOOLS_ENVIRONMENT
from handlers.domain.claims import SETTLER_FUNCTION_TIMEOUT_SECONDS
from handlers.domain.event_patterns import broken_workflow_executions
from handlers.settings import SettlerSettings
from handlers.storage.table_schema import BY_PENDING

SETTLER_HANDLER = "handlers.settler.handler"


@dataclass(frozen=True)
class SettlerArgs:
    service: LeaveService
    config: ServiceConfig


class Settler(pulumi.ComponentResource):
    """Attributes: `function` (ScheduledFunction: the function, its role and the sweep's
    schedule), `broken_executions_rule`, `broken_executions_target`, `broken_executions_permission`.
    """

    def __init__(
        self, name: str, args: SettlerArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("leave:settler:Settler", name, None, opts)
        service, config = args.service, args.config
        naming = service.naming
        child = pulumi.ResourceOptions(parent=self)
        table = service.table
        by_pending = table.arn.apply(lambda arn: f"{arn}/index/{BY_PENDING.name}")
        self.function = ScheduledFunction(
            f"{name}-function",
            ScheduledFunctionArgs(
                function=FunctionArgs(
                    function_name=naming.function_name("settler"),
                    handler=SETTLER_HANDLER,
                    description="Ends requests whose workflow broke; sweeps for lost ones",
                    code=service.packages.code,
                    layers=[service.layer.arn],
                    environment={
                        **SettlerSettings.environment_for(
                            table_name=table.name,
                            sender_email=config.sender_email,
                            submit_url=service.submit_url,
                            event_bus_name=service.event_bus.name,
                            workflow_function=service.workflow_arn_for_callers,
                            approval_timeout_seconds=config.approval_timeout_seconds,
                            sweep_grace_seconds=config.sweep_grace_seconds,
                            decision_url=service.decision.url,
                            signing_key_parameter=service.signing_key.name,
                        ),
                        **POWERTOOLS_ENVIRONMENT,
                    },
                    statements=[
                        # Requests and calendars: read, and settle (a transaction of updates).
                        Statement(
                            "SettleRequests",
                            ["dynamodb:GetItem", "dynamodb:UpdateItem"],
                            [table.arn],
                        ),
                        # The shards' count items: the ends a writer recorded but never
                        # announced (the sweep announces them).
                        Statement("FindOwedAnnouncements", ["dynamodb:BatchGetItem"], [table.arn]),
                        # Pending requests, to sweep and to hand to a delegate; delegations.
                        Statement(
                            "FindPendingRequests", ["dynamodb:Query"], [by_pending, table.arn]
                        ),
                        # Requests handed to a delegate get a decision link of their own.
                        service.signing_key_statement(),
                        Statement(
                            "CheckWorkflowExecutions",
                            ["lambda:ListDurableExecutionsByFunction"],
                            [service.workflow_arn_for_callers],
                        ),
                        *service.notify_statements(),
                    ],
                    log_retention_days=config.log_retention_days,
                    timeout_seconds=SETTLER_FUNCTION_TIMEOUT_SECONDS,
                ),
                rule_name=naming.resource_name("sweep", RULE_NAME_LIMIT, "EventBridge rule"),
                schedule_expression=rate_expression(config.sweep_interval_minutes),
            ),
            opts=child,
        )
        function = self.function.function
        self.broken_executions_rule = aws.cloudwatch.EventRule(
            f"{name}-broken-executions",
            name=naming.resource_name("settle-broken", RULE_NAME_LIMIT, "EventBridge rule"),
            description="Settles the requests of workflow executions that failed, timed out "
            "or were stopped",
            event_pattern=service.workflow.function.arn.apply(
                lambda arn: json.dumps(broken_workflow_executions(arn), sort_keys=True)
            ),
            opts=child,
        )
        self.broken_executions_permission, self.broken_executions_target = invoke_from_rule(
            self,
            f"{name}-invoke-from-broken-executions",
            f"{name}-broken-executions-target",
            function,
            self.broken_executions_rule,
        )
        self.register_outputs(
            {
                "function_name": function.name,
                "broken_executions_rule": self.broken_executions_rule.arn,
            }
        )
