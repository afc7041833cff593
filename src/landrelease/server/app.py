"""The web application: HTTP API (/api), OGC API – Features (/, /conformance, /collections), the map
and pages, and the front-end assets installed from npm at set-up (served from disk: no CDN, works
with the network unplugged).

`create_app(store)` builds it; `landrelease serve` runs it under uvicorn.
"""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.middleware.gzip import GZipMiddleware
from fastapi.openapi.utils import get_openapi

from landrelease.server import api, auth, limits, mapdata, odk, ogc, pages, plans, problems, review, web
from landrelease.service.store import Store
from landrelease.settings import Settings

TITLE = "Landrelease"
DESCRIPTION = (
    "The national record of explosive-ordnance contamination and its release (IMAS MDR, IMAS 07.11): "
    "HTTP API and OGC API – Features."
)


def web_dir(settings: Settings | None = None) -> Path:
    """Where web/ lives (package.json, node_modules, our sources): the `web` setting or the repository's."""
    given = settings.web if settings else None
    return Path(given) if given else Path(__file__).resolve().parents[3] / "web"


def openapi_30(node: Any) -> Any:
    """FastAPI writes OpenAPI 3.1 nullables (anyOf with type null); OGC API asks for OpenAPI 3.0."""
    if isinstance(node, dict):
        any_of = node.get("anyOf")
        if isinstance(any_of, list) and any(x == {"type": "null"} for x in any_of):
            rest = [x for x in any_of if x != {"type": "null"}]
            node = {k: v for k, v in node.items() if k != "anyOf"}
            if len(rest) == 1:
                node.update(rest[0])
            else:
                node["anyOf"] = rest
            node["nullable"] = True
        return {k: openapi_30(v) for k, v in node.items()}
    if isinstance(node, list):
        return [openapi_30(x) for x in node]
    return node


def create_app(
    store: Store,
    settings: Settings | None = None,
    *,
    basemap: str | Path | None = None,
    web_root: Path | None = None,
    scenarios: str | Path | None = None,
    plan_cache: Path | None = None,
    public_view: bool | None = None,
    body_limits: limits.BodyLimits | None = None,
) -> FastAPI:
    """The application on `store`, configured by `settings` (default: the store's own). Every request
    acts as its caller (`server.auth`); with `public_view`, anonymous visitors see released land and
    statistics (docs/security.md). The keyword arguments are shorthands for the same settings (tests);
    `body_limits` replaces the request-body caps the settings give (`limits.BodyLimits.of(settings)`)."""
    given = {"basemap": basemap, "web": web_root, "scenarios": scenarios, "plan_cache": plan_cache}
    given = {k: Path(v) for k, v in given.items() if v is not None}
    if public_view is not None:
        given["public_view"] = public_view
    settings = dataclasses.replace(settings or store.settings, **given)
    store = store.configured(settings)
    app = FastAPI(
        title=TITLE,
        description=DESCRIPTION,
        version="0.1.0",
        openapi_url="/api/openapi.json",
        docs_url=None,  # server.web serves /api/docs from disk (FastAPI's own page loads Swagger UI from a CDN)
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.store = store.guarded()  # never acts as the system: each request acts as its caller
    app.state.basemap = settings.basemap
    app.state.web = web_dir(settings)
    app.state.plans = plans.make_runs(store, settings)
    problems.install(app)
    auth.install(app, public_view=settings.public_view)
    app.add_middleware(GZipMiddleware, minimum_size=2048)
    app.include_router(mapdata.router())
    app.include_router(api.router())
    app.include_router(web.router())
    app.include_router(ogc.router())
    app.include_router(pages.router())
    app.include_router(plans.router())
    app.include_router(plans.page_router())
    app.include_router(review.router())
    app.include_router(review.api_router())
    odk.install(app)
    # outermost: a too-large body is refused before anything reads it
    limits.install(app, body_limits or limits.BodyLimits.of(settings))

    def custom_openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        doc = get_openapi(title=app.title, version=app.version, description=app.description, routes=app.routes)
        doc = openapi_30(doc)
        doc["openapi"] = "3.0.3"
        doc.setdefault("components", {}).setdefault("schemas", {}).update(api.component_schemas())
        ogc.openapi(doc)
        app.openapi_schema = doc
        return doc

    app.openapi = custom_openapi  # type: ignore[method-assign]
    return app


#: How `landrelease serve --workers N` hands its settings to each worker process: uvicorn starts the
#: workers from an import string and calls `app_from_env` in each (every worker opens its own
#: connections). The variable holds the parent's whole `Settings` as JSON; it is not a setting.
ENV_SETTINGS = "LANDRELEASE_SERVE_SETTINGS"


def app_from_env() -> FastAPI:
    """The application of one worker of `landrelease serve --workers N`, with its parent's settings."""
    from landrelease.service.store import open_store

    settings = Settings.from_json(os.environ[ENV_SETTINGS])
    return create_app(open_store(settings.db, actor=settings.user or "", settings=settings))
