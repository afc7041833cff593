"""Benchmark of the planning engine on the synthetic *core* family (shared/DOMAIN.md).

For each size (areas × teams) and seed: the certified lower bound (max of Σ w min p and the
certificate of Skutella's convex quadratic relaxation), and the gap to it of
  sheet  the spreadsheet rule: strict priority order by weight, each area to the next free team;
  list   Smith-ratio list scheduling with earliest-finish team choice;
  ls     list + local search (moves and swaps, teams in Smith order);
  plan   `solve()`: bound, then local search from list and CQP-rounding starts, then iterated
         local search, all within --time-limit seconds (t_plan includes the bound's t_bound).
Gaps are (objective − bound) / objective in %.

    .venv/bin/python benchmarks/bench_planning.py --sizes 200x10 1000x30 --seeds 0 1 2
"""

from __future__ import annotations

import argparse
import platform
import resource
import time
from datetime import date

from landrelease.planning.instance import core_family
from landrelease.planning.schedule import list_schedule, local_search, spreadsheet_rule
from landrelease.planning.solve import solve


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", nargs="+", default=["200x10", "1000x30"], help="AREASxTEAMS")
    ap.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2])
    ap.add_argument("--time-limit", type=float, default=20.0, help="solve() time limit, s")
    ap.add_argument("--patience", type=int, default=1000, help="ILS kicks without improvement")
    args = ap.parse_args()

    print(
        f"# core family, {date.today().isoformat()}, {platform.machine()}, "
        f"solve ≤ {args.time_limit:g} s, patience {args.patience}"
    )
    head = (
        f"{'size':>10} {'seed':>4} {'bound':>12} {'sheet%':>7} {'list%':>6} {'ls%':>6} "
        f"{'plan%':>6} {'t_ls':>6} {'t_bound':>7} {'t_plan':>6}  plan from"
    )
    print(head)
    print("-" * len(head))
    for size in args.sizes:
        n, m = (int(v) for v in size.lower().split("x"))
        gaps, sheet_over = [], []
        for seed in args.seeds:
            inst = core_family(n, m, seed)
            sheet = spreadsheet_rule(inst)
            lst = list_schedule(inst)
            t0 = time.perf_counter()
            ls = local_search(inst, lst, time_limit=args.time_limit)
            t_ls = time.perf_counter() - t0 + lst.seconds
            r = solve(inst, time_limit=args.time_limit, patience=args.patience, seed=seed)
            b = r.bound

            def pct(v: float, b=b) -> str:
                return f"{100 * b.gap(v):.2f}"

            gaps.append(r.gap)
            sheet_over.append(sheet.objective / r.objective - 1)
            print(
                f"{size:>10} {seed:>4} {b.value:12.6g} {pct(sheet.objective):>7} "
                f"{pct(lst.objective):>6} {pct(ls.objective):>6} {pct(r.objective):>6} "
                f"{t_ls:6.2f} {b.seconds:7.2f} {r.seconds:6.2f}  {r.schedule.method}",
                flush=True,
            )
        print(
            f"{size:>10} plan gap mean {100 * sum(gaps) / len(gaps):.2f} %, "
            f"max {100 * max(gaps):.2f} %; spreadsheet rule "
            f"{100 * sum(sheet_over) / len(sheet_over):.0f} % above the plan"
        )
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"# peak RSS {rss:.0f} MB")


if __name__ == "__main__":
    main()
