"""The leave service's policy pack: `pulumi preview --policy-pack policy` (see policy/README.md).

Each rule of `rules.py` becomes a mandatory stack policy with its id, description and
remediation; a violation stops the preview before anything is deployed.
"""

import sys
from pathlib import Path

# The rules read the project's own names (statuses, metrics, limits): run from the project.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pulumi_policy import PolicyPack

from policy.stack_policies import stack_policies

PolicyPack(
    name="leave-approvals",
    description="What a deploy of the leave-approval service must keep.",
    policies=stack_policies(),
)
