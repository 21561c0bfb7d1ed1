"""`python -m ops`: the same as the installed `leave-ops`, from a checkout's own code."""

from ops.cli import main

main()
