"""ARCHITECTURE.md names modules and folders as a newcomer will look for them: each one it names
exists, so the map cannot quietly drift from the code."""

import os
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# `handlers/logic/submission.py`, `logic/submission.py`, `sandbox/`, `static/` ...
_NOT_OURS = {".git", ".venv", "node_modules", "build", "__pycache__", ".mypy_cache", ".ruff_cache"}
_NAMED_PATH = re.compile(r"`([\w./-]+(?:\.py|\.md|/))`")


def _files() -> set[str]:
    found = set()
    for folder, subfolders, names in os.walk(ROOT):
        subfolders[:] = [d for d in subfolders if d not in _NOT_OURS]
        here = Path(folder).relative_to(ROOT).as_posix()
        prefix = "" if here == "." else here + "/"
        found |= {prefix + d + "/" for d in subfolders} | {prefix + n for n in names}
    return found


def _exists(named: str, files: set[str]) -> bool:
    # A name may be written from its folder (`logic/retries.py` inside handlers/).
    return any(f == named or f.endswith("/" + named) for f in files)


def test_every_module_and_folder_the_map_names_exists() -> None:
    files = _files()
    named = set(_NAMED_PATH.findall((ROOT / "ARCHITECTURE.md").read_text()))

    assert len(named) > 40
    assert sorted(n for n in named if not _exists(n, files)) == []


def test_the_check_finds_a_name_that_is_gone() -> None:
    assert not _exists("logic/approving.py", _files())
