"""Searching records page by page: the read use case behind the HTTP API and OGC API – Features.

Set-based: one query for the page, one for the count, and one code lookup per reference field for the
whole page (never a query per record). Filters: bounding box (the R*Tree on SQLite, && on PostGIS),
equality on fields, and a date interval on the kind's own date field (`date`, else `start`/`end`, …).
Personal data leaves only when the caller asks for it (`personal=True`); adapters decide who may.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import numpy as np
import orjson
import shapely
from sqlalchemy import JSON, Connection, Date, DateTime, String, and_, case, func, or_, select, type_coerce

from landrelease.domain.model import Entity, FieldType, entity
from landrelease.errors import NotFound, ValidationError
from landrelease.service import access, public
from landrelease.service.store import Store
from landrelease.store import repo
from landrelease.store.schema import TABLES

#: The largest page any caller may ask for.
MAX_LIMIT = 10_000
#: The furthest any caller may page (far beyond a national record's 10^6 finds; a 64-bit OFFSET
#: would overflow the database driver).
MAX_OFFSET = 1_000_000_000


@dataclass
class Page:
    items: list[dict[str, Any]]
    matched: int
    limit: int
    offset: int

    @property
    def has_next(self) -> bool:
        return self.offset + len(self.items) < self.matched


def time_fields(e: Entity) -> tuple[str, str] | None:
    """The (start, end) date fields a date filter applies to: an instant kind has start == end."""
    names = {f.name for f in e.fields if f.type is FieldType.DATE}
    for pair in (("date", "date"), ("start", "end"), ("valid_from", "valid_to"), ("reported", "reported")):
        if pair[0] in names and pair[1] in names:
            return pair
    return None


def parse_date(text: str | None, *, field: str) -> dt.date | None:
    """One bound of a date filter as clients send it: `YYYY-MM-DD` or an ISO 8601 date-time (its day is
    kept: records carry days), and open bounds in every spelling in use — nothing, `..` (OGC API –
    Features 17-069 §7.15.4) and the year-0000 start QGIS sends for "before" comparisons
    (`0000-01-01T00:00:00Z`; Python has no year 0). QGIS's `9999-12-31T00:00:00Z` end is a real day."""
    if text is None:
        return None
    t = text.strip()
    if t in ("", ".."):
        return None
    day, sep, clock = t.replace("t", "T").partition("T")
    if len(day) == 10 and day.startswith("0000-"):
        return None
    try:
        d = dt.date.fromisoformat(day)
        if sep:
            dt.time.fromisoformat(clock)
    except ValueError:
        raise ValidationError(
            f"'{text}' is not an ISO 8601 date or date-time (2024-05-01 or 2024-05-01T00:00:00Z; "
            "'..' or nothing for an open end)",
            field=field,
        ) from None
    return d


def present_rows(
    conn: Connection, e: Entity, rows: list[dict[str, Any]], *, personal: bool = False
) -> list[dict[str, Any]]:
    """Stored rows as the API shows them: `records.present_many`, with personal fields left out
    entirely (not just masked) unless `personal`, and without the internal id."""
    from landrelease.service.records import present_many

    hidden = [f.name for f in e.fields if f.sensitive and not personal]
    out = present_many(conn, e, rows, personal=personal)
    for rec in out:
        rec.pop("id", None)
        for name in hidden:
            rec.pop(name, None)
    return out


def search(
    store: Store,
    kind: str,
    *,
    bbox: tuple[float, float, float, float] | None = None,
    where: dict[str, Any] | None = None,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    limit: int = 100,
    offset: int = 0,
    personal: bool | None = False,
    count: bool = True,
    cql: Any = None,
) -> Page:
    """One page of live records of a kind, in code order, and how many match in all.

    `personal`: False hides personal fields, True asks for them (403 unless the principal may see
    them), None shows them exactly when the principal may (`service.access.personal`)."""
    e = entity(kind)
    personal = access.personal(store, personal)
    table = TABLES[e.kind]
    check = _filters(
        store, e, bbox=bbox, where=where, date_from=date_from, date_to=date_to, limit=limit, offset=offset, cql=cql
    )
    with repo.read_connection(store.engine) as conn:
        conds = check(conn)
        q = select(table).where(*conds).order_by(table.c.code).limit(limit).offset(offset)
        rows = [dict(r) for r in conn.execute(q).mappings()]
        if count:
            matched = conn.execute(select(func.count()).select_from(table).where(*conds)).scalar_one()
        else:
            matched = offset + len(rows)
        return Page(present_rows(conn, e, rows, personal=personal), int(matched), limit, offset)


