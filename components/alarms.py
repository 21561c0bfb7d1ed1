"""The alarms, as a table of definitions, and the topic they tell (with the alarm email).

Each alarm is one row of `alarm_definitions`: the metrics it reads (or the metric math over them),
when it fires, over what period, what no data means, and the sentence the alarm email carries.
The `Alarms` component creates one CloudWatch alarm per row, in one loop. Metric names,
namespaces and dimensions come from `handlers.domain.signals` (what the handlers emit) and
`dashboards.leave_operations` (Lambda's and SQS's own), never typed here.

Just over 400 lines, on purpose: the table is most of it, and every alarm reads best in one place.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import pulumi
import pulumi_aws as aws

from components.config import ServiceConfig
from components.iam import Statement, policy_document
from components.moves import FormerParent, child_options
from components.naming import Naming
from dashboards.leave_operations import (
    LAMBDA_NAMESPACE,
    QUEUE_DEPTH,
    SQS_NAMESPACE,
    LambdaMetric,
    business,
)
from dashboards.widgets import MetricSeries
from handlers.domain.signals import OUTCOME_METRICS, Metric
from handlers.domain.statuses import TRANSITIONS, LeaveStatus

# The window of the fast alarms (failures, errors, the queue, utilisation).
ALARM_PERIOD_SECONDS = 300
# The expiry rate is a slow signal (an expiry ends a wait of days): judged over six hours.
EXPIRY_RATE_WINDOW_SECONDS = 6 * 3600
# Lambda's running durable executions, as a percentage of the account's limit.
DURABLE_UTILIZATION_ALARM_PERCENT = 80.0
# AWS's limits on the names chosen here.
TOPIC_NAME_LIMIT = 256
ALARM_NAME_LIMIT = 255

# What an alarm makes of a period without data.
NOT_BREACHING = "notBreaching"
MISSING = "missing"
AT_LEAST = "GreaterThanOrEqualToThreshold"
ABOVE = "GreaterThanThreshold"


@dataclass(frozen=True)
class MetricQuery:
    """A metric an alarm reads: what it compares (`returned`), or an input of its math."""

    id: str
    namespace: str
    name: str
    stat: str
    period_seconds: int
    dimensions: Mapping[str, pulumi.Input[str]]
    returned: bool = False

    @classmethod
    def of_series(
        cls, query_id: str, series: MetricSeries, period_seconds: int, returned: bool = False
    ) -> MetricQuery:
        """A dashboard series as an alarm's metric: the same namespace, name and dimensions."""
        return cls(
            query_id,
            series.namespace,
            series.name,
            series.stat,
            period_seconds,
            dict(series.dimensions),
            returned,
        )


@dataclass(frozen=True)
class MetricMath:
    """The metric math an alarm compares with its threshold."""

    id: str
    expression: str
    label: str


@dataclass(frozen=True)
class AlarmDefinition:
    """One alarm: what it watches, when it fires, and what missing data means for it."""

    part: str
    description: str
    queries: Sequence[MetricQuery | MetricMath]
    comparison: str
    threshold: float
    missing_data: str
    evaluation_periods: int = 1
    datapoints_to_alarm: int = 1
    # Also tell the topic when the alarm has no data at all (a signal that stopped).
    notify_insufficient_data: bool = False


@dataclass(frozen=True)
class Watched:
    """The deployed names the alarms read their metrics by."""

    workflow_function: pulumi.Input[str]
    # Every function of the service, by role.
    functions: Mapping[str, pulumi.Input[str]]
    failed_start_queue: pulumi.Input[str]


def _function_metric(
    query_id: str,
    name: str,
    stat: str,
    function: pulumi.Input[str],
    returned: bool = False,
) -> MetricQuery:
    return MetricQuery(
        query_id,
        LAMBDA_NAMESPACE,
        name,
        stat,
        ALARM_PERIOD_SECONDS,
        {"FunctionName": function},
        returned,
    )


