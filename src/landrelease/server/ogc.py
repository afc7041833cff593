"""OGC API – Features – Part 1: Core (OGC 17-069r4), with GeoJSON, OpenAPI 3.0 and HTML encodings.

Landing page `/`, `/conformance`, `/collections`, `/collections/{id}`, `/collections/{id}/items`
(bbox, limit, offset with next/prev links, datetime, equality filters on properties) and single
items. QGIS and GDAL's OAPIF driver read it; `items` links carry no query string (GDAL 3.6 breaks on
them). Accidents are published without personal data: victims are another kind and not a collection.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import urlencode

import orjson
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response

from landrelease.auth import policy
from landrelease.domain.model import BY_KIND, Entity, FieldType
from landrelease.errors import NotFound, ValidationError
from landrelease.server import schemas
from landrelease.server.api import parse_datetime
from landrelease.server.auth import principal
from landrelease.server.deps import store_of
from landrelease.server.encode import feature_collection
from landrelease.server.problems import problem
from landrelease.server.render import N_, render
from landrelease.service import access, filters, query
from landrelease.service.settings import parse_bbox
from landrelease.service.store import Store

COLLECTION_KINDS = ("hazardous_area", "activity", "land_release", "eo_find", "accident", "risk_education", "qa_visit")
TITLES = {
    "hazardous_area": N_("Hazardous areas (SHA/CHA)"),
    "activity": N_("Land release activities"),
    "land_release": N_("Released land (cancelled, reduced, cleared)"),
    "eo_find": N_("Explosive ordnance finds"),
    "accident": N_("Accidents (no personal data)"),
    "risk_education": N_("Risk education sessions"),
    "qa_visit": N_("Quality assurance visits"),
}
CONFORMANCE = [
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/html",
    # Part 3 (OGC 19-079r2): queryables and the filter parameter; CQL2 (OGC 21-065r2) as service.filters
    # translates it — no spatial, temporal, property-property or case-insensitive classes.
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/filter",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/features-filter",
    "http://www.opengis.net/spec/cql2/1.0/conf/cql2-text",
    "http://www.opengis.net/spec/cql2/1.0/conf/cql2-json",
    "http://www.opengis.net/spec/cql2/1.0/conf/basic-cql2",
    "http://www.opengis.net/spec/cql2/1.0/conf/advanced-comparison-operators",
    "http://www.opengis.net/spec/cql2/1.0/conf/array-functions",
    # Part 5 (OGC 23-058): the schema of each collection's features
    "http://www.opengis.net/spec/ogcapi-features-5/1.0/conf/schemas",
]
CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
GEOJSON = "application/geo+json"
SCHEMA_JSON = "application/schema+json"
#: A request without `limit` gets this many features (and numberMatched, numberReturned and a next
#: link); declared in the OpenAPI document with the maximum, which QGIS and GDAL read to size pages.
DEFAULT_LIMIT = 1_000
MAX_LIMIT = query.MAX_LIMIT


def wants_html(request: Request) -> bool:
    f = request.query_params.get("f")
    if f:
        return f.lower() == "html"
    accept = request.headers.get("accept", "")
    return "text/html" in accept and "json" not in accept.split("text/html")[0]


def base_url(request: Request) -> str:
    return str(request.base_url).rstrip("/")


def collection_entity(collection_id: str) -> Entity:
    for kind in COLLECTION_KINDS:
        if schemas.slug(BY_KIND[kind]) == collection_id:
            return BY_KIND[kind]
    raise NotFound(f"no collection {collection_id!r}; see /collections")


def _extent(store: Store, e: Entity) -> tuple[dict[str, Any], bool]:
    """The collection's extent (OGC 17-069 §7.14.2: the bbox of its records' published locations; no
    records, no spatial extent rather than a whole-world one) and whether any record is synthetic."""
    (minx, miny, maxx, maxy), span, synthetic = query.extent(store, e)
    out: dict[str, Any] = {}
    if minx is not None:
        out["spatial"] = {"bbox": [[minx, miny, maxx, maxy]], "crs": CRS84}
    if span is not None:
        out["temporal"] = {
            "interval": [[_iso(span[0]), _iso(span[1])]],
            "trs": "http://www.opengis.net/def/uom/ISO-8601/0/Gregorian",
        }
    return out, synthetic


def _iso(d: Any) -> str | None:
    if d is None:
        return None
    if isinstance(d, str):
        d = dt.date.fromisoformat(d[:10])
    return f"{d.isoformat()}T00:00:00Z"


def datetime_note(e: Entity) -> str:
    """Which property the `datetime` parameter filters on (one sentence for the collection's description)."""
    span = query.time_fields(e)
    if span is None:
        return "These features have no date: the datetime parameter is refused."
    if span[0] == span[1]:
        return f"The datetime parameter filters on the property '{span[0]}'; other dates: use a CQL2 filter."
    return (
        f"The datetime parameter selects features whose interval '{span[0]}'–'{span[1]}' meets it; "
        "other dates: use a CQL2 filter."
    )


SYNTHETIC_NOTE = "SYNTHETIC DATA: these records were generated for demonstration and testing, not surveyed."


def collection_doc(request: Request, e: Entity) -> dict[str, Any]:
    base = base_url(request)
    cid = schemas.slug(e)
    extent, synthetic = _extent(store_of(request), e)
    title = TITLES[e.kind] + (" — SYNTHETIC" if synthetic else "")
    description = " ".join([*([SYNTHETIC_NOTE] if synthetic else []), e.doc, datetime_note(e)])
    return {
        "id": cid,
        "title": title,
        "description": description,
        "itemType": "feature",
        "crs": [CRS84],
        "storageCrs": CRS84,
        "extent": extent,
        "links": [
            {
                "rel": "self",
                "href": f"{base}/collections/{cid}",
                "type": "application/json",
                "title": "This collection",
            },
            {"rel": "alternate", "href": f"{base}/collections/{cid}?f=html", "type": "text/html", "title": "As HTML"},
            # No query string on the items link: GDAL 3.6 appends its own and breaks on a second '?'.
            {"rel": "items", "href": f"{base}/collections/{cid}/items", "type": GEOJSON, "title": "Features"},
            {
                "rel": "http://www.opengis.net/def/rel/ogc/1.0/queryables",
                "href": f"{base}/collections/{cid}/queryables",
                "type": SCHEMA_JSON,
                "title": "What a filter may name",
            },
            {
                "rel": "http://www.opengis.net/def/rel/ogc/1.0/schema",
                "href": f"{base}/collections/{cid}/schema",
                "type": SCHEMA_JSON,
                "title": "The features' properties",
            },
        ],
    }


def _param(name: str, schema: dict[str, Any], description: str) -> dict[str, Any]:
    """An OpenAPI query parameter in the form OGC 17-069 §7.15 writes them (style form, explode false:
    QGIS takes only such parameters as its "simple queryables")."""
    return {
        "name": name,
        "in": "query",
        "required": False,
        "style": "form",
        "explode": False,
        "schema": schema,
        "description": description,
    }


def openapi_parameters() -> dict[str, Any]:
    """The items parameters, declared once in `components/parameters` (QGIS and GDAL read the default and
    maximum `limit` there to size their pages)."""
    return {
        "limit": _param(
            "limit",
            {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT, "default": DEFAULT_LIMIT},
            f"How many features per page: {DEFAULT_LIMIT} when absent, at most {MAX_LIMIT} (a larger value is "
            "served as the maximum). numberMatched, numberReturned and the next link say what is left.",
        ),
        "offset": _param("offset", {"type": "integer", "minimum": 0, "default": 0}, "Features to skip (paging)."),
        "bbox": _param(
            "bbox",
            {"type": "array", "minItems": 4, "maxItems": 6, "items": {"type": "number"}},
            "minx,miny,maxx,maxy in WGS84 longitude/latitude (CRS84); features whose location meets it.",
        ),
        "filter": _param(
            "filter",
            {"type": "string"},
            "A CQL2 filter (OGC 21-065): text by default, e.g. haz_type = 'cha' AND A_CONTAINS(dev_susp, "
            "('ap_mine')); JSON with filter-lang=cql2-json. The properties it may name: /queryables.",
        ),
        "filter-lang": _param(
            "filter-lang",
            {"type": "string", "enum": list(filters.LANGS), "default": "cql2-text"},
            "The filter's encoding.",
        ),
        "datetime": _param(
            "datetime",
            {"type": "string"},
            "A date, a date-time (its day is used) or an interval a/b with open ends as '..', nothing, or "
            "QGIS's 0000-01-01T00:00:00Z start. Which property it filters on: the collection's description.",
        ),
    }


def _property_params(e: Entity) -> list[dict[str, Any]]:
    out = []
    for f in e.fields:
        if f.sensitive or f.type in (FieldType.VOCAB_LIST, FieldType.JSON):
            continue
        schema = {k: v for k, v in schemas.field_schema(f).items() if k in ("type", "format", "enum")}
        out.append(_param(f.name, schema, f"Features whose {f.name!r} equals this value ({f.doc})."))
    return out


def openapi(doc: dict[str, Any], kinds: tuple[str, ...] = COLLECTION_KINDS) -> None:
    """Add to the OpenAPI document what OGC API – Features clients look for: the shared items parameters,
    and one items path per collection with its property filters (OGC 17-069 /rec/core/fc-filters)."""
    params = doc.setdefault("components", {}).setdefault("parameters", {})
    params.update(openapi_parameters())
    paths = doc.setdefault("paths", {})
    generic = paths.pop("/collections/{collection_id}/items", None)
    get = (generic or {}).get("get", {})
    for kind in kinds:
        e = BY_KIND[kind]
        cid = schemas.slug(e)
        paths[f"/collections/{cid}/items"] = {
            "get": {
                "tags": get.get("tags", ["OGC API – Features"]),
                "summary": f"{TITLES[kind]}: features",
                "operationId": f"items_{kind}",
                "parameters": [{"$ref": f"#/components/parameters/{n}"} for n in openapi_parameters()]
                + _property_params(e),
                "responses": {
                    "200": {"description": "A page of features (GeoJSON)", "content": {GEOJSON: {"schema": {}}}},
                    "400": {
                        "description": "A parameter is wrong",
                        "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}},
                    },
                },
            }
        }


def router() -> APIRouter:
    r = APIRouter(tags=["OGC API – Features"])

    @r.get("/", summary="Landing page", include_in_schema=True)
    def landing(request: Request):  # type: ignore[no-untyped-def]
        if wants_html(request):
            from landrelease.server.pages import home

            return home(request)
        base = base_url(request)
        return JSONResponse(
            {
                "title": "Landrelease",
                "description": "The national mine action record as OGC API – Features.",
                "links": [
                    {"rel": "self", "href": f"{base}/", "type": "application/json", "title": "This document"},
                    {"rel": "alternate", "href": f"{base}/?f=html", "type": "text/html", "title": "As HTML"},
                    {
                        "rel": "service-desc",
                        "href": f"{base}/api/openapi.json",
                        "type": "application/vnd.oai.openapi+json;version=3.0",
                        "title": "API definition",
                    },
                    {"rel": "service-doc", "href": f"{base}/api/docs", "type": "text/html", "title": "API docs"},
                    {"rel": "conformance", "href": f"{base}/conformance", "type": "application/json"},
                    {"rel": "data", "href": f"{base}/collections", "type": "application/json"},
                ],
            }
        )

    @r.get("/conformance", summary="Conformance classes")
    def conformance(request: Request):  # type: ignore[no-untyped-def]
        if wants_html(request):
            return render(request, "ogc_conformance.html", classes=CONFORMANCE)
        return JSONResponse({"conformsTo": CONFORMANCE})

    @r.get("/collections", summary="Feature collections")
    def collections(request: Request):  # type: ignore[no-untyped-def]
        p = principal(request)  # the public view lists only what it may read
        docs = [collection_doc(request, BY_KIND[k]) for k in COLLECTION_KINDS if policy.can_read(p, k)]
        if wants_html(request):
            return render(request, "ogc_collections.html", collections=docs)
        base = base_url(request)
        return JSONResponse(
            {
                "links": [
                    {"rel": "self", "href": f"{base}/collections", "type": "application/json"},
                    {"rel": "alternate", "href": f"{base}/collections?f=html", "type": "text/html"},
                ],
                "collections": docs,
            }
        )

    @r.get("/collections/{collection_id}", summary="One feature collection")
    def collection(request: Request, collection_id: str):  # type: ignore[no-untyped-def]
        doc = collection_doc(request, collection_entity(collection_id))
        if wants_html(request):
            return render(request, "ogc_collection.html", doc=doc)
        return JSONResponse(doc)

    @r.get("/collections/{collection_id}/queryables", summary="What a filter on a collection may name")
    def queryables(request: Request, collection_id: str):  # type: ignore[no-untyped-def]
        e = collection_entity(collection_id)
        access.check_read(store_of(request), e.kind)
        url = f"{base_url(request)}/collections/{collection_id}/queryables"
        return JSONResponse(schemas.queryables_schema(e, url), media_type=SCHEMA_JSON)

    @r.get("/collections/{collection_id}/schema", summary="The properties of a collection's features")
    def schema(request: Request, collection_id: str):  # type: ignore[no-untyped-def]
        e = collection_entity(collection_id)
        access.check_read(store_of(request), e.kind)
        url = f"{base_url(request)}/collections/{collection_id}/schema"
        return JSONResponse(schemas.feature_schema(e, url, geometry=geometry_format(e)), media_type=SCHEMA_JSON)

    @r.get("/collections/{collection_id}/items", summary="Features of a collection")
    def items(request: Request, collection_id: str):  # type: ignore[no-untyped-def]
        e = collection_entity(collection_id)
        html_wanted = wants_html(request)
        try:
            limit, offset, args = _item_params(request, e)
            # one pass from rows to GeoJSON text (query.feature_page), for JSON and HTML alike
            page = query.feature_page(store_of(request), e.kind, limit=limit, offset=offset, **args)
        except ValidationError as exc:  # a parameter's value (OGC 17-069 /req/core/query-param-invalid: 400)
            return problem(400, "Bad request", str(exc), instance=request.url.path, field=exc.field)
        n = len(page.codes)
        base = f"{base_url(request)}/collections/{collection_id}/items"
        params = {k: v for k, v in request.query_params.items() if k != "f"}
        links = [
            {"rel": "self", "href": _href(base, params), "type": GEOJSON, "title": "This page"},
            {"rel": "alternate", "href": _href(base, {**params, "f": "html"}), "type": "text/html"},
            {
                "rel": "collection",
                "href": f"{base_url(request)}/collections/{collection_id}",
                "type": "application/json",
            },
        ]
        if offset + n < page.matched:
            links.append(
                {
                    "rel": "next",
                    "href": _href(base, {**params, "offset": offset + limit, "limit": limit}),
                    "type": GEOJSON,
                }
            )
        if offset > 0:
            prev = {**params, "offset": max(offset - limit, 0), "limit": limit}
            links.append({"rel": "prev", "href": _href(base, prev), "type": GEOJSON})
        if html_wanted:
            features = [{"id": c, "properties": p} for c, p in zip(page.codes, page.properties, strict=True)]
            return _items_html(request, e, collection_id, features, page, links)
        stamp = dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")
        return Response(feature_collection(page, links=links, time_stamp=stamp), media_type=GEOJSON)

    @r.get("/collections/{collection_id}/items/{feature_id}", summary="One feature")
    def item(request: Request, collection_id: str, feature_id: str):  # type: ignore[no-untyped-def]
        e = collection_entity(collection_id)
        page = query.feature_page(store_of(request), e.kind, codes=[feature_id], limit=1)
        if not page.codes:
            raise NotFound(f"no feature {feature_id!r} in {collection_id}")
        base = f"{base_url(request)}/collections/{collection_id}"
        f = orjson.loads(feature_collection(page, links=[], time_stamp=""))["features"][0]
        f["links"] = [
            {"rel": "self", "href": f"{base}/items/{feature_id}", "type": GEOJSON},
            {"rel": "alternate", "href": f"{base}/items/{feature_id}?f=html", "type": "text/html"},
            {"rel": "collection", "href": base, "type": "application/json"},
        ]
        if wants_html(request):
            return render(
                request,
                "ogc_item.html",
                code=feature_id,
                kind=e.kind,
                area=e.kind == "hazardous_area",
                properties=f["properties"],
                synthetic=bool(f["properties"].get("synthetic")),
            )
        return JSONResponse(f, media_type=GEOJSON)

    return r


def geometry_format(e: Entity) -> str | None:
    """The geometry the collection serves, in Part 5's words: activities are points
    (`query.LOCATED_BY`), hazardous areas and releases polygons or multipolygons, the others points."""
    if e.kind in query.LOCATED_BY:
        return "point"
    if e.geom is None:
        return None
    return {"polygon": "polygon-or-multipolygon", "point": "point", "line": "linestring"}.get(e.geom.value, "any")


def _href(base: str, params: dict[str, Any]) -> str:
    return f"{base}?{urlencode(params)}" if params else base


def _item_params(request: Request, e: Entity) -> tuple[int, int, dict[str, Any]]:
    q = request.query_params
    try:
        limit = int(q.get("limit", DEFAULT_LIMIT))
        offset = int(q.get("offset", 0))
    except ValueError:
        raise ValidationError("limit and offset must be whole numbers", field="limit") from None
    if limit < 1:
        raise ValidationError("must be 1 or more", field="limit")
    limit = min(limit, MAX_LIMIT)  # OGC 17-069 /req/core/fc-limit-response-1: cap, do not refuse
    if offset < 0:
        raise ValidationError("must be 0 or more", field="offset")
    bbox = None
    if q.get("bbox"):
        parts = q["bbox"].split(",")
        if len(parts) == 6:  # 3D box: drop the heights
            parts = [parts[0], parts[1], parts[3], parts[4]]
        bbox = parse_bbox(",".join(parts), field="bbox")
    for name in ("bbox-crs", "crs"):  # OGC API – Features Part 2 names; only the default CRS is served
        if q.get(name) not in (None, CRS84):
            raise ValidationError(f"only {CRS84} is supported", field=name)
    date_from, date_to = parse_datetime(q.get("datetime"))
    if q.get("filter-crs") not in (None, CRS84):
        raise ValidationError(f"only {CRS84} is supported", field="filter-crs")
    cql = None
    if "filter" in q:
        cql = filters.compile_filter(e, filters.parse(q["filter"], q.get("filter-lang")))
    elif "filter-lang" in q:
        raise ValidationError("is given without a filter", field="filter-lang")
    fields = {f.name for f in e.fields if not f.sensitive}
    where = {}
    for k, v in q.items():
        if k in ITEMS_PARAMS:
            continue
        if k not in fields:
            raise ValidationError(f"unknown query parameter {k!r}", field=k)
        where[k] = v
    return limit, offset, {"bbox": bbox, "date_from": date_from, "date_to": date_to, "where": where, "cql": cql}


#: The items parameters that are not property filters.
ITEMS_PARAMS = frozenset(
    {"limit", "offset", "bbox", "bbox-crs", "crs", "datetime", "f", "filter", "filter-lang", "filter-crs", "lang"}
)  # lang: the language of the HTML page (server.render)


def _items_html(
    request: Request, e: Entity, cid: str, features: list[dict[str, Any]], page: query.Page, links: list
) -> HTMLResponse:
    nav = [
        (link["rel"], link["href"] + ("&" if "?" in link["href"] else "?") + "f=html")
        for link in links
        if link["rel"] in ("next", "prev")
    ]
    return render(
        request,
        "ogc_items.html",
        title=TITLES[e.kind],
        kind=e.kind,
        cid=cid,
        names=[f.name for f in e.fields if not f.sensitive][:8],
        features=features,
        matched=page.matched,
        first=page.offset + 1,
        last=page.offset + len(features),
        nav=nav,
        synthetic=any(f["properties"].get("synthetic") for f in features),
    )
