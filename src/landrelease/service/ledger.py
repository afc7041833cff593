"""Keeping each hazardous area's land release ledger true on every write (IMAS 07.11).

The ledger of an area: original area, cancelled, reduced, cleared and remaining m², and the remaining
polygon. New areas open with nothing released. An area migrated from another system may carry its
released figures over (cancel_m2/reduce_m2/clear_m2 in the file): they are checked (never more than
the area) and the remaining figure follows; the remaining *polygon* of such an area stays the
original perimeter until land is released from it with polygons, since the file does not say where
the carried-over release lay.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import numpy as np
import shapely
from sqlalchemy import Connection, func, select

from landrelease.domain.release import (
    DEFAULT_TOLERANCE_M,
    AreaState,
    apply_release,
    check_release_request,
    transition,
)
from landrelease.domain.vocab import ActivityType, HazardStatus, HazardType, ReleaseType
from landrelease.errors import ValidationError
from landrelease.store import repo
from landrelease.store.schema import TABLES

LEDGER = {ReleaseType.CANCELLED: "cancel_m2", ReleaseType.REDUCED: "reduce_m2", ReleaseType.CLEARED: "clear_m2"}
#: Relative slack when checking carried-over figures against the geodesic area (rounding in files).
CARRY_TOLERANCE = 1e-3


def open_ledgers(columns: dict[str, Any], geoms: np.ndarray | None, n: int) -> None:
    """Fill ledger columns of new hazardous areas (vectorised over the batch)."""
    area = np.asarray(columns["area_m2"], dtype=float)  # list or array
    parts = {}
    for name in ("cancel_m2", "reduce_m2", "clear_m2"):
        raw = columns.get(name)
        parts[name] = np.array([0.0 if v is None else float(v) for v in raw], dtype=float) if raw else np.zeros(n)
        columns[name] = parts[name].tolist()
    released = parts["cancel_m2"] + parts["reduce_m2"] + parts["clear_m2"]
    over = released > area * (1 + CARRY_TOLERANCE) + 1.0
    if over.any():
        i = int(np.flatnonzero(over)[0])
        raise ValidationError(
            f"row {i + 1}: cancelled + reduced + cleared ({released[i]:,.0f} m²) exceeds the area of its "
            f"polygon ({area[i]:,.0f} m²); check the figures or the polygon"
        )
    status = np.array([s or "open" for s in columns.get("status", ["open"] * n)], dtype=object)
    columns["status"] = status.tolist()
    is_open = status == HazardStatus.OPEN.value
    remaining = np.where(is_open, np.maximum(area - released, 0.0), 0.0)
    columns["remain_m2"] = remaining.tolist()
    columns["rem_geom"] = [w if o else None for w, o in zip(columns["geom"], is_open, strict=True)]


def _fetch_areas(conn: Connection, ids: list[str]) -> dict[str, dict[str, Any]]:
    t = TABLES["hazardous_area"]
    out: dict[str, dict[str, Any]] = {}
    for i in range(0, len(ids), 2000):
        q = repo.lock_for_update(conn, select(t).where(t.c.id.in_(ids[i : i + 2000])))
        out.update({r["id"]: dict(r) for r in conn.execute(q).mappings()})
    return out


def _activity_types(conn: Connection, ids: list[str]) -> dict[str, str]:
    t = TABLES["activity"]
    out: dict[str, str] = {}
    for i in range(0, len(ids), 2000):
        out.update(dict(conn.execute(select(t.c.id, t.c.act_type).where(t.c.id.in_(ids[i : i + 2000]))).all()))
    return out


def apply_releases(
    conn: Connection,
    actor: str,
    txn: str,
    columns: dict[str, list[Any]],
    geoms: np.ndarray | None,
    *,
    tolerance_m: float = DEFAULT_TOLERANCE_M,
) -> None:
    """Apply new land release records (given column by column) to their areas, in date order:
    each product is clipped to the remaining land and the areas' ledgers are updated."""
    assert geoms is not None
    groups: dict[str, list[int]] = defaultdict(list)
    for i, area_id in enumerate(columns["area"]):
        groups[area_id].append(i)
    areas = _fetch_areas(conn, list(groups))
    activity = columns.get("activity") or [None] * len(columns["area"])
    depth = columns.get("depth_cm") or [None] * len(columns["area"])
    acts = _activity_types(conn, [a for a in activity if a])
    befores: list[dict[str, Any]] = []
    updates: list[dict[str, Any]] = []
    for area_id, idxs in groups.items():
        area = areas[area_id]
        code = area["code"]
        original = shapely.from_wkb(area["geom"])
        remaining = shapely.from_wkb(area["rem_geom"]) if area["rem_geom"] is not None else None
        ledger = {k: float(area[k] or 0.0) for k in LEDGER.values()}
        remain_m2 = float(area["remain_m2"] or 0.0)
        status = HazardStatus(area["status"])
        idxs.sort(key=lambda i: (columns["date"][i], i))
        for i in idxs:
            rel_type = ReleaseType(columns["rel_type"][i])
            act_type = ActivityType(acts[activity[i]]) if activity[i] else None
            try:
                check_release_request(rel_type, depth[i], act_type, status)
                out = apply_release(original, remaining, geoms[i], code=code, tolerance_m=tolerance_m)
            except ValidationError as exc:
                raise ValidationError(f"row {i + 1} ({code}): {exc}") from None
            piece = out.released
            columns["geom"][i] = shapely.to_wkb(piece, output_dimension=2)
            for name, value in zip(("minx", "miny", "maxx", "maxy"), piece.bounds, strict=True):
                columns[name][i] = float(value)
            # The ledger is additive by construction: what is released comes off the remaining
            # figure, so original = cancelled + reduced + cleared + remaining exactly.
            released_m2 = remain_m2 if out.fully_released else min(out.released_m2, remain_m2)
            columns["area_m2"][i] = released_m2
            ledger[LEDGER[rel_type]] += released_m2
            remaining = out.remaining
            remain_m2 = max(remain_m2 - released_m2, 0.0)
            if out.fully_released:
                status = transition(
                    AreaState(HazardType(area["haz_type"]), status), status=HazardStatus.CLOSED, remaining_m2=0.0
                ).status
        befores.append(area)
        updates.append(
            dict(
                ledger,
                remain_m2=remain_m2,
                status=status.value,
                rem_geom=None if remaining is None else shapely.to_wkb(remaining, output_dimension=2),
            )
        )
    repo.update_many(
        conn, "hazardous_area", befores, updates, actor=actor, txn=txn, action="release", note="land release"
    )


def update_worked(conn: Connection, actor: str, txn: str, activity_ids: set[str]) -> None:
    """Keep each activity's worked_m2 equal to the sum of its daily progress reports."""
    pr = TABLES["progress_report"]
    ids = [i for i in activity_ids if i]
    sums: dict[str, float] = {}
    for i in range(0, len(ids), 2000):
        q = (
            select(pr.c.activity, func.sum(pr.c.worked_m2))
            .where(pr.c.activity.in_(ids[i : i + 2000]), pr.c.deleted_at.is_(None))
            .group_by(pr.c.activity)
        )
        sums.update({a: float(s or 0.0) for a, s in conn.execute(q)})
    t = TABLES["activity"]
    befores = []
    for i in range(0, len(ids), 2000):
        q = select(t).where(t.c.id.in_(ids[i : i + 2000]))
        befores += [dict(r) for r in conn.execute(q).mappings() if r["worked_m2"] != sums.get(r["id"], 0.0)]
    repo.update_many(
        conn,
        "activity",
        befores,
        [{"worked_m2": sums.get(b["id"], 0.0)} for b in befores],
        actor=actor,
        txn=txn,
        action="progress",
        note="daily progress reports",
    )
