"""Web pages: home, map, area detail, forms, dashboard. Thin HTML shells; data comes from /api."""

from __future__ import annotations

import datetime as dt
import html
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from landrelease.auth import policy
from landrelease.domain.model import BY_KIND, Field, FieldType
from landrelease.server import layout, schemas
from landrelease.server.auth import principal
from landrelease.server.deps import store_of
from landrelease.server.encode import value_json
from landrelease.service import dashboard, query, records


def home(request: Request) -> HTMLResponse:
    body = (
        "<h1>Landrelease</h1><p>The national record of explosive-ordnance contamination and its release.</p><ul>"
        '<li><a href="/map">Map</a> of hazardous areas, released land, finds and accidents</li>'
        '<li><a href="/dashboard">Dashboard</a></li>'
        '<li><a href="/plan">Plan and forecast</a>: scenarios planned on the record, Gantt, burn-down, comparison</li>'
        '<li><a href="/collections?f=html">OGC API – Features</a> (QGIS, GDAL: this URL)</li>'
        '<li><a href="/api/docs">HTTP API</a> (<a href="/api/openapi.json">OpenAPI</a>)</li></ul>'
    )
    return layout.page("Home", body)


MAP_HEAD = (
    '<link rel="stylesheet" href="/vendor/maplibre-gl/maplibre-gl.css">'
    '<script src="/vendor/pmtiles/pmtiles.js"></script>'
)


def _checks(name: str, options: list[tuple[str, str]]) -> str:
    return "".join(
        f'<label><input type="checkbox" name="{name}" value="{v}" checked> {html.escape(t)}</label>' for v, t in options
    )


def map_page(request: Request) -> HTMLResponse:
    p = principal(request)  # the public view shows released land only
    layers = "".join(
        f'<label><input type="checkbox" data-layer="{slug}" checked> {html.escape(t)}</label>'
        if policy.can_read(p, kind)
        else f'<label><input type="checkbox" data-layer="{slug}" disabled> {html.escape(t)} (sign in)</label>'
        for slug, kind, t in (
            ("hazardous-areas", "hazardous_area", "Hazardous areas"),
            ("land-releases", "land_release", "Released land"),
            ("eo-finds", "eo_find", "EO finds"),
            ("accidents", "accident", "Accidents"),
        )
    )
    body = (
        '<div class="mapwrap"><div id="map"></div><div class="panel" id="panel"><h2>Layers</h2>'
        f"{layers}<h2>Areas</h2>"
        + _checks("haz_type", [("sha", "SHA"), ("cha", "CHA")])
        + _checks("status", [("open", "Open"), ("closed", "Closed"), ("handed_over", "Handed over")])
        + '<h2>Legend</h2><div class="legend"></div><div class="status" id="map-status">Loading…</div></div></div>'
    )
    return layout.page("Map", body, scripts=("/static/map.js",), head=MAP_HEAD, main_class="full")


AREA_MAP = (
    '<figure class="area-map"><div class="mapwrap area"><div id="map" data-code="{code}"></div></div>'
    '<figcaption class="legend"><span><i class="outline"></i>original perimeter</span>'
    '<span><i style="background:#d7301f"></i>remaining</span><span><i style="background:#c5e1a5"></i>cancelled</span>'
    '<span><i style="background:#81c784"></i>reduced</span><span><i style="background:#2e7d32"></i>cleared</span>'
    '<span><i class="dot"></i>EO find</span> <span id="area-map-note"></span></figcaption></figure>'
)


def _num(x: Any, digits: int = 0) -> str:
    return "" if x is None else f"{float(x):,.{digits}f}"


def _esc(x: Any) -> str:
    return "" if x is None else html.escape(str(x))


def _table(head: list[str], rows: list[list[str]], *, cls: str = "", tid: str = "") -> str:
    h = "".join(f"<th>{html.escape(x)}</th>" for x in head)
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in r) + "</tr>" for r in rows)
    return f'<table class="{cls}" id="{tid}"><tr>{h}</tr>{body}</table>'


