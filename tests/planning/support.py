"""Helpers for planning tests: random small instances and an independent feasibility check."""

from __future__ import annotations

import itertools

import numpy as np
from hypothesis import strategies as st

from landrelease.planning.instance import Instance
from landrelease.planning.schedule import Schedule


@st.composite
def instances(draw, max_jobs: int = 12, max_teams: int = 4) -> Instance:
    """Unrelated teams with eligibility: p in [0.1, 100] days or ineligible, weights in [0, 100]."""
    n = draw(st.integers(1, max_jobs))
    m = draw(st.integers(1, max_teams))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    p = rng.uniform(0.1, 100.0, (n, m))
    if draw(st.booleans()):  # related-like structure: job size × team speed
        p = rng.uniform(0.1, 10.0, (n, 1)) * rng.uniform(0.5, 2.0, (1, m)) * 5
    ok = rng.random((n, m)) < draw(st.sampled_from([1.0, 0.7, 0.4]))
    ok[np.arange(n), rng.integers(0, m, n)] = True
    w = rng.uniform(0.0, 100.0, n) * (rng.random(n) > 0.1)
    if draw(st.booleans()):
        w = np.round(w / 10) * 10  # ties in weights and ratios
        p = np.where(ok, np.round(p), np.inf)
        p[p < 1] = 1.0
    return Instance(p=np.where(ok, p, np.inf), weight=w)


def check_feasible(inst: Instance, s: Schedule) -> None:
    """Each job on exactly one eligible team for exactly p_jk, no overlap on a team, objective."""
    n, m = inst.p.shape
    assert s.team.shape == s.start.shape == s.end.shape == (n,)
    assert ((s.team >= 0) & (s.team < m)).all()
    p = inst.p[np.arange(n), s.team]
    assert np.isfinite(p).all(), "a job is on an ineligible team"
    assert (s.start >= -1e-9).all()
    np.testing.assert_allclose(s.end - s.start, p, rtol=1e-9, atol=1e-9)
    for k in range(m):
        jobs = np.flatnonzero(s.team == k)
        order = jobs[np.argsort(s.start[jobs], kind="stable")]
        assert (s.start[order][1:] >= s.end[order][:-1] - 1e-9 * (1 + s.end.max())).all()
    recomputed = float(np.sum(inst.weight * s.end))
    assert np.isclose(s.objective, recomputed, rtol=1e-9, atol=1e-9)


def brute_force_optimum(inst: Instance) -> float:
    """OPT by enumerating eligible assignments; Smith order is optimal per team (Smith 1956)."""
    n, m = inst.p.shape
    best = np.inf
    choices = [np.flatnonzero(inst.eligible[j]) for j in range(n)]
    for assign in itertools.product(*choices):
        total = 0.0
        for k in range(m):
            jobs = [j for j in range(n) if assign[j] == k]
            # Smith order via exchange-free comparison w_i p_j > w_j p_i (no division).
            jobs.sort(key=lambda j: -inst.weight[j] / inst.p[j, k])
            t = 0.0
            for j in jobs:
                t += inst.p[j, k]
                total += inst.weight[j] * t
        best = min(best, total)
    return float(best)
