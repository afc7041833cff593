"""One call that plans and proves: a schedule, a certified lower bound, and the gap between them.

Issue 3 asks that every plan report its objective, a certified lower bound and the gap. The bound
is computed first because its solution helps the plan: rounding the relaxation's fractional
assignment (each job to the team carrying most of it, as in Skutella's rounding, JACM 2001) gives a
second start for local search beside Smith-ratio list scheduling; the better local optimum is then
improved by iterated local search in the remaining time.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from landrelease.planning.bound import Bound, cqp_bound
from landrelease.planning.instance import Instance
from landrelease.planning.schedule import (
    Schedule,
    evaluate,
    iterated_local_search,
    list_schedule,
    local_search,
)


@dataclass(frozen=True)
class Result:
    schedule: Schedule
    bound: Bound
    seconds: float

    @property
    def objective(self) -> float:
        return self.schedule.objective

    @property
    def gap(self) -> float:
        """(objective − bound) / objective: how far from optimal the plan can at most be."""
        return self.bound.gap(self.schedule.objective)


def solve(
    inst: Instance,
    *,
    time_limit: float = 30.0,
    bound_share: float = 0.4,
    bound_tol: float = 1e-5,
    patience: int = 1000,
    seed: int = 0,
) -> Result:
    """Plan `inst` within about `time_limit` seconds and certify it.

    `bound_share` of the time goes to the bound at most (it stops earlier once within
    `bound_tol` of the relaxation optimum); the rest to local search.
    """
    t0 = time.perf_counter()
    deadline = t0 + time_limit
    bound = cqp_bound(inst, time_limit=bound_share * time_limit, rel_tol=bound_tol)
    starts = [list_schedule(inst)]
    converged = bound.relaxation_value - bound.cqp <= 1e-3 * abs(bound.relaxation_value)
    if bound.x is not None and converged:
        starts.append(evaluate(inst, bound.x.argmax(axis=1), method="cqp-round"))
    # Local search from each start that is not far behind the best one (a poorly converged
    # relaxation rounds to a poor start whose descent would only eat the time budget).
    first = min(s.objective for s in starts)
    starts = sorted((s for s in starts if s.objective <= 1.1 * first), key=lambda s: s.objective)
    improved = [local_search(inst, s, time_limit=max(0.0, deadline - time.perf_counter())) for s in starts]
    best = min(improved, key=lambda s: s.objective)
    best = iterated_local_search(
        inst,
        best,
        time_limit=max(0.0, deadline - time.perf_counter()),
        patience=patience,
        seed=seed,
    )
    return Result(schedule=best, bound=bound, seconds=time.perf_counter() - t0)
