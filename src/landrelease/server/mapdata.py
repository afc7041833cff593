"""Map data for the web map: bounded viewport payloads (service/viewport.py) and the record's extent."""

from __future__ import annotations

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse

from landrelease.domain.model import BY_KIND
from landrelease.errors import NotFound
from landrelease.server import schemas
from landrelease.server.deps import store_of
from landrelease.service import viewport
from landrelease.service.settings import parse_bbox

LAYERS = {schemas.slug(BY_KIND[k]): k for k in ("hazardous_area", "land_release", "eo_find", "accident")}


def router() -> APIRouter:
    r = APIRouter(prefix="/api/map", tags=["map"])

    @r.get("/extent", summary="Bounding box of the record (lon/lat)")
    def extent(request: Request) -> JSONResponse:
        box = viewport.extent(store_of(request))
        return JSONResponse({"bbox": list(box) if box else None})

    @r.get("/{layer}", summary="What the map shows in a viewport: records, or grid cells when zoomed out")
    def layer(
        request: Request,
        layer: str,
        bbox: str = Query(..., description="minx,miny,maxx,maxy of the view, lon/lat"),
    ) -> JSONResponse:
        if layer not in LAYERS:
            raise NotFound(f"no map layer {layer!r}; use one of: {', '.join(LAYERS)}")
        where = {k: v for k, v in request.query_params.items() if k != "bbox" and v}
        box = parse_bbox(bbox, field="bbox")
        return JSONResponse(viewport.view(store_of(request), LAYERS[layer], box, where=where))

    return r
