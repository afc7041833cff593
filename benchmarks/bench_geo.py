"""Benchmark: the geometry gate and geodesic area at national scale.

Times `prepare` + `geodesic_area` on 100,000 random simple polygons (12 vertices, 50 m–2 km
radius, spread over Ukraine) against the per-polygon reference a naive implementation would
use, `pyproj.Geod.geometry_area_perimeter` in a Python loop (timed on a 2,000-polygon subset
and extrapolated), and reports the largest relative area difference between the two.
Also times `find_overlaps` on the same 100,000 polygons.

Run: .venv/bin/python benchmarks/bench_geo.py [n]
"""

from __future__ import annotations

import platform
import sys
import time

import numpy as np
import pyproj
import shapely

from landrelease.domain.model import GeomType
from landrelease.geo.area import geodesic_area
from landrelease.geo.checks import prepare
from landrelease.geo.overlap import find_overlaps

SUBSET = 2_000


def polygons(n: int, seed: int = 1) -> np.ndarray:
    rng = np.random.default_rng(seed)
    cx, cy = rng.uniform(22, 40, n), rng.uniform(44, 52, n)
    k = 12
    ang = (np.arange(k) + rng.uniform(0, 0.9, (n, k))) * 2 * np.pi / k
    r = rng.uniform(50, 2000, (n, 1)) * rng.uniform(0.5, 1.0, (n, k)) / 111_320
    x = cx[:, None] + r * np.cos(ang) / np.cos(np.radians(cy[:, None]))
    y = cy[:, None] + r * np.sin(ang)
    return shapely.polygons(np.stack([x, y], axis=-1))


def best_of(repeats: int, func):  # type: ignore[no-untyped-def]
    best, result = float("inf"), None
    for _ in range(repeats):
        t0 = time.perf_counter()
        result = func()
        best = min(best, time.perf_counter() - t0)
    return best, result


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    polys = polygons(n)
    t_prep, prepared = best_of(3, lambda: prepare(polys, GeomType.POLYGON))
    t_area, area = best_of(3, lambda: geodesic_area(prepared.geoms))

    geod = pyproj.Geod(ellps="WGS84")
    subset = polys[:SUBSET]
    t_ref, ref = best_of(1, lambda: np.array([abs(geod.geometry_area_perimeter(p)[0]) for p in subset]))
    t_ref_n = t_ref * n / SUBSET
    rel = np.abs(area[:SUBSET] / ref - 1)
    t_overlap, (i, _, _) = best_of(1, lambda: find_overlaps(prepared.geoms))

    print(
        f"bench_geo: {n:,} polygons x 12 vertices; {platform.python_version()}, "
        f"shapely {shapely.__version__}, pyproj {pyproj.__version__}, numpy {np.__version__}"
    )
    print(f"  prepare (checks, no CRS)        {t_prep:7.3f} s")
    print(f"  geodesic_area (vectorised LAEA) {t_area:7.3f} s")
    print(f"  prepare + geodesic_area         {t_prep + t_area:7.3f} s")
    print(f"  Geod loop reference             {t_ref_n:7.3f} s  ({SUBSET:,} polygons in {t_ref:.3f} s, extrapolated)")
    print(f"  speed-up of geodesic_area over the Geod loop: {t_ref_n / t_area:.1f}x")
    print(f"  area vs Geod on the subset: max rel diff {rel.max():.2e}, median {np.median(rel):.2e}")
    print(f"  find_overlaps (STRtree)         {t_overlap:7.3f} s  ({len(i):,} overlapping pairs)")


if __name__ == "__main__":
    main()
