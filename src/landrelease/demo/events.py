"""Synthetic accidents and victims, risk education sessions, QA visits and nonconformities."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np

from landrelease.demo import names
from landrelease.demo.hazards import Hazards
from landrelease.demo.region import Region
from landrelease.demo.release import EPOCH, Release, _days
from landrelease.demo.shapes import random_points_in
from landrelease.demo.workforce import NMAA

CIVIL_ACTIVITY = ("farming", "herding", "collecting_wood", "travelling", "playing", "tampering", "other")
CIVIL_ACTIVITY_P = (0.35, 0.1, 0.15, 0.2, 0.07, 0.05, 0.08)
NC_TEXT = {
    "sop": ("Lane marking not per SOP", "Re-brief team on SOP chapter 5"),
    "safety": ("Safety distance not kept at break", "Enforce 25 m distance; supervisor check"),
    "medical": ("Casualty evacuation plan not rehearsed", "Rehearse CASEVAC weekly"),
    "equipment": ("Detector not tested at start of day", "Daily detector test on test piece"),
    "marking": ("Hazard markers missing on perimeter", "Replace markers within 48 h"),
    "documentation": ("Daily report incomplete", "Complete reports before leaving site"),
    "quality": ("QC sample found item below clearance depth", "Re-clear the lane to full depth"),
}


@dataclass
class Events:
    accidents: dict[str, list] = field(default_factory=dict)
    accident_xy: np.ndarray = field(default_factory=lambda: np.empty((0, 2)))
    victims: dict[str, list] = field(default_factory=dict)
    risk_education: dict[str, list] = field(default_factory=dict)
    re_xy: np.ndarray = field(default_factory=lambda: np.empty((0, 2)))
    qa_visits: dict[str, list] = field(default_factory=dict)
    qa_xy: np.ndarray = field(default_factory=lambda: np.empty((0, 2)))
    nonconformities: dict[str, list] = field(default_factory=dict)


def build_events(
    rng: np.random.Generator,
    hz: Hazards,
    rel: Release,
    region: Region,
    operators: list[int],
    today: dt.date,
) -> Events:
    ev = Events()
    n = len(hz)
    span = (today - EPOCH).days
    acts = rel.acts

    # --- accidents: most civilian, inside open areas near the front line; some demining accidents
    n_acc = max(5, round(0.02 * n))
    demining = rng.uniform(size=n_acc) < 0.15
    clearing = [
        k for k, t in enumerate(acts["act_type"]) if t in ("clearance", "bac") and acts["status"][k] != "planned"
    ]
    if not clearing:
        demining[:] = False
    near = np.flatnonzero(hz.front_dist < np.percentile(hz.front_dist, 60))
    acc_area = rng.choice(near, size=n_acc)
    acc_act: list[int | None] = [None] * n_acc
    acc_date: list[dt.date] = []
    for i in range(n_acc):
        if demining[i]:
            k = clearing[rng.integers(len(clearing))]
            acc_act[i] = k
            acc_area[i] = acts["area"][k]
            s = acts["start"][k]
            e = acts["end"][k] or today
            acc_date.append(_days(s, rng.integers(0, max(1, (e - s).days + 1))))
        else:
            acc_date.append(_days(EPOCH, rng.integers(0, span)))
    ax, ay = random_points_in(rng, hz.geoms_xy, acc_area)
    acc_cat = [
        (hz.dev_conf[a] or hz.dev_susp[a])[rng.integers(len(hz.dev_conf[a] or hz.dev_susp[a]))]
        for a in acc_area.tolist()
    ]
    n_vic = rng.choice([1, 2, 3], size=n_acc, p=[0.7, 0.2, 0.1])
    vic: dict[str, list] = {
        k: []
        for k in ("accident", "full_name", "gender", "birth_date", "age", "address", "outcome", "activity", "tampering")
    }
    killed, injured = [], []
    for i in range(n_acc):
        k_count = 0
        for _ in range(int(n_vic[i])):
            if demining[i]:
                gender = "male" if rng.uniform() < 0.85 else "female"
                age = int(rng.integers(20, 56))
                activity = "demining"
            else:
                gender = "male" if rng.uniform() < 0.75 else "female"
                activity = str(rng.choice(CIVIL_ACTIVITY, p=CIVIL_ACTIVITY_P))
                age = int(rng.integers(6, 17)) if activity == "playing" else int(rng.integers(17, 81))
            outcome = "killed" if rng.uniform() < 0.3 else "injured"
            k_count += outcome == "killed"
            vic["accident"].append(i)
            vic["full_name"].append(names.people(rng, np.array([gender]))[0])
            vic["gender"].append(gender)
            vic["birth_date"].append(_days(acc_date[i], -(age * 365.25 + rng.integers(0, 365))))
            vic["age"].append(age)
            vic["address"].append(f"{hz.settlement[acc_area[i]]} (synthetic address)")
            vic["outcome"].append(outcome)
            vic["activity"].append(activity)
            vic["tampering"].append(activity == "tampering")
        killed.append(k_count)
        injured.append(int(n_vic[i]) - k_count)
    ev.accidents = {
        "date": acc_date,
        "acc_type": ["demining" if d else "civilian" for d in demining.tolist()],
        "category": acc_cat,
        "area": acc_area.tolist(),
        "activity": acc_act,
        "killed": killed,
        "injured": injured,
        "descr": [f"Synthetic record: {c.replace('_', ' ')} accident" for c in acc_cat],
    }
    ev.accident_xy = np.column_stack([ax, ay])
    ev.victims = vic

    # --- risk education sessions at settlements, audience by sex and age (SADD)
    n_re = max(20, round(0.1 * n))
    w = np.sqrt(region.settle_pop)
    s_idx = rng.choice(len(w), size=n_re, p=w / w.sum())
    ev.risk_education = {
        "date": [_days(EPOCH, d) for d in rng.integers(0, span, n_re).tolist()],
        "org": rng.choice(operators, size=n_re).tolist(),
        "method": rng.choice(
            ["face_to_face", "mass_media", "digital", "community_liaison"], size=n_re, p=[0.65, 0.1, 0.1, 0.15]
        ).tolist(),
        "girls": rng.poisson(8, n_re).tolist(),
        "boys": rng.poisson(9, n_re).tolist(),
        "women": rng.poisson(7, n_re).tolist(),
        "men": rng.poisson(5, n_re).tolist(),
        "settlement": [region.settle_names[i] for i in s_idx.tolist()],
    }
    ev.re_xy = region.settle_xy[s_idx] + rng.normal(0, 150, (n_re, 2))

    # --- QA visits on a quarter of the started activities; nonconformities with corrective measures
    started = [k for k, st in enumerate(acts["status"]) if st != "planned"]
    visited = [k for k in started if rng.uniform() < 0.25]
    qa: dict[str, list] = {k: [] for k in ("date", "visit_type", "activity", "org", "inspector", "passed", "remarks")}
    nc: dict[str, list] = {k: [] for k in ("visit", "nc_type", "severity", "descr", "corrective", "due", "closed")}
    qx, qy = [], []
    nc_types = list(NC_TEXT)
    for k in visited:
        s = acts["start"][k]
        e = acts["end"][k] or today
        d = _days(s, rng.integers(0, max(1, (e - s).days + 1)))
        done = acts["status"][k] == "completed" and acts["act_type"][k] in ("clearance", "bac")
        passed = bool(rng.uniform() < 0.85)
        v = len(qa["date"])
        qa["date"].append(d)
        qa["visit_type"].append("qc_inspection" if done and rng.uniform() < 0.4 else "qa_monitoring")
        qa["activity"].append(k)
        qa["org"].append(acts["org"][k])
        qa["inspector"].append(NMAA)
        qa["passed"].append(passed)
        qa["remarks"].append("Synthetic QA record" + ("" if passed else ": suspended pending correction"))
        qx.append(acts["ref_x"][k])
        qy.append(acts["ref_y"][k])
        count = int(rng.integers(1, 4)) if not passed else int(rng.uniform() < 0.2)
        for c in range(count):
            t = nc_types[rng.integers(len(nc_types))]
            sev = ("major" if rng.uniform() < 0.7 else "critical") if not passed and c == 0 else "minor"
            due = _days(d, rng.integers(14, 61))
            closed = _days(due, -rng.integers(0, 10)) if due <= today and rng.uniform() < 0.8 else None
            for key, val in zip(nc, (v, t, sev, NC_TEXT[t][0], NC_TEXT[t][1], due, closed), strict=True):
                nc[key].append(val)
    ev.qa_visits, ev.nonconformities = qa, nc
    ev.qa_xy = np.column_stack([qx, qy]) if qx else np.empty((0, 2))
    return ev
