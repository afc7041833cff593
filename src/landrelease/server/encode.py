"""Records as JSON and GeoJSON: the one place the server turns service dicts into wire formats."""

from __future__ import annotations

import datetime as dt
import json
import re
import unicodedata
from typing import Any
from urllib.parse import quote

import orjson
import shapely

GEOMETRY_KEYS = ("geometry", "remaining")


def geometry_json(g: Any) -> dict[str, Any] | None:
    if g is None or shapely.is_empty(g):
        return None
    return json.loads(shapely.to_geojson(g))


def value_json(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        value = value.astimezone(dt.UTC) if value.tzinfo else value  # naive: stored as UTC
        return value.replace(tzinfo=None).isoformat() + "Z"
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def record_json(rec: dict[str, Any]) -> dict[str, Any]:
    """A record for the HTTP API: every field, geometry as GeoJSON, internal id left out."""
    out: dict[str, Any] = {}
    for k, v in rec.items():
        if k in ("id", "deleted_at"):
            continue
        out[k] = geometry_json(v) if k in GEOMETRY_KEYS else value_json(v)
    return out


def feature(rec: dict[str, Any], *, links: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """A record as a GeoJSON Feature (OGC API – Features): the code is the feature id."""
    props = {}
    for k, v in rec.items():
        if k in ("id", "deleted_at", "geometry", "remaining", "kind", "attrs"):
            continue
        if isinstance(v, list):  # device categories etc.: one text value GDAL and QGIS read as a string
            v = ",".join(str(x) for x in v)
        props[k] = value_json(v)
    out: dict[str, Any] = {
        "type": "Feature",
        "id": rec["code"],
        "geometry": geometry_json(rec.get("geometry")),
        "properties": props,
    }
    if links:
        out["links"] = links
    return out


#: Naive datetimes are stored as UTC: written with a Z, like `value_json`.
_ORJSON = orjson.OPT_NAIVE_UTC | orjson.OPT_UTC_Z | orjson.OPT_NON_STR_KEYS


def feature_collection(page: Any, *, links: list[dict[str, Any]], time_stamp: str) -> bytes:
    """A `query.FeaturePage` as an OGC API items document, serialised in one pass: the geometries are
    already GeoJSON text and go in as they are (no parse and re-dump), the rest through orjson."""
    features = [
        {
            "type": "Feature",
            "id": code,
            "geometry": None if g is None else orjson.Fragment(g),
            "properties": props,
        }
        for code, g, props in zip(page.codes, page.geometries, page.properties, strict=True)
    ]
    doc = {
        "type": "FeatureCollection",
        "features": features,
        "numberMatched": page.matched,
        "numberReturned": len(features),
        "timeStamp": time_stamp,
        "links": links,
    }
    return orjson.dumps(doc, option=_ORJSON)


def content_disposition(name: str, kind: str = "attachment") -> str:
    """A Content-Disposition header for a file of any name (RFC 6266 with RFC 5987 `filename*`):
    headers are Latin-1, so a name such as `фото.jpg` goes percent-encoded as UTF-8 in `filename*`,
    with an ASCII `filename` beside it for old clients. Quotes, backslashes and control characters
    never reach the header (no header injection through a file name a phone chose)."""
    clean = "".join(c for c in unicodedata.normalize("NFC", name) if unicodedata.category(c)[0] != "C")
    ascii_name = re.sub(r"[^A-Za-z0-9._ ()+,-]", "_", clean).strip() or "file"
    header = f'{kind}; filename="{ascii_name}"'
    if ascii_name != clean:
        header += f"; filename*=UTF-8''{quote(clean, safe='')}"
    return header
