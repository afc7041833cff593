"""Schedules are feasible, local search never loses, and on tiny instances sits above OPT."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings

from landrelease.errors import ValidationError
from landrelease.planning import schedule as schedule_module
from landrelease.planning.instance import Instance, core_family
from landrelease.planning.schedule import (
    _LocalSearch,
    evaluate,
    iterated_local_search,
    list_schedule,
    local_search,
    plan,
    spreadsheet_rule,
)

from .support import brute_force_optimum, check_feasible, instances


@settings(max_examples=150, deadline=None)
@given(instances())
def test_every_schedule_is_feasible_and_local_search_never_worse(inst):
    lst = list_schedule(inst)
    sheet = spreadsheet_rule(inst)
    best = local_search(inst, lst)
    ils = iterated_local_search(inst, lst, patience=10, seed=1)
    for s in (lst, sheet, best, ils):
        check_feasible(inst, s)
    assert best.objective <= lst.objective * (1 + 1e-12) + 1e-9
    assert ils.objective <= best.objective * (1 + 1e-12) + 1e-9
    assert best.objective <= local_search(inst, sheet).objective * 1.5 + 1e-9  # sane, not equal


@settings(max_examples=120, deadline=None)
@given(instances(max_jobs=7, max_teams=2))
def test_heuristic_is_above_brute_force_optimum(inst):
    opt = brute_force_optimum(inst)
    lst = list_schedule(inst)
    best = local_search(inst, lst)
    ils = plan(inst, patience=10)
    assert opt <= ils.objective * (1 + 1e-9) + 1e-9
    assert opt <= best.objective * (1 + 1e-9) + 1e-9
    assert best.objective <= lst.objective * (1 + 1e-12) + 1e-9


def test_local_search_finds_the_optimum_of_a_small_known_case():
    # Two identical teams, four unit jobs: OPT puts two on each team: 1+2+1+2 = 6.
    inst = Instance(p=np.ones((4, 2)), weight=np.ones(4))
    s = local_search(inst, evaluate(inst, np.zeros(4, dtype=int)))
    assert s.objective == pytest.approx(6.0)
    check_feasible(inst, s)


def test_each_team_works_in_smith_order():
    inst = core_family(120, 6, seed=3)
    s = plan(inst, patience=20)
    for k in range(inst.n_teams):
        seq = s.sequence(k)
        ratio = inst.weight[seq] / inst.p[seq, k]
        assert (np.diff(ratio) <= 1e-12).all()


def test_spreadsheet_rule_is_strict_priority_order_on_one_team():
    inst = Instance(p=np.array([[1.0], [5.0], [2.0]]), weight=np.array([3.0, 9.0, 1.0]))
    s = spreadsheet_rule(inst)
    assert s.start.tolist() == [5.0, 0.0, 6.0]
    assert s.objective == 3 * 6 + 9 * 5 + 1 * 8


def test_weight_over_duration_beats_the_spreadsheet_rule_on_the_core_family():
    inst = core_family(200, 10, seed=0)
    assert plan(inst, patience=20).objective < 0.9 * spreadsheet_rule(inst).objective


def test_local_search_reaches_a_local_optimum():
    # No single move or swap improves the result: checked by brute force on a small core instance.
    inst = core_family(40, 4, seed=2)
    s = local_search(inst, list_schedule(inst))
    base = s.objective
    for j in range(inst.n_jobs):
        for k in np.flatnonzero(inst.eligible[j]):
            team = s.team.copy()
            team[j] = k
            assert evaluate(inst, team).objective >= base * (1 - 1e-9)
    for a in range(inst.n_jobs):
        for b in range(a + 1, inst.n_jobs):
            ka, kb = s.team[a], s.team[b]
            if ka != kb and inst.eligible[a, kb] and inst.eligible[b, ka]:
                team = s.team.copy()
                team[a], team[b] = kb, ka
                assert evaluate(inst, team).objective >= base * (1 - 1e-9)


def test_evaluate_refuses_an_ineligible_assignment():
    inst = Instance(p=np.array([[1.0, np.inf]]), weight=np.array([1.0]))
    with pytest.raises(ValidationError, match="ineligible"):
        evaluate(inst, np.array([1]))


@settings(max_examples=80, deadline=None)
@given(instances(max_jobs=10, max_teams=4))
def test_move_and_swap_deltas_are_exact(inst):
    # The closed-form deltas of the local search equal re-evaluation from scratch.
    rng = np.random.default_rng(0)
    team = np.array([rng.choice(np.flatnonzero(inst.eligible[j])) for j in range(inst.n_jobs)])
    ls = _LocalSearch(inst, team)
    base = evaluate(inst, team).objective
    assert ls.objective == pytest.approx(base, rel=1e-9, abs=1e-9)
    for j in range(inst.n_jobs):
        for k in np.flatnonzero(inst.eligible[j]):
            if k == team[j]:
                continue
            moved = team.copy()
            moved[j] = k
            want = evaluate(inst, moved).objective - base
            assert ls.R[j] + ls.I[j, k] == pytest.approx(want, rel=1e-9, abs=1e-6)
    ls.swaps(eps=np.inf)  # fills the swap cache without applying anything
    m = inst.n_teams
    for k in range(m):
        for ll in range(k + 1, m):
            if np.isfinite(ls.swap_val[k, ll]):
                a, b = ls.swap_a[k, ll], ls.swap_b[k, ll]
                swapped = team.copy()
                swapped[a], swapped[b] = team[b], team[a]
                want = evaluate(inst, swapped).objective - base
                assert ls.swap_val[k, ll] == pytest.approx(want, rel=1e-9, abs=1e-6)


def test_candidate_list_swaps_are_exact_and_local_search_stays_feasible(monkeypatch):
    # Large instances restrict swaps to each job's best move targets; force that mode here.
    monkeypatch.setattr(schedule_module, "SWAP_PAIRS", 0)
    monkeypatch.setattr(schedule_module, "SWAP_TEAMS", 2)
    inst = core_family(60, 5, seed=4)
    team = list_schedule(inst).team
    ls = _LocalSearch(inst, team)
    base = evaluate(inst, team).objective
    ls.swaps(eps=np.inf)
    checked = 0
    for k in range(inst.n_teams):
        for ll in range(k + 1, inst.n_teams):
            if np.isfinite(ls.swap_val[k, ll]):
                a, b = ls.swap_a[k, ll], ls.swap_b[k, ll]
                assert {team[a], team[b]} == {k, ll}
                swapped = team.copy()
                swapped[a], swapped[b] = team[b], team[a]
                want = evaluate(inst, swapped).objective - base
                assert ls.swap_val[k, ll] == pytest.approx(want, rel=1e-9, abs=1e-6)
                checked += 1
    assert checked > 0
    s = iterated_local_search(inst, list_schedule(inst), patience=10)
    check_feasible(inst, s)
    assert s.objective <= local_search(inst, list_schedule(inst)).objective * (1 + 1e-12)
