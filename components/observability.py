"""What operators run the service from: the dashboard, the alarms and the signals behind them.

    schedule --> pending gauge --EMF--> PendingRequests, OldestPendingAge
    workflow async start --on failure--> failed-start queue
    service bus --DOMAIN_EVENTS--> archive (replayable), audit log group
    default bus --workflow's FAILED/TIMED_OUT/STOPPED executions--> alarm topic, log group
    alarms --> alarm topic --> the alarm email
    dashboard: dashboards.leave_operations, rendered for CloudWatch

Metric names, namespaces and dimensions come from `handlers.domain.signals` (what the handlers
emit) and `dashboards.leave_operations` (Lambda's and SQS's own), never typed here.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws

from components.config import ServiceConfig
from components.durable_function import DurableFunction
from components.iam import Statement, policy_document
from components.lambda_function import FunctionArgs
from components.leave_service import POWERTOOLS_ENVIRONMENT, LeaveService
from components.naming import Naming
from components.packaging import LambdaPackages
from components.scheduled_function import (
    RULE_NAME_LIMIT,
    ScheduledFunction,
    ScheduledFunctionArgs,
    rate_expression,
)
from dashboards.cloudwatch import dashboard_body
from dashboards.leave_operations import (
    LAMBDA_NAMESPACE,
    QUEUE_DEPTH,
    SQS_NAMESPACE,
    DeployedNames,
    LambdaMetric,
    business,
    leave_operations_dashboard,
)
from dashboards.widgets import MetricSeries
from handlers.domain.event_patterns import DOMAIN_EVENTS, broken_workflow_executions
from handlers.domain.signals import OUTCOME_METRICS, Metric
from handlers.domain.statuses import TRANSITIONS, LeaveStatus
from handlers.settings import GaugeSettings
from handlers.storage.table_schema import BY_PENDING

PENDING_GAUGE_ROLE = "pending_gauge"
PENDING_GAUGE_HANDLER = "handlers.pending_gauge.handler"
# A failed start waits this long in its queue: SQS's longest, two weeks to notice and replay it.
FAILED_START_RETENTION_SECONDS = 14 * 86_400
# Lambda retries an asynchronous start that fails twice (safe: a start is idempotent by its
# execution name), for up to six hours, before it goes to the failed-start queue.
ASYNC_RETRY_ATTEMPTS = 2
ASYNC_MAX_EVENT_AGE_SECONDS = 6 * 3600
# The window of the fast alarms (failures, errors, the queue, utilisation).
ALARM_PERIOD_SECONDS = 300
# The expiry rate is a slow signal (an expiry ends a wait of days): judged over six hours.
EXPIRY_RATE_WINDOW_SECONDS = 6 * 3600
# Lambda's running durable executions, as a percentage of the account's limit.
DURABLE_UTILIZATION_ALARM_PERCENT = 80.0
# AWS's limits on the names chosen here.
ARCHIVE_NAME_LIMIT = 48
QUEUE_NAME_LIMIT = 80
TOPIC_NAME_LIMIT = 256
ALARM_NAME_LIMIT = 255
LOG_POLICY_NAME_LIMIT = 255

NOT_BREACHING = "notBreaching"
MISSING = "missing"


@dataclass(frozen=True)
class ObservabilityArgs:
    """What the component builds on: the service's resources and the stack's settings."""

    functions: Mapping[str, aws.lambda_.Function]
    log_groups: Mapping[str, aws.cloudwatch.LogGroup]
    workflow: DurableFunction
    workflow_alias: aws.lambda_.Alias
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
    def from_service(cls, service: LeaveService, config: ServiceConfig) -> ObservabilityArgs:
        return cls(
            functions=service.functions,
            log_groups=service.log_groups,
            workflow=service.workflow,
            workflow_alias=service.workflow_alias,
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


def metric_query(
    query_id: str,
    namespace: str,
    name: str,
    stat: str,
    period: int,
    dimensions: Mapping[str, pulumi.Input[str]],
    return_data: bool = False,
) -> aws.cloudwatch.MetricAlarmMetricQueryArgs:
    """One metric of an alarm: what it compares (`return_data`), or an input of its math."""
    return aws.cloudwatch.MetricAlarmMetricQueryArgs(
        id=query_id,
        metric=aws.cloudwatch.MetricAlarmMetricQueryMetricArgs(
            namespace=namespace,
            metric_name=name,
            stat=stat,
            period=period,
            dimensions=dict(dimensions),
        ),
        return_data=return_data,
    )


def series_query(
    query_id: str, series: MetricSeries, period: int, return_data: bool = False
) -> aws.cloudwatch.MetricAlarmMetricQueryArgs:
    """A dashboard series as an alarm's metric: the same namespace, name and dimensions."""
    return metric_query(
        query_id,
        series.namespace,
        series.name,
        series.stat,
        period,
        dict(series.dimensions),
        return_data,
    )


