"""The entry rules of `landrelease.domain.entry_rules`, applied to a batch inside the write path.

This module gathers what the pure rules need from the record — the activities, teams and areas a
batch names, the land other activities released, the records a new one could duplicate — in a
few set-based queries per batch (chunked IN lists, never a query per record), then asks the
rules. `service.write.write_batch_in` calls `check_entry` for every batch, so the web form, the
HTTP API, file imports, approved field submissions and the demo builder obey the same rules.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import numpy as np
import shapely
from sqlalchemy import Connection, func, select

from landrelease.domain import entry_rules as er
from landrelease.domain.batch import Batch
from landrelease.geo.containment import distance_outside_many
from landrelease.store import repo
from landrelease.store.schema import TABLES

CHUNK = 2000


def _rows(
    conn: Connection, kind: str, ids: Sequence[Any], cols: Sequence[str], key: str = "id", *, lock: bool = False
) -> dict[Any, Any]:
    """key → row (named tuple of `cols`) for live records of a kind whose `key` is in `ids`. `lock`:
    hold the rows until the transaction ends (PostgreSQL row locks; SQLite writers are serialised
    anyway and SQLAlchemy renders no FOR UPDATE there), so that two concurrent reports on one
    activity cannot both pass "never more than still to work"."""
    t = TABLES[kind]
    wanted = sorted({x for x in ids if x is not None}, key=str)
    out: dict[Any, Any] = {}
    for i in range(0, len(wanted), CHUNK):
        q = select(t.c[key].label("_key"), *(t.c[c] for c in cols)).where(
            t.c[key].in_(wanted[i : i + CHUNK]), t.c.deleted_at.is_(None)
        )
        if lock:
            q = q.with_for_update()
        for r in conn.execute(q):
            out[r._key] = r
    return out


def _geom(wkb: Any) -> Any:
    return None if wkb is None else shapely.from_wkb(bytes(wkb))


def _col(columns: dict[str, Any], name: str, n: int) -> list[Any]:
    values = columns.get(name)
    return [None] * n if values is None else list(values)


def check_entry(
    conn: Connection,
    batch: Batch,
    refs: dict[str, list[str | None]],
    columns: dict[str, Any],
    geoms: np.ndarray | None,
    rules: er.EntryRules,
    today: dt.date,
) -> list[str]:
    """Apply every entry rule to a batch about to be written; raise on the first refusal, return warnings.

    ``refs``: reference fields as ids; ``columns``: the columns about to be inserted (geometry as
    WKB, ``area_m2`` computed); ``geoms``: the prepared shapely geometries."""
    e = batch.entity
    kind = e.kind
    n = len(batch)
    refusals: list[er.Refusal] = er.check_dates(kind, batch.columns, n, today, rules)
    notes: list[str] = []
    if kind == "hazardous_area":
        refusals += er.check_new_areas(batch.columns, np.asarray(columns["area_m2"], dtype=float), n, rules)
    acts: dict[str, Any] = {}
    act_ids = refs.get("activity") or [None] * n
    if kind in ("progress_report", "eo_find", "land_release", "accident") and any(act_ids):
        acts = _rows(
            conn,
            "activity",
            act_ids,
            ("code", "start", "end", "status", "area", "unit", "method", "act_type", "worked_m2", "area_m2", "geom"),
            lock=kind == "progress_report",
        )
    act = [acts.get(a) if a else None for a in act_ids]
    act_code = [a.code if a is not None else None for a in act]
    area_ids = refs.get("area") or [None] * n
    if kind in ("eo_find", "land_release", "accident"):
        act_area = [a.area if a is not None else None for a in act]
        area_codes = repo.codes_for_ids(conn, "hazardous_area", [x for x in [*area_ids, *act_area] if x])
        refusals += er.check_same_area(
            kind,
            [area_codes.get(x) if x else None for x in area_ids],
            [area_codes.get(x) if x else None for x in act_area],
            act_code,
        )
    if kind in ("progress_report", "eo_find", "land_release") and acts:
        refusals += er.check_within_activity(
            kind,
            _col(batch.columns, "date", n),
            [a.start if a is not None else None for a in act],
            [a.end if a is not None else None for a in act],
            act_code,
        )
    if kind == "progress_report":
        r, w = _progress(conn, batch, refs, act, act_code, rules)
        refusals += r
        notes += w
    if kind in ("eo_find", "activity") and geoms is not None:
        refusals += _location(conn, kind, geoms, area_ids, act, rules)
    if kind in er.DUPLICATE_KEYS:
        r, w = _duplicates(conn, batch, refs, columns, geoms)
        refusals += r
        notes += w
    er.raise_first(refusals, n)
    return notes


def _progress(
    conn: Connection,
    batch: Batch,
    refs: dict[str, list[str | None]],
    act: list[Any],
    act_code: list[str | None],
    rules: er.EntryRules,
) -> tuple[list[er.Refusal], list[str]]:
    """What each activity still has to work, net of earlier reports (in the record and earlier in
    the batch), and each report's team type."""
    n = len(batch)
    worked = np.array([0.0 if v is None else float(v) for v in _col(batch.columns, "worked_m2", n)], dtype=float)
    area_ids = sorted({a.area for a in act if a is not None and a.area})
    areas = _rows(conn, "hazardous_area", area_ids, ("area_m2",))
    released: dict[tuple[str, str | None], float] = {}
    lr = TABLES["land_release"]
    for i in range(0, len(area_ids), CHUNK):
        q = (
            select(lr.c.area, lr.c.activity, func.sum(lr.c.area_m2))
            .where(lr.c.area.in_(area_ids[i : i + CHUNK]), lr.c.deleted_at.is_(None))
            .group_by(lr.c.area, lr.c.activity)
        )
        for area, activity, m2 in conn.execute(q):
            released[(area, activity)] = float(m2 or 0.0)
    released_by_area: dict[str, float] = {}
    for (area, _), m2 in released.items():
        released_by_area[area] = released_by_area.get(area, 0.0) + m2
    act_ids = refs.get("activity") or [None] * n
    scope = np.full(n, np.nan)
    for i, a in enumerate(act):
        if a is None:
            continue
        if a.geom is not None and a.area_m2:
            scope[i] = float(a.area_m2)
        elif a.area and a.area in areas and areas[a.area].area_m2 is not None:
            others = released_by_area.get(a.area, 0.0) - released.get((a.area, act_ids[i]), 0.0)
            scope[i] = float(areas[a.area].area_m2) - others
    # earlier rows of the same activity in this batch come off too (cumulative, vectorised)
    keys = np.array([x or "" for x in act_ids], dtype=object)
    order = np.argsort(keys, kind="stable")
    sorted_keys, sorted_worked = keys[order], worked[order]
    csum = np.cumsum(sorted_worked)
    starts = np.r_[True, sorted_keys[1:] != sorted_keys[:-1]] if n else np.zeros(0, bool)
    group_start = np.maximum.accumulate(np.where(starts, np.arange(n), 0)) if n else np.zeros(0, int)
    before_sorted = csum - sorted_worked - np.where(group_start > 0, csum[group_start - 1], 0.0)
    before = np.empty(n)
    before[order] = before_sorted
    before += np.array([float(a.worked_m2 or 0.0) if a is not None else 0.0 for a in act])
    unit_ids = [
        u or (a.unit if a is not None else None) for u, a in zip(refs.get("unit") or [None] * n, act, strict=True)
    ]
    units = _rows(conn, "unit", unit_ids, ("unit_type",))
    teams = er.team_types(
        [units[u].unit_type if u in units else None for u in unit_ids],
        [a.method if a is not None else None for a in act],
        [a.act_type if a is not None else None for a in act],
    )
    return er.check_progress(worked, scope, before, teams, act_code, rules)


