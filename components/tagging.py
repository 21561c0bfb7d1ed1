"""The project's tags on every AWS resource that takes tags, applied in one place.

`compose` (the Python program's and the package component's one way in) gives its top-level
components `tagged(naming.tags)`, and Pulumi hands a parent's transformations down to every child
it creates, however deep: no component passes tags by hand, and one added later is tagged too.

A resource takes tags when its class has a `tags` input: each such class puts the key in the
properties it registers (as `None` when left out), so its presence is the test. The resource's
own tags, if any, are kept beside the project's, which win on a clash.

These are the SDK's transformations, which run in the program's own process, rather than the
engine's newer transforms: the component provider (package/) and the mocks the tests run under
apply them exactly as `pulumi up` does (the mock monitor runs no engine transforms).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pulumi

TAGS_PROPERTY = "tags"


def tag_resources(tags: Mapping[str, str]) -> pulumi.ResourceTransformation:
    """A transformation that adds `tags` to every custom resource taking tags."""
    project_tags = dict(tags)

    def add_tags(
        args: pulumi.ResourceTransformationArgs,
    ) -> pulumi.ResourceTransformationResult | None:
        if not isinstance(args.resource, pulumi.CustomResource) or TAGS_PROPERTY not in args.props:
            return None
        own: pulumi.Input[Mapping[str, str]] | None = args.props[TAGS_PROPERTY]
        props = {**args.props, TAGS_PROPERTY: _with_project_tags(own, project_tags)}
        return pulumi.ResourceTransformationResult(props, args.opts)

    return add_tags


def tagged(tags: Mapping[str, str]) -> pulumi.ResourceOptions:
    """Options that tag the resource they are given to and everything created under it."""
    return pulumi.ResourceOptions(transformations=[tag_resources(tags)])


def _with_project_tags(
    own: pulumi.Input[Mapping[str, str]] | None, project_tags: dict[str, str]
) -> pulumi.Input[Mapping[str, str]]:
    if own is None:
        return project_tags
    if isinstance(own, Mapping) and not any(isinstance(v, pulumi.Output) for v in own.values()):
        return {**own, **project_tags}

    def merge(resolved: Any) -> dict[str, str]:
        return {**dict(resolved or {}), **project_tags}

    return pulumi.Output.from_input(own).apply(merge)
