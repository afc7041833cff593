"""Baselines: a plan frozen with the record state it used, and the record held against it (issue 14).

A *baseline* is a plan (`plan run`) saved with everything needed to judge it later without planning
again: every task with its team, unit, dates and expected cancelled / reduced / cleared m² (IMAS 07.11),
the rates it assumed, its forecast (P10/P50/P90), the scenario text, and the state of the record it
used (each planned area's remaining m²). It is written once to `baseline.json` with a SHA-256 digest;
a changed file is refused, so a baseline cannot drift.

*Plan against actual* reads the record as it is now — activities, daily progress reports, land release
products, EO finds and QA visits dated from the plan start to `as_of` — and compares, per month, unit,
team and area: planned against achieved m² by release type, tasks started or finished late, rates
achieved against assumed; then re-forecasts the rest from the current record with the rates the
teams actually achieved (P10/P50/P90 beside the baseline's). A *deployment report* does the same for
one unit (and the units under it) inside its deployment window: planned release, release achieved by
type, finds, QA results, rates, and how the region's completion forecast moved.

Planned release is counted when its task ends, as the forecast counts it: the expected cancelled m² at
the end of the area's NTS (at its TS/clearance end when it has no NTS task), reduced and cleared m² at
the end of TS/clearance.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import json
import os
import tomllib
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

from landrelease.errors import NotFound, ValidationError
from landrelease.planning.capacity import LAND_CLASSES, TEAM_TYPES
from landrelease.planning.forecast import percentiles
from landrelease.planning.productivity import PERSON_BASIS, Rate, RateTable
from landrelease.planning.scenario import parse_scenario
from landrelease.service.planning import SYNTHETIC_BANNER, Outcome, read_record, run_outcome, run_scenario
from landrelease.service.store import Store
from landrelease.service.transfer import read_batch

FORMAT = "landrelease-baseline/1"
FILE = "baseline.json"
KINDS = ("cancelled", "reduced", "cleared")
#: Progress reports needed before an achieved rate replaces the assumed one in a re-forecast.
MIN_REPORTS = 5
#: Months of planned release kept in a baseline (P10/P50/P90 per month end).
MONTHS = 36


# --------------------------------------------------------------------------- freezing


def save(
    store: Store, scenario: str | os.PathLike[str], out: str | os.PathLike[str], *, scheduler: str | None = None
) -> dict:
    """`landrelease plan baseline`: `plan run` into `out`, then freeze the plan as `out/baseline.json`."""
    o, s = run_outcome(store, scenario, out, scheduler=scheduler)
    text = Path(scenario).read_text(encoding="utf-8")
    data = freeze(o, text)
    path = Path(out) / FILE
    path.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
    return {**s, "baseline": str(path), "tasks": len(data["tasks"]), "digest": data["digest"]}


def freeze(o: Outcome, scenario_text: str) -> dict:
    """The baseline of one plan: tasks, teams, rates, forecast and the record state it used."""
    plan, fc = o.plan, o.forecast
    areas, e = plan.areas, plan.expected
    has_nts = np.zeros(len(areas), bool)
    has_nts[plan.nts.area[plan.nts.team >= 0]] = True
    tasks = []
    for st in (plan.nts, plan.physical):
        for j in np.flatnonzero(st.team >= 0):
            a, k = int(st.area[j]), int(st.team[j])
            if st.name == "nts":
                m2 = {"cancelled": e.cancel[a], "reduced": 0.0, "cleared": 0.0}
            else:
                m2 = {"cancelled": 0.0 if has_nts[a] else e.cancel[a], "reduced": e.reduce[a], "cleared": e.clear[a]}
            tasks.append(
                {
                    "area": str(areas.code[a]),
                    "stage": st.name,
                    "team": str(plan.teams.code[k]),
                    "unit": str(plan.teams.unit[k]),
                    "team_type": TEAM_TYPES[plan.teams.type_index[k]],
                    "land_class": LAND_CLASSES[int(areas.land_class[a])],
                    "start": _iso(plan.date(st.start[j]).item()),
                    "end": _iso(plan.date(st.end[j]).item()),
                    "work_days": round(float(st.work_days[j, k]), 3),
                    **{f"{kind}_m2": round(float(v), 1) for kind, v in m2.items()},
                }
            )
    t = plan.teams
    teams = [
        {
            "team": str(t.code[k]),
            "unit": str(t.unit[k]),
            "team_type": TEAM_TYPES[t.type_index[k]],
            "size": float(t.size[k]),
            "first": _iso(plan.date(t.first[k]).item()),
            "last": _iso(plan.date(t.last[k]).item()) if np.isfinite(t.last[k]) else None,
        }
        for k in range(len(t))
    ]
    q = percentiles(fc.completion)
    region = percentiles(fc.region_completion())
    months = []
    for m in range(1, MONTHS + 1):
        end = _month_end(plan.start, m)
        rel = percentiles(fc.released_by((end - plan.start).days + 1))
        months.append(
            {
                "month": end.strftime("%Y-%m"),
                **{f"released_p{p}_m2": round(float(v), 1) for p, v in zip((10, 50, 90), rel, strict=True)},
            }
        )
    data = {
        "format": FORMAT,
        "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "synthetic": bool(o.synthetic),
        "scenario": {
            "name": o.scenario.name,
            "start": plan.start.isoformat(),
            "seed": o.scenario.seed,
            "simulations": int(fc.completion.shape[0]),
            "toml": scenario_text,
        },
        "record": {
            "areas": {
                str(areas.code[a]): {
                    "remaining_m2": round(float(areas.remaining[a]), 1),
                    "region": str(areas.region[a]),
                    "p10": _iso(plan.date(q[0, a]).item()),
                    "p50": _iso(plan.date(q[1, a]).item()),
                    "p90": _iso(plan.date(q[2, a]).item()),
                }
                for a in range(len(areas))
            },
        },
        "forecast": {
            "region": {f"p{p}": _iso(plan.date(v).item()) for p, v in zip((10, 50, 90), region, strict=True)},
            "months": months,
        },
        "rates": [
            {k: r[k] for k in ("type", "class", "rate", "basis", "log_sd", "reports", "source")} for r in o.rates.rows()
        ],
        "teams": teams,
        "tasks": tasks,
    }
    data["digest"] = _digest(data)
    return data


def load(path: str | os.PathLike[str]) -> dict:
    """A baseline from its folder or file; refuses a file changed since it was frozen."""
    p = Path(path)
    if p.is_dir():
        p = p / FILE
    try:
        data = json.loads(p.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise NotFound(f"{p}: no baseline here; save one with `landrelease plan baseline SCENARIO --out DIR`") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ValidationError(f"{p.name}: not a baseline file ({exc})", field="baseline") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise ValidationError(f"{p.name}: not a {FORMAT} file", field="baseline")
    if data.get("digest") != _digest({k: v for k, v in data.items() if k != "digest"}):
        raise ValidationError(
            f"{p.name} was changed after it was frozen (digest mismatch); save a new baseline instead", field="baseline"
        )
    return data


def _digest(data: dict) -> str:
    body = json.dumps({k: v for k, v in data.items() if k != "digest"}, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


def _iso(d: Any) -> str | None:
    return d.isoformat() if isinstance(d, dt.date) else None


def _month_end(start: dt.date, m: int) -> dt.date:
    """Last day of the m-th month counted from `start`'s month (m = 1: `start`'s own month)."""
    y, mo = divmod(start.month - 1 + m, 12)
    return dt.date(start.year + y, mo + 1, 1) - dt.timedelta(days=1)


# --------------------------------------------------------------------------- what happened


class _Actual:
    """The record's activities, progress, releases, finds and QA visits, dated in [start, as_of]."""

    def __init__(self, store: Store, start: dt.date, as_of: dt.date | None) -> None:
        act = read_batch(store, "activity").columns
        self.act_unit = dict(zip(act["code"], act["unit"], strict=True))
        self.act_area = dict(zip(act["code"], act["area"], strict=True))
        units = read_batch(store, "unit").columns
        self.unit_type = dict(zip(units["code"], units["unit_type"], strict=True))
        self.children: dict[str, list[str]] = defaultdict(list)
        for c, parent in zip(units["code"], units["parent"], strict=True):
            if parent:
                self.children[parent].append(c)
        ha = read_batch(store, "hazardous_area").columns
        self.status = dict(zip(ha["code"], ha["status"], strict=True))
        self.remain = dict(zip(ha["code"], ha["remain_m2"], strict=True))
        self.terrain = dict(zip(ha["code"], ha["terrain"], strict=True))
        pr = read_batch(store, "progress_report").columns
        rel = read_batch(store, "land_release").columns
        finds = read_batch(store, "eo_find").columns
        qa = read_batch(store, "qa_visit").columns
        dates = [d for d in list(pr["date"]) + list(rel["date"]) if d and d >= start]
        self.as_of = as_of or (max(dates) if dates else start)
        if self.as_of < start:
            raise ValidationError(f"as of {self.as_of} is before the plan start {start}", field="as_of")

        def keep(d) -> bool:
            return d is not None and start <= d <= self.as_of

        self.progress = [
            {"activity": a, "unit": u or self.act_unit.get(a), "date": d, "worked_m2": w or 0.0, "deminers": n}
            for a, u, d, w, n in zip(
                pr["activity"], pr["unit"], pr["date"], pr["worked_m2"], pr["deminers"], strict=True
            )
            if keep(d)
        ]
        self.releases = [
            {"area": ar, "unit": self.act_unit.get(a), "kind": k, "date": d, "m2": m or 0.0}
            for ar, a, k, d, m in zip(
                rel["area"], rel["activity"], rel["rel_type"], rel["date"], rel["area_m2"], strict=True
            )
            if keep(d)
        ]
        self.finds = [
            {
                "unit": self.act_unit.get(a),
                "area": ar or self.act_area.get(a),
                "category": c,
                "quantity": q or 1,
                "date": d,
            }
            for a, ar, c, q, d in zip(
                finds["activity"], finds["area"], finds["category"], finds["quantity"], finds["date"], strict=True
            )
            if keep(d)
        ]
        self.qa = [
            {"unit": self.act_unit.get(a), "passed": p, "date": d}
            for a, p, d in zip(qa["activity"], qa["passed"], qa["date"], strict=True)
            if keep(d)
        ]
        first: dict[str, dt.date] = {}
        for r in self.progress:
            area = self.act_area.get(r["activity"])
            if area and (area not in first or r["date"] < first[area]):
                first[area] = r["date"]
        self.first_work = first
        last_release: dict[str, dt.date] = {}
        for r in self.releases:
            if r["area"] not in last_release or r["date"] > last_release[r["area"]]:
                last_release[r["area"]] = r["date"]
        self.finished = {
            a: d
            for a, d in last_release.items()
            if self.status.get(a) != "open" or float(self.remain.get(a) or 0) <= 1.0
        }

    def descendants(self, code: str) -> set[str]:
        out, todo = set(), [code]
        while todo:
            c = todo.pop()
            out.add(c)
            todo.extend(self.children.get(c, []))
        return out


