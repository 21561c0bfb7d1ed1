"""The pages people see: one look (`style`), the employees' app, its wording."""
