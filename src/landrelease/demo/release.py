"""Synthetic land release history (IMAS 07.11): activities, released polygons, daily progress, finds.

A share of the areas has been worked: non-technical survey cancels land, technical survey reduces it,
clearance (or BAC for battle areas) clears it to a depth. Released polygons are strips of the area cut
by parallel lines (one vectorised `shapely.intersection` of area × strip), so they lie inside their
area and never overlap one another, and their sum never exceeds the area. The split by area is fitted
to the global 2022 figures (44 % cleared, 24 % reduced, 32 % cancelled; Landmine Monitor 2023).
Manual clearance runs at 10–50 m² per deminer per day (HALO Trust), a two-machine mechanical system
~5,000 m²/day, an MDD team ~800 m²/day (NATO SFOR, 2001; DOMAIN.md).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np
import shapely

from landrelease.demo.hazards import Hazards
from landrelease.demo.region import Region
from landrelease.demo.shapes import fraction_to_position, polygonal, random_points_in, strip_boxes
from landrelease.demo.workforce import Workforce

RELEASE_TYPES = ("cancelled", "reduced", "cleared")
RELEASE_SPLIT = np.array([0.32, 0.24, 0.44])  # by area, global 2022 (Landmine Monitor 2023)
MANUAL_RATE = (15.0, 40.0)  # m² per deminer per day, inside HALO's 10–50
MODELS = {
    "ap_mine": ("PMN-2", "PMN-1", "POM-2", "POM-3", "PFM-1", "PFM-1S", "OZM-72", "MON-50", "MON-90"),
    "at_mine": ("TM-62M", "TM-62P3", "TM-57", "TM-72", "PTM-1", "PTM-3"),
    "uxo": (
        "VOG-17",
        "VOG-25",
        "122mm rocket",
        "152mm HE projectile",
        "120mm mortar bomb",
        "82mm mortar bomb",
        "F-1 grenade",
        "RGD-5 grenade",
        "125mm tank round",
    ),
    "submunition": ("9N210", "9N235", "PTAB-1M", "ShOAB-0.5"),
    "ied": ("IED, victim-operated", "IED, command-wire"),
    "axo": ("abandoned 122mm projectiles", "abandoned RPG-7 rounds"),
    "saa": ("7.62mm ammunition",),
}
DEPTH_CM = {"ap_mine": 13.0, "submunition": 20.0, "at_mine": 30.0, "ied": 30.0, "axo": 20.0, "uxo": 50.0, "saa": 10.0}
FIND_DEPTH_MAX = {
    "ap_mine": 10.0,
    "submunition": 15.0,
    "at_mine": 25.0,
    "ied": 30.0,
    "axo": 15.0,
    "uxo": 50.0,
    "saa": 10.0,
}
BATTLE = frozenset({"uxo", "submunition", "axo", "saa"})
UNIT_FOR = {
    "nts": ("survey",),
    "ts": ("mdd", "mechanical", "survey"),
    "clearance": ("manual",),
    "clearance_big": ("mechanical",),
    "bac": ("bac",),
    "eod": ("eod",),
}
METHOD_OF_UNIT = {
    "survey": "manual",
    "mdd": "mdd",
    "mechanical": "mechanical",
    "manual": "manual",
    "bac": "manual",
    "eod": "manual",
}
EPOCH = dt.date(2022, 3, 1)
#: A released strip smaller than this (m², local frame) is merged into its neighbour: well above the
#: record's 1 m² "fully released" threshold and the local-frame vs geodesic difference (see _merge_slivers).
MIN_PIECE_M2 = 10.0


@dataclass
class Release:
    acts: dict[str, list] = field(default_factory=dict)  # area idx, org idx, unit idx, …
    releases: dict[str, list] = field(default_factory=dict)
    release_geoms: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=object))
    progress: dict[str, list] = field(default_factory=dict)
    finds: dict[str, list] = field(default_factory=dict)
    find_xy: np.ndarray = field(default_factory=lambda: np.empty((0, 2)))
    status: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=object))
    reported: list[dt.date] = field(default_factory=list)
    benef_conf: list[int | None] = field(default_factory=list)
    deploy_window: tuple[dt.date, dt.date] = (EPOCH, EPOCH)
    deploy_districts: list[int] = field(default_factory=list)


def _days(d: dt.date, n: float) -> dt.date:
    return d + dt.timedelta(days=int(n))


def _calendar(working_days: int) -> int:
    """Calendar days spanned by n working days of a six-day week."""
    return working_days + working_days // 6


def _fit_shares(rng: np.random.Generator, mask: np.ndarray, weight: np.ndarray) -> np.ndarray:
    """Per-area shares of cancelled/reduced/cleared, fitted so the area-weighted total matches
    RELEASE_SPLIT (iterative proportional fitting over Dirichlet draws)."""
    shares = rng.gamma(3 * RELEASE_SPLIT, size=mask.shape) * mask + 1e-9 * mask
    shares /= shares.sum(1, keepdims=True)
    for _ in range(30):
        total = (shares * weight[:, None]).sum(0)
        if total.sum() <= 0:  # no worked area at all (10 areas, seed 9)
            break
        have = total > 0  # a tiny demo may have no area with one of the three kinds
        shares *= np.divide(RELEASE_SPLIT, total / total.sum(), out=np.ones(3), where=have)
        shares /= shares.sum(1, keepdims=True)
    return shares


def build_release(rng: np.random.Generator, hz: Hazards, wf: Workforce, region: Region, today: dt.date) -> Release:
    n = len(hz)
    out = Release()
    cha = hz.haz_type == "cha"
    worked = rng.uniform(size=n) < np.where(cha, 0.55, 0.22)
    w = np.flatnonzero(worked)
    m = len(w)
    p_type = np.where(cha[w, None], [0.25, 0.6, 1.0], [0.85, 0.5, 0.1])
    mask = rng.uniform(size=(m, 3)) < p_type
    mask[~mask.any(1), 0] = True
    full = rng.uniform(size=m) < 0.4
    frac = np.where(full, 1.0, rng.uniform(0.15, 0.85, m))
    shares = _fit_shares(rng, mask, hz.area_m2[w] * frac)

    # --- cut every worked area into strips: cancelled | reduced | cleared | (still hazardous)
    geoms = hz.geoms_xy[w]
    coords, owner = shapely.get_coordinates(geoms, return_index=True)
    angle = rng.uniform(0, np.pi, m)
    cx, cy = hz.cx[w], hz.cy[w]
    proj = (coords[:, 0] - cx[owner]) * np.cos(angle[owner]) + (coords[:, 1] - cy[owner]) * np.sin(angle[owner])
    starts = np.concatenate([[0], np.cumsum(np.bincount(owner, minlength=m))[:-1]])
    if m:
        smin, smax = np.minimum.reduceat(proj, starts), np.maximum.reduceat(proj, starts)
        reach = np.maximum.reduceat(np.hypot(coords[:, 0] - cx[owner], coords[:, 1] - cy[owner]), starts)
    else:  # a tiny demo may have no worked area (reduceat refuses empty input)
        smin = smax = reach = np.zeros(0)
    cum = np.column_stack([np.zeros(m), np.cumsum(shares * frac[:, None], axis=1)])
    pos = smin[:, None] + (smax - smin)[:, None] * fraction_to_position(cum)
    pos[:, 0] = smin - 10
    pos[full, 3] = smax[full] + 10
    piece_area, piece_type = np.nonzero(mask & (shares * frac[:, None] > 1e-6))
    boxes = strip_boxes(
        cx[piece_area],
        cy[piece_area],
        angle[piece_area],
        pos[piece_area, piece_type],
        pos[piece_area, piece_type + 1],
        reach[piece_area] + 10,
    )
    pieces = polygonal(shapely.intersection(geoms[piece_area], boxes))
    piece_area, piece_type, pieces = _merge_slivers(piece_area, piece_type, pieces)
    has = np.zeros((m, 3), bool)
    has[piece_area, piece_type] = True
    piece_m2 = np.zeros((m, 3))
    np.add.at(piece_m2, (piece_area, piece_type), shapely.area(pieces))
    full &= has.any(1)

    # --- units by type; the regiment works in its deployment districts for three months
    units = wf.units
    by_type: dict[str, np.ndarray] = {}
    reg_by_type: dict[str, np.ndarray] = {}
    platoons = set(wf.platoons)
    for key, types in UNIT_FOR.items():
        civ = [u for u, t in enumerate(units["unit_type"]) if t in types and u not in platoons and units["org"][u] != 4]
        reg = [u for u in wf.platoons if units["unit_type"][u] in types]
        by_type[key], reg_by_type[key] = np.array(civ, int), np.array(reg, int)
    win_start = _days(today, -150)
    win_end = _days(win_start, 91)
    counts = np.bincount(hz.admin2_idx, minlength=int(hz.admin2_idx.max()) + 1)
    deploy = [int(i) for i in np.argsort(-counts, kind="stable")[:2]]
    out.deploy_window, out.deploy_districts = (win_start, win_end), deploy
    in_deploy = np.isin(hz.admin2_idx[w], deploy) & (rng.uniform(size=m) < 0.5) & (piece_m2[:, 1:].sum(1) < 15_000)

    # --- timeline per worked area, built backwards from the last day of work
    ongoing = ~full & (rng.uniform(size=m) < 0.5)
    suspended = ~full & ~ongoing & (rng.uniform(size=m) < 0.1)
    span = (today - _days(EPOCH, 120)).days
    end_day = rng.uniform(0, span, m)
    reported = list(hz_reported_default(rng, n, today))
    status = np.full(n, "open", dtype=object)
    benef_conf: list[int | None] = [None] * n
    acts: dict[str, list] = {
        k: []
        for k in (
            "area",
            "org",
            "unit",
            "act_type",
            "method",
            "start",
            "end",
            "status",
            "ref_x",
            "ref_y",
            "deminers",
            "rate",
            "wd",
            "total",
        )
    }
    act_of_piece = np.full((m, 3), -1)
    u01 = rng.uniform(size=(m, 8))
    for i in range(m):
        a = int(w[i])
        devices = set(hz.dev_susp[a]) | set(hz.dev_conf[a])
        battle = devices <= BATTLE
        regiment = bool(in_deploy[i])
        if regiment:
            last = _days(win_start, 20 + u01[i, 0] * 70)
        elif ongoing[i]:
            last = _days(today, -int(u01[i, 0] * 4))
        else:
            last = _days(EPOCH, 120 + end_day[i])
        plan = []  # (piece type, activity type, key for units)
        if has[i, 0] or (not cha[a] and u01[i, 1] < 0.3):
            plan.append((0, "nts", "nts"))
        if has[i, 1]:
            plan.append((1, "ts", "ts"))
        if has[i, 2]:
            big = piece_m2[i, 2] > 25_000
            plan.append(
                (2, "bac" if battle else "clearance", "bac" if battle else ("clearance_big" if big else "clearance"))
            )
        if not plan:  # every piece of this area fell below 1 m² (tiny areas): nothing was worked
            continue
        # work out durations first (they depend on the team), then lay the chain back from `last`
        chain = []
        for ptype, atype, key in plan:
            pool = reg_by_type[key] if regiment and atype != "nts" and reg_by_type[key].size else by_type[key]
            unit = int(pool[rng.integers(len(pool))])
            utype = units["unit_type"][unit]
            size = units["size"][unit]
            deminers = max(1, size - (6 if size >= 40 else 2 if size >= 5 else 1))
            total = piece_m2[i, ptype] if ptype >= 0 else 0.0
            if atype == "nts":
                rate, wd = 0.0, int(1 + u01[i, 2] * 4)
            elif utype == "mechanical":
                rate = 2000 + 3000 * u01[i, 3]
                wd = int(np.clip(np.ceil(total / rate), 1, 250))
            elif utype == "mdd":
                rate = 600 + 300 * u01[i, 3]
                wd = int(np.clip(np.ceil(total / rate), 1, 150))
            else:
                rate = MANUAL_RATE[0] + (MANUAL_RATE[1] - MANUAL_RATE[0]) * u01[i, 3]
                wd = int(np.ceil(total / (rate * deminers)))
            method = "visual" if atype == "nts" else METHOD_OF_UNIT[utype]
            if wd > 300:  # too big for hand work alone: machines support the team
                wd, method = 300, "combined"
            if atype == "clearance" and utype == "mechanical":
                method = "combined"  # machines prepare ground, deminers clear (IMAS 09.10)
            chain.append([ptype, atype, unit, method, deminers, rate, wd, total])
        ends = []
        t = last
        for k in range(len(chain) - 1, -1, -1):
            wd = chain[k][6]
            start = _days(t, -_calendar(wd) + 1)
            ends.append((start, t))
            t = _days(start, -(5 + u01[i, 4 + (k % 3)] * 85))
        ends.reverse()
        first = ends[0][0]
        rep = _days(first, -(5 + u01[i, 7] * 200))
        shift = max(0, (EPOCH - rep).days)
        rep = _days(rep, shift)
        reported[a] = rep
        is_ongoing = bool(ongoing[i]) and shift == 0 and not regiment
        for k, (ptype, atype, unit, method, deminers, rate, wd, total) in enumerate(chain):
            s, e = _days(ends[k][0], shift), _days(ends[k][1], shift)
            last_act = k == len(chain) - 1
            st = "completed"
            if last_act and is_ongoing:
                st = "ongoing"
            elif last_act and suspended[i]:
                st = "suspended"
            act_of_piece[i, ptype] = len(acts["area"])
            for key, val in zip(
                acts,
                (
                    a,
                    units["org"][unit],
                    unit,
                    atype,
                    method,
                    s,
                    None if st == "ongoing" else e,
                    st,
                    hz.bm_x[a],
                    hz.bm_y[a],
                    deminers,
                    rate,
                    wd,
                    total,
                ),
                strict=True,
            ):
                acts[key].append(val)
        if full[i] and not suspended[i]:
            status[a] = "handed_over" if u01[i, 1] < 0.3 else "closed"
            benef_conf[a] = int(round(hz.benef_exp[a] * (0.6 + 0.7 * u01[i, 2])))

    # planned activities on a few untouched areas
    idle = np.flatnonzero(~worked)
    planned = idle[rng.uniform(size=idle.size) < 0.05]
    for a in planned.tolist():
        atype = "nts" if hz.haz_type[a] == "sha" and rng.uniform() < 0.6 else "ts"
        pool = by_type[atype]
        unit = int(pool[rng.integers(len(pool))])
        start = _days(today, 7 + rng.integers(0, 170))
        for key, val in zip(
            acts,
            (
                a,
                units["org"][unit],
                unit,
                atype,
                "visual" if atype == "nts" else METHOD_OF_UNIT[units["unit_type"][unit]],
                start,
                None,
                "planned",
                hz.bm_x[a],
                hz.bm_y[a],
                0,
                0.0,
                0,
                0.0,
            ),
            strict=True,
        ):
            acts[key].append(val)
        reported[a] = min(reported[a], _days(today, -30))

    # EOD spot tasks: single items reported near the former front line (not linked to an area)
    n_eod = max(3, round(0.03 * n))
    line = region.front_line
    s = rng.uniform(0, shapely.length(line), n_eod)
    p = shapely.line_interpolate_point(line, s)
    ex = shapely.get_x(p) + rng.laplace(0, 2000, n_eod)
    ey = shapely.get_y(p) + rng.laplace(0, 2000, n_eod)
    hw, hh = region.frame.half_w, region.frame.half_h
    ex, ey = np.clip(ex, -hw + 100, hw - 100), np.clip(ey, -hh + 100, hh - 100)
    eod_first = len(acts["area"])
    for j in range(n_eod):
        pool = by_type["eod"]
        unit = int(pool[rng.integers(len(pool))])
        d = _days(EPOCH, rng.integers(0, (today - EPOCH).days))
        for key, val in zip(
            acts,
            (None, units["org"][unit], unit, "eod", "manual", d, d, "completed", ex[j], ey[j], 0, 0.0, 1, 0.0),
            strict=True,
        ):
            acts[key].append(val)
    out.acts = acts

    # --- land release products
    rel_act = act_of_piece[piece_area, piece_type]
    act_end = [acts["end"][k] or _last_progress_day(acts, k) for k in range(len(acts["area"]))]
    depth = (
        np.array([max(DEPTH_CM[c] for c in set(hz.dev_susp[a]) | set(hz.dev_conf[a])) for a in w.tolist()])
        if m
        else np.zeros(0)
    )
    out.releases = {
        "area": w[piece_area].tolist(),
        "activity": rel_act.tolist(),
        "rel_type": [RELEASE_TYPES[t] for t in piece_type.tolist()],
        "depth_cm": [
            float(depth[i]) if t == 2 else None for i, t in zip(piece_area.tolist(), piece_type.tolist(), strict=True)
        ],
        "date": [act_end[k] for k in rel_act.tolist()],
    }
    out.release_geoms = pieces

    # --- daily progress of clearance and BAC activities
    acts_wd = np.array(acts["wd"])
    typ = np.array(acts["act_type"])
    prog = np.flatnonzero(np.isin(typ, ["clearance", "bac"]) & (np.array(acts["status"]) != "planned"))
    days = acts_wd[prog]
    owner = np.repeat(np.arange(prog.size), days)
    j = np.arange(owner.size) - np.repeat(np.cumsum(days) - days, days)
    start64 = np.array([acts["start"][k] for k in prog], dtype="datetime64[D]")
    date64 = start64[owner] + (j + j // 6)
    wgt = rng.uniform(0.8, 1.2, owner.size)
    norm = np.bincount(owner, wgt, minlength=prog.size)
    total = np.array(acts["total"])[prog]
    worked_m2 = total[owner] * wgt / norm[owner]
    rate = np.array(acts["rate"])[prog][owner]
    team = np.array(acts["deminers"])[prog][owner]
    manual = np.isin(np.array(acts["method"])[prog][owner], ["manual"])
    dem = np.where(manual, np.clip(np.round(worked_m2 / np.maximum(rate, 1)), 1, team), team)
    out.progress = {
        "activity": prog[owner].tolist(),
        "date": date64.tolist(),
        "worked_m2": np.round(worked_m2, 1).tolist(),
        "deminers": dem.astype(int).tolist(),
        "hours": np.round(rng.uniform(4.5, 6.0, owner.size), 1).tolist(),
    }
    first_day = np.concatenate([[0], np.cumsum(days)[:-1]]) if prog.size else np.zeros(0, int)
    prog_pos = {int(k): i for i, k in enumerate(prog.tolist())}

    # --- EO finds: a few per cleared strip of a confirmed area, of the area's confirmed devices
    cleared = np.flatnonzero((piece_type == 2) & cha[w[piece_area]])
    lam = np.clip(0.5 + shapely.area(pieces[cleared]) / 3000, 0.5, 12)
    nf = rng.poisson(lam)
    f_piece = np.repeat(cleared, nf)
    fx, fy = random_points_in(rng, pieces, f_piece)
    f_area = w[piece_area[f_piece]]
    f_act = rel_act[f_piece]
    f_cat = [hz.dev_conf[a][rng.integers(len(hz.dev_conf[a]))] for a in f_area.tolist()]
    f_day = [int(first_day[prog_pos[k]] + rng.integers(days[prog_pos[k]])) for k in f_act.tolist()]
    f_date = [out.progress["date"][d] for d in f_day]
    finds_per_day = np.bincount(np.array(f_day, int), minlength=owner.size)
    out.progress["finds"] = finds_per_day.tolist()
    # EOD spot task finds
    eod_acts = np.arange(eod_first, eod_first + n_eod)
    eod_cat = rng.choice(["uxo", "submunition", "axo", "uxo"], size=n_eod).tolist()
    f_cat += eod_cat
    f_act = np.concatenate([f_act, eod_acts])
    f_area_list: list[int | None] = f_area.tolist() + [None] * n_eod
    f_date += [acts["start"][k] for k in eod_acts.tolist()]
    fx = np.concatenate([fx, ex + rng.normal(0, 2, n_eod)])
    fy = np.concatenate([fy, ey + rng.normal(0, 2, n_eod)])
    nfind = len(f_cat)
    act_depth = {int(k): depth[i] for i, k in zip(piece_area.tolist(), rel_act.tolist(), strict=True)}
    fmax = np.array(
        [min(FIND_DEPTH_MAX[c], act_depth.get(int(k), 50.0)) for c, k in zip(f_cat, f_act.tolist(), strict=True)]
    )
    cond = rng.choice(["intact", "damaged", "armed", "fuzed", "unknown"], size=nfind, p=[0.45, 0.2, 0.2, 0.1, 0.05])
    disp = rng.choice(
        ["destroyed_in_situ", "removed_destroyed", "rendered_safe", "handed_to_authority"],
        size=nfind,
        p=[0.7, 0.2, 0.07, 0.03],
    )
    out.finds = {
        "category": f_cat,
        "model": [MODELS[c][rng.integers(len(MODELS[c]))] for c in f_cat],
        "condition": cond.tolist(),
        "depth_cm": np.round(rng.uniform(0, 1, nfind) * fmax, 0).tolist(),
        "quantity": np.where(np.isin(f_cat, ["submunition", "axo"]), rng.integers(1, 6, nfind), 1).tolist(),
        "disposal": disp.tolist(),
        "date": f_date,
        "activity": f_act.tolist(),
        "area": f_area_list,
    }
    out.find_xy = np.column_stack([fx, fy])
    out.status, out.reported, out.benef_conf = status, reported, benef_conf
    return out


def _merge_slivers(
    piece_area: np.ndarray, piece_type: np.ndarray, pieces: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Join every strip smaller than MIN_PIECE_M2 to the strip beside it in the same area.

    Why: the record counts an area as fully released once less than
    `domain.release.FULLY_RELEASED_M2` (geodesic) is left, and then refuses any further release
    from it (IMAS 07.11: only an open area releases land). A 1 m² sliver cut last from an area in the
    local frame can measure 0.998 m² geodesically, so it closed the area before its own release row
    (20,000 areas, seed 3). Dropping the sliver instead would leave a fully worked area open. The
    strips of an area are cut in order along one axis (`pieces` is sorted by area, then kind), so the
    previous kept strip (or else the next one) shares an edge with the sliver. An area whose strips
    are all below 1 m² keeps none: it was not worked.
    """
    pa = shapely.area(pieces)
    keep = pa >= MIN_PIECE_M2
    if keep.all():
        return piece_area, piece_type, pieces
    pieces = pieces.copy()
    starts = np.flatnonzero(np.r_[True, piece_area[1:] != piece_area[:-1]])
    ends = np.r_[starts[1:], piece_area.size]
    for s, e in zip(starts.tolist(), ends.tolist(), strict=True):
        if keep[s:e].all():
            continue
        idx = np.arange(s, e)
        big = idx[keep[s:e]]
        if big.size == 0:
            best = idx[np.argmax(pa[s:e])]
            if pa[s:e].sum() < 1.0:
                continue
            keep[best] = True
            big = np.array([best])
        for j in idx[~keep[s:e]].tolist():
            before = big[big < j]
            target = int(before[-1]) if before.size else int(big[big > j][0])
            pieces[target] = shapely.union(pieces[target], pieces[j])
    return piece_area[keep], piece_type[keep], pieces[keep]


def _last_progress_day(acts: dict[str, list], k: int) -> dt.date:
    wd = acts["wd"][k]
    return _days(acts["start"][k], _calendar(max(wd, 1) - 1))


def hz_reported_default(rng: np.random.Generator, n: int, today: dt.date) -> list[dt.date]:
    span = (today - EPOCH).days - 60
    return [_days(EPOCH, d) for d in rng.integers(0, span, n).tolist()]
