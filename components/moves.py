"""Where resources lived before a component was split, so that `pulumi up` moves them rather than
replacing them.

A resource's URN holds the types of its parents: put under a new component, it has a new URN,
and to the engine a new resource (a new, empty table; the old one deleted). An alias naming its
old parent tells the engine it is the resource it already runs. An alias on a component carries
its children along, however deep; so a component that moves takes one alias, and a component that
is new passes one to each child that came from elsewhere. Each keeps its logical name.

Issue #23 split `LeaveService` and `Observability` into components by job: what each of them held
directly carries an alias to it. tests/pulumi/test_urns.py checks every resource of a stack
deployed before the split against its place after it.
"""

from __future__ import annotations

import pulumi

# A component the resources were children of: the resource itself when it still exists, else
# its URN (see `former_urn`).
FormerParent = pulumi.Resource | pulumi.Input[str]


def child_options(
    component: pulumi.Resource,
    formerly_under: FormerParent | None,
    opts: pulumi.ResourceOptions | None = None,
) -> pulumi.ResourceOptions:
    """Options (`opts` and these) for a child of `component` that was a child of
    `formerly_under` (None: it has always been here)."""
    aliases = [pulumi.Alias(parent=formerly_under)] if formerly_under is not None else None
    return pulumi.ResourceOptions.merge(
        pulumi.ResourceOptions(parent=component, aliases=aliases), opts
    )


def former_urn(name: str, type_: str, parent: pulumi.Resource | None) -> pulumi.Output[str]:
    """The URN of a component that no longer exists, or that is created later than the resources
    that move out of it: `name` of `type_`, a child of `parent` (None: of the stack)."""
    return pulumi.create_urn(name, type_, parent=parent)
