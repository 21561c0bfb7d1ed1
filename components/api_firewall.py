"""An AWS WAF web ACL in front of one API Gateway stage: a rate limit per client address.

    client --HTTPS--> WAF (per address: past the limit, 429) --> stage (throttled) --> function

The stage's throttle is one bucket for everyone, so without this a single client (signed in or
not) could spend it and turn every employee away. The web ACL's rate-based rule counts each
client address's requests over a trailing window and blocks an address past its limit, before
the stage meters anything: what it blocks spends nothing of the stage's budget. It aggregates by
the connecting address (`IP`), which a caller cannot forge with a header. Blocked requests get
the same answer as the stage's throttle (429, `Retry-After`, the service's error shape) rather
than WAF's default 403, so a client handles both alike. Metrics and sampled requests are on,
for the rule and the web ACL (CloudWatch namespace `AWS/WAFV2`).
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components.throttling import CLIENT_LIMITED_STATUS, ClientRateLimit

# API Gateway stages, load balancers and the like: a regional web ACL (CLOUDFRONT is for
# distributions only).
SCOPE = "REGIONAL"
RATE_RULE_NAME = "per-client-rate"
# Keys a custom response body within the web ACL.
LIMITED_BODY_KEY = "client-limited"


@dataclass(frozen=True)
class ApiFirewallArgs:
    # The web ACL's name; its metrics are named after it.
    name: str
    # What it protects: an API Gateway stage's ARN.
    resource_arn: pulumi.Input[str]
    rate_limit: ClientRateLimit


def metric_names(name: str) -> dict[str, str]:
    """The CloudWatch metric names (`AWS/WAFV2`'s `Rule` dimension) of the web ACL and its rule."""
    return {"web_acl": name, "rate_rule": f"{name}-{RATE_RULE_NAME}"}


class ApiFirewall(pulumi.ComponentResource):
    """Attributes: `web_acl`, `association`."""

    web_acl: aws.wafv2.WebAcl
    association: aws.wafv2.WebAclAssociation

    def __init__(
        self, name: str, args: ApiFirewallArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("leave:api_firewall:ApiFirewall", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        limit = args.rate_limit
        metrics = metric_names(args.name)
        self.web_acl = aws.wafv2.WebAcl(
            f"{name}-web-acl",
            name=args.name,
            # WAF takes letters, digits, spaces and +=:#@/-,. only (no apostrophe): the pattern
            # of EntityDescription in botocore's wafv2 model.
            description="Rate limit per client address in front of the API employees use",
            scope=SCOPE,
            default_action=aws.wafv2.WebAclDefaultActionArgs(
                allow=aws.wafv2.WebAclDefaultActionAllowArgs()
            ),
            custom_response_bodies=[
                aws.wafv2.WebAclCustomResponseBodyArgs(
                    key=LIMITED_BODY_KEY,
                    content=limit.limited_body(),
                    content_type="APPLICATION_JSON",
                )
            ],
            rules=[
                aws.wafv2.WebAclRuleArgs(
                    name=RATE_RULE_NAME,
                    priority=0,
                    action=aws.wafv2.WebAclRuleActionArgs(
                        block=aws.wafv2.WebAclRuleActionBlockArgs(
                            custom_response=aws.wafv2.WebAclRuleActionBlockCustomResponseArgs(
                                response_code=CLIENT_LIMITED_STATUS,
                                custom_response_body_key=LIMITED_BODY_KEY,
                                # The body's content type sets Content-Type.
                                response_headers=[
                                    aws.wafv2.WebAclRuleActionBlockCustomResponseResponseHeaderArgs(
                                        name=header, value=value
                                    )
                                    for header, value in limit.limited_headers().items()
                                    if header != "Content-Type"
                                ],
                            )
                        )
                    ),
                    statement=aws.wafv2.WebAclRuleStatementArgs(
                        rate_based_statement=aws.wafv2.WebAclRuleStatementRateBasedStatementArgs(
                            aggregate_key_type="IP",
                            limit=limit.limit,
                            evaluation_window_sec=limit.window_seconds,
                        )
                    ),
                    visibility_config=aws.wafv2.WebAclRuleVisibilityConfigArgs(
                        cloudwatch_metrics_enabled=True,
                        metric_name=metrics["rate_rule"],
                        sampled_requests_enabled=True,
                    ),
                )
            ],
            visibility_config=aws.wafv2.WebAclVisibilityConfigArgs(
                cloudwatch_metrics_enabled=True,
                metric_name=metrics["web_acl"],
                sampled_requests_enabled=True,
            ),
            opts=child,
        )
        self.association = aws.wafv2.WebAclAssociation(
            f"{name}-association",
            resource_arn=args.resource_arn,
            web_acl_arn=self.web_acl.arn,
            opts=child,
        )
        self.register_outputs({"web_acl_arn": self.web_acl.arn})
