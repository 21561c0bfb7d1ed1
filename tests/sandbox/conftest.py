"""The sandbox's issuer served on a free port, once per test module that asks for it."""

from collections.abc import Iterator
from pathlib import Path

import pytest

from sandbox.oidc_issuer import LocalIssuer
from tests.sandbox.sign_in_calls import local_issuer, served_issuer


@pytest.fixture(scope="module")
def keys(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("keys")


@pytest.fixture(scope="module")
def issuer_url(keys: Path) -> Iterator[str]:
    with served_issuer(keys) as url:
        yield url


@pytest.fixture(scope="module")
def issuer(keys: Path, issuer_url: str) -> LocalIssuer:
    return local_issuer(keys, issuer_url)
