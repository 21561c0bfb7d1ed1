"""The Lambda packages, built by the program: the code archive and the dependency layer.

Both are zip files whose bytes depend only on their inputs: entries sorted, every timestamp
1980-01-01, every mode rw-r--r--, nothing machine-specific inside. The same sources and the same
lock therefore give the same archive hash, and a second `pulumi up` changes nothing.

- Code: the `handlers` package's `.py` files and the pages' own files (`PAGE_FILES`: the
  script, the stylesheet, the templates, which handlers/web/rendering.py reads through
  importlib.resources), nothing else (no caches, no tests), laid out so
  `handlers.submit.handler` imports from the archive root (/var/task).
- Layer: the `lambda` dependency group of pyproject.toml, exactly as uv.lock pins it, installed
  from wheels built for the Lambda platform (python3.13 on arm64) under `python/` (/opt/python).

Bytecode (`compileBytecode`, on by default): Lambda's filesystems are read-only, so Python cannot
cache what it compiles, and every cold start compiles every module it imports from source (0.5 to
0.8 s more per cold start, see bench/ and the README). Given an interpreter of the runtime's
version, both archives carry `__pycache__/*.pyc` files compiled by it, hash-based and unchecked,
so the runtime loads them without reading the sources' timestamps (which the zip fixes at 1980).
A machine without that Python gets one the way uv does (`uv python install`); where even that
fails, the deploy stops with one line saying so (and that `compileBytecode: false` skips it).

Builds are cached under `build/`, keyed by a hash of their inputs. Each is written to a temporary
file and renamed into place, so two processes building at once (pytest -n 2) cannot see half a
zip: both write the same bytes, and whichever rename lands last wins.

Over 400 lines, on purpose: the two archives share the deterministic zip, the bytecode and the
cache, and read best together.
"""

from __future__ import annotations

import base64
import hashlib
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import pulumi

PROJECT_ROOT = Path(__file__).resolve().parent.parent
BUILD_DIR = PROJECT_ROOT / "build"
CODE_PACKAGE = "handlers"
# Folders of the code package whose files ship as they are, whatever their kind. (The sandbox's
# own static/ and templates/ never ship: only the sandbox reads them, from the project.)
PAGE_FILES = ("web/static", "web/templates")

LAMBDA_RUNTIME = "python3.13"
LAMBDA_ARCHITECTURE = "arm64"
# What uv calls the Lambda platform: Amazon Linux 2023 on Graviton runs manylinux2014 wheels.
PYTHON_PLATFORM = "aarch64-manylinux2014"
PYTHON_VERSION = "3.13"
DEPENDENCY_GROUP = "lambda"
# Where a Python layer's packages go: Lambda puts /opt/python on sys.path.
LAYER_ROOT = "python"

# Bump when the way an archive is built changes, so cached builds of the old format are ignored.
BUILD_FORMAT = "2"
# Where Lambda unpacks the code archive and the layer: the paths tracebacks name.
CODE_MOUNT = "/var/task"
LAYER_MOUNT = "/opt"

_ZIP_TIMESTAMP = (1980, 1, 1, 0, 0, 0)
_REGULAR_FILE_RW_R_R = (0o100644 & 0xFFFF) << 16
_CREATED_ON_UNIX = 3
_COMPRESS_LEVEL = 6
_CHUNK = 1 << 20


class PackagingError(pulumi.RunError):
    """A package could not be built; the message says what to fix (Pulumi shows no trace)."""


@dataclass(frozen=True)
class BuiltArchive:
    """A built zip file, ready to hand to Lambda."""

    path: Path

    @property
    def sha256(self) -> str:
        """Base64 SHA-256 of the zip: what Lambda reports as CodeSha256."""
        digest = hashlib.sha256()
        with self.path.open("rb") as stream:
            for chunk in iter(lambda: stream.read(_CHUNK), b""):
                digest.update(chunk)
        return base64.b64encode(digest.digest()).decode("ascii")

    def archive(self) -> pulumi.FileArchive:
        return pulumi.FileArchive(str(self.path))


