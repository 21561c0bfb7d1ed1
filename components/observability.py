"""What operators run the service from: the dashboard, the alarms and the signals behind them.

    schedule --> pending gauge --EMF--> PendingRequests, OldestPendingAge
    default bus --workflow's FAILED/TIMED_OUT/STOPPED executions--> alarm topic, log group
    alarms (components.alarms) --> alarm topic --> the alarm email
    service bus --DOMAIN_EVENTS--> archive, audit log group (components.event_history)
    dashboard (components.dashboard): dashboards.leave_operations, rendered for CloudWatch

The workflow's failed-start queue, which an alarm and the dashboard watch, is the service's
(components.failed_starts). Until #23 this component held the alarms, the archive and the event
logs itself: they carry an alias to it (components.moves).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pulumi
import pulumi_aws as aws

from components.alarms import Alarms, AlarmsArgs, Watched, alarm_definitions
from components.config import ServiceConfig
from components.dashboard import DashboardArgs, operations_dashboard
from components.durable_function import DurableFunction
from components.event_history import EventHistory, EventHistoryArgs
from components.iam import Statement
from components.lambda_function import FunctionArgs
from components.naming import Naming
from components.packaging import LambdaPackages
from components.scheduled_function import (
    RULE_NAME_LIMIT,
    ScheduledFunction,
    ScheduledFunctionArgs,
    rate_expression,
)
from components.service_functions import POWERTOOLS_ENVIRONMENT
from handlers.domain.claims import GAUGE_FUNCTION_TIMEOUT_SECONDS
from handlers.domain.event_patterns import broken_workflow_executions
from handlers.settings import GaugeSettings
from handlers.storage.table_schema import BY_PENDING

if TYPE_CHECKING:
    from components.leave_service import LeaveService
    from components.settler import Settler

PENDING_GAUGE_ROLE = "pending_gauge"
SETTLER_ROLE = "settler"
PENDING_GAUGE_HANDLER = "handlers.pending_gauge.handler"
# The Sid of the alarm topic's statement that lets the broken-executions rule publish.
BROKEN_EXECUTIONS_PUBLISH = "BrokenExecutionsRulePublishes"


@dataclass(frozen=True)
class ObservabilityArgs:
    """What the component builds on: the service's resources and the stack's settings."""

    functions: Mapping[str, aws.lambda_.Function]
    log_groups: Mapping[str, aws.cloudwatch.LogGroup]
    workflow: DurableFunction
    failed_start_queue: aws.sqs.Queue
    table: aws.dynamodb.Table
    event_bus: aws.cloudwatch.EventBus
    layer: aws.lambda_.LayerVersion
    packages: LambdaPackages
    naming: Naming
    region: pulumi.Input[str]
    account_id: pulumi.Input[str]
    partition: pulumi.Input[str]
    dashboard_name: str
    # The alarm email, the thresholds, log retention, the approval timeout.
    config: ServiceConfig

    @classmethod
    def from_service(
        cls, service: LeaveService, settler: Settler, config: ServiceConfig
    ) -> ObservabilityArgs:
        """Watches the service's functions and the settler's: every per-function widget and
        alarm covers each function that runs."""
        return cls(
            functions={**service.functions, SETTLER_ROLE: settler.function.function},
            log_groups={**service.log_groups, SETTLER_ROLE: settler.function.log_group},
            workflow=service.workflow,
            failed_start_queue=service.failed_starts.queue,
            table=service.table,
            event_bus=service.event_bus,
            layer=service.layer,
            packages=service.packages,
            naming=service.naming,
            region=service.region,
            account_id=service.account_id,
            partition=service.partition,
            dashboard_name=service.dashboard_name,
            config=config,
        )


class Observability(pulumi.ComponentResource):
    """The pending gauge, the rule on broken workflow executions, the alarms and their topic,
    the events' archive and logs, and the dashboard.

    Attributes: `pending_gauge` (ScheduledFunction), `broken_executions_rule`,
    `broken_executions_alarm_target`, `alarm_set` (Alarms) and from it `alarm_topic`,
    `alarm_subscription`, `alarm_topic_policy`, `alarms` (by part); `history` (EventHistory)
    and from it `archive`, `audit_log_group`, `audit_rule`, `broken_executions_log_group`;
    `dashboard`, and `failed_starts` (the service's queue, for what reads it here).
    """

    def __init__(
        self, name: str, args: ObservabilityArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("leave:observability:Observability", name, None, opts)
        config, naming = args.config, args.naming
        child = pulumi.ResourceOptions(parent=self)
        self.failed_starts = args.failed_start_queue

        self.pending_gauge = _pending_gauge(name, args, child)
        self.functions: dict[str, aws.lambda_.Function] = {
            **args.functions,
            PENDING_GAUGE_ROLE: self.pending_gauge.function,
        }
        self.log_groups: dict[str, aws.cloudwatch.LogGroup] = {
            **args.log_groups,
            PENDING_GAUGE_ROLE: self.pending_gauge.log_group,
        }

        # Lambda's status-change events go to the default bus. The pattern names the unqualified
        # ARN and matches every version and alias of it by prefix (event_patterns).
        self.broken_executions_rule = aws.cloudwatch.EventRule(
            f"{name}-broken-executions-rule",
            name=naming.resource_name("broken-executions", RULE_NAME_LIMIT, "EventBridge rule"),
            description="Workflow executions that failed, timed out or were stopped",
            event_pattern=args.workflow.function.arn.apply(
                lambda arn: json.dumps(broken_workflow_executions(arn), sort_keys=True)
            ),
            opts=child,
        )

        self.alarm_set = Alarms(
            name,
            AlarmsArgs(
                naming=naming,
                definitions=alarm_definitions(
                    Watched(
                        workflow_function=args.workflow.function.name,
                        functions={
                            role: function.name for role, function in self.functions.items()
                        },
                        failed_start_queue=args.failed_start_queue.name,
                    ),
                    config,
                ),
                alarm_email=config.alarm_email,
                partition=args.partition,
                region=args.region,
                account_id=args.account_id,
                publishing_rules={BROKEN_EXECUTIONS_PUBLISH: self.broken_executions_rule},
                formerly_under=self,
            ),
            opts=child,
        )
        self.alarm_topic = self.alarm_set.topic
        self.alarm_subscription = self.alarm_set.subscription
        self.alarm_topic_policy = self.alarm_set.topic_policy
        self.alarms = self.alarm_set.alarms
        self.broken_executions_alarm_target = aws.cloudwatch.EventTarget(
            f"{name}-broken-executions-to-topic",
            rule=self.broken_executions_rule.name,
            arn=self.alarm_topic.arn,
            input_transformer=aws.cloudwatch.EventTargetInputTransformerArgs(
                input_paths={
                    "name": "$.detail.durableExecutionName",
                    "status": "$.detail.status",
                    "execution": "$.detail.durableExecutionArn",
                    "ended": "$.detail.endTimestamp",
                },
                input_template=json.dumps(
                    "Leave workflow execution <name> ended <status> at <ended>. The execution "
                    "name is the leave request's id. Its history: aws lambda "
                    "get-durable-execution-history --durable-execution-arn <execution>"
                ),
            ),
            # The topic lets the rule publish only once its policy is in place.
            opts=pulumi.ResourceOptions(parent=self, depends_on=[self.alarm_topic_policy]),
        )

        self.history = EventHistory(
            name,
            EventHistoryArgs(
                naming=naming,
                event_bus=args.event_bus,
                broken_executions_rule=self.broken_executions_rule,
                archive_retention_days=config.event_archive_retention_days,
                log_retention_days=config.log_retention_days,
                formerly_under=self,
            ),
            opts=child,
        )
        self.archive = self.history.archive
        self.audit_log_group = self.history.audit_log_group
        self.audit_rule = self.history.audit_rule
        self.broken_executions_log_group = self.history.broken_executions_log_group

        self.dashboard = operations_dashboard(
            f"{name}-dashboard",
            DashboardArgs(
                dashboard_name=args.dashboard_name,
                functions=self.functions,
                log_groups=list(self.log_groups.values()),
                failed_start_queue=args.failed_start_queue,
                region=args.region,
            ),
            child,
        )
        self.register_outputs(
            {
                "alarm_topic_arn": self.alarm_topic.arn,
                "pending_gauge": self.pending_gauge.function.name,
                "dashboard_name": self.dashboard.dashboard_name,
            }
        )


def _pending_gauge(
    name: str, args: ObservabilityArgs, opts: pulumi.ResourceOptions
) -> ScheduledFunction:
    """Counts the requests waiting for a decision, and the oldest's age, on a schedule."""
    naming = args.naming
    by_pending = args.table.arn.apply(lambda arn: f"{arn}/index/{BY_PENDING.name}")
    return ScheduledFunction(
        f"{name}-pending-gauge",
        ScheduledFunctionArgs(
            function=FunctionArgs(
                function_name=naming.function_name("pending-gauge"),
                handler=PENDING_GAUGE_HANDLER,
                description="Counts the requests waiting for a decision, and the oldest's age",
                code=args.packages.code,
                layers=[args.layer.arn],
                environment={
                    **GaugeSettings.environment_for(table_name=args.table.name),
                    **POWERTOOLS_ENVIRONMENT,
                },
                # The shards' counts (BatchGetItem is granted on the table, and reads only
                # the items asked for) and the pending index.
                statements=[
                    Statement("CountPendingRequests", ["dynamodb:BatchGetItem"], [args.table.arn]),
                    Statement("FindOldestPendingRequests", ["dynamodb:Query"], [by_pending]),
                ],
                log_retention_days=args.config.log_retention_days,
                timeout_seconds=GAUGE_FUNCTION_TIMEOUT_SECONDS,
            ),
            rule_name=naming.resource_name("pending-gauge", RULE_NAME_LIMIT, "EventBridge rule"),
            schedule_expression=rate_expression(args.config.pending_gauge_interval_minutes),
        ),
        opts=opts,
    )
