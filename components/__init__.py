"""The Pulumi program's building blocks: component resources and the helpers they share.

- `config`: the stack's settings, read from `pulumi config` and validated.
- `naming`: every physical name the program chooses, and the default tags.
- `packaging`: the Lambda code archive and the dependency layer, built deterministically.
- `iam`: policy documents (no wildcard actions, ever).
- `http_function`, `rest_api_function`, `durable_function`: a Lambda with its role, log group
  and entry point (a Function URL; a throttled API Gateway REST API; a durable alias).
- `throttling`: the employees' API's stage and limits, shared with the sandbox's front.
- `sign_in`: the Cognito user pool and its hosted sign-in, or the company's OIDC issuer.
- `settler`: ends the requests whose workflow broke, and sweeps for those nobody will end.
- `scheduled_function`: a Lambda run by an EventBridge schedule (the pending gauge).
- `leave_service`: the whole service wired together.
- `observability`: the dashboard, the alarms and their topic, and the signals behind them.
"""
