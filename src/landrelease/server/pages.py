"""Web pages: home, map, area detail, forms, dashboard. Handlers gather the data and pick a template
(`server/templates/`, rendered by `server.render`); the maps and forms fetch the rest from /api."""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from landrelease.auth import policy
from landrelease.domain.model import BY_KIND, HAZARDOUS_AREA, Field, FieldType
from landrelease.server import schemas
from landrelease.server.auth import principal
from landrelease.server.deps import store_of
from landrelease.server.encode import value_json
from landrelease.server.render import N_, render
from landrelease.service import dashboard, query, records


def home(request: Request) -> HTMLResponse:
    return render(request, "home.html")


MAP_LAYERS = (
    ("hazardous-areas", "hazardous_area", N_("Hazardous areas")),
    ("land-releases", "land_release", N_("Released land")),
    ("eo-finds", "eo_find", N_("EO finds")),
    ("accidents", "accident", N_("Accidents")),
)


def map_page(request: Request) -> HTMLResponse:
    p = principal(request)  # the public view shows released land only
    layers = [{"slug": slug, "label": t, "readable": policy.can_read(p, kind)} for slug, kind, t in MAP_LAYERS]
    filters = [
        (name, [(m.value, m.label) for m in HAZARDOUS_AREA.field(name).vocab or ()]) for name in ("haz_type", "status")
    ]
    return render(request, "map.html", layers=layers, filters=filters)


LEDGER = (
    (N_("Original"), "area_m2"),
    (N_("Cancelled (NTS)"), "cancel_m2"),
    (N_("Reduced (TS)"), "reduce_m2"),
    (N_("Cleared"), "clear_m2"),
    (N_("Remaining"), "remain_m2"),
)


def area_page(request: Request, code: str) -> HTMLResponse:
    store = store_of(request)
    a = query.one(store, "hazardous_area", code)
    original = a["area_m2"] or 0.0
    ledger = [(label, a[key], 100 * (a[key] or 0) / original if original else None) for label, key in LEDGER]
    acts = sorted(query.related(store, "activity", "area", code), key=lambda r: (str(r["start"] or ""), r["code"]))
    timeline = []
    for act in acts:
        reports = query.related(store, "progress_report", "activity", act["code"])
        timeline.append({**act, "reports": sorted(reports, key=lambda p: str(p["date"]))})
    releases = sorted(query.related(store, "land_release", "area", code), key=lambda r: str(r["date"]))
    history = [
        {**v, "at": value_json(v["at"]), "changes": [(k, o, n) for k, (o, n) in v["diff"].items()]}
        for v in records.history(store, code)
    ]
    finds = query.search(store, "eo_find", where={"area": code}, limit=1).matched
    return render(
        request,
        "area.html",
        code=code,
        a=a,
        ledger=ledger,
        timeline=timeline,
        releases=releases,
        history=history,
        finds=finds,
        synthetic=bool(a["synthetic"]),
    )


def dashboard_page(request: Request) -> HTMLResponse:
    data = dashboard.figures(store_of(request))
    months: dict[str, dict[str, float]] = {}
    methods: list[str] = []
    for r in data["released_by_month"]:
        months.setdefault(r["month"], {})
        months[r["month"]][r["method"]] = months[r["month"]].get(r["method"], 0.0) + r["km2"]
        if r["method"] not in methods:
            methods.append(r["method"])
    released = [(m, [v.get(k) for k in methods], sum(v.values())) for m, v in sorted(months.items())]
    top = max((r["items"] for r in data["finds_by_category"]), default=0) or 1
    finds = [{**r, "width": round(240 * r["items"] / top)} for r in data["finds_by_category"]]
    return render(
        request,
        "dashboard.html",
        methods=methods,
        released=released,
        progress=data["progress_by_month"],
        finds=finds,
        accidents=data["accidents_by_year"],
        open_areas=data["open_by_admin"],
        synthetic=data["synthetic"],
    )


_INPUT = {FieldType.DATE: "date", FieldType.INT: "number", FieldType.FLOAT: "number"}


def form_field(f: Field) -> dict[str, Any]:
    """What the form template needs of a model field."""
    vocab = f.type in (FieldType.VOCAB, FieldType.VOCAB_LIST)
    return {
        "name": f.name,
        "label": f.label,
        "help": f.help,
        "required": f.required,
        "vocab": vocab,
        "multiple": f.type is FieldType.VOCAB_LIST,
        "options": [(m.value, m.label) for m in f.vocab] if vocab and f.vocab else [],
        "input": _INPUT.get(f.type, "text"),
        "float": f.type is FieldType.FLOAT,
    }


def _form(
    request: Request,
    kind: str,
    names: list[str],
    values: dict[str, Any],
    *,
    title: str,
    heading: str,
    next_url: str,
    mode: str = "",
) -> HTMLResponse:
    e = BY_KIND[kind]
    return render(
        request,
        "record_form.html",
        title=title,
        heading=heading,
        endpoint=f"/api/{schemas.slug(e)}",
        next_url=next_url,
        fields=[form_field(e.field(n)) for n in names],
        values=values,
        mode=mode,
    )


def report_form(request: Request) -> HTMLResponse:
    values = {"activity": request.query_params.get("activity"), "date": dt.date.today().isoformat()}
    return _form(
        request,
        "progress_report",
        ["activity", "unit", "date", "worked_m2", "finds", "deminers", "hours"],
        values,
        title=N_("Progress report"),
        heading=N_("Daily progress report"),
        next_url="/reports/{code}",
    )


def report_done(request: Request, code: str) -> RedirectResponse:
    """After a report: the area it advances."""
    store = store_of(request)
    rep = query.one(store, "progress_report", code)
    act = query.one(store, "activity", rep["activity"])
    target = f"/areas/{act['area']}#act-{act['code']}" if act["area"] else f"/api/activities/{act['code']}"
    return RedirectResponse(target, status_code=303)


def _map_values() -> dict[str, Any]:
    today = dt.date.today().isoformat()
    return {"date": today, "status": "open", "reported": today}


def find_form(request: Request) -> HTMLResponse:
    title = N_("New EO find (click the map where it was found)")
    return _form(
        request,
        "eo_find",
        ["category", "model", "condition", "quantity", "depth_cm", "disposal", "date", "area", "activity"],
        _map_values(),
        title=title,
        heading=title,
        next_url="/collections/eo-finds/items/{code}?f=html",
        mode="point",
    )


def area_form(request: Request) -> HTMLResponse:
    names = ["name", "haz_type", "status", "dev_susp", "evidence", "land_use", "admin1", "admin2", "settlement",
             "reported"]  # fmt: skip
    return _form(
        request,
        "hazardous_area",
        names,
        _map_values(),
        title=N_("New hazardous area"),
        heading=N_("New hazardous area"),
        next_url="/areas/{code}",
        mode="polygon",
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
