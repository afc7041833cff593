"""Pages from Jinja2 templates (`server/templates/`): one base layout, autoescape on, in the
user's language.

Route handlers gather the data and pick a template; this module is the only place that turns them
into HTML. The layout reads who is signed in and the session's CSRF token from the request (set by
`server.auth`), so a handler never passes them. The language is chosen per request
(`landrelease.i18n.negotiate`: `?lang=` → the `lr_lang` cookie the switcher sets → Accept-Language
→ the server's default); the page says it in the html element's lang and dir, and in Content-Language.
"""

from __future__ import annotations

import gettext as gettext_module
import json
from functools import cache
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, PackageLoader, StrictUndefined, pass_context, select_autoescape
from markupsafe import Markup

from landrelease import i18n
from landrelease.auth import policy
from landrelease.i18n import N_, words

LANG_COOKIE = "lr_lang"
LANG_COOKIE_AGE = 365 * 24 * 3600


def _anyone(p: Any) -> bool:
    return True


#: The top bar: (href, label, who sees the link). Labels are English source strings, translated in the
#: layout; a link shows only to those whose role may take the action (auth.policy), so a viewer sees no
#: "New …" and only reviewers see "Review".
NAV = (
    ("/map", N_("Map"), _anyone),
    ("/dashboard", N_("Dashboard"), _anyone),
    ("/plan", N_("Plan"), lambda p: policy.can_read(p, "hazardous_area")),
    ("/areas/new", N_("New area"), lambda p: policy.may_write_kind(p, "hazardous_area")),
    ("/finds/new", N_("New EO find"), lambda p: policy.may_write_kind(p, "eo_find")),
    ("/reports/new", N_("Progress report"), lambda p: policy.may_write_kind(p, "progress_report")),
    ("/review", N_("Review"), policy.can_review),
    ("/collections?f=html", N_("OGC API"), _anyone),
    ("/api/docs", N_("HTTP API"), _anyone),
)


#: The strings the pages' scripts (web/src/*.js) show, with {name} placeholders; each page carries their
#: translations in a JSON data block (`id="lr-i18n"`, read by web/src/i18n.js), not in a script.
JS_MESSAGES = (
    N_("In view: {counts}"),
    N_("{count} {layer}"),
    N_("{count} {layer} (grouped)"),
    N_("Recorded {code}"),
    N_("{shown} of {total} EO finds shown"),
    N_("reason: say why the submission is rejected, so the team can correct it"),
    N_("the server answered {status}"),
    N_("SYNTHETIC DATA — invented records for demonstration; never act on them"),
    N_("CHA, open"),
    N_("SHA, open"),
    N_("Closed"),
    N_("Handed over"),
    N_("Cancelled"),
    N_("Reduced"),
    N_("Cleared"),
    N_("EO find"),
    N_("Accident"),
    N_("Hazardous areas"),
    N_("Released land"),
    N_("EO finds"),
    N_("Accidents"),
)
#: Fields whose codes the map's pop-ups show, as (kind, field).
JS_FIELDS = (
    ("hazardous_area", "haz_type"),
    ("hazardous_area", "status"),
    ("land_release", "rel_type"),
    ("eo_find", "category"),
    ("accident", "acc_type"),
)


def text(x: Any) -> str:
    """A value as text; blank for none."""
    return "" if x is None else str(x)


def short(x: Any, width: int = 90) -> str:
    """A value cut to `width` characters (long texts in diffs)."""
    t = text(x)
    return t if len(t) <= width else t[: width - 3] + "…"


def value_text(x: Any) -> str:
    """A stored value as text: lists and objects as JSON."""
    return json.dumps(x, ensure_ascii=False) if isinstance(x, list | dict) else text(x)


@pass_context
def tr(context: Any, message: Any) -> str:
    """A source string declared in Python (a label, a title), translated for the page; escaped as text."""
    translations: gettext_module.NullTranslations = context["translations"]
    return translations.gettext(message) if isinstance(message, str) and message else text(message)


@pass_context
def num(context: Any, x: Any, digits: int = 0) -> str:
    """A number for people in the page's language: its separators, `digits` decimals."""
    return i18n.number(x, context["lang"], digits)


@pass_context
def area(context: Any, m2: Any) -> str:
    """An area for people: m² rounded, km² when large."""
    return i18n.area(m2, context["lang"], context["translations"].gettext)


@pass_context
def date(context: Any, d: Any) -> str:
    """A date (or timestamp) in the page's language; files keep ISO 8601."""
    return i18n.date(d, context["lang"])


@pass_context
def value(context: Any, x: Any, kind: str, name: str) -> str:
    """A stored value of field `name` of `kind` in words: vocabulary labels, numbers with units, dates."""
    return words.value(kind, name, x, context["lang"])