def _location(
    conn: Connection, kind: str, geoms: np.ndarray, area_ids: list[str | None], act: list[Any], rules: er.EntryRules
) -> list[er.Refusal]:
    """How far each find (or worksite) reaches outside the area — else the activity — it names."""
    n = len(geoms)
    wanted = [a or (x.area if x is not None else None) for a, x in zip(area_ids, act, strict=True)]
    areas = _rows(conn, "hazardous_area", wanted, ("code", "geom"))
    outer = np.full(n, None, dtype=object)
    names: list[str | None] = [None] * n
    for i in range(n):
        if area_ids[i] and area_ids[i] in areas:
            outer[i], names[i] = _geom(areas[area_ids[i]].geom), f"hazardous area {areas[area_ids[i]].code}"
        elif act[i] is not None and act[i].geom is not None:
            outer[i], names[i] = _geom(act[i].geom), f"the worksite of activity {act[i].code}"
        elif wanted[i] and wanted[i] in areas:
            outer[i] = _geom(areas[wanted[i]].geom)
            names[i] = f"hazardous area {areas[wanted[i]].code} (worked by activity {act[i].code})"
    return er.check_location(kind, distance_outside_many(geoms, outer), names, rules)


def outside_named(
    conn: Connection,
    kind: str,
    geoms: np.ndarray,
    area_codes: Sequence[Any],
    activity_codes: Sequence[Any],
    rules: er.EntryRules,
) -> list[er.Refusal]:
    """The location rule for records given by codes (the review queue's flags): the same function
    the write path applies, so the queue flags exactly what approval would refuse. Codes that are not
    (yet) in the record — a Link to a record of the same submission — are skipped."""
    n = len(geoms)
    codes = [c if isinstance(c, str) and type(c) is str else None for c in area_codes]
    acts = [c if isinstance(c, str) and type(c) is str else None for c in activity_codes]
    area_id = repo.ids_for_codes(conn, "hazardous_area", [c for c in codes if c])
    act_id = repo.ids_for_codes(conn, "activity", [c for c in acts if c])
    rows = _rows(conn, "activity", list(act_id.values()), ("code", "area", "geom"))
    act = [rows.get(act_id.get(c)) if c else None for c in acts]
    return _location(conn, kind, geoms, [area_id.get(c) if c else None for c in codes][:n], act[:n], rules)


