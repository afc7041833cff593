"""Web pages: home, map, area detail, forms, dashboard. Thin HTML shells; data comes from /api."""

from __future__ import annotations

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


def router() -> APIRouter:
    r = APIRouter(include_in_schema=False)
    return r
