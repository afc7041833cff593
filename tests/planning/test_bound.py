"""Lower bounds: valid (≤ every schedule, ≤ OPT), at least the trivial bound, and certified."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from landrelease.planning.bound import CQP, cqp_bound, trivial_bound
from landrelease.planning.instance import Instance, core_family
from landrelease.planning.schedule import evaluate, list_schedule, local_search, plan

from .support import brute_force_optimum, instances


@settings(max_examples=150, deadline=None)
@given(instances())
def test_bound_is_below_the_plan_and_above_the_trivial_bound(inst):
    b = cqp_bound(inst, time_limit=5.0)
    s = plan(inst, patience=5)
    assert b.trivial == pytest.approx(trivial_bound(inst))
    assert b.value >= b.trivial
    assert b.value >= b.cqp
    assert b.value <= s.objective * (1 + 1e-9) + 1e-9
    assert b.cqp <= b.relaxation_value * (1 + 1e-9) + 1e-9


@settings(max_examples=120, deadline=None)
@given(instances(max_jobs=7, max_teams=2))
def test_bound_below_brute_force_optimum_below_heuristic(inst):
    opt = brute_force_optimum(inst)
    b = cqp_bound(inst, time_limit=5.0)
    assert b.value <= opt * (1 + 1e-9) + 1e-9
    assert opt <= plan(inst, patience=5).objective * (1 + 1e-9) + 1e-9


@settings(max_examples=100, deadline=None)
@given(instances(max_jobs=10, max_teams=3))
def test_relaxation_equals_the_schedule_cost_at_an_assignment(inst):
    # Skutella's CQP is exact at 0/1 points: f(x) = Σ w_j C_j of the Smith-ordered schedule.
    q = CQP(inst)
    s = local_search(inst, list_schedule(inst))
    x = np.zeros(inst.p.shape)
    x[np.arange(inst.n_jobs), s.team] = 1.0
    f, _ = q.value_grad(x)
    assert f == pytest.approx(evaluate(inst, s.team).objective, rel=1e-9, abs=1e-9)


@settings(max_examples=100, deadline=None)
@given(instances(max_jobs=10, max_teams=4))
def test_certificate_at_any_point_is_below_the_relaxation_everywhere(inst):
    # Convexity: the certificate at an arbitrary (even infeasible) x is ≤ f(y) for every feasible y.
    q = CQP(inst)
    rng = np.random.default_rng(0)
    for _ in range(5):
        x = rng.normal(size=inst.p.shape) * inst.eligible
        f, g = q.value_grad(x)
        cert = q.certificate(x, f, g)
        for _ in range(5):
            y = q.project(rng.normal(size=inst.p.shape))
            assert np.allclose(y.sum(axis=1), 1.0) and (y >= 0).all()
            assert not y[~inst.eligible].any()
            fy, _ = q.value_grad(y)
            assert cert <= fy * (1 + 1e-9) + 1e-9


def test_projection_matches_a_direct_solution():
    inst = Instance(p=np.array([[1.0, 2.0, np.inf]]), weight=np.array([1.0]))
    q = CQP(inst)
    np.testing.assert_allclose(q.project(np.array([[0.9, 0.5, 7.0]])), [[0.7, 0.3, 0.0]])


def test_cqp_is_tight_on_the_core_family():
    inst = core_family(200, 10, seed=1)
    b = cqp_bound(inst, rel_tol=1e-6)
    assert b.value > 3 * b.trivial  # the trivial bound ignores waiting entirely
    assert b.relaxation_value - b.cqp <= 1e-5 * b.relaxation_value
    assert b.gap(plan(inst, patience=50).objective) < 0.015


def test_single_job_single_team_is_exact():
    inst = Instance(p=np.array([[4.0]]), weight=np.array([2.5]))
    assert cqp_bound(inst).value == pytest.approx(10.0)


def test_zero_weights_give_a_zero_bound_and_zero_gap():
    inst = Instance(p=np.array([[1.0, 2.0], [3.0, np.inf]]), weight=np.zeros(2))
    b = cqp_bound(inst)
    assert b.value == 0.0
    assert b.gap(plan(inst, patience=2).objective) == 0.0


def test_the_bound_is_valid_at_every_iteration_count():
    # The certificate never relies on convergence: stopping early only loosens it.
    inst = core_family(150, 8, seed=7)
    ub = plan(inst, patience=20).objective
    values = [cqp_bound(inst, max_iter=k, check_every=1).value for k in (0, 1, 5, 50, 500)]
    assert all(v <= ub for v in values)
    assert values[0] <= values[-1]
    assert values[-1] > 0.95 * ub


@settings(max_examples=100, deadline=None)
@given(instances(max_jobs=12, max_teams=3))
def test_strengthened_relaxation_is_convex_and_no_weaker(inst):
    # Hessian per team in y = p x: K − diag(δ) with K_jl = min(ρ_j, ρ_l); it must stay PSD.
    q = CQP(inst)
    delta = np.empty_like(q.delta)
    np.put_along_axis(delta, q.perm, q.delta, axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        rho = np.where(inst.eligible, inst.weight[:, None] / inst.p, 0.0)
    for k in range(inst.n_teams):
        kern = np.minimum(rho[:, k][:, None], rho[:, k][None, :]) - np.diag(delta[:, k])
        scale = max(1.0, float(np.abs(kern).max()))
        assert np.linalg.eigvalsh(kern).min() >= -1e-9 * scale
    # f_δ ≥ f on the feasible set (x − x² ≥ 0), equal at 0/1 points.
    plain = CQP(inst, strengthen=False)
    y = q.project(np.random.default_rng(1).normal(size=inst.p.shape))
    assert q.value(y) >= plain.value(y) * (1 - 1e-12) - 1e-9
    assert q.value(y) == pytest.approx(q.value_grad(y)[0], rel=1e-12, abs=1e-9)


def _windowed_optimum(inst, release, capacity) -> float:
    """OPT with team release dates and capacities, by enumeration (Smith order on each team)."""
    import itertools

    n, m = inst.p.shape
    best = np.inf
    for assign in itertools.product(*[np.flatnonzero(inst.eligible[j]) for j in range(n)]):
        total = 0.0
        for k in range(m):
            jobs = sorted((j for j in range(n) if assign[j] == k), key=lambda j: -inst.weight[j] / inst.p[j, k])
            if sum(inst.p[j, k] for j in jobs) > capacity[k]:
                total = np.inf
                break
            t = release[k]
            for j in jobs:
                t += inst.p[j, k]
                total += inst.weight[j] * t
        best = min(best, total)
    return float(best)


@settings(max_examples=80, deadline=None)
@given(instances(max_jobs=6, max_teams=3), st.integers(0, 2**31))
def test_windowed_bound_is_below_the_optimum_with_release_dates_and_capacities(inst, seed):
    from landrelease.planning.bound import windowed_bound

    rng = np.random.default_rng(seed)
    m = inst.n_teams
    release = np.where(rng.random(m) < 0.5, rng.uniform(0, 50, m), 0.0)
    # capacities that leave at least one feasible assignment: the fastest team of each job takes it
    fastest = np.argmin(inst.p, axis=1)
    need = np.bincount(fastest, weights=inst.p[np.arange(inst.n_jobs), fastest], minlength=m)
    capacity = np.where(rng.random(m) < 0.6, need * rng.uniform(1.0, 1.5, m), np.inf)
    opt = _windowed_optimum(inst, release, capacity)
    b = windowed_bound(inst, release=release, capacity=capacity, target=opt * 1.2 + 1, time_limit=3.0)
    assert b.value <= opt * (1 + 1e-9) + 1e-9
    plain = cqp_bound(inst, time_limit=3.0)
    assert b.trivial >= plain.trivial * (1 - 1e-9)  # release dates only raise the single-job bound


def test_window_capacities_raise_the_bound_on_a_congested_team():
    # two teams; team 1 is fast but may take only a little work: the plain CQP piles work on it
    rng = np.random.default_rng(3)
    n = 40
    p = np.c_[rng.uniform(5, 10, n), rng.uniform(1, 2, n)]
    inst = Instance(p=p, weight=rng.uniform(1, 10, n))
    from landrelease.planning.bound import windowed_bound

    plain = cqp_bound(inst, time_limit=3.0)
    capped = windowed_bound(inst, capacity=np.array([np.inf, 10.0]), time_limit=5.0)
    late = windowed_bound(inst, release=np.array([0.0, 30.0]), time_limit=3.0)
    assert capped.value > 1.1 * plain.value
    assert late.value > plain.value
