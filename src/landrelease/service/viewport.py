"""What the map shows in one viewport: set-based, bounded payloads at any zoom.

Zoomed in (few records in view) the map gets the records themselves; zoomed out it gets a grid of
cells (one point per cell, type and status, with a count) computed in SQL from the bounding-box
columns, so a view over 100,000 hazardous areas costs one grouped query and a payload of a few
thousand points, never a giant GeoJSON.
"""

from __future__ import annotations

import json
from typing import Any

import shapely
from sqlalchemy import case, func, literal, select

from landrelease.domain.model import Entity, FieldType, entity
from landrelease.errors import ValidationError
from landrelease.service.store import Store
from landrelease.store import repo
from landrelease.store.schema import TABLES

#: Above this many records in view the map gets grid cells instead of records.
MAX_FEATURES = 3000
#: Grid cells across the longer side of the view.
GRID_CELLS = 64
#: The properties the map colours and filters by, per kind.
STYLE_FIELDS = {
    "hazardous_area": ("haz_type", "status"),
    "land_release": ("rel_type",),
    "eo_find": ("category",),
    "accident": ("acc_type",),
    "activity": ("act_type", "status"),
}
LABEL_FIELDS = {"hazardous_area": "name", "eo_find": "model", "accident": "date", "land_release": "date"}


def _conditions(e: Entity, where: dict[str, Any]) -> list[Any]:
    t = TABLES[e.kind]
    conds = [t.c.deleted_at.is_(None), t.c.minx.is_not(None)]
    for name, raw in where.items():
        f = next((x for x in e.fields if x.name == name), None)
        if f is None or f.sensitive or f.type not in (FieldType.VOCAB, FieldType.BOOL, FieldType.TEXT):
            raise ValidationError(f"the map cannot filter {e.plural.replace('_', ' ')} on {name!r}", field=name)
        values = [f.parse(v) for v in str(raw).split(",") if v.strip()]
        if values:
            conds.append(t.c[name].in_(values))
    return conds


def view(
    store: Store,
    kind: str,
    bbox: tuple[float, float, float, float],
    *,
    where: dict[str, Any] | None = None,
    max_features: int = MAX_FEATURES,
) -> dict[str, Any]:
    """A GeoJSON FeatureCollection for the map, with `mode` = "features" or "grid", the number of
    records in view, and whether any of them is synthetic (the map then shows its banner)."""
    e = entity(kind)
    if e.geom is None:
        raise ValidationError(f"{e.plural.replace('_', ' ')} have no geometry", field="layer")
    t = TABLES[e.kind]
    conds = _conditions(e, where or {})
    style = STYLE_FIELDS.get(e.kind, ())
    with repo.read_connection(store.engine) as conn:
        conds.append(t.c.id.in_(repo.bbox_ids(conn, e.kind, bbox)))
        n, synthetic = conn.execute(
            select(func.count(), func.max(case((t.c.synthetic, 1), else_=0))).where(*conds)
        ).one()
        n, synthetic = int(n or 0), bool(synthetic)
        if n <= max_features:
            label = LABEL_FIELDS.get(e.kind)
            cols = [t.c.code, t.c.geom, t.c.synthetic, *(t.c[s] for s in style)]
            if label:
                cols.append(t.c[label].label("label"))
            rows = conn.execute(select(*cols).where(*conds)).mappings().all()
            geoms = shapely.from_wkb([r["geom"] for r in rows]) if rows else []
            texts = shapely.to_geojson(geoms) if len(rows) else []
            features = [
                {
                    "type": "Feature",
                    "geometry": json.loads(g),
                    "properties": {
                        "code": r["code"],
                        **{s: r[s] for s in style},
                        **({"label": str(r["label"]) if r["label"] is not None else ""} if label else {}),
                    },
                }
                for r, g in zip(rows, texts, strict=True)
            ]
            mode = "features"
        else:
            minx, miny, maxx, maxy = bbox
            cell = max(maxx - minx, maxy - miny) / GRID_CELLS
            gx = func.floor(((t.c.minx + t.c.maxx) / 2 - minx) / cell)
            gy = func.floor(((t.c.miny + t.c.maxy) / 2 - miny) / cell)
            keys = [t.c[s].label(s) for s in style[:2]]
            if e.kind == "hazardous_area":  # colour classes: SHA open, CHA open, closed, handed over
                keys[0] = case((t.c.status == "open", t.c.haz_type), else_=literal(None)).label("haz_type")
            q = (
                select(
                    gx.label("gx"),
                    gy.label("gy"),
                    *keys,
                    func.count().label("n"),
                    func.avg((t.c.minx + t.c.maxx) / 2).label("x"),
                    func.avg((t.c.miny + t.c.maxy) / 2).label("y"),
                )
                .where(*conds)
                .group_by(gx, gy, *keys)
            )
            features = [
                {
                    "type": "Feature",
                    "geometry": {"type": "Point", "coordinates": [round(r["x"], 5), round(r["y"], 5)]},
                    "properties": {"count": int(r["n"]), **{k.name: r[k.name] for k in keys}},
                }
                for r in conn.execute(q).mappings()
            ]
            mode = "grid"
    return {"type": "FeatureCollection", "features": features, "mode": mode, "count": n, "synthetic": synthetic}


def extent(store: Store) -> tuple[float, float, float, float] | None:
    """Where the record lies: the hazardous areas' extent, else the configured region."""
    from landrelease.service.write import record_region

    t = TABLES["hazardous_area"]
    with repo.read_connection(store.engine) as conn:
        row = conn.execute(
            select(func.min(t.c.minx), func.min(t.c.miny), func.max(t.c.maxx), func.max(t.c.maxy)).where(
                t.c.deleted_at.is_(None)
            )
        ).first()
        if row is not None and row[0] is not None:
            return (float(row[0]), float(row[1]), float(row[2]), float(row[3]))
        return record_region(conn)
