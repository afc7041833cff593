"""solve(): a feasible plan, a certified bound below it, and their gap."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from landrelease.planning.instance import core_family
from landrelease.planning.schedule import list_schedule, local_search
from landrelease.planning.solve import solve

from .support import brute_force_optimum, check_feasible, instances


@settings(max_examples=60, deadline=None)
@given(instances(max_jobs=7, max_teams=2))
def test_solve_on_tiny_instances_brackets_the_optimum(inst):
    r = solve(inst, time_limit=5.0, patience=5)
    check_feasible(inst, r.schedule)
    opt = brute_force_optimum(inst)
    assert r.bound.value <= opt * (1 + 1e-9) + 1e-9
    assert opt <= r.objective * (1 + 1e-9) + 1e-9
    assert 0.0 <= r.gap + 1e-9 and r.gap <= 1.0


def test_solve_on_the_core_family_is_certified_close_to_optimal():
    inst = core_family(200, 10, seed=4)
    r = solve(inst, patience=100)
    check_feasible(inst, r.schedule)
    assert r.objective <= local_search(inst, list_schedule(inst)).objective * (1 + 1e-12)
    assert r.gap == pytest.approx((r.objective - r.bound.value) / r.objective)
    assert 0 < r.gap < 0.015


@settings(max_examples=25, deadline=None)
@given(st.integers(5, 80), st.integers(1, 6), st.integers(0, 10_000))
def test_core_family_instances_are_planned_feasibly_and_bounded(n, m, seed):
    inst = core_family(n, m, seed)
    r = solve(inst, time_limit=5.0, patience=5, seed=seed)
    check_feasible(inst, r.schedule)
    assert r.bound.value <= r.objective * (1 + 1e-9)
    assert r.bound.value >= r.bound.trivial
