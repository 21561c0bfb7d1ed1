"""What happened, kept: the domain events' archive and audit log, and the log of broken workflow
executions.

    service bus --DOMAIN_EVENTS--> archive (replayable: docs/deploying.md)
                                 \\-> audit rule --> audit log group
    broken-executions rule (default bus) --> broken-executions log group

EventBridge writes to CloudWatch Logs under the account's Logs resource policy: one policy (an
account holds ten at most) for this stack's two groups, and no others; each target waits for it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components.iam import Statement, policy_document
from components.moves import FormerParent, child_options
from components.naming import Naming
from components.scheduled_function import RULE_NAME_LIMIT
from handlers.domain.event_patterns import DOMAIN_EVENTS

# AWS's limits on the names chosen here.
ARCHIVE_NAME_LIMIT = 48
LOG_POLICY_NAME_LIMIT = 255


@dataclass(frozen=True)
class EventHistoryArgs:
    naming: Naming
    # Where the service's domain events go.
    event_bus: aws.cloudwatch.EventBus
    # The rule matching the workflow's broken executions, whose events are logged too.
    broken_executions_rule: aws.cloudwatch.EventRule
    archive_retention_days: int
    log_retention_days: int
    # Where these were before #23 (components.moves).
    formerly_under: FormerParent | None = None


class EventHistory(pulumi.ComponentResource):
    """Attributes: `archive`, `audit_log_group`, `audit_rule`, `audit_target`,
    `broken_executions_log_group`, `broken_executions_target`, `events_to_logs_policy`."""

    archive: aws.cloudwatch.EventArchive
    audit_log_group: aws.cloudwatch.LogGroup
    broken_executions_log_group: aws.cloudwatch.LogGroup
    events_to_logs_policy: aws.cloudwatch.LogResourcePolicy
    audit_rule: aws.cloudwatch.EventRule
    audit_target: aws.cloudwatch.EventTarget
    broken_executions_target: aws.cloudwatch.EventTarget

    def __init__(
        self, name: str, args: EventHistoryArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("leave:event_history:EventHistory", name, None, opts)
        naming = args.naming
        moved = child_options(self, args.formerly_under)
        pattern = json.dumps(DOMAIN_EVENTS, sort_keys=True)
        self.archive = aws.cloudwatch.EventArchive(
            f"{name}-archive",
            # Archive names are short (48): a long stack name is cut, with a hash.
            name=naming.short_resource_name("domain-events", ARCHIVE_NAME_LIMIT),
            description="Every domain event of the leave service, to replay",
            event_source_arn=args.event_bus.arn,
            event_pattern=pattern,
            retention_days=args.archive_retention_days,
            opts=moved,
        )

        def events_log_group(part: str) -> aws.cloudwatch.LogGroup:
            return aws.cloudwatch.LogGroup(
                f"{name}-{part}-logs",
                name=naming.events_log_group_name(part),
                retention_in_days=args.log_retention_days,
                opts=moved,
            )

        self.audit_log_group = events_log_group("audit")
        self.broken_executions_log_group = events_log_group("broken-executions")
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
            opts=moved,
        )
        after_policy = child_options(
            self,
            args.formerly_under,
            pulumi.ResourceOptions(depends_on=[self.events_to_logs_policy]),
        )
        self.audit_rule = aws.cloudwatch.EventRule(
            f"{name}-audit-rule",
            name=naming.resource_name("domain-events-audit", RULE_NAME_LIMIT, "EventBridge rule"),
            description="Keeps every domain event in the audit log group",
            event_bus_name=args.event_bus.name,
            event_pattern=pattern,
            opts=moved,
        )
        self.audit_target = aws.cloudwatch.EventTarget(
            f"{name}-audit-target",
            rule=self.audit_rule.name,
            event_bus_name=args.event_bus.name,
            arn=self.audit_log_group.arn,
            opts=after_policy,
        )
        self.broken_executions_target = aws.cloudwatch.EventTarget(
            f"{name}-broken-executions-to-logs",
            rule=args.broken_executions_rule.name,
            arn=self.broken_executions_log_group.arn,
            opts=after_policy,
        )
        self.register_outputs(
            {
                "archive_arn": self.archive.arn,
                "audit_log_group": self.audit_log_group.name,
                "broken_executions_log_group": self.broken_executions_log_group.name,
            }
        )
