"""The pages' files and HTML escaped by default: what a person typed never becomes markup."""

import json
import re
from pathlib import Path

import pytest
from markupsafe import Markup

from handlers.web.rendering import join, render, script_json, static_text, stylesheet

WEB = Path(__file__).resolve().parents[2] / "handlers" / "web"
HOSTILE = "<script>alert(\"x\")</script> & 'quoted'"


def test_every_value_is_escaped_unless_it_is_markup_from_a_template() -> None:
    row = render("email/row.html", label="Reason", value=HOSTILE)

    assert "<script>" not in row
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; &#39;quoted&#39;" in row
    # A rendered template goes into another as it is, once: never escaped twice.
    table = join([row, row])
    assert table == row + row
    assert "&amp;lt;" not in render("decision/summary.html", rows=table)


def test_a_plain_string_is_escaped_even_where_a_fragment_is_expected() -> None:
    # Nothing a caller passes as text can reach the page as markup, whatever the slot.
    page = render("decision/message.html", banner="m", summary="<b>not markup</b>")
    assert "<b>" not in page
    assert "&lt;b&gt;not markup&lt;/b&gt;" in page


def test_attributes_are_escaped_so_a_value_cannot_leave_its_quotes() -> None:
    action = render("email/action.html", link='https://x/?a="><script>', label="Go", note="")
    assert 'href="https://x/?a=&#34;&gt;&lt;script&gt;"' in action


def test_a_missing_or_unknown_placeholder_fails_naming_it() -> None:
    with pytest.raises(TypeError, match=r"email/row\.html: missing \['value'\], unknown \[\]"):
        render("email/row.html", label="Reason")
    with pytest.raises(TypeError, match=r"unknown \['valeu'\]"):
        render("email/row.html", label="Reason", value="v", valeu="v")


def test_json_for_a_script_element_cannot_end_it_and_reads_back_the_same() -> None:
    value = {"url": "https://x/</script><script>alert(1)</script>", "note": "a & b <!--"}
    data = script_json(value)

    assert isinstance(data, Markup)
    assert not re.search(r"[<>&]", data)
    assert json.loads(data) == value


def test_the_static_files_are_read_as_they_are() -> None:
    assert static_text("employee_app.js") == (WEB / "static/employee_app.js").read_text()
    assert stylesheet() == (WEB / "static/style.css").read_text()


def test_every_template_renders_with_its_placeholders_filled() -> None:
    templates = sorted((WEB / "templates").rglob("*.html"))
    assert templates
    for path in templates:
        name = path.relative_to(WEB / "templates").as_posix()
        placeholders = set(re.findall(r"\$(\w+)", path.read_text()))
        html = render(name, **{key: f"<{key}>" for key in placeholders})
        assert "$" not in html, name
        for key in placeholders:
            assert f"&lt;{key}&gt;" in html, (name, key)
