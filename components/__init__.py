"""The Pulumi program's building blocks: component resources and the helpers they share.

- `config`: the stack's settings, read from `pulumi config` and validated.
- `naming`: every physical name the program chooses, and the default tags.
- `packaging`: the Lambda code archive and the dependency layer, built deterministically.
- `iam`: policy documents (no wildcard actions, ever).
- `http_function`, `durable_function`: a Lambda with its role, log group and entry point.
- `scheduled_function`: a Lambda run by an EventBridge schedule (the pending gauge).
- `leave_service`: the whole service wired together.
- `observability`: the dashboard, the alarms and their topic, and the signals behind them.
"""
