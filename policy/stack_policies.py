"""The rules as Pulumi stack policies: each sees every resource of the stack at preview."""

from typing import Any

from pulumi_policy import (
    EnforcementLevel,
    Policy,
    ReportViolation,
    StackValidationArgs,
    StackValidationPolicy,
)

from policy.rules import RULES, Resource, Rule


def resources_of(args: StackValidationArgs) -> list[Resource]:
    return [Resource(r.resource_type, r.name, dict(r.props)) for r in args.resources]


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