def actual(
    store: Store,
    baseline: str | os.PathLike[str],
    *,
    as_of: dt.date | None = None,
    reforecast: bool = True,
    simulations: int | None = None,
) -> dict:
    """`landrelease plan actual`: the baseline against the record (module docstring)."""
    b = load(baseline)
    start = dt.date.fromisoformat(b["scenario"]["start"])
    act = _Actual(store, start, as_of)
    due = [t for t in b["tasks"] if t["end"] and t["end"] <= act.as_of.isoformat()]
    planned_areas = set(b["record"]["areas"])
    report = {
        "baseline": b,
        "as_of": act.as_of,
        "months": _months(b, act, planned_areas),
        "units": _units(b, act, due),
        "teams": _teams(b, act),
        "areas": _areas(b, act),
        "rates": _rates(b, act, set(t["unit"] for t in b["teams"])),
        "totals": _totals(b, act, due, planned_areas),
    }
    if reforecast:
        report["reforecast"] = _reforecast(store, b, act, report["rates"], simulations=simulations)
    return report


def _by_kind(rows: Iterable[dict]) -> dict[str, float]:
    out = dict.fromkeys(KINDS, 0.0)
    for r in rows:
        out[r["kind"]] += float(r["m2"])
    return out


def _planned_m2(tasks: Iterable[dict]) -> dict[str, float]:
    out = dict.fromkeys(KINDS, 0.0)
    for t in tasks:
        for k in KINDS:
            out[k] += float(t[f"{k}_m2"])
    return out