def alarm_definitions(watched: Watched, config: ServiceConfig) -> list[AlarmDefinition]:
    """Every alarm of the service, with the stack's thresholds."""
    workflow = watched.workflow_function
    gauge_period = config.pending_gauge_interval_minutes * 60
    oldest_allowed = config.oldest_pending_alarm_share * config.approval_timeout_seconds
    # Every way a request stops waiting (cancelled leave was approved first: not again).
    outcomes = {
        status.value: metric
        for status, metric in OUTCOME_METRICS.items()
        if status in TRANSITIONS[LeaveStatus.PENDING]
    }
    return [
        AlarmDefinition(
            "workflow-executions-failed",
            "Workflow executions failed or timed out. The settler ends each one's request "
            "as failed and tells its employee; the broken-executions log group and the "
            "alarm email name each execution.",
            [
                _function_metric("failed", LambdaMetric.DURABLE_FAILED, "Sum", workflow),
                _function_metric("timed_out", LambdaMetric.DURABLE_TIMED_OUT, "Sum", workflow),
                MetricMath("broken", "FILL(failed, 0) + FILL(timed_out, 0)", "Failed or timed out"),
            ],
            AT_LEAST,
            1,
            # Lambda reports these only when an execution ends that way: no data, no failure.
            NOT_BREACHING,
        ),
        AlarmDefinition(
            "function-errors",
            "A function of the service raised errors: see the dashboard's Function errors "
            "and Recent failures.",
            [
                *(
                    _function_metric(f"errors_{role}", LambdaMetric.ERRORS, "Sum", function)
                    for role, function in watched.functions.items()
                ),
                # Lambda reports a function's errors only for periods it ran in: filled, so
                # one function's error counts while another is idle whether or not metric math
                # takes a missing operand for 0 (the User Guide says so; only AWS can confirm).
                MetricMath("errors", "SUM(FILL(METRICS(), 0))", "Errors, all functions"),
            ],
            AT_LEAST,
            1,
            # Errors exist only where a function ran: no invocations, no errors.
            NOT_BREACHING,
        ),
        AlarmDefinition(
            "failed-starts-waiting",
            "A workflow start failed for good and waits in the failed-start queue: that "
            "request never reached its approver. Read the message and start it again.",
            [
                MetricQuery(
                    "waiting",
                    SQS_NAMESPACE,
                    QUEUE_DEPTH,
                    "Maximum",
                    ALARM_PERIOD_SECONDS,
                    {"QueueName": watched.failed_start_queue},
                    returned=True,
                ),
            ],
            ABOVE,
            0,
            # SQS stops reporting a queue that stays empty and idle for hours.
            NOT_BREACHING,
        ),
        AlarmDefinition(
            "oldest-pending-request",
            f"A leave request has waited for a decision for more than "
            f"{config.oldest_pending_alarm_share:g} of the approval timeout "
            f"({oldest_allowed:g} s): remind its approver. No data means the pending "
            "gauge stopped running.",
            [
                MetricQuery.of_series(
                    "oldest",
                    business(Metric.OLDEST_PENDING_AGE, "Maximum", "Oldest pending age"),
                    gauge_period,
                    returned=True,
                ),
            ],
            ABOVE,
            oldest_allowed,
            # The gauge reports 0 when nothing waits, so no data means it stopped: that
            # is told (insufficient data), not taken for a breach or for all clear.
            MISSING,
            evaluation_periods=3,
            datapoints_to_alarm=1,
            notify_insufficient_data=True,
        ),
        AlarmDefinition(
            "expiry-rate",
            f"More than {config.expiry_rate_alarm_threshold:g} of the requests that ended "
            f"in the last {EXPIRY_RATE_WINDOW_SECONDS // 3600} hours expired undecided: "
            "approvers are not getting or not acting on their emails.",
            [
                *(
                    MetricQuery.of_series(
                        query_id, business(metric, "Sum", query_id), EXPIRY_RATE_WINDOW_SECONDS
                    )
                    for query_id, metric in outcomes.items()
                ),
                MetricMath(
                    "expiry_rate",
                    f"FILL({LeaveStatus.EXPIRED.value}, 0) / ("
                    + " + ".join(f"FILL({query_id}, 0)" for query_id in outcomes)
                    + ")",
                    "Share of ended requests that expired",
                ),
            ],
            ABOVE,
            config.expiry_rate_alarm_threshold,
            # No request ended in the window: nothing expired.
            NOT_BREACHING,
        ),
        AlarmDefinition(
            "requests-failed",
            "A leave request ended as failed: its workflow broke or never started, and the "
            "settler told its employee to submit it again. The settler's log names each "
            "request; the broken-executions log group says why its execution ended.",
            [
                MetricQuery.of_series(
                    "failed",
                    business(Metric.REQUESTS_FAILED, "Sum", "Failed requests"),
                    ALARM_PERIOD_SECONDS,
                    returned=True,
                ),
            ],
            AT_LEAST,
            1,
            # Counted only when a request fails: no data, no failure.
            NOT_BREACHING,
        ),
        AlarmDefinition(
            "durable-executions-utilization",
            f"Running durable executions are above {DURABLE_UTILIZATION_ALARM_PERCENT:g}% "
            "of the account's limit: new requests will soon fail to start. Ask AWS for a "
            "higher quota.",
            [
                _function_metric(
                    "utilization",
                    LambdaMetric.DURABLE_RUNNING_UTILIZATION,
                    "Maximum",
                    workflow,
                    returned=True,
                ),
            ],
            ABOVE,
            DURABLE_UTILIZATION_ALARM_PERCENT,
            # Reported while executions run; none running is far from the limit.
            NOT_BREACHING,
            evaluation_periods=3,
            datapoints_to_alarm=2,
        ),
    ]