@dataclass(frozen=True)
class Bytecode:
    """Compiles sources with `python`, an interpreter of Python `version` (the runtime's)."""

    python: str
    version: str

    @classmethod
    def for_runtime(cls, version: str = PYTHON_VERSION) -> Bytecode:
        """An interpreter of `version` on this machine, as uv finds it; when there is none,
        uv installs one (`uv python install`), as a machine that deploys to AWS can."""
        try:
            python = _find_python(version)
        except PackagingError:
            try:
                _run_uv("python", "install", version, cwd=PROJECT_ROOT, downloads=True)
                python = _find_python(version)
            except PackagingError as failure:
                reason = str(failure).strip().splitlines()[-1].strip()
                raise PackagingError(
                    f"compileBytecode needs Python {version} (the Lambda runtime's), and "
                    f"`uv python install {version}` could not get it ({reason}): install it, or "
                    "set compileBytecode to false"
                ) from None
        found = _interpreter_version(python)
        if found != version:
            raise PackagingError(f"{python} is Python {found}, not {version}")
        return cls(python, version)

    def compile(self, tree: Path, mount: str) -> None:
        """Compile every .py under `tree`, naming each file as it will be at `mount`."""
        # A fixed hash seed: set constants are written in iteration order.
        environment = {"PATH": os.environ.get("PATH", ""), "PYTHONHASHSEED": "0"}
        command = [
            *(self.python, "-m", "compileall", "-q", "-j", "0"),
            *("--invalidation-mode", "unchecked-hash"),
            *("-s", str(tree), "-p", mount, str(tree)),
        ]
        result = subprocess.run(  # noqa: S603 - an interpreter we checked, fixed arguments
            command, env=environment, capture_output=True, text=True, check=False
        )
        if result.returncode != 0:
            raise PackagingError(f"compiling {tree} to bytecode failed:\n{result.stdout}")


