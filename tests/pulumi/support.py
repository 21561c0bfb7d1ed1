"""Deploying the program or its components under mocks (tests/pulumi/mocks.py) for a test, and
looking at what they created: the dev stack's config, component inputs, and queries on a
`Deployment` that several test modules ask."""

from __future__ import annotations

import importlib
import inspect
import json
import runpy
import zipfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pulumi
import yaml

from components.config import ServiceConfig
from components.leave_approvals import LeaveApprovals
from components.naming import Naming
from components.packaging import BuiltArchive, LambdaPackages
from tests.pulumi.mocks import (
    ACCOUNT,
    PROJECT,
    PROJECT_ROOT,
    REGION,
    SIGNING_KEY,
    STACK,
    Deployment,
    Registered,
    run,
)

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
    """The service component (and, if `observed`, the settler and the observability component
    watching both) with the test config and `config` over it. The components created come back
    by name: `service`, `settler`, `observability`."""
    # Imported here: bench/pulumi_eval.py times importing this module as the SDK's own cost.
    from components.leave_service import LeaveService, LeaveServiceArgs
    from components.observability import Observability, ObservabilityArgs
    from components.settler import Settler, SettlerArgs

    created: dict[str, Any] = {}

    def program() -> dict[str, Any]:
        settings = service_config(**config)
        service = LeaveService(
            "leave",
            LeaveServiceArgs(config=settings, naming=NAMING, packages=tiny_packages(directory)),
        )
        created["service"] = service
        if observed:
            settler = Settler("leave-settler", SettlerArgs(service=service, config=settings))
            created["settler"] = settler
            created["observability"] = Observability(
                "leave-observability", ObservabilityArgs.from_service(service, settler, settings)
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