def expression_query(
    query_id: str, expression: str, label: str
) -> aws.cloudwatch.MetricAlarmMetricQueryArgs:
    """The metric math an alarm compares with its threshold."""
    return aws.cloudwatch.MetricAlarmMetricQueryArgs(
        id=query_id, expression=expression, label=label, return_data=True
    )


@dataclass(frozen=True)
class AlarmSpec:
    """One alarm: what it watches, when it fires, and what missing data means for it."""

    part: str
    description: str
    queries: Sequence[aws.cloudwatch.MetricAlarmMetricQueryArgs]
    comparison_operator: str
    threshold: float
    treat_missing_data: str
    evaluation_periods: int = 1
    datapoints_to_alarm: int = 1
    # Also tell the topic when the alarm has no data at all (a signal that stopped).
    notify_insufficient_data: bool = False


class Observability(pulumi.ComponentResource):
    """The dashboard, the alarms and their topic, the pending gauge, the failed-start queue,
    the domain events' archive and audit log, and the rule on broken workflow executions.

    Attributes: `pending_gauge` (ScheduledFunction), `failed_starts` (queue),
    `workflow_invoke_config`, `alarm_topic`, `alarm_subscription`, `alarms` (by part),
    `archive`, `audit_log_group`, `audit_rule`, `broken_executions_rule`,
    `broken_executions_log_group`, `dashboard`.
    """

    def __init__(
        self, name: str, args: ObservabilityArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("leave:observability:Observability", name, None, opts)
        self._name = name
        self._args = args
        config, naming = args.config, args.naming

        self.pending_gauge = self._pending_gauge(name, args)
        self.functions: dict[str, aws.lambda_.Function] = {
            **args.functions,
            PENDING_GAUGE_ROLE: self.pending_gauge.function,
        }
        self.log_groups: dict[str, aws.cloudwatch.LogGroup] = {
            **args.log_groups,
            PENDING_GAUGE_ROLE: self.pending_gauge.log_group,
        }

        # Not under the AWS managed SNS key: neither alarms nor EventBridge can publish to a
        # topic it encrypts (that takes a customer managed key). Messages carry alarm names
        # and request ids, nothing personal.
        self.alarm_topic = aws.sns.Topic(
            f"{name}-alarms",
            name=naming.resource_name("alarms", TOPIC_NAME_LIMIT, "SNS topic"),
            display_name=f"{naming.prefix} alarms",
            opts=self._child(),
        )
        # Email subscriptions wait for the address to confirm (a link AWS mails it).
        self.alarm_subscription = aws.sns.TopicSubscription(
            f"{name}-alarm-email",
            topic=self.alarm_topic.arn,
            protocol="email",
            endpoint=config.alarm_email,
            opts=self._child(),
        )

        self._failed_starts(name, args)
        self._domain_events(name, args)
        self._broken_executions(name, args)
        self.alarms = {spec.part: self._alarm(spec) for spec in self._alarm_specs()}
        self.dashboard = aws.cloudwatch.Dashboard(
            f"{name}-dashboard",
            dashboard_name=args.dashboard_name,
            dashboard_body=self._dashboard_body(),
            opts=self._child(),
        )
        self.register_outputs(
            {
                "alarm_topic_arn": self.alarm_topic.arn,
                "failed_start_queue_url": self.failed_starts.url,
                "pending_gauge": self.pending_gauge.function.name,
                "dashboard_name": self.dashboard.dashboard_name,
            }
        )

    def _child(self, *depends_on: pulumi.Resource) -> pulumi.ResourceOptions:
        return pulumi.ResourceOptions(parent=self, depends_on=list(depends_on))

    # -- the pending gauge ---------------------------------------------------------------------

    def _pending_gauge(self, name: str, args: ObservabilityArgs) -> ScheduledFunction:
        naming = args.naming
        function_name = naming.function_name("pending-gauge")
        by_pending = args.table.arn.apply(lambda arn: f"{arn}/index/{BY_PENDING.name}")
        return ScheduledFunction(
            f"{name}-pending-gauge",
            ScheduledFunctionArgs(
                function=FunctionArgs(
                    function_name=function_name,
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
                        Statement(
                            "CountPendingRequests", ["dynamodb:BatchGetItem"], [args.table.arn]
                        ),
                        Statement("FindOldestPendingRequests", ["dynamodb:Query"], [by_pending]),
                    ],
                    log_retention_days=args.config.log_retention_days,
                    timeout_seconds=30,
                ),
                rule_name=naming.resource_name(
                    "pending-gauge", RULE_NAME_LIMIT, "EventBridge rule"
                ),
                schedule_expression=rate_expression(args.config.pending_gauge_interval_minutes),
            ),
            opts=self._child(),
        )

    # -- starts that never ran -----------------------------------------------------------------

    def _failed_starts(self, name: str, args: ObservabilityArgs) -> None:
        self.failed_starts = aws.sqs.Queue(
            f"{name}-failed-starts",
            name=args.naming.resource_name("failed-starts", QUEUE_NAME_LIMIT, "SQS queue"),
            message_retention_seconds=FAILED_START_RETENTION_SECONDS,
            sqs_managed_sse_enabled=True,
            opts=self._child(),
        )
        # Lambda sends to an asynchronous destination as the function's execution role.
        self.failed_starts_policy = aws.iam.RolePolicy(
            f"{name}-failed-starts-policy",
            role=args.workflow.role.id,
            policy=policy_document(
                [Statement("RecordFailedStarts", ["sqs:SendMessage"], [self.failed_starts.arn])]
            ),
            opts=self._child(),
        )
        self.workflow_invoke_config = aws.lambda_.FunctionEventInvokeConfig(
            f"{name}-workflow-async-starts",
            function_name=args.workflow.function.name,
            # Starts go to the alias (submit invokes it): the config must sit on the alias too.
            qualifier=args.workflow_alias.name,
            maximum_retry_attempts=ASYNC_RETRY_ATTEMPTS,
            maximum_event_age_in_seconds=ASYNC_MAX_EVENT_AGE_SECONDS,
            destination_config=aws.lambda_.FunctionEventInvokeConfigDestinationConfigArgs(
                on_failure=aws.lambda_.FunctionEventInvokeConfigDestinationConfigOnFailureArgs(
                    destination=self.failed_starts.arn
                )
            ),
            opts=self._child(self.failed_starts_policy),
        )

    # -- events to logs ------------------------------------------------------------------------

    def _events_log_group(self, name: str, part: str) -> aws.cloudwatch.LogGroup:
        return aws.cloudwatch.LogGroup(
            f"{name}-{part}-logs",
            name=self._args.naming.events_log_group_name(part),
            retention_in_days=self._args.config.log_retention_days,
            opts=self._child(),
        )

    def _domain_events(self, name: str, args: ObservabilityArgs) -> None:
        naming = args.naming
        pattern = json.dumps(DOMAIN_EVENTS, sort_keys=True)
        self.archive = aws.cloudwatch.EventArchive(
            f"{name}-archive",
            # Archive names are short (48): a long stack name is cut, with a hash.
            name=naming.short_resource_name("domain-events", ARCHIVE_NAME_LIMIT),
            description="Every domain event of the leave service, to replay",
            event_source_arn=args.event_bus.arn,
            event_pattern=pattern,
            retention_days=args.config.event_archive_retention_days,
            opts=self._child(),
        )
        self.audit_log_group = self._events_log_group(name, "audit")
        self.broken_executions_log_group = self._events_log_group(name, "broken-executions")
        # EventBridge writes to CloudWatch Logs under the account's Logs resource policy: one
        # policy (an account holds ten at most) for this stack's two groups, and no others.
        self.events_to_logs_policy = aws.cloudwatch.LogResourcePolicy(
            f"{name}-events-to-logs",
            policy_name=naming.resource_name(
                "events-to-logs", LOG_POLICY_NAME_LIMIT, "CloudWatch Logs resource policy"
            ),
            policy_document=policy_document(
                [
                    Statement(
                        "EventBridgeWritesEventLogs",
                        ["logs:CreateLogStream", "logs:PutLogEvents"],
                        [
                            group.arn.apply(lambda arn: f"{arn}:*")
                            for group in (self.audit_log_group, self.broken_executions_log_group)
                        ],
                        service_principals=["delivery.logs.amazonaws.com", "events.amazonaws.com"],
                    )
                ]
            ),
            opts=self._child(),
        )
        self.audit_rule = aws.cloudwatch.EventRule(
            f"{name}-audit-rule",
            name=naming.resource_name("domain-events-audit", RULE_NAME_LIMIT, "EventBridge rule"),
            description="Keeps every domain event in the audit log group",
            event_bus_name=args.event_bus.name,
            event_pattern=pattern,
            opts=self._child(),
        )
        self.audit_target = aws.cloudwatch.EventTarget(
            f"{name}-audit-target",
            rule=self.audit_rule.name,
            event_bus_name=args.event_bus.name,
            arn=self.audit_log_group.arn,
            opts=self._child(self.events_to_logs_policy),
        )

    # -- executions that went wrong ------------------------------------------------------------

    def _broken_executions(self, name: str, args: ObservabilityArgs) -> None:
        # Lambda's status-change events go to the default bus. The pattern names the unqualified
        # ARN and matches every version and alias of it by prefix (event_patterns).
        self.broken_executions_rule = aws.cloudwatch.EventRule(
            f"{name}-broken-executions-rule",
            name=args.naming.resource_name(
                "broken-executions", RULE_NAME_LIMIT, "EventBridge rule"
            ),
            description="Workflow executions that failed, timed out or were stopped",
            event_pattern=args.workflow.function.arn.apply(
                lambda arn: json.dumps(broken_workflow_executions(arn), sort_keys=True)
            ),
            opts=self._child(),
        )
        self.alarm_topic_policy = aws.sns.TopicPolicy(
            f"{name}-alarm-topic-policy",
            arn=self.alarm_topic.arn,
            policy=self._alarm_topic_policy(args),
            opts=self._child(),
        )
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
            opts=self._child(self.alarm_topic_policy),
        )
        self.broken_executions_log_target = aws.cloudwatch.EventTarget(
            f"{name}-broken-executions-to-logs",
            rule=self.broken_executions_rule.name,
            arn=self.broken_executions_log_group.arn,
            opts=self._child(self.events_to_logs_policy),
        )

    def _alarm_topic_policy(self, args: ObservabilityArgs) -> pulumi.Output[str]:
        # Replaces the topic's default policy: only this stack's rule and alarms may publish.
        this_stacks_alarms = pulumi.Output.all(args.partition, args.region, args.account_id).apply(
            lambda where: (
                f"arn:{where[0]}:cloudwatch:{where[1]}:{where[2]}:alarm:{args.naming.prefix}-*"
            )
        )
        return policy_document(
            [
                Statement(
                    "BrokenExecutionsRulePublishes",
                    ["sns:Publish"],
                    [self.alarm_topic.arn],
                    condition={"ArnEquals": {"aws:SourceArn": self.broken_executions_rule.arn}},
                    service_principals=["events.amazonaws.com"],
                ),
                Statement(
                    "AlarmsPublish",
                    ["sns:Publish"],
                    [self.alarm_topic.arn],
                    condition={
                        "ArnLike": {"aws:SourceArn": this_stacks_alarms},
                        "StringEquals": {"aws:SourceAccount": args.account_id},
                    },
                    service_principals=["cloudwatch.amazonaws.com"],
                ),
            ]
        )

    # -- alarms ----------------------------------------------------------------------------------

    def _function_metric(
        self,
        query_id: str,
        name: str,
        stat: str,
        function: aws.lambda_.Function,
        return_data: bool = False,
    ) -> aws.cloudwatch.MetricAlarmMetricQueryArgs:
        return metric_query(
            query_id,
            LAMBDA_NAMESPACE,
            name,
            stat,
            ALARM_PERIOD_SECONDS,
            {"FunctionName": function.name},
            return_data,
        )

    def _alarm_specs(self) -> list[AlarmSpec]:
        config = self._args.config
        workflow = self._args.workflow.function
        gauge_period = config.pending_gauge_interval_minutes * 60
        oldest_allowed = config.oldest_pending_alarm_share * config.approval_timeout_seconds
        # Every way a request stops waiting (cancelled leave was approved first: not again).
        outcomes = {
            status.value: metric
            for status, metric in OUTCOME_METRICS.items()
            if status in TRANSITIONS[LeaveStatus.PENDING]
        }
        return [
            AlarmSpec(
                "workflow-executions-failed",
                "Workflow executions failed or timed out. The settler ends each one's request "
                "as failed and tells its employee; the broken-executions log group and the "
                "alarm email name each execution.",
                [
                    self._function_metric("failed", LambdaMetric.DURABLE_FAILED, "Sum", workflow),
                    self._function_metric(
                        "timed_out", LambdaMetric.DURABLE_TIMED_OUT, "Sum", workflow
                    ),
                    expression_query(
                        "broken", "FILL(failed, 0) + FILL(timed_out, 0)", "Failed or timed out"
                    ),
                ],
                "GreaterThanOrEqualToThreshold",
                1,
                # Lambda reports these only when an execution ends that way: no data, no failure.
                NOT_BREACHING,
            ),
            AlarmSpec(
                "function-errors",
                "A function of the service raised errors: see the dashboard's Function errors "
                "and Recent failures.",
                [
                    self._function_metric(f"errors_{role}", LambdaMetric.ERRORS, "Sum", function)
                    for role, function in self.functions.items()
                ]
                + [expression_query("errors", "SUM(METRICS())", "Errors, all functions")],
                "GreaterThanOrEqualToThreshold",
                1,
                # Errors exist only where a function ran: no invocations, no errors.
                NOT_BREACHING,
            ),
            AlarmSpec(
                "failed-starts-waiting",
                "A workflow start failed for good and waits in the failed-start queue: that "
                "request never reached its approver. Read the message and start it again.",
                [
                    metric_query(
                        "waiting",
                        SQS_NAMESPACE,
                        QUEUE_DEPTH,
                        "Maximum",
                        ALARM_PERIOD_SECONDS,
                        {"QueueName": self.failed_starts.name},
                        return_data=True,
                    ),
                ],
                "GreaterThanThreshold",
                0,
                # SQS stops reporting a queue that stays empty and idle for hours.
                NOT_BREACHING,
            ),
            AlarmSpec(
                "oldest-pending-request",
                f"A leave request has waited for a decision for more than "
                f"{config.oldest_pending_alarm_share:g} of the approval timeout "
                f"({oldest_allowed:g} s): remind its approver. No data means the pending "
                "gauge stopped running.",
                [
                    series_query(
                        "oldest",
                        business(Metric.OLDEST_PENDING_AGE, "Maximum", "Oldest pending age"),
                        gauge_period,
                        return_data=True,
                    ),
                ],
                "GreaterThanThreshold",
                oldest_allowed,
                # The gauge reports 0 when nothing waits, so no data means it stopped: that
                # is told (insufficient data), not taken for a breach or for all clear.
                MISSING,
                evaluation_periods=3,
                datapoints_to_alarm=1,
                notify_insufficient_data=True,
            ),
            AlarmSpec(
                "expiry-rate",
                f"More than {config.expiry_rate_alarm_threshold:g} of the requests that ended "
                f"in the last {EXPIRY_RATE_WINDOW_SECONDS // 3600} hours expired undecided: "
                "approvers are not getting or not acting on their emails.",
                [
                    *(
                        series_query(
                            query_id, business(metric, "Sum", query_id), EXPIRY_RATE_WINDOW_SECONDS
                        )
                        for query_id, metric in outcomes.items()
                    ),
                    expression_query(
                        "expiry_rate",
                        f"FILL({LeaveStatus.EXPIRED.value}, 0) / ("
                        + " + ".join(f"FILL({query_id}, 0)" for query_id in outcomes)
                        + ")",
                        "Share of ended requests that expired",
                    ),
                ],
                "GreaterThanThreshold",
                config.expiry_rate_alarm_threshold,
                # No request ended in the window: nothing expired.
                NOT_BREACHING,
            ),
            AlarmSpec(
                "requests-failed",
                "A leave request ended as failed: its workflow broke or never started, and the "
                "settler told its employee to submit it again. The settler's log names each "
                "request; the broken-executions log group says why its execution ended.",
                [
                    series_query(
                        "failed",
                        business(Metric.REQUESTS_FAILED, "Sum", "Failed requests"),
                        ALARM_PERIOD_SECONDS,
                        return_data=True,
                    ),
                ],
                "GreaterThanOrEqualToThreshold",
                1,
                # Counted only when a request fails: no data, no failure.
                NOT_BREACHING,
            ),
            AlarmSpec(
                "durable-executions-utilization",
                f"Running durable executions are above {DURABLE_UTILIZATION_ALARM_PERCENT:g}% "
                "of the account's limit: new requests will soon fail to start. Ask AWS for a "
                "higher quota.",
                [
                    self._function_metric(
                        "utilization",
                        LambdaMetric.DURABLE_RUNNING_UTILIZATION,
                        "Maximum",
                        workflow,
                        return_data=True,
                    ),
                ],
                "GreaterThanThreshold",
                DURABLE_UTILIZATION_ALARM_PERCENT,
                # Reported while executions run; none running is far from the limit.
                NOT_BREACHING,
                evaluation_periods=3,
                datapoints_to_alarm=2,
            ),
        ]

    def _alarm(self, spec: AlarmSpec) -> aws.cloudwatch.MetricAlarm:
        topic = [self.alarm_topic.arn]
        return aws.cloudwatch.MetricAlarm(
            f"{self._name}-{spec.part}",
            name=self._args.naming.resource_name(spec.part, ALARM_NAME_LIMIT, "CloudWatch alarm"),
            alarm_description=spec.description,
            metric_queries=list(spec.queries),
            comparison_operator=spec.comparison_operator,
            threshold=spec.threshold,
            evaluation_periods=spec.evaluation_periods,
            datapoints_to_alarm=spec.datapoints_to_alarm,
            treat_missing_data=spec.treat_missing_data,
            alarm_actions=topic,
            ok_actions=topic,
            insufficient_data_actions=topic if spec.notify_insufficient_data else [],
            # The topic lets alarms publish only once its policy is in place.
            opts=self._child(self.alarm_topic_policy),
        )

    # -- the dashboard ---------------------------------------------------------------------------

    def _dashboard_body(self) -> pulumi.Output[str]:
        """The operators' dashboard, rendered once every name it shows is known."""
        dashboard_name = self._args.dashboard_name
        deployed: pulumi.Output[Any] = pulumi.Output.from_input(
            {
                "functions": {role: function.name for role, function in self.functions.items()},
                "log_groups": [group.name for group in self.log_groups.values()],
                "queue": self.failed_starts.name,
                "region": self._args.region,
            }
        )

        def render(names: dict[str, Any]) -> str:
            dashboard = leave_operations_dashboard(
                DeployedNames(
                    dashboard_name=dashboard_name,
                    functions=dict(names["functions"]),
                    failed_start_queue=names["queue"],
                    log_groups=tuple(names["log_groups"]),
                )
            )
            return json.dumps(dashboard_body(dashboard, names["region"]), sort_keys=True)

        return deployed.apply(render)
