"""The Lambda packages: what is inside them, and that the same inputs give the same bytes.

The layer is built once (cached under build/); the determinism tests build it twice more from
scratch, which takes a few seconds with uv's cache warm. They share one xdist group.
"""

import json
import os
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from components.packaging import (
    LambdaPackages,
    build_code_archive,
    build_layer_archive,
    build_packages,
    export_requirements,
    write_deterministic_zip,
)
from components.service_functions import DECISION_HANDLER, SUBMIT_HANDLER, WORKFLOW_HANDLER
from tests.pulumi.mocks import PROJECT_ROOT

pytestmark = pytest.mark.xdist_group("packaging")

LAMBDA_DIRECT_UPLOAD_LIMIT = 50 * 1024 * 1024
LAMBDA_UNZIPPED_LIMIT = 250 * 1024 * 1024
NOT_FOR_LAMBDA = {
    "pytest",
    "_pytest",
    "moto",
    "mypy",
    "ruff",
    "pulumi",
    "pulumi_aws",
    "uv",
    "aws_durable_execution_sdk_python_testing",
    "aws_xray_sdk",
    "xdist",
}


@pytest.fixture(scope="module")
def packages() -> LambdaPackages:
    return build_packages()


def names(archive: Path) -> list[str]:
    with zipfile.ZipFile(archive) as zipped:
        return zipped.namelist()


def normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


# -- the code archive ---------------------------------------------------------------------------


def _project_files(pattern: str, under: Path) -> set[str]:
    return {
        path.relative_to(PROJECT_ROOT).as_posix()
        for path in under.rglob(pattern)
        if path.is_file() and "__pycache__" not in path.parts
    }


def test_the_code_archive_holds_the_handlers_sources_and_pages_and_nothing_else(
    packages: LambdaPackages,
) -> None:
    inside = names(packages.code.path)
    web = PROJECT_ROOT / "handlers" / "web"
    expected = (
        _project_files("*.py", PROJECT_ROOT / "handlers")
        | _project_files("*", web / "static")
        | _project_files("*", web / "templates")
    )
    assert inside == sorted(expected)
    assert "handlers/__init__.py" in inside
    for page_file in (
        "handlers/web/static/employee_app.js",
        "handlers/web/static/style.css",
        "handlers/web/templates/page.html",
        "handlers/web/templates/email/message.html",
    ):
        assert page_file in inside
    assert not [n for n in inside if "test" in n.split("/")[-1] or "/tests/" in n]


