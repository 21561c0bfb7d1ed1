"""How long the unmodified Pulumi program takes to evaluate, under the test mocks.

Measured in fresh interpreters, so it includes importing the Pulumi SDK and provider (as every
`pulumi up` does) and, separately, the program's own run. Packages come from the build cache:
building the layer the first time is a one-off that depends on the network.
"""

import json
import statistics
import subprocess
import sys

_SNIPPET = """
import json, time
start = time.perf_counter()
from tests.pulumi.support import run_main
imported = time.perf_counter()
deployment = run_main()
done = time.perf_counter()
print(json.dumps({"import_s": imported - start, "run_s": done - imported,
                  "resources": len(deployment.resources)}))
"""


def _once() -> dict[str, float]:
    done = subprocess.run(  # noqa: S603 - our own interpreter, a fixed snippet
        [sys.executable, "-c", _SNIPPET], capture_output=True, text=True, check=True
    )
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def pulumi_evaluation(runs: int = 3) -> dict[str, object]:
    _once()  # fill the package build cache
    samples = [_once() for _ in range(runs)]
    return {
        "import_ms": round(statistics.median(s["import_s"] for s in samples) * 1000),
        "program_ms": round(statistics.median(s["run_s"] for s in samples) * 1000),
        "resources": int(samples[0]["resources"]),
        "runs": runs,
    }
