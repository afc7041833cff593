"""Schedules are feasible, local search never loses, and on tiny instances sits above OPT."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings

from landrelease.errors import ValidationError
from landrelease.planning.instance import Instance, core_family
from landrelease.planning.schedule import (
    evaluate,
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
    for s in (lst, sheet, best):
        check_feasible(inst, s)
    assert best.objective <= lst.objective * (1 + 1e-12) + 1e-9
    assert best.objective <= local_search(inst, sheet).objective * 1.5 + 1e-9  # sane, not equal


@settings(max_examples=120, deadline=None)
@given(instances(max_jobs=7, max_teams=2))
def test_heuristic_is_above_brute_force_optimum(inst):
    opt = brute_force_optimum(inst)
    best = plan(inst)
    assert opt <= best.objective * (1 + 1e-9) + 1e-9
    assert best.objective <= list_schedule(inst).objective * (1 + 1e-12) + 1e-9


def test_local_search_finds_the_optimum_of_a_small_known_case():
    # Two identical teams, four unit jobs: OPT puts two on each team: 1+2+1+2 = 6.
    inst = Instance(p=np.ones((4, 2)), weight=np.ones(4))
    s = local_search(inst, evaluate(inst, np.zeros(4, dtype=int)))
    assert s.objective == pytest.approx(6.0)
    check_feasible(inst, s)


def test_each_team_works_in_smith_order():
    inst = core_family(120, 6, seed=3)
    s = plan(inst)
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
    assert plan(inst).objective < 0.9 * spreadsheet_rule(inst).objective


def test_evaluate_refuses_an_ineligible_assignment():
    inst = Instance(p=np.array([[1.0, np.inf]]), weight=np.array([1.0]))
    with pytest.raises(ValidationError, match="ineligible"):
        evaluate(inst, np.array([1]))