def _months(b: dict, act: _Actual, areas: set[str]) -> list[dict]:
    start = dt.date.fromisoformat(b["scenario"]["start"])
    rows = []
    m = 1
    while True:
        end = _month_end(start, m)
        first = max(start, end.replace(day=1))
        if first > act.as_of:
            break
        lo, hi = first.isoformat(), end.isoformat()
        planned = _planned_m2(t for t in b["tasks"] if t["end"] and lo <= t["end"] <= hi)
        achieved = _by_kind(r for r in act.releases if r["area"] in areas and first <= r["date"] <= end)
        rows.append(
            {
                "month": end.strftime("%Y-%m"),
                **{f"planned_{k}_m2": round(planned[k], 1) for k in KINDS},
                **{f"achieved_{k}_m2": round(achieved[k], 1) for k in KINDS},
                "planned_m2": round(sum(planned.values()), 1),
                "achieved_m2": round(sum(achieved.values()), 1),
            }
        )
        m += 1
    return rows


def _late(t: dict, act: _Actual) -> tuple[bool, bool]:
    """(started late, finished late) for a planned task, as of `act.as_of`."""
    as_of = act.as_of.isoformat()
    first = act.first_work.get(t["area"])
    done = act.finished.get(t["area"])
    started_late = t["start"] <= as_of and (first is None or first.isoformat() > t["start"])
    finished_late = t["end"] <= as_of and (done is None or done.isoformat() > t["end"])
    return started_late, finished_late


def _units(b: dict, act: _Actual, due: list[dict]) -> list[dict]:
    by_unit: dict[str, list[dict]] = defaultdict(list)
    for t in due:
        by_unit[t["unit"]].append(t)
    rows = []
    for unit in sorted(set(t["unit"] for t in b["teams"])):
        tasks = by_unit.get(unit, [])
        planned = _planned_m2(tasks)
        achieved = _by_kind(r for r in act.releases if r["unit"] == unit)
        late = [_late(t, act) for t in tasks if t["stage"] == "physical"]
        rows.append(
            {
                "unit": unit,
                "tasks_due": len(tasks),
                **{f"planned_{k}_m2": round(planned[k], 1) for k in KINDS},
                **{f"achieved_{k}_m2": round(achieved[k], 1) for k in KINDS},
                "started_late": sum(s for s, _ in late),
                "finished_late": sum(f for _, f in late),
            }
        )
    return rows


