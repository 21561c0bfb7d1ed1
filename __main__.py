"""The leave-approval service: read the stack's settings, compose the components, export."""

import pulumi

from components.config import load_config
from components.leave_approvals import compose
from components.naming import Naming
from components.operator_access import operator_policy

composed = compose(load_config(), Naming.current())
service, observability = composed.service, composed.observability

pulumi.export("submit_url", service.submit_url)
pulumi.export("decision_url", service.decision_url)
pulumi.export("dashboard_url", service.dashboard_url)
pulumi.export("table_name", service.table_name)
pulumi.export("workflow_alias_arn", service.workflow_alias_arn)
pulumi.export("oidc_issuer", service.sign_in.issuer)
pulumi.export("oidc_client_id", service.sign_in.audience)
if service.sign_in.user_pool is not None:
    pulumi.export("user_pool_id", service.sign_in.user_pool.id)
if service.sign_in.sign_in_url is not None:
    pulumi.export("sign_in_url", service.sign_in.sign_in_url)
pulumi.export("alarm_topic_arn", observability.alarm_topic.arn)
pulumi.export("failed_start_queue_url", observability.failed_starts.url)
# What `leave-ops` (ops/) reads each function's settings from: its configuration on Lambda.
pulumi.export("submit_function_name", service.submit.function.name)
pulumi.export("workflow_function_name", service.workflow.function.name)
pulumi.export("decision_function_name", service.decision.function.name)
pulumi.export("settler_function_name", composed.settler.function.function.name)
# What operators need for `leave-ops`: attach it to their role or group.
pulumi.export("operator_policy", operator_policy(composed))
