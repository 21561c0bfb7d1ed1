"""The policy tests run the program under mocks too: quiet pulumi_aws as the Pulumi tests do,
and deploy the program once for every policy test module."""

import pytest

import tests.pulumi.conftest  # noqa: F401
from policy.rules import Resource
from tests.pulumi.mocks import Deployment
from tests.pulumi.support import run_main


@pytest.fixture(scope="session")
def program() -> Deployment:
    """The unmodified program with the dev stack's config, under mocks."""
    return run_main()


@pytest.fixture(scope="session")
def stack(program: Deployment) -> list[Resource]:
    """The program's resources as the pack sees them: each with its outputs."""
    return [Resource(r.typ, r.name, r.outputs) for r in program.resources if r.custom]
