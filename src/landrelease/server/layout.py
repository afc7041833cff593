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
    ("/collections?f=html", "OGC API"),
    ("/api/docs", "HTTP API"),
)
BANNER = (
    '<div id="synthetic-banner" class="synthetic" role="alert">SYNTHETIC DATA — invented records for '
    "demonstration; never act on them</div>"
)


def page(
    title: str,
    body: str,
    *,
    synthetic: bool = False,
    scripts: tuple[str, ...] = (),
    head: str = "",
    main_class: str = "",
) -> HTMLResponse:
    nav = "".join(f'<a href="{href}">{html.escape(text)}</a>' for href, text in NAV)
    js = "".join(f'<script type="module" src="{src}"></script>' for src in scripts)
    banner = BANNER if synthetic else '<div id="synthetic-banner" class="synthetic" role="alert" hidden></div>'
    return HTMLResponse(
        '<!doctype html><html lang=en><head><meta charset=utf-8><link rel=icon href="data:,">'
        '<meta name=viewport content="width=device-width, initial-scale=1">'
        f"<title>{html.escape(title)} · Landrelease</title>"
        f'<link rel="stylesheet" href="/static/app.css">{head}</head><body>'
        f'<header><a class="brand" href="/">Landrelease</a><nav>{nav}</nav></header>{banner}'
        f'<main class="{main_class}">{body}</main>{js}</body></html>'
    )
