"""Synthetic hazardous areas: where they lie, how big they are, what they hold.

Placement follows how contamination lies after a war of positions: most areas along the former
front line (density decaying with distance from it), some strung along roads and around settlements,
a few scattered. Sizes are lognormal (median ~10,000 m², σ ~1.3, clipped to 200 m² – 5 km²), shapes
irregular star-shaped polygons, a few multipolygons. Overlaps are rejected except a handful kept on
purpose so that geometry checks have something to find (GICHD geocheck's overlap test).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely

from landrelease.demo.region import Region
from landrelease.demo.shapes import polygons_from_coords, radial_coords, random_points_in

AREA_MEDIAN_M2 = 10_000.0
AREA_SIGMA = 1.3
AREA_MIN_M2 = 200.0
AREA_MAX_M2 = 5_000_000.0
CHA_SHARE = 0.30
MULTI_SHARE = 0.02
OVERLAP_SHARE = 0.0015  # areas deliberately left overlapping a neighbour

# device categories and their weights as the main threat of an area
DEVICE_CODES = np.array(["ap_mine", "at_mine", "uxo", "submunition", "ied", "axo"])
DEVICE_P = np.array([0.30, 0.22, 0.30, 0.13, 0.03, 0.02])

_LAND_USE = np.array(
    ["agriculture", "pasture", "forest", "residential", "infrastructure", "industrial", "water", "unused"]
)
_RURAL_P = np.array([0.45, 0.15, 0.25, 0.0, 0.02, 0.03, 0.02, 0.08])
_VILLAGE_P = np.array([0.30, 0.08, 0.05, 0.45, 0.07, 0.03, 0.0, 0.02])
_ROAD_P = np.array([0.35, 0.08, 0.12, 0.05, 0.30, 0.04, 0.0, 0.06])
_COMPASS = np.array(["E", "NE", "N", "NW", "W", "SW", "S", "SE"])


@dataclass
class Hazards:
    geoms_xy: np.ndarray  # metric polygons
    cx: np.ndarray
    cy: np.ndarray
    area_m2: np.ndarray  # planar area in the local frame
    haz_type: np.ndarray  # "sha" / "cha"
    dev_susp: list[list[str]]
    dev_conf: list[list[str]]
    evidence: list[list[str]]
    evid_desc: list[str]
    bm_x: np.ndarray
    bm_y: np.ndarray
    benef_exp: np.ndarray
    land_use: np.ndarray
    blockages: list[list[str]]
    terrain: np.ndarray
    admin1: list[str]
    admin2: list[str]
    admin2_idx: np.ndarray
    settlement: list[str]
    settle_idx: np.ndarray
    name: list[str]
    front_dist: np.ndarray  # distance to the former front line, m

    def __len__(self) -> int:
        return len(self.geoms_xy)


def _candidates(
    rng: np.random.Generator, area: np.ndarray, region: Region, scale: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Candidate polygons of the given areas, centred by a mixture of front line / roads /
    settlements / uniform."""
    hw, hh = region.frame.half_w, region.frame.half_h
    m = len(area)
    source = rng.choice(4, size=m, p=[0.65, 0.18, 0.12, 0.05])
    cx, cy = np.empty(m), np.empty(m)

    def along(lines: np.ndarray, idx: np.ndarray, offset: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        length = shapely.length(lines[idx])
        s = rng.uniform(0, 1, len(idx)) * length
        p = shapely.line_interpolate_point(lines[idx], s)
        q = shapely.line_interpolate_point(lines[idx], np.minimum(s + 5.0, length))
        r = shapely.line_interpolate_point(lines[idx], np.maximum(s - 5.0, 0))
        tx, ty = shapely.get_x(q) - shapely.get_x(r), shapely.get_y(q) - shapely.get_y(r)
        norm = np.hypot(tx, ty) + 1e-12
        return shapely.get_x(p) - ty / norm * offset, shapely.get_y(p) + tx / norm * offset

    i = np.flatnonzero(source == 0)
    off = rng.laplace(0, scale, len(i))
    cx[i], cy[i] = along(np.array([region.front_line]), np.zeros(len(i), int), off)
    i = np.flatnonzero(source == 1)
    road_len = shapely.length(region.roads)
    ridx = rng.choice(len(region.roads), size=len(i), p=road_len / road_len.sum())
    cx[i], cy[i] = along(region.roads, ridx, rng.normal(0, 250, len(i)))
    i = np.flatnonzero(source == 2)
    w = np.sqrt(region.settle_pop)
    sidx = rng.choice(len(w), size=len(i), p=w / w.sum())
    ang, rad = rng.uniform(0, 2 * np.pi, len(i)), rng.uniform(300, 2500, len(i))
    cx[i] = region.settle_xy[sidx, 0] + rad * np.cos(ang)
    cy[i] = region.settle_xy[sidx, 1] + rad * np.sin(ang)
    # the uniform background, and any centre thrown outside the box, lands anywhere in the box
    i = np.flatnonzero((source == 3) | (np.abs(cx) > hw) | (np.abs(cy) > hh))
    cx[i], cy[i] = rng.uniform(-hw, hw, len(i)), rng.uniform(-hh, hh, len(i))

    x, y, off_v = radial_coords(rng, cx, cy, area)
    geoms = polygons_from_coords(x, y, off_v)

    multi = np.flatnonzero(rng.uniform(size=m) < MULTI_SHARE)
    if multi.size:
        radius = np.sqrt(area[multi] / np.pi) * 2.3  # parts never touch: 2·2.3 r > 2.43 r + 1.44 r
        ang = rng.uniform(0, 2 * np.pi, multi.size)
        sx, sy = cx[multi] + 2 * radius * np.cos(ang), cy[multi] + 2 * radius * np.sin(ang)
        sat_area = area[multi] * rng.uniform(0.1, 0.35, multi.size)
        x2, y2, off2 = radial_coords(rng, sx, sy, sat_area)
        sats = polygons_from_coords(x2, y2, off2)
        multis = shapely.multipolygons(
            np.stack([geoms[multi], sats], 1).ravel(), indices=np.repeat(np.arange(multi.size), 2)
        )
        geoms[multi] = np.where(shapely.is_valid(multis), multis, geoms[multi])

    # keep every polygon inside the box (50 m margin) by translating it inward
    b = shapely.bounds(geoms)
    dx = np.maximum(0, -hw + 50 - b[:, 0]) - np.maximum(0, b[:, 2] - (hw - 50))
    dy = np.maximum(0, -hh + 50 - b[:, 1]) - np.maximum(0, b[:, 3] - (hh - 50))
    moved = np.flatnonzero((dx != 0) | (dy != 0))
    if moved.size:
        coords, index = shapely.get_coordinates(geoms[moved], return_index=True)
        coords += np.column_stack([dx[moved][index], dy[moved][index]])
        geoms[moved] = shapely.set_coordinates(geoms[moved].copy(), coords)
        cx[moved] += dx[moved]
        cy[moved] += dy[moved]
    return geoms, cx, cy, shapely.area(geoms)


def _place(rng: np.random.Generator, n: int, region: Region) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """n polygons, overlap-free except OVERLAP_SHARE of them kept overlapping on purpose.

    Areas are drawn once; a candidate that hits an area already placed is moved, not redrawn, so
    the size distribution stays as specified. Larger areas are placed first, and the spread around
    the front line widens a little each round so that crowded bands do not stall the placement.
    """
    scale = float(np.clip(2500 * (n / 2000) ** 0.5, 2500, 20000))
    area = np.clip(rng.lognormal(np.log(AREA_MEDIAN_M2), AREA_SIGMA, n), AREA_MIN_M2, AREA_MAX_M2)
    area = np.sort(area)[::-1]
    geoms = np.empty(n, dtype=object)
    cx, cy, real = np.zeros(n), np.zeros(n), np.zeros(n)
    placed = np.zeros(n, bool)
    fails = np.zeros(n, int)
    pending = np.arange(n)
    tree: shapely.STRtree | None = None
    reserve: tuple[np.ndarray, ...] | None = None
    chunk = max(2000, n // 10)
    for _ in range(200):
        if pending.size == 0:
            break
        todo, rest = pending[:chunk], pending[chunk:]  # largest first, while there is room
        g, x, y, a = _candidates(rng, area[todo], region, scale)
        bad = np.zeros(len(todo), bool)
        if tree is not None:
            hit, _ = tree.query(g, predicate="intersects")
            bad[hit] = True
        i, j = shapely.STRtree(g).query(g, predicate="intersects")
        bad[np.maximum(i, j)[i != j]] = True
        if reserve is None:
            reserve = (todo[bad], g[bad], x[bad], y[bad], a[bad])
        ok = todo[~bad]
        geoms[ok], cx[ok], cy[ok], real[ok] = g[~bad], x[~bad], y[~bad], a[~bad]
        placed[ok] = True
        pending = np.concatenate([todo[bad], rest])
        fails[todo[bad]] += 1
        # a crowded region cannot fit every large area: after a few misses an area shrinks a
        # little (a few hundred of 10⁵ areas at most, so the size distribution barely moves)
        tired = todo[bad][fails[todo[bad]] >= 4]
        area[tired] = np.maximum(area[tired] * 0.8, AREA_MIN_M2)
        tree = shapely.STRtree(geoms[placed])
        if bad.mean() > 0.3:
            scale = min(scale * 1.15, 20_000.0)
    if pending.size:  # pragma: no cover - only for absurd densities
        raise RuntimeError(f"could not place {pending.size} hazardous areas without overlap")
    # a few deliberate overlaps: first-round rejects take the place of the same areas
    assert reserve is not None
    n_ov = min(max(2, round(OVERLAP_SHARE * n)), len(reserve[0]), n // 10)
    if n_ov:
        pick = rng.choice(len(reserve[0]), size=n_ov, replace=False)
        dst = reserve[0][pick]
        geoms[dst], cx[dst], cy[dst], real[dst] = (r[pick] for r in reserve[1:])
    perm = rng.permutation(n)
    return geoms[perm], cx[perm], cy[perm], real[perm]


def _lists(rng: np.random.Generator, n: int) -> tuple[list[list[str]], np.ndarray]:
    primary = rng.choice(len(DEVICE_CODES), size=n, p=DEVICE_P)
    second = rng.choice(len(DEVICE_CODES), size=n, p=DEVICE_P)
    third = rng.choice(len(DEVICE_CODES), size=n, p=DEVICE_P)
    u2, u3 = rng.uniform(size=n) < 0.35, rng.uniform(size=n) < 0.1
    out = []
    for i in range(n):
        cats = [DEVICE_CODES[primary[i]]]
        if u2[i] and second[i] != primary[i]:
            cats.append(DEVICE_CODES[second[i]])
        if u3[i] and DEVICE_CODES[third[i]] not in cats:
            cats.append(DEVICE_CODES[third[i]])
        out.append([str(c) for c in cats])
    return out, primary


def build_hazards(rng: np.random.Generator, n: int, region: Region) -> Hazards:
    geoms, cx, cy, area = _place(rng, n, region)
    n = len(geoms)
    bm_x, bm_y = random_points_in(rng, geoms, np.arange(n))
    bm = shapely.points(bm_x, bm_y)

    haz_type = np.where(rng.uniform(size=n) < CHA_SHARE, "cha", "sha")
    dev_susp, _ = _lists(rng, n)
    keep = rng.uniform(size=(n, 3)) < 0.5
    dev_conf = [
        [c for j, c in enumerate(s) if j == 0 or keep[i, j]] if haz_type[i] == "cha" else []
        for i, s in enumerate(dev_susp)
    ]
    direct = np.array(["eo_found", "accident", "minefield_record", "marking"])
    indirect = np.array(["fighting", "witness", "other"])
    d1 = rng.choice(4, size=n, p=[0.5, 0.1, 0.15, 0.25])
    i1 = rng.choice(3, size=n, p=[0.5, 0.4, 0.1])
    extra = rng.uniform(size=n) < 0.4
    evidence: list[list[str]] = []
    evid_desc: list[str] = []
    for i in range(n):
        if haz_type[i] == "cha":
            ev = [str(direct[d1[i]])] + ([str(indirect[i1[i]])] if extra[i] else [])
            what = ", ".join(c.replace("_", " ") for c in dev_conf[i])
            evid_desc.append(f"Synthetic record: {ev[0].replace('_', ' ')} confirms {what}")
        else:
            ev = [str(indirect[i1[i]])]
            what = ", ".join(c.replace("_", " ") for c in dev_susp[i])
            evid_desc.append(f"Synthetic record: {ev[0]} reports suggest {what}")
        evidence.append(ev)

    centres = shapely.points(cx, cy)
    s_idx, s_dist = shapely.STRtree(region.settle_points).query_nearest(
        centres, return_distance=True, all_matches=False
    )
    s_idx = s_idx[1]
    _, r_dist = shapely.STRtree(region.roads).query_nearest(centres, return_distance=True, all_matches=False)
    front_dist = shapely.distance(centres, region.front_line)

    village, near_road = s_dist < 900, r_dist < 250
    p = np.where(village[:, None], _VILLAGE_P, np.where(near_road[:, None], _ROAD_P, _RURAL_P))
    cum = np.cumsum(p, axis=1)
    lu_idx = np.minimum((rng.uniform(size=(n, 1)) < cum).argmax(axis=1), len(_LAND_USE) - 1)
    land_use = _LAND_USE[lu_idx]
    u = rng.uniform(size=n)
    terrain = np.select(
        [land_use == "residential", land_use == "forest", u < 0.65],
        [np.where(u < 0.8, "urban", "vegetated"), np.where(u < 0.6, "dense", "vegetated"), "open"],
        "vegetated",
    )
    u2 = rng.uniform(size=(n, 3))
    lu_block = {
        "agriculture": "agriculture",
        "pasture": "agriculture",
        "forest": "forest",
        "water": "water",
        "infrastructure": "infrastructure",
        "industrial": "infrastructure",
        "residential": "housing",
    }
    blockages: list[list[str]] = []
    for i in range(n):
        bl = [lu_block[land_use[i]]] if land_use[i] in lu_block else []
        if s_dist[i] < 1500 and u2[i, 0] < 0.6 and "housing" not in bl:
            bl.append("housing")
        if near_road[i]:
            bl.append("road")
        if s_dist[i] < 1200 and region.settle_pop[s_idx[i]] > 5000 and u2[i, 1] < 0.05:
            bl.append("school" if u2[i, 2] < 0.5 else "health")
        blockages.append(bl)

    pop = region.settle_pop[s_idx]
    benef = np.round(pop * np.exp(-s_dist / 1500) * rng.uniform(0.02, 0.3, n)) + rng.poisson(8, n)

    # admin areas from the benchmark point (districts tile the box; nearest = containing)
    bm_ll = region.frame.to_lonlat(bm)
    d_idx = shapely.STRtree(region.districts).query_nearest(bm_ll, all_matches=False)[1]
    admin2 = [region.district_names[j] for j in d_idx]
    admin1 = [region.region_names[region.district_region[j]] for j in d_idx]
    settlement = [region.settle_names[j] for j in s_idx]
    ang = np.arctan2(cy - region.settle_xy[s_idx, 1], cx - region.settle_xy[s_idx, 0])
    compass = _COMPASS[np.round(ang / (np.pi / 4)).astype(int) % 8]
    name = [f"{settlement[i]} {compass[i]} {land_use[i]}" for i in range(n)]
    return Hazards(
        geoms_xy=geoms,
        cx=cx,
        cy=cy,
        area_m2=area,
        haz_type=haz_type,
        dev_susp=dev_susp,
        dev_conf=dev_conf,
        evidence=evidence,
        evid_desc=evid_desc,
        bm_x=bm_x,
        bm_y=bm_y,
        benef_exp=benef.astype(int),
        land_use=land_use,
        blockages=blockages,
        terrain=terrain,
        admin1=admin1,
        admin2=admin2,
        admin2_idx=d_idx,
        settlement=settlement,
        settle_idx=s_idx,
        name=name,
        front_dist=front_dist,
    )
