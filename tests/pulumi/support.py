"""Running the Pulumi program (or one component) under mocks, and looking at what it created.

The mocks answer like AWS would in the ways the program relies on: ARNs in their real formats
(so an ARN the program builds can be compared with the resource's own), Function URLs, versions,
and the caller identity, region and partition lookups.
"""

from __future__ import annotations

import importlib
import inspect
import json
import runpy
import zipfile
import zlib
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pulumi
import yaml
from pulumi.runtime import settings as runtime_settings

from components.config import ServiceConfig
from components.leave_approvals import LeaveApprovals
from components.naming import Naming
from components.packaging import BuiltArchive, LambdaPackages

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


# ---------------------------------------------------------------------------------------------
# The dev stack's configuration, and the unmodified __main__.py


def dev_stack_config() -> dict[str, str]:
    """Pulumi.dev.yaml as the CLI hands it to the program: every value a string."""
    document = yaml.safe_load((PROJECT_ROOT / "Pulumi.dev.yaml").read_text())
    config: dict[str, str] = {}
    for key, value in document["config"].items():
        if isinstance(value, bool):
            config[key] = "true" if value else "false"
        elif isinstance(value, str):
            config[key] = value
        elif isinstance(value, int | float):
            config[key] = str(value)
        else:
            config[key] = json.dumps(value)
    return config


def run_program(config: Mapping[str, str]) -> Deployment:
    """Run the unmodified __main__.py with `config` (the signing key a secret)."""

    def program() -> None:
        runpy.run_path(str(PROJECT_ROOT / "__main__.py"), run_name="__main__")

    return run(program, config=config, secret_keys=[f"{PROJECT}:signingKey"])


def run_main(extra_config: Mapping[str, str] | None = None) -> Deployment:
    """Run the unmodified __main__.py with the dev stack's config and a signing key secret."""
    config = {
        **dev_stack_config(),
        f"{PROJECT}:signingKey": SIGNING_KEY,
        # This machine cannot get Python 3.13 (no downloads): test_bytecode compiles with the
        # interpreter at hand, and the dev stack's own setting is checked in test_config.
        f"{PROJECT}:compileBytecode": "false",
        **(extra_config or {}),
    }
    return run_program(config)


# ---------------------------------------------------------------------------------------------
# Inputs for component tests, and what every function component must hold to

COMPONENT_TAGS = {"project": "leave-approvals", "stack": "dev"}
# What `create_function_resources` makes for every function; each carries the tags.
FUNCTION_RESOURCE_TYPES = (
    "aws:lambda/function:Function",
    "aws:iam/role:Role",
    "aws:cloudwatch/logGroup:LogGroup",
)


def assert_function_resources_tagged(result: Deployment, tags: Mapping[str, str]) -> None:
    for typ in FUNCTION_RESOURCE_TYPES:
        assert result.one(typ).inputs["tags"] == tags, typ


def assert_parented(children: list[Registered], parent: object) -> None:
    for child in children:
        assert child.options is not None, child.name
        assert child.options.parent is parent, child.name


def tiny_archive(directory: Path, name: str) -> BuiltArchive:
    path = directory / name
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("handlers/__init__.py", "")
    return BuiltArchive(path)


def tiny_packages(directory: Path) -> LambdaPackages:
    return LambdaPackages(
        code=tiny_archive(directory, "code.zip"), layer=tiny_archive(directory, "layer.zip")
    )


def service_config(**overrides: Any) -> ServiceConfig:
    values: dict[str, Any] = {
        "approval_timeout_seconds": 3600,
        "max_leave_days": 20,
        "allowed_email_domains": ("example.com",),
        "default_approver": "boss@example.com",
        "sender_email": "leave@example.com",
        "alarm_email": "ops@example.com",
        "signing_key": pulumi.Output.secret(SIGNING_KEY),
        "approver_directory": {"alice@example.com": "carol@example.com"},
        "log_retention_days": 14,
        "execution_retention_days": 7,
        "table_deletion_protection": True,
        "sandbox_recipients": ("alice@example.com",),
    }
    values.update(overrides)
    return ServiceConfig(**values)


NAMING = Naming(PROJECT, STACK)
PREFIX = NAMING.prefix
WORKFLOW_ARN = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{PREFIX}-workflow"


