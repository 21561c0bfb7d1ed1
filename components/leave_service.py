"""The leave-approval service: a composition of one component per concern.

    storage (table, directory)   signing keys   messaging (SES, event bus)   sign-in
                       \\              |               /                     /
                        functions: layer, submit, decision, workflow, failed starts

    employees --REST API (throttled)--> submit --invoke (alias)--> workflow (durable) --mail-->
    approver --Function URL--> decision --callback--> workflow

Everything the settler and the observability component need is an attribute: the functions, the
workflow's alias, the table, the log groups, the event bus, the dashboard name it must use.

Until #23 this one component held every resource itself: the parts carry aliases to it (and the
failed starts to the observability component), so a stack deployed before keeps every resource
(components.moves).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components.config import ServiceConfig
from components.iam import Statement
from components.messaging import Messaging, MessagingArgs
from components.moves import former_urn
from components.naming import Naming, dashboard_url
from components.packaging import Bytecode, LambdaPackages, build_packages
from components.service_functions import ServiceFunctions, ServiceFunctionsArgs
from components.sign_in import SignIn, SignInArgs
from components.signing_keys import SigningKeys, SigningKeysArgs
from components.storage import Storage, StorageArgs

# The observability component as compose() (components.leave_approvals) names it beside this
# one: before #23 it held the workflow's failed-start queue and its grants.
FORMER_OBSERVABILITY_TYPE = "leave:observability:Observability"


@dataclass(frozen=True)
class LeaveServiceArgs:
    config: ServiceConfig
    naming: Naming
    # Built from the handlers package and uv.lock when not given (tests pass small ones).
    packages: LambdaPackages | None = None


class LeaveService(pulumi.ComponentResource):
    """The whole service. Its parts: `storage`, `keys` (SigningKeys), `messaging`, `sign_in`,
    `service_functions`. Attributes for other components:

    `table`, `signing_key`, `sender_identity`, `event_bus`, `layer`, `packages`,
    `submit` (RestApiFunction), `decision` (HttpFunction), `workflow` (DurableFunction: its
    `role`, and `grant_invoke` for event targets), `workflow_alias`, `failed_starts`,
    `functions` and `log_groups` (by role: submit, workflow, decision), `submit_url`,
    `decision_url`, `workflow_alias_arn`, `table_name`, `dashboard_name` (the name the
    observability component must give its dashboard) and `dashboard_url`, `naming`, `region`,
    `account_id`, `partition`; and the statements a function needs to read the signing key
    (`signing_key_statement`) or to tell people (`notify_statements`).
    """

    def __init__(
        self, name: str, args: LeaveServiceArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("leave:leave_service:LeaveService", name, None, opts)
        config, naming = args.config, args.naming
        self.naming = naming
        part = pulumi.ResourceOptions(parent=self)
        self.packages = args.packages or build_packages(
            bytecode=Bytecode.for_runtime() if config.compile_bytecode else None
        )

        lookup = pulumi.InvokeOutputOptions(parent=self)
        self.account_id = aws.get_caller_identity_output(opts=lookup).account_id
        self.region = aws.get_region_output(opts=lookup).region
        self.partition = aws.get_partition_output(opts=lookup).partition

        self.storage = Storage(
            name,
            StorageArgs(
                approver_directory=config.approver_directory,
                allowance_overrides=config.allowance_overrides,
                deletion_protection=config.table_deletion_protection,
                formerly_under=self,
            ),
            opts=part,
        )
        self.keys = SigningKeys(
            name,
            SigningKeysArgs(
                naming=naming,
                signing_key=config.signing_key,
                previous_signing_key=config.previous_signing_key,
                formerly_under=self,
            ),
            opts=part,
        )
        self.messaging = Messaging(
            name,
            MessagingArgs(
                naming=naming,
                sender_email=config.sender_email,
                sandbox_recipients=config.sandbox_recipients,
                partition=self.partition,
                region=self.region,
                account_id=self.account_id,
                formerly_under=self,
            ),
            opts=part,
        )

        # The sign-in client sends people back to the employees' API, whose function is
        # configured with that client: the API's address is built from its id alone (see
        # rest_api_function), and handed to the sign-in once the API exists.
        deferred: tuple[pulumi.Output[str], Callable[[pulumi.Output[str]], None]]
        deferred = pulumi.deferred_output()
        employee_app_url, resolve_employee_app_url = deferred
        resolved_url: pulumi.Output[str] = pulumi.Output.from_input("")
        observability_name = f"{name}-observability"
        parent = opts.parent if opts is not None else None
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
                opts=part,
            )
            self.service_functions = ServiceFunctions(
                name,
                ServiceFunctionsArgs(
                    config=config,
                    naming=naming,
                    packages=self.packages,
                    storage=self.storage,
                    signing_keys=self.keys,
                    messaging=self.messaging,
                    sign_in=self.sign_in,
                    employee_app_url=employee_app_url,
                    partition=self.partition,
                    region=self.region,
                    account_id=self.account_id,
                    failed_starts_name=observability_name,
                    formerly_under=self,
                    failed_starts_formerly_under=former_urn(
                        observability_name, FORMER_OBSERVABILITY_TYPE, parent
                    ),
                ),
                opts=part,
            )
            resolved_url = self.service_functions.submit.url
        finally:
            # Also when either raised: an unresolved output would hang the program, not fail it.
            resolve_employee_app_url(resolved_url)

        functions = self.service_functions
        self.table = self.storage.table
        self.directory_entries = self.storage.directory_entries
        self.signing_key = self.keys.current
        self.previous_signing_key = self.keys.previous
        self.sender_identity = self.messaging.sender_identity
        self.recipient_identities = self.messaging.recipient_identities
        self.event_bus = self.messaging.event_bus
        self.layer = functions.layer
        self.submit = functions.submit
        self.decision = functions.decision
        self.workflow = functions.workflow
        self.failed_starts = functions.failed_starts
        self.workflow_arn_for_callers = functions.workflow_arn_for_callers
        self.workflow_alias_arn_for_callers = functions.workflow_alias_arn_for_callers
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

    def signing_key_statement(self, with_previous: bool = False) -> Statement:
        return self.keys.read_statement(with_previous)

    def notify_statements(self) -> list[Statement]:
        """What a function that tells people needs: mail as the sender, publish domain events
        (the workflow, the settler, and submit for cancelled leave)."""
        return self.messaging.notify_statements()
