"""Record the histories the replay check replays: `python -m tests.replay.record`.

Runs each path of the workflow (tests/replay/paths/record_paths.py) with the integration
fixtures and writes tests/replay/histories/<path>.json. Regenerate them only for a deliberate
change of the workflow, and review the diff: a regenerated history is what executions started
by the new version will replay, and it no longer checks the old one (docs/deploying.md).
"""

import sys
from pathlib import Path

import pytest

PATHS = Path(__file__).parent / "paths" / "record_paths.py"


def main() -> int:
    return int(pytest.main([str(PATHS), "-q", "-p", "no:randomly", "-n", "0", *sys.argv[1:]]))


if __name__ == "__main__":
    sys.exit(main())
