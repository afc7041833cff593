"""Import and export use cases: files in and out of the record.

An import is all or nothing: the file is read, mapped, parsed and checked completely (geometry,
rules, references, accounting) before one transaction writes every record and its audit row.
An export writes every attribute of every live record, the geodesic area, and a ``synthetic``
attribute on every feature; personal data only when asked for.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from sqlalchemy import select

from landrelease.domain.batch import Batch
from landrelease.domain.model import Entity, FieldType, GeomType, entity
from landrelease.errors import ValidationError
from landrelease.formats.layer import read_layer, write_layer
from landrelease.formats.limits import FileLimits
from landrelease.formats.mapping import Mapping, load_mapping
from landrelease.formats.records import batch_to_columns, layer_to_batch
from landrelease.geo.crs import is_wgs84
from landrelease.service import access
from landrelease.service.store import Store
from landrelease.service.write import Progress, WriteResult, write_batch
from landrelease.store import repo
from landrelease.store.schema import TABLES

POINT_KINDS = ("eo_find", "accident", "risk_education", "qa_visit")


def _infer_kind(geoms: np.ndarray, path: Path) -> Entity:
    types = set(shapely.get_type_id(geoms[~shapely.is_missing(geoms)]).tolist())
    polygonal = {3, 6}
    if types and types <= polygonal:
        return entity("hazardous_area")
    found = ", ".join(sorted({shapely.GeometryType(t).name.title() for t in types})) or "no geometry"
    raise ValidationError(
        f"{path.name} holds {found} features; say what they are with --kind "
        f"(e.g. {', '.join(POINT_KINDS)}); without --kind only polygons import, as hazardous areas"
    )


def import_file(
    store: Store,
    path: str | os.PathLike[str],
    *,
    kind: str | None = None,
    mapping: str | os.PathLike[str] | Mapping | None = None,
    layer: str | None = None,
    crs: str | None = None,
    swap_axes: bool = False,
    encoding: str | None = None,
    synthetic: bool = False,
    progress: Progress | None = None,
) -> WriteResult:
    p = Path(path)
    step = progress or (lambda *_: None)
    ent = entity(kind) if kind else None
    m = mapping if isinstance(mapping, Mapping) or mapping is None else load_mapping(mapping, ent=ent)
    if ent is None and m is not None and m.kind:
        ent = entity(m.kind)
    if m is not None:
        crs = crs or m.crs
        encoding = encoding or m.encoding
        layer = layer or m.layer
    step(f"reading {p.name}", 0, 1)
    geometry = ent is None or ent.geom is not None
    caps = FileLimits.of(store.settings)
    lay = read_layer(p, layer=layer, crs=crs, encoding=encoding, geometry=geometry, caps=caps)
    if ent is None:
        ent = _infer_kind(lay.geoms, p)
    step("parsing attributes", 0, lay.n)
    batch = layer_to_batch(ent, lay, m)
    if ent.geom is None:
        batch.geoms = None
    if synthetic:
        batch.columns["synthetic"] = [True] * len(batch)
    # A declared WGS84 (GeoJSON always declares it) is treated like no CRS, so that projected
    # coordinates in such a file get the "give its CRS with --crs" message.
    file_crs = None if lay.crs is None or is_wgs84(lay.crs) else lay.crs
    return write_batch(store, batch, crs=file_crs, swap_axes=swap_axes, note=f"import of {p.name}", progress=progress)


def read_batch(store: Store, kind: str, *, geometry: str = "perimeter") -> Batch:
    """Every live record of a kind as a batch (set-based: one query, references mapped in bulk)."""
    ent = entity(kind)
    access.check_read(store, ent.kind)
    table = TABLES[ent.kind]
    with repo.read_connection(store.engine) as conn:
        rows = conn.execute(select(table).where(table.c.deleted_at.is_(None)).order_by(table.c.code)).mappings().all()
        columns: dict[str, Any] = {"code": [r["code"] for r in rows]}
        for f in ent.fields:
            values = [r.get(f.name) for r in rows]
            if f.type is FieldType.REF:
                codes = repo.codes_for_ids(conn, f.ref, [v for v in values if v])
                values = [codes.get(v) if v else None for v in values]
            columns[f.name] = values
    columns["synthetic"] = [bool(r["synthetic"]) for r in rows]
    columns["attrs"] = [r["attrs"] for r in rows]
    geoms = None
    if ent.geom is not None:
        key = "rem_geom" if geometry == "remaining" and ent.kind == "hazardous_area" else "geom"
        geoms = shapely.from_wkb(np.array([r[key] for r in rows], dtype=object))
    return Batch(ent, columns, geoms)


def export_file(
    store: Store,
    path: str | os.PathLike[str],
    *,
    kind: str = "hazardous_area",
    personal: bool = False,
    geometry: str = "perimeter",
) -> int:
    """Write every live record of a kind to a file; returns the number of features written.
    Personal fields only with `personal=True`, and only for a principal who may see them."""
    if geometry not in ("perimeter", "remaining"):
        raise ValidationError("use perimeter or remaining", field="geometry")
    access.check_read(store, entity(kind).kind)
    personal = access.personal(store, personal)
    batch = read_batch(store, kind, geometry=geometry)
    if len(batch) == 0:
        raise ValidationError(f"the record holds no {batch.entity.plural.replace('_', ' ')} to export")
    geoms = batch.geoms
    if geometry == "remaining" and geoms is not None:
        keep = ~shapely.is_missing(geoms)
        batch = Batch(
            batch.entity,
            {k: [v for v, f in zip(vals, keep, strict=True) if f] for k, vals in batch.columns.items()},
            geoms[keep],
        )
        geoms = batch.geoms
    columns, types = batch_to_columns(batch.entity, batch, include_sensitive=personal)
    if batch.entity.geom is GeomType.POLYGON and geometry == "remaining":
        columns["area_m2"] = list(batch.column("remain_m2"))
    title, description = layer_text(batch.entity, synthetic=any(batch.column("synthetic")), geometry=geometry)
    write_layer(path, geoms, columns, field_types=types, title=title, description=description)
    return len(batch)


SYNTHETIC_NOTE = "SYNTHETIC DATA: generated for demonstration and testing, not surveyed."


def layer_text(e: Entity, *, synthetic: bool, geometry: str = "perimeter") -> tuple[str, str]:
    """An exported layer's title and description: what the records are, whether they are synthetic,
    and when and from where they were exported (so a file passed on still says what it is)."""
    title = e.plural.replace("_", " ").capitalize()
    if geometry == "remaining":
        title += " (land still hazardous)"
    if synthetic:
        title += " — SYNTHETIC"
    stamp = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    parts = [SYNTHETIC_NOTE] if synthetic else []
    parts += [e.doc, f"Exported from Landrelease on {stamp}."]
    return title, " ".join(parts)
