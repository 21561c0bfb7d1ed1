"""The component provider: hosts `LeaveApprovals` for Pulumi programs in any language.

Pulumi runs this when a program that added the package (`pulumi package add`) creates a
`leave:index:LeaveApprovals`; the schema is inferred from the component's type annotations.
"""

import sys
from pathlib import Path

# The component is the project's own code, one directory up.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pulumi.provider.experimental import component_provider_host

from components.leave_approvals import LeaveApprovals

PACKAGE_NAME = "leave"
PACKAGE_VERSION = "0.1.0"

if __name__ == "__main__":
    component_provider_host([LeaveApprovals], name=PACKAGE_NAME, version=PACKAGE_VERSION)
