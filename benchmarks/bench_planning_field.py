"""Benchmark of the field planner on the synthetic *field* family: core family plus NTS, calendars,
deployment windows and travel from bases.

Field family (areas × teams, seed): areas as in the core family (area lognormal(ln 8000 m², 1),
land class uniform 0–3); half are SHAs that need NTS first; 30 % are CHAs (π = 1), the rest π = 0.05;
priority weight lognormal(ln 50, 1.2) × remaining km². Teams: the core mix (manual 55 %, mechanical
15 %, MDD 20 %, EOD 10 %) plus one survey team per 10 teams; a fifth of the teams deployed for a
90-day window starting on day 30; bases uniform in a 100 × 70 km region; calendar Mon–Fri, a
continental season (0.3 in Dec–Feb), 8 % weather stand-down days. Rates: `productivity.FIELD_DEFAULTS`
(manual sections of 10 people).

Reported: the plan's working-day objective Σ w·X, the certified bound (CQP of the TS/clearance tasks,
or CQP of NTS + shortest TS/clearance), the gap, plan time, 1,000 simulations time, peak RSS, and the
gap of the spreadsheet rule (strict priority order, each task to the next free team; same realisation,
no ready-aware reordering) to the same bound.

    .venv/bin/python benchmarks/bench_planning_field.py --sizes 200x10 1000x30 --seeds 0 1 2
"""

from __future__ import annotations

import argparse
import datetime as dt
import platform
import resource
import time

import numpy as np

from landrelease.planning.calendar import Calendar
from landrelease.planning.capacity import TEAM_TYPES
from landrelease.planning.field import Areas, expand_units, plan_field
from landrelease.planning.forecast import percentiles, simulate
from landrelease.planning.instance import CORE_MIX, core_team_types
from landrelease.planning.productivity import RateTable
from landrelease.planning.release import ReleaseModel, expected_release

START = dt.date(2027, 4, 1)
CAL = Calendar(season=(0.3, 0.3, 0.6, 0.9, 1, 1, 1, 1, 1, 0.9, 0.6, 0.3), standdown=0.08)


def field_family(n: int, m: int, seed: int, *, nts: bool = True, windows: bool = True):
    rng = np.random.default_rng(seed)
    lon = 35.0 + 1.4 * rng.random(n)
    lat = 51.1 + 0.63 * rng.random(n)
    areas = Areas(
        np.array([f"HA-{i:06d}" for i in range(n)], dtype=object),
        rng.lognormal(np.log(8000.0), 1.0, n),
        rng.integers(0, 4, n),
        lon,
        lat,
        (rng.random(n) < 0.5) & nts,
        np.zeros(n, bool),
        np.array(["R"] * n, dtype=object),
    )
    n_survey = max(1, m // 10)
    types = [TEAM_TYPES[t] for t in rng.permutation(core_team_types(m - n_survey))] + ["survey"] * n_survey
    windowed = (rng.random(m) < 0.2) & windows
    first = np.where(windowed, 30.0, 0.0)
    last = np.where(windowed, 120.0, np.inf)
    people = [10 if t in ("manual", "bac") else RateTable.defaults().size[t] for t in types]
    rates = RateTable.defaults()
    teams = expand_units(
        [f"T{k}" for k in range(m)],
        types,
        people,
        35.0 + 1.4 * rng.random(m),
        51.1 + 0.63 * rng.random(m),
        first,
        last,
        rates,
    )
    pi = np.where(rng.random(n) < 0.3, 1.0, 0.05)
    exp = expected_release(ReleaseModel(), areas.remaining, pi)
    weight = rng.lognormal(np.log(50.0), 1.2, n) * areas.remaining / 1e6
    return areas, teams, weight, exp, rates


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", nargs="+", default=["200x10", "1000x30"], help="AREASxTEAMS")
    ap.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2])
    ap.add_argument("--time-limit", type=float, default=20.0, help="scheduling time per stage, s")
    ap.add_argument("--sims", type=int, default=1000)
    ap.add_argument("--no-nts", action="store_true", help="ablation: no NTS stage")
    ap.add_argument("--no-windows", action="store_true", help="ablation: every team open-ended")
    args = ap.parse_args()
    print(
        f"# field family, {dt.date.today().isoformat()}, {platform.machine()}, {args.time_limit:g} s/stage, "
        f"{args.sims} simulations; core mix {CORE_MIX}"
        f"{'; no NTS' if args.no_nts else ''}{'; no windows' if args.no_windows else ''}"
    )
    print(
        "| size | seed | objective (wd) | bound | gap % | bound kind | t_plan s | t_sim s | P50 y | peak RSS MB "
        "| spreadsheet rule gap % |"
    )
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for size in args.sizes:
        n, m = (int(x) for x in size.split("x"))
        for seed in args.seeds:
            areas, teams, weight, exp, rates = field_family(
                n, m, seed, nts=not args.no_nts, windows=not args.no_windows
            )
            t0 = time.perf_counter()
            plan = plan_field(
                areas, teams, weight, exp, start=START, calendar=CAL, rates=rates, time_limit=args.time_limit, seed=seed
            )
            t1 = time.perf_counter()
            fc = simulate(plan, ReleaseModel(), n_sims=args.sims, seed=seed)
            t2 = time.perf_counter()
            sheet = plan_field(areas, teams, weight, exp, start=START, calendar=CAL, rates=rates, method="spreadsheet")
            sheet_gap = 100 * (sheet.objective_wd - plan.bound) / sheet.objective_wd
            p50 = percentiles(fc.region_completion())[1] / 365.25
            rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
            kind = "NTS+min" if plan.bound_method.startswith("CQP (Skutella) of the NTS") else "phys"
            print(
                f"| {size} | {seed} | {plan.objective_wd:,.0f} | {plan.bound:,.0f} | {100 * plan.gap:.1f} | {kind} "
                f"| {t1 - t0:.1f} | {t2 - t1:.1f} | {p50:.1f} | {rss:.0f} | {sheet_gap:.1f} |",
                flush=True,
            )


if __name__ == "__main__":
    main()
