"""Pure definitions and rules: no AWS calls, importable by the Pulumi program and the dashboards."""
