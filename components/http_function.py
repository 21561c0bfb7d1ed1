"""A Lambda function behind a public Function URL (auth NONE): how people reach the service."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components.lambda_function import (
    FunctionArgs,
    create_function,
    create_log_group,
    create_role,
    create_role_policy,
    logs_statement,
    tracing_statement,
)


@dataclass(frozen=True)
class HttpFunctionArgs:
    function: FunctionArgs


class HttpFunction(pulumi.ComponentResource):
    """A function, its role and log group, its Function URL and the permissions that URL needs.

    Attributes: `function`, `role`, `log_group`, `function_url`, `url` (ends with `/`).
    """

    function: aws.lambda_.Function
    role: aws.iam.Role
    log_group: aws.cloudwatch.LogGroup
    function_url: aws.lambda_.FunctionUrl
    url: pulumi.Output[str]

    def __init__(
        self, name: str, args: HttpFunctionArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("leave:http_function:HttpFunction", name, None, opts)
        spec = args.function
        self.log_group = create_log_group(self, name, spec)
        self.role = create_role(self, name, spec)
        self.policy = create_role_policy(
            self,
            name,
            self.role,
            [logs_statement(self.log_group), tracing_statement(), *spec.statements],
        )
        self.function = create_function(self, name, spec, self.role, self.policy, self.log_group)
        self.function_url = aws.lambda_.FunctionUrl(
            f"{name}-url",
            function_name=self.function.name,
            authorization_type="NONE",
            opts=pulumi.ResourceOptions(parent=self),
        )
        # A public Function URL needs both grants to the public principal: InvokeFunctionUrl
        # (for auth type NONE) and InvokeFunction, the latter only when called through the URL.
        self.url_permissions = [
            aws.lambda_.Permission(
                f"{name}-url-invoke-url",
                function=self.function.name,
                action="lambda:InvokeFunctionUrl",
                principal="*",
                function_url_auth_type="NONE",
                opts=pulumi.ResourceOptions(parent=self),
            ),
            aws.lambda_.Permission(
                f"{name}-url-invoke-function",
                function=self.function.name,
                action="lambda:InvokeFunction",
                principal="*",
                invoked_via_function_url=True,
                opts=pulumi.ResourceOptions(parent=self),
            ),
        ]
        self.url = self.function_url.function_url
        self.register_outputs(
            {
                "function_name": self.function.name,
                "function_arn": self.function.arn,
                "url": self.url,
                "log_group": self.log_group.name,
            }
        )
