"""Cold start, as the cost of importing each handler module in a fresh interpreter.

Lambda's init phase is dominated by imports, so each handler is imported in a new Python
process (as a new execution environment would), several times, and compared with `import
boto3` alone measured in the same run on the same machine.
"""

import statistics
import subprocess
import sys
from dataclasses import dataclass

HANDLER_MODULES = (
    "handlers.submit",
    "handlers.workflow",
    "handlers.decision",
    "handlers.pending_gauge",
)
BASELINE = "boto3"


@dataclass(frozen=True)
class ImportTime:
    module: str
    median_ms: float
    runs: int


def _import_seconds(module: str) -> float:
    """One import in a fresh interpreter, timed inside it (process start-up excluded)."""
    code = f"import time; t = time.perf_counter(); import {module}; print(time.perf_counter() - t)"
    done = subprocess.run(  # noqa: S603 - our own interpreter, a fixed snippet
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    return float(done.stdout.strip().splitlines()[-1])


def measure(module: str, runs: int) -> ImportTime:
    _import_seconds(module)  # warm the filesystem cache, as a deployed package would be
    samples = [_import_seconds(module) for _ in range(runs)]
    return ImportTime(module, round(statistics.median(samples) * 1000, 1), runs)


def cold_starts(runs: int = 7) -> dict[str, object]:
    baseline = measure(BASELINE, runs)
    handlers = [measure(module, runs) for module in HANDLER_MODULES]
    return {
        "baseline": {"module": baseline.module, "median_ms": baseline.median_ms},
        "handlers": [
            {
                "module": h.module,
                "median_ms": h.median_ms,
                "ratio_to_boto3": round(h.median_ms / baseline.median_ms, 2),
            }
            for h in handlers
        ],
        "runs": runs,
        "target_ratio": 1.3,
    }
