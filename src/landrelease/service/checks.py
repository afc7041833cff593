"""Checks over the whole record, as GICHD's geocheck views do for IMSMA: invalid polygons, rings of
fewer than 3 vertices, duplicate and overlapping open hazardous areas, and ledger consistency.

Geometry is validated on every write, so the first two should never fire on a record kept by this
program; they guard against data written by other tools straight into the database.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely
from sqlalchemy import select

from landrelease.geo.overlap import find_duplicates, find_overlaps
from landrelease.service import access
from landrelease.service.store import Store
from landrelease.store import repo
from landrelease.store.schema import TABLES

#: Overlaps below this are digitising noise, not double-counted land (m²).
MIN_OVERLAP_M2 = 1.0
#: Relative slack for the ledger identity original = cancelled + reduced + cleared + remaining.
LEDGER_TOLERANCE = 1e-6


@dataclass(frozen=True)
class Finding:
    check: str  # invalid | too_few_vertices | duplicate | overlap | ledger
    code: str
    other: str | None
    area_m2: float | None
    detail: str


def check_record(store: Store, *, min_overlap_m2: float = MIN_OVERLAP_M2) -> list[Finding]:
    access.check_read(store, "hazardous_area")
    t = TABLES["hazardous_area"]
    with repo.read_connection(store.engine) as conn:
        rows = conn.execute(
            select(
                t.c.code, t.c.geom, t.c.area_m2, t.c.cancel_m2, t.c.reduce_m2, t.c.clear_m2, t.c.remain_m2, t.c.status
            )
            .where(t.c.deleted_at.is_(None), t.c.status == "open")
            .order_by(t.c.code)
        ).all()
    if not rows:
        return []
    codes = np.array([r[0] for r in rows], dtype=object)
    geoms = shapely.from_wkb(np.array([r[1] for r in rows], dtype=object))
    findings: list[Finding] = []

    valid = shapely.is_valid(geoms)
    for k in np.flatnonzero(~valid):
        findings.append(Finding("invalid", codes[k], None, None, shapely.is_valid_reason(geoms[k])))
    rings = shapely.get_rings(geoms, return_index=True)
    small = shapely.get_num_coordinates(rings[0]) < 4  # a closed ring needs 3 distinct + closing
    for k in np.unique(rings[1][small]):
        findings.append(Finding("too_few_vertices", codes[k], None, None, "a ring has fewer than 3 vertices"))

    ok = np.flatnonzero(valid)
    di, dj = find_duplicates(geoms[ok])
    dupes = set()
    for a, b in zip(ok[di], ok[dj], strict=True):
        dupes.add((a, b))
        findings.append(Finding("duplicate", codes[a], codes[b], None, "same polygon recorded twice"))
    oi, oj, area = find_overlaps(geoms[ok], min_overlap_m2)
    for a, b, m2 in zip(ok[oi], ok[oj], area, strict=True):
        if (a, b) in dupes:
            continue
        findings.append(Finding("overlap", codes[a], codes[b], float(m2), f"{m2:,.0f} m² counted twice"))

    arr = np.array([[r[2] or 0, r[3] or 0, r[4] or 0, r[5] or 0, r[6] or 0] for r in rows], dtype=float)
    gap = arr[:, 0] - arr[:, 1:].sum(axis=1)
    bad = np.abs(gap) > LEDGER_TOLERANCE * np.maximum(arr[:, 0], 1.0) + 0.01
    for k in np.flatnonzero(bad):
        findings.append(
            Finding(
                "ledger",
                codes[k],
                None,
                float(gap[k]),
                f"original {arr[k, 0]:,.1f} m² ≠ cancelled + reduced + cleared + remaining "
                f"({arr[k, 1:].sum():,.1f} m²): released figures were carried over from another system",
            )
        )
    return findings
