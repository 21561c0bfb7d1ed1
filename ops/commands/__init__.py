"""The commands of `leave-ops`: each module registers its commands on ops.cli's app when
imported (ops/cli.py imports each once)."""
