"""JSON Schemas (OpenAPI 3.0 dialect) generated from the declarative record model.

One function per shape, applied to every entity: nothing here is written per record kind.
"""

from __future__ import annotations

from typing import Any

from landrelease.domain.model import Entity, Field, FieldType

GEOJSON_GEOMETRY = {
    "type": "object",
    "description": "GeoJSON geometry in WGS84 longitude/latitude (RFC 7946)",
    "required": ["type", "coordinates"],
    "properties": {"type": {"type": "string"}, "coordinates": {"type": "array", "items": {}}},
}


def slug(e: Entity) -> str:
    """URL path segment: plural noun with hyphens (`hazardous-areas`)."""
    return e.plural.replace("_", "-")


def field_schema(f: Field) -> dict[str, Any]:
    s: dict[str, Any]
    if f.type in (FieldType.TEXT, FieldType.REF):
        s = {"type": "string"}
        if f.ref:
            s["description"] = f"{f.doc} (code of a {f.ref.replace('_', ' ')})"
    elif f.type is FieldType.INT:
        s = {"type": "integer"}
    elif f.type is FieldType.FLOAT:
        s = {"type": "number"}
    elif f.type is FieldType.DATE:
        s = {"type": "string", "format": "date"}
    elif f.type is FieldType.BOOL:
        s = {"type": "boolean"}
    elif f.type is FieldType.VOCAB:
        s = {"type": "string", "enum": [m.value for m in f.vocab]}  # type: ignore[union-attr]
    elif f.type is FieldType.VOCAB_LIST:
        s = {"type": "array", "items": {"type": "string", "enum": [m.value for m in f.vocab]}}  # type: ignore[union-attr]
    else:
        s = {}
    s.setdefault("description", f.doc + (f" ({f.mdr})" if f.mdr else ""))
    s["nullable"] = not f.required
    if f.derived:
        s["readOnly"] = True
    return s


def input_schema(e: Entity, *, partial: bool) -> dict[str, Any]:
    props: dict[str, Any] = {f.name: field_schema(f) for f in e.input_fields}
    props["code"] = {"type": "string", "description": "Human code; assigned when absent", "nullable": True}
    props["note"] = {"type": "string", "description": "Why: kept in the audit trail", "nullable": True}
    if e.geom is not None:
        props["geometry"] = dict(GEOJSON_GEOMETRY, nullable=partial or not e.geom_required)
    required = [] if partial else [f.name for f in e.input_fields if f.required]
    if not partial and e.geom is not None and e.geom_required:
        required.append("geometry")
    if partial:
        props.pop("code")
        props["version"] = {"type": "integer", "description": "The version you edited (or send If-Match)"}
    out: dict[str, Any] = {"type": "object", "properties": props, "additionalProperties": False}
    if required:
        out["required"] = required
    return out


def output_schema(e: Entity) -> dict[str, Any]:
    props: dict[str, Any] = {
        "code": {"type": "string"},
        "kind": {"type": "string", "enum": [e.kind]},
    }
    for f in e.fields:
        props[f.name] = field_schema(f)
        if f.sensitive:  # present only for roles that may see personal data (docs/security.md)
            props[f.name]["description"] += "; personal data: returned only to the administrator and IM officer"
    if e.geom is not None:
        props["geometry"] = dict(GEOJSON_GEOMETRY, nullable=True)
    if e.kind == "hazardous_area":
        props["remaining"] = dict(GEOJSON_GEOMETRY, nullable=True, description="Land still hazardous")
    props.update(
        {
            "version": {"type": "integer"},
            "synthetic": {"type": "boolean"},
            "attrs": {"type": "object", "nullable": True},
            "created_at": {"type": "string", "format": "date-time"},
            "created_by": {"type": "string"},
            "updated_at": {"type": "string", "format": "date-time"},
            "updated_by": {"type": "string"},
        }
    )
    return {"type": "object", "properties": props}


def page_schema(e: Entity) -> dict[str, Any]:
    return {
        "type": "object",
        "properties": {
            "items": {"type": "array", "items": {"$ref": f"#/components/schemas/{schema_name(e)}"}},
            "matched": {"type": "integer"},
            "limit": {"type": "integer"},
            "offset": {"type": "integer"},
            "links": {"type": "array", "items": {"type": "object"}},
        },
    }


def schema_name(e: Entity, suffix: str = "") -> str:
    return "".join(p.capitalize() for p in e.kind.split("_")) + suffix


PROBLEM_SCHEMA = {
    "type": "object",
    "description": "RFC 9457 problem details",
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "instance": {"type": "string"},
        "field": {"type": "string", "nullable": True},
        "errors": {"type": "array", "items": {"type": "object"}},
    },
}


# ------------------------------------------------ OGC API – Features Part 3 queryables, Part 5 schemas

JSON_SCHEMA_2020 = "https://json-schema.org/draft/2020-12/schema"


def _label(f: Field) -> str:
    """A field's human label: the model's label when it declares one, else its one-line description."""
    return getattr(f, "label", "") or f.doc


