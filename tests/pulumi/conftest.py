"""pulumi_aws warns about a deprecated resource this program never uses, when it loads the
module lazily in the middle of a test: load it here, quietly."""

import warnings
from typing import Any

import pytest

from tests.pulumi.mocks import Deployment
from tests.pulumi.support import deploy_service

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    import pulumi_aws.lambda_.microvms_image  # noqa: F401


@pytest.fixture(scope="module")
def deployed(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Deployment, dict[str, Any]]:
    """The service deployed under mocks once per module; with the observability component
    on it in modules marked `observed`."""
    observed = request.node.get_closest_marker("observed") is not None
    return deploy_service(tmp_path_factory.mktemp("packages"), observed=observed)


@pytest.fixture(scope="module")
def deployment(deployed: tuple[Deployment, dict[str, Any]]) -> Deployment:
    return deployed[0]
