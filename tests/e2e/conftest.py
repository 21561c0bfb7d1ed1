"""One sandbox per group of tests, started as a user would start it; HTTP only from then on."""

from collections.abc import Iterator

import pytest

from tests.e2e.harness import SandboxClient, running_sandbox

# Long enough to open the emailed link and decide, short enough to watch a request expire.
FLOWS_APPROVAL_TIMEOUT = 10


@pytest.fixture(scope="session")
def flows_sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SandboxClient]:
    """Shared by the user-flow and browser tests (xdist group "sandbox-flows")."""
    with running_sandbox(tmp_path_factory.mktemp("flows") / "data", FLOWS_APPROVAL_TIMEOUT) as sb:
        yield sb
