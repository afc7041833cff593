"""The context layers of the synthetic region: settlements, roads, a former front line and admin areas.

Geometry is built in the local metric frame (`shapes.LocalFrame`) except the admin areas, which tile
the lon/lat bounding box exactly (a Voronoi diagram of random seeds clipped to the box).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely

from landrelease.demo.names import NameMaker
from landrelease.demo.shapes import LocalFrame


@dataclass
class Region:
    frame: LocalFrame
    bbox: tuple[float, float, float, float]
    # settlements (metric points), names, populations
    settle_xy: np.ndarray
    settle_names: list[str]
    settle_pop: np.ndarray
    # roads (metric lines) and their names
    roads: np.ndarray
    road_names: list[str]
    front_line: shapely.LineString  # metric
    # districts (admin2) in lon/lat, their names and the index of their admin1 region
    districts: np.ndarray
    district_names: list[str]
    district_region: np.ndarray
    regions: np.ndarray  # admin1 polygons, lon/lat
    region_names: list[str]

    @property
    def settle_points(self) -> np.ndarray:
        return shapely.points(self.settle_xy)


def build_region(rng: np.random.Generator, frame: LocalFrame, bbox: tuple[float, float, float, float]) -> Region:
    names = NameMaker(rng)
    hw, hh = frame.half_w, frame.half_h
    area_km2 = 4 * hw * hh / 1e6

    # Settlements: a Poisson-disc-like scatter (no two closer than ~1.8 km), lognormal population.
    n_settle = int(np.clip(area_km2 / 50, 20, 400))
    cand = np.column_stack(
        [rng.uniform(-hw * 0.97, hw * 0.97, n_settle * 4), rng.uniform(-hh * 0.97, hh * 0.97, n_settle * 4)]
    )
    min_d = min(1800.0, 0.5 * np.sqrt(4 * hw * hh / n_settle))
    kept: list[int] = []
    for i in range(len(cand)):
        if len(kept) == n_settle:
            break
        if not kept or np.min(np.hypot(*(cand[kept] - cand[i]).T)) >= min_d:
            kept.append(i)
    settle_xy = cand[kept]
    n_settle = len(settle_xy)
    pop = np.round(rng.lognormal(np.log(450), 1.1, n_settle)).astype(int) + 20
    towns = rng.choice(n_settle, size=min(3, n_settle), replace=False)
    pop[towns] = rng.integers(12_000, 60_000, len(towns))
    settle_names = names.places(n_settle)

    # Roads: every settlement to its two nearest neighbours, towns to their five nearest.
    d = np.hypot(*(settle_xy[:, None, :] - settle_xy[None, :, :]).transpose(2, 0, 1))
    np.fill_diagonal(d, np.inf)
    order = np.argsort(d, axis=1)
    k = np.where(np.isin(np.arange(n_settle), towns), 5, 2)
    edges = {(min(i, int(j)), max(i, int(j))) for i in range(n_settle) for j in order[i, : k[i]]}
    edges_arr = np.array(sorted(edges))
    a, b = settle_xy[edges_arr[:, 0]], settle_xy[edges_arr[:, 1]]
    seg = b - a
    length = np.hypot(seg[:, 0], seg[:, 1])
    normal = np.column_stack([-seg[:, 1], seg[:, 0]]) / length[:, None]
    t = np.array([0.0, 0.3, 0.55, 0.8, 1.0])
    jitter = rng.normal(0, 0.06, (len(a), len(t))) * length[:, None]
    jitter[:, [0, -1]] = 0
    pts = a[:, None, :] + t[None, :, None] * seg[:, None, :] + jitter[:, :, None] * normal[:, None, :]
    pts[..., 0] = np.clip(pts[..., 0], -hw * 0.99, hw * 0.99)
    pts[..., 1] = np.clip(pts[..., 1], -hh * 0.99, hh * 0.99)
    roads = shapely.linestrings(pts)
    road_names = [f"Road {settle_names[i]} – {settle_names[j]}" for i, j in edges_arr.tolist()]

    # Former front line: crosses the region west to east, wiggling around a random latitude.
    xs = np.linspace(-hw * 0.995, hw * 0.995, 240)
    u = (xs + hw) / (2 * hw)
    y = rng.uniform(-0.15, 0.15) * hh + np.zeros_like(xs)
    for freq in (1, 2, 3, 5, 8):
        y += rng.normal(0, 0.12 * hh / freq) * np.sin(2 * np.pi * freq * u + rng.uniform(0, 2 * np.pi))
    walk = np.cumsum(rng.normal(0, 0.004 * hh, len(xs)))
    y += walk - np.linspace(0, walk[-1], len(xs))
    y = np.clip(y, -0.75 * hh, 0.75 * hh)
    front_line = shapely.linestrings(np.column_stack([xs, y]))

    # Admin areas: 6–10 districts tiling the lon/lat box, grouped into two regions west/east.
    minx, miny, maxx, maxy = bbox
    n_dist = int(rng.integers(6, 11))
    seeds = np.column_stack([rng.uniform(minx, maxx, n_dist), rng.uniform(miny, maxy, n_dist)])
    box = shapely.box(minx, miny, maxx, maxy)
    cells = shapely.get_parts(shapely.voronoi_polygons(shapely.multipoints(seeds), extend_to=box))
    districts = shapely.intersection(cells, box)
    districts = districts[np.argsort(shapely.get_x(shapely.centroid(districts)), kind="stable")]
    cx = shapely.get_x(shapely.centroid(districts))
    district_region = (cx > np.median(cx)).astype(int)
    if district_region.min() == district_region.max():  # pragma: no cover - needs ≥2 districts
        district_region[-1] = 1 - district_region[0]
    regions = np.array([shapely.union_all(districts[district_region == r]) for r in (0, 1)], dtype=object)
    region_names = [f"{names.place()} Region" for _ in range(2)]
    district_names = [f"{names.place()} District" for _ in range(len(districts))]
    return Region(
        frame=frame,
        bbox=bbox,
        settle_xy=settle_xy,
        settle_names=settle_names,
        settle_pop=pop,
        roads=roads,
        road_names=road_names,
        front_line=front_line,
        districts=districts,
        district_names=district_names,
        district_region=district_region,
        regions=regions,
        region_names=region_names,
    )
