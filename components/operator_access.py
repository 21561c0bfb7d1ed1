"""What operators may do with `leave-ops` (ops/): one IAM policy document, least privilege for
every command, exported as the stack output `operator_policy` for an administrator to attach
to the operators' role or group (docs/deploying.md, "Operating it: leave-ops").

A document, not a managed policy: who operates a stack (an SSO permission set, a group, a
role in another account) is the organisation's choice, and the document fits each. Every
resource is named from the same components the functions' roles are built from.

Each statement says which commands need it. tests/integration/test_operator_cli.py checks
every AWS call a command makes against this document as the program deploys it.
"""

from __future__ import annotations

import pulumi

from components.iam import Statement, policy_document
from components.leave_approvals import Composition
from handlers.storage.table_schema import BY_EMPLOYEE, BY_PENDING, BY_WAITING_APPROVER


def operator_statements(composed: Composition) -> list[Statement]:
    service, settler = composed.service, composed.settler
    table = service.table
    storage = service.storage
    workflow = service.workflow_arn_for_callers
    return [
        # Every command: the deployed functions' settings (ops/target.py).
        Statement(
            "ReadFunctionSettings",
            ["lambda:GetFunctionConfiguration"],
            [
                service.submit.function.arn,
                service.workflow.function.arn,
                service.decision.function.arn,
                settler.function.function.arn,
            ],
        ),
        # show, export, every command naming a request: requests by key; list: the approver's
        # waiting requests by key (a batch), a scan when no index serves (export, other
        # statuses).
        Statement(
            "ReadRequests",
            ["dynamodb:GetItem", "dynamodb:BatchGetItem", "dynamodb:Scan"],
            [table.arn],
        ),
        # list: by employee, by who they wait for, what is pending.
        Statement(
            "FindRequests",
            ["dynamodb:Query"],
            [
                storage.index_arn(BY_EMPLOYEE.name),
                storage.index_arn(BY_PENDING.name),
                storage.index_arn(BY_WAITING_APPROVER.name),
            ],
        ),
        # show, pause, resume, stop: a request's execution, found by its name.
        Statement("FindExecutions", ["lambda:ListDurableExecutionsByFunction"], [workflow]),
        # Execution ARNs carry the version (function:NAME:VERSION/durable-execution/...).
        Statement(
            "SteerExecutions",
            [
                "lambda:GetDurableExecutionHistory",
                "lambda:PauseDurableExecution",
                "lambda:ResumeDurableExecution",
                "lambda:StopDurableExecution",
            ],
            [workflow.apply(lambda arn: f"{arn}:*")],
        ),
        # resend, reassign: sign the approver's link with the current key; rotate-key: when the
        # keys were set (never written here: Pulumi owns them).
        service.signing_key_statement(with_previous=True),
        # reassign, settle (ops/commands/actions.py): the writes a follow-up and the settler
        # make: the level's lease, the history, the notices, the status move's transaction.
        Statement("ChangeRequests", ["dynamodb:UpdateItem"], [table.arn]),
        # resend, reassign, settle: tell people and systems as the settler does.
        *service.notify_statements(),
        # retry-starts: read and delete the failed-start queue's records, start a workflow
        # again through its alias (never the unqualified function), as submit does.
        Statement(
            "RetryFailedStarts",
            ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"],
            [service.failed_starts.queue.arn],
        ),
        Statement(
            "StartWorkflow", ["lambda:InvokeFunction"], [service.workflow_alias_arn_for_callers]
        ),
    ]


def operator_policy(composed: Composition) -> pulumi.Output[str]:
    return policy_document(operator_statements(composed))
