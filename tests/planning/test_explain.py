"""Plain-words answers (issue 14): dates and ranges, why the plan starts then, what sets the pace."""

from __future__ import annotations

import datetime as dt

import numpy as np

from landrelease.planning import explain
from landrelease.planning.calendar import Calendar
from landrelease.planning.field import Areas, expand_units, plan_field
from landrelease.planning.forecast import simulate
from landrelease.planning.productivity import RateTable
from landrelease.planning.release import ReleaseModel, expected_release

START = dt.date(2027, 4, 1)


def _plan(needs_nts: bool, survey_teams: int, manual_people: int):
    rates = RateTable.defaults()
    n = 40
    rng = np.random.default_rng(1)
    areas = Areas(
        np.array([f"A{i:02d}" for i in range(n)], dtype=object),
        rng.lognormal(np.log(3000), 0.5, n),
        np.zeros(n, np.int64),
        35 + 0.2 * rng.random(n),
        51 + 0.2 * rng.random(n),
        np.full(n, needs_nts),
        np.zeros(n, bool),
        np.array(["R"] * n, dtype=object),
    )
    units, types, people = ["M"], ["manual"], [manual_people]
    if survey_teams:
        units.append("S")
        types.append("survey")
        people.append(3 * survey_teams)
    k = len(units)
    teams = expand_units(units, types, people, [35.1] * k, [51.1] * k, [0] * k, [np.inf] * k, rates)
    exp = expected_release(ReleaseModel(), areas.remaining, np.full(n, 0.05 if needs_nts else 1.0))
    plan = plan_field(areas, teams, rng.random(n), exp, start=START, calendar=Calendar(), rates=rates, time_limit=0.3)
    return plan, simulate(plan, ReleaseModel(), n_sims=20, seed=1)


def test_completion_in_words_and_dates():
    text = explain.completion(np.array([13.2, 14.1, 16.3]) * 365.25, START)
    assert text.startswith("about 14 years, ")
    assert "13–16 years in 8 cases out of 10" in text and "2041" in text
    assert "months" in explain.completion(np.array([60.0, 90.0, 120.0]), START)
    assert "not clear within the simulated horizon" in explain.completion(np.array([100.0, 200.0, np.inf]), START)


def test_survey_sets_the_pace_when_clearance_waits_for_one_survey_team():
    plan, fc = _plan(needs_nts=True, survey_teams=1, manual_people=200)
    assert explain.pace(plan).startswith("Survey capacity sets the pace: 1 survey team ")
    lines = explain.plain_words(plan, fc)
    assert lines[0].startswith("- **The region is clear in about")
    assert str(START) in lines[1]


def test_clearance_sets_the_pace_without_survey_work():
    plan, _ = _plan(needs_nts=False, survey_teams=0, manual_people=10)
    assert explain.pace(plan).startswith("Manual capacity sets the pace")