def _filters(
    store: Store,
    e: Entity,
    *,
    bbox: tuple[float, float, float, float] | None,
    where: dict[str, Any] | None,
    date_from: dt.date | None,
    date_to: dt.date | None,
    limit: int,
    offset: int,
    codes: list[str] | None = None,
    cql: Any = None,
):  # type: ignore[no-untyped-def]
    """Check the caller may read the kind and the search's filters (before any query) and return
    conn → the WHERE conditions. `cql`: conn → one more condition (a checked CQL2 filter,
    `service.filters`)."""
    access.check_read(store, e.kind)
    if not 1 <= limit <= MAX_LIMIT:
        raise ValidationError(f"must be between 1 and {MAX_LIMIT}", field="limit")
    if not 0 <= offset <= MAX_OFFSET:
        raise ValidationError(f"must be between 0 and {MAX_OFFSET}", field="offset")
    table = TABLES[e.kind]
    conds = [table.c.deleted_at.is_(None), *public.conditions(store, e.kind)]
    refs: list[tuple[str, str, str]] = []  # field, referenced kind, code: resolved to an id in the query's connection
    for name, value in (where or {}).items():
        f = next((x for x in e.fields if x.name == name), None)
        if f is None or f.sensitive:
            raise ValidationError(f"{e.kind.replace('_', ' ')} has no field {name!r} to filter on", field=name)
        if f.type in (FieldType.VOCAB_LIST, FieldType.JSON):
            raise ValidationError("cannot filter on a list field", field=name)
        parsed = f.parse(value)
        if f.type is FieldType.INT and parsed is not None and not -(2**63) <= parsed < 2**63:
            raise ValidationError(f"{parsed} is out of range for a whole number", field=name)
        if f.type is FieldType.REF and parsed is not None:
            refs.append((name, f.ref, parsed))
            continue
        conds.append(table.c[name].is_(None) if parsed is None else table.c[name] == parsed)
    if date_from or date_to:
        span = time_fields(e)
        if span is None:
            raise ValidationError(f"{e.plural.replace('_', ' ')} have no date to filter on", field="datetime")
        start, end = table.c[span[0]], table.c[span[1]]
        if date_from:  # the record's interval meets [date_from, date_to]
            conds.append(or_(end >= date_from, and_(end.is_(None), start >= date_from)))
        if date_to:
            conds.append(start <= date_to)
    if bbox is not None:
        if e.geom is None:
            raise ValidationError(f"{e.plural.replace('_', ' ')} have no geometry to filter by", field="bbox")
        minx, miny, maxx, maxy = bbox
        if not (minx <= maxx and miny <= maxy):
            raise ValidationError("is not minx,miny,maxx,maxy with min ≤ max", field="bbox")
    if codes is not None:
        conds.append(table.c.code.in_(codes))

    def conditions(conn: Connection) -> list[Any]:
        out = list(conds)
        for name, ref, code in refs:
            out.append(table.c[name] == repo.ids_for_codes(conn, ref, [code]).get(code, "-"))
        if bbox is not None:
            out.append(_bbox_condition(conn, e, bbox))
        if cql is not None:
            out.append(cql(conn))
        return out

    return conditions


#: Kinds located by a point before their own geometry: (longitude field, latitude field, reference to a
#: polygon kind). An activity is where its reference point is (IMAS MDR "reference point"); one with
#: no reference point is at a point on its worksite polygon, else on its hazardous area's perimeter.
#: Feature services publish that point (one geometry type per collection, as QGIS and GDAL expect).
LOCATED_BY: dict[str, tuple[str, str, str]] = {"activity": ("ref_lon", "ref_lat", "area")}


def _located(table: Any, lon: str, lat: str) -> Any:
    return and_(table.c[lon].is_not(None), table.c[lat].is_not(None))


def _bbox_condition(conn: Connection, e: Entity, bbox: tuple[float, float, float, float]) -> Any:
    """The record's location meets bbox: its geometry's bounding box (the store's spatial index) — or,
    for kinds `LOCATED_BY` a point, the point inside bbox, else the bounding box of the worksite,
    else of the referenced area (the point served then lies inside that box's polygon)."""
    if e.kind not in LOCATED_BY:
        return repo.bbox_condition(conn, e.kind, bbox)
    lon, lat, ref = LOCATED_BY[e.kind]
    table = TABLES[e.kind]
    target = TABLES[e.field(ref).ref]  # type: ignore[index]
    minx, miny, maxx, maxy = bbox
    by_point = and_(table.c[lon].between(minx, maxx), table.c[lat].between(miny, maxy))
    unplaced = ~_located(table, lon, lat)
    by_area = table.c[ref].in_(select(target.c.id).where(repo.bbox_condition(conn, target.name, bbox)))
    return or_(
        by_point,
        and_(unplaced, table.c.geom.is_not(None), repo.bbox_condition(conn, e.kind, bbox)),
        and_(unplaced, table.c.geom.is_(None), by_area),
    )


