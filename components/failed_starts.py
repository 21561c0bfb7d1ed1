"""How a durable function's asynchronous starts end when they cannot start: retried by Lambda,
then kept in a queue to read and start again.

    submit --async invoke (alias)--> workflow: refused or failing, retried twice over six hours
                                      --> failed-start queue (two weeks) --> an alarm, an operator

A start is idempotent by its execution name, so the retries are safe. The destination and the
retries are configured on the alias, which every start goes through (durable_function), and
Lambda sends to the queue as the function's own execution role: hence a grant on that role.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components.durable_function import DurableFunction
from components.iam import Statement, policy_document
from components.moves import FormerParent, child_options

# A failed start waits this long in its queue: SQS's longest, two weeks to notice and replay it.
FAILED_START_RETENTION_SECONDS = 14 * 86_400
# Lambda retries an asynchronous start that fails twice (safe: a start is idempotent by its
# execution name), for up to six hours, before it goes to the failed-start queue.
ASYNC_RETRY_ATTEMPTS = 2
ASYNC_MAX_EVENT_AGE_SECONDS = 6 * 3600
QUEUE_NAME_LIMIT = 80


@dataclass(frozen=True)
class FailedStartsArgs:
    function: DurableFunction
    # The queue's name (at most 80 characters: see `QUEUE_NAME_LIMIT`).
    queue_name: str
    # Where these were before #23 (components.moves).
    formerly_under: FormerParent | None = None


class FailedStarts(pulumi.ComponentResource):
    """Attributes: `queue`, `policy` (the function's role may send to it), `invoke_config`."""

    queue: aws.sqs.Queue
    policy: aws.iam.RolePolicy
    invoke_config: aws.lambda_.FunctionEventInvokeConfig

    def __init__(
        self, name: str, args: FailedStartsArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("leave:failed_starts:FailedStarts", name, None, opts)
        function = args.function
        self.queue = aws.sqs.Queue(
            f"{name}-failed-starts",
            name=args.queue_name,
            message_retention_seconds=FAILED_START_RETENTION_SECONDS,
            sqs_managed_sse_enabled=True,
            opts=child_options(self, args.formerly_under),
        )
        # Lambda sends to an asynchronous destination as the function's execution role.
        self.policy = aws.iam.RolePolicy(
            f"{name}-failed-starts-policy",
            role=function.role.id,
            policy=policy_document(
                [Statement("RecordFailedStarts", ["sqs:SendMessage"], [self.queue.arn])]
            ),
            opts=child_options(self, args.formerly_under),
        )
        self.invoke_config = aws.lambda_.FunctionEventInvokeConfig(
            f"{name}-workflow-async-starts",
            function_name=function.function.name,
            # Starts go to the alias (submit invokes it): the config must sit on the alias too.
            qualifier=function.alias.name,
            maximum_retry_attempts=ASYNC_RETRY_ATTEMPTS,
            maximum_event_age_in_seconds=ASYNC_MAX_EVENT_AGE_SECONDS,
            destination_config=aws.lambda_.FunctionEventInvokeConfigDestinationConfigArgs(
                on_failure=aws.lambda_.FunctionEventInvokeConfigDestinationConfigOnFailureArgs(
                    destination=self.queue.arn
                )
            ),
            opts=child_options(
                self, args.formerly_under, pulumi.ResourceOptions(depends_on=[self.policy])
            ),
        )
        self.register_outputs({"queue_url": self.queue.url, "queue_arn": self.queue.arn})
