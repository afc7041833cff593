"""The country table, as Landmine Monitor prints it: contamination by type and status, land
released by method and year, explosive ordnance destroyed by category, casualties by year.

Set-based SQL on either backend: one grouped query per table, no records pulled into Python.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, case, func, select

from landrelease.service import access
from landrelease.service.store import Store
from landrelease.store import repo
from landrelease.store.schema import TABLES

KM2 = 1e6


def _year(col: Any) -> Any:
    return func.extract("year", col)


def _contamination(conn: Connection) -> list[dict[str, Any]]:
    t = TABLES["hazardous_area"]
    q = (
        select(
            t.c.haz_type,
            t.c.status,
            func.count(),
            func.sum(t.c.area_m2),
            func.sum(t.c.remain_m2),
            func.sum(t.c.cancel_m2),
            func.sum(t.c.reduce_m2),
            func.sum(t.c.clear_m2),
        )
        .where(t.c.deleted_at.is_(None))
        .group_by(t.c.haz_type, t.c.status)
        .order_by(t.c.haz_type, t.c.status)
    )
    return [
        {
            "type": ht,
            "status": st,
            "areas": int(n),
            "original_km2": (a or 0) / KM2,
            "remaining_km2": (r or 0) / KM2,
            "cancelled_km2": (c or 0) / KM2,
            "reduced_km2": (d or 0) / KM2,
            "cleared_km2": (x or 0) / KM2,
        }
        for ht, st, n, a, r, c, d, x in conn.execute(q)
    ]


def _released(conn: Connection) -> list[dict[str, Any]]:
    t = TABLES["land_release"]
    y = _year(t.c.date)
    q = (
        select(y, t.c.rel_type, func.count(), func.sum(t.c.area_m2))
        .where(t.c.deleted_at.is_(None))
        .group_by(y, t.c.rel_type)
        .order_by(y, t.c.rel_type)
    )
    by_year: dict[int, dict[str, Any]] = {}
    for year, rel, n, area in conn.execute(q):
        row = by_year.setdefault(
            int(year), {"year": int(year), "cancelled_km2": 0.0, "reduced_km2": 0.0, "cleared_km2": 0.0, "products": 0}
        )
        row[f"{rel}_km2"] = (area or 0) / KM2
        row["products"] += int(n)
    for row in by_year.values():
        row["total_km2"] = row["cancelled_km2"] + row["reduced_km2"] + row["cleared_km2"]
    return [by_year[k] for k in sorted(by_year)]


def _finds(conn: Connection) -> list[dict[str, Any]]:
    t = TABLES["eo_find"]
    qty = func.coalesce(t.c.quantity, 1)
    destroyed = case((t.c.disposal.in_(["destroyed_in_situ", "removed_destroyed"]), qty), else_=0)
    q = (
        select(t.c.category, func.count(), func.sum(qty), func.sum(destroyed))
        .where(t.c.deleted_at.is_(None))
        .group_by(t.c.category)
        .order_by(func.sum(qty).desc())
    )
    return [
        {"category": c, "finds": int(n), "items": int(q_ or 0), "destroyed": int(d or 0)}
        for c, n, q_, d in conn.execute(q)
    ]


def _casualties(conn: Connection) -> list[dict[str, Any]]:
    t = TABLES["accident"]
    y = _year(t.c.date)
    q = (
        select(
            y,
            t.c.acc_type,
            func.count(),
            func.sum(func.coalesce(t.c.killed, 0)),
            func.sum(func.coalesce(t.c.injured, 0)),
        )
        .where(t.c.deleted_at.is_(None))
        .group_by(y, t.c.acc_type)
        .order_by(y, t.c.acc_type)
    )
    return [
        {"year": int(yr), "type": at, "accidents": int(n), "killed": int(k or 0), "injured": int(i or 0)}
        for yr, at, n, k, i in conn.execute(q)
    ]


def _education(conn: Connection) -> list[dict[str, Any]]:
    t = TABLES["risk_education"]
    y = _year(t.c.date)
    cols = [func.sum(func.coalesce(t.c[c], 0)) for c in ("girls", "boys", "women", "men")]
    q = select(y, func.count(), *cols).where(t.c.deleted_at.is_(None)).group_by(y).order_by(y)
    return [
        {
            "year": int(r[0]),
            "sessions": int(r[1]),
            "girls": int(r[2] or 0),
            "boys": int(r[3] or 0),
            "women": int(r[4] or 0),
            "men": int(r[5] or 0),
        }
        for r in conn.execute(q)
    ]


def _synthetic_share(conn: Connection) -> dict[str, int]:
    t = TABLES["hazardous_area"]
    row = conn.execute(
        select(func.count(), func.sum(case((t.c.synthetic, 1), else_=0))).where(t.c.deleted_at.is_(None))
    ).first()
    return {"areas": int(row[0] or 0), "synthetic_areas": int(row[1] or 0)}


def country_table(store: Store) -> dict[str, Any]:
    access.check_read(store, "statistics")
    with repo.read_connection(store.engine) as conn:
        return {
            "record": _synthetic_share(conn),
            "contamination": _contamination(conn),
            "released_by_year": _released(conn),
            "finds_by_category": _finds(conn),
            "casualties_by_year": _casualties(conn),
            "risk_education_by_year": _education(conn),
        }
