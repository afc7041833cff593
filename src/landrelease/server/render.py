"""Pages from Jinja2 templates (`server/templates/`): one base layout, autoescape on.

Route handlers gather the data and pick a template; this module is the only place that turns them
into HTML. The layout reads who is signed in and the session's CSRF token from the request (set by
`server.auth`), so a handler never passes them.
"""

from __future__ import annotations

import gettext as gettext_module
import json
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, PackageLoader, StrictUndefined, pass_context, select_autoescape
from markupsafe import Markup

#: The top bar: (href, label). Labels are English source strings, translated in the layout.
NAV = (
    ("/map", "Map"),
    ("/dashboard", "Dashboard"),
    ("/plan", "Plan"),
    ("/areas/new", "New area"),
    ("/finds/new", "New EO find"),
    ("/reports/new", "Progress report"),
    ("/review", "Review"),
    ("/collections?f=html", "OGC API"),
    ("/api/docs", "HTTP API"),
)


def num(x: Any, digits: int = 0) -> str:
    """A number for people: thousands separated, `digits` decimals; blank for none."""
    return "" if x is None or x == "" else f"{float(x):,.{digits}f}"


def text(x: Any) -> str:
    """A value as text; blank for none."""
    return "" if x is None else str(x)


def short(x: Any, width: int = 90) -> str:
    """A value cut to `width` characters (long geometries in diffs)."""
    t = text(x)
    return t if len(t) <= width else t[: width - 3] + "…"


def value_text(x: Any) -> str:
    """A stored value as text: lists and objects as JSON (vocabulary lists, geometry)."""
    return json.dumps(x) if isinstance(x, list | dict) else text(x)


def N_(message: str) -> str:  # noqa: N802 — the gettext convention for "translate later"
    """Marks a source string for the catalogues where it is declared; the page translates it."""
    return message


@pass_context
def tr(context: Any, message: Any) -> str:
    """A source string declared in Python (a label, a title), translated for the page; escaped as text."""
    translations: gettext_module.NullTranslations = context["translations"]
    return translations.gettext(message) if isinstance(message, str) and message else text(message)


def _gettext_callables(t: gettext_module.NullTranslations) -> dict[str, Any]:
    """`_`, `gettext` and `ngettext` for templates, new style: the translation is markup the
    project wrote, its %(name)s variables are escaped."""

    def gettext(message: str, **variables: Any) -> str:
        return Markup(t.gettext(message)) % variables

    def ngettext(singular: str, plural: str, n: int, **variables: Any) -> str:
        variables.setdefault("num", n)
        return Markup(t.ngettext(singular, plural, n)) % variables

    return {"_": gettext, "gettext": gettext, "ngettext": ngettext, "translations": t}


NULL = _gettext_callables(gettext_module.NullTranslations())


def _environment() -> Environment:
    env = Environment(
        loader=PackageLoader("landrelease.server", "templates"),
        autoescape=select_autoescape(["html"], default_for_string=True, default=True),
        undefined=StrictUndefined,  # a name a handler forgot to pass fails the test, not the reader
        trim_blocks=True,
        lstrip_blocks=True,
        extensions=["jinja2.ext.i18n"],
        auto_reload=False,
    )
    env.globals.update(NULL)
    env.filters.update(num=num, text=text, short=short, value_text=value_text, tr=tr)
    env.globals.update(NAV=NAV)
    return env


ENV = _environment()


def page_context(request: Request | None) -> dict[str, Any]:
    """What the layout needs from the request: the signed-in person and the CSRF token."""
    state = getattr(request, "state", None)
    p = getattr(state, "principal", None)
    csrf = getattr(state, "csrf", None)
    return {"user": None if p is None or p.is_anonymous else p, "csrf": csrf}


def render(request: Request | None, template: str, *, status_code: int = 200, **context: Any) -> HTMLResponse:
    """The page `template` for `request`, with the layout's context and the handler's `context`."""
    context.setdefault("synthetic", False)
    html = ENV.get_template(template).render(**page_context(request), **context)
    return HTMLResponse(html, status_code=status_code)
