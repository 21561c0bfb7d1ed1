"""Pulumi's mocks, answering as AWS would, and the record of what a program created under them.

The mocks answer like AWS would in the ways the program relies on: ARNs in their real formats
(so an ARN the program builds can be compared with the resource's own), Function URLs, versions,
and the caller identity, region and partition lookups. `run` runs a program (or one component)
under them and returns the `Deployment`: every resource, its inputs, parent and options.
"""

from __future__ import annotations

import json
import zlib
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pulumi
from pulumi.runtime import settings as runtime_settings

PROJECT_ROOT = Path(__file__).resolve().parents[2]
PROJECT = "leave-approvals"
STACK = "dev"
REGION = "us-east-2"
ACCOUNT = "123456789012"
PARTITION = "aws"
SIGNING_KEY = "k" * 48


@dataclass(frozen=True)
class Registered:
    """One resource as the program registered it: inputs as sent, outputs as mocked."""

    typ: str
    name: str
    inputs: dict[str, Any]
    outputs: dict[str, Any]
    options: pulumi.ResourceOptions | None = None

    @property
    def custom(self) -> bool:
        return not self.typ.startswith(("leave:", "pulumi:"))


def _physical_name(args: pulumi.runtime.MockResourceArgs) -> str:
    return str(args.inputs.get("name") or f"{args.name}-0a1b2c3")


class RecordingMocks(pulumi.runtime.Mocks):
    def __init__(self) -> None:
        self.registered: list[Registered] = []
        self.calls: list[str] = []

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str, dict[str, Any]]:
        outputs = dict(args.inputs)
        name = _physical_name(args)
        arn_prefix = f"arn:{PARTITION}"
        regional = f"{REGION}:{ACCOUNT}"
        typ = args.typ
        if typ == "aws:lambda/function:Function":
            arn = f"{arn_prefix}:lambda:{regional}:function:{name}"
            version = "1" if args.inputs.get("publish") else "$LATEST"
            outputs |= {
                "name": name,
                "arn": arn,
                "version": version,
                "qualifiedArn": f"{arn}:{version}",
                "invokeArn": (
                    f"{arn_prefix}:apigateway:{REGION}:lambda:path/2015-03-31/functions/"
                    f"{arn}/invocations"
                ),
            }
        elif typ == "aws:lambda/alias:Alias":
            function = str(args.inputs["functionName"]).rsplit(":", 1)[-1]
            outputs["arn"] = f"{arn_prefix}:lambda:{regional}:function:{function}:{name}"
        elif typ == "aws:lambda/functionUrl:FunctionUrl":
            url_id = f"{zlib.crc32(args.name.encode()):010d}"
            outputs |= {
                "functionUrl": f"https://{url_id}.lambda-url.{REGION}.on.aws/",
                "urlId": url_id,
            }
        elif typ == "aws:lambda/layerVersion:LayerVersion":
            layer = args.inputs["layerName"]
            outputs |= {
                "arn": f"{arn_prefix}:lambda:{regional}:layer:{layer}:1",
                "layerArn": f"{arn_prefix}:lambda:{regional}:layer:{layer}",
                "version": "1",
            }
        elif typ == "aws:dynamodb/table:Table":
            outputs |= {"name": name, "arn": f"{arn_prefix}:dynamodb:{regional}:table/{name}"}
        elif typ == "aws:iam/role:Role":
            outputs |= {"name": name, "arn": f"{arn_prefix}:iam::{ACCOUNT}:role/{name}"}
        elif typ == "aws:cloudwatch/logGroup:LogGroup":
            outputs["arn"] = f"{arn_prefix}:logs:{regional}:log-group:{name}"
        elif typ == "aws:ssm/parameter:Parameter":
            outputs["arn"] = f"{arn_prefix}:ssm:{regional}:parameter{name}"
        elif typ == "aws:cloudwatch/eventBus:EventBus":
            outputs |= {"name": name, "arn": f"{arn_prefix}:events:{regional}:event-bus/{name}"}
        elif typ == "aws:ses/emailIdentity:EmailIdentity":
            outputs["arn"] = f"{arn_prefix}:ses:{regional}:identity/{args.inputs['email']}"
        elif typ == "aws:cloudwatch/eventRule:EventRule":
            bus = args.inputs.get("eventBusName", "default")
            path = name if bus == "default" else f"{bus}/{name}"
            outputs |= {"name": name, "arn": f"{arn_prefix}:events:{regional}:rule/{path}"}
        elif typ == "aws:cloudwatch/eventArchive:EventArchive":
            outputs["arn"] = f"{arn_prefix}:events:{regional}:archive/{name}"
        elif typ == "aws:sqs/queue:Queue":
            outputs |= {
                "name": name,
                "arn": f"{arn_prefix}:sqs:{regional}:{name}",
                "url": f"https://sqs.{REGION}.amazonaws.com/{ACCOUNT}/{name}",
            }
        elif typ == "aws:sns/topic:Topic":
            outputs |= {"name": name, "arn": f"{arn_prefix}:sns:{regional}:{name}"}
        elif typ == "aws:cloudwatch/metricAlarm:MetricAlarm":
            outputs["arn"] = f"{arn_prefix}:cloudwatch:{regional}:alarm:{name}"
        elif typ == "aws:apigateway/restApi:RestApi":
            api_id = f"{zlib.crc32(args.name.encode()):010d}"
            outputs |= {
                "rootResourceId": f"{api_id}-root",
                "executionArn": f"{arn_prefix}:execute-api:{regional}:{api_id}",
            }
            self.registered.append(Registered(typ, args.name, dict(args.inputs), outputs))
            return api_id, outputs
        elif typ == "aws:apigateway/stage:Stage":
            outputs["invokeUrl"] = (
                f"https://{args.inputs['restApi']}.execute-api.{REGION}.amazonaws.com/"
                f"{args.inputs['stageName']}"
            )
            outputs["arn"] = (
                f"{arn_prefix}:apigateway:{REGION}::/restapis/{args.inputs['restApi']}"
                f"/stages/{args.inputs['stageName']}"
            )
        elif typ == "aws:wafv2/webAcl:WebAcl":
            outputs["arn"] = (
                f"{arn_prefix}:wafv2:{regional}:{args.inputs['scope'].lower()}/webacl/{name}/"
                f"{zlib.crc32(args.name.encode()):08x}"
            )
        elif typ == "aws:apigateway/resource:Resource":
            outputs["path"] = f"/{args.inputs['pathPart']}"
        elif typ == "aws:cognito/userPool:UserPool":
            pool_id = f"{REGION}_{zlib.crc32(args.name.encode()):09d}"
            outputs["arn"] = f"{arn_prefix}:cognito-idp:{regional}:userpool/{pool_id}"
            self.registered.append(Registered(typ, args.name, dict(args.inputs), outputs))
            return pool_id, outputs
        self.registered.append(Registered(typ, args.name, dict(args.inputs), outputs))
        return f"{name}-id", outputs

    def call(self, args: pulumi.runtime.MockCallArgs) -> tuple[dict[str, Any], list[Any]]:
        self.calls.append(args.token)
        if args.token == "aws:index/getCallerIdentity:getCallerIdentity":
            return {
                "accountId": ACCOUNT,
                "arn": f"arn:aws:iam::{ACCOUNT}:user/deployer",
                "userId": "AIDEXAMPLE",
                "id": ACCOUNT,
            }, []
        if args.token == "aws:index/getRegion:getRegion":
            return {
                "region": REGION,
                "name": REGION,
                "id": REGION,
                "endpoint": f"ec2.{REGION}.amazonaws.com",
                "description": "US East (Ohio)",
            }, []
        if args.token == "aws:index/getPartition:getPartition":
            return {
                "partition": PARTITION,
                "dnsSuffix": "amazonaws.com",
                "reverseDnsPrefix": "com.amazonaws",
                "id": PARTITION,
            }, []
        raise NotImplementedError(f"no mock for {args.token}")


