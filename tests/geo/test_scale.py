"""Vectorisation smoke check at national scale (10⁵ polygons); timing lives in benchmarks/."""

from __future__ import annotations

import numpy as np

from landrelease.domain.model import GeomType
from landrelease.geo.area import geodesic_area
from landrelease.geo.checks import prepare
from landrelease.geo.overlap import find_overlaps

from .support import geod_area, star_polygons

N = 100_000


def test_prepare_and_area_on_100k_polygons() -> None:
    polys = star_polygons(N, seed=11)
    out = prepare(polys, GeomType.POLYGON)
    assert len(out.geoms) == N and not out.repaired.any()
    area = geodesic_area(out.geoms)
    assert np.isfinite(area).all() and (area > 0).all()
    sample = np.random.default_rng(0).choice(N, 100, replace=False)
    ref = np.array([geod_area(p) for p in polys[sample]])
    np.testing.assert_allclose(area[sample], ref, rtol=1e-5)
    # STRtree overlap search scales too: random polygons over Ukraine do overlap a little
    i, j, m2 = find_overlaps(out.geoms[:20_000])
    assert (i < j).all() and (m2 >= 1.0).all()