def _diff(old: Any, new: Any) -> str:
    def short(v: Any) -> str:
        text = "" if v is None else str(v)
        return html.escape(text if len(text) <= 90 else text[:87] + "…")

    return f"<del>{short(old)}</del> → <ins>{short(new)}</ins>"


def _report_item(p: dict[str, Any]) -> str:
    finds = f", {p['finds']} finds" if p["finds"] else ""
    unit = f" ({_esc(p['unit'])})" if p["unit"] else ""
    return f'<li class="report">{_esc(p["date"])}: {_num(p["worked_m2"])} m² worked{finds}{unit}</li>'


def area_page(request: Request, code: str) -> HTMLResponse:
    store = store_of(request)
    a = query.one(store, "hazardous_area", code)
    original = a["area_m2"] or 0.0
    ledger = [
        (label, a[key])
        for label, key in (
            ("Original", "area_m2"),
            ("Cancelled (NTS)", "cancel_m2"),
            ("Reduced (TS)", "reduce_m2"),
            ("Cleared", "clear_m2"),
            ("Remaining", "remain_m2"),
        )
    ]
    ledger_rows = [
        [
            html.escape(label),
            f'<span class="num">{_num(v)}</span>',
            _num(100 * (v or 0) / original, 1) if original else "",
        ]
        for label, v in ledger
    ]
    acts = sorted(query.related(store, "activity", "area", code), key=lambda r: (str(r["start"] or ""), r["code"]))
    timeline = []
    for act in acts:
        reports = query.related(store, "progress_report", "activity", act["code"])
        reps = "".join(_report_item(p) for p in sorted(reports, key=lambda p: str(p["date"])))
        timeline.append(
            f'<li id="act-{_esc(act["code"])}"><b>{_esc(act["start"])} – {_esc(act["end"]) or "…"}</b> '
            f"{_esc(act['code'])}: {_esc(act['act_type'])} ({_esc(act['method']) or 'method not given'}), "
            f"{_esc(act['status'])}, {_num(act['worked_m2'])} m² worked "
            f'<a href="/reports/new?activity={_esc(act["code"])}">record progress</a><ul>{reps}</ul></li>'
        )
    releases = sorted(query.related(store, "land_release", "area", code), key=lambda r: str(r["date"]))
    rel_rows = [
        [
            _esc(r["code"]),
            _esc(r["date"]),
            _esc(r["rel_type"]),
            _num(r["area_m2"]),
            _esc(r["depth_cm"]),
            _esc(r["activity"]),
        ]
        for r in releases
    ]
    hist_rows = []
    for v in records.history(store, code):
        diff = "<br>".join(f"{html.escape(k)}: {_diff(o, n)}" for k, (o, n) in v["diff"].items())
        hist_rows.append(
            [str(v["version"]), _esc(value_json(v["at"])), _esc(v["actor"]), _esc(v["action"]), _esc(v["note"]), diff]
        )
    finds = query.search(store, "eo_find", where={"area": code}, limit=1).matched
    body = (
        f"<h1>{_esc(code)} {_esc(a['name'])}</h1>"
        f"<p>{_esc(a['haz_type']).upper()}, {_esc(a['status'])} · {_esc(a['admin1'])} / {_esc(a['admin2'])} · "
        f"{_esc(a['settlement'])} · reported {_esc(a['reported'])} · version {a['version']} · {finds} EO finds · "
        f'<a href="/collections/hazardous-areas/items/{_esc(code)}">GeoJSON</a></p>'
        "<h2>Land release ledger (IMAS 07.11)</h2>"
        + '<div class="area-top">'
        + _table(["", "m²", "% of original"], ledger_rows, cls="ledger", tid="ledger")
        + AREA_MAP.format(code=_esc(code))
        + "</div>"
        + "<h2>Activities</h2>"
        + (f'<ol id="timeline">{"".join(timeline)}</ol>' if timeline else '<p id="timeline">No activity yet.</p>')
        + "<h2>Released land</h2>"
        + _table(["code", "date", "type", "m²", "depth cm", "activity"], rel_rows, tid="releases")
        + "<h2>Edit history</h2>"
        + _table(["version", "at", "who", "action", "note", "changes"], hist_rows, tid="history")
    )
    return layout.page(code, body, synthetic=bool(a["synthetic"]), scripts=("/static/area.js",), head=MAP_HEAD)


