"""The replay check: recorded histories of every path of the workflow, replayed against the
code under test at each moment an execution waited (tests/replay/check.py). Regenerate the
histories with `python -m tests.replay.record` (docs/deploying.md, "Changing the workflow
safely")."""