def _location_columns(e: Entity) -> list[Any]:
    """For a kind `LOCATED_BY` a point: lon, lat, its own geometry, its area's geometry (WKB)."""
    lon, lat, ref = LOCATED_BY[e.kind]
    table = TABLES[e.kind]
    target = TABLES[e.field(ref).ref]  # type: ignore[index]
    area_geom = select(target.c.geom).where(target.c.id == table.c[ref]).scalar_subquery()
    return [table.c[lon], table.c[lat], table.c.geom, area_geom]


def _location_geometries(rows: list[Any], at: int) -> np.ndarray:
    """The points of `LOCATED_BY` kinds from `_location_columns` values starting at row index `at`,
    as one vectorised pass: the reference point, else a point on the worksite, else on the area."""
    lon = np.array([np.nan if r[at] is None else r[at] for r in rows], dtype=float)
    lat = np.array([np.nan if r[at + 1] is None else r[at + 1] for r in rows], dtype=float)
    own = shapely.from_wkb([r[at + 2] for r in rows])
    area = shapely.from_wkb([r[at + 3] for r in rows])
    fallback = np.where(shapely.is_missing(own) | shapely.is_empty(own), area, own)
    out = shapely.point_on_surface(fallback)
    placed = ~(np.isnan(lon) | np.isnan(lat))
    out[placed] = shapely.points(lon[placed], lat[placed])
    return out


@dataclass
class FeaturePage:
    """A page of records as GeoJSON parts: per record its code, its geometry as GeoJSON text (None when
    it has none) and its published properties (JSON-ready except dates/datetimes)."""

    codes: list[str]
    geometries: list[str | None]
    properties: list[dict[str, Any]]
    matched: int
    limit: int
    offset: int

    @property
    def has_next(self) -> bool:
        return self.offset + len(self.codes) < self.matched


def feature_page(
    store: Store,
    kind: str,
    *,
    bbox: tuple[float, float, float, float] | None = None,
    where: dict[str, Any] | None = None,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    limit: int = 100,
    offset: int = 0,
    codes: list[str] | None = None,
    cql: Any = None,
) -> FeaturePage:
    """`search` for feature services (OGC API items), in one pass: only the published columns are read
    (no remaining polygon, no attrs, no personal field), references become codes with one query per
    reference field, and the geometries go WKB → GeoJSON text as one vectorised array call. Kinds
    `LOCATED_BY` a point are published at that point. `codes`: only these records (a single item)."""
    from landrelease.service.records import SYSTEM_FIELDS

    e = entity(kind)
    table = TABLES[e.kind]
    check = _filters(
        store,
        e,
        bbox=bbox,
        where=where,
        date_from=date_from,
        date_to=date_to,
        limit=limit,
        offset=offset,
        codes=codes,
        cql=cql,
    )
    fields = [f for f in e.fields if not f.sensitive]
    names = [f.name for f in fields]
    if e.geom is not None and e.geom.value == "polygon":
        names.append("area_m2")
    names += [k for k in SYSTEM_FIELDS if k not in ("attrs", "deleted_at")]
    lists = [i for i, f in enumerate(fields) if f.type is FieldType.VOCAB_LIST]
    refs = [(i, f) for i, f in enumerate(fields) if f.type is FieldType.REF]
    # Dates, timestamps and JSON lists come as the driver gives them (SQLite: text), not through
    # SQLAlchemy's per-value processors: converted below, cheaply, only as far as GeoJSON needs.
    raw = {i for i, n in enumerate(names) if isinstance(table.c[n].type, Date | DateTime | JSON)}
    stamps = [i for i in raw if isinstance(table.c[names[i]].type, DateTime)]
    ref_at = {i: f for i, f in refs}

    def column(i: int, name: str) -> Any:
        if i in ref_at:  # the referenced record's code, in the same query (deleted records still named)
            other = TABLES[ref_at[i].ref]
            return select(other.c.code).where(other.c.id == table.c[name]).scalar_subquery()
        return type_coerce(table.c[name], String) if i in raw else table.c[name]

    cols = [table.c.code, *(column(i, n) for i, n in enumerate(names))]
    if e.kind in LOCATED_BY:
        cols += _location_columns(e)
    elif e.geom is not None:
        cols.append(table.c.geom)
    with repo.read_connection(store.engine) as conn:
        conds = check(conn)
        rows = conn.execute(select(*cols).where(*conds).order_by(table.c.code).limit(limit).offset(offset)).all()
        # (a window count in the page query was measured slower on SQLite: it keeps every match's row)
        if len(rows) < limit and (rows or offset == 0):  # the last page: the count is known
            matched = offset + len(rows)
        else:
            matched = int(conn.execute(select(func.count()).select_from(table).where(*conds)).scalar_one())
    codes = [r[0] for r in rows]
    n = len(names)
    values = [list(r[1 : n + 1]) for r in rows]
    for v in values:
        for i in lists:  # device categories etc.: one text value GDAL and QGIS read as a string
            x = v[i]
            if x is not None:
                v[i] = ",".join(str(y) for y in (orjson.loads(x) if isinstance(x, str | bytes) else x))
        for i in stamps:  # SQLite's "YYYY-MM-DD HH:MM:SS.ffffff" (UTC) as ISO 8601 with Z
            x = v[i]
            if isinstance(x, str):
                x = x.replace(" ", "T", 1).removesuffix(".000000")
                v[i] = x if x.endswith("Z") or "+" in x[10:] else x + "Z"
    properties = [{"code": c, **dict(zip(names, v, strict=True))} for c, v in zip(codes, values, strict=True)]
    if e.kind in LOCATED_BY and rows:
        texts = shapely.to_geojson(_location_geometries(rows, n + 1)).tolist()
    elif e.geom is not None and rows:
        geoms = shapely.from_wkb([r[n + 1] for r in rows])
        texts = shapely.to_geojson(geoms).tolist()
    else:
        texts = [None] * len(rows)
    return FeaturePage(codes, texts, properties, matched, limit, offset)