def _teams(b: dict, act: _Actual) -> list[dict]:
    rows = []
    as_of = act.as_of.isoformat()
    by_team: dict[str, list[dict]] = defaultdict(list)
    for t in b["tasks"]:
        by_team[t["team"]].append(t)
    for team in b["teams"]:
        tasks = by_team.get(team["team"], [])
        due = [t for t in tasks if t["end"] and t["end"] <= as_of]
        late = [_late(t, act) for t in due]
        done = [t for t in due if t["area"] in act.finished]
        rows.append(
            {
                "team": team["team"],
                "unit": team["unit"],
                "team_type": team["team_type"],
                "tasks_planned": len(tasks),
                "tasks_due": len(due),
                "areas_finished": len(done),
                "planned_m2_due": round(sum(sum(_planned_m2([t]).values()) for t in due), 1),
                "started_late": sum(s for s, _ in late),
                "finished_late": sum(f for _, f in late),
            }
        )
    return rows


def _areas(b: dict, act: _Actual) -> list[dict]:
    as_of = act.as_of.isoformat()
    tasks: dict[str, dict[str, dict]] = defaultdict(dict)
    for t in b["tasks"]:
        tasks[t["area"]][t["stage"]] = t
    rows = []
    for code, stages in sorted(tasks.items()):
        ph = stages.get("physical") or stages.get("nts")
        if ph["start"] is None or ph["start"] > as_of:
            continue
        planned = _planned_m2(stages.values())
        achieved = _by_kind(r for r in act.releases if r["area"] == code)
        started_late, finished_late = _late(ph, act)
        first, done = act.first_work.get(code), act.finished.get(code)
        rows.append(
            {
                "area": code,
                "team": ph["team"],
                "unit": ph["unit"],
                "planned_start": ph["start"],
                "planned_end": ph["end"],
                "first_work": first.isoformat() if first else "",
                "finished": done.isoformat() if done else "",
                **{f"planned_{k}_m2": round(planned[k], 1) for k in KINDS},
                **{f"achieved_{k}_m2": round(achieved[k], 1) for k in KINDS},
                "started_late": started_late,
                "finished_late": finished_late,
            }
        )
    return rows


def _rates(b: dict, act: _Actual, units: set[str]) -> list[dict]:
    """Achieved rates per team type × land class from the period's progress reports, beside the assumed."""
    assumed = {(r["type"], r["class"]): r for r in b["rates"]}
    groups: dict[tuple[str, str], list[float]] = defaultdict(list)
    for r in act.progress:
        u = r["unit"]
        t = act.unit_type.get(u)
        if u not in units or t not in TEAM_TYPES or r["worked_m2"] <= 0:
            continue
        area = act.act_area.get(r["activity"])
        cls = act.terrain.get(area) if act.terrain.get(area) in LAND_CLASSES else LAND_CLASSES[1]
        if t in PERSON_BASIS:
            if not r["deminers"]:
                continue
            groups[(t, cls)].append(r["worked_m2"] / r["deminers"])
        else:
            groups[(t, cls)].append(r["worked_m2"])
    rows = []
    for (t, cls), vals in sorted(groups.items()):
        a = assumed[(t, cls)]
        v = np.asarray(vals)
        mean = float(v.mean())
        rows.append(
            {
                "type": t,
                "class": cls,
                "basis": a["basis"],
                "reports": len(vals),
                "achieved": round(mean, 1),
                "assumed": round(float(a["rate"]), 1),
                "ratio": round(mean / a["rate"], 3) if a["rate"] else None,
                "log_sd": round(float(np.std(np.log(v)) / np.sqrt(len(v))), 3) if len(v) > 1 else None,
            }
        )
    return rows


def _totals(b: dict, act: _Actual, due: list[dict], areas: set[str]) -> dict:
    planned = _planned_m2(due)
    achieved = _by_kind(r for r in act.releases if r["area"] in areas)
    physical = [t for t in due if t["stage"] == "physical"]
    late = [_late(t, act) for t in physical]
    return {
        "planned_m2": planned,
        "achieved_m2": achieved,
        "tasks_due": len(physical),
        "started_late": sum(s for s, _ in late),
        "finished_late": sum(f for _, f in late),
        "finds": sum(int(f["quantity"]) for f in act.finds if f["area"] in areas),
    }


def _reforecast(store: Store, b: dict, act: _Actual, rates: list[dict], *, simulations: int | None) -> dict:
    """Plan the rest from the record as it is now, from the day after `as_of`, at the achieved rates."""
    sc = parse_scenario(tomllib.loads(b["scenario"]["toml"]), name=b["scenario"]["name"])
    sc = replace(sc, start=act.as_of + dt.timedelta(days=1))
    achieved = {(r["type"], r["class"]): r for r in rates if r["reports"] >= MIN_REPORTS}

    def adjust(table: RateTable) -> RateTable:
        out = {t: list(v) for t, v in table.rates.items()}
        for (t, cls), r in achieved.items():
            c = LAND_CLASSES.index(cls)
            old = out[t][c]
            sd = max(float(r["log_sd"] or 0.0), 0.1)  # past teams are not future teams (as learn_rates)
            out[t][c] = Rate(
                float(r["achieved"]),
                float(np.hypot(sd, 0.1)),
                r["reports"],
                f"achieved since the baseline ({old.source})",
            )
        return RateTable({t: tuple(v) for t, v in out.items()}, table.size)

    rec = read_record(store)
    try:
        o = run_scenario(rec, sc, simulations=simulations, adjust_rates=adjust)
    except ValidationError as exc:
        return {"error": str(exc)}
    region = percentiles(o.forecast.region_completion())
    return {
        "start": sc.start,
        "rates_replaced": len(achieved),
        "remaining_km2": float(o.plan.areas.remaining.sum()) / 1e6,
        "region": {f"p{p}": o.plan.date(v).item() for p, v in zip((10, 50, 90), region, strict=True)},
        "outcome": o,
    }


