"""Benchmark of the planning engine at national scale on the sparse candidate-team layout (core family).

Issue 3's targets on the *core* family (shared/DOMAIN.md): 10,000 areas × 100 teams — plan + bound +
1,000 simulations ≤ 60 s with gap ≤ 2 %; 100,000 × 1,000 — plan + 1,000 simulations ≤ 5 min and
≤ 4 GB with a reported (certified) bound. For each size and seed:

  build   the instance: each area's `--width` candidate teams (split over the team types) — the full
          1e8-pair matrix is never stored;
  plan    `sparse_solve`: certified bound (Skutella's CQP restricted to candidates by accelerated
          projected gradient, column generation, certificate priced over ALL eligible teams), then
          list scheduling / relaxation rounding and local search (moves) in the remaining time;
  sims    1,000 Monte Carlo simulations of the plan (`simulate_schedule`: productivity per team
          type × land class, log-sd 0.3, and 8 % weather stand-down days);
  sheet   **reference**: the spreadsheet rule (strict priority order, each area to the next free
          eligible team, over all teams), its gap to the same bound.

Gap = (objective − certified bound) / objective. Peak RSS is the process's (ru_maxrss). CPU seconds
(process time, all threads) beside the wall time: the machine is shared, so wall time varies with load.

    .venv/bin/python benchmarks/bench_planning_scale.py --sizes 10000x100 --seeds 0 1 2 --time-limit 40
    .venv/bin/python benchmarks/bench_planning_scale.py --sizes 100000x1000 --seeds 0 --time-limit 200
"""

from __future__ import annotations

import argparse
import platform
import resource
import time
from datetime import UTC, datetime

import numpy as np

from landrelease.planning.capacity import N_CLASSES, TEAM_TYPES
from landrelease.planning.forecast import percentiles, simulate_schedule
from landrelease.planning.instance import core_jobs_teams
from landrelease.planning.productivity import DEFAULT_SD
from landrelease.planning.sparse import sparse_instance, sparse_solve, sparse_spreadsheet_rule


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", nargs="+", default=["10000x100"], help="AREASxTEAMS")
    ap.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2])
    ap.add_argument("--time-limit", type=float, default=40.0, help="sparse_solve time limit (bound + plan), s")
    ap.add_argument("--width", type=int, default=32, help="candidate teams per area")
    ap.add_argument("--sims", type=int, default=1000)
    args = ap.parse_args()
    print(
        f"# core family, sparse layout, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {platform.machine()}, "
        f"{platform.processor() or ''} solve ≤ {args.time_limit:g} s, width {args.width}, {args.sims} simulations"
    )
    print(
        "| size | seed | objective | certified bound | gap % | list gap % | t_build s | t_bound s | t_plan s "
        "| t_sims s | total s (CPU s) | P50/P90 last area (days) | peak RSS MB | **ref.** spreadsheet gap % |"
    )
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    sd = np.full((len(TEAM_TYPES), N_CLASSES), DEFAULT_SD)
    for size in args.sizes:
        n, m = (int(v) for v in size.lower().split("x"))
        for seed in args.seeds:
            t0 = time.perf_counter()
            c0 = time.process_time()
            jobs, teams = core_jobs_teams(n, m, seed)
            sp = sparse_instance(jobs, teams, width=args.width, seed=seed)
            t1 = time.perf_counter()
            r = sparse_solve(sp, time_limit=args.time_limit)
            t2 = time.perf_counter()
            s = r.schedule
            p = s.end - s.start
            fc = simulate_schedule(
                s.team,
                s.start,
                p,
                sp.weight,
                teams.type_index,
                jobs.land_class,
                sd=sd,
                standdown=0.08,
                n_sims=args.sims,
                seed=seed,
            )
            last = percentiles(fc.overall())
            t3 = time.perf_counter()
            cpu = time.process_time() - c0
            rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
            sheet = sparse_spreadsheet_rule(sp)
            b = r.bound
            print(
                f"| {size} | {seed} | {r.objective:.6g} | {b.value:.6g} | {100 * r.gap:.2f} "
                f"| {100 * b.gap(r.list_objective):.2f} | {t1 - t0:.1f} | {b.seconds:.1f} | {t2 - t1:.1f} "
                f"| {t3 - t2:.1f} | {t3 - t0:.1f} ({cpu:.0f}) | {last[1]:.0f}/{last[2]:.0f} | {rss:.0f} "
                f"| {100 * b.gap(sheet.objective):.1f} |",
                flush=True,
            )
            del fc


if __name__ == "__main__":
    main()
