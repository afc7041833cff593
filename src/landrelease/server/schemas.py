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