def _interpreter_version(python: str) -> str:
    result = subprocess.run(  # noqa: S603 - the interpreter uv found, a fixed snippet
        [python, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout.strip()


def _bytecode_key(bytecode: Bytecode | None) -> str:
    return f"bytecode-{bytecode.version}" if bytecode else "no-bytecode"


# An entry's bytes are read from a file, optionally rewritten on the way into the zip.
Rewrite = Callable[[str, bytes], bytes]


def write_deterministic_zip(
    entries: Iterable[tuple[str, Path]], destination: Path, rewrite: Rewrite | None = None
) -> None:
    """Zip files under the given archive names; the bytes depend only on names and contents."""
    ordered = sorted(entries, key=lambda entry: entry[0])
    names = [name for name, _ in ordered]
    if len(set(names)) != len(names):
        raise PackagingError(f"duplicate entries for {destination.name}")
    destination.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(
        prefix=f".{destination.name}.", suffix=".tmp", dir=destination.parent
    )
    os.close(handle)
    try:
        with zipfile.ZipFile(temporary, "w") as archive:
            for name, source in ordered:
                info = zipfile.ZipInfo(name, date_time=_ZIP_TIMESTAMP)
                info.compress_type = zipfile.ZIP_DEFLATED
                info.create_system = _CREATED_ON_UNIX
                info.external_attr = _REGULAR_FILE_RW_R_R
                content = source.read_bytes()
                if rewrite is not None:
                    content = rewrite(name, content)
                archive.writestr(info, content, compresslevel=_COMPRESS_LEVEL)
        os.chmod(temporary, 0o644)  # mkstemp makes it private; nothing in it is secret
        os.replace(temporary, destination)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _digest(*parts: str | bytes) -> str:
    digest = hashlib.sha256()
    for part in parts:
        data = part.encode() if isinstance(part, str) else part
        digest.update(len(data).to_bytes(8, "big"))
        digest.update(data)
    return digest.hexdigest()


# ---------------------------------------------------------------------------------------------
# The code archive


def _is_runtime_source(relative: Path) -> bool:
    parts = relative.parts
    return not (
        "__pycache__" in parts
        or any(part in {"tests", "test"} for part in parts)
        or relative.name.startswith("test_")
        or relative.name == "conftest.py"
    )


def code_files(root: Path = PROJECT_ROOT) -> list[tuple[str, Path]]:
    """The handlers package's runtime sources and page files, as (archive name, file) pairs."""
    package = root / CODE_PACKAGE
    if not (package / "__init__.py").is_file():
        raise PackagingError(f"no {CODE_PACKAGE} package in {root}")
    candidates = [*package.rglob("*.py")]
    for folder in PAGE_FILES:
        candidates += (package / folder).rglob("*")
    files = set()
    for path in candidates:
        relative = path.relative_to(root)
        if path.is_file() and _is_runtime_source(relative):
            files.add((relative.as_posix(), path))
    return sorted(files)


def build_code_archive(
    root: Path = PROJECT_ROOT, build_dir: Path = BUILD_DIR, bytecode: Bytecode | None = None
) -> BuiltArchive:
    files = code_files(root)
    key = _digest(
        BUILD_FORMAT,
        _bytecode_key(bytecode),
        *(part for name, path in files for part in (name, path.read_bytes())),
    )
    destination = build_dir / f"code-{key[:24]}.zip"
    if not destination.is_file():
        if bytecode is None:
            write_deterministic_zip(files, destination)
        else:
            _write_compiled_code_zip(files, destination, bytecode)
    return BuiltArchive(destination)


def _write_compiled_code_zip(
    files: list[tuple[str, Path]], destination: Path, bytecode: Bytecode
) -> None:
    """The sources and their bytecode, compiled in a scratch copy laid out as /var/task."""
    destination.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".code-", dir=destination.parent) as work:
        task = Path(work)
        for name, path in files:
            (task / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, task / name)
        bytecode.compile(task, CODE_MOUNT)
        compiled = [(p.relative_to(task).as_posix(), p) for p in task.rglob("*") if p.is_file()]
        write_deterministic_zip(compiled, destination)


# ---------------------------------------------------------------------------------------------
# The dependency layer


def uv_command() -> list[str]:
    """uv, a project dependency: next to this interpreter, else as a module, else on PATH."""
    beside = shutil.which("uv", path=str(Path(sys.executable).parent))
    if beside:
        return [beside]
    if importlib.util.find_spec("uv") is not None:
        return [sys.executable, "-m", "uv"]
    on_path = shutil.which("uv")
    if on_path:
        return [on_path]
    raise PackagingError(
        "uv is needed to build the Lambda layer: run `make install` (it is a project dependency)"
    )


def _find_python(version: str) -> str:
    return _run_uv("python", "find", "--no-project", version, cwd=PROJECT_ROOT).strip()


def _run_uv(*arguments: str, cwd: Path, downloads: bool = False) -> str:
    """Run uv; it downloads no Python unless `downloads` (and the environment allows it)."""
    environment = dict(os.environ)
    # Bytecode would be compiled for this machine's Python, not the Lambda runtime's.
    environment.pop("UV_COMPILE_BYTECODE", None)
    if not downloads:
        environment["UV_PYTHON_DOWNLOADS"] = "never"
    command = [*uv_command(), *arguments]
    try:
        result = subprocess.run(  # noqa: S603 - a fixed program with arguments we build
            command, cwd=cwd, env=environment, capture_output=True, text=True, check=True
        )
    except subprocess.CalledProcessError as failure:
        raise PackagingError(
            f"`uv {' '.join(arguments[:2])}` failed ({failure.returncode}):\n{failure.stderr}"
        ) from None
    return result.stdout


def uv_version() -> str:
    return _run_uv("--version", cwd=PROJECT_ROOT).strip()


def export_requirements(root: Path = PROJECT_ROOT) -> str:
    """The `lambda` group as uv.lock pins it: a requirements file with hashes."""
    return _run_uv(
        "export",
        "--frozen",
        "--only-group",
        DEPENDENCY_GROUP,
        "--no-emit-project",
        "--format",
        "requirements.txt",
        "--no-header",
        "--no-annotate",
        cwd=root,
    )


def install_dependencies(requirements: str, target: Path) -> None:
    """Install exactly the pinned wheels for the Lambda platform into `target`."""
    requirements_file = target.parent / "requirements.txt"
    requirements_file.write_text(requirements)
    _run_uv(
        "pip",
        "install",
        "--target",
        str(target),
        "--python-platform",
        PYTHON_PLATFORM,
        "--python-version",
        PYTHON_VERSION,
        "--only-binary",
        ":all:",
        "--no-deps",
        "--require-hashes",
        # Copies, not links into uv's cache: the files are read into the zip as they are.
        "--link-mode",
        "copy",
        "--requirement",
        str(requirements_file),
        cwd=target.parent,
    )


def _layer_entry_wanted(relative: Path) -> bool:
    # uv compiles nothing here (see _run_uv): any bytecode is our own, compiled for the runtime.
    parts = relative.parts
    # Console scripts: their first line names this machine's Python, and Lambda never runs them.
    return not (len(parts) > 1 and parts[1] == "bin")


def _drop_scripts_from_records(name: str, content: bytes) -> bytes:
    """RECORD files list the console scripts (with hashes of this machine's shebang)."""
    if not name.endswith(".dist-info/RECORD"):
        return content
    lines = content.decode("utf-8").splitlines(keepends=True)
    kept = [line for line in lines if not line.startswith(("bin/", "../"))]
    return "".join(kept).encode("utf-8")


def layer_files(install_root: Path) -> list[tuple[str, Path]]:
    files = []
    for path in (install_root / LAYER_ROOT).rglob("*"):
        relative = path.relative_to(install_root)
        if path.is_file() and _layer_entry_wanted(relative):
            files.append((relative.as_posix(), path))
    return sorted(files)


def layer_key(requirements: str, bytecode: Bytecode | None = None) -> str:
    return _digest(
        BUILD_FORMAT,
        PYTHON_PLATFORM,
        PYTHON_VERSION,
        uv_version(),
        _bytecode_key(bytecode),
        json.dumps(requirements),
    )


def build_layer_archive(
    destination: Path,
    requirements: str,
    scratch_dir: Path | None = None,
    bytecode: Bytecode | None = None,
) -> BuiltArchive:
    """Build the layer zip at `destination`, from scratch (no cache)."""
    scratch_dir = scratch_dir or destination.parent
    scratch_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".layer-", dir=scratch_dir) as work:
        install_root = Path(work) / "root"
        target = install_root / LAYER_ROOT
        target.mkdir(parents=True)
        install_dependencies(requirements, target)
        if bytecode is not None:
            bytecode.compile(target, f"{LAYER_MOUNT}/{LAYER_ROOT}")
        write_deterministic_zip(
            layer_files(install_root), destination, rewrite=_drop_scripts_from_records
        )
    return BuiltArchive(destination)


def build_layer(
    root: Path = PROJECT_ROOT, build_dir: Path = BUILD_DIR, bytecode: Bytecode | None = None
) -> BuiltArchive:
    """The dependency layer, built once per distinct lock, platform and bytecode."""
    requirements = export_requirements(root)
    destination = build_dir / f"layer-{layer_key(requirements, bytecode)[:24]}.zip"
    if destination.is_file():
        return BuiltArchive(destination)
    return build_layer_archive(destination, requirements, build_dir, bytecode)


@dataclass(frozen=True)
class LambdaPackages:
    """What every function of the service runs: its code, and the layer beneath it."""

    code: BuiltArchive
    layer: BuiltArchive


def build_packages(
    root: Path = PROJECT_ROOT, build_dir: Path = BUILD_DIR, bytecode: Bytecode | None = None
) -> LambdaPackages:
    return LambdaPackages(
        code=build_code_archive(root, build_dir, bytecode),
        layer=build_layer(root, build_dir, bytecode),
    )
