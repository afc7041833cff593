"""Plan a scenario: read the record set-based into arrays, call the pure engine, write the results.

No ORM objects reach the engine (DESIGN.md): every live record of the kinds planning needs is read
in one query per kind (`transfer.read_batch`), turned into numpy arrays here, and `planning/` does
the rest.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import shapely

from landrelease.errors import NotFound, ValidationError
from landrelease.planning.assumptions import origin, provenance, rate_origins
from landrelease.planning.capacity import LAND_CLASSES, TEAM_TYPES
from landrelease.planning.field import Areas, FieldPlan, expand_units, plan_field
from landrelease.planning.forecast import Forecast, percentiles, simulate
from landrelease.planning.priority import Score, score
from landrelease.planning.productivity import RateTable, learn_rates
from landrelease.planning.release import (
    ReleaseModel,
    contamination_probability,
    expected_release,
    learn_release,
)
from landrelease.planning.scenario import Scenario, load_scenario
from landrelease.service.store import Store
from landrelease.service.transfer import read_batch

ACCIDENT_KM = 2.0
SYNTHETIC_FLAG = {True: "yes", False: "no"}
SYNTHETIC_BANNER = (
    "**SYNTHETIC DATA** — planned on generated demonstration records, not on real hazards; never act on these figures."
)
HORIZONS_MONTHS = (3, 6, 12, 24)


@dataclass
class Record:
    """What planning needs from the record, as arrays (read once, shared by scenarios)."""

    areas: dict[str, np.ndarray]
    geoms: np.ndarray
    units: dict[str, np.ndarray]
    children: dict[str, list[str]]
    progress: dict[str, np.ndarray]
    closed: dict[str, np.ndarray]
    settlement_km: np.ndarray
    road_km: np.ndarray
    accidents: np.ndarray
    synthetic: bool = False  # any open area is synthetic: every output says so


def _local_km(geoms: np.ndarray, lon0: float, lat0: float) -> np.ndarray:
    kx = 111.32 * np.cos(np.radians(lat0))
    return shapely.transform(geoms, lambda c: np.c_[(c[:, 0] - lon0) * kx, (c[:, 1] - lat0) * 110.57])


def _nearest_km(src: np.ndarray, targets: np.ndarray) -> np.ndarray:
    if len(targets) == 0:
        return np.full(len(src), np.inf)
    tree = shapely.STRtree(targets)
    (i, _), d = tree.query_nearest(src, return_distance=True, all_matches=False)
    out = np.full(len(src), np.inf)
    out[i] = d
    return out


def read_record(store: Store) -> Record:
    ha = read_batch(store, "hazardous_area", geometry="remaining")
    c = ha.columns
    status = np.array(c["status"], dtype=object)
    remain = np.nan_to_num(np.array(c["remain_m2"], dtype=float))
    open_ = (status == "open") & (remain > 1.0) & ~shapely.is_missing(ha.geoms)
    areas = {k: np.array(v, dtype=object)[open_] for k, v in c.items() if k != "attrs"}
    geoms = ha.geoms[open_]
    closed_sel = status != "open"
    closed = {k: np.array(c[k], dtype=object)[closed_sel] for k in ("haz_type", "cancel_m2", "reduce_m2", "clear_m2")}

    u = read_batch(store, "unit").columns
    units = {k: np.array(v, dtype=object) for k, v in u.items() if k != "attrs"}
    children: dict[str, list[str]] = {}
    for code, parent in zip(u["code"], u["parent"], strict=True):
        if parent:
            children.setdefault(parent, []).append(code)

    act = read_batch(store, "activity").columns
    a_area = dict(zip(act["code"], act["area"], strict=True))
    a_unit = dict(zip(act["code"], act["unit"], strict=True))
    done_nts = {
        a
        for a, t, s in zip(act["area"], act["act_type"], act["status"], strict=True)
        if t == "nts" and s == "completed"
    }
    areas["needs_nts"] = np.array(
        [t == "sha" and a not in done_nts for a, t in zip(areas["code"], areas["haz_type"], strict=True)], dtype=bool
    )
    pr = read_batch(store, "progress_report").columns
    terrain = dict(zip(c["code"], c["terrain"], strict=True))
    utype = dict(zip(u["code"], u["unit_type"], strict=True))
    p_unit = [un or a_unit.get(ac) for un, ac in zip(pr["unit"], pr["activity"], strict=True)]
    progress = {
        "type": np.array([utype.get(x) for x in p_unit], dtype=object),
        "class": np.array([_class(terrain.get(a_area.get(ac))) for ac in pr["activity"]], dtype=np.int64),
        "worked_m2": np.array([np.nan if v is None else v for v in pr["worked_m2"]], dtype=float),
        "deminers": np.array([np.nan if v is None else v for v in pr["deminers"]], dtype=float),
    }

    lon0, lat0 = _centre(geoms)
    ref = read_batch(store, "reference")
    kinds = np.array(ref.columns["ref_kind"], dtype=object)
    local = _local_km(geoms, lon0, lat0) if len(geoms) else geoms
    rg = _local_km(ref.geoms, lon0, lat0) if len(ref) else np.array([])
    settlement_km = _nearest_km(local, rg[kinds == "settlement"]) if len(ref) else np.full(len(geoms), np.inf)
    road_km = _nearest_km(local, rg[kinds == "road"]) if len(ref) else np.full(len(geoms), np.inf)
    acc = read_batch(store, "accident")
    accidents = np.zeros(len(geoms))
    if len(acc) and len(geoms):
        ag = _local_km(acc.geoms[~shapely.is_missing(acc.geoms)], lon0, lat0)
        i, _ = shapely.STRtree(ag).query(local, predicate="dwithin", distance=ACCIDENT_KM)
        accidents = np.bincount(i, minlength=len(geoms)).astype(float)
    synthetic = bool(np.any(areas["synthetic"].astype(bool))) if len(geoms) else False
    return Record(areas, geoms, units, children, progress, closed, settlement_km, road_km, accidents, synthetic)


def _centre(geoms: np.ndarray) -> tuple[float, float]:
    if len(geoms) == 0:
        return 0.0, 0.0
    b = shapely.total_bounds(geoms)
    return (b[0] + b[2]) / 2, (b[1] + b[3]) / 2


def _class(terrain: str | None) -> int:
    return LAND_CLASSES.index(terrain) if terrain in LAND_CLASSES else 1


@dataclass
class Outcome:
    scenario: Scenario
    plan: FieldPlan
    forecast: Forecast
    score: Score
    rates: RateTable
    release: ReleaseModel
    geoms: np.ndarray
    seconds: float
    synthetic: bool = False


def _descendants(rec: Record, code: str) -> list[str]:
    out, todo = [], [code]
    while todo:
        c = todo.pop()
        out.append(c)
        todo.extend(rec.children.get(c, []))
    return out


def forecast(plan: FieldPlan, release: ReleaseModel, *, n_sims: int, seed: int, client=None, chunk: int = 50):
    """The Monte Carlo forecast, in this process or over a Dask client in chunks of simulations.

    Each simulation has its own random streams (`planning.forecast.simulate`), so the result is the
    same however the simulations are split or wherever they run.
    """
    if client is None:
        return simulate(plan, release, n_sims=n_sims, seed=seed)
    remote = client.scatter(plan, broadcast=True)
    futures = [
        client.submit(
            simulate, remote, release, n_sims=n_sims, seed=seed, sims=range(a, min(a + chunk, n_sims)), pure=False
        )
        for a in range(0, n_sims, chunk)
    ]
    return Forecast.concat(client.gather(futures))


def dask_client(scheduler: str):
    """A Dask client: 'local' starts a local cluster (one worker per core), else connects to ADDRESS."""
    try:
        from distributed import Client, LocalCluster
    except ImportError:  # pragma: no cover - dependency of the package
        raise ValidationError("Dask is not installed (pip install 'dask[distributed]')") from None
    if scheduler == "local":
        cluster = LocalCluster(threads_per_worker=1, dashboard_address=None)
        return Client(cluster)
    try:
        return Client(scheduler, timeout="10s")
    except OSError as exc:
        raise ValidationError(f"cannot reach the Dask scheduler at {scheduler}: {exc}", field="scheduler") from None


def run_scenario(
    rec: Record,
    sc: Scenario,
    *,
    simulations: int | None = None,
    client=None,
    adjust_rates: Callable[[RateTable], RateTable] | None = None,
) -> Outcome:
    """Plan and forecast one scenario. `adjust_rates` replaces rates after learning (a re-forecast
    from the rates a baseline's teams achieved, `service.baseline`)."""
    import time

    t0 = time.perf_counter()
    a = rec.areas
    keep = np.ones(len(a["code"]), dtype=bool)
    if sc.admin1:
        keep = np.isin(a["admin1"], np.array(sc.admin1, dtype=object))
        if not keep.any():
            raise ValidationError(f"no open hazardous area in {', '.join(sc.admin1)}", field="areas.admin1")
    if not keep.any():
        raise ValidationError("the record holds no open hazardous area to plan")
    sel = {k: v[keep] for k, v in a.items()}
    rates = RateTable.defaults().with_overrides(sc.rates)
    if sc.learn_rates:
        p = rec.progress
        learned = learn_rates(
            RateTable.defaults(), p["type"], p["class"], p["worked_m2"], p["deminers"], min_reports=sc.min_reports
        )
        rates = learned.with_overrides(sc.rates) if sc.rates else learned
    if adjust_rates is not None:
        rates = adjust_rates(rates)
    release = ReleaseModel()
    if sc.learn_release and len(rec.closed["haz_type"]):
        cl = rec.closed
        release = learn_release(
            release,
            cl["haz_type"],
            *(
                np.array([np.nan if x is None else x for x in cl[k]], float)
                for k in ("cancel_m2", "reduce_m2", "clear_m2")
            ),
        )
    release = release.with_overrides(sc.release)

    remaining = sel["remain_m2"].astype(float)
    evidence = list(sel["evidence"])
    pi = contamination_probability(release, sel["haz_type"], evidence)
    exp = expected_release(release, remaining, pi)
    sco = score(
        sc.weights,
        beneficiaries=np.array([x or 0 for x in sel["benef_exp"]], float),
        settlement_km=rec.settlement_km[keep],
        road_km=rec.road_km[keep],
        accidents=rec.accidents[keep],
        haz_type=sel["haz_type"],
        evidence=evidence,
        land_use=sel["land_use"],
    )
    weight = sco.total * remaining / 1e6  # priority × km² of remaining hazard
    geoms = rec.geoms[keep]
    cent = shapely.centroid(geoms)
    lon = np.array([x if x is not None else np.nan for x in sel["bm_lon"]], float)
    lat = np.array([x if x is not None else np.nan for x in sel["bm_lat"]], float)
    lon = np.where(np.isfinite(lon), lon, shapely.get_x(cent))
    lat = np.where(np.isfinite(lat), lat, shapely.get_y(cent))
    devices = [set(x or ()) | set(y or ()) for x, y in zip(sel["dev_susp"], sel["dev_conf"], strict=True)]
    areas = Areas(
        sel["code"],
        remaining,
        np.array([_class(t) for t in sel["terrain"]], np.int64),
        lon,
        lat,
        sel["needs_nts"].astype(bool),
        np.array(["ied" in d for d in devices], bool),
        np.array([x or "(none)" for x in sel["admin1"]], dtype=object),
    )
    teams = _teams(rec, sc, rates)
    plan = plan_field(
        areas,
        teams,
        weight,
        exp,
        start=sc.start,
        calendar=sc.calendar,
        rates=rates,
        travel=sc.travel,
        time_limit=sc.time_limit,
        seed=sc.seed,
    )
    fc = forecast(plan, release, n_sims=simulations or sc.simulations, seed=sc.seed, client=client)
    return Outcome(sc, plan, fc, sco, rates, release, geoms, time.perf_counter() - t0, rec.synthetic)


def _teams(rec: Record, sc: Scenario, rates: RateTable):
    u = rec.units
    index = {c: i for i, c in enumerate(u["code"])}
    for code in list(sc.exclude) + [d for d, _ in sc.deployments]:
        if code not in index:
            raise NotFound(f"unknown unit '{code}' in the scenario")
    window: dict[str, tuple[float, float]] = {}
    if sc.from_record:
        excluded = {c for e in sc.exclude for c in _descendants(rec, e)}
        deployed = {c for d, _ in sc.deployments for c in _descendants(rec, d)}
        for c in u["code"]:
            if c not in excluded and c not in deployed:
                window[c] = (0.0, np.inf)
    for code, w in sc.deployments:
        first = max(0.0, float((w.start - sc.start).days))
        last = np.inf if w.end is None else float((w.end - sc.start).days)
        if last < 0:
            continue
        for c in _descendants(rec, code):
            window[c] = (first, last)
    codes = [c for c in u["code"] if c in window and u["unit_type"][index[c]] in TEAM_TYPES]
    if sc.scale != 1.0:
        # copies per record unit: ⌊scale·(i+1)⌋ − ⌊scale·i⌋, so the total is ⌊scale·n⌋ spread evenly
        copies = [int(np.floor(sc.scale * (i + 1)) - np.floor(sc.scale * i)) for i in range(len(codes))]
        codes = [c for c, n in zip(codes, copies, strict=True) for _ in range(n)]
    cols = {
        "code": codes,
        "unit_type": [u["unit_type"][index[c]] for c in codes],
        "people": [u["size"][index[c]] or 0 for c in codes],
        "base_lon": [np.nan if u["base_lon"][index[c]] is None else u["base_lon"][index[c]] for c in codes],
        "base_lat": [np.nan if u["base_lat"][index[c]] is None else u["base_lat"][index[c]] for c in codes],
        "first": [window[c][0] for c in codes],
        "last": [window[c][1] for c in codes],
    }
    for i, t in enumerate(sc.teams):
        first = max(0.0, float((t.window.start - sc.start).days))
        last = np.inf if t.window.end is None else float((t.window.end - sc.start).days)
        for n in range(t.count):
            cols["code"].append(f"NEW-{i + 1}-{n + 1}")
            cols["unit_type"].append(t.type)
            cols["people"].append(t.people)
            cols["base_lon"].append(t.base[0] if t.base else np.nan)
            cols["base_lat"].append(t.base[1] if t.base else np.nan)
            cols["first"].append(first)
            cols["last"].append(last)
    return expand_units(
        cols["code"],
        cols["unit_type"],
        cols["people"],
        cols["base_lon"],
        cols["base_lat"],
        cols["first"],
        cols["last"],
        rates,
    )


def summary(o: Outcome) -> dict:
    """The figures `plan compare` prints and `plan run` writes."""
    fc, plan = o.forecast, o.plan
    years = percentiles(fc.region_completion()) / 365.25
    total = fc.remaining.sum()
    out = {
        "scenario": o.scenario.name,
        "areas": len(plan.areas),
        "remaining_km2": total / 1e6,
        "teams": len(plan.teams),
        "unplanned_areas": int((~fc.planned).sum()),
        "cancel_share": float(plan.expected.cancel.sum() / max(total, 1e-9)),
        "p10_years": years[0],
        "p50_years": years[1],
        "p90_years": years[2],
        "exposure_p50": float(np.median(fc.exposure())),
        "objective_days": plan.objective,
        "gap": plan.gap,
        "simulations": fc.completion.shape[0],
        "seconds": o.seconds,
        "synthetic": o.synthetic,
        **{f"rates_{k.replace(' ', '_').lower()}": v for k, v in rate_origins(o.rates).items()},
    }
    for m in HORIZONS_MONTHS:
        day = (_add_months(plan.start, m) - plan.start).days
        out[f"released_{m}m_km2"] = float(np.median(fc.released_by(day))) / 1e6
    return out


def _add_months(d: dt.date, m: int) -> dt.date:
    y, mo = divmod(d.month - 1 + m, 12)
    return dt.date(d.year + y, mo + 1, min(d.day, 28))


def _with_client(scheduler: str | None, fn):
    if not scheduler:
        return fn(None)
    client = dask_client(scheduler)
    try:
        return fn(client)
    finally:
        cluster = client.cluster if scheduler == "local" else None
        client.close()
        if cluster is not None:
            cluster.close()


def run(
    store: Store, scenario: str | os.PathLike[str], out: str | os.PathLike[str], *, scheduler: str | None = None
) -> dict:
    """`landrelease plan run`: plan, forecast and write every output into `out`."""
    return run_outcome(store, scenario, out, scheduler=scheduler)[1]


def run_outcome(
    store: Store, scenario: str | os.PathLike[str], out: str | os.PathLike[str], *, scheduler: str | None = None
) -> tuple[Outcome, dict]:
    """`run`, also returning the outcome (a baseline freezes it, `service.baseline`)."""
    from landrelease.planning import charts

    sc = load_scenario(scenario)
    rec = read_record(store)
    o = _with_client(scheduler, lambda client: run_scenario(rec, sc, client=client))
    d = Path(out)
    d.mkdir(parents=True, exist_ok=True)
    write_plan(o, d)
    charts.gantt(o.plan, d / "gantt.png", synthetic=o.synthetic)
    charts.burndown([o], d / "burndown.png")
    s = summary(o)
    (d / "summary.md").write_text(summary_text(o, s), encoding="utf-8")
    return o, s


def write_plan(o: Outcome, d: Path) -> None:
    import csv

    from landrelease.formats.layer import write_layer

    plan, fc = o.plan, o.forecast
    rows = []
    for st in (plan.nts, plan.physical):
        for j in np.flatnonzero(st.team >= 0):
            a = int(st.area[j])
            k = int(st.team[j])
            rows.append(
                {
                    "task": f"{plan.areas.code[a]}/{st.name}",
                    "area": plan.areas.code[a],
                    "stage": st.name,
                    "team": plan.teams.code[k],
                    "unit": plan.teams.unit[k],
                    "team_type": TEAM_TYPES[plan.teams.type_index[k]],
                    "start": str(plan.date(st.start[j]).item()),
                    "end": str(plan.date(st.end[j]).item()),
                    "work_days": round(float(st.work_days[j, k]), 2),
                    "priority": round(float(o.score.total[a]), 2),
                    "synthetic": SYNTHETIC_FLAG[o.synthetic],
                    "_a": a,
                }
            )
    rows.sort(key=lambda r: (r["start"], r["task"]))
    with open(d / "plan.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=[k for k in rows[0] if k != "_a"] if rows else ["task"])
        w.writeheader()
        for r in rows:
            w.writerow({k: v for k, v in r.items() if k != "_a"})
    if rows:
        cols = {k: [r[k] for r in rows] for k in rows[0] if k != "_a"}
        write_layer(d / "plan.gpkg", o.geoms[[r["_a"] for r in rows]], cols, layer="plan")
    q = percentiles(fc.completion)
    with open(d / "areas.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(
            [
                "area",
                "region",
                "remaining_m2",
                "p_contaminated",
                "exp_cancel_m2",
                "exp_reduce_m2",
                "exp_clear_m2",
                "priority",
                *[f"pts_{k}" for k in o.score.parts],
                "p10",
                "p50",
                "p90",
                "synthetic",
            ]
        )
        e = plan.expected
        for j in range(len(plan.areas)):
            w.writerow(
                [
                    plan.areas.code[j],
                    plan.areas.region[j],
                    round(plan.areas.remaining[j], 1),
                    round(e.pi[j], 3),
                    round(e.cancel[j], 1),
                    round(e.reduce[j], 1),
                    round(e.clear[j], 1),
                    round(o.score.total[j], 2),
                    *[round(v[j], 2) for v in o.score.parts.values()],
                    *[plan.date(q[i, j]).item() for i in range(3)],
                    SYNTHETIC_FLAG[o.synthetic],
                ]
            )
    with open(d / "rates.csv", "w", newline="", encoding="utf-8") as f:
        rr = [
            dict(r, origin=origin(r["source"], r["reports"]), synthetic=SYNTHETIC_FLAG[o.synthetic])
            for r in o.rates.rows()
        ]
        w = csv.DictWriter(f, fieldnames=list(rr[0]))
        w.writeheader()
        w.writerows(rr)
    with open(d / "assumptions.csv", "w", newline="", encoding="utf-8") as f:
        rows = [dict(r, synthetic=SYNTHETIC_FLAG[o.synthetic]) for r in _provenance(o)]
        w = csv.DictWriter(f, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)


def _provenance(o: Outcome) -> list[dict]:
    sc = o.scenario
    return provenance(o.rates, o.release, sc.travel, sc.calendar, sc.release)


def summary_text(o: Outcome, s: dict) -> str:
    from landrelease.planning import explain

    plan, fc = o.plan, o.forecast
    lines = [
        f"# Plan: {s['scenario']}",
        "",
        *([SYNTHETIC_BANNER, ""] if o.synthetic else []),
        f"Start {plan.start}; {s['areas']} open areas, "
        f"{s['remaining_km2']:.2f} km² remaining; {s['teams']} teams; {s['simulations']} simulations "
        f"(seed {o.scenario.seed}).",
        "",
        "## In plain words",
        "",
        *explain.plain_words(plan, fc),
        "",
        "## Figures",
        "",
        f"- Region complete: P10 {s['p10_years']:.1f} y, P50 {s['p50_years']:.1f} y, P90 {s['p90_years']:.1f} y"
        " (planned areas)",
        f"- Areas not planned (no eligible team with room): {s['unplanned_areas']}",
    ]
    for m in HORIZONS_MONTHS:
        lines.append(f"- Released by {m} months (P50): {s[f'released_{m}m_km2']:.2f} km²")
    lines += [
        f"- Plan objective Σ w·C: {plan.objective:,.0f} (calendar days); working-day objective "
        f"{plan.objective_wd:,.0f}, certified bound {plan.bound:,.0f}, gap {100 * plan.gap:.1f} % "
        f"({plan.bound_method})",
        "",
        "## Regions (completion, years from the start; P50 as a month)",
        "",
        "| region | P10 | P50 | P90 | P50 month |",
        "| --- | --- | --- | --- | --- |",
    ]
    for r in sorted(set(plan.areas.region)):
        days = percentiles(fc.region_completion(plan.areas.region == r))
        q = days / 365.25
        lines.append(f"| {r} | {q[0]:.1f} | {q[1]:.1f} | {q[2]:.1f} | {explain.when(days[1], plan.start)} |")
    lines += [
        "",
        "## Productivity (m²/day)",
        "",
        f"{s['rates_record']} rates from the record's progress reports, {s['rates_scenario_file']} from the "
        f"scenario file, {s['rates_cited_default']} cited defaults, {s['rates_assumption']} ASSUMPTIONS "
        "(no cited figure).",
        "",
        "| type | class | rate | basis | log-sd | reports | from | source |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for r in o.rates.rows():
        lines.append(
            f"| {r['type']} | {r['class']} | {r['rate']:.0f} | {r['basis']} | {r['log_sd']:.2f} | "
            f"{r['reports']} | {origin(r['source'], r['reports'])} | {r['source']} |"
        )
    lines += [
        "",
        "## Other figures this plan rests on",
        "",
        "| kind | figure | value | from | source |",
        "| --- | --- | --- | --- | --- |",
    ]
    for r in _provenance(o):
        if r["kind"] != "rate" or r["name"].startswith("log-sd"):
            lines.append(f"| {r['kind']} | {r['name']} | {r['value']} | {r['origin']} | {r['source']} |")
    lines += ["", f"Release model: {o.release.source}", "", *[f"- {n}" for n in plan.notes]]
    lines += ["", "## What the technical figures mean", "", *explain.technical_notes()]
    return "\n".join(lines) + "\n"


def compare(store: Store, scenarios: list[str], *, out: str | None = None, scheduler: str | None = None) -> list[dict]:
    """`landrelease plan compare`: every scenario on the same record with the same draws (CRN)."""
    from landrelease.planning import charts

    scs = [load_scenario(p) for p in scenarios]
    rec = read_record(store)
    seed = scs[0].seed

    def all_of(client):
        return [run_scenario(rec, Scenario(**{**sc.__dict__, "seed": seed}), client=client) for sc in scs]

    outcomes = _with_client(scheduler, all_of)
    if out:
        Path(out).parent.mkdir(parents=True, exist_ok=True)
        charts.burndown(outcomes, Path(out))
    return [summary(o) for o in outcomes]


def sensitivity(
    store: Store,
    scenario: str | os.PathLike[str],
    chart: str | os.PathLike[str] | None = None,
    *,
    simulations: int | None = None,
) -> dict:
    """`landrelease plan sensitivity`: completion P50 with each assumption at a low and a high value.

    Same record, same seed (common random numbers), one assumption moved at a time: the share of clean
    SHAs NTS cancels, clearance rates, team count, working days a week, survey (NTS) rate. The
    tornado chart puts the widest effect on top.
    """
    import dataclasses

    from landrelease.planning import charts

    sc = load_scenario(scenario)
    rec = read_record(store)

    def p50(s: Scenario, adjust=None) -> float:
        o = run_scenario(rec, s, simulations=simulations, adjust_rates=adjust)
        return float(percentiles(o.forecast.region_completion())[1] / 365.25)

    def scaled(factor: float, survey: bool):
        def adjust(table: RateTable) -> RateTable:
            from landrelease.planning.productivity import Rate

            out = {
                t: tuple(Rate(r.value * factor, r.sd, r.n, f"{r.source} × {factor:g}") for r in v)
                if (t == "survey") == survey
                else v
                for t, v in table.rates.items()
            }
            return RateTable(out, table.size)

        return adjust

    rep = dataclasses.replace
    cal = sc.calendar
    variants = [
        (
            "Share of clean SHAs NTS cancels",
            "20 %",
            rep(sc, release={**sc.release, "cancel_clean": 0.2}),
            None,
            "80 %",
            rep(sc, release={**sc.release, "cancel_clean": 0.8}),
            None,
        ),
        ("Clearance rates (m²/day)", "× 0.8", sc, scaled(0.8, False), "× 1.25", sc, scaled(1.25, False)),
        ("Team count", "× 0.5", rep(sc, scale=sc.scale * 0.5), None, "× 2", rep(sc, scale=sc.scale * 2), None),
        (
            "Working days a week",
            "4",
            rep(sc, calendar=rep(cal, workdays=(0, 1, 2, 3))),
            None,
            "6",
            rep(sc, calendar=rep(cal, workdays=(0, 1, 2, 3, 4, 5))),
            None,
        ),
        ("Survey (NTS) rate", "× 0.5", sc, scaled(0.5, True), "× 2", sc, scaled(2.0, True)),
    ]
    base = p50(sc)
    rows = []
    for name, lo_label, lo_sc, lo_adj, hi_label, hi_sc, hi_adj in variants:
        rows.append(
            {
                "assumption": name,
                "low": lo_label,
                "high": hi_label,
                "p50_low": p50(lo_sc, lo_adj),
                "p50_high": p50(hi_sc, hi_adj),
            }
        )
    if chart:
        Path(chart).parent.mkdir(parents=True, exist_ok=True)
        charts.tornado(rows, base, Path(chart), title=f"What moves completion: {sc.name}", synthetic=rec.synthetic)
    return {"scenario": sc.name, "p50_years": base, "rows": rows, "synthetic": rec.synthetic}
