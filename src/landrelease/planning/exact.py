"""Exact optimum of tiny survey → clearance instances, by enumeration: the yardstick for bounds and plans.

The field plan's objective is Σ_j w_j C_j over TS/clearance tasks whose start waits for their area's
NTS (IMAS 07.11: survey before clearance). On a handful of tasks the optimum can be enumerated, which
tells, on the instances where it can be computed, whether a gap between a plan and its certified bound
is the plan's or the bound's (issue 14). The model is the one `field.precedence_bound` bounds:
working days on one clock; team k starts no earlier than `release[k]` and does at most
`capacity[k]` days of work; each team does one task at a time; survey teams do NTS only and the
other teams TS/clearance only (a task's row is inf on the teams of the other kind).

Cost: every NTS assignment and order × every TS/clearance assignment, each team's tasks in every
order (a given order is best started as early as possible, the objective being regular). Keep it to
≤ 7 TS/clearance tasks, ≤ 4 NTS tasks and ≤ 3 teams of each kind.
"""

from __future__ import annotations

import itertools
from functools import cache

import numpy as np

from landrelease.errors import ValidationError

MAX_TASKS = 8


def _sequence_ends(p: np.ndarray, ready: np.ndarray, release: float) -> np.ndarray:
    """(orders, k) end of each position for every order of the rows of `p` (k tasks, given their ready times)."""
    k = p.shape[0]
    perms = np.array(list(itertools.permutations(range(k))), dtype=np.int64).reshape(-1, k)
    t = np.full(perms.shape[0], float(release))
    out = np.empty(perms.shape, dtype=float)
    for i in range(k):
        j = perms[:, i]
        t = np.maximum(t, ready[j]) + p[j]
        out[:, i] = t
    return perms, out


def exact_precedence(
    p: np.ndarray,
    w: np.ndarray,
    p_nts: np.ndarray,
    nts_row: np.ndarray,
    release: np.ndarray,
    capacity: np.ndarray,
) -> float:
    """min Σ_j w_j C_j over every schedule (inf when none fits the capacities)."""
    p = np.asarray(p, float)
    p_nts = np.asarray(p_nts, float).reshape(-1, p.shape[1])
    w = np.asarray(w, float)
    nts_row = np.asarray(nts_row, np.int64)
    n, m = p.shape
    if n > MAX_TASKS or p_nts.shape[0] > MAX_TASKS:
        raise ValidationError(f"exact enumeration is for ≤ {MAX_TASKS} tasks per stage")
    phys = [k for k in range(m) if np.isfinite(p[:, k]).any()]
    surv = [k for k in range(m) if np.isfinite(p_nts[:, k]).any()]
    if set(phys) & set(surv):
        raise ValidationError("a team does both NTS and TS/clearance: not this model")

    def team_best(k: int, jobs: tuple[int, ...], ready: np.ndarray) -> float:
        """Least Σ w C of `jobs` on team k over every order (inf if they do not fit)."""
        if not jobs:
            return 0.0
        js = np.array(jobs)
        pk = p[js, k]
        if not np.isfinite(pk).all() or pk.sum() > capacity[k] + 1e-9:
            return np.inf
        perms, ends = _sequence_ends(pk, ready[js], release[k])
        return float((ends * w[js][perms]).sum(axis=1).min())

    def assignments(n_jobs: int, teams: list[int]):
        return itertools.product(teams, repeat=n_jobs) if teams else iter([()] if n_jobs == 0 else [])

    # Every NTS schedule that is not dominated: per assignment, every order of every survey team.
    r = p_nts.shape[0]
    nts_ends: set[tuple[float, ...]] = set()
    for assign in assignments(r, surv):
        per_team = []
        for k in surv:
            js = [i for i in range(r) if assign[i] == k]
            pk = p_nts[js, k]
            if not np.isfinite(pk).all() or pk.sum() > capacity[k] + 1e-9:
                break
            if js:
                perms, ends = _sequence_ends(pk, np.zeros(len(js)), release[k])
                per_team.append([(js, perms[i], ends[i]) for i in range(len(perms))])
        else:
            for combo in itertools.product(*per_team):
                c = np.zeros(r)
                for js, perm, ends in combo:
                    c[np.array(js)[perm]] = ends
                nts_ends.add(tuple(np.round(c, 12)))
    if r and not nts_ends:
        return np.inf
    best = np.inf
    for c in nts_ends or {()}:
        cvec = np.array(c, float)
        ready = np.where(nts_row >= 0, cvec[np.maximum(nts_row, 0)] if r else 0.0, 0.0)

        @cache
        def cost(k: int, jobs: tuple[int, ...], _ready=tuple(ready)) -> float:
            return team_best(k, jobs, np.array(_ready))

        for assign in assignments(n, phys):
            total = 0.0
            for k in phys:
                total += cost(k, tuple(j for j in range(n) if assign[j] == k))
                if total >= best:
                    break
            best = min(best, total)
    return float(best)
