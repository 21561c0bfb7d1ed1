"""The leave-approval service: the table, the signing key, the sender, and the three functions.

    employees --REST API (throttled)--> submit --invoke (alias)--> workflow (durable) --mail-->
    approver --Function URL--> decision --callback--> workflow

Everything the observability component needs is an attribute: the functions, the workflow's
alias, the table, the log groups, the event bus, the dashboard name it must use.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components.config import ServiceConfig
from components.durable_function import DurableFunction, DurableFunctionArgs
from components.http_function import HttpFunction, HttpFunctionArgs
from components.iam import Statement
from components.lambda_function import FunctionArgs
from components.naming import WORKFLOW_ALIAS, Naming, dashboard_url, lambda_function_arn
from components.packaging import (
    LAMBDA_ARCHITECTURE,
    LAMBDA_RUNTIME,
    Bytecode,
    LambdaPackages,
    build_packages,
)
from components.rest_api_function import RestApiFunction, RestApiFunctionArgs
from components.sign_in import SignIn, SignInArgs
from handlers.domain.approval_levels import OFF as DAYS_OFF
from handlers.domain.claims import (
    DECISION_FUNCTION_TIMEOUT_SECONDS,
    WORKFLOW_FUNCTION_TIMEOUT_SECONDS,
)
from handlers.domain.signals import EVENT_SOURCE, METRICS_NAMESPACE, SERVICE_NAME
from handlers.settings import DecisionSettings, SubmitSettings, WorkflowSettings
from handlers.storage.table_schema import (
    BY_APPROVER,
    BY_EMPLOYEE,
    PARTITION_KEY,
    SECONDARY_INDEXES,
    SORT_KEY,
    directory_item,
    key_attributes,
)

SUBMIT_HANDLER = "handlers.submit.handler"


def _days_or_off(days: int | None) -> str:
    return DAYS_OFF if days is None else str(days)


WORKFLOW_HANDLER = "handlers.workflow.handler"
DECISION_HANDLER = "handlers.decision.handler"

# Powertools reads these; the handlers also name the service and namespace in code.
POWERTOOLS_ENVIRONMENT = {
    "POWERTOOLS_SERVICE_NAME": SERVICE_NAME,
    "POWERTOOLS_METRICS_NAMESPACE": METRICS_NAMESPACE,
}


@dataclass(frozen=True)
class LeaveServiceArgs:
    config: ServiceConfig
    naming: Naming
    # Built from the handlers package and uv.lock when not given (tests pass small ones).
    packages: LambdaPackages | None = None


class LeaveService(pulumi.ComponentResource):
    """The whole service. Attributes for other components:

    `table`, `signing_key`, `sender_identity`, `event_bus`, `layer`, `packages`,
    `submit` (RestApiFunction), `decision` (HttpFunction), `workflow` (DurableFunction: its
    `role`, and `grant_invoke` for event targets), `workflow_alias`, `functions` and
    `log_groups` (by role: submit, workflow, decision), `submit_url`, `decision_url`,
    `workflow_alias_arn`, `table_name`, `dashboard_name` (the name the observability component
    must give its dashboard) and `dashboard_url`, `naming`, `region`, `account_id`,
    `partition`.
    """

    def __init__(
        self, name: str, args: LeaveServiceArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("leave:leave_service:LeaveService", name, None, opts)
        config, naming = args.config, args.naming
        self.naming = naming
        child = pulumi.ResourceOptions(parent=self)
        self.packages = args.packages or build_packages(
            bytecode=Bytecode.for_runtime() if config.compile_bytecode else None
        )

        lookup = pulumi.InvokeOutputOptions(parent=self)
        self.account_id = aws.get_caller_identity_output(opts=lookup).account_id
        self.region = aws.get_region_output(opts=lookup).region
        self.partition = aws.get_partition_output(opts=lookup).partition

        self.table = self._table(name, config, child)
        self.directory_entries = [
            aws.dynamodb.TableItem(
                f"{name}-approver-{employee}",
                table_name=self.table.name,
                hash_key=PARTITION_KEY,
                range_key=SORT_KEY,
                item=json.dumps(
                    {k: {"S": v} for k, v in directory_item(employee, approver).items()},
                    sort_keys=True,
                ),
                opts=child,
            )
            for employee, approver in sorted(config.approver_directory.items())
        ]
        self.signing_key = self._secret_parameter(
            f"{name}-signing-key",
            naming.signing_key_parameter,
            "Signs the links in approvers' emails",
            config.signing_key,
            child,
        )
        self.previous_signing_key = (
            self._secret_parameter(
                f"{name}-previous-signing-key",
                naming.previous_signing_key_parameter,
                "Signed the links in approvers' emails before the last key rotation",
                config.previous_signing_key,
                child,
            )
            if config.previous_signing_key is not None
            else None
        )
        # SES mails a verification link to each address; nothing is sent until it is clicked.
        self.sender_identity = aws.ses.EmailIdentity(
            f"{name}-sender", email=config.sender_email, opts=child
        )
        self.recipient_identities = [
            aws.ses.EmailIdentity(f"{name}-recipient-{address}", email=address, opts=child)
            for address in config.sandbox_recipients
        ]
        self.event_bus = aws.cloudwatch.EventBus(
            f"{name}-events", name=naming.event_bus_name, opts=child
        )
        self.layer = aws.lambda_.LayerVersion(
            f"{name}-dependencies",
            layer_name=naming.layer_name,
            description="Durable execution SDK, boto3, Powertools, pydantic (from uv.lock)",
            code=self.packages.layer.archive(),
            source_code_hash=self.packages.layer.sha256,
            compatible_runtimes=[LAMBDA_RUNTIME],
            compatible_architectures=[LAMBDA_ARCHITECTURE],
            opts=child,
        )

        workflow_name = naming.function_name("workflow")
        # Breaking a cycle: the workflow's environment holds both Function URLs, while the submit
        # function's environment and policy name the workflow's alias, and the decision
        # function's policy its executions (a function waits for its policy: lambda_function).
        # So those two name the workflow by ARNs built from the account, the region and its
        # fixed name, and depend on none of its resources. Tests check these strings against
        # the function's and the alias's own ARNs. Every other reference is a resource output.
        self.workflow_arn_for_callers: pulumi.Output[str] = pulumi.Output.all(
            self.partition, self.region, self.account_id
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

        # The sign-in client sends people back to the employees' API, whose function is
        # configured with that client: the API's address is built from its id alone (see
        # rest_api_function), and handed to the sign-in once the API exists.
        deferred: tuple[pulumi.Output[str], Callable[[pulumi.Output[str]], None]]
        deferred = pulumi.deferred_output()
        employee_app_url, resolve_employee_app_url = deferred
        resolved_url: pulumi.Output[str] = pulumi.Output.from_input("")
        try:
            self.sign_in = SignIn(
                f"{name}-sign-in",
                SignInArgs(
                    naming=naming,
                    region=self.region,
                    account_id=self.account_id,
                    app_url=employee_app_url,
                    external=config.identity_provider,
                    deletion_protection=config.table_deletion_protection,
                    mfa=config.mfa,
                ),
                opts=child,
            )
            self.submit = RestApiFunction(
                f"{name}-submit",
                RestApiFunctionArgs(
                    self._submit_function(naming, config, employee_app_url),
                    region=self.region,
                    throttle=config.throttle,
                    client_rate_limit=config.client_rate_limit,
                ),
                opts=child,
            )
            resolved_url = self.submit.url
        finally:
            # Also when either raised: an unresolved output would hang the program, not fail it.
            resolve_employee_app_url(resolved_url)
        self.decision = HttpFunction(
            f"{name}-decision",
            HttpFunctionArgs(self._decision_function(naming, config)),
            opts=child,
        )
        self.workflow = DurableFunction(
            f"{name}-workflow",
            DurableFunctionArgs(
                function=self._workflow_function(naming, config, workflow_name),
                execution_timeout_seconds=config.execution_timeout_seconds,
                retention_days=config.execution_retention_days,
                alias_name=WORKFLOW_ALIAS,
            ),
            opts=child,
        )

        self.workflow_alias = self.workflow.alias
        self.functions = {
            "submit": self.submit.function,
            "workflow": self.workflow.function,
            "decision": self.decision.function,
        }
        self.log_groups = {
            "submit": self.submit.log_group,
            "workflow": self.workflow.log_group,
            "decision": self.decision.log_group,
        }
        self.submit_url = self.submit.url
        self.decision_url = self.decision.url
        self.workflow_alias_arn = self.workflow.alias_arn
        self.table_name = self.table.name
        self.dashboard_name = naming.dashboard_name
        self.dashboard_url = self.region.apply(
            lambda region: dashboard_url(region, naming.dashboard_name)
        )
        self.register_outputs(
            {
                "submit_url": self.submit_url,
                "decision_url": self.decision_url,
                "workflow_alias_arn": self.workflow_alias_arn,
                "table_name": self.table_name,
                "dashboard_url": self.dashboard_url,
                "oidc_issuer": self.sign_in.issuer,
            }
        )

    # -- resources -----------------------------------------------------------------------------

    def _table(
        self, name: str, config: ServiceConfig, opts: pulumi.ResourceOptions
    ) -> aws.dynamodb.Table:
        return aws.dynamodb.Table(
            f"{name}-table",
            billing_mode="PAY_PER_REQUEST",
            hash_key=PARTITION_KEY,
            range_key=SORT_KEY,
            attributes=[
                aws.dynamodb.TableAttributeArgs(name=attribute, type="S")
                for attribute in key_attributes()
            ],
            global_secondary_indexes=[
                aws.dynamodb.TableGlobalSecondaryIndexArgs(
                    name=index.name,
                    key_schemas=[
                        aws.dynamodb.TableGlobalSecondaryIndexKeySchemaArgs(
                            attribute_name=index.partition_key, key_type="HASH"
                        ),
                        aws.dynamodb.TableGlobalSecondaryIndexKeySchemaArgs(
                            attribute_name=index.sort_key, key_type="RANGE"
                        ),
                    ],
                    projection_type="ALL",
                )
                for index in SECONDARY_INDEXES
            ],
            point_in_time_recovery=aws.dynamodb.TablePointInTimeRecoveryArgs(enabled=True),
            deletion_protection_enabled=config.table_deletion_protection,
            opts=opts,
        )

    def _secret_parameter(
        self,
        resource_name: str,
        parameter_name: str,
        description: str,
        value: pulumi.Output[str],
        opts: pulumi.ResourceOptions,
    ) -> aws.ssm.Parameter:
        return aws.ssm.Parameter(
            resource_name,
            name=parameter_name,
            description=description,
            type="SecureString",
            value=value,
            opts=opts,
        )

    def _function_args(
        self,
        config: ServiceConfig,
        function_name: str,
        handler: str,
        description: str,
        environment: dict[str, pulumi.Input[str]],
        statements: list[Statement],
        timeout_seconds: int = 15,
        max_concurrency: int | None = None,
    ) -> FunctionArgs:
        return FunctionArgs(
            function_name=function_name,
            handler=handler,
            description=description,
            code=self.packages.code,
            layers=[self.layer.arn],
            environment={**environment, **POWERTOOLS_ENVIRONMENT},
            statements=statements,
            log_retention_days=config.log_retention_days,
            timeout_seconds=timeout_seconds,
            max_concurrency=max_concurrency,
        )

    def signing_key_statement(self, with_previous: bool = False) -> Statement:
        # The SecureString uses the AWS managed key aws/ssm, whose key policy already lets every
        # principal of the account decrypt through SSM: GetParameter is all the role needs.
        keys = [self.signing_key]
        if with_previous and self.previous_signing_key is not None:
            keys.append(self.previous_signing_key)
        return Statement(
            sid="ReadSigningKey", actions=["ssm:GetParameter"], resources=[k.arn for k in keys]
        )

    def notify_statements(self, config: ServiceConfig) -> list[Statement]:
        """What a function that tells people needs: mail as the sender, publish domain events
        (the workflow, the settler, and submit for cancelled leave)."""
        sender_identities = pulumi.Output.all(self.partition, self.region, self.account_id).apply(
            lambda where: f"arn:{where[0]}:ses:{where[1]}:{where[2]}:identity/*"
        )
        return [
            # SES checks the sending identity and, while the account is in the SES sandbox,
            # each recipient's identity too: hence every identity of this account and region,
            # but only ever from the configured sender address.
            Statement(
                "SendMailAsSender",
                ["ses:SendRawEmail"],
                [sender_identities],
                condition={"StringEquals": {"ses:FromAddress": config.sender_email}},
            ),
            Statement(
                "PublishDomainEvents",
                ["events:PutEvents"],
                [self.event_bus.arn],
                condition={"StringEquals": {"events:source": EVENT_SOURCE}},
            ),
        ]

    def _submit_function(
        self, naming: Naming, config: ServiceConfig, own_url: pulumi.Output[str]
    ) -> FunctionArgs:
        return self._function_args(
            config,
            naming.function_name("submit"),
            SUBMIT_HANDLER,
            "Employees' endpoint: submit a leave request, follow it",
            SubmitSettings.environment_for(
                table_name=self.table.name,
                # Its own stage's address (the API's id, not the stage: no cycle).
                submit_url=own_url,
                workflow_function=self.workflow_alias_arn_for_callers,
                allowed_email_domains=list(config.allowed_email_domains),
                default_approver=config.default_approver,
                max_leave_days=config.max_leave_days,
                **config.date_limits.as_settings(),
                max_pending_per_employee=config.max_pending_per_employee,
                signing_key_parameter=self.signing_key.name,
                oidc_issuer=self.sign_in.issuer,
                oidc_audience=self.sign_in.audience,
                oidc_jwks_url=self.sign_in.jwks_url,
                sender_email=config.sender_email,
                event_bus_name=self.event_bus.name,
            ),
            [
                # Request ids are keyed with the stack's secret.
                self.signing_key_statement(),
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
                    [self.table.arn],
                ),
                # Only the alias: never the unqualified function, never another version.
                Statement(
                    "StartWorkflow",
                    ["lambda:InvokeFunction"],
                    [self.workflow_alias_arn_for_callers],
                ),
                # An employee's requests, and the leave an approver approved (calendar feeds).
                Statement(
                    "ListRequests",
                    ["dynamodb:Query"],
                    [self._index_arn(BY_EMPLOYEE.name), self._index_arn(BY_APPROVER.name)],
                ),
                # A withdrawal goes into the request's approval callback, as a rejection does.
                Statement(
                    "WithdrawThroughWorkflow",
                    ["lambda:SendDurableExecutionCallbackFailure"],
                    [self._workflow_executions()],
                ),
                # Cancelled leave: its approver is told, the outcome announced.
                *self.notify_statements(config),
            ],
            max_concurrency=config.http_max_concurrency,
        )

    def _decision_function(self, naming: Naming, config: ServiceConfig) -> FunctionArgs:
        return self._function_args(
            config,
            naming.function_name("decision"),
            DECISION_HANDLER,
            "Approvers' endpoint: the page behind the email link, and the decision",
            DecisionSettings.environment_for(
                table_name=self.table.name,
                signing_key_parameter=self.signing_key.name,
                previous_signing_key_parameter=(
                    self.previous_signing_key.name if self.previous_signing_key else None
                ),
            ),
            [
                # Read the request, and claim it for the decision before the callback.
                Statement(
                    "ClaimRequests", ["dynamodb:GetItem", "dynamodb:UpdateItem"], [self.table.arn]
                ),
                self.signing_key_statement(with_previous=True),
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
            max_concurrency=config.http_max_concurrency,
        )

    def _index_arn(self, index: str) -> pulumi.Output[str]:
        return self.table.arn.apply(lambda arn: f"{arn}/index/{index}")

    def _workflow_executions(self) -> pulumi.Output[str]:
        # Callbacks are checked against the execution's ARN, which carries a version
        # (function:NAME:VERSION/durable-execution/...): a grant on the unqualified ARN is denied.
        return self.workflow_arn_for_callers.apply(lambda arn: f"{arn}:*")

    def _workflow_function(
        self, naming: Naming, config: ServiceConfig, function_name: str
    ) -> FunctionArgs:
        return self._function_args(
            config,
            function_name,
            WORKFLOW_HANDLER,
            "The durable workflow of one leave request",
            WorkflowSettings.environment_for(
                table_name=self.table.name,
                sender_email=config.sender_email,
                decision_url=self.decision.url,
                submit_url=self.submit.url,
                signing_key_parameter=self.signing_key.name,
                approval_timeout_seconds=config.approval_timeout_seconds,
                event_bus_name=self.event_bus.name,
                default_approver=config.default_approver,
                **config.follow_ups.as_settings(),
                second_approval_over_days=_days_or_off(config.second_approval_over_days),
            ),
            [
                # Take the request over, attach the callback, record follow-ups and the
                # outcome with the calendar (a transaction of updates); read the directory to
                # escalate.
                Statement(
                    "KeepRequests", ["dynamodb:GetItem", "dynamodb:UpdateItem"], [self.table.arn]
                ),
                self.signing_key_statement(),
                *self.notify_statements(config),
            ],
            # A follow-up's lease holds at least this long.
            timeout_seconds=WORKFLOW_FUNCTION_TIMEOUT_SECONDS,
        )
