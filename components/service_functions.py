"""The service's three functions, the dependency layer they share, and the workflow's failed starts.

    employees --REST API (throttled)--> submit --invoke (alias)--> workflow (durable) --mail-->
    approver --Function URL--> decision --callback--> workflow

Each function is told (its environment, `handlers.settings`) and allowed (its role's statements)
exactly what it uses of the table, the signing key, the sender, the bus and the workflow.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components.config import ServiceConfig
from components.durable_function import DurableFunction, DurableFunctionArgs
from components.failed_starts import QUEUE_NAME_LIMIT, FailedStarts, FailedStartsArgs
from components.http_function import HttpFunction, HttpFunctionArgs
from components.iam import Statement
from components.lambda_function import FunctionArgs
from components.messaging import Messaging
from components.moves import FormerParent, child_options
from components.naming import WORKFLOW_ALIAS, Naming, lambda_function_arn
from components.packaging import LAMBDA_ARCHITECTURE, LAMBDA_RUNTIME, LambdaPackages
from components.rest_api_function import RestApiFunction, RestApiFunctionArgs
from components.sign_in import SignIn
from components.signing_keys import SigningKeys
from components.storage import Storage
from handlers.domain.allowances import allowance_settings
from handlers.domain.approval_levels import OFF as DAYS_OFF
from handlers.domain.claims import (
    DECISION_FUNCTION_TIMEOUT_SECONDS,
    SUBMIT_FUNCTION_TIMEOUT_SECONDS,
    WORKFLOW_FUNCTION_TIMEOUT_SECONDS,
)
from handlers.domain.signals import METRICS_NAMESPACE, SERVICE_NAME
from handlers.settings import DecisionSettings, SubmitSettings, WorkflowSettings
from handlers.storage.table_schema import (
    BY_APPROVER,
    BY_EMPLOYEE,
    BY_TEAM,
    BY_WAITING_APPROVER,
    DELEGATIONS_PARTITION,
)

SUBMIT_HANDLER = "handlers.submit.handler"
WORKFLOW_HANDLER = "handlers.workflow.handler"
DECISION_HANDLER = "handlers.decision.handler"

# Powertools reads these; the handlers also name the service and namespace in code.
POWERTOOLS_ENVIRONMENT = {
    "POWERTOOLS_SERVICE_NAME": SERVICE_NAME,
    "POWERTOOLS_METRICS_NAMESPACE": METRICS_NAMESPACE,
}


def _days_or_off(days: int | None) -> str:
    return DAYS_OFF if days is None else str(days)


@dataclass(frozen=True)
class ServiceFunctionsArgs:
    config: ServiceConfig
    naming: Naming
    packages: LambdaPackages
    storage: Storage
    signing_keys: SigningKeys
    messaging: Messaging
    sign_in: SignIn
    # The employees' app, which is the submit function's own address: known only once its API
    # exists, and needed by the sign-in before (a deferred output, resolved by the caller).
    employee_app_url: pulumi.Output[str]
    partition: pulumi.Input[str]
    region: pulumi.Input[str]
    account_id: pulumi.Input[str]
    # The logical names of the failed-start resources begin with this.
    failed_starts_name: str
    # Where the layer and the functions were before #23, and where the failed starts were
    # (components.moves).
    formerly_under: FormerParent | None = None
    failed_starts_formerly_under: FormerParent | None = None


class ServiceFunctions(pulumi.ComponentResource):
    """Attributes: `layer`, `submit` (RestApiFunction), `decision` (HttpFunction), `workflow`
    (DurableFunction), `failed_starts` (FailedStarts), and `workflow_arn_for_callers`,
    `workflow_alias_arn_for_callers` (the workflow's ARNs, built from its name)."""

    layer: aws.lambda_.LayerVersion
    submit: RestApiFunction
    decision: HttpFunction
    workflow: DurableFunction
    failed_starts: FailedStarts

    def __init__(
        self, name: str, args: ServiceFunctionsArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("leave:service_functions:ServiceFunctions", name, None, opts)
        self._args = args
        config, naming = args.config, args.naming
        moved = child_options(self, args.formerly_under)
        self.layer = aws.lambda_.LayerVersion(
            f"{name}-dependencies",
            layer_name=naming.layer_name,
            description="Durable execution SDK, boto3, Powertools, pydantic (from uv.lock)",
            code=args.packages.layer.archive(),
            source_code_hash=args.packages.layer.sha256,
            compatible_runtimes=[LAMBDA_RUNTIME],
            compatible_architectures=[LAMBDA_ARCHITECTURE],
            opts=moved,
        )

        workflow_name = naming.function_name("workflow")
        # Breaking a cycle: the workflow's environment holds both Function URLs, while the submit
        # function's environment and policy name the workflow's alias, and the decision
        # function's policy its executions (a function waits for its policy: lambda_function).
        # So those two name the workflow by ARNs built from the account, the region and its
        # fixed name, and depend on none of its resources. Tests check these strings against
        # the function's and the alias's own ARNs. Every other reference is a resource output.
        self.workflow_arn_for_callers: pulumi.Output[str] = pulumi.Output.all(
            args.partition, args.region, args.account_id
        ).apply(
            lambda where: lambda_function_arn(
                partition=where[0],
                region=where[1],
                account=where[2],
                function_name=workflow_name,
            )
        )
        self.workflow_alias_arn_for_callers = self.workflow_arn_for_callers.apply(
            lambda arn: f"{arn}:{WORKFLOW_ALIAS}"
        )

        self.submit = RestApiFunction(
            f"{name}-submit",
            RestApiFunctionArgs(
                self._submit_function(),
                region=args.region,
                throttle=config.throttle,
                client_rate_limit=config.client_rate_limit,
            ),
            opts=moved,
        )
        self.decision = HttpFunction(
            f"{name}-decision", HttpFunctionArgs(self._decision_function()), opts=moved
        )
        self.workflow = DurableFunction(
            f"{name}-workflow",
            DurableFunctionArgs(
                function=self._workflow_function(workflow_name),
                execution_timeout_seconds=config.execution_timeout_seconds,
                retention_days=config.execution_retention_days,
                alias_name=WORKFLOW_ALIAS,
            ),
            opts=moved,
        )
        self.failed_starts = FailedStarts(
            args.failed_starts_name,
            FailedStartsArgs(
                function=self.workflow,
                queue_name=naming.resource_name("failed-starts", QUEUE_NAME_LIMIT, "SQS queue"),
                formerly_under=args.failed_starts_formerly_under,
            ),
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.register_outputs(
            {
                "submit_url": self.submit.url,
                "decision_url": self.decision.url,
                "workflow_alias_arn": self.workflow.alias_arn,
                "failed_start_queue_url": self.failed_starts.queue.url,
            }
        )

    # -- what every function has ---------------------------------------------------------------

    def _function_args(
        self,
        function_name: str,
        handler: str,
        description: str,
        environment: dict[str, pulumi.Input[str]],
        statements: list[Statement],
        timeout_seconds: int,
        max_concurrency: int | None = None,
    ) -> FunctionArgs:
        return FunctionArgs(
            function_name=function_name,
            handler=handler,
            description=description,
            code=self._args.packages.code,
            layers=[self.layer.arn],
            environment={**environment, **POWERTOOLS_ENVIRONMENT},
            statements=statements,
            log_retention_days=self._args.config.log_retention_days,
            timeout_seconds=timeout_seconds,
            max_concurrency=max_concurrency,
        )

    def _team_items_statement(self) -> Statement:
        """Reading by key, in batches, what a team view needs (calendars, waiting requests)."""
        return Statement("ReadTeamItems", ["dynamodb:BatchGetItem"], [self._args.storage.table.arn])

    def _workflow_executions(self) -> pulumi.Output[str]:
        # Callbacks are checked against the execution's ARN, which carries a version
        # (function:NAME:VERSION/durable-execution/...): a grant on the unqualified ARN is denied.
        return self.workflow_arn_for_callers.apply(lambda arn: f"{arn}:*")

    # -- the three functions -------------------------------------------------------------------

    def _submit_function(self) -> FunctionArgs:
        args = self._args
        config, table, sign_in = args.config, args.storage.table, args.sign_in
        return self._function_args(
            args.naming.function_name("submit"),
            SUBMIT_HANDLER,
            "Employees' endpoint: submit a leave request, follow it",
            SubmitSettings.environment_for(
                table_name=table.name,
                # Its own stage's address (the API's id, not the stage: no cycle).
                submit_url=args.employee_app_url,
                workflow_function=self.workflow_alias_arn_for_callers,
                allowed_email_domains=list(config.allowed_email_domains),
                default_approver=config.default_approver,
                max_leave_days=config.max_leave_days,
                **config.date_limits.as_settings(),
                allowances=allowance_settings(config.allowances),
                **config.work_calendar.as_settings(),
                max_pending_per_employee=config.max_pending_per_employee,
                signing_key_parameter=args.signing_keys.current.name,
                oidc_issuer=sign_in.issuer,
                oidc_audience=sign_in.audience,
                oidc_jwks_url=sign_in.jwks_url,
                sender_email=config.sender_email,
                event_bus_name=args.messaging.event_bus.name,
            ),
            [
                # Request ids are keyed with the stack's secret.
                args.signing_keys.read_statement(),
                # Requests, calendars, approvers' delegations and the approver directory (one
                # table). A request is
                # recorded (Put) with its calendar entry (Update) in one transaction, and undone
                # (Delete + Update) when its workflow cannot start: DynamoDB checks a
                # transaction's items against these actions.
                Statement(
                    "RecordRequests",
                    [
                        "dynamodb:GetItem",
                        "dynamodb:PutItem",
                        "dynamodb:UpdateItem",
                        "dynamodb:DeleteItem",
                    ],
                    [table.arn],
                ),
                # Only the alias: never the unqualified function, never another version.
                Statement(
                    "StartWorkflow",
                    ["lambda:InvokeFunction"],
                    [self.workflow_alias_arn_for_callers],
                ),
                # The signed-in person's balances, one query of their partition (GET /balance).
                Statement("ReadBalances", ["dynamodb:Query"], [table.arn]),
                # An employee's requests, and the leave an approver approved (calendar feeds).
                Statement(
                    "ListRequests",
                    ["dynamodb:Query"],
                    [
                        args.storage.index_arn(BY_EMPLOYEE.name),
                        args.storage.index_arn(BY_APPROVER.name),
                    ],
                ),
                # A withdrawal goes into the request's approval callback, as a rejection does
                # (an approver's rejection in the app too).
                Statement(
                    "WithdrawThroughWorkflow",
                    ["lambda:SendDurableExecutionCallbackFailure"],
                    [self._workflow_executions()],
                ),
                # An approver's approval in the app goes into the callback as the link's does.
                Statement(
                    "ApproveThroughWorkflow",
                    ["lambda:SendDurableExecutionCallbackSuccess"],
                    [self._workflow_executions()],
                ),
                # An approver's view in the app: their people and what waits for them (a query
                # by approver on each keys-only index), then those people's calendars and the
                # waiting requests themselves (by key, in batches).
                Statement(
                    "ReadTeams",
                    ["dynamodb:Query"],
                    [
                        args.storage.index_arn(BY_TEAM.name),
                        args.storage.index_arn(BY_WAITING_APPROVER.name),
                    ],
                ),
                self._team_items_statement(),
                # Whose approvals come to the caller today: the delegations' one partition,
                # and no other ("Using IAM policy conditions for fine-grained access
                # control", Amazon DynamoDB Developer Guide: dynamodb:LeadingKeys).
                Statement(
                    "ReadDelegations",
                    ["dynamodb:Query"],
                    [table.arn],
                    condition={
                        "ForAllValues:StringEquals": {"dynamodb:LeadingKeys": DELEGATIONS_PARTITION}
                    },
                ),
                # Cancelled leave: its approver is told, the outcome announced.
                *args.messaging.notify_statements(),
            ],
            timeout_seconds=SUBMIT_FUNCTION_TIMEOUT_SECONDS,
            max_concurrency=config.http_max_concurrency,
        )

    def _decision_function(self) -> FunctionArgs:
        args = self._args
        keys = args.signing_keys
        return self._function_args(
            args.naming.function_name("decision"),
            DECISION_HANDLER,
            "Approvers' endpoint: the page behind the email link, and the decision",
            DecisionSettings.environment_for(
                table_name=args.storage.table.name,
                signing_key_parameter=keys.current.name,
                previous_signing_key_parameter=keys.previous.name if keys.previous else None,
                second_approval_over_days=_days_or_off(args.config.second_approval_over_days),
            ),
            [
                # Read the request, and claim it for the decision before the callback.
                Statement(
                    "ClaimRequests",
                    ["dynamodb:GetItem", "dynamodb:UpdateItem"],
                    [args.storage.table.arn],
                ),
                # The team's overlapping leave on the page: the approver's people (a query by
                # approver), then their calendars (by key, a batch).
                Statement("ReadTeam", ["dynamodb:Query"], [args.storage.index_arn(BY_TEAM.name)]),
                self._team_items_statement(),
                keys.read_statement(with_previous=True),
                Statement(
                    "ResumeWorkflow",
                    [
                        "lambda:SendDurableExecutionCallbackSuccess",
                        "lambda:SendDurableExecutionCallbackFailure",
                    ],
                    [self._workflow_executions()],
                ),
            ],
            # A decision's claim holds this long if its callback never went.
            timeout_seconds=DECISION_FUNCTION_TIMEOUT_SECONDS,
            max_concurrency=args.config.http_max_concurrency,
        )

    def _workflow_function(self, function_name: str) -> FunctionArgs:
        args = self._args
        config = args.config
        return self._function_args(
            function_name,
            WORKFLOW_HANDLER,
            "The durable workflow of one leave request",
            WorkflowSettings.environment_for(
                table_name=args.storage.table.name,
                sender_email=config.sender_email,
                decision_url=self.decision.url,
                submit_url=self.submit.url,
                signing_key_parameter=args.signing_keys.current.name,
                approval_timeout_seconds=config.approval_timeout_seconds,
                event_bus_name=args.messaging.event_bus.name,
                default_approver=config.default_approver,
                **config.follow_ups.as_settings(),
                second_approval_over_days=_days_or_off(config.second_approval_over_days),
            ),
            [
                # Take the request over, attach the callback, record follow-ups and the
                # outcome with the calendar (a transaction of updates); read the directory to
                # escalate.
                Statement(
                    "KeepRequests",
                    ["dynamodb:GetItem", "dynamodb:UpdateItem"],
                    [args.storage.table.arn],
                ),
                args.signing_keys.read_statement(),
                *args.messaging.notify_statements(),
            ],
            # A follow-up's lease holds at least this long.
            timeout_seconds=WORKFLOW_FUNCTION_TIMEOUT_SECONDS,
        )
