"""The sparse candidate-team layout: plans feasible on candidates only, bounds valid for the FULL problem."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from landrelease.errors import ValidationError
from landrelease.planning.bound import CQP, cqp_bound
from landrelease.planning.capacity import N_CLASSES, TEAM_TYPES
from landrelease.planning.forecast import simulate_schedule
from landrelease.planning.instance import Instance, core_family, core_jobs_teams
from landrelease.planning.sparse import (
    SparseCQP,
    SparseInstance,
    core_sparse,
    from_dense,
    grouped_bound,
    slots_of,
    sparse_bound,
    sparse_evaluate,
    sparse_list_schedule,
    sparse_local_search,
    sparse_solve,
    sparse_spreadsheet_rule,
)

from .support import brute_force_optimum, check_feasible, instances


def check_on_candidates(sp: SparseInstance, s) -> None:
    """Feasible for the candidate restriction: each job on one of ITS candidates for exactly that time."""
    check_feasible(sp.restricted(), s)
    assert (sp.cand == s.team[:, None]).any(axis=1).all(), "a job is on a team outside its candidates"


@settings(max_examples=120, deadline=None)
@given(instances(), st.integers(1, 4), st.integers(0, 3))
def test_sparse_schedules_are_feasible_and_local_search_never_worse(inst, width, seed):
    sp = from_dense(inst, width, seed=seed)
    assert np.isfinite(inst.p[np.arange(inst.n_jobs)[:, None], np.maximum(sp.cand, 0)][sp.valid]).all()
    lst = sparse_list_schedule(sp)
    ls = sparse_local_search(sp, lst)
    for s in (lst, ls):
        check_on_candidates(sp, s)
    assert ls.objective <= lst.objective * (1 + 1e-12) + 1e-9
    sheet = sparse_spreadsheet_rule(sp)  # over all eligible teams, not only candidates
    check_feasible(inst, sheet)


@settings(max_examples=100, deadline=None)
@given(instances(max_jobs=7, max_teams=3), st.integers(1, 2))
def test_sparse_bound_is_below_the_full_optimum_even_with_few_candidates(inst, width):
    # The certificate is priced over ALL eligible teams: it bounds the full problem's OPT,
    # which can be lower than the best schedule on the candidates.
    sp = from_dense(inst, width)
    b, wider = sparse_bound(sp, time_limit=5.0)
    opt = brute_force_optimum(inst)
    assert b.value <= opt * (1 + 1e-9) + 1e-9
    assert wider.width >= sp.width
    r = sparse_solve(sp, time_limit=2.0)
    check_on_candidates(r.instance, r.schedule)
    assert r.bound.value <= r.objective * (1 + 1e-9) + 1e-9


@settings(max_examples=60, deadline=None)
@given(instances(max_jobs=12, max_teams=4), st.integers(1, 4), st.integers(0, 2**31))
def test_full_certificate_equals_the_dense_one_at_any_candidate_point(inst, width, seed):
    sp = from_dense(inst, width)
    qs = SparseCQP(sp)
    x = qs.project(np.random.default_rng(seed).random(sp.p.shape))
    dense_x = np.zeros(inst.p.shape)
    rows = np.broadcast_to(np.arange(sp.n_jobs)[:, None], sp.cand.shape)
    dense_x[rows[sp.valid], sp.cand[sp.valid]] = x[sp.valid]
    qd = CQP(inst, strengthen=False)
    fd, gd = qd.value_grad(dense_x)
    fs, gs = qs.value_grad(x)
    assert fs == pytest.approx(fd, rel=1e-9, abs=1e-9)
    np.testing.assert_allclose(gs[sp.valid], gd[rows[sp.valid], sp.cand[sp.valid]], rtol=1e-9, atol=1e-9)
    cert, triv, _ = qs.full_certificate(x, fs, gs)
    assert cert == pytest.approx(qd.certificate(dense_x, fd, gd), rel=1e-7, abs=1e-6)
    assert triv == pytest.approx(float(inst.weight @ inst.p.min(axis=1)), rel=1e-8)


@settings(max_examples=40, deadline=None)
@given(st.integers(1, 7), st.integers(1, 3), st.integers(0, 10_000))
def test_grouped_bound_is_below_the_optimum_of_the_factored_problem(n, m, seed):
    sp = core_sparse(n, m, seed, width=2)
    inst = sp.dense()
    b = grouped_bound(sp.times, sp.weight, time_limit=3.0, bins=(1, 2))
    assert b.value <= brute_force_optimum(inst) * (1 + 1e-9) + 1e-9
    assert b.value >= b.trivial


def test_grouped_bound_is_close_to_the_full_relaxation_on_the_core_family():
    sp = core_sparse(600, 20, 1, width=8)
    full = cqp_bound(sp.dense(), time_limit=10.0, rel_tol=1e-6)
    grouped = grouped_bound(sp.times, sp.weight, time_limit=10.0)
    assert grouped.value <= full.relaxation_value * (1 + 1e-9)
    assert grouped.value >= 0.98 * full.value


def test_core_sparse_matches_the_dense_core_family_and_spreads_candidates_over_types():
    sp = core_sparse(400, 40, 5, width=8)
    dense = core_family(400, 40, 5)
    np.testing.assert_allclose(sp.dense().p, dense.p)
    types = core_jobs_teams(400, 40, 5)[1].type_index
    rows = np.broadcast_to(np.arange(400)[:, None], sp.cand.shape)
    # every candidate is eligible with the dense time, and every eligible type is among each job's candidates
    np.testing.assert_allclose(sp.p[sp.valid], dense.p[rows[sp.valid], sp.cand[sp.valid]])
    for j in range(0, 400, 37):
        eligible_types = set(types[np.isfinite(dense.p[j])].tolist())
        assert set(types[sp.cand[j][sp.cand[j] >= 0]].tolist()) == eligible_types
    # every team is somebody's candidate
    assert np.unique(sp.cand[sp.valid]).size == 40


def test_sparse_solve_on_the_core_family_is_feasible_and_certified():
    sp = core_sparse(2000, 40, 2, width=16)
    r = sparse_solve(sp, time_limit=8.0)
    check_on_candidates(r.instance, r.schedule)
    assert r.bound.value <= r.objective
    assert r.gap < 0.03
    assert r.objective <= r.list_objective
    assert sparse_spreadsheet_rule(sp).objective > r.objective


def test_bad_sparse_input_is_refused():
    with pytest.raises(ValidationError):
        SparseInstance(np.array([[0, 0]]), np.array([[1.0, 1.0]]), np.ones(1), 2, lambda r, c: None)
    with pytest.raises(ValidationError):
        SparseInstance(np.array([[-1]]), np.array([[np.inf]]), np.ones(1), 2, lambda r, c: None)
    sp = from_dense(Instance(p=np.array([[1.0, np.inf], [2.0, 3.0]]), weight=np.ones(2)), 1)
    with pytest.raises(ValidationError):
        slots_of(sp, np.array([1, 1]))  # job 0 cannot work on team 1
    with pytest.raises(ValidationError):
        sparse_evaluate(sp, np.array([0, 3]))


def test_simulations_of_a_schedule_keep_each_team_sequential_and_split_exactly():
    jobs, teams = core_jobs_teams(500, 12, 3)
    sp = core_sparse(500, 12, 3, width=6)
    s = sparse_local_search(sp, sparse_list_schedule(sp))
    sd = np.full((len(TEAM_TYPES), N_CLASSES), 0.3)
    args = (s.team, s.start, s.end - s.start, sp.weight, teams.type_index, jobs.land_class)
    fc = simulate_schedule(*args, sd=sd, standdown=0.1, n_sims=40, seed=9)
    part = simulate_schedule(*args, sd=sd, standdown=0.1, seed=9, sims=range(13, 40), chunk=4)
    np.testing.assert_array_equal(fc.completion[13:], part.completion)
    for k in range(12):  # no team in two places at once: completions follow the plan's order
        seq = s.sequence(k)
        assert (np.diff(fc.completion[:, seq], axis=1) >= 0).all()
    # no uncertainty: every job ends on the day its planned working-day end falls in
    exact = simulate_schedule(*args, sd=np.zeros_like(sd), standdown=0.0, n_sims=2, seed=1)
    assert (exact.completion >= s.end[None, :] - 1e-6).all()
    assert (exact.completion <= np.ceil(s.end)[None, :] + 1).all()
