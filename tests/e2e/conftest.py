"""One sandbox per group of tests, started as a user would start it; HTTP only from then on."""

from collections.abc import Iterator

import pytest

from tests.e2e.harness import SandboxClient, running_sandbox

# Long enough that no test races it on a busy machine (expiry is shown by test_restart).
FLOWS_APPROVAL_TIMEOUT = 600


@pytest.fixture(scope="session")
def flows_sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SandboxClient]:
    """Shared by the user-flow and browser tests (xdist group "sandbox-flows")."""
    with running_sandbox(tmp_path_factory.mktemp("flows") / "data", FLOWS_APPROVAL_TIMEOUT) as sb:
        yield sb
