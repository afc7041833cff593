"""The synthetic demo region: a whole national record, made up, deterministic by seed.

No open hazardous-area polygons exist for any affected country (DOMAIN.md, "Open data"), and real
hazard coordinates are sensitive, so the demo, the benchmarks and the tests run on a generated region:
~100 × 70 km placed by default around where the mission was conceived (51.1–51.7 °N, 34.8–36.2 °E),
with fictional settlements, roads, a former front line, admin areas, hazardous areas along the line,
their partial land release history (IMAS 07.11), finds, accidents, risk education, QA, and the
people and units who did the work — among them one regiment of ~1,000 sappers deployed for three
months. Every record is marked ``synthetic`` and every organisation says so in its name.

`generate()` is pure: no database, no files. It returns batches ordered so that every reference
points to a record of an earlier batch (or an earlier record of the same batch).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import shapely

from landrelease.demo.events import build_events
from landrelease.demo.hazards import build_hazards
from landrelease.demo.region import build_region
from landrelease.demo.release import build_release
from landrelease.demo.shapes import LocalFrame
from landrelease.demo.workforce import MILITARY, NMAA, ORGS, build_workforce
from landrelease.domain import model as m
from landrelease.domain.batch import Batch

DEFAULT_BBOX = (34.78, 51.085, 36.22, 51.715)
DEFAULT_TODAY = dt.date(2026, 11, 1)
# one independent random stream per stage, so that changing one stage leaves the others alone
_STAGES = {"region": 1, "workforce": 2, "hazards": 3, "release": 4, "events": 5, "attrs": 6}


@dataclass
class DemoData:
    batches: list[Batch]
    bbox: tuple[float, float, float, float]
    seed: int
    n_areas: int
    today: dt.date
    extra: dict[str, Any] = field(default_factory=dict)

    def batch(self, kind: str) -> Batch:
        for b in self.batches:
            if b.entity.kind == kind:
                return b
        raise KeyError(kind)

    def counts(self) -> dict[str, int]:
        return {b.entity.kind: len(b) for b in self.batches}

    def summary(self) -> str:
        lines = [
            f"Synthetic demo region (seed {self.seed}, {self.n_areas} hazardous areas, "
            f"bbox {', '.join(f'{v:.3f}' for v in self.bbox)}, as of {self.today.isoformat()})"
        ]
        lines += [f"  {kind:<16} {count:>9,}" for kind, count in self.counts().items()]
        return "\n".join(lines)


def _codes(prefix: str, dates: list[dt.date | None] | None, n: int, default_year: int) -> list[str]:
    """PREFIX-YEAR-NNNNNN (the year of the record's date) or PREFIX-NNNNNN; unique per kind."""
    if dates is None:
        return [f"{prefix}-{i:06d}" for i in range(1, n + 1)]
    return [f"{prefix}-{(d.year if d else default_year)}-{i:06d}" for i, d in enumerate(dates, 1)]


def _refs(codes: list[str], idx: list[int | None]) -> list[str | None]:
    return [None if i is None else codes[i] for i in idx]


def _batch(entity: m.Entity, columns: dict[str, Any], codes: list[str], geoms: np.ndarray | None = None) -> Batch:
    cols = {"code": codes, **columns, "synthetic": [True] * len(codes)}
    return Batch(entity, cols, geoms)


def _rng(seed: int, stage: str) -> np.random.Generator:
    return np.random.default_rng([seed, _STAGES[stage]])


def generate(
    n_areas: int = 2000,
    seed: int = 1,
    bbox: tuple[float, float, float, float] | None = None,
    today: dt.date = DEFAULT_TODAY,
) -> DemoData:
    if n_areas < 10:
        raise ValueError("n_areas must be at least 10")
    bbox = tuple(float(v) for v in (bbox or DEFAULT_BBOX))  # type: ignore[assignment]
    frame = LocalFrame.for_bbox(bbox)
    year = today.year

    region = build_region(_rng(seed, "region"), frame, bbox)
    settle_ll = np.column_stack(frame.xy_to_lonlat(region.settle_xy[:, 0], region.settle_xy[:, 1]))
    towns = np.argsort(-region.settle_pop, kind="stable")[:3]
    wf = build_workforce(_rng(seed, "workforce"), n_areas, settle_ll, towns, today)
    hz = build_hazards(_rng(seed, "hazards"), n_areas, region)
    rel = build_release(_rng(seed, "release"), hz, wf, region, today)
    operators = [i for i in range(len(ORGS)) if i != NMAA]
    ev = build_events(_rng(seed, "events"), hz, rel, region, operators, today)
    rng = _rng(seed, "attrs")

    def ll_points(xy: np.ndarray) -> np.ndarray:
        return frame.to_lonlat(shapely.points(xy)) if len(xy) else np.empty(0, dtype=object)

    def ll(x: Any, y: Any) -> tuple[list[float], list[float]]:
        lon, lat = frame.xy_to_lonlat(np.asarray(x, float), np.asarray(y, float))
        return np.round(lon, 7).tolist(), np.round(lat, 7).tolist()

    batches: list[Batch] = []

    # organisations and accreditations
    org_codes = _codes("ORG", None, len(ORGS), year)
    batches.append(
        _batch(
            m.ORGANISATION,
            {
                "name": [o[0] for o in ORGS],
                "short_name": [o[1] for o in ORGS],
                "org_kind": [o[2] for o in ORGS],
                "country": ["XSY"] * len(ORGS),
            },
            org_codes,
        )
    )
    acc = wf.accreditations
    batches.append(
        _batch(
            m.ACCREDITATION,
            {**acc, "org": _refs(org_codes, acc["org"])},
            _codes("ACR", acc["valid_from"], len(acc["org"]), year),
        )
    )

    # units (parents come before their children), people, qualifications, trainings
    un = wf.units
    unit_codes = _codes("UNIT", None, len(un["name"]), year)
    batches.append(
        _batch(
            m.UNIT, {**un, "org": _refs(org_codes, un["org"]), "parent": _refs(unit_codes, un["parent"])}, unit_codes
        )
    )
    pe = wf.people
    person_codes = _codes("PER", None, len(pe["full_name"]), year)
    batches.append(
        _batch(
            m.PERSON, {**pe, "org": _refs(org_codes, pe["org"]), "unit": _refs(unit_codes, pe["unit"])}, person_codes
        )
    )
    q = wf.qualifications
    batches.append(
        _batch(
            m.QUALIFICATION,
            {**q, "person": _refs(person_codes, q["person"])},
            _codes("QUAL", q["awarded"], len(q["person"]), year),
        )
    )
    t = wf.trainings
    batches.append(
        _batch(
            m.TRAINING,
            {**t, "person": _refs(person_codes, t["person"])},
            _codes("TRN", t["start"], len(t["person"]), year),
        )
    )

    # deployments: derived from where and when each unit worked; the regiment for three months
    acts = rel.acts
    dep: dict[tuple[int, int], list[dt.date]] = {}
    for k, a in enumerate(acts["area"]):
        if a is None or acts["status"][k] == "planned":
            continue
        key = (acts["unit"][k], int(hz.admin2_idx[a]))
        s, e = acts["start"][k], acts["end"][k] or today
        if key in dep:
            dep[key][0], dep[key][1] = min(dep[key][0], s), max(dep[key][1], e)
        else:
            dep[key] = [s, e]
    idle_units = sorted({u for u, ut in enumerate(un["unit_type"]) if ut != "command"} - {u for u, _ in dep})
    for u in idle_units:
        s = dt.date(2022, 3, 1) + dt.timedelta(days=int(rng.integers(0, (today - dt.date(2022, 3, 1)).days - 90)))
        dep[(u, int(rng.integers(len(region.districts))))] = [s, s + dt.timedelta(days=90)]
    win_s, win_e = rel.deploy_window
    deploy_poly = shapely.union_all(region.districts[rel.deploy_districts])
    dkeys = sorted(dep)
    d_unit = [wf.regiment] + [u for u, _ in dkeys]
    d_start = [win_s] + [dep[k][0] for k in dkeys]
    d_end = [win_e] + [dep[k][1] for k in dkeys]
    d_admin = [None] + [region.district_names[d] for _, d in dkeys]
    d_task = ["Three-month deployment of ~1,000 sappers (SYNTHETIC)"] + ["Tasking in district (SYNTHETIC)"] * len(dkeys)
    d_geoms = np.array([deploy_poly] + [region.districts[d] for _, d in dkeys], dtype=object)
    batches.append(
        _batch(
            m.DEPLOYMENT,
            {"unit": _refs(unit_codes, d_unit), "admin_area": d_admin, "start": d_start, "end": d_end, "task": d_task},
            _codes("DEP", d_start, len(d_unit), year),
            d_geoms,
        )
    )

    # reference layers
    r_kind: list[str] = []
    r_name: list[str | None] = []
    r_pop: list[int | None] = []
    r_level: list[int | None] = []
    r_geoms: list[Any] = []

    def add_refs(
        kind: str, names: list[str], geoms: np.ndarray, pop: list | None = None, level: int | None = None
    ) -> None:
        r_kind.extend([kind] * len(names))
        r_name.extend(names)
        r_pop.extend(pop if pop is not None else [None] * len(names))
        r_level.extend([level] * len(names))
        r_geoms.extend(list(geoms))

    add_refs("settlement", region.settle_names, ll_points(region.settle_xy), region.settle_pop.tolist())
    add_refs("road", region.road_names, frame.to_lonlat(region.roads))
    add_refs("front_line", ["Former line of contact (SYNTHETIC)"], frame.to_lonlat(np.array([region.front_line])))
    add_refs("admin_area", region.region_names, region.regions, level=1)
    add_refs("admin_area", region.district_names, region.districts, level=2)
    add_refs(
        "region",
        ["Synthetic demo region (SYNTHETIC)", "Regiment deployment region (SYNTHETIC)"],
        np.array([shapely.box(*bbox), deploy_poly], dtype=object),
    )
    batches.append(
        _batch(
            m.REFERENCE,
            {"ref_kind": r_kind, "name": r_name, "population": r_pop, "level": r_level},
            _codes("REF", None, len(r_kind), year),
            np.array(r_geoms, dtype=object),
        )
    )

    # hazardous areas (codes numbered in order of reporting)
    n = len(hz)
    reported = rel.reported
    order = np.argsort(np.array(reported, dtype="datetime64[D]"), kind="stable")
    rank = np.empty(n, int)
    rank[order] = np.arange(1, n + 1)
    ha_codes = [f"HA-{reported[i].year}-{rank[i]:06d}" for i in range(n)]
    bm_lon, bm_lat = ll(hz.bm_x, hz.bm_y)
    reporter = rng.choice([NMAA, *operators], size=n).tolist()
    batches.append(
        _batch(
            m.HAZARDOUS_AREA,
            {
                "name": hz.name,
                "haz_type": hz.haz_type.tolist(),
                "status": rel.status.tolist(),
                "dev_susp": hz.dev_susp,
                "dev_conf": [c or None for c in hz.dev_conf],
                "evidence": hz.evidence,
                "evid_desc": hz.evid_desc,
                "bm_lon": bm_lon,
                "bm_lat": bm_lat,
                "benef_exp": hz.benef_exp.tolist(),
                "benef_conf": rel.benef_conf,
                "land_use": hz.land_use.tolist(),
                "blockages": [b or None for b in hz.blockages],
                "terrain": hz.terrain.tolist(),
                "admin1": hz.admin1,
                "admin2": hz.admin2,
                "settlement": hz.settlement,
                "org": _refs(org_codes, reporter),
                "reported": reported,
            },
            ha_codes,
            frame.to_lonlat(hz.geoms_xy),
        )
    )

    # activities and their daily progress
    act_codes = _codes("ACT", acts["start"], len(acts["area"]), year)
    ref_lon, ref_lat = ll(acts["ref_x"], acts["ref_y"])
    batches.append(
        _batch(
            m.ACTIVITY,
            {
                "act_type": acts["act_type"],
                "area": _refs(ha_codes, acts["area"]),
                "org": _refs(org_codes, acts["org"]),
                "unit": _refs(unit_codes, acts["unit"]),
                "method": acts["method"],
                "start": acts["start"],
                "end": acts["end"],
                "status": acts["status"],
                "ref_lon": ref_lon,
                "ref_lat": ref_lat,
            },
            act_codes,
        )
    )
    pr = rel.progress
    pr_units = [acts["unit"][k] for k in pr["activity"]]
    batches.append(
        _batch(
            m.PROGRESS,
            {
                "activity": _refs(act_codes, pr["activity"]),
                "unit": _refs(unit_codes, pr_units),
                "date": pr["date"],
                "worked_m2": pr["worked_m2"],
                "finds": pr["finds"],
                "deminers": pr["deminers"],
                "hours": pr["hours"],
            },
            _codes("PR", pr["date"], len(pr["date"]), year),
        )
    )

    # land release products
    lr = rel.releases
    batches.append(
        _batch(
            m.LAND_RELEASE,
            {
                "area": _refs(ha_codes, lr["area"]),
                "activity": _refs(act_codes, lr["activity"]),
                "rel_type": lr["rel_type"],
                "depth_cm": lr["depth_cm"],
                "date": lr["date"],
            },
            _codes("LR", lr["date"], len(lr["area"]), year),
            frame.to_lonlat(rel.release_geoms),
        )
    )

    # finds
    fd = rel.finds
    batches.append(
        _batch(
            m.EO_FIND,
            {
                **fd,
                "activity": _refs(act_codes, fd["activity"]),
                "area": _refs(ha_codes, fd["area"]),
            },
            _codes("EO", fd["date"], len(fd["date"]), year),
            ll_points(rel.find_xy),
        )
    )

    # accidents and victims
    ac = ev.accidents
    acc_codes = _codes("ACC", ac["date"], len(ac["date"]), year)
    batches.append(
        _batch(
            m.ACCIDENT,
            {
                **ac,
                "area": _refs(ha_codes, ac["area"]),
                "activity": _refs(act_codes, ac["activity"]),
            },
            acc_codes,
            ll_points(ev.accident_xy),
        )
    )
    vi = ev.victims
    batches.append(
        _batch(
            m.VICTIM,
            {**vi, "accident": _refs(acc_codes, vi["accident"])},
            _codes("VIC", [ac["date"][i] for i in vi["accident"]], len(vi["accident"]), year),
        )
    )

    # risk education, QA visits, nonconformities
    re_ = ev.risk_education
    hw, hh = frame.half_w, frame.half_h
    re_xy = np.column_stack([np.clip(ev.re_xy[:, 0], -hw + 10, hw - 10), np.clip(ev.re_xy[:, 1], -hh + 10, hh - 10)])
    batches.append(
        _batch(
            m.RISK_EDUCATION,
            {**re_, "org": _refs(org_codes, re_["org"])},
            _codes("RE", re_["date"], len(re_["date"]), year),
            ll_points(re_xy),
        )
    )
    qa = ev.qa_visits
    qa_codes = _codes("QA", qa["date"], len(qa["date"]), year)
    batches.append(
        _batch(
            m.QA_VISIT,
            {
                **qa,
                "activity": _refs(act_codes, qa["activity"]),
                "org": _refs(org_codes, qa["org"]),
                "inspector": _refs(org_codes, qa["inspector"]),
            },
            qa_codes,
            ll_points(ev.qa_xy),
        )
    )
    nc = ev.nonconformities
    batches.append(
        _batch(
            m.NONCONFORMITY,
            {**nc, "visit": _refs(qa_codes, nc["visit"])},
            _codes("NC", [qa["date"][v] for v in nc["visit"]], len(nc["visit"]), year),
        )
    )

    order_kinds = (
        "organisation",
        "accreditation",
        "unit",
        "person",
        "qualification",
        "training",
        "deployment",
        "reference",
        "hazardous_area",
        "activity",
        "progress_report",
        "land_release",
        "eo_find",
        "accident",
        "victim",
        "risk_education",
        "qa_visit",
        "nonconformity",
    )
    batches.sort(key=lambda b: order_kinds.index(b.entity.kind))
    return DemoData(
        batches=batches,
        bbox=bbox,
        seed=seed,
        n_areas=n_areas,
        today=today,
        extra={
            "regiment": unit_codes[wf.regiment],
            "military_org": org_codes[MILITARY],
            "deployment_window": rel.deploy_window,
        },
    )