def _query_args(query: MetricQuery | MetricMath) -> aws.cloudwatch.MetricAlarmMetricQueryArgs:
    if isinstance(query, MetricMath):
        return aws.cloudwatch.MetricAlarmMetricQueryArgs(
            id=query.id, expression=query.expression, label=query.label, return_data=True
        )
    return aws.cloudwatch.MetricAlarmMetricQueryArgs(
        id=query.id,
        metric=aws.cloudwatch.MetricAlarmMetricQueryMetricArgs(
            namespace=query.namespace,
            metric_name=query.name,
            stat=query.stat,
            period=query.period_seconds,
            dimensions=dict(query.dimensions),
        ),
        return_data=query.returned,
    )


@dataclass(frozen=True)
class AlarmsArgs:
    naming: Naming
    definitions: Sequence[AlarmDefinition]
    # Where the topic mails: an email subscription, which waits for the address to confirm.
    alarm_email: str
    partition: pulumi.Input[str]
    region: pulumi.Input[str]
    account_id: pulumi.Input[str]
    # EventBridge rules that may publish to the topic too, by the Sid of the statement that
    # lets each.
    publishing_rules: Mapping[str, aws.cloudwatch.EventRule] = field(default_factory=dict)
    # Where these were before #23 (components.moves).
    formerly_under: FormerParent | None = None


class Alarms(pulumi.ComponentResource):
    """Attributes: `topic`, `subscription`, `topic_policy` (who may publish: this stack's alarms
    and the given rules), `alarms` (by part)."""

    topic: aws.sns.Topic
    subscription: aws.sns.TopicSubscription
    topic_policy: aws.sns.TopicPolicy
    alarms: dict[str, aws.cloudwatch.MetricAlarm]

    def __init__(
        self, name: str, args: AlarmsArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("leave:alarms:Alarms", name, None, opts)
        naming = args.naming
        moved = child_options(self, args.formerly_under)
        # Not under the AWS managed SNS key: neither alarms nor EventBridge can publish to a
        # topic it encrypts (that takes a customer managed key). Messages carry alarm names
        # and request ids, nothing personal.
        self.topic = aws.sns.Topic(
            f"{name}-alarms",
            name=naming.resource_name("alarms", TOPIC_NAME_LIMIT, "SNS topic"),
            display_name=f"{naming.prefix} alarms",
            opts=moved,
        )
        # Email subscriptions wait for the address to confirm (a link AWS mails it).
        self.subscription = aws.sns.TopicSubscription(
            f"{name}-alarm-email",
            topic=self.topic.arn,
            protocol="email",
            endpoint=args.alarm_email,
            opts=moved,
        )
        self.topic_policy = aws.sns.TopicPolicy(
            f"{name}-alarm-topic-policy",
            arn=self.topic.arn,
            policy=self._topic_policy(args),
            opts=moved,
        )
        # The topic lets alarms publish only once its policy is in place.
        after_policy = child_options(
            self, args.formerly_under, pulumi.ResourceOptions(depends_on=[self.topic_policy])
        )
        topic = [self.topic.arn]
        self.alarms = {
            definition.part: aws.cloudwatch.MetricAlarm(
                f"{name}-{definition.part}",
                name=naming.resource_name(definition.part, ALARM_NAME_LIMIT, "CloudWatch alarm"),
                alarm_description=definition.description,
                metric_queries=[_query_args(query) for query in definition.queries],
                comparison_operator=definition.comparison,
                threshold=definition.threshold,
                evaluation_periods=definition.evaluation_periods,
                datapoints_to_alarm=definition.datapoints_to_alarm,
                treat_missing_data=definition.missing_data,
                alarm_actions=topic,
                ok_actions=topic,
                insufficient_data_actions=topic if definition.notify_insufficient_data else [],
                opts=after_policy,
            )
            for definition in args.definitions
        }
        self.register_outputs({"topic_arn": self.topic.arn})

    def _topic_policy(self, args: AlarmsArgs) -> pulumi.Output[str]:
        # Replaces the topic's default policy: only this stack's alarms and rules may publish.
        this_stacks_alarms = pulumi.Output.all(args.partition, args.region, args.account_id).apply(
            lambda where: (
                f"arn:{where[0]}:cloudwatch:{where[1]}:{where[2]}:alarm:{args.naming.prefix}-*"
            )
        )
        rules = [
            Statement(
                sid,
                ["sns:Publish"],
                [self.topic.arn],
                condition={"ArnEquals": {"aws:SourceArn": rule.arn}},
                service_principals=["events.amazonaws.com"],
            )
            for sid, rule in args.publishing_rules.items()
        ]
        return policy_document(
            [
                *rules,
                Statement(
                    "AlarmsPublish",
                    ["sns:Publish"],
                    [self.topic.arn],
                    condition={
                        "ArnLike": {"aws:SourceArn": this_stacks_alarms},
                        "StringEquals": {"aws:SourceAccount": args.account_id},
                    },
                    service_principals=["cloudwatch.amazonaws.com"],
                ),
            ]
        )
