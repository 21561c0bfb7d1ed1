"""The Lambda code of the leave-approval service.

Entry points (one per function): `submit` (employees' REST API), `workflow` (the durable
workflow), `decision` (approvers' Function URL), `settler`, `pending_gauge`. Everything they
share lives in the subpackages: `domain` (pure rules and names), `storage` (DynamoDB),
`gateways` (other AWS services), `logic` (the use cases the entry points call), `web` (the
pages people see).
"""
