"""The pages' files, read once, and HTML in which whatever is not markup is escaped.

`static/` holds what is served or inlined as it is (the app's script, the stylesheet);
`templates/` holds the HTML of every page and email, as `string.Template` files whose
`$placeholders` `render` fills. Both are read through `importlib.resources`, so they are found
wherever the `handlers` package is (the code archive on Lambda, the project in the sandbox),
and each is read once per execution environment. `PageFiles` reads another package's two
folders the same way: the sandbox's own pages are `PageFiles("sandbox")` (never in the code
archive: handlers import nothing of the sandbox).

Escaping is the default: `render` escapes every value unless it is `Markup`, and `Markup` comes
only from here (a rendered template, the stylesheet, JSON made safe for a script element;
ruff's S704 refuses `Markup(...)` anywhere else). So a person's text can reach a page or an
email only escaped, whoever passes it on; an empty slot takes "" (nothing to escape).

MarkupSafe, not Jinja: importing it costs about half a millisecond where Jinja costs about 50
(`python -X importtime`). Even so it is imported, and the files are found, on the first render,
not when a handler loads: most cold starts of submit and the settler render nothing.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from functools import cache
from importlib.resources import files
from string import Template
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from importlib.resources.abc import Traversable

    from markupsafe import Markup

# Characters that could end a script element or start markup inside it, written as JSON escapes
# (which JSON.parse reads back as the same characters).
_SCRIPT_SAFE = str.maketrans({"<": "\\u003c", ">": "\\u003e", "&": "\\u0026"})


@cache
def _package_files(package: str) -> Traversable:
    return files(package)


@cache
def _text(package: str, path: str) -> str:
    return (_package_files(package) / path).read_text(encoding="utf-8")


@cache
def _template(package: str, name: str) -> Template:
    # Editors end files with a newline; a fragment carries none into the page around it.
    return Template(_text(package, f"templates/{name}").removesuffix("\n"))


class PageFiles:
    """The `static/` and `templates/` folders of one package: `handlers.web`'s (`WEB`, which
    the functions below read), or the sandbox's own pages'."""

    def __init__(self, package: str) -> None:
        self.package = package

    def static_text(self, name: str) -> str:
        """A file of `static/`, as it is."""
        return _text(self.package, f"static/{name}")

    def static_markup(self, name: str) -> Markup:
        """A file of `static/` for a `<style>` or `<script>` element: our own file, not
        escaped."""
        from markupsafe import Markup

        return Markup(self.static_text(name))  # noqa: S704 - our own file

    def render(self, name: str, /, **values: object) -> Markup:
        """The template `templates/<name>` with every `$placeholder` filled: escaped, unless
        the value is `Markup` (a template rendered before, say). Every placeholder must be
        given, and nothing else: a misspelt name fails here, not on a page with a gap. (The
        template's name is positional only: a placeholder may be called `name`.)"""
        from markupsafe import Markup, escape

        template = _template(self.package, name)
        expected = set(template.get_identifiers())
        if expected != set(values):
            missing = sorted(expected - set(values))
            unknown = sorted(set(values) - expected)
            raise TypeError(f"template {name}: missing {missing}, unknown {unknown}")
        filled = template.substitute({key: escape(value) for key, value in values.items()})
        return Markup(filled)  # noqa: S704 - our template, every value escaped or markup already


WEB = PageFiles("handlers.web")


def static_text(name: str) -> str:
    """A file of `handlers/web/static/`, as it is."""
    return WEB.static_text(name)


def render(name: str, **values: object) -> Markup:
    """The template `handlers/web/templates/<name>`, filled as `PageFiles.render` fills it."""
    return WEB.render(name, **values)


def join(fragments: Iterable[str]) -> Markup:
    """Fragments side by side; any that is not `Markup` is escaped."""
    from markupsafe import Markup

    return Markup("").join(fragments)


@cache
def stylesheet() -> Markup:
    """The one stylesheet, for a page's `<style>` element (our own file: not escaped)."""
    return WEB.static_markup("style.css")


def script_json(value: object) -> Markup:
    """`value` as JSON for a `<script type="application/json">` element: nothing in it can end
    the element or open markup, whatever strings it holds."""
    from markupsafe import Markup

    return Markup(json.dumps(value).translate(_SCRIPT_SAFE))  # noqa: S704 - no `<`, `>`, `&`
