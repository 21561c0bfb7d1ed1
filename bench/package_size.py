"""Package size: the functions' code archive and the dependency layer, zipped and unzipped.

All functions share one code archive (the `handlers` package) over one layer, exactly as the
Pulumi program builds them.
"""

import zipfile
from pathlib import Path

from components.packaging import build_packages

CODE_TARGET_KB = 100


def _sizes(path: Path) -> dict[str, float]:
    with zipfile.ZipFile(path) as archive:
        unzipped = sum(entry.file_size for entry in archive.infolist())
        files = len(archive.infolist())
    return {
        "zipped_kb": round(path.stat().st_size / 1024, 1),
        "unzipped_kb": round(unzipped / 1024, 1),
        "files": files,
    }


def package_sizes() -> dict[str, object]:
    packages = build_packages()
    return {
        "code_archive": _sizes(packages.code.path),
        "layer": _sizes(packages.layer.path),
        "code_target_kb": CODE_TARGET_KB,
    }
