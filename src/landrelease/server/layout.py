"""The HTML shell every page shares: navigation, the SYNTHETIC DATA banner, local assets only."""

from __future__ import annotations

import html

from fastapi.responses import HTMLResponse

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
BANNER = (
    '<div id="synthetic-banner" class="synthetic" role="alert">SYNTHETIC DATA — invented records for '
    "demonstration; never act on them</div>"
)


def _user() -> str:
    """Who is signed in, and the sign-out form (CSRF-protected), or a sign-in link."""
    from landrelease.server.auth import current

    p, csrf = current.get()
    if p is None or p.is_anonymous:
        return '<a href="/login" id="sign-in">Sign in</a>'
    out = (
        f'<span id="who" class="who">{html.escape(p.username)} ({html.escape(p.role.value)}'
        f"{' · ' + html.escape(p.organisation) if p.organisation else ''})</span>"
    )
    if csrf:
        out += (
            '<form method="post" action="/logout" class="logout"><input type="hidden" name="csrf_token" '
            f'value="{html.escape(csrf)}"><button id="sign-out">Sign out</button></form>'
        )
    return out


def _csrf_meta() -> str:
    from landrelease.server.auth import current

    _, csrf = current.get()
    return f'<meta name="csrf-token" content="{html.escape(csrf)}">' if csrf else ""


def page(
    title: str,
    body: str,
    *,
    synthetic: bool = False,
    scripts: tuple[str, ...] = (),
    head: str = "",
    main_class: str = "",
) -> HTMLResponse:
    nav = "".join(f'<a href="{href}">{html.escape(text)}</a>' for href, text in NAV) + _user()
    js = "".join(f'<script type="module" src="{src}"></script>' for src in scripts)
    banner = BANNER if synthetic else '<div id="synthetic-banner" class="synthetic" role="alert" hidden></div>'
    return HTMLResponse(
        '<!doctype html><html lang=en><head><meta charset=utf-8><link rel=icon href="data:,">'
        '<meta name=viewport content="width=device-width, initial-scale=1">'
        f"<title>{html.escape(title)} · Landrelease</title>{_csrf_meta()}"
        f'<link rel="stylesheet" href="/static/app.css">{head}</head><body>'
        f'<header><a class="brand" href="/">Landrelease</a><nav>{nav}</nav></header>{banner}'
        f'<main class="{main_class}">{body}</main>{js}</body></html>'
    )