def dashboard_page(request: Request) -> HTMLResponse:
    data = dashboard.figures(store_of(request))

    def bars(rows: list[dict[str, Any]], label: str, value: str, digits: int = 2, tid: str = "") -> str:
        top = max((r[value] for r in rows), default=0) or 1
        out = [
            [
                _esc(r[label]),
                _num(r[value], digits),
                f'<span class="bar" style="width:{240 * r[value] / top:.0f}px"></span>',
            ]
            for r in rows
        ]
        return _table([label, value, ""], out, tid=tid)

    months: dict[str, dict[str, float]] = {}
    methods: list[str] = []
    for r in data["released_by_month"]:
        months.setdefault(r["month"], {})
        months[r["month"]][r["method"]] = months[r["month"]].get(r["method"], 0.0) + r["km2"]
        if r["method"] not in methods:
            methods.append(r["method"])
    rel_rows = [[m, *(_num(v.get(k), 4) for k in methods), _num(sum(v.values()), 4)] for m, v in sorted(months.items())]
    acc_rows = [
        [str(r["year"]), _esc(r["acc_type"]), str(r["accidents"]), str(r["killed"]), str(r["injured"])]
        for r in data["accidents_by_year"]
    ]
    admin_rows = [
        [
            _esc(r["admin1"]),
            _esc(r["admin2"]),
            _esc(r["haz_type"]).upper(),
            str(r["areas"]),
            _num(r["remaining_km2"], 3),
        ]
        for r in data["open_by_admin"]
    ]
    prog_rows = [
        [r["month"], str(r["reports"]), _num(r["worked_m2"]), str(r["finds"])] for r in data["progress_by_month"]
    ]
    synthetic = data["synthetic"]
    body = (
        '<h1>Dashboard</h1><div class="charts">'
        "<section><h2>Land released per month by method, km²</h2>"
        + _table(["month", *methods, "total"], rel_rows, tid="released")
        + "</section><section><h2>Daily progress reports per month</h2>"
        + _table(["month", "reports", "m² worked", "finds"], prog_rows, tid="progress")
        + "</section><section><h2>EO finds by category (items)</h2>"
        + bars(data["finds_by_category"], "category", "items", 0, tid="finds")
        + "</section><section><h2>Accidents per year</h2>"
        + _table(["year", "type", "accidents", "killed", "injured"], acc_rows, tid="accidents")
        + "</section><section><h2>Open SHA/CHA by admin area</h2>"
        + _table(["region", "district", "type", "areas", "remaining km²"], admin_rows, tid="open-areas")
        + "</section></div>"
    )
    return layout.page("Dashboard", body, synthetic=synthetic)


def _input(f: Field, value: Any = None) -> str:
    req = " required" if f.required else ""
    val = "" if value is None else f' value="{_esc(value)}"'
    if f.type is FieldType.VOCAB or f.type is FieldType.VOCAB_LIST:
        multi = " multiple" if f.type is FieldType.VOCAB_LIST else ""
        blank = "" if multi else '<option value=""></option>'
        opts = "".join(
            f'<option value="{m.value}"{" selected" if m.value == value else ""}>{_esc(m.label)}</option>'
            for m in f.vocab  # type: ignore[union-attr]
        )
        return f'<select name="{f.name}" id="f-{f.name}"{multi}>{blank}{opts}</select>'
    kind = {FieldType.DATE: "date", FieldType.INT: "number", FieldType.FLOAT: "number"}.get(f.type, "text")
    step = ' step="any"' if f.type is FieldType.FLOAT else ""
    return f'<input type="{kind}" name="{f.name}" id="f-{f.name}"{step}{val}{req}>'


