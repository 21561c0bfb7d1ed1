"""The stack as Pulumi's engine hands it to the policy pack, and what the pack reports on it.

What the engine sends (pulumi/pulumi, pkg/resource/deploy/step_generator.go, `AnalyzeResources`,
and pkg/resource/plugin/analyzer_plugin.go, `AnalyzeStack`): every resource of the stack with its
*outputs* ("AnalyzeStack is called on the final outputs of each resource"), in the provider's
own names (camelCase, as the mocks record them), marshalled into a protobuf Struct with unknowns
kept (`KeepUnknowns: true`: a value not known at a preview travels as a sentinel string),
secrets kept and internal `__` keys skipped.

What the pack gets (pulumi_policy, policy.py, `_PolicyAnalyzerServicer.AnalyzeStack`): each
Struct read back with `json_format.MessageToDict` (every number a float), `deserialize_properties`
(secrets unwrapped, archives as objects) and `unknown_checking_proxy` (mappings and lists behind
read-only proxies that raise `UnknownValueError` when a value not known yet is read; the servicer
turns that error into an advisory "can't run policy ... during preview" and the policy checks
nothing). Here the same steps, on the mocks' outputs, with pulumi_policy's own functions.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from google.protobuf import json_format, struct_pb2
from pulumi_policy import (
    PolicyCustomTimeouts,
    PolicyResource,
    PolicyResourceOptions,
    StackValidationArgs,
    StackValidationPolicy,
)
from pulumi_policy.deserialize import deserialize_properties, serialize_properties
from pulumi_policy.proxy import UNKNOWN_STRING_VALUE, UnknownValueError, unknown_checking_proxy

from policy.rules import Resource
from policy.stack_policies import stack_policies
from tests.pulumi.mocks import PROJECT, STACK, Deployment

# How the engine marshals a value it does not know yet (sdk/go/common/resource/plugin/rpc.go).
UNKNOWN_ON_THE_WIRE = UNKNOWN_STRING_VALUE
# Computed values shorter than this (a version "1") are too short to tell where they were used.
_TRACEABLE = 8


def as_sent(props: Mapping[str, Any]) -> struct_pb2.Struct:
    """A resource's outputs as the engine marshals them for AnalyzeStack."""
    struct = struct_pb2.Struct()
    struct.update(
        serialize_properties({key: value for key, value in props.items() if key[:2] != "__"})
    )
    return struct


def as_received(resource: Resource) -> PolicyResource:
    """One resource as pulumi_policy's analyzer hands it to a stack policy."""
    props = unknown_checking_proxy(
        deserialize_properties(json_format.MessageToDict(as_sent(resource.props)))
    )
    return PolicyResource(
        resource_type=resource.type,
        props=props,
        urn=f"urn:pulumi:{STACK}::{PROJECT}::{resource.type}::{resource.name}",
        name=resource.name,
        opts=PolicyResourceOptions(
            protect=False,
            ignore_changes=[],
            delete_before_replace=None,
            aliases=[],
            custom_timeouts=PolicyCustomTimeouts(0, 0, 0),
            additional_secret_outputs=[],
        ),
        provider=None,
        parent=None,
        dependencies=[],
        property_dependencies={},
    )


@dataclass
class PackReport:
    """What the pack answers AnalyzeStack: violations by policy, and the policies that could not
    run (an unknown value read at a preview)."""

    violations: dict[str, list[str]] = field(default_factory=dict)
    not_run: dict[str, str] = field(default_factory=dict)


def analyze_stack(received: list[PolicyResource]) -> PackReport:
    """Every stack policy of the pack over `received`, as the analyzer runs them."""
    report = PackReport()
    for policy in stack_policies():
        assert isinstance(policy, StackValidationPolicy)
        found: list[str] = []
        try:
            _validate(policy, received, found)
        except UnknownValueError as unknown:
            report.not_run[policy.name] = unknown.message
        if found:
            report.violations[policy.name] = found
    return report


def _validate(
    policy: StackValidationPolicy, received: list[PolicyResource], found: list[str]
) -> None:
    def report_violation(message: str, urn: str | None) -> None:
        found.append(message)

    policy.validate(StackValidationArgs(resources=received), report_violation)


def at_first_preview(program: Deployment) -> list[Resource]:
    """The program's resources as a first preview sends them: each output AWS computes (one the
    program did not give as an input: an ARN, an id, a URL) not known yet, nor any input made
    from one (text holding it, such as a policy document naming an ARN). A name the program
    gives is known, as the provider echoes its inputs at a preview."""
    custom = [r for r in program.resources if r.custom]
    computed = {
        value
        for r in custom
        for key, value in r.outputs.items()
        if key not in r.inputs and isinstance(value, str) and len(value) >= _TRACEABLE
    }

    def made_from_computed(value: Any) -> Any:
        if isinstance(value, str):
            return UNKNOWN_ON_THE_WIRE if any(c in value for c in computed) else value
        if isinstance(value, dict):
            return {key: made_from_computed(item) for key, item in value.items()}
        if isinstance(value, list):
            return [made_from_computed(item) for item in value]
        return value

    return [
        Resource(
            r.typ,
            r.name,
            {
                key: made_from_computed(value) if key in r.inputs else UNKNOWN_ON_THE_WIRE
                for key, value in r.outputs.items()
            },
        )
        for r in custom
    ]
