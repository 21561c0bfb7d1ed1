"""The employees' app in the browser (`static/employee_app.js`, which says what it does), as
the submit function serves it at `{submit_url}app.js`: read once, when the function loads."""

from handlers.web.rendering import static_text

SCRIPT = static_text("employee_app.js")
