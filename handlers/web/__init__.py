"""What people see: the employees' app, the approver's pages, the emails, the calendar feed.

The script and the one stylesheet are files in `static/`, the HTML is in `templates/`;
`rendering` reads them once and escapes whatever is not markup.
"""
