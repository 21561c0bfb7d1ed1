"""A Lambda function behind its own API Gateway REST API: the employees' way in.

    employee --HTTPS--> WAF (per client) --> REST API stage (throttled) --proxy--> function

Every path and method goes to the function (a `{proxy+}` resource and the root, both `ANY`), which
routes and checks the caller's token itself. The API adds what a Function URL cannot: stage
throttling, and a THROTTLED answer that is a 429 with `Retry-After` (see `components.throttling`),
and, unless turned off, a WAF web ACL on the stage that limits each client address, so that one
client cannot spend everyone's throttle (`components.api_firewall`). The function has no Function
URL, so nothing bypasses either.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field

import pulumi
import pulumi_aws as aws

from components.api_firewall import ApiFirewall, ApiFirewallArgs
from components.lambda_function import FunctionArgs, create_function_resources
from components.throttling import API_STAGE, THROTTLED_STATUS, ClientRateLimit, Throttle


@dataclass(frozen=True)
class RestApiFunctionArgs:
    function: FunctionArgs
    region: pulumi.Input[str]
    throttle: Throttle = field(default_factory=Throttle)
    client_rate_limit: ClientRateLimit = field(default_factory=ClientRateLimit)


def rest_api_url(api_id: str, region: str) -> str:
    """The stage's address, built from the API's id rather than read from the stage, so that
    what the function itself needs (a sign-in client's callback) may name it: no cycle."""
    return f"https://{api_id}.execute-api.{region}.amazonaws.com/{API_STAGE}/"


class RestApiFunction(pulumi.ComponentResource):
    """Attributes: `function`, `role`, `log_group`, `rest_api`, `stage`, `url` (ends with `/`),
    `firewall` (None when the client rate limit is off)."""

    function: aws.lambda_.Function
    role: aws.iam.Role
    log_group: aws.cloudwatch.LogGroup
    rest_api: aws.apigateway.RestApi
    stage: aws.apigateway.Stage
    url: pulumi.Output[str]

    def __init__(
        self, name: str, args: RestApiFunctionArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("leave:rest_api_function:RestApiFunction", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        self.rest_api = aws.apigateway.RestApi(
            f"{name}-api",
            name=args.function.function_name,
            description=args.function.description,
            endpoint_configuration=aws.apigateway.RestApiEndpointConfigurationArgs(
                types="REGIONAL"
            ),
            opts=child,
        )
        self.url = pulumi.Output.all(self.rest_api.id, args.region).apply(
            lambda where: rest_api_url(where[0], where[1])
        )
        created = create_function_resources(self, name, args.function)
        self.log_group, self.role = created.log_group, created.role
        self.policy, self.function = created.policy, created.function

        proxy = aws.apigateway.Resource(
            f"{name}-proxy",
            rest_api=self.rest_api.id,
            parent_id=self.rest_api.root_resource_id,
            path_part="{proxy+}",
            opts=child,
        )
        routes = []
        for suffix, resource_id in (("root", self.rest_api.root_resource_id), ("proxy", proxy.id)):
            method = aws.apigateway.Method(
                f"{name}-{suffix}-any",
                rest_api=self.rest_api.id,
                resource_id=resource_id,
                http_method="ANY",
                # The function verifies the employee's token: API Gateway only meters.
                authorization="NONE",
                opts=child,
            )
            routes.append(method)
            routes.append(
                aws.apigateway.Integration(
                    f"{name}-{suffix}-function",
                    rest_api=self.rest_api.id,
                    resource_id=resource_id,
                    http_method=method.http_method,
                    type="AWS_PROXY",
                    integration_http_method="POST",
                    uri=self.function.invoke_arn,
                    opts=child,
                )
            )
        self.throttled_response = aws.apigateway.Response(
            f"{name}-throttled",
            rest_api_id=self.rest_api.id,
            response_type="THROTTLED",
            status_code=str(THROTTLED_STATUS),
            response_parameters={
                f"gatewayresponse.header.{header}": f"'{value}'"
                for header, value in args.throttle.throttled_headers().items()
            },
            response_templates={"application/json": args.throttle.throttled_body()},
            opts=child,
        )
        self.permission = aws.lambda_.Permission(
            f"{name}-invoke",
            function=self.function.name,
            action="lambda:InvokeFunction",
            principal="apigateway.amazonaws.com",
            source_arn=self.rest_api.execution_arn.apply(lambda arn: f"{arn}/{API_STAGE}/*"),
            opts=child,
        )
        # A deployment is a snapshot: a new one whenever what it snapshots changes.
        snapshot = hashlib.sha256(
            json.dumps(
                {
                    "routes": ["root", "proxy"],
                    "throttled": args.throttle.throttled_headers(),
                    "body": args.throttle.throttled_body(),
                },
                sort_keys=True,
            ).encode()
        ).hexdigest()
        deployment = aws.apigateway.Deployment(
            f"{name}-deployment",
            rest_api=self.rest_api.id,
            triggers={"snapshot": snapshot},
            opts=pulumi.ResourceOptions(parent=self, depends_on=[*routes, self.throttled_response]),
        )
        self.stage = aws.apigateway.Stage(
            f"{name}-stage",
            rest_api=self.rest_api.id,
            deployment=deployment.id,
            stage_name=API_STAGE,
            opts=child,
        )
        self.method_settings = aws.apigateway.MethodSettings(
            f"{name}-throttle",
            rest_api=self.rest_api.id,
            stage_name=self.stage.stage_name,
            method_path="*/*",
            settings=aws.apigateway.MethodSettingsSettingsArgs(
                throttling_rate_limit=args.throttle.rate_per_second,
                throttling_burst_limit=args.throttle.burst,
            ),
            opts=child,
        )
        self.firewall: ApiFirewall | None = None
        if args.client_rate_limit.enabled:
            self.firewall = ApiFirewall(
                f"{name}-firewall",
                ApiFirewallArgs(
                    name=args.function.function_name,
                    resource_arn=self.stage.arn,
                    rate_limit=args.client_rate_limit,
                ),
                opts=child,
            )
        self.register_outputs(
            {
                "function_name": self.function.name,
                "function_arn": self.function.arn,
                "url": self.url,
                "log_group": self.log_group.name,
            }
        )
