"""Team types and productivity defaults, with overrides (DOMAIN.md "Planning figures")."""

from __future__ import annotations

import numpy as np
import pytest

from landrelease.errors import ValidationError
from landrelease.planning.capacity import TEAM_TYPES, Productivity, type_index


def test_defaults_are_the_core_family_rates_with_sources():
    prod = Productivity.default()
    rates = prod.rate_matrix(["manual", "mechanical", "mdd", "eod"])
    np.testing.assert_array_equal(
        rates,
        [[50, 40, 30, 20], [1500, 800, 0, 0], [600, 400, 300, 0], [200, 200, 200, 200]],
    )
    assert all(prod.sources[t] for t in TEAM_TYPES)
    assert "HALO" in prod.sources["manual"]


def test_types_without_a_cited_rate_must_be_configured():
    with pytest.raises(ValidationError, match="bac"):
        Productivity.default().rate_matrix(["bac"])
    prod = Productivity.default().with_overrides({"bac": [900, 700, 500, 300]}, source="scenario")
    assert prod.rate_matrix(["bac"]).tolist() == [[900, 700, 500, 300]]
    assert prod.sources["bac"] == "scenario"


def test_override_by_class_name_changes_only_that_class():
    prod = Productivity.default().with_overrides({"MDD": {"urban": 150, 0: 700}})
    assert prod.rate_matrix(["mdd"]).tolist() == [[700, 400, 300, 150]]
    assert prod.rate_matrix(["manual"]).tolist() == [[50, 40, 30, 20]]


@pytest.mark.parametrize(
    "overrides",
    [
        {"tank": [1, 2, 3, 4]},
        {"manual": [1, 2]},
        {"manual": {"swamp": 3}},
        {"manual": [1, -2, 3, 4]},
        {"manual": "fast"},
    ],
)
def test_bad_overrides_say_what_to_fix(overrides):
    with pytest.raises(ValidationError):
        Productivity.default().with_overrides(overrides)


def test_type_index_follows_team_types():
    assert [type_index(t) for t in TEAM_TYPES] == list(range(len(TEAM_TYPES)))
