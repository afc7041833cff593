"""Which side of the field gap is loose — the plan or the bound? Exact optimum on tiny field instances.

The field family of `bench_planning_field.py` at a size exact enumeration can solve
(`planning.exact.exact_precedence`: every NTS and TS/clearance assignment and order), with every team
open-ended so that the plan's working-day objective and the enumeration share one clock. For each
seed: the plan (`plan_field`), the certified bound (`field.precedence_bound`, what the plan reports),
and the exact optimum OPT of the same tasks. plan gap = (plan − bound) / plan splits into
(plan − OPT) / plan, the plan's share, and (OPT − bound) / plan, the bound's.

    .venv/bin/python benchmarks/bench_planning_precedence.py --areas 7 --teams 3 --seeds 0-29
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import time

import numpy as np
from bench_planning_field import CAL, START, field_family

from landrelease.planning.calendar import Curves, curve
from landrelease.planning.exact import exact_precedence
from landrelease.planning.field import _windows_on_clock, plan_field


def seeds(text: str) -> list[int]:
    a, _, b = text.partition("-")
    return list(range(int(a), int(b or a) + 1))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--areas", type=int, default=7)
    ap.add_argument("--teams", type=int, default=3, help="teams including the survey team(s)")
    ap.add_argument("--seeds", default="0-29")
    ap.add_argument("--time-limit", type=float, default=1.0)
    args = ap.parse_args()
    print(
        f"# exact check, {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC, {platform.machine()}, nproc {os.cpu_count()}, "
        f"load {os.getloadavg()[0]:.1f}; {args.areas} areas × {args.teams} teams, open-ended teams"
    )
    print("| seed | NTS tasks | plan | OPT | bound | plan gap % | plan − OPT % | OPT − bound % | t_exact s |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    shares = []
    for seed in seeds(args.seeds):
        areas, teams, weight, exp, rates = field_family(args.areas, args.teams, seed, windows=False)
        plan = plan_field(
            areas, teams, weight, exp, start=START, calendar=CAL, rates=rates, time_limit=args.time_limit, seed=seed
        )
        ph, nts = plan.physical, plan.nts
        if not (ph.team >= 0).all() or not (nts.team >= 0).all():
            continue
        clock = Curves(curve(CAL.expected_factors(START, plan.n_days)[None, :]))
        release, capacity = _windows_on_clock(teams, clock)
        row = np.full(len(ph.area), -1, dtype=np.int64)
        where = {int(a): i for i, a in enumerate(nts.area)}
        for j, a in enumerate(ph.area):
            row[j] = where.get(int(a), -1)
        t0 = time.perf_counter()
        opt = exact_precedence(ph.work_days, weight[ph.area], nts.work_days, row, release, capacity)
        t = time.perf_counter() - t0
        obj, b = plan.objective_wd, plan.bound
        shares.append(((obj - opt) / obj, (opt - b) / obj))
        print(
            f"| {seed} | {len(nts.area)} | {obj:,.1f} | {opt:,.1f} | {b:,.1f} | {100 * (obj - b) / obj:.1f} "
            f"| {100 * (obj - opt) / obj:.1f} | {100 * (opt - b) / obj:.1f} | {t:.1f} |",
            flush=True,
        )
    s = np.array(shares)
    print(
        f"mean over {len(s)} instances: plan − OPT {100 * s[:, 0].mean():.2f} % (max {100 * s[:, 0].max():.2f}), "
        f"OPT − bound {100 * s[:, 1].mean():.2f} % (max {100 * s[:, 1].max():.2f})"
    )


if __name__ == "__main__":
    main()
