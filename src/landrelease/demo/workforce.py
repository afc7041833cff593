"""Synthetic organisations, accreditations, units, personnel, qualifications and trainings.

One national authority, five fictional operators (NGOs, a company, army engineers, civil
protection), teams of every type, and one engineer regiment of ~1,000 sappers (regiment →
companies → platoons) as in the deployment this project was conceived from (DOMAIN.md).
Competencies follow IMAS 09.30 (EOD levels 1, 2, 3, 3+; MDD handler; medic; team leader).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np

from landrelease.demo import names

ORGS = (  # name, short name, kind
    ("Synthetic National Mine Action Authority (SYNTHETIC)", "SNMAA", "nmaa"),
    ("Synthetic Demining Group (SYNTHETIC)", "SDG", "ngo"),
    ("Fictional Humanitarian Demining Aid (SYNTHETIC)", "FHDA", "ngo"),
    ("Imaginary Clearance Services Ltd (SYNTHETIC)", "ICS", "commercial"),
    ("Synthetic Army Engineer Command (SYNTHETIC)", "SAEC", "military"),
    ("Synthetic State Emergency Service (SYNTHETIC)", "SSES", "civil_protection"),
)
NMAA, MILITARY = 0, 4
ACCREDITED = {  # org index → activity types accredited
    1: ("nts", "ts", "clearance", "bac", "eod"),
    2: ("nts", "ts", "clearance"),
    3: ("ts", "clearance", "bac"),
    4: ("ts", "clearance", "bac", "eod"),
    5: ("nts", "bac", "eod"),
}
TEAM_TYPES = ("manual", "mechanical", "mdd", "eod", "bac", "survey")
TEAM_P = (0.40, 0.12, 0.15, 0.13, 0.10, 0.10)
TEAM_SIZE = {"manual": (8, 12), "mechanical": (4, 6), "mdd": (4, 6), "eod": (3, 5), "bac": (6, 10), "survey": (2, 4)}
EQUIPMENT = {
    "manual": "metal detectors, prodders, PPE",
    "mechanical": "armoured flail machine, tiller, metal detectors",
    "mdd": "2 mine detection dogs, metal detectors",
    "eod": "EOD kit, bomb suit, demolition charges",
    "bac": "large-loop detectors, magnetometers",
    "survey": "GNSS receivers, drone, survey tablets",
    "command": "command post vehicles",
}
FIELD_ROLE = {
    "manual": "deminer",
    "mechanical": "machine operator",
    "mdd": "MDD handler",
    "eod": "EOD operator",
    "bac": "deminer",
    "survey": "surveyor",
}
CENTRES = (
    "Synthetic Demining Training Centre (SYNTHETIC)",
    "Fictional EOD School (SYNTHETIC)",
    "Synthetic Engineer Training Base (SYNTHETIC)",
)
COURSES = {
    "deminer": ("Basic humanitarian demining (IMAS 09.10)", 30),
    "eod1": ("EOD level 1", 20),
    "eod2": ("EOD level 2", 30),
    "eod3": ("EOD level 3", 45),
    "eod3_plus": ("EOD level 3+ (IED)", 40),
    "mdd_handler": ("MDD handler course", 60),
    "medic": ("Demining medic course", 25),
    "team_leader": ("Team leader course", 15),
    "machine_operator": ("Demining machine operator course", 20),
    "surveyor": ("Non-technical survey course", 10),
}
ROLE_COMPETENCIES = {
    "team leader": ("team_leader", "deminer", "eod2"),
    "platoon commander": ("team_leader", "deminer", "eod2"),
    "company commander": ("team_leader", "eod3"),
    "regiment commander": ("team_leader", "eod3"),
    "staff officer": ("deminer", "eod1"),
    "section leader": ("deminer", "eod2"),
    "deminer": ("deminer", "eod1"),
    "sapper": ("deminer", "eod1"),
    "medic": ("medic",),
    "MDD handler": ("mdd_handler", "deminer"),
    "machine operator": ("machine_operator", "deminer"),
    "EOD operator": ("deminer", "eod3"),
    "surveyor": ("surveyor", "eod1"),
}


@dataclass
class Workforce:
    accreditations: dict[str, list] = field(default_factory=dict)
    units: dict[str, list] = field(default_factory=dict)  # name, org, parent (index), unit_type…
    people: dict[str, list] = field(default_factory=dict)
    qualifications: dict[str, list] = field(default_factory=dict)
    trainings: dict[str, list] = field(default_factory=dict)
    regiment: int = 0  # unit index of the regiment
    platoons: list[int] = field(default_factory=list)  # regiment's working platoons


def _date(d: dt.date, days: float) -> dt.date:
    return d + dt.timedelta(days=int(days))


def build_workforce(
    rng: np.random.Generator,
    n_areas: int,
    settle_lonlat: np.ndarray,
    town_idx: np.ndarray,
    today: dt.date,
) -> Workforce:
    wf = Workforce()
    start = dt.date(2022, 3, 1)

    # Accreditations: two-year periods renewed up to the present (IMAS 07.30).
    acc: dict[str, list] = {k: [] for k in ("org", "act_type", "valid_from", "valid_to", "reference")}
    for org, types in ACCREDITED.items():
        for t in types:
            frm = _date(start, rng.integers(0, 240))
            while frm <= today:
                to = _date(frm, 730) - dt.timedelta(days=1)
                acc["org"].append(org)
                acc["act_type"].append(t)
                acc["valid_from"].append(frm)
                acc["valid_to"].append(to)
                acc["reference"].append(f"SYN-ACC/{frm.year}/{len(acc['org']):04d}")
                frm = to + dt.timedelta(days=1)
    wf.accreditations = acc

    units: dict[str, list] = {
        k: [] for k in ("name", "org", "parent", "unit_type", "size", "equipment", "base_lon", "base_lat")
    }

    def add_unit(name: str, org: int, parent: int | None, utype: str, size: int, base: int) -> int:
        units["name"].append(name)
        units["org"].append(org)
        units["parent"].append(parent)
        units["unit_type"].append(utype)
        units["size"].append(size)
        units["equipment"].append(EQUIPMENT[utype])
        units["base_lon"].append(float(settle_lonlat[base, 0]))
        units["base_lat"].append(float(settle_lonlat[base, 1]))
        return len(units["name"]) - 1

    # The regiment: HQ 20 + 4 companies × (HQ 5 + 6 platoons × 40) = 1,000 sappers.
    base = int(town_idx[0])
    wf.regiment = add_unit("1st Synthetic Engineer Regiment (SYNTHETIC)", MILITARY, None, "command", 1000, base)
    members: list[tuple[int, str, int]] = [(wf.regiment, "regiment commander", 1)]
    members.append((wf.regiment, "staff officer", 19))
    platoon_types = ("manual", "manual", "manual", "mechanical", "mdd", "eod")
    for c, letter in enumerate("ABCD"):
        comp = add_unit(
            f"{letter} Company, 1st Synthetic Engineer Regiment", MILITARY, wf.regiment, "command", 245, base
        )
        members += [(comp, "company commander", 1), (comp, "staff officer", 3), (comp, "medic", 1)]
        for p, ptype in enumerate(platoon_types):
            ptype = "bac" if (ptype == "mdd" and c % 2) else ptype
            pl = add_unit(f"{p + 1} Platoon, {letter} Company (SYNTHETIC)", MILITARY, comp, ptype, 40, base)
            wf.platoons.append(pl)
            members += [(pl, "platoon commander", 1), (pl, "medic", 2), (pl, "section leader", 3)]
            role = FIELD_ROLE[ptype] if ptype != "manual" else "sapper"
            if ptype in ("mechanical", "mdd", "eod"):
                members += [(pl, role, 10), (pl, "sapper", 24)]
            else:
                members += [(pl, role, 34)]

    # Teams of the civilian operators, scaling with the size of the problem.
    n_teams = int(np.clip(10 + n_areas / 200, 15, 500))
    team_orgs = rng.choice([1, 2, 3, 5], size=n_teams, p=[0.35, 0.2, 0.25, 0.2])
    team_types = rng.choice(TEAM_TYPES, size=n_teams, p=TEAM_P)
    team_types = np.where((team_orgs == 5) & np.isin(team_types, ["mechanical", "mdd"]), "eod", team_types)
    team_types[: len(TEAM_TYPES)] = TEAM_TYPES  # every type at least once
    counters: dict[tuple[int, str], int] = {}
    for org, utype in zip(team_orgs.tolist(), team_types.tolist(), strict=True):
        lo, hi = TEAM_SIZE[utype]
        size = int(rng.integers(lo, hi + 1))
        k = counters[(org, utype)] = counters.get((org, utype), 0) + 1
        label = {"mdd": "MDD", "eod": "EOD", "bac": "BAC"}.get(utype, utype.capitalize())
        u = add_unit(
            f"{ORGS[org][1]} {label} Team {k} (SYNTHETIC)",
            org,
            None,
            utype,
            size,
            int(rng.integers(len(settle_lonlat))),
        )
        roles = [(u, "team leader", 1)]
        rest = size - 1
        if size >= 5:
            roles.append((u, "medic", 1))
            rest -= 1
        if size >= 8:
            roles.append((u, "section leader", 1))
            rest -= 1
        roles.append((u, FIELD_ROLE[utype], rest))
        members += roles
    wf.units = units

    # People, their qualifications and the courses that gave them.
    people: dict[str, list] = {k: [] for k in ("full_name", "org", "unit", "role", "gender")}
    quals: dict[str, list] = {k: [] for k in ("person", "competency", "awarded", "expires")}
    trn: dict[str, list] = {k: [] for k in ("person", "course", "centre", "start", "end", "result")}
    rows = [(u, role) for u, role, count in members for _ in range(count)]
    orgs = np.array([units["org"][u] for u, _ in rows])
    female = rng.uniform(size=len(rows)) < np.where(orgs == MILITARY, 0.08, 0.22)
    genders = np.where(female, "female", "male")
    full_names = names.people(rng, genders)
    span = (today - dt.date(2019, 1, 1)).days
    for p, ((u, role), g, nm) in enumerate(zip(rows, genders.tolist(), full_names, strict=True)):
        people["full_name"].append(nm)
        people["org"].append(units["org"][u])
        people["unit"].append(u)
        people["role"].append(role)
        people["gender"].append(g)
        comps = list(ROLE_COMPETENCIES[role])
        if role == "EOD operator" and rng.uniform() < 0.15:
            comps.append("eod3_plus")
        for comp in comps:
            awarded = _date(dt.date(2019, 1, 1), rng.integers(0, span - 30))
            years = 3 if comp.startswith("eod") else 2
            quals["person"].append(p)
            quals["competency"].append(comp)
            quals["awarded"].append(awarded)
            quals["expires"].append(_date(awarded, 365 * years))
            course, days = COURSES[comp]
            if rng.uniform() < 0.05:  # a failed first attempt before the pass
                fs = _date(awarded, -days - rng.integers(30, 200))
                for k, val in zip(
                    trn, (p, course, CENTRES[rng.integers(3)], fs, _date(fs, days), "failed"), strict=True
                ):
                    trn[k].append(val)
            for k, val in zip(
                trn, (p, course, CENTRES[rng.integers(3)], _date(awarded, -days), awarded, "passed"), strict=True
            ):
                trn[k].append(val)
        if rng.uniform() < 0.03:  # refresher under way
            s = _date(today, -rng.integers(1, 10))
            for k, val in zip(
                trn, (p, "Refresher: IMAS 10.10 demining safety", CENTRES[0], s, _date(s, 14), "ongoing"), strict=True
            ):
                trn[k].append(val)
    wf.people, wf.qualifications, wf.trainings = people, quals, trn
    return wf
