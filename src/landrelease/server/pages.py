"""Web pages: home, map, area detail, forms, dashboard. Thin HTML shells; data comes from /api."""

from __future__ import annotations

import html

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from landrelease.server import layout


def home(request: Request) -> HTMLResponse:
    body = (
        "<h1>Landrelease</h1><p>The national record of explosive-ordnance contamination and its release.</p><ul>"
        '<li><a href="/map">Map</a> of hazardous areas, released land, finds and accidents</li>'
        '<li><a href="/dashboard">Dashboard</a></li>'
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
    layers = "".join(
        f'<label><input type="checkbox" data-layer="{slug}" checked> {html.escape(t)}</label>'
        for slug, t in (
            ("hazardous-areas", "Hazardous areas"),
            ("land-releases", "Released land"),
            ("eo-finds", "EO finds"),
            ("accidents", "Accidents"),
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


def router() -> APIRouter:
    r = APIRouter(include_in_schema=False)
    r.add_api_route("/map", map_page, methods=["GET"])
    return r
