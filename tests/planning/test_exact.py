"""The survey → clearance bound is certified: never above the exact optimum (enumeration) on tiny
instances with NTS precedence, team release dates and capacities; the exact solver agrees with plain
brute force when nothing waits for survey; and the plan's dispatch waits for an urgent area when that
is cheaper than starting a long one (issue 14)."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from landrelease.planning.calendar import Calendar
from landrelease.planning.exact import exact_precedence
from landrelease.planning.field import Areas, expand_units, plan_field, precedence_bound
from landrelease.planning.instance import Instance
from landrelease.planning.productivity import RateTable
from landrelease.planning.release import ReleaseModel, expected_release

from .support import brute_force_optimum


def tiny(seed: int, n: int, r: int, m_phys: int, m_surv: int, windows: bool):
    """Random tiny survey → clearance instance: TS/clearance teams first, then survey teams."""
    rng = np.random.default_rng(seed)
    m = m_phys + m_surv
    p = np.full((n, m), np.inf)
    p[:, :m_phys] = rng.uniform(0.5, 20.0, (n, m_phys))
    p[:, :m_phys][rng.random((n, m_phys)) < 0.3] = np.inf
    p[np.arange(n), rng.integers(0, m_phys, n)] = rng.uniform(0.5, 20.0, n)  # one eligible team at least
    p_nts = np.full((r, m), np.inf)
    p_nts[:, m_phys:] = rng.uniform(0.5, 8.0, (r, m_surv))
    w = rng.uniform(0.0, 10.0, n) * (rng.random(n) > 0.1)
    row = np.full(n, -1, dtype=np.int64)
    row[rng.choice(n, r, replace=False)] = np.arange(r)
    release = np.where(rng.random(m) < 0.5, rng.uniform(0.0, 15.0, m), 0.0) if windows else np.zeros(m)
    capacity = np.full(m, np.inf)
    if windows:  # room for each task on its fastest team, and some slack
        fastest = np.argmin(p, axis=1)
        need = np.bincount(fastest, weights=p[np.arange(n), fastest], minlength=m)
        need[m_phys:] = p_nts[:, m_phys:].min(axis=1).sum()
        capacity = np.where(rng.random(m) < 0.5, need * rng.uniform(1.2, 2.0, m) + 1.0, np.inf)
    return p, w, p_nts, row, release, capacity


@settings(max_examples=60, deadline=None)
@given(
    st.integers(0, 2**31),
    st.integers(2, 6),
    st.integers(1, 3),
    st.integers(1, 2),
    st.integers(1, 2),
    st.booleans(),
)
def test_precedence_bound_is_below_the_exact_optimum(seed, n, r, m_phys, m_surv, windows):
    p, w, p_nts, row, release, capacity = tiny(seed, n, min(r, n), m_phys, m_surv, windows)
    opt = exact_precedence(p, w, p_nts, row, release, capacity)
    if not np.isfinite(opt):
        return  # the capacities leave no schedule: nothing to bound
    bound, method = precedence_bound(p, w, p_nts, row, release, capacity, time_limit=2.0)
    assert bound <= opt * (1 + 1e-9) + 1e-9, method


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 2**31), st.integers(1, 6), st.integers(1, 3))
def test_exact_without_survey_is_the_brute_force_optimum(seed, n, m):
    rng = np.random.default_rng(seed)
    p = rng.uniform(0.5, 20.0, (n, m))
    w = rng.uniform(0.0, 10.0, n)
    opt = exact_precedence(p, w, np.zeros((0, m)), np.full(n, -1), np.zeros(m), np.full(m, np.inf))
    assert opt == pytest.approx(brute_force_optimum(Instance(p=p, weight=w)), rel=1e-9)


def test_survey_delays_clearance_in_the_exact_optimum():
    # one clearance team, one survey team: the urgent area waits 5 days for its NTS
    p = np.array([[1.0, np.inf], [10.0, np.inf]])
    p_nts = np.array([[np.inf, 5.0]])
    w = np.array([10.0, 1.0])
    opt = exact_precedence(p, w, p_nts, np.array([0, -1]), np.zeros(2), np.full(2, np.inf))
    # either wait (urgent 5 → 6, long 6 → 16: 76) or the long one first (10 → 11 urgent, 10: 120)
    assert opt == pytest.approx(76.0)


def test_team_waits_for_an_urgent_area_rather_than_starting_a_long_one():
    """Non-delay dispatch would start the long, low-priority area at once and leave the urgent
    one, whose survey ends two days later, waiting for months."""
    rates = RateTable.defaults()
    areas = Areas(
        np.array(["LONG", "URGENT"], dtype=object),
        np.array([30_000.0, 500.0]),
        np.zeros(2, np.int64),
        np.full(2, 35.0),
        np.full(2, 51.0),
        np.array([False, True]),
        np.zeros(2, bool),
        np.array(["R", "R"], dtype=object),
    )
    teams = expand_units(
        ["SURVEY", "MANUAL"], ["survey", "manual"], [3, 10], [35.0, 35.0], [51.0, 51.0], [0, 0], [np.inf, np.inf], rates
    )
    exp = expected_release(ReleaseModel(), areas.remaining, np.ones(2))
    weight = np.array([0.01, 10.0])
    plan = plan_field(
        areas, teams, weight, exp, start=dt.date(2027, 4, 5), calendar=Calendar(), rates=rates, time_limit=0.3
    )
    ph = plan.physical
    order = ph.area[np.argsort(ph.start)]
    assert [plan.areas.code[a] for a in order] == ["URGENT", "LONG"]
    nts_end = plan.nts.end[0]
    assert ph.start[ph.area == 1][0] >= nts_end - 1e-9
