"""Benchmark of the planning engine on the synthetic *core* family (shared/DOMAIN.md).

For each size (areas × teams) and seed: objective Σ w_j C_j of the spreadsheet rule (strict
priority order, each area to the next free eligible team), of list scheduling, of list scheduling
+ local search, and of the full plan (iterated local search); the certified lower bound (max of
the trivial bound and Skutella's CQP certificate); each one's gap to the bound; wall times.

    .venv/bin/python benchmarks/bench_planning.py --sizes 200x10 1000x30 --seeds 0 1 2
"""

from __future__ import annotations

import argparse
import platform
import resource
import time
from datetime import date

from landrelease.planning.bound import cqp_bound
from landrelease.planning.instance import core_family
from landrelease.planning.schedule import (
    iterated_local_search,
    list_schedule,
    local_search,
    spreadsheet_rule,
)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", nargs="+", default=["200x10", "1000x30"], help="AREASxTEAMS")
    ap.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2])
    ap.add_argument("--time-limit", type=float, default=10.0, help="plan time limit, s")
    ap.add_argument("--patience", type=int, default=200, help="kicks without improvement")
    ap.add_argument("--bound-time", type=float, default=20.0, help="bound time limit, s")
    ap.add_argument("--bound-tol", type=float, default=1e-6, help="bound relative tolerance")
    args = ap.parse_args()

    print(
        f"# core family, {date.today().isoformat()}, {platform.machine()}, "
        f"plan ≤ {args.time_limit:g} s (patience {args.patience}), bound tol {args.bound_tol:g}"
    )
    head = (
        f"{'size':>10} {'seed':>4} {'bound':>13} {'trivial%':>8} {'sheet%':>7} {'list%':>6} "
        f"{'ls%':>6} {'plan%':>6} {'t_ls':>6} {'t_plan':>6} {'t_bound':>7} {'bnd_it':>6}"
    )
    print(head)
    print("-" * len(head))
    for size in args.sizes:
        n, m = (int(v) for v in size.lower().split("x"))
        gaps = []
        for seed in args.seeds:
            inst = core_family(n, m, seed)
            t0 = time.perf_counter()
            b = cqp_bound(inst, time_limit=args.bound_time, rel_tol=args.bound_tol)
            t_bound = time.perf_counter() - t0
            sheet = spreadsheet_rule(inst)
            lst = list_schedule(inst)
            t0 = time.perf_counter()
            ls = local_search(inst, lst, time_limit=args.time_limit)
            t_ls = time.perf_counter() - t0 + lst.seconds
            t0 = time.perf_counter()
            best = iterated_local_search(inst, lst, time_limit=args.time_limit, patience=args.patience, seed=seed)
            t_plan = time.perf_counter() - t0 + lst.seconds

            def pct(v: float, b=b) -> str:
                return f"{100 * b.gap(v):.2f}"

            gaps.append(b.gap(best.objective))
            print(
                f"{size:>10} {seed:>4} {b.value:13.6g} {100 * (1 - b.trivial / b.value):8.1f} "
                f"{pct(sheet.objective):>7} {pct(lst.objective):>6} {pct(ls.objective):>6} "
                f"{pct(best.objective):>6} {t_ls:6.2f} {t_plan:6.2f} {t_bound:7.2f} "
                f"{b.iterations:6d}",
                flush=True,
            )
        print(f"{size:>10} mean plan gap {100 * sum(gaps) / len(gaps):.2f} %, max {100 * max(gaps):.2f} %")
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"# gaps are (objective − bound) / objective; trivial% = how far below the bound "
        f"Σ w min p lies; peak RSS {rss:.0f} MB"
    )


if __name__ == "__main__":
    main()
