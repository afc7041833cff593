"""The web application: HTTP API (/api), OGC API – Features (/, /conformance, /collections), the map
and pages, and the front-end assets installed from npm at set-up (served from disk: no CDN, works
with the network unplugged).

`create_app(store)` builds it; `landrelease serve` runs it under uvicorn.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.middleware.gzip import GZipMiddleware
from fastapi.openapi.utils import get_openapi

from landrelease.server import api, auth, mapdata, odk, ogc, pages, plans, problems, review, web
from landrelease.service.store import Store

TITLE = "Landrelease"
DESCRIPTION = (
    "The national record of explosive-ordnance contamination and its release (IMAS MDR, IMAS 07.11): "
    "HTTP API and OGC API – Features."
)


def web_dir() -> Path:
    """Where web/ lives (package.json, node_modules, our sources): $LANDRELEASE_WEB or the repository's."""
    given = os.environ.get("LANDRELEASE_WEB")
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
    *,
    basemap: str | Path | None = None,
    web_root: Path | None = None,
    scenarios: str | Path | None = None,
    plan_cache: Path | None = None,
    public_view: bool = False,
) -> FastAPI:
    """The application on `store`. Every request acts as its caller (`server.auth`); with
    `public_view`, anonymous visitors see released land and statistics (docs/security.md)."""
    app = FastAPI(
        title=TITLE,
        description=DESCRIPTION,
        version="0.1.0",
        openapi_url="/api/openapi.json",
        docs_url="/api/docs",
        redoc_url=None,
    )
    app.state.store = store.guarded()  # never acts as the system: each request acts as its caller
    app.state.basemap = Path(basemap) if basemap else None
    app.state.web = web_root or web_dir()
    app.state.plans = plans.make_runs(store, Path(scenarios) if scenarios else None, plan_cache)
    problems.install(app)
    auth.install(app, public_view=public_view)
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

    def custom_openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        doc = get_openapi(title=app.title, version=app.version, description=app.description, routes=app.routes)
        doc = openapi_30(doc)
        doc["openapi"] = "3.0.3"
        doc.setdefault("components", {}).setdefault("schemas", {}).update(api.component_schemas())
        app.openapi_schema = doc
        return doc

    app.openapi = custom_openapi  # type: ignore[method-assign]
    return app


#: How `landrelease serve --workers N` hands its settings to each worker process (uvicorn starts the
#: workers and calls `app_from_env` in each; every worker opens its own connections).
ENV_DB, ENV_BASEMAP, ENV_SCENARIOS, ENV_ACTOR = (
    "LANDRELEASE_SERVE_DB",
    "LANDRELEASE_SERVE_BASEMAP",
    "LANDRELEASE_SERVE_SCENARIOS",
    "LANDRELEASE_SERVE_ACTOR",
)
ENV_PUBLIC = "LANDRELEASE_SERVE_PUBLIC_VIEW"


def app_from_env() -> FastAPI:
    """The application of one worker of `landrelease serve --workers N`."""
    from landrelease.service.store import open_store

    store = open_store(os.environ[ENV_DB], actor=os.environ.get(ENV_ACTOR, ""))
    return create_app(
        store,
        basemap=os.environ.get(ENV_BASEMAP) or None,
        scenarios=os.environ.get(ENV_SCENARIOS) or None,
        public_view=bool(os.environ.get(ENV_PUBLIC)),
    )