def deploy_service(
    directory: Path, observed: bool = False, **config: Any
) -> tuple[Deployment, dict[str, Any]]:
    """The service component (and, if `observed`, the observability component on it) with the
    test config and `config` over it. The components created come back by name: `service`,
    `observability`."""
    # Imported here: bench/pulumi_eval.py times importing this module as the SDK's own cost.
    from components.leave_service import LeaveService, LeaveServiceArgs
    from components.observability import Observability, ObservabilityArgs

    created: dict[str, Any] = {}

    def program() -> dict[str, Any]:
        settings = service_config(**config)
        service = LeaveService(
            "leave",
            LeaveServiceArgs(config=settings, naming=NAMING, packages=tiny_packages(directory)),
        )
        created["service"] = service
        if observed:
            created["observability"] = Observability(
                "leave-observability", ObservabilityArgs.from_service(service, settings)
            )
        return {
            "alias_arn": service.workflow_alias_arn,
            "alias_arn_for_callers": service.workflow_alias_arn_for_callers,
            "workflow_arn": service.workflow.function.arn,
            "workflow_arn_for_callers": service.workflow_arn_for_callers,
            "submit_url": service.submit_url,
            "decision_url": service.decision_url,
            "dashboard_url": service.dashboard_url,
            "table_name": service.table_name,
            "bus_name": service.event_bus.name,
        }

    return run(program), created


def depends_on(record: Registered) -> list[str]:
    """The resources `record` was told to wait for, by name."""
    assert record.options is not None
    dependencies = record.options.depends_on or []
    assert isinstance(dependencies, list)
    names = []
    for dependency in dependencies:
        assert isinstance(dependency, pulumi.Resource), dependency
        names.append(dependency.pulumi_resource_name)
    return names


def alarms(deployment: Deployment) -> dict[str, dict[str, Any]]:
    """Alarm inputs by name, without the stack's prefix."""
    return {
        a.inputs["name"].removeprefix(f"{PREFIX}-"): a.inputs
        for a in deployment.of_type("aws:cloudwatch/metricAlarm:MetricAlarm")
    }


def metrics_of(alarm: dict[str, Any]) -> list[dict[str, Any]]:
    """The metrics an alarm reads (its metric math aside)."""
    return [q["metric"] for q in alarm["metricQueries"] if "metric" in q]


def targets_of(deployment: Deployment, rule: Registered) -> list[dict[str, Any]]:
    """The inputs of an EventBridge rule's targets."""
    name = rule.inputs["name"]
    return [
        t.inputs
        for t in deployment.of_type("aws:cloudwatch/eventTarget:EventTarget")
        if t.inputs["rule"] == name
    ]


def resource_class(typ: str) -> type:
    """The pulumi_aws class behind a type token such as `aws:lambda/function:Function`."""
    _, module_path, class_name = typ.split(":")
    module_name = module_path.split("/")[0]
    for candidate in (module_name, f"{module_name}_"):
        try:
            module = importlib.import_module(f"pulumi_aws.{candidate}")
        except ModuleNotFoundError:
            continue
        if hasattr(module, class_name):
            found: type = getattr(module, class_name)
            return found
    raise LookupError(f"no pulumi_aws class for {typ}")


def is_taggable(typ: str) -> bool:
    """Whether AWS resources of this type take tags (their Pulumi class has a `tags` input)."""
    cls = resource_class(typ)
    return "tags" in inspect.signature(cls._internal_init).parameters  # type: ignore[attr-defined]


FUNCTION = "aws:lambda/function:Function"


def function_inputs(deployment: Deployment, role: str) -> dict[str, Any]:
    """The inputs of the service's `role` function (submit, decision, workflow...)."""
    return deployment.one(FUNCTION, f"leave-{role}-function").inputs


def function_environment(deployment: Deployment, role: str) -> dict[str, str]:
    variables: dict[str, str] = function_inputs(deployment, role)["environment"]["variables"]
    return variables


def statements_by_sid(deployment: Deployment, role: str) -> dict[str, dict[str, Any]]:
    return {s["Sid"]: s for s in deployment.role_statements(f"leave-{role}")}


def deploy_package() -> Deployment:
    """The component package's `LeaveApprovals`, given only its required inputs."""
    inputs: Any = {
        "sender_email": "leave@example.com",
        "allowed_email_domains": ["example.com"],
        "default_approver": "boss@example.com",
        "alarm_email": "ops@example.com",
        "signing_key": SIGNING_KEY,
        "compile_bytecode": False,
    }

    def construct() -> None:
        LeaveApprovals("approvals", inputs)

    return run(construct)