# --------------------------------------------------------------------------- a unit's deployment


def deployment(
    store: Store,
    baseline: str | os.PathLike[str],
    unit: str,
    *,
    start: dt.date | None = None,
    end: dt.date | None = None,
    reforecast: bool = True,
    simulations: int | None = None,
) -> dict:
    """`landrelease plan deployment`: one unit (and the units under it) inside its deployment window."""
    b = load(baseline)
    sc = parse_scenario(tomllib.loads(b["scenario"]["toml"]), name=b["scenario"]["name"])
    window = dict(sc.deployments).get(unit)
    start = start or (window.start if window else sc.start)
    end = end or (window.end if window and window.end else None)
    if end is None:
        raise ValidationError(f"{unit} has no deployment window in the baseline's scenario; give --end", field="end")
    if end < start:
        raise ValidationError("the window ends before it starts", field="end")
    act = _Actual(store, start, end)
    if unit not in act.unit_type:
        raise NotFound(f"unknown unit '{unit}'")
    units = act.descendants(unit)
    lo, hi = start.isoformat(), end.isoformat()
    tasks = [t for t in b["tasks"] if t["unit"] in units and t["end"] and lo <= t["end"] <= hi]
    releases = [r for r in act.releases if r["unit"] in units]
    finds = [f for f in act.finds if f["unit"] in units]
    qa = [q for q in act.qa if q["unit"] in units]
    by_cat: dict[str, int] = defaultdict(int)
    for f in finds:
        by_cat[f["category"]] += int(f["quantity"])
    physical = [t for t in tasks if t["stage"] == "physical"]
    late = [_late(t, act) for t in physical]
    out = {
        "baseline": b,
        "unit": unit,
        "units": len(units),
        "start": start,
        "end": end,
        "teams": sum(1 for t in b["teams"] if t["unit"] in units),
        "tasks": len(tasks),
        "areas_finished": sum(1 for t in physical if t["area"] in act.finished),
        "started_late": sum(s for s, _ in late),
        "finished_late": sum(f for _, f in late),
        "planned_m2": _planned_m2(tasks),
        "achieved_m2": _by_kind(releases),
        "region_achieved_m2": _by_kind(r for r in act.releases if r["area"] in b["record"]["areas"]),
        "finds": dict(sorted(by_cat.items())),
        "qa": {
            "visits": len(qa),
            "passed": sum(1 for q in qa if q["passed"]),
            "failed": sum(1 for q in qa if q["passed"] is False),
        },
        "rates": _rates(b, act, units),
    }
    if reforecast:
        out["reforecast"] = _reforecast(
            store, b, act, _rates(b, act, set(t["unit"] for t in b["teams"])), simulations=simulations
        )
    return out


# --------------------------------------------------------------------------- writing


def _km2(m2: float) -> str:
    return f"{m2 / 1e6:.3f}"


def _moved(b: dict, rf: dict) -> list[str]:
    if "error" in rf:
        return [f"Re-forecast not possible: {rf['error']}"]
    base = b["forecast"]["region"]
    lines = [
        f"Re-forecast from {rf['start']} on the record as it is now ({rf['remaining_km2']:.2f} km² still hazardous), "
        f"{rf['rates_replaced']} rate(s) replaced by the rates achieved (≥ {MIN_REPORTS} reports each):",
        "",
        "| region complete | baseline | re-forecast |",
        "| --- | --- | --- |",
    ]
    for p in (10, 50, 90):
        lines.append(
            f"| P{p} | {base[f'p{p}'] or 'beyond the horizon'} | {rf['region'][f'p{p}'] or 'beyond the horizon'} |"
        )
    return lines


