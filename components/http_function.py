"""A Lambda function behind a public Function URL (auth NONE): how people reach the service."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components.lambda_function import FunctionArgs, create_function_resources


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
        created = create_function_resources(self, name, args.function)
        self.log_group, self.role = created.log_group, created.role
        self.policy, self.function = created.policy, created.function
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