@pass_context
def label(context: Any, kind: str, name: str) -> str:
    """What people call field `name` of `kind`, in the page's language."""
    return words.field_label(kind, name, context["lang"])


@pass_context
def change(context: Any, kind: str, name: str, old: Any, new: Any) -> str:
    """One change of the edit history in words ("Cleared: 0 m² → 3,004 m²")."""
    return words.change(kind, name, old, new, context["lang"])


@pass_context
def actor(context: Any, who: Any) -> str:
    """A writer of the audit trail in words ("root (command line)")."""
    return words.actor(who, context["lang"])


@pass_context
def action(context: Any, name: Any) -> str:
    """An audit action in words ("land released")."""
    return words.action(name, context["lang"])


def _gettext_callables(t: gettext_module.NullTranslations) -> dict[str, Any]:
    """`_`, `gettext` and `ngettext` for templates, new style: the translation is markup the
    project wrote, its %(name)s variables are escaped."""

    def gettext(message: str, **variables: Any) -> str:
        return Markup(t.gettext(message)) % variables

    def ngettext(singular: str, plural: str, n: int, **variables: Any) -> str:
        variables.setdefault("num", n)
        return Markup(t.ngettext(singular, plural, n)) % variables

    return {"_": gettext, "gettext": gettext, "ngettext": ngettext, "translations": t}


def _js_strings(lang: str, t: gettext_module.NullTranslations) -> dict[str, Any]:
    from landrelease.domain.model import BY_KIND

    fields = {name: BY_KIND[kind].field(name) for kind, name in JS_FIELDS}
    return {
        "lang": lang,
        "m": {m: t.gettext(m) for m in JS_MESSAGES},
        "f": {name: t.gettext(f.label) for name, f in fields.items()},
        "v": {name: {m.value: t.gettext(m.label) for m in f.vocab or ()} for name, f in fields.items()},
    }


@cache
def _callables(lang: str) -> dict[str, Any]:
    t = i18n.translations(lang)
    return {
        **_gettext_callables(t),
        "lang": lang,
        "dir": i18n.direction(lang),
        "js_strings": _js_strings(lang, t),
    }


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
    env.globals.update(_callables(i18n.SOURCE))
    env.filters.update(num=num, area=area, date=date, value=value, text=text, short=short, value_text=value_text, tr=tr)
    env.globals.update(LANGUAGES=i18n.LANGUAGES, label=label, change=change, actor=actor, action=action)
    return env


ENV = _environment()


def language(request: Request | None) -> str:
    """The language of this request (see the module doc); remembered on the request."""
    if request is None:
        return i18n.SOURCE
    state = request.state
    lang = getattr(state, "lang", None)
    if lang is None:
        app = request.scope.get("app")
        settings = getattr(app.state, "settings", None) if app is not None else None
        default = settings.language if settings is not None else i18n.SOURCE
        lang = i18n.negotiate(
            request.query_params.get("lang"),
            request.cookies.get(LANG_COOKIE),
            request.headers.get("accept-language"),
            default,
        )
        state.lang = lang
    return lang


def page_context(request: Request | None) -> dict[str, Any]:
    """What the layout needs from the request: the signed-in person, the CSRF token, the language
    and the query (the language switcher keeps it)."""
    state = getattr(request, "state", None)
    p = getattr(state, "principal", None)
    csrf = getattr(state, "csrf", None)
    query = [(k, v) for k, v in request.query_params.multi_items() if k != "lang"] if request is not None else []
    return {
        "user": None if p is None or p.is_anonymous else p,
        "top_nav": [(href, text) for href, text, may in NAV if may(p)],
        "may_record_progress": policy.may_write_kind(p, "progress_report"),
        "csrf": csrf,
        "query": query,
        "path": request.url.path if request is not None else "/",
        **_callables(language(request)),
    }


def render(request: Request | None, template: str, *, status_code: int = 200, **context: Any) -> HTMLResponse:
    """The page `template` for `request`, with the layout's context and the handler's `context`."""
    context.setdefault("synthetic", False)
    ctx = page_context(request)
    html = ENV.get_template(template).render(**ctx, **context)
    response = HTMLResponse(html, status_code=status_code, headers={"Content-Language": ctx["lang"]})
    if request is not None and i18n.supported(request.query_params.get("lang")):
        secure = request.url.scheme == "https"
        response.set_cookie(LANG_COOKIE, ctx["lang"], max_age=LANG_COOKIE_AGE, samesite="lax", secure=secure)
    response.headers["Vary"] = "Accept-Language, Cookie"
    return response
