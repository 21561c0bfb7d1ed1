"""The leave-approval service: read the stack's settings, compose the components, export."""

import pulumi

from components.config import load_config
from components.leave_service import LeaveService, LeaveServiceArgs
from components.naming import Naming

config = load_config()
naming = Naming.current()

service = LeaveService("leave", LeaveServiceArgs(config=config, naming=naming))

# Observability (its own issue) composes here, from what the service exposes:
#   Observability("leave-observability", ObservabilityArgs(
#       service=service, alarm_email=config.alarm_email, dashboard_name=service.dashboard_name))

pulumi.export("submit_url", service.submit_url)
pulumi.export("decision_url", service.decision_url)
pulumi.export("dashboard_url", service.dashboard_url)
pulumi.export("table_name", service.table_name)
pulumi.export("workflow_alias_arn", service.workflow_alias_arn)
