"""Scenario files, release model, priority score, productivity learned from the record."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from landrelease.errors import ValidationError
from landrelease.planning.priority import CRITERIA, parse_weights, score
from landrelease.planning.productivity import RateTable, learn_rates
from landrelease.planning.release import ReleaseModel, expected_release, learn_release
from landrelease.planning.scenario import load_scenario, parse_scenario

GOOD = """
[scenario]
name = "Test"
start = 2027-04-01
simulations = 50

[capacity]
exclude = ["UNIT-000001"]

[[deployment]]
unit = "UNIT-000001"
start = 2027-04-01
months = 3

[[team]]
type = "mdd"
people = 12
count = 2
end = 2027-12-31
base = [35.5, 51.3]

[calendar]
workdays = ["mon", "tue", "wed", "thu", "fri", "sat"]
standdown = 0.1

[rates.manual]
open = 45
sd = 0.2

[release]
pi_sha = 0.1

[weights]
accidents = 0.5
"""


def test_scenario_parses(tmp_path):
    p = tmp_path / "s.toml"
    p.write_text(GOOD)
    sc = load_scenario(p)
    assert sc.name == "Test" and sc.simulations == 50 and sc.exclude == ("UNIT-000001",)
    ((unit, w),) = sc.deployments
    assert unit == "UNIT-000001" and w.start == dt.date(2027, 4, 1) and w.end == dt.date(2027, 6, 30)
    assert sc.teams[0].count == 2 and sc.teams[0].window.end == dt.date(2027, 12, 31)
    assert sc.calendar.workdays == (0, 1, 2, 3, 4, 5)
    assert sc.weights["accidents"] == 0.5
    rates = RateTable.defaults().with_overrides(sc.rates)
    assert rates.rates["manual"][0].value == 45 and rates.rates["manual"][0].source == "scenario file"
    assert ReleaseModel().with_overrides(sc.release).pi_sha == 0.1


@pytest.mark.parametrize(
    "text, says",
    [
        ("[scenario]\nname='x'", "scenario.start"),
        ("[scenario]\nstart = 2027-01-01\n[bogus]\n", "unknown table 'bogus'"),
        ("[scenario]\nstart = 2027-01-01\n[calendar]\nseason = [1, 2]", "season"),
        ("[scenario]\nstart = 2027-01-01\n[[team]]\ntype = 'tank'", "team[0]"),
        ("[scenario]\nstart = 2027-01-01\n[weights]\nbeauty = 1", "unknown criterion"),
        ("[scenario]\nstart = 2027-01-01\n[[deployment]]\nunit='U'\nstart=2027-05-01\nend=2027-04-01", "before"),
        ("[scenario\nstart = ", "not a valid TOML"),
    ],
)
def test_bad_scenarios_say_what_to_fix(tmp_path, text, says):
    p = tmp_path / "bad.toml"
    p.write_text(text)
    with pytest.raises(ValidationError) as err:
        load_scenario(p)
    assert says in str(err.value) and "\n" not in str(err.value)


def test_rate_overrides_are_checked():
    with pytest.raises(ValidationError, match="rates"):
        RateTable.defaults().with_overrides({"manual": {"open": -1}})
    with pytest.raises(ValidationError, match="not a team type"):
        RateTable.defaults().with_overrides({"tank": {"open": 1}})
    with pytest.raises(ValidationError):
        parse_scenario({"scenario": {"start": dt.date(2027, 1, 1)}, "travel": {"km_per_day": 0}})


def test_release_split_accounts_for_all_area_and_learns_from_history():
    m = ReleaseModel()
    r = np.array([1000.0, 5000.0, 200.0])
    e = expected_release(m, r, np.array([1.0, 0.05, 0.5]))
    np.testing.assert_allclose(e.cancel + e.reduce + e.clear, r)
    assert e.clear[0] == pytest.approx(0.44 * 1000)  # CHA: the global 2022 split (Landmine Monitor 2023)
    # history: 100 closed SHAs, 50 needed clearance → π moves from 0.05 towards 0.5
    t = np.array(["sha"] * 100)
    clear = np.where(np.arange(100) < 50, 500.0, 0.0)
    learned = learn_release(m, t, np.full(100, 300.0), np.full(100, 200.0), clear)
    assert learned.pi_sha == pytest.approx((0.05 * 20 + 50) / 120)
    assert learned.cancel_clean == pytest.approx(0.6)
    assert "record" in learned.source


def test_priority_is_explained_by_its_parts():
    w = parse_weights({"beneficiaries": 1, "accidents": 3})
    s = score(
        w,
        beneficiaries=[0, 100, 1000],
        settlement_km=[0.1, 5, 20],
        road_km=[0.1, 1, 10],
        accidents=[0, 1, 4],
        haz_type=["sha", "cha", "sha"],
        evidence=[[], ["eo_found"], ["witness"]],
        land_use=["residential", "forest", None],
    )
    np.testing.assert_allclose(sum(s.parts.values()), s.total)
    assert set(s.parts) == set(CRITERIA)
    assert (s.total >= 0).all() and (s.total <= 100).all()
    with pytest.raises(ValidationError):
        parse_weights({k: 0 for k in CRITERIA})


def test_rates_learned_from_progress_reports_replace_defaults():
    rng = np.random.default_rng(0)
    n = 400
    dem = rng.integers(5, 10, n).astype(float)
    worked = dem * 33.0 * rng.lognormal(0, 0.2, n)
    types = np.array(["manual"] * n, dtype=object)
    cls = np.zeros(n, np.int64)
    t = learn_rates(RateTable.defaults(), types, cls, worked, dem, min_reports=30)
    r = t.rates["manual"][0]
    assert r.n == n and "record" in r.source and r.value == pytest.approx(33.0 * np.exp(0.02), rel=0.05)
    assert t.rates["manual"][1].n == 0 and "HALO" in t.rates["manual"][1].source  # no data → default, said so
    few = learn_rates(RateTable.defaults(), types[:10], cls[:10], worked[:10], dem[:10], min_reports=30)
    assert few.rates["manual"][0].n == 0


def test_ahp_weights_from_pairwise_comparisons():
    """Saaty's AHP: a consistent matrix gives its exact weights; an inconsistent one is refused."""
    from landrelease.planning.priority import ahp_weights

    # accidents 2× beneficiaries, 4× evidence (consistent): weights 4/7, 2/7, 1/7
    m = [[1, 2, 4], [0.5, 1, 2], [0.25, 0.5, 1]]
    w, cr = ahp_weights(["accidents", "beneficiaries", "evidence"], m)
    assert w["accidents"] == pytest.approx(4 / 7) and w["evidence"] == pytest.approx(1 / 7)
    assert w["road"] == 0 and cr == pytest.approx(0, abs=1e-9)
    with pytest.raises(ValidationError, match="inconsistent"):
        ahp_weights(["accidents", "beneficiaries", "evidence"], [[1, 9, 1 / 9], [1 / 9, 1, 9], [9, 1 / 9, 1]])
    sc = parse_scenario(
        {
            "scenario": {"start": dt.date(2027, 1, 1)},
            "ahp": {"criteria": ["accidents", "beneficiaries", "evidence"], "matrix": m},
        }
    )
    assert sc.weights["beneficiaries"] == pytest.approx(2 / 7)
    with pytest.raises(ValidationError, match="not both"):
        parse_scenario(
            {
                "scenario": {"start": dt.date(2027, 1, 1)},
                "weights": {"road": 1},
                "ahp": {"criteria": ["road", "evidence"], "matrix": [[1, 1], [1, 1]]},
            }
        )
