"""Front-end assets from disk: our sources (web/src) and npm packages installed at set-up
(web/node_modules), plus the bundled Natural Earth basemap and an optional PMTiles basemap."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, Response

from landrelease.errors import NotFound
from landrelease.server import basemap
from landrelease.server.render import render

#: URL prefix → path inside web/ (only these folders are served).
VENDOR = {
    "maplibre-gl": "node_modules/maplibre-gl/dist",
    "pmtiles": "node_modules/pmtiles/dist",
    "swagger-ui": "node_modules/swagger-ui-dist",  # /api/docs offline
}
TYPES = {".mjs": "text/javascript", ".js": "text/javascript", ".css": "text/css", ".map": "application/json"}


def _safe(root: Path, rel: str) -> Path:
    path = (root / rel).resolve()
    if root.resolve() not in path.parents or not path.is_file():
        raise NotFound(f"no file {rel!r}")
    return path


def _file(path: Path) -> FileResponse:
    return FileResponse(path, media_type=TYPES.get(path.suffix), headers={"Cache-Control": "public, max-age=3600"})


def router() -> APIRouter:
    r = APIRouter(include_in_schema=False)

    @r.get("/static/{rel:path}")
    def static(request: Request, rel: str) -> FileResponse:
        return _file(_safe(request.app.state.web / "src", rel))

    @r.get("/vendor/{package}/{rel:path}")
    def vendor(request: Request, package: str, rel: str) -> FileResponse:
        if package not in VENDOR:
            raise NotFound(f"no package {package!r}")
        root = request.app.state.web / VENDOR[package]
        if not root.is_dir():
            raise NotFound(f"{package} is not installed: run 'make install' (npm ci in web/)")
        return _file(_safe(root, rel))

    @r.get("/api/docs")
    def api_docs(request: Request) -> HTMLResponse:
        """The HTTP API's documentation: Swagger UI installed from npm, no CDN (works offline)."""
        return render(request, "api_docs.html")

    @r.get("/basemap/land.geojson")
    def land(request: Request) -> Response:
        path = request.app.state.web / "node_modules/world-atlas/countries-50m.json"
        if not path.is_file():
            raise NotFound("the Natural Earth basemap is not installed: run 'make install' (npm ci in web/)")
        return Response(
            basemap.natural_earth(path), media_type="application/geo+json", headers={"Cache-Control": "max-age=86400"}
        )

    @r.get("/basemap/config.json")
    def config(request: Request) -> JSONResponse:
        path = request.app.state.basemap
        if path is None:
            return JSONResponse({"pmtiles": None})
        return JSONResponse({"pmtiles": "/basemap/tiles.pmtiles", "kind": basemap.pmtiles_kind(path)})

    @r.get("/basemap/tiles.pmtiles")
    def tiles(request: Request) -> FileResponse:
        path = request.app.state.basemap
        if path is None:
            raise NotFound("no PMTiles basemap: start the server with --basemap FILE.pmtiles")
        return FileResponse(path, media_type="application/octet-stream")  # Range requests: PMTiles reads by byte range

    return r