def _rate_table(rates: list[dict]) -> list[str]:
    lines = [
        "| type | class | reports | achieved | assumed | achieved ÷ assumed |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for x in rates:
        lines.append(
            f"| {x['type']} | {x['class']} | {x['reports']} | {x['achieved']:,.1f} "
            f"| {x['assumed']:,.1f} {x['basis']} | {x['ratio']} |"
        )
    if not rates:
        lines.append("| (no progress report in the period) | | | | | |")
    return lines


def actual_text(r: dict) -> str:
    b, tot = r["baseline"], r["totals"]
    lines = [
        f"# Plan against actual: {b['scenario']['name']}",
        "",
        *([SYNTHETIC_BANNER, ""] if b["synthetic"] else []),
        f"Baseline frozen {b['created']} (plan start {b['scenario']['start']}, digest {b['digest'][:12]}); "
        f"record read as of {r['as_of']}.",
        "",
        "| m² | " + " | ".join(KINDS) + " | total |",
        "| --- | --- | --- | --- | --- |",
        "| planned by "
        + str(r["as_of"])
        + " | "
        + " | ".join(f"{tot['planned_m2'][k]:,.0f}" for k in KINDS)
        + f" | {sum(tot['planned_m2'].values()):,.0f} |",
        "| achieved | "
        + " | ".join(f"{tot['achieved_m2'][k]:,.0f}" for k in KINDS)
        + f" | {sum(tot['achieved_m2'].values()):,.0f} |",
        "",
        f"TS/clearance tasks due by {r['as_of']}: {tot['tasks_due']}; started late {tot['started_late']}, "
        f"finished late (or not yet) {tot['finished_late']}. EO items found on planned areas: {tot['finds']}.",
        "",
        "## By month (m²)",
        "",
        "| month | planned | achieved | achieved cancelled / reduced / cleared |",
        "| --- | --- | --- | --- |",
    ]
    for m in r["months"]:
        lines.append(
            f"| {m['month']} | {m['planned_m2']:,.0f} | {m['achieved_m2']:,.0f} | "
            + " / ".join(f"{m[f'achieved_{k}_m2']:,.0f}" for k in KINDS)
            + " |"
        )
    lines += [
        "",
        "## By unit (m², tasks due by the as-of date)",
        "",
        "| unit | tasks due | planned | achieved | started late | finished late |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for u in r["units"]:
        if u["tasks_due"] or any(u[f"achieved_{k}_m2"] for k in KINDS):
            planned = sum(u[f"planned_{k}_m2"] for k in KINDS)
            achieved = sum(u[f"achieved_{k}_m2"] for k in KINDS)
            lines.append(
                f"| {u['unit']} | {u['tasks_due']} | {planned:,.0f} | {achieved:,.0f} "
                f"| {u['started_late']} | {u['finished_late']} |"
            )
    lines += ["", "## Rates achieved against assumed", "", *_rate_table(r["rates"])]
    if "reforecast" in r:
        lines += ["", "## Re-forecast", "", *_moved(b, r["reforecast"])]
    lines += ["", "Per team and per area: `teams.csv`, `areas.csv`; per month and unit: `months.csv`, `units.csv`."]
    return "\n".join(lines) + "\n"


def write_actual(r: dict, out: str | os.PathLike[str]) -> None:
    d = Path(out)
    d.mkdir(parents=True, exist_ok=True)
    flag = "yes" if r["baseline"]["synthetic"] else "no"
    for name in ("months", "units", "teams", "areas", "rates"):
        rows = [dict(x, synthetic=flag) for x in r[name]]
        with open(d / f"{name}.csv", "w", newline="", encoding="utf-8") as f:
            if rows:
                w = csv.DictWriter(f, fieldnames=list(rows[0]))
                w.writeheader()
                w.writerows(rows)
    (d / "actual.md").write_text(actual_text(r), encoding="utf-8")


def deployment_text(r: dict) -> str:
    b = r["baseline"]
    pl, ac = r["planned_m2"], r["achieved_m2"]
    region = sum(r["region_achieved_m2"].values())
    share = sum(ac.values()) / region if region else 0.0
    lines = [
        f"# Deployment report: {r['unit']}, {r['start']} – {r['end']}",
        "",
        *([SYNTHETIC_BANNER, ""] if b["synthetic"] else []),
        f"Against the baseline '{b['scenario']['name']}' (frozen {b['created']}, digest {b['digest'][:12]}): "
        f"{r['units']} unit(s), {r['teams']} planned team(s), {r['tasks']} task(s) planned to end in the window.",
        "",
        "| m² | cancelled | reduced | cleared | total |",
        "| --- | --- | --- | --- | --- |",
        "| planned | " + " | ".join(f"{pl[k]:,.0f}" for k in KINDS) + f" | {sum(pl.values()):,.0f} |",
        "| released | " + " | ".join(f"{ac[k]:,.0f}" for k in KINDS) + f" | {sum(ac.values()):,.0f} |",
        "",
        f"Released {_km2(sum(ac.values()))} km² of the {_km2(sum(pl.values()))} km² planned "
        f"({100 * sum(ac.values()) / max(sum(pl.values()), 1e-9):.0f} %); {100 * share:.0f} % of all land released "
        f"in the region in the window. Areas finished: {r['areas_finished']}; TS/clearance tasks started late "
        f"{r['started_late']}, finished late or not yet {r['finished_late']}.",
        "",
        "Finds (EO items): " + (", ".join(f"{k} {v}" for k, v in r["finds"].items()) or "none") + ".",
        f"QA visits: {r['qa']['visits']} ({r['qa']['passed']} passed, {r['qa']['failed']} failed).",
        "",
        "## Rates",
        "",
        *_rate_table(r["rates"]),
    ]
    if "reforecast" in r:
        lines += ["", "## The region's completion forecast", "", *_moved(b, r["reforecast"])]
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------- simulated progress (demo)

METHOD = {
    "manual": "manual",
    "bac": "manual",
    "mechanical": "mechanical",
    "mdd": "mdd",
    "eod": "manual",
    "survey": "visual",
}
CLEARED_BY = {"bac": "bac", "eod": "eod"}


def simulate_actual(
    store: Store,
    baseline: str | os.PathLike[str],
    *,
    until: dt.date,
    unit: str | None = None,
    pace: float = 0.8,
    seed: int = 1,
) -> dict[str, int]:
    """Record SYNTHETIC progress against a baseline on a synthetic demo record (never a real one).

    Each planned task of `unit` (and the units under it; every unit by default) that starts by
    `until` is worked from its planned start (TS/clearance not before its area's NTS has ended) at
    `pace` × the planned speed (log-normal spread 0.25 per task): an activity, one progress report per
    working day (Mon–Fri) at the assumed rate × that speed, and, when the task ends by `until`, its
    land release (IMAS 07.11) — an NTS cancels the planned share of the area (a strip of the remaining
    polygon), TS/clearance then reduces or clears all that is left (drawn in the planned proportions) —
    with EO finds on cleared land and a QC inspection of every fifth release. One transaction,
    through the write path's checks and audit, every record marked synthetic.
    """

    import shapely

    from landrelease.domain.batch import Batch
    from landrelease.domain.model import entity
    from landrelease.service.write import write_batch_in
    from landrelease.store import repo

    b = load(baseline)
    if not b["synthetic"]:
        raise ValidationError("simulated progress goes only into a synthetic demo record", field="baseline")
    rng = np.random.default_rng(seed)
    ha = read_batch(store, "hazardous_area", geometry="remaining")
    c = ha.columns
    idx = {code: i for i, code in enumerate(c["code"])}
    act = _Actual(store, dt.date.fromisoformat(b["scenario"]["start"]), until)
    units = act.descendants(unit) if unit else None
    if unit and unit not in act.unit_type:
        raise NotFound(f"unknown unit '{unit}'")
    size = {t["team"]: t["size"] for t in b["teams"]}
    rate = {(r["type"], r["class"]): float(r["rate"]) for r in b["rates"]}
    rows: dict[str, list[dict]] = defaultdict(list)
    releases = []
    gone: set[int] = set()
    nts_done: dict[int, dt.date] = {}
    for t in sorted(b["tasks"], key=lambda t: (t["start"] or "9999", t["area"])):
        if units is not None and t["unit"] not in units:
            continue
        if t["start"] is None or t["start"] > until.isoformat() or t["unit"] not in act.unit_type:
            continue
        i = idx.get(t["area"])
        if i is None or i in gone or c["status"][i] != "open" or not float(c["remain_m2"][i] or 0) > 1.0:
            continue
        begin = dt.date.fromisoformat(t["start"])
        if t["stage"] == "physical" and i in nts_done:  # TS/clearance after the area's NTS (IMAS 07.11)
            begin = max(begin, nts_done[i] + dt.timedelta(days=1))
        if begin > until:
            continue
        speed = pace * rng.lognormal(0.0, 0.25)  # achieved ÷ planned, this task
        days = max(1.0, t["work_days"] / speed)
        workdays = [
            begin + dt.timedelta(d) for d in range(int(days * 7 / 5) + 3) if (begin + dt.timedelta(d)).weekday() < 5
        ]
        workdays = workdays[: max(1, int(round(days)))]
        finished = workdays[-1] <= until
        worked = [d for d in workdays if d <= until]
        if not worked:
            continue
        remain = float(c["remain_m2"][i])
        share = 1.0  # of the area's remaining polygon this task releases
        if t["stage"] == "nts":
            share = min(1.0, t["cancelled_m2"] / max(remain, 1.0))
            kind = "cancelled" if share > 0.01 else None
            act_type = "nts"
        else:
            m2 = np.array([t[f"{k}_m2"] for k in ("reduced", "cleared")], float)
            kind = ("reduced", "cleared")[int(rng.choice(2, p=m2 / m2.sum()))] if m2.sum() > 0 else "cleared"
            act_type = {"cancelled": "nts", "reduced": "ts"}.get(kind, CLEARED_BY.get(t["team_type"], "clearance"))
        rows["activity"].append(
            {
                "act_type": act_type,
                "area": t["area"],
                "unit": t["unit"],
                "method": METHOD[t["team_type"]],
                "start": worked[0],
                "end": worked[-1] if finished else None,
                "status": "completed" if finished else "ongoing",
                "synthetic": True,
            }
        )
        a = len(rows["activity"]) - 1
        deminers = int(round(size[t["team"]])) if t["team_type"] in PERSON_BASIS else None
        per_day = rate[(t["team_type"], t["land_class"])] * (deminers or 1) * speed
        left = remain  # a day's work never goes past what the area still holds (domain/entry_rules.py)
        for d in worked:
            today_m2 = round(min(per_day, left), 1)
            if today_m2 <= 0:
                break
            left -= today_m2
            rows["progress_report"].append(
                {
                    "_a": a,
                    "unit": t["unit"],
                    "date": d,
                    "worked_m2": today_m2,
                    "deminers": deminers,
                    "synthetic": True,
                }
            )
        if finished and t["stage"] == "nts":
            nts_done[i] = worked[-1]
        if finished and kind is not None:
            releases.append((a, i, kind, worked[-1], share))
            if share >= 0.999:
                gone.add(i)  # the whole area is released: it is closed
    counts: dict[str, int] = {}
    if not rows["activity"]:
        return counts
    with repo.write_transaction(store.engine) as conn:
        txn = repo.new_id()
        note = f"synthetic progress against baseline {b['digest'][:12]}"

        def write(kind: str, cols: dict, geoms=None) -> list[str]:
            res = write_batch_in(conn, store.actor, Batch(entity(kind), cols, geoms), note=note, txn=txn, guard=store)
            counts[kind] = counts.get(kind, 0) + len(res.codes)
            return res.codes

        acts = rows["activity"]
        codes = write("activity", {k: [r[k] for r in acts] for k in acts[0]})
        pr = rows["progress_report"]
        write(
            "progress_report",
            {"activity": [codes[r["_a"]] for r in pr], **{k: [r[k] for r in pr] for k in pr[0] if k != "_a"}},
        )
        if releases:
            cut: dict[int, Any] = {}  # the NTS piece of each area: TS/clearance releases the rest
            pieces = []
            for _, i, kind, _, share in releases:
                g = ha.geoms[i]
                if kind == "cancelled":
                    cut[i] = _part(g, share)
                    pieces.append(cut[i])
                else:
                    pieces.append(_polygonal(shapely.difference(g, cut[i])) if i in cut else g)
            geoms = np.array(pieces, dtype=object)
            write(
                "land_release",
                {
                    "area": [c["code"][i] for _, i, _, _, _ in releases],
                    "activity": [codes[a] for a, _, _, _, _ in releases],
                    "rel_type": [k for _, _, k, _, _ in releases],
                    "depth_cm": [13.0 if k == "cleared" else None for _, _, k, _, _ in releases],
                    "date": [d for _, _, _, d, _ in releases],
                    "synthetic": [True] * len(releases),
                },
                geoms,
            )
            cleared = [(a, i, d) for a, i, k, d, _ in releases if k == "cleared"]
            n_finds = rng.poisson(2.0, len(cleared))
            finds = [(a, i, d) for (a, i, d), n in zip(cleared, n_finds, strict=True) for _ in range(int(n))]
            if finds:
                pts = _points_within(rng, np.array([ha.geoms[i] for _, i, _ in finds], dtype=object))
                cats = [(c["dev_conf"][i] or c["dev_susp"][i] or ["ap_mine"])[0] for _, i, _ in finds]
                write(
                    "eo_find",
                    {
                        "category": cats,
                        "quantity": [1] * len(finds),
                        "date": [d for _, _, d in finds],
                        "activity": [codes[a] for a, _, _ in finds],
                        "area": [c["code"][i] for _, i, _ in finds],
                        "synthetic": [True] * len(finds),
                    },
                    pts,
                )
            visits = releases[::5]
            write(
                "qa_visit",
                {
                    "date": [d + dt.timedelta(days=3) for _, _, _, d, _ in visits],
                    "visit_type": ["qc_inspection"] * len(visits),
                    "activity": [codes[a] for a, _, _, _, _ in visits],
                    "passed": [bool(rng.random() < 0.9) for _ in visits],
                    "synthetic": [True] * len(visits),
                },
            )
    return counts


def _part(geom, share: float):
    """The western `share` of a polygon by area (a strip cut at the matching longitude, bisected):
    what an NTS cancels of an area, the rest left for TS/clearance."""
    import shapely

    if share >= 0.999:
        return geom
    minx, miny, maxx, maxy = geom.bounds
    total = geom.area
    lo, hi = minx, maxx
    for _ in range(30):
        mid = 0.5 * (lo + hi)
        if shapely.intersection(geom, shapely.box(minx - 1, miny - 1, mid, maxy + 1)).area < share * total:
            lo = mid
        else:
            hi = mid
    return _polygonal(shapely.intersection(geom, shapely.box(minx - 1, miny - 1, hi, maxy + 1)))


def _polygonal(geom):
    from landrelease.demo.shapes import polygonal

    return polygonal(np.array([geom], dtype=object))[0]


def _points_within(rng: np.random.Generator, polys: np.ndarray) -> np.ndarray:
    """One random point inside each polygon (rejection sampling in its bounding box; its point on
    surface when 50 draws miss): two finds on one area are two items, never the same point twice."""
    import shapely

    out = shapely.point_on_surface(polys)
    todo = np.arange(len(polys))
    b = shapely.bounds(polys)
    for _ in range(50):
        if not todo.size:
            break
        x = rng.uniform(b[todo, 0], b[todo, 2])
        y = rng.uniform(b[todo, 1], b[todo, 3])
        p = shapely.points(x, y)
        hit = shapely.contains(polys[todo], p)
        out[todo[hit]] = p[hit]
        todo = todo[~hit]
    return out
