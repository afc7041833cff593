"""Map data for the web map: bounded viewport payloads (service/viewport.py) and the record's extent."""

from __future__ import annotations

import orjson
from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse, Response

from landrelease.domain.model import BY_KIND
from landrelease.errors import NotFound
from landrelease.server import schemas
from landrelease.server.deps import store_of
from landrelease.server.encode import geometry_json
from landrelease.service import query, viewport
from landrelease.service.settings import parse_bbox

LAYERS = {schemas.slug(BY_KIND[k]): k for k in ("hazardous_area", "land_release", "eo_find", "accident")}


def router() -> APIRouter:
    r = APIRouter(prefix="/api/map", tags=["map"])

    @r.get("/extent", summary="Bounding box of the record (lon/lat)")
    def extent(request: Request) -> JSONResponse:
        box = viewport.extent(store_of(request))
        return JSONResponse({"bbox": list(box) if box else None})

    @r.get("/areas/{code}", summary="One hazardous area for its page's map: perimeter, remaining land, releases, finds")
    def area(request: Request, code: str) -> JSONResponse:
        return JSONResponse(area_layers(store_of(request), code))

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
        doc = viewport.view(store_of(request), LAYERS[layer], box, where=where)
        return Response(orjson.dumps(doc), media_type="application/json")

    return r


#: Finds drawn on an area's map at most (an area holds tens to hundreds; the page says when cut).
AREA_FINDS = 5000


def area_layers(store, code: str) -> dict:
    """One hazardous area as a FeatureCollection with a `role` per feature: `perimeter` (the original
    polygon), `remaining` (land still suspected), `release` (each land release product, with its
    `rel_type`: cancelled, reduced, cleared) and `find` (EO finds recorded in the area)."""
    a = query.one(store, "hazardous_area", code)

    def feat(role: str, geom, **props) -> dict:
        return {"type": "Feature", "geometry": geometry_json(geom), "properties": {"role": role, **props}}

    features = [feat("perimeter", a["geometry"], code=code, area_m2=a["area_m2"])]
    if a.get("remaining") is not None and (a["remain_m2"] or 0) > 0:
        features.append(feat("remaining", a["remaining"], code=code, area_m2=a["remain_m2"]))
    releases = query.related(store, "land_release", "area", code)
    for r in sorted(releases, key=lambda r: str(r["date"])):
        if r["geometry"] is not None:
            features.append(feat("release", r["geometry"], code=r["code"], rel_type=r["rel_type"],
                                 date=str(r["date"] or ""), area_m2=r["area_m2"]))  # fmt: skip
    finds = query.search(store, "eo_find", where={"area": code}, limit=AREA_FINDS)
    for f in finds.items:
        if f["geometry"] is not None:
            features.append(feat("find", f["geometry"], code=f["code"], category=f["category"]))
    features = [f for f in features if f["geometry"] is not None]
    return {
        "type": "FeatureCollection",
        "features": features,
        "bbox": list(a["geometry"].bounds) if a["geometry"] is not None else None,
        "finds": finds.matched,
        "synthetic": bool(a["synthetic"]),
    }