def _form(kind: str, names: list[str], values: dict[str, Any], *, next_url: str, geometry: str = "") -> str:
    e = BY_KIND[kind]
    rows = "".join(
        f'<label for="f-{n}">{_esc(e.field(n).doc)}</label>{_input(e.field(n), values.get(n))}' for n in names
    )
    return (
        f'<form class="record" data-endpoint="/api/{schemas.slug(e)}" data-next="{next_url}" novalidate>'
        f'{rows}{geometry}<span></span><button type="submit">Record</button></form>'
        '<div id="form-error" class="error" role="alert" hidden></div><div id="form-ok" class="ok" hidden></div>'
    )


def report_form(request: Request) -> HTMLResponse:
    values = {"activity": request.query_params.get("activity"), "date": dt.date.today().isoformat()}
    body = "<h1>Daily progress report</h1>" + _form(
        "progress_report",
        ["activity", "unit", "date", "worked_m2", "finds", "deminers", "hours"],
        values,
        next_url="/reports/{code}",
    )
    return layout.page("Progress report", body, scripts=("/static/form.js",))


def report_done(request: Request, code: str) -> RedirectResponse:
    """After a report: the area it advances."""
    store = store_of(request)
    rep = query.one(store, "progress_report", code)
    act = query.one(store, "activity", rep["activity"])
    target = f"/areas/{act['area']}#act-{act['code']}" if act["area"] else f"/api/activities/{act['code']}"
    return RedirectResponse(target, status_code=303)


def _map_form(kind: str, names: list[str], mode: str, title: str, next_url: str, extra: str = "") -> HTMLResponse:
    geometry = (
        f"<label>{'Location' if mode == 'point' else 'Perimeter'}</label><div>"
        f'<div class="mapwrap short"><div id="map" data-mode="{mode}"></div></div>'
        f'<input type="hidden" name="geometry">{extra}</div>'
    )
    values = {"date": dt.date.today().isoformat(), "status": "open", "reported": dt.date.today().isoformat()}
    body = f"<h1>{html.escape(title)}</h1>" + _form(kind, names, values, next_url=next_url, geometry=geometry)
    return layout.page(title, body, scripts=("/static/pick.js", "/static/form.js"), head=MAP_HEAD)


def find_form(request: Request) -> HTMLResponse:
    return _map_form(
        "eo_find",
        ["category", "model", "condition", "quantity", "depth_cm", "disposal", "date", "area", "activity"],
        "point",
        "New EO find (click the map where it was found)",
        "/collections/eo-finds/items/{code}?f=html",
    )


def area_form(request: Request) -> HTMLResponse:
    extra = (
        '<p>Click the map to add vertices, or upload a GeoJSON polygon: <input type="file" id="upload" '
        'accept=".geojson,.json,application/geo+json"> <button type="button" id="clear-geometry">Clear</button></p>'
    )
    return _map_form(
        "hazardous_area",
        [
            "name",
            "haz_type",
            "status",
            "dev_susp",
            "evidence",
            "land_use",
            "admin1",
            "admin2",
            "settlement",
            "reported",
        ],
        "polygon",
        "New hazardous area",
        "/areas/{code}",
        extra,
    )


def router() -> APIRouter:
    r = APIRouter(include_in_schema=False)
    r.add_api_route("/map", map_page, methods=["GET"])
    r.add_api_route("/dashboard", dashboard_page, methods=["GET"])
    r.add_api_route("/areas/new", area_form, methods=["GET"])
    r.add_api_route("/areas/{code}", area_page, methods=["GET"])
    r.add_api_route("/reports/new", report_form, methods=["GET"])
    r.add_api_route("/reports/{code}", report_done, methods=["GET"])
    r.add_api_route("/finds/new", find_form, methods=["GET"])
    return r