def one(store: Store, kind: str, code: str, *, personal: bool | None = False) -> dict[str, Any]:
    """One live record by code, presented like `search` presents them."""
    e = entity(kind)
    access.check_read(store, e.kind)
    personal = access.personal(store, personal)
    with repo.read_connection(store.engine) as conn:
        row = repo.fetch_one(conn, e.kind, code)
        hidden = public.conditions(store, e.kind)
        if (
            hidden
            and conn.execute(select(TABLES[e.kind].c.id).where(TABLES[e.kind].c.id == row["id"], *hidden)).first()
            is None
        ):
            raise NotFound(f"no {e.kind.replace('_', ' ')} with code {code!r} in the public view")
        return present_rows(conn, e, [row], personal=personal)[0]


def related(store: Store, kind: str, field: str, code: str, *, limit: int = 1000) -> list[dict[str, Any]]:
    """Records of `kind` whose reference `field` points at the record `code` (e.g. an area's activities)."""
    return search(store, kind, where={field: code}, limit=limit, count=False).items


def extent(store: Store, e: Entity) -> tuple[tuple[float | None, ...], tuple[Any, Any] | None, bool]:
    """Bounding box (minx, miny, maxx, maxy; None when empty) of the live records' locations (for kinds
    `LOCATED_BY` a point: the points, else the worksites, else the areas, as feature services publish
    them), for kinds with dates the first and last date, and whether any of them is synthetic: one
    aggregate query."""
    access.check_read(store, e.kind)
    t = TABLES[e.kind]
    span = time_fields(e)
    source: Any = t
    if e.kind in LOCATED_BY:
        lon, lat, ref = LOCATED_BY[e.kind]
        a = TABLES[e.field(ref).ref].alias("located_in")  # type: ignore[index]
        source = t.outerjoin(a, a.c.id == t.c[ref])
        placed, own = _located(t, lon, lat), t.c.minx.is_not(None)
        bounds = [
            case((placed, t.c[lon]), (own, t.c.minx), else_=a.c.minx),
            case((placed, t.c[lat]), (own, t.c.miny), else_=a.c.miny),
            case((placed, t.c[lon]), (own, t.c.maxx), else_=a.c.maxx),
            case((placed, t.c[lat]), (own, t.c.maxy), else_=a.c.maxy),
        ]
    else:
        bounds = [t.c.minx, t.c.miny, t.c.maxx, t.c.maxy]
    cols = [func.min(bounds[0]), func.min(bounds[1]), func.max(bounds[2]), func.max(bounds[3])]
    cols.append(func.max(case((t.c.synthetic, 1), else_=0)))
    if span:
        cols += [func.min(t.c[span[0]]), func.max(t.c[span[1]])]
    with repo.read_connection(store.engine) as conn:
        where = [t.c.deleted_at.is_(None), *public.conditions(store, e.kind)]
        row = conn.execute(select(*cols).select_from(source).where(*where)).first()
    box = tuple(None if x is None else float(x) for x in row[:4]) if row else (None, None, None, None)
    return box, ((row[5], row[6]) if span and row else None), bool(row and row[4])