#: The columns each kind's possible duplicates are looked up by (one IN list each per batch). The
#: first always applies; the others only when every row of the batch has a value for them, so an exact
#: duplicate (equal key fields, equal geometry, hence equal bounding box) is always among the rows read,
#: and a write reads the rows of its own activity and day, not every report the activity ever had.
LOOKUP: dict[str, tuple[str, ...]] = {
    "hazardous_area": ("minx", "miny"),
    "progress_report": ("activity", "date"),
    "eo_find": ("date", "minx"),
    "activity": ("start", "minx"),
    "accident": ("date", "minx"),
    "risk_education": ("date", "org"),
}


def _norm_wkb(values: Sequence[Any]) -> list[bytes | None]:
    g = np.array([None if v is None else shapely.from_wkb(bytes(v)) for v in values], dtype=object)
    out: list[bytes | None] = [None] * len(g)
    present = np.flatnonzero(~shapely.is_missing(g))
    if present.size:
        for i, w in zip(present.tolist(), shapely.to_wkb(shapely.normalize(g[present])).tolist(), strict=True):
            out[i] = w
    return out


def _duplicates(
    conn: Connection, batch: Batch, refs: dict[str, list[str | None]], columns: dict[str, Any], geoms: np.ndarray | None
) -> tuple[list[er.Refusal], list[str]]:
    e = batch.entity
    kind, n = e.kind, len(batch)
    key_cols = er.DUPLICATE_KEYS[kind]
    mine = {k: (refs[k] if k in refs else _col(batch.columns, k, n)) for k in key_cols}
    wkb = None
    if e.geom is not None and geoms is not None:
        wkb = _norm_wkb([None if g is None else shapely.to_wkb(g) for g in geoms])
    keys = er.duplicate_keys(kind, mine, wkb, n)
    near = er.near_keys(kind, mine, n)
    t = TABLES[kind]
    cols = ["code", *key_cols] + (["geom"] if e.geom is not None else [])
    filters = []
    for c in LOOKUP[kind]:
        vals = mine[c] if c in mine else columns.get(c)
        if vals is None or not len(vals) or any(v is None for v in vals):
            if c == LOOKUP[kind][0]:
                vals = [v for v in (vals or []) if v is not None]
            else:
                continue
        filters.append((c, sorted(set(vals), key=str)))
    existing: dict[tuple, str] = {}
    existing_near: dict[tuple, str] = {}
    found: list[Any] = []
    (lookup, wanted), rest = filters[0], filters[1:]
    extra = [t.c[c].in_(v) for c, v in rest if len(v) <= CHUNK]
    for i in range(0, len(wanted), CHUNK):
        q = select(*(t.c[c] for c in cols)).where(
            t.c[lookup].in_(wanted[i : i + CHUNK]), *extra, t.c.deleted_at.is_(None)
        )
        found += list(conn.execute(q))
    if found:
        theirs = {k: [getattr(r, k) for r in found] for k in key_cols}
        their_wkb = _norm_wkb([r.geom for r in found]) if e.geom is not None else None
        if wkb is None:
            their_wkb = None
        for k, r in zip(er.duplicate_keys(kind, theirs, their_wkb, len(found)), found, strict=True):
            existing.setdefault(k, r.code)
        for k, r in zip(er.near_keys(kind, theirs, len(found)) or [None] * len(found), found, strict=True):
            if k is not None:
                existing_near.setdefault(k, r.code)
    return er.check_duplicates(kind, keys, existing, near, existing_near)
