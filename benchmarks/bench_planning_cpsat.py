"""OR-Tools CP-SAT against `solve()` at equal time on the *core* family (issue 3, item 11).

CP-SAT model: per job one optional interval per eligible team (exactly one present), NoOverlap per
team, minimise Σ w_j C_j; times in 1/100 working day, weights scaled to integers (the objective
printed is re-evaluated in floating point on the original instance). CP-SAT gets `--time-limit`
seconds and `--workers` search workers; `solve()` gets the same time. `--hint` warm-starts CP-SAT from
the list schedule (assignment and Smith sequences on the integer durations, a feasible solution).
OR-Tools is a benchmark-only dependency: `pip install ortools==9.15.6755`.

    .venv/bin/python benchmarks/bench_planning_cpsat.py --sizes 200x10 1000x30 --seeds 0 1 --time-limit 20
"""

from __future__ import annotations

import argparse
import platform
import time
from datetime import date

import numpy as np

from landrelease.planning.instance import core_family
from landrelease.planning.schedule import evaluate
from landrelease.planning.solve import solve


def cpsat(inst, time_limit: float, workers: int, hint=None):
    from ortools.sat.python import cp_model

    scale = 100
    p = np.where(inst.eligible, np.ceil(inst.p * scale), 0).astype(np.int64)
    w = np.maximum(1, np.round(inst.weight / inst.weight.max() * 10_000)).astype(np.int64)
    horizon = int(p.max(axis=1).sum())  # every job on its slowest team, one after another
    m = cp_model.CpModel()
    end = []
    pres = {}
    starts = {}
    per_team: dict[int, list] = {k: [] for k in range(inst.n_teams)}
    for j in range(inst.n_jobs):
        e = m.new_int_var(0, horizon, f"e{j}")
        lits = []
        for k in np.flatnonzero(inst.eligible[j]):
            lit = m.new_bool_var(f"x{j}_{k}")
            s = m.new_int_var(0, horizon, f"s{j}_{k}")
            iv = m.new_optional_interval_var(s, int(p[j, k]), e, lit, f"i{j}_{k}")
            per_team[int(k)].append(iv)
            pres[j, int(k)] = lit
            starts[j, int(k)] = s
            lits.append(lit)
        m.add_exactly_one(lits)
        end.append(e)
    for ivs in per_team.values():
        m.add_no_overlap(ivs)
    m.minimize(sum(int(w[j]) * end[j] for j in range(inst.n_jobs)))
    if hint is not None:  # warm start: the list schedule's assignment, start and end times
        for j in range(inst.n_jobs):
            for k in np.flatnonzero(inst.eligible[j]):
                m.add_hint(pres[j, int(k)], int(k) == int(hint.team[j]))
        for k in range(inst.n_teams):  # the same sequences on the integer durations: a feasible hint
            t = 0
            for j in hint.sequence(k):
                m.add_hint(starts[j, k], t)
                t += int(p[j, k])
                m.add_hint(end[j], t)
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = time_limit
    solver.parameters.num_search_workers = workers
    t0 = time.perf_counter()
    status = solver.solve(m)
    secs = time.perf_counter() - t0
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None, secs, solver.status_name(status)
    team = np.array(
        [
            next(k for k in range(inst.n_teams) if (j, k) in pres and solver.value(pres[j, k]))
            for j in range(inst.n_jobs)
        ]
    )
    # Re-evaluate the CP-SAT assignment exactly; `evaluate` puts each team in Smith order, which is
    # optimal for a fixed assignment, so also report CP-SAT's own sequence objective.
    ends = np.array([solver.value(e) for e in end]) / scale
    own = float(inst.weight @ ends)
    return (own, evaluate(inst, team).objective), secs, solver.status_name(status)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", nargs="+", default=["200x10", "1000x30"])
    ap.add_argument("--seeds", nargs="+", type=int, default=[0, 1])
    ap.add_argument("--time-limit", type=float, default=20.0)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--hint", action="store_true", help="warm-start CP-SAT from the list schedule")
    args = ap.parse_args()
    try:
        import ortools  # noqa: F401
    except ImportError:
        print("OR-Tools not installed: pip install ortools==9.15.6755")
        return
    print(
        f"# core family, CP-SAT vs solve(), {date.today().isoformat()}, {platform.machine()}, "
        f"{args.time_limit:g} s each, CP-SAT {args.workers} workers"
    )
    print(
        "| size | seed | bound | solve() gap % | CP-SAT gap % (own sequence) | CP-SAT gap % (Smith-resequenced) "
        "| CP-SAT status | CP-SAT s |"
    )
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    for size in args.sizes:
        n, mt = (int(x) for x in size.split("x"))
        for seed in args.seeds:
            inst = core_family(n, mt, seed)
            res = solve(inst, time_limit=args.time_limit, seed=seed)
            b = res.bound.value
            from landrelease.planning.schedule import list_schedule

            hint = list_schedule(inst) if args.hint else None
            obj, secs, status = cpsat(inst, args.time_limit, args.workers, hint)
            if obj is None:
                cp = cp2 = "none"
            else:
                cp = f"{100 * (obj[0] - b) / obj[0]:.2f}"
                cp2 = f"{100 * (obj[1] - b) / obj[1]:.2f}"
            print(
                f"| {size} | {seed} | {b:,.0f} | {100 * res.gap:.2f} | {cp} | {cp2} | {status} | {secs:.1f} |",
                flush=True,
            )


if __name__ == "__main__":
    main()
