"""The HTTP API under /api/: list, read, create, update, delete and history for every record kind.

Routes are generated from the declarative model (`landrelease.domain.model.ENTITIES`), one set per
entity, so a field added to the model appears here, in the OpenAPI document and in validation at
once. Every write goes through the service (same validation and audit as the CLI); errors leave as
RFC 9457 problem details naming the field (`server.problems`).
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from landrelease.domain.model import ENTITIES, Entity
from landrelease.errors import ValidationError
from landrelease.server import schemas
from landrelease.server.deps import store_of
from landrelease.server.encode import record_json, value_json
from landrelease.service import filters as cql_filters
from landrelease.service import query, records
from landrelease.service.settings import parse_bbox

#: Versions are 32-bit integers in the store: a larger one is no record's version.
MAX_VERSION = 2**31 - 1

RESERVED = {"limit", "offset", "bbox", "datetime", "date_from", "date_to", "f", "filter", "filter-lang"}


def parse_datetime(text: str | None) -> tuple[Any, Any]:
    """OGC/ISO 8601 interval: `2024-01-01`, `2024-01-01/2024-12-31`, `../2024-12-31`, `2024-01-01/..`."""
    if not text:
        return None, None
    if "/" in text:
        a, b = text.split("/", 1)
        return query.parse_date(a, field="datetime"), query.parse_date(b, field="datetime")
    d = query.parse_date(text, field="datetime")
    return d, d


def list_params(request: Request, e: Entity) -> dict[str, Any]:
    q = request.query_params
    where = {k: v for k, v in q.items() if k not in RESERVED}
    date_from, date_to = parse_datetime(q.get("datetime"))
    if q.get("date_from"):
        date_from = query.parse_date(q["date_from"], field="date_from")
    if q.get("date_to"):
        date_to = query.parse_date(q["date_to"], field="date_to")
    bbox = parse_bbox(q["bbox"], field="bbox") if q.get("bbox") else None
    cql = None
    if "filter" in q:  # CQL2, as on the OGC API (docs/gis-clients.md)
        cql = cql_filters.compile_filter(e, cql_filters.parse(q["filter"], q.get("filter-lang")))
    return {"where": where, "date_from": date_from, "date_to": date_to, "bbox": bbox, "cql": cql}


def page_links(request: Request, page: query.Page) -> list[dict[str, Any]]:
    base = str(request.url.replace(query=""))
    params = dict(request.query_params)
    links = [{"rel": "self", "href": str(request.url), "type": "application/json"}]
    if page.has_next:
        params.update(offset=str(page.offset + page.limit), limit=str(page.limit))
        links.append({"rel": "next", "href": f"{base}?{urlencode(params)}", "type": "application/json"})
    if page.offset > 0:
        params.update(offset=str(max(page.offset - page.limit, 0)), limit=str(page.limit))
        links.append({"rel": "prev", "href": f"{base}?{urlencode(params)}", "type": "application/json"})
    return links


def expected_version(request: Request, body: dict[str, Any]) -> int:
    raw = body.pop("version", None)
    header = request.headers.get("if-match")
    if raw is None and header:
        raw = header.strip().removeprefix("W/").strip('"')
    if raw is None:
        raise ValidationError(
            "is required: send the version you edited (field 'version' or an If-Match header) so that a "
            "change made meanwhile by someone else is never overwritten",
            field="version",
        )
    try:
        version = int(raw)
    except (TypeError, ValueError):
        raise ValidationError(f"'{str(raw)[:40]}' is not a version number", field="version") from None
    if not 1 <= version <= MAX_VERSION:
        raise ValidationError(f"must be a version number between 1 and {MAX_VERSION}", field="version")
    return version


async def json_body(request: Request) -> dict[str, Any]:
    try:
        body = json.loads(await request.body() or b"{}")
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:  # ValueError: a number of > 4300 digits too
        raise ValidationError(f"the request body is not JSON: {str(exc)[:200]}") from None
    if not isinstance(body, dict):
        raise ValidationError("the request body must be a JSON object of field: value")
    return body


def _split(body: dict[str, Any]) -> tuple[dict[str, Any], Any, str | None]:
    geometry = body.pop("geometry", None)
    note = body.pop("note", None)
    return body, geometry, note


def _record_response(rec: dict[str, Any], status: int = 200, headers: dict[str, str] | None = None) -> JSONResponse:
    h = {"ETag": f'"{rec["version"]}"', **(headers or {})}
    return JSONResponse(record_json(rec), status_code=status, headers=h)


PROBLEM_RESPONSES = {
    code: {
        "description": text,
        "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}},
    }
    for code, text in ((404, "No such record"), (409, "Stale version or clash"), (422, "Invalid input"))
}


def add_entity_routes(router: APIRouter, e: Entity) -> None:
    path = f"/{schemas.slug(e)}"
    name = schemas.schema_name(e)
    label = e.plural.replace("_", " ")
    ref = {"$ref": f"#/components/schemas/{name}"}
    tag = [label]

    def list_(
        request: Request,
        limit: int = Query(100, ge=1, le=query.MAX_LIMIT, description="Page size"),
        offset: int = Query(0, ge=0, le=query.MAX_OFFSET, description="Records to skip"),
        bbox: str | None = Query(None, description="minx,miny,maxx,maxy in WGS84 lon/lat"),
        datetime: str | None = Query(None, description="Date or interval: 2024-01-01/2024-12-31, ../2024-12-31"),
        date_from: str | None = Query(None, description="On or after this date (YYYY-MM-DD)"),
        date_to: str | None = Query(None, description="On or before this date (YYYY-MM-DD)"),
    ) -> JSONResponse:
        store = store_of(request)
        page = query.search(store, e.kind, limit=limit, offset=offset, personal=None, **list_params(request, e))
        body = {
            "items": [record_json(r) for r in page.items],
            "matched": page.matched,
            "limit": page.limit,
            "offset": page.offset,
            "links": page_links(request, page),
        }
        return JSONResponse(body)

    filters = [
        {"name": f.name, "in": "query", "required": False, "schema": {"type": "string"}, "description": f"= {f.doc}"}
        for f in e.fields
        if not f.sensitive and f.type.value not in ("vocab_list", "json")
    ] + [
        {
            "name": "filter",
            "in": "query",
            "required": False,
            "schema": {"type": "string"},
            "description": "CQL2 filter (text; JSON with filter-lang=cql2-json), as on the OGC API",
        },
        {
            "name": "filter-lang",
            "in": "query",
            "required": False,
            "schema": {"type": "string", "enum": list(cql_filters.LANGS)},
        },
    ]
    router.add_api_route(
        path,
        list_,
        methods=["GET"],
        summary=f"List {label}",
        tags=tag,
        operation_id=f"list_{e.kind}",
        openapi_extra={
            "parameters": filters,
            "responses": {
                "200": {"content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{name}Page"}}}}
            },
        },
        responses=PROBLEM_RESPONSES,
    )

    def get_(request: Request, code: str) -> JSONResponse:
        return _record_response(query.one(store_of(request), e.kind, code, personal=None))

    router.add_api_route(
        path + "/{code}",
        get_,
        methods=["GET"],
        summary=f"One {e.kind.replace('_', ' ')}",
        tags=tag,
        operation_id=f"get_{e.kind}",
        openapi_extra={"responses": {"200": {"content": {"application/json": {"schema": ref}}}}},
        responses=PROBLEM_RESPONSES,
    )

    async def create_(request: Request) -> JSONResponse:
        values, geometry, note = _split(await json_body(request))
        store = store_of(request)

        def work() -> dict[str, Any]:
            result = records.create(store, e.kind, values, geometry, note=note)
            return query.one(store, e.kind, result.codes[0], personal=None)

        rec = await run_in_threadpool(work)
        # Quoted: a header is Latin-1; a code the record holds from before codes were normalised must
        # never turn a committed write into a 500 (issue 9: the record was stored, the reply failed).
        return _record_response(rec, 201, {"Location": f"{request.url.path}/{quote(rec['code'], safe='')}"})

    router.add_api_route(
        path,
        create_,
        methods=["POST"],
        status_code=201,
        summary=f"Record a new {e.kind.replace('_', ' ')}",
        tags=tag,
        operation_id=f"create_{e.kind}",
        openapi_extra={
            "requestBody": {
                "required": True,
                "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{name}New"}}},
            },
            "responses": {"201": {"description": "Created", "content": {"application/json": {"schema": ref}}}},
        },
        responses=PROBLEM_RESPONSES,
    )

    async def update_(request: Request, code: str) -> JSONResponse:
        body = await json_body(request)
        version = expected_version(request, body)
        values, geometry, note = _split(body)
        store = store_of(request)

        def work() -> dict[str, Any]:
            records.update(store, code, values, geometry=geometry, expected_version=version, note=note, kind=e.kind)
            return query.one(store, e.kind, code, personal=None)

        return _record_response(await run_in_threadpool(work))

    router.add_api_route(
        path + "/{code}",
        update_,
        methods=["PATCH"],
        summary=f"Edit a {e.kind.replace('_', ' ')} (optimistic concurrency: a stale version gets 409)",
        tags=tag,
        operation_id=f"update_{e.kind}",
        openapi_extra={
            "requestBody": {
                "required": True,
                "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{name}Edit"}}},
            },
            "responses": {"200": {"description": "Updated", "content": {"application/json": {"schema": ref}}}},
        },
        responses=PROBLEM_RESPONSES,
    )

    def delete_(
        request: Request,
        code: str,
        reason: str = Query(..., description="Why: kept in the audit trail"),
        version: int | None = Query(None, ge=1, le=MAX_VERSION, description="The version you saw"),
    ) -> Response:
        query.one(store_of(request), e.kind, code)  # 404 for a code of another kind
        records.delete(store_of(request), code, reason=reason, expected_version=version)
        return Response(status_code=204)

    router.add_api_route(
        path + "/{code}",
        delete_,
        methods=["DELETE"],
        status_code=204,
        summary=f"Withdraw a {e.kind.replace('_', ' ')} (soft delete: it stays in the history)",
        tags=tag,
        operation_id=f"delete_{e.kind}",
        responses=PROBLEM_RESPONSES,
    )

    sensitive = {f.name for f in e.fields if f.sensitive}

    def history_(request: Request, code: str) -> JSONResponse:
        store = store_of(request)
        query.one(store, e.kind, code)
        out = []
        for v in records.history(store, code):
            diff = {k: [value_json(a), value_json(b)] for k, (a, b) in v["diff"].items() if k not in sensitive}
            out.append(
                {
                    "version": v["version"],
                    "at": value_json(v["at"]),
                    "actor": v["actor"],
                    "action": v["action"],
                    "note": v["note"],
                    "changed": [k for k in v["changed"] if k not in sensitive],
                    "diff": diff,
                }
            )
        return JSONResponse({"code": code, "versions": out})

    router.add_api_route(
        path + "/{code}/history",
        history_,
        methods=["GET"],
        summary=f"Every version of a {e.kind.replace('_', ' ')}: who, when, what changed",
        tags=tag,
        operation_id=f"history_{e.kind}",
        responses=PROBLEM_RESPONSES,
    )


def component_schemas() -> dict[str, Any]:
    out: dict[str, Any] = {"Problem": schemas.PROBLEM_SCHEMA}
    for e in ENTITIES:
        name = schemas.schema_name(e)
        out[name] = schemas.output_schema(e)
        out[name + "New"] = schemas.input_schema(e, partial=False)
        out[name + "Edit"] = schemas.input_schema(e, partial=True)
        out[name + "Page"] = schemas.page_schema(e)
    return out


def router() -> APIRouter:
    r = APIRouter(prefix="/api")
    for e in ENTITIES:
        add_entity_routes(r, e)
    return r
