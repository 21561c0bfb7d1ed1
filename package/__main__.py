"""The component provider's entry point: Pulumi runs it when a program that added the package
(`pulumi package add`) creates a `leave:index:LeaveApprovals`."""

import sys
from pathlib import Path

# The component is the project's own code, one directory up.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pulumi.provider import main

from package.provider import LeaveApprovalsProvider

if __name__ == "__main__":
    main(LeaveApprovalsProvider(), sys.argv[1:])
