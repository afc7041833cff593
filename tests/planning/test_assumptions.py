"""Every figure of a plan says where it comes from; defaults without a cited source are ASSUMPTIONS."""

from __future__ import annotations

import numpy as np

from landrelease.planning.assumptions import ASSUMPTION, origin, provenance, rate_origins
from landrelease.planning.calendar import Calendar
from landrelease.planning.field import Travel
from landrelease.planning.productivity import FIELD_DEFAULTS, RateTable, learn_rates
from landrelease.planning.release import ReleaseModel


def test_uncited_defaults_are_marked_and_cited_ones_name_a_source():
    rows = provenance(RateTable.defaults(), ReleaseModel(), Travel(), Calendar())
    by = {(r["kind"], r["name"]): r for r in rows}
    for name in ("ts_effort", "pi_sha_evidence", "concentration", "prior_weight"):
        assert by[("release", name)]["origin"] == ASSUMPTION
    for name in ("pi_sha", "split_contaminated", "cancel_clean"):
        assert by[("release", name)]["origin"] == "cited default"
        assert by[("release", name)]["source"] and not by[("release", name)]["source"].startswith(ASSUMPTION)
    assert {by[("travel", n)]["origin"] for n in ("setup_days", "km_per_day", "visit_days")} == {ASSUMPTION}
    assert by[("rate", "survey open (m²/team/day)")]["origin"] == ASSUMPTION
    assert by[("rate", "bac open (m²/deminer/day)")]["origin"] == ASSUMPTION
    assert by[("rate", "eod urban (m²/team/day)")]["origin"] == ASSUMPTION
    assert by[("rate", "manual open (m²/deminer/day)")]["origin"] == "cited default"
    assert all(r["origin"] == ASSUMPTION for r in rows if r["kind"] == "team size")
    # every default type's source is either a citation or an explicit assumption
    assert all(src for _, _, src in FIELD_DEFAULTS.values())


def test_learned_and_overridden_figures_say_so():
    n = 40
    learned = learn_rates(
        RateTable.defaults(),
        np.array(["manual"] * n, dtype=object),
        np.zeros(n, np.int64),
        np.full(n, 250.0),
        np.full(n, 8.0),
        min_reports=30,
    )
    rates = learned.with_overrides({"mdd": {"open": 700}})
    counts = rate_origins(rates)
    assert counts["record"] == 1 and counts["scenario file"] == 1
    assert sum(counts.values()) == len(rates.rows())
    rows = provenance(
        rates,
        ReleaseModel().with_overrides({"ts_effort": 0.5}),
        Travel(km_per_day=40.0),
        Calendar(standdown=0.1),
        {"ts_effort": 0.5},
    )
    by = {(r["kind"], r["name"]): r["origin"] for r in rows}
    assert by[("rate", "manual open (m²/deminer/day)")] == "record"
    assert by[("rate", "mdd open (m²/team/day)")] == "scenario file"
    assert by[("release", "ts_effort")] == "scenario file"
    assert by[("travel", "km_per_day")] == "scenario file"
    assert by[("calendar", "standdown")] == "scenario file"
    assert origin("record: 40 progress reports") == "record"