def _vocab_values(f: Field) -> dict[str, Any]:
    """The values of a vocabulary with their labels (JSON Schema `enum`, and `oneOf` const + title)."""
    members = list(f.vocab or [])
    return {
        "enum": [m.value for m in members],
        "oneOf": [{"const": m.value, "title": m.label} for m in members],
    }


def _time_role(e: Entity, name: str) -> str | None:
    from landrelease.service.query import time_fields

    span = time_fields(e)
    if span is None:
        return None
    if span[0] == span[1]:
        return "primary-instant" if name == span[0] else None
    return {span[0]: "primary-interval-start", span[1]: "primary-interval-end"}.get(name)


def queryables_schema(e: Entity, url: str) -> dict[str, Any]:
    """/collections/{id}/queryables (OGC 19-079r2 §6.2): what a CQL2 filter may name, typed for the
    filter — a list field is an array here (filtered with A_CONTAINS…), a reference is the referenced
    record's code, dates are dates, timestamps date-times."""
    from landrelease.service.filters import queryables

    props: dict[str, Any] = {}
    for q in queryables(e).values():
        f = q.field
        s: dict[str, Any]
        if q.kind in ("text", "ref"):
            s = {"type": "string"}
        elif q.kind == "vocab":
            s = {"type": "string", **_vocab_values(f)}  # type: ignore[arg-type]
        elif q.kind == "vocab_list":
            s = {"type": "array", "items": {"type": "string", **_vocab_values(f)}}  # type: ignore[arg-type]
        elif q.kind == "int":
            s = {"type": "integer"}
        elif q.kind == "float":
            s = {"type": "number"}
        elif q.kind == "bool":
            s = {"type": "boolean"}
        elif q.kind == "date":
            s = {"type": "string", "format": "date"}
        else:
            s = {"type": "string", "format": "date-time"}
        s = {"title": q.title, **s}
        if f is not None and f.doc != q.title:
            s["description"] = f.doc + (f" ({f.unit})" if f.unit else "")
        if f is not None and f.ref:
            s["description"] = f"Code of the {f.ref.replace('_', ' ')} (e.g. {_example_code(f.ref)})"
        role = _time_role(e, q.name)
        if role:
            s["x-ogc-role"] = role
        props[q.name] = s
    return {
        "$schema": JSON_SCHEMA_2020,
        "$id": url,
        "type": "object",
        "title": e.plural.replace("_", " ").capitalize(),
        "description": "Properties a CQL2 filter may name (filter=…; filter-lang=cql2-text or cql2-json).",
        "properties": props,
        "additionalProperties": False,
    }


def feature_schema(e: Entity, url: str, *, geometry: str | None) -> dict[str, Any]:
    """/collections/{id}/schema (OGC API – Features Part 5): the properties of the features as the
    GeoJSON carries them, with labels from the model and the roles clients look for (the id, the
    primary geometry, the property `datetime` filters on). List fields arrive as one comma-separated
    text (what QGIS and GDAL read as a string). `geometry`: the Part 5 geometry format served
    (`point`, `polygon-or-multipolygon`), or None."""
    from landrelease.service.records import SYSTEM_FIELDS

    props: dict[str, Any] = {"code": {"title": "Record code", "type": "string", "x-ogc-role": "id"}}
    for f in e.fields:
        if f.sensitive:
            continue
        s = {k: v for k, v in field_schema(f).items() if k in ("type", "format", "readOnly")}
        if f.type is FieldType.VOCAB:
            s.update(_vocab_values(f))
        if f.type is FieldType.VOCAB_LIST:
            values = ", ".join(m.value for m in f.vocab or [])
            s = {"type": "string", "description": f"Comma-separated, each one of: {values}"}
        s = {"title": _label(f), **s}
        if f.doc != s["title"]:
            s.setdefault("description", f.doc)
        if f.unit:
            s["x-ogc-unit"] = f.unit
        role = _time_role(e, f.name)
        if role:
            s["x-ogc-role"] = role
        props[f.name] = s
    if e.geom is not None and e.geom.value == "polygon" and "area_m2" not in props:
        props["area_m2"] = {"title": "Area, geodesic, m²", "type": "number", "readOnly": True}
    for name in SYSTEM_FIELDS:
        if name in ("attrs", "deleted_at"):
            continue
        props[name] = output_schema(e)["properties"][name] | {"readOnly": True}
    if geometry:
        props["geometry"] = {"title": e.geom_doc or "Location", "format": f"geometry-{geometry}",
                             "x-ogc-role": "primary-geometry"}  # fmt: skip
    return {
        "$schema": JSON_SCHEMA_2020,
        "$id": url,
        "type": "object",
        "title": e.plural.replace("_", " ").capitalize(),
        "description": e.doc,
        "properties": props,
    }


def _example_code(kind: str) -> str:
    from landrelease.domain.model import BY_KIND

    prefix = BY_KIND[kind].prefix
    return f"{prefix}-2026-000001" if kind != "organisation" else f"{prefix}-000001"
