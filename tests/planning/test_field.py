"""Field plans (survey + clearance, calendars, windows, travel): property checks on every plan.

No team in two places at once, windows and calendars respected, only eligible teams, every area
accounted for, TS/clearance after NTS, bound ≤ objective — on random small instances.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from landrelease.planning.calendar import Calendar, Curves, curve, to_day
from landrelease.planning.capacity import TEAM_TYPES
from landrelease.planning.field import Areas, expand_units, plan_field
from landrelease.planning.productivity import RateTable
from landrelease.planning.release import ReleaseModel, expected_release

START = dt.date(2027, 3, 1)
CAL = Calendar(season=(0.3, 0.3, 0.6, 1, 1, 1, 1, 1, 1, 1, 0.6, 0.3), standdown=0.1)


def instance(seed: int, n: int = 60, method: str = "solve"):
    rng = np.random.default_rng(seed)
    areas = Areas(
        np.array([f"HA-{i:04d}" for i in range(n)], dtype=object),
        rng.lognormal(np.log(5000), 1, n),
        rng.integers(0, 4, n),
        35 + rng.random(n),
        51 + 0.5 * rng.random(n),
        rng.random(n) < 0.6,
        rng.random(n) < 0.05,
        np.array(["North", "South"], dtype=object)[rng.integers(0, 2, n)],
    )
    rates = RateTable.defaults()
    units = ["U1", "U2", "U3", "U4", "U5", "U6"]
    types = ["manual", "mechanical", "mdd", "survey", "eod", "manual"]
    people = [20, 10, 6, 3, 4, 40]
    first = [0, 0, 0, 0, 0, 20]
    last = [np.inf, np.inf, np.inf, np.inf, np.inf, 20 + int(rng.integers(30, 90))]
    teams = expand_units(units, types, people, [35.5] * 6, [51.2] * 6, first, last, rates)
    pi = np.where(rng.random(n) < 0.3, 1.0, 0.05)
    exp = expected_release(ReleaseModel(), areas.remaining, pi)
    weight = rng.lognormal(0, 1, n) * areas.remaining / 1e6
    plan = plan_field(
        areas, teams, weight, exp, start=START, calendar=CAL, rates=rates, time_limit=0.5, seed=seed, method=method
    )
    return plan


@pytest.mark.parametrize("seed, method", [(1, "solve"), (2, "solve"), (3, "solve"), (4, "spreadsheet")])
def test_plan_properties(seed, method):
    plan = instance(seed, method=method)
    teams, areas = plan.teams, plan.areas
    factors = CAL.base_factors(START, plan.n_days + 10)
    intervals: dict[int, list[tuple[float, float]]] = {}
    for st in (plan.nts, plan.physical):
        for j in np.flatnonzero(st.team >= 0):
            k = int(st.team[j])
            s, e = st.start[j], st.end[j]
            assert np.isfinite(s) and np.isfinite(e) and e > s
            # only eligible teams: finite duration; NTS by survey teams, IED areas by EOD teams
            assert np.isfinite(st.work_days[j, k])
            kind = TEAM_TYPES[teams.type_index[k]]
            assert (kind == "survey") == (st.name == "nts")
            if st.name == "physical" and areas.ied[st.area[j]]:
                assert kind == "eod"
            # windows: inside the team's deployment window
            assert s >= teams.first[k] - 1e-9 and e <= teams.last[k] + 1 + 1e-9
            # calendar: work starts on a working day
            assert factors[int(np.floor(s + 1e-9))] > 0
            intervals.setdefault(k, []).append((s, e))
    # no team in two places at once
    for iv in intervals.values():
        iv.sort()
        for (_, e0), (s1, _) in zip(iv, iv[1:], strict=False):
            assert s1 >= e0 - 1e-9
    # every area accounted for: planned once for TS/clearance, or reported not planned
    ph = plan.physical
    planned = ph.area[ph.team >= 0]
    assert len(set(planned.tolist())) == len(planned)
    unplanned = set(range(len(areas))) - set(planned.tolist())
    assert not unplanned or any(f"{len(unplanned)} area(s) not planned" in n for n in plan.notes)
    e = plan.expected
    np.testing.assert_allclose(e.cancel + e.reduce + e.clear, areas.remaining)
    # TS/clearance only after the area's NTS
    nts_end = dict(zip(plan.nts.area.tolist(), plan.nts.end.tolist(), strict=True))
    for j in np.flatnonzero(ph.team >= 0):
        a = int(ph.area[j])
        if a in nts_end and np.isfinite(nts_end[a]):
            assert ph.start[j] >= nts_end[a] - 1e-6
    # certified bound below the objective it bounds
    assert 0 < plan.bound <= plan.objective_wd * (1 + 1e-9)
    assert 0 <= plan.gap < 1


def test_windowed_unit_work_is_reported_when_it_does_not_fit():
    """A unit whose window is too short for the work it alone can do leaves areas not planned."""
    rates = RateTable.defaults()
    n = 30
    areas = Areas(
        np.array([f"A{i}" for i in range(n)], dtype=object),
        np.full(n, 2_000.0),
        np.zeros(n, np.int64),
        np.full(n, 35.0),
        np.full(n, 51.0),
        np.zeros(n, bool),
        np.zeros(n, bool),
        np.array(["R"] * n, dtype=object),
    )
    teams = expand_units(["U"], ["manual"], [10], [np.nan], [np.nan], [0], [30], rates)
    exp = expected_release(ReleaseModel(), areas.remaining, np.ones(n))
    plan = plan_field(areas, teams, np.ones(n), exp, start=START, calendar=Calendar(), rates=rates, time_limit=0.3)
    done = plan.physical.team >= 0
    assert 0 < done.sum() < n
    assert plan.physical.end[done].max() <= 31
    assert any("not planned" in note for note in plan.notes)


def test_calendar_curve_skips_weekends_and_windows():
    f = Calendar().base_factors(dt.date(2026, 11, 2), 14)  # a Monday
    assert f.tolist() == [1, 1, 1, 1, 1, 0, 0] * 2
    cap = curve(f)[None, :]
    assert to_day(cap, np.array([5.0]), start=True)[0] == 7.0  # work 5 days, next starts Monday
    assert to_day(cap, np.array([5.0]), start=False)[0] == 5.0
    assert np.isinf(to_day(cap, np.array([10.5]), start=False)[0])
    cv = Curves(cap)
    x = np.array([3.25])
    assert cv.position(cv.day(x, start=False))[0] == pytest.approx(3.25)


def test_without_survey_teams_nts_is_reported_not_planned():
    rates = RateTable.defaults()
    n = 12
    areas = Areas(
        np.array([f"A{i}" for i in range(n)], dtype=object),
        np.full(n, 1_000.0),
        np.zeros(n, np.int64),
        np.full(n, 35.0),
        np.full(n, 51.0),
        np.ones(n, bool),
        np.zeros(n, bool),
        np.array(["R"] * n, dtype=object),
    )
    teams = expand_units(["U"], ["manual"], [10], [np.nan], [np.nan], [0], [np.inf], rates)
    exp = expected_release(ReleaseModel(), areas.remaining, np.full(n, 0.05))
    plan = plan_field(areas, teams, np.ones(n), exp, start=START, calendar=Calendar(), rates=rates, time_limit=0.2)
    assert (plan.nts.team < 0).all() and (plan.physical.team >= 0).all()
    assert any(f"{n} NTS task(s) not planned" in note for note in plan.notes)
