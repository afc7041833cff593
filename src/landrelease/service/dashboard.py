"""The dashboard's figures: land released per month by method, daily progress per month, finds by
category, accidents per year, open SHA/CHA by admin area. One grouped query each, either backend."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from landrelease.service import access
from landrelease.service.store import Store
from landrelease.store import repo
from landrelease.store.schema import TABLES

KM2 = 1e6


def _month(col: Any) -> tuple[Any, Any]:
    return func.extract("year", col), func.extract("month", col)


def figures(store: Store) -> dict[str, Any]:
    access.check_read(store, "statistics")
    lr, act, pr = TABLES["land_release"], TABLES["activity"], TABLES["progress_report"]
    eo, acc, ha = TABLES["eo_find"], TABLES["accident"], TABLES["hazardous_area"]
    y, m = _month(lr.c.date)
    method = func.coalesce(act.c.method, "unknown")
    released = (
        select(y, m, method, lr.c.rel_type, func.sum(lr.c.area_m2))
        .select_from(lr.outerjoin(act, lr.c.activity == act.c.id))
        .where(lr.c.deleted_at.is_(None))
        .group_by(y, m, method, lr.c.rel_type)
        .order_by(y, m)
    )
    py, pm = _month(pr.c.date)
    progress = (
        select(py, pm, func.count(), func.sum(pr.c.worked_m2), func.sum(func.coalesce(pr.c.finds, 0)))
        .where(pr.c.deleted_at.is_(None))
        .group_by(py, pm)
        .order_by(py, pm)
    )
    qty = func.coalesce(eo.c.quantity, 1)
    finds = (
        select(eo.c.category, func.count(), func.sum(qty))
        .where(eo.c.deleted_at.is_(None))
        .group_by(eo.c.category)
        .order_by(func.sum(qty).desc())
    )
    ay = func.extract("year", acc.c.date)
    accidents = (
        select(
            ay,
            acc.c.acc_type,
            func.count(),
            func.sum(func.coalesce(acc.c.killed, 0)),
            func.sum(func.coalesce(acc.c.injured, 0)),
        )
        .where(acc.c.deleted_at.is_(None))
        .group_by(ay, acc.c.acc_type)
        .order_by(ay)
    )
    admin1, admin2 = func.coalesce(ha.c.admin1, "—"), func.coalesce(ha.c.admin2, "—")
    open_areas = (
        select(admin1, admin2, ha.c.haz_type, func.count(), func.sum(ha.c.remain_m2))
        .where(ha.c.deleted_at.is_(None), ha.c.status == "open")
        .group_by(admin1, admin2, ha.c.haz_type)
        .order_by(admin1, admin2)
    )
    synthetic = select(func.count()).where(ha.c.deleted_at.is_(None), ha.c.synthetic.is_(True))
    with repo.read_connection(store.engine) as conn:
        return {
            "synthetic": conn.execute(synthetic).scalar_one() > 0,
            "released_by_month": [
                {"month": f"{int(a):04d}-{int(b):02d}", "method": meth, "rel_type": rt, "km2": float(s or 0) / KM2}
                for a, b, meth, rt, s in conn.execute(released)
            ],
            "progress_by_month": [
                {"month": f"{int(a):04d}-{int(b):02d}", "reports": int(n), "worked_m2": float(s or 0), "finds": int(f)}
                for a, b, n, s, f in conn.execute(progress)
            ],
            "finds_by_category": [
                {"category": c, "finds": int(n), "items": int(q or 0)} for c, n, q in conn.execute(finds)
            ],
            "accidents_by_year": [
                {"year": int(yr), "acc_type": t, "accidents": int(n), "killed": int(k or 0), "injured": int(i or 0)}
                for yr, t, n, k, i in conn.execute(accidents)
            ],
            "open_by_admin": [
                {"admin1": a1, "admin2": a2, "haz_type": t, "areas": int(n), "remaining_km2": float(r or 0) / KM2}
                for a1, a2, t, n, r in conn.execute(open_areas)
            ],
        }
