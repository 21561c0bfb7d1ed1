"""The workflow's paths, run to record their histories (`python -m tests.replay.record`)."""
