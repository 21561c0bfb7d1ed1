"""`leave-ops` as `make install` installs it: the command beside the project's interpreter,
run as an operator runs it, from anywhere and with nothing of the project on its path.

The install is editable: the command runs the code of the checkout the virtualenv was
installed from. A test of the command must test this checkout, so `leave_ops_command` first
checks that the install is this checkout's (and says how to make it so).
"""

import functools
import subprocess
import sys
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]
LEAVE_OPS = Path(sys.executable).parent / "leave-ops"


@functools.cache
def leave_ops_command() -> Path:
    assert LEAVE_OPS.exists(), f"{LEAVE_OPS} is missing: run `make install`"
    installed = subprocess.run(
        [sys.executable, "-c", "import ops; print(ops.__file__)"],
        cwd=Path(sys.executable).anchor,
        env={"PATH": str(LEAVE_OPS.parent)},
        capture_output=True,
        text=True,
        check=False,
    )
    assert installed.returncode == 0, installed.stderr
    where = Path(installed.stdout.strip()).resolve()
    assert where.is_relative_to(PROJECT_ROOT), (
        f"the virtualenv's leave-ops runs {where.parent}, not this checkout: "
        f"run `make install` in {PROJECT_ROOT}"
    )
    return LEAVE_OPS
