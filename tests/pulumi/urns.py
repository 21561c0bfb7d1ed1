"""The URNs a deploy gives the program's resources, and which resource of a stack deployed before
each one takes over: what `pulumi up` decides, computed the way its engine does (its step
generator: a resource's URN from its parent's type chain, its aliases collapsed against its
parent, and a parent's alias inherited by its children).

The mock monitor's own URNs cannot stand in for these: they carry only the parent's last type
(and the stack's type at the top), where the engine's carry the whole chain.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from tests.pulumi.mocks import NO_PARENT, PROJECT, STACK, Constructed, ResolvedAlias

# The mock monitor's URNs (which the SDK builds URN aliases from) start with the stack's type;
# the engine's never do.
_MOCK_STACK_TYPE = "pulumi:pulumi:Stack$"


def urn(parent_urn: str | None, typ: str, name: str) -> str:
    qualified = typ if parent_urn is None else f"{qualified_type(parent_urn)}${typ}"
    return f"urn:pulumi:{STACK}::{PROJECT}::{qualified}::{name}"


def qualified_type(of_urn: str) -> str:
    return of_urn.split("::")[2]


def name_of(of_urn: str) -> str:
    return of_urn.split("::", 3)[3]


def engine_urn(mock_urn: str) -> str:
    return mock_urn.replace(f"::{_MOCK_STACK_TYPE}", "::")


@dataclass
class Update:
    """What `pulumi up` would make of the constructed program against the old stack's URNs."""

    urns: list[str] = field(default_factory=list)
    # Old URN -> the new URN of the resource that takes it over through an alias.
    moved: dict[str, str] = field(default_factory=dict)
    # Resources found under neither their URN nor an alias: created new.
    created: list[str] = field(default_factory=list)
    # Old URNs claimed twice (the engine refuses such a program).
    claimed_twice: list[str] = field(default_factory=list)


def update(constructed: list[Constructed], old: Iterable[str]) -> Update:
    olds = set(old)
    result = Update()
    # Resource index -> the old URN it was found under, when it was found through an alias.
    found_under: dict[int, str] = {}
    claimed: set[str] = set()

    for position, resource in enumerate(constructed):
        parent_urn = None if resource.parent is None else result.urns[resource.parent]
        own = urn(parent_urn, resource.typ, resource.name)
        result.urns.append(own)

        aliases = [
            _collapse(alias, resource, parent_urn, result.urns, found_under)
            for alias in resource.aliases
        ]
        if resource.parent is not None and resource.parent in found_under:
            parent_old = found_under[resource.parent]
            parent_name = constructed[resource.parent].name
            for alias_urn in [own, *aliases]:
                aliases.append(_inherited(parent_old, parent_name, alias_urn))

        for candidate in [own, *aliases]:
            if candidate in olds:
                if candidate != own:
                    found_under[position] = candidate
                    result.moved[candidate] = own
                if candidate in claimed:
                    result.claimed_twice.append(candidate)
                claimed.add(candidate)
                break
        else:
            result.created.append(own)
    return result


def _collapse(
    alias: str | ResolvedAlias,
    resource: Constructed,
    parent_urn: str | None,
    urns: list[str],
    found_under: dict[int, str],
) -> str:
    """An alias as the URN it names: its fields left out are the resource's own, its parent
    (when named) stands for the old URN that parent was found under, if it was."""
    if isinstance(alias, str):
        return engine_urn(alias)
    name = alias.name or resource.name
    typ = alias.typ or resource.typ
    if alias.parent is None:
        return urn(parent_urn, typ, name)
    if alias.parent == NO_PARENT:
        return urn(None, typ, name)
    if isinstance(alias.parent, int):
        return urn(found_under.get(alias.parent, urns[alias.parent]), typ, name)
    return urn(engine_urn(alias.parent), typ, name)


def _inherited(parent_old: str, parent_name: str, child_urn: str) -> str:
    """A child's alias under its parent's old URN (a name that starts with the parent's takes
    the old parent's name in its place, as the engine does)."""
    typ = qualified_type(child_urn).split("$")[-1]
    name = name_of(child_urn)
    if name.startswith(parent_name):
        name = name_of(parent_old) + name[len(parent_name) :]
    return urn(parent_old, typ, name)
