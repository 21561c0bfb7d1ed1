"""Precompiled bytecode in the code archive (`compileBytecode`).

The deploy compiles with a Python of the Lambda runtime's version (3.13); this machine has only
its own, so these tests compile for the interpreter that runs them. What they check does not
depend on the version: the runtime loads the bytecode without the sources, and builds repeat.
"""

import importlib.util
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from components import packaging
from components.packaging import (
    CODE_MOUNT,
    BuiltArchive,
    Bytecode,
    PackagingError,
    build_code_archive,
)

pytestmark = pytest.mark.xdist_group("packaging")

THIS_PYTHON = Bytecode(sys.executable, f"{sys.version_info.major}.{sys.version_info.minor}")
# PEP 552: bit 0 set = hash-based, bit 1 clear = not checked against the source.
UNCHECKED_HASH_FLAGS = 0b01


@pytest.fixture(scope="module")
def compiled(tmp_path_factory: pytest.TempPathFactory) -> BuiltArchive:
    return build_code_archive(build_dir=tmp_path_factory.mktemp("build"), bytecode=THIS_PYTHON)


def _extract(archive: BuiltArchive, into: Path) -> Path:
    with zipfile.ZipFile(archive.path) as zipped:
        zipped.extractall(into)
    return into


def test_every_source_has_unchecked_bytecode_that_names_its_lambda_path(
    compiled: BuiltArchive, tmp_path: Path
) -> None:
    task = _extract(compiled, tmp_path / "task")
    sources = sorted(task.rglob("*.py"))
    assert sources
    for source in sources:
        cached = Path(importlib.util.cache_from_source(str(source)))
        assert cached.is_file(), f"no bytecode for {source.relative_to(task)}"
        header = cached.read_bytes()[:16]
        assert header[:4] == importlib.util.MAGIC_NUMBER
        assert int.from_bytes(header[4:8], "little") == UNCHECKED_HASH_FLAGS
    marshalled = Path(importlib.util.cache_from_source(str(task / "handlers" / "submit.py")))
    assert f"{CODE_MOUNT}/handlers/submit.py".encode() in marshalled.read_bytes()


def test_the_runtime_loads_the_bytecode_without_the_sources(
    compiled: BuiltArchive, tmp_path: Path
) -> None:
    task = _extract(compiled, tmp_path / "task")
    # Were the source compiled again, this would be a syntax error.
    (task / "handlers" / "domain" / "statuses.py").write_text("this is not Python\n")
    environment = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    result = subprocess.run(  # noqa: S603 - this interpreter, a fixed snippet
        [
            *(sys.executable, "-B", "-c"),
            "from handlers.domain.statuses import LeaveStatus; print(LeaveStatus.PENDING)",
        ],
        cwd=tmp_path,
        env=environment | {"PYTHONPATH": str(task)},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "pending"


def test_two_builds_with_bytecode_are_byte_identical(
    compiled: BuiltArchive, tmp_path: Path
) -> None:
    again = build_code_archive(build_dir=tmp_path / "again", bytecode=THIS_PYTHON)
    assert again.path.read_bytes() == compiled.path.read_bytes()


def test_bytecode_and_plain_builds_are_kept_apart(compiled: BuiltArchive, tmp_path: Path) -> None:
    plain = build_code_archive(build_dir=compiled.path.parent)
    assert plain.path != compiled.path
    with zipfile.ZipFile(plain.path) as zipped:
        assert not [n for n in zipped.namelist() if n.endswith(".pyc")]


def test_without_a_python_of_the_runtimes_version_the_error_says_how_to_get_one() -> None:
    # uv has no 3.99 to install: the deploy stops with one line saying what to do.
    with pytest.raises(PackagingError) as stopped:
        Bytecode.for_runtime("3.99")
    message = str(stopped.value)
    assert "`uv python install 3.99` could not get it" in message
    assert "set compileBytecode to false" in message
    assert "\n" not in message


def test_a_missing_python_of_the_runtimes_version_is_installed_by_uv(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """uv itself is replaced here: this machine may download nothing."""
    installed: list[str] = []

    def uv(*arguments: str, cwd: Path, downloads: bool = False) -> str:
        if arguments[:2] == ("python", "install"):
            assert downloads, "an install must be allowed to download"
            installed.append(arguments[2])
            return ""
        if arguments[:2] == ("python", "find") and installed:
            return sys.executable + "\n"
        raise packaging.PackagingError("no interpreter found")

    monkeypatch.setattr(packaging, "_run_uv", uv)

    bytecode = Bytecode.for_runtime(THIS_PYTHON.version)

    assert installed == [THIS_PYTHON.version]
    assert bytecode == THIS_PYTHON
