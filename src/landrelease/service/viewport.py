"""What the map shows in one viewport: set-based, bounded payloads at any zoom.

Zoomed in (few records in view) the map gets the records themselves; zoomed out it gets a grid of
cells (one point per cell and colour class, with a count) computed in SQL from the bounding-box
columns, so a view over 100,000 hazardous areas is a payload of a few thousand points, never a giant
GeoJSON. Cells are aligned on a global power-of-two grid and cached per state of the record (the
newest audit id), so panning and repeated views reuse them and any write invalidates them.
"""

from __future__ import annotations

import math
import threading
from typing import Any

import orjson
import shapely
from sqlalchemy import case, func, literal, select

from landrelease.domain.model import Entity, FieldType, entity
from landrelease.errors import ValidationError
from landrelease.service import access, public
from landrelease.service.store import Store
from landrelease.store import repo
from landrelease.store.schema import TABLES, audit

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


def _conditions(store: Store, e: Entity, where: dict[str, Any]) -> list[Any]:
    t = TABLES[e.kind]
    conds = [t.c.deleted_at.is_(None), t.c.minx.is_not(None), *public.conditions(store, e.kind)]
    for name, raw in where.items():
        f = next((x for x in e.fields if x.name == name), None)
        if f is None or f.sensitive or f.type not in (FieldType.VOCAB, FieldType.BOOL, FieldType.TEXT):
            raise ValidationError(f"the map cannot filter {e.plural.replace('_', ' ')} on {name!r}", field=name)
        values = [f.parse(v) for v in str(raw).split(",") if v.strip()]
        if values:
            conds.append(t.c[name].in_(values))
    return conds


def _data_version(conn: Any) -> int:
    """Every write leaves an audit row: the newest audit id names the record's state."""
    return int(conn.execute(select(func.max(audit.c.id))).scalar() or 0)


def data_version(store: Store) -> int:
    """The record's state (the newest audit id): anything derived from the record and keyed by it is
    never stale, since every write changes it."""
    with repo.read_connection(store.engine) as conn:
        return _data_version(conn)


#: Grids already computed: (kind, filters, level, data version) → rows. A write changes the version,
#: so a stale grid is never served; a handful of levels per filter set is all a session uses.
_GRIDS: dict[tuple[Any, ...], list[tuple[Any, ...]]] = {}
_GRIDS_LOCK = threading.Lock()
_GRIDS_MAX = 64


def _grid(conn: Any, store: Store, e: Entity, where: dict[str, Any], level: int) -> list[tuple[Any, ...]]:
    """Cells of side 2**level degrees, aligned on (0, 0) so that panning reuses them: per cell and
    colour class, the count, the mean bbox centre, and whether any record is synthetic."""
    key = (e.kind, public.key(store), tuple(sorted((k, str(v)) for k, v in where.items())), level, _data_version(conn))
    with _GRIDS_LOCK:
        hit = _GRIDS.get(key)
    if hit is not None:
        return hit
    t = TABLES[e.kind]
    cell = 2.0**level
    cx, cy = (t.c.minx + t.c.maxx) / 2, (t.c.miny + t.c.maxy) / 2
    gx, gy = func.floor(cx / cell), func.floor(cy / cell)
    style = STYLE_FIELDS.get(e.kind, ())
    keys = [t.c[s].label(s) for s in style[:2]]
    if e.kind == "hazardous_area":  # colour classes: SHA open, CHA open, closed, handed over
        keys[0] = case((t.c.status == "open", t.c.haz_type), else_=literal(None)).label("haz_type")
    q = (
        select(
            func.count(),
            func.avg(cx),
            func.avg(cy),
            func.max(case((t.c.synthetic, 1), else_=0)),
            *keys,
        )
        .where(*_conditions(store, e, where))
        .group_by(gx, gy, *keys)
    )
    rows = [tuple(r) for r in conn.execute(q)]
    names = tuple(k.name for k in keys)
    out = [(int(n), float(x), float(y), bool(syn), dict(zip(names, rest, strict=True))) for n, x, y, syn, *rest in rows]
    with _GRIDS_LOCK:
        if len(_GRIDS) >= _GRIDS_MAX:
            _GRIDS.clear()
        _GRIDS[key] = out
    return out


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
    access.check_read(store, e.kind)
    if e.geom is None:
        raise ValidationError(f"{e.plural.replace('_', ' ')} have no geometry", field="layer")
    t = TABLES[e.kind]
    where = where or {}
    conds = _conditions(store, e, where)
    style = STYLE_FIELDS.get(e.kind, ())
    minx, miny, maxx, maxy = bbox
    with repo.read_connection(store.engine) as conn:
        # Bounded count straight on the spatial index (R*Tree / GiST): it stops at max_features + 1,
        # so a zoomed-out view never materialises 10^5 ids just to learn that it is zoomed out.
        n = repo.bbox_count(conn, e.kind, bbox, max_features + 1)
        if n <= max_features:
            conds.append(repo.bbox_condition(conn, e.kind, bbox))
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
                    "geometry": orjson.loads(g),
                    "properties": {
                        "code": r["code"],
                        **{s: r[s] for s in style},
                        **({"label": str(r["label"]) if r["label"] is not None else ""} if label else {}),
                    },
                }
                for r, g in zip(rows, texts, strict=True)
            ]
            synthetic = any(r["synthetic"] for r in rows)
            n = len(rows)  # after the filters
            mode = "features"
        else:
            level = math.ceil(math.log2(max(maxx - minx, maxy - miny) / GRID_CELLS))
            cells = [c for c in _grid(conn, store, e, where, level) if minx <= c[1] <= maxx and miny <= c[2] <= maxy]
            features = [
                {
                    "type": "Feature",
                    "geometry": {"type": "Point", "coordinates": [round(x, 5), round(y, 5)]},
                    "properties": {"count": count, **props},
                }
                for count, x, y, _, props in cells
            ]
            n = sum(c[0] for c in cells)
            synthetic = any(c[3] for c in cells)
            mode = "grid"
    return {"type": "FeatureCollection", "features": features, "mode": mode, "count": n, "synthetic": synthetic}


def extent(store: Store) -> tuple[float, float, float, float] | None:
    """Where the record lies: the hazardous areas' extent (for the public view: the extent of the
    released land it may see), else the configured region."""
    from landrelease.service.write import record_region

    access.check_read(store, "statistics")
    # the public view: the extent of the released land it may see, never of the hazardous areas
    kind = "land_release" if public.is_public(store) else "hazardous_area"
    t = TABLES[kind]
    with repo.read_connection(store.engine) as conn:
        row = conn.execute(
            select(func.min(t.c.minx), func.min(t.c.miny), func.max(t.c.maxx), func.max(t.c.maxy)).where(
                t.c.deleted_at.is_(None), *public.conditions(store, kind)
            )
        ).first()
        if row is not None and row[0] is not None:
            return (float(row[0]), float(row[1]), float(row[2]), float(row[3]))
        return record_region(conn)
