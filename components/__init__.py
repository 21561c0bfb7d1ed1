"""The Pulumi program's building blocks: component resources and the helpers they share.

- `config`: the stack's settings, read from `pulumi config` and validated.
- `naming`: every physical name the program chooses, and the project's tags.
- `tagging`: those tags on every taggable resource, applied once (by `leave_approvals.compose`).
- `moves`: aliases that keep a resource's identity when it moves under a new component.
- `packaging`: the Lambda code archive and the dependency layer, built deterministically.
- `iam`: policy documents (no wildcard actions, ever).
- `lambda_function`: what every function has (log group, role, policy); `http_function`,
  `rest_api_function`, `durable_function`, `scheduled_function`: a function and its way in (a
  Function URL; a throttled API Gateway REST API; a durable alias; an EventBridge schedule).
- `failed_starts`: a durable function's asynchronous starts, retried, then kept in a queue.
- `throttling`, `api_firewall`: the employees' API's limits (shared with the sandbox's front),
  and the WAF rate limit per client in front of it.
- `sign_in`: the Cognito user pool and its hosted sign-in, or the company's OIDC issuer.
- `leave_service`: the service, composed of `storage` (the table and the approver directory),
  `signing_keys` (the link-signing key), `messaging` (SES identities, the event bus),
  `sign_in` and `service_functions` (the layer, submit, decision, the workflow, its failed
  starts).
- `settler`: ends the requests whose workflow broke, and sweeps for those nobody will end.
- `observability`: the pending gauge and the rule on broken executions, composing `alarms` (a
  table of alarm definitions and their topic), `event_history` (the events' archive, audit log
  and broken-executions log) and `dashboard`.
- `leave_approvals`: all of it composed once, for `__main__.py` and the package component.
"""
