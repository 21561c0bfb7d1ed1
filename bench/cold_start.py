"""Cold start, as the cost of importing each handler module in a fresh interpreter.

Lambda's init phase is dominated by imports, so each handler is imported in a new Python
process (as a new execution environment would), several times, and compared with `import
boto3` alone measured in the same run on the same machine. Runs are interleaved (boto3, the
floor, every handler, then again) so that the machine's drift during the run falls on all alike.

The floor is what any handler loads under the project's rules before a line of its own runs:
boto3, Powertools' Logger and Metrics, and one Pydantic model (its settings), loaded as the
handlers package loads them (the garbage collector held off). A target below
the floor cannot be met by changing the handlers.

The first count of working days: public holidays come from the `holidays` package, which the
submit function imports only when it first counts a request (one country's module), so that cost
falls on an environment's first submission, not on its start. Measured apart, in a fresh
interpreter that has loaded the submit handler already.

Without bytecode: Lambda's filesystems are read-only, so unless the archives carry bytecode
(`compileBytecode`) every cold start compiles the layer's and the code's modules from source.
Measured here with only the standard library compiled, as the runtime ships it.
"""

import os
import statistics
import subprocess
import sys
import sysconfig
import tempfile
from collections import defaultdict
from pathlib import Path

HANDLER_MODULES = (
    "handlers.submit",
    "handlers.workflow",
    "handlers.decision",
    "handlers.pending_gauge",
    "handlers.settler",
)
BASELINE = "boto3"
FLOOR = "floor"
# The guard the team decided on: no handler imports in more than twice `import boto3`.
TARGET_RATIO = 2.0
_FLOOR_STATEMENT = (
    "import handlers\n"  # the package's own start: collection held off while a handler loads
    "import boto3\n"
    "from aws_lambda_powertools import Logger, Metrics\n"
    "from pydantic import BaseModel\n"
    "class Settings(BaseModel):\n"
    "    table_name: str"
)


# A month counted with England's bank holidays, as submit counts a request.
FIRST_COUNT = "first working-day count"
_FIRST_COUNT_SETUP = (
    "import handlers.submit\n"
    "from datetime import date\n"
    "from handlers.domain.working_days import WorkCalendar"
)
_FIRST_COUNT_STATEMENT = (
    "WorkCalendar(holiday_country='GB', holiday_subdivision='ENG')"
    ".working_days(date(2026, 12, 1), date(2027, 1, 8))"
)


def _import_seconds(statement: str, *options: str, setup: str = "") -> float:
    """The statement in a fresh interpreter, timed inside it (process start-up excluded, and
    `setup`, run before the clock starts).

    Bytecode is cached, whatever PYTHONDONTWRITEBYTECODE says, so that every module is measured
    alike on every machine (see the README on bytecode in the deployed packages).
    """
    timed = f"import time\nt = time.perf_counter()\n{statement}\nprint(time.perf_counter() - t)"
    code = f"{setup}\n{timed}"
    environment = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    # As in a Lambda execution environment (handlers/__init__.py holds the collector there).
    environment["AWS_LAMBDA_FUNCTION_NAME"] = "cold-start-bench"
    done = subprocess.run(  # noqa: S603 - our own interpreter, a fixed snippet
        [sys.executable, *options, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        env=environment,
    )
    return float(done.stdout.strip().splitlines()[-1])


def _statements() -> dict[str, str]:
    return {
        BASELINE: f"import {BASELINE}",
        FLOOR: _FLOOR_STATEMENT,
        **{module: f"import {module}" for module in HANDLER_MODULES},
    }


def _median_ms(samples: list[float]) -> float:
    return round(statistics.median(samples) * 1000, 1)


def _compile_standard_library(prefix: Path) -> None:
    """Bytecode of the standard library only, under `prefix` (as `-X pycache_prefix` reads it)."""
    subprocess.run(  # noqa: S603 - our own interpreter, fixed arguments
        [
            *(sys.executable, "-X", f"pycache_prefix={prefix}", "-m", "compileall"),
            *("-q", "-j", "0", "-x", r"/(test|tests|idlelib|tkinter|site-packages)/"),
            sysconfig.get_paths()["stdlib"],
        ],
        capture_output=True,
        check=False,  # a few test files in the standard library do not compile, on purpose
    )


def without_bytecode(runs: int = 3) -> list[dict[str, object]]:
    """Import times when only the standard library has bytecode, as on Lambda by default."""
    with tempfile.TemporaryDirectory(prefix="stdlib-bytecode-") as prefix:
        _compile_standard_library(Path(prefix))
        options = ("-B", "-X", f"pycache_prefix={prefix}")
        samples: dict[str, list[float]] = defaultdict(list)
        for _ in range(runs):
            for module in (BASELINE, *HANDLER_MODULES):
                samples[module].append(_import_seconds(f"import {module}", *options))
    return [{"module": name, "median_ms": _median_ms(times)} for name, times in samples.items()]


def cold_starts(runs: int = 7) -> dict[str, object]:
    statements = _statements()
    for statement in statements.values():
        _import_seconds(statement)  # warm the filesystem cache, as a deployed package would be
    samples: dict[str, list[float]] = defaultdict(list)
    for _ in range(runs):
        for name, statement in statements.items():
            samples[name].append(_import_seconds(statement))
        samples[FIRST_COUNT].append(
            _import_seconds(_FIRST_COUNT_STATEMENT, setup=_FIRST_COUNT_SETUP)
        )
    baseline = _median_ms(samples[BASELINE])

    def row(name: str) -> dict[str, object]:
        median = _median_ms(samples[name])
        return {"module": name, "median_ms": median, "ratio_to_boto3": round(median / baseline, 2)}

    return {
        "baseline": {"module": BASELINE, "median_ms": baseline},
        "floor": {
            **row(FLOOR),
            "module": "boto3 + Powertools Logger, Metrics + one Pydantic model",
        },
        "handlers": [row(module) for module in HANDLER_MODULES],
        "first_count": {
            **row(FIRST_COUNT),
            "module": "holidays (GB, ENG), in handlers.submit on its first submission",
        },
        "without_bytecode": without_bytecode(),
        "runs": runs,
        "target_ratio": TARGET_RATIO,
    }