def test_every_handler_imports_from_the_archive_layout(
    packages: LambdaPackages, tmp_path: Path
) -> None:
    task = tmp_path / "task"
    with zipfile.ZipFile(packages.code.path) as zipped:
        zipped.extractall(task)
    # Lambda puts /var/task on sys.path: do the same with the extracted archive, from a
    # directory where the project itself is not importable. Dependencies come from this venv.
    script = (
        "import importlib, sys\n"
        "import handlers\n"
        f"assert handlers.__file__.startswith({str(task)!r}), handlers.__file__\n"
        "for spec in sys.argv[1:]:\n"
        "    module, _, function = spec.rpartition('.')\n"
        "    assert callable(getattr(importlib.import_module(module), function)), spec\n"
    )
    environment = {
        key: value for key, value in os.environ.items() if not key.startswith("PYTHON")
    } | {"PYTHONPATH": str(task), "AWS_DEFAULT_REGION": "us-east-2"}
    result = subprocess.run(  # noqa: S603 - this interpreter, our own script
        [sys.executable, "-c", script, SUBMIT_HANDLER, WORKFLOW_HANDLER, DECISION_HANDLER],
        cwd=tmp_path,
        env=environment,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr


# Renders a page of each kind from the extracted archive, as a handler would on Lambda.
_RENDER_FROM_ARCHIVE = """
import json, sys
from datetime import UTC, date, datetime
import handlers
from handlers.domain.leave_request import LeaveRecord
from handlers.domain.statuses import LeaveStatus
from handlers.domain.team_leave import TeamLeave, TeamOverlap
from handlers.web.decision_pages import decision_form
from handlers.web.emails import receipt_email
from handlers.web.employee_app import AppConfig, app_page
from handlers.web.employee_app_script import SCRIPT

record = LeaveRecord(
    request_id="lr-1", execution_name="lr-1-0", employee_email="employee@email.com",
    approver_email="manager@email.com", start_date=date(2026, 1, 10),
    end_date=date(2026, 1, 12), reason="<b>moving</b>", status=LeaveStatus.PENDING,
    submitted_at=datetime(2026, 1, 2, tzinfo=UTC),
)
config = AppConfig("https://api.example/live/", "client", "https://i/auth", "https://i/token")
team = TeamOverlap(None, [
    TeamLeave("colleague@email.com", date(2026, 1, 9), date(2026, 1, 10), LeaveStatus.APPROVED)
])
json.dump({
    "package": handlers.__file__,
    "app_page": app_page(config),
    "script": SCRIPT,
    "decision_form": decision_form(record, "a.b", team),
    "email": receipt_email(record, "https://api.example/live/requests/lr-1").html,
}, sys.stdout)
"""


def test_the_handlers_render_their_pages_from_the_archive_alone(
    packages: LambdaPackages, tmp_path: Path
) -> None:
    task = tmp_path / "task"
    with zipfile.ZipFile(packages.code.path) as zipped:
        zipped.extractall(task)
    environment = {
        key: value for key, value in os.environ.items() if not key.startswith("PYTHON")
    } | {"PYTHONPATH": str(task), "AWS_DEFAULT_REGION": "us-east-2"}
    result = subprocess.run(  # noqa: S603 - this interpreter, our own script
        [sys.executable, "-c", _RENDER_FROM_ARCHIVE],
        cwd=tmp_path,
        env=environment,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    rendered = json.loads(result.stdout)
    assert rendered["package"].startswith(str(task))
    stylesheet = (PROJECT_ROOT / "handlers/web/static/style.css").read_text()
    assert stylesheet in rendered["app_page"]
    assert '<script src="https://api.example/live/app.js" defer></script>' in rendered["app_page"]
    assert rendered["script"] == (PROJECT_ROOT / "handlers/web/static/employee_app.js").read_text()
    assert stylesheet in rendered["decision_form"]
    assert "&lt;b&gt;moving&lt;/b&gt;" in rendered["decision_form"]
    assert "<strong>colleague@email.com</strong>" in rendered["decision_form"]
    assert 'href="https://api.example/live/requests/lr-1"' in rendered["email"]
    assert "&lt;b&gt;moving&lt;/b&gt;" in rendered["email"]


# -- the layer ----------------------------------------------------------------------------------

# e_machine of an ELF file built for 64-bit ARM (Lambda's arm64).
ELF_MACHINE_AARCH64 = 183


def test_the_layer_holds_the_lambda_group_built_for_python_313_on_arm64(
    packages: LambdaPackages,
) -> None:
    inside = names(packages.layer.path)
    assert all(n.startswith("python/") for n in inside)
    top_level = {n.split("/")[1] for n in inside}
    for package in ("aws_durable_execution_sdk_python", "boto3", "botocore", "pydantic"):
        assert package in top_level
    assert "aws_lambda_powertools" in top_level
    extensions = [n for n in inside if n.endswith(".so")]
    assert "python/pydantic_core/_pydantic_core.cpython-313-aarch64-linux-gnu.so" in extensions
    # cryptography's is one for every Python 3 (abi3): its name says no architecture, its ELF
    # header does.
    assert "python/cryptography/hazmat/bindings/_rust.abi3.so" in extensions
    with zipfile.ZipFile(packages.layer.path) as archive:
        for extension in extensions:
            header = archive.read(extension)[:20]
            assert header[:4] == b"\x7fELF", extension
            assert int.from_bytes(header[18:20], "little") == ELF_MACHINE_AARCH64, extension
        assert "cpython-313" in extension or "abi3" in extension, extension


def test_the_layer_has_exactly_the_locked_lambda_group(packages: LambdaPackages) -> None:
    locked = {
        normalise(line.split("==")[0])
        for line in export_requirements().splitlines()
        if line and not line[0].isspace() and not line.startswith("#")
    }
    distributions = {
        normalise(n.split("/")[1].removesuffix(".dist-info").rsplit("-", 1)[0])
        for n in names(packages.layer.path)
        if n.split("/")[1].endswith(".dist-info")
    }
    assert distributions == locked
    assert "aws-durable-execution-sdk-python" in distributions


def test_the_layer_carries_a_new_enough_boto3(packages: LambdaPackages) -> None:
    with zipfile.ZipFile(packages.layer.path) as zipped:
        for distribution in ("boto3", "botocore"):
            [metadata] = [
                n
                for n in zipped.namelist()
                if re.fullmatch(rf"python/{distribution}-[^/]+\.dist-info/METADATA", n)
            ]
            version_line = re.search(r"^Version: (.+)$", zipped.read(metadata).decode(), re.M)
            assert version_line is not None
            version = tuple(int(part) for part in version_line.group(1).split(".")[:3])
            # The durable execution SDK needs the durable APIs, added in 1.42.1.
            assert version >= (1, 42, 1), (distribution, version)


def test_the_layer_has_no_test_or_dev_packages_and_nothing_machine_specific(
    packages: LambdaPackages,
) -> None:
    with zipfile.ZipFile(packages.layer.path) as zipped:
        inside = zipped.namelist()
        top_level = {n.split("/")[1].split("-")[0].removesuffix(".py") for n in inside}
        assert not top_level & NOT_FOR_LAMBDA
        assert not [n for n in inside if n.startswith("python/bin/")]
        assert not [n for n in inside if n.endswith(".pyc") or "__pycache__" in n]
        for record in (n for n in inside if n.endswith(".dist-info/RECORD")):
            text = zipped.read(record).decode()
            assert not [line for line in text.splitlines() if line.startswith(("bin/", "../"))]
            assert "/root/" not in text
            assert str(PROJECT_ROOT) not in text


def test_the_archives_fit_lambda_limits(packages: LambdaPackages) -> None:
    assert packages.layer.path.stat().st_size < LAMBDA_DIRECT_UPLOAD_LIMIT
    assert packages.code.path.stat().st_size < LAMBDA_DIRECT_UPLOAD_LIMIT
    unzipped = 0
    for archive in (packages.code.path, packages.layer.path):
        with zipfile.ZipFile(archive) as zipped:
            unzipped += sum(info.file_size for info in zipped.infolist())
    assert unzipped < LAMBDA_UNZIPPED_LIMIT


# -- determinism --------------------------------------------------------------------------------


def test_every_entry_has_a_fixed_time_and_mode(packages: LambdaPackages) -> None:
    for archive in (packages.code.path, packages.layer.path):
        with zipfile.ZipFile(archive) as zipped:
            infos = zipped.infolist()
            assert [i.filename for i in infos] == sorted(i.filename for i in infos)
            for info in infos:
                assert info.date_time == (1980, 1, 1, 0, 0, 0)
                assert info.external_attr >> 16 == 0o100644
                assert info.create_system == 3


def test_the_zip_depends_only_on_names_and_contents(tmp_path: Path) -> None:
    sources = tmp_path / "sources"
    sources.mkdir()
    files = []
    for index, name in enumerate(["b.py", "a.py", "c/d.py"]):
        path = sources / name.replace("/", "_")
        path.write_text(f"value = {index}\n")
        os.utime(path, (1_000_000 + index, 1_000_000 + index))
        path.chmod(0o600 + index)
        files.append((name, path))
    write_deterministic_zip(files, tmp_path / "one.zip")
    for path in sources.iterdir():
        os.utime(path, None)
        path.chmod(0o755)
    write_deterministic_zip(list(reversed(files)), tmp_path / "two.zip")
    assert (tmp_path / "one.zip").read_bytes() == (tmp_path / "two.zip").read_bytes()


def test_two_code_builds_are_byte_identical(packages: LambdaPackages, tmp_path: Path) -> None:
    first = build_code_archive(build_dir=tmp_path / "one")
    second = build_code_archive(build_dir=tmp_path / "two")
    assert first.path.read_bytes() == second.path.read_bytes() == packages.code.path.read_bytes()
    assert first.sha256 == packages.code.sha256


def test_two_layer_builds_are_byte_identical(packages: LambdaPackages, tmp_path: Path) -> None:
    # The cached layer was built the same way; build it again from scratch, uncached.
    again = build_layer_archive(tmp_path / "layer.zip", export_requirements())
    assert again.path.read_bytes() == packages.layer.path.read_bytes()
    assert again.sha256 == packages.layer.sha256


def test_a_second_build_reuses_the_cached_archives(packages: LambdaPackages) -> None:
    stamps = {path: path.stat().st_mtime_ns for path in (packages.code.path, packages.layer.path)}
    again = build_packages()
    assert again == packages
    assert {path: path.stat().st_mtime_ns for path in stamps} == stamps
