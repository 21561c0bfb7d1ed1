"""Dashboard definitions: declared once, rendered for CloudWatch and for the local sandbox."""