@dataclass(frozen=True)
class Constructed:
    """One resource as the program constructed it, in the order it did: what the engine is told
    about its place in the tree (its parent, `None` for the stack) and the aliases it carries,
    every Output in them resolved."""

    typ: str
    name: str
    custom: bool
    parent: int | None
    aliases: tuple[str | ResolvedAlias, ...]


@dataclass(frozen=True)
class ResolvedAlias:
    """A `pulumi.Alias`: each field `None` where the alias leaves it to the resource's own, and
    `parent` the index of a constructed resource, a URN, or `NO_PARENT`."""

    name: str | None
    typ: str | None
    parent: int | str | None


NO_PARENT = "<the stack>"


@dataclass
class Deployment:
    """What one run of a program under mocks created and resolved."""

    resources: list[Registered]
    outputs: dict[str, Any]
    values: dict[str, Any]
    options: dict[str, pulumi.ResourceOptions] = field(default_factory=dict)
    constructed: list[Constructed] = field(default_factory=list)

    def of_type(self, typ: str) -> list[Registered]:
        return [r for r in self.resources if r.typ == typ]

    def one(self, typ: str, name: str | None = None) -> Registered:
        found = [r for r in self.of_type(typ) if name is None or r.name == name]
        assert len(found) == 1, f"expected one {typ} {name or ''}, found {[r.name for r in found]}"
        return found[0]

    def named(self, name: str) -> Registered:
        found = [r for r in self.resources if r.name == name]
        assert len(found) == 1, f"expected one resource named {name}, found {len(found)}"
        return found[0]

    def policies(self) -> Iterator[tuple[str, dict[str, Any]]]:
        """Every IAM policy document the program created: (resource name, document)."""
        for role in self.of_type("aws:iam/role:Role"):
            yield role.name, json.loads(role.inputs["assumeRolePolicy"])
        for policy in self.of_type("aws:iam/rolePolicy:RolePolicy"):
            yield policy.name, json.loads(policy.inputs["policy"])

    def resource_policies(self) -> Iterator[tuple[str, dict[str, Any]]]:
        """Every resource policy: who else (an AWS service) may act on what the program made."""
        for topic_policy in self.of_type("aws:sns/topicPolicy:TopicPolicy"):
            yield topic_policy.name, json.loads(topic_policy.inputs["policy"])
        for logs_policy in self.of_type("aws:cloudwatch/logResourcePolicy:LogResourcePolicy"):
            yield logs_policy.name, json.loads(logs_policy.inputs["policyDocument"])

    def role_statements(self, component: str) -> list[dict[str, Any]]:
        """The statements of a component's role policy, named `<component>-policy`."""
        document = json.loads(self.named(f"{component}-policy").inputs["policy"])
        return list(document["Statement"])


