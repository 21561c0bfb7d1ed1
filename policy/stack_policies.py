"""The rules as Pulumi stack policies: each sees every resource of the stack at preview."""

from collections.abc import Mapping, Sequence
from typing import Any

from pulumi_policy import (
    EnforcementLevel,
    Policy,
    ReportViolation,
    StackValidationArgs,
    StackValidationPolicy,
)
from pulumi_policy.proxy import UnknownValueError

from policy.rules import RULES, UNKNOWN, Resource, Rule


def resources_of(args: StackValidationArgs) -> list[Resource]:
    return [Resource(r.resource_type, r.name, _plain(r.props)) for r in args.resources]


def _plain(props: Mapping[str, Any]) -> dict[str, Any]:
    """Properties as pulumi_policy hands them (objects and lists behind proxies that raise on
    reading a value not known yet at a preview) made plain data for the rules: each value not
    known yet `UNKNOWN`, each whole number an int again (the engine carries every number as a
    float)."""
    return {key: _value_at(props, key) for key in props}


def _value_at(container: Any, key: Any) -> Any:
    try:
        value = container[key]
    except UnknownValueError:
        return UNKNOWN
    if isinstance(value, Mapping):
        return _plain(value)
    if isinstance(value, Sequence) and not isinstance(value, str):
        return [_value_at(value, index) for index in range(len(value))]
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _validate(rule: Rule) -> Any:
    def validate(args: StackValidationArgs, report_violation: ReportViolation) -> None:
        for problem in rule.check(resources_of(args)):
            report_violation(problem, None)

    return validate


def stack_policies() -> list[Policy]:
    return [
        StackValidationPolicy(
            name=rule.id,
            description=rule.description,
            validate=_validate(rule),
            enforcement_level=EnforcementLevel.MANDATORY,
            remediation_steps=rule.remediation,
        )
        for rule in RULES
    ]