Program = Callable[[], Mapping[str, Any] | None]


def run(
    program: Program,
    config: Mapping[str, str] | None = None,
    secret_keys: Sequence[str] = (),
    project: str = PROJECT,
    stack: str = STACK,
) -> Deployment:
    """Run `program` in a fresh mocked stack. Whatever Inputs it returns come back resolved."""
    mocks = RecordingMocks()
    options: dict[str, pulumi.ResourceOptions] = {}
    by_type_and_name: dict[tuple[str, str], pulumi.ResourceOptions] = {}
    construction: list[tuple[pulumi.Resource, pulumi.ResourceTransformationArgs]] = []
    captured: dict[str, Any] = {}
    runtime_settings.ROOT.set(None)
    pulumi.runtime.set_all_config(dict(config or {}), list(secret_keys))
    pulumi.runtime.set_mocks(mocks, project=project, stack=stack, preview=False)

    def record_options(
        args: pulumi.ResourceTransformationArgs,
    ) -> pulumi.ResourceTransformationResult | None:
        options[args.name] = args.opts
        by_type_and_name[(args.type_, args.name)] = args.opts
        construction.append((args.resource, args))
        return None

    def body() -> pulumi.Output[Any]:
        pulumi.runtime.register_stack_transformation(record_options)
        values = program() or {}
        root = runtime_settings.get_root_resource()
        exported = dict(getattr(root, "outputs", {}))
        return pulumi.Output.all(
            pulumi.Output.from_input(exported),
            pulumi.Output.from_input(dict(values)),
            _constructed(construction),
        ).apply(
            lambda all_three: captured.update(
                outputs=all_three[0], values=all_three[1], constructed=all_three[2]
            )
        )

    # Pulumi's test runner, which waits for the Output `body` returns.
    pulumi.runtime.test(body)()
    resources = [
        Registered(r.typ, r.name, r.inputs, r.outputs, by_type_and_name.get((r.typ, r.name)))
        for r in mocks.registered
    ]
    return Deployment(
        resources, captured["outputs"], captured["values"], options, captured["constructed"]
    )


def _constructed(
    construction: list[tuple[pulumi.Resource, pulumi.ResourceTransformationArgs]],
) -> pulumi.Output[list[Constructed]]:
    """The resource tree as constructed, once every Output its aliases hold is known."""
    index = {id(resource): position for position, (resource, _) in enumerate(construction)}

    def parent_of(parent: Any) -> pulumi.Output[int | str | None]:
        if parent is ...:
            return pulumi.Output.from_input(None)
        if parent is None:
            return pulumi.Output.from_input(NO_PARENT)
        if isinstance(parent, pulumi.Resource):
            return pulumi.Output.from_input(index[id(parent)])
        return pulumi.Output.from_input(parent)

    def alias_of(alias: Any) -> pulumi.Output[str | ResolvedAlias]:
        if isinstance(alias, pulumi.Alias):
            return parent_of(alias.parent).apply(
                lambda parent: ResolvedAlias(
                    # Pulumi marks a field the alias leaves out `...` (typed `str | None`).
                    name=alias.name if isinstance(alias.name, str) else None,
                    typ=alias.type_ if isinstance(alias.type_, str) else None,
                    parent=parent,
                )
            )
        return pulumi.Output.from_input(alias).apply(
            lambda resolved: resolved if isinstance(resolved, str) else alias_of(resolved)
        )

    def one(args: pulumi.ResourceTransformationArgs) -> pulumi.Output[Constructed]:
        parent = args.opts.parent if args.opts is not None else None
        aliases = list((args.opts.aliases if args.opts is not None else None) or [])
        return pulumi.Output.all(*(alias_of(alias) for alias in aliases)).apply(
            lambda resolved: Constructed(
                typ=args.type_,
                name=args.name,
                custom=isinstance(args.resource, pulumi.CustomResource),
                # The stack itself is no parent in a URN.
                parent=None if parent is None else index.get(id(parent)),
                aliases=tuple(resolved),
            )
        )

    return pulumi.Output.all(*(one(args) for _, args in construction)).apply(list)
