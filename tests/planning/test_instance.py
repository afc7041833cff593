"""The problem as arrays, and the synthetic core benchmark family of DOMAIN.md."""

from __future__ import annotations

import numpy as np
import pytest

from landrelease.errors import ValidationError
from landrelease.planning.capacity import Productivity, type_index
from landrelease.planning.instance import (
    Instance,
    Jobs,
    Teams,
    build_instance,
    capability_mask,
    core_family,
    core_jobs_teams,
    core_team_types,
)


def test_processing_time_is_area_over_rate_times_speed():
    jobs = Jobs.of(area=[1000.0, 600.0, 400.0], weight=[1, 2, 3], land_class=[0, 2, 3])
    teams = Teams.of([type_index("manual"), type_index("mechanical"), type_index("mdd")], speed=[1.0, 2.0, 0.5])
    inst = build_instance(jobs, teams)
    expected = np.array(
        [
            [1000 / 50, 1000 / (1500 * 2), 1000 / (600 * 0.5)],
            [600 / 30, np.inf, 600 / (300 * 0.5)],  # machines cannot work class 2
            [400 / 20, np.inf, np.inf],  # nor machines nor dogs class 3
        ]
    )
    np.testing.assert_allclose(inst.p, expected)


def test_capabilities_restrict_eligibility():
    eod3 = capability_mask(["EOD level 3"])
    assert eod3 == capability_mask(["eod3"]) and eod3 & capability_mask(["eod3", "medic"]) == eod3
    jobs = Jobs.of(area=[100.0, 100.0], weight=[1, 1], land_class=[0, 0], required=[eod3, 0])
    teams = Teams.of([type_index("eod"), type_index("eod")], capabilities=[eod3, 0])
    inst = build_instance(jobs, teams)
    assert inst.eligible.tolist() == [[True, False], [True, True]]


def test_a_job_no_team_can_work_is_refused():
    jobs = Jobs.of(area=[100.0], weight=[1], land_class=[3])
    teams = Teams.of([type_index("mechanical")])
    with pytest.raises(ValidationError, match="no eligible team"):
        build_instance(jobs, teams)


def test_rate_overrides_reach_processing_times():
    jobs = Jobs.of(area=[100.0], weight=[1], land_class=[3])
    teams = Teams.of([type_index("mechanical")])
    prod = Productivity.default().with_overrides({"mechanical": {3: 50}})
    assert build_instance(jobs, teams, prod).p.tolist() == [[2.0]]


@pytest.mark.parametrize("p,w", [([[0.0]], [1.0]), ([[1.0]], [-1.0]), ([[np.nan]], [1.0])])
def test_instance_checks_its_arrays(p, w):
    with pytest.raises(ValidationError):
        Instance(p=np.array(p), weight=np.array(w))


@pytest.mark.parametrize("m", [1, 2, 3, 7, 10, 30, 100])
def test_core_team_mix_has_exact_shares(m):
    types = core_team_types(m)
    assert types.size == m
    assert (types == type_index("manual")).sum() >= 1
    for name, share in {"manual": 0.55, "mechanical": 0.15, "mdd": 0.20, "eod": 0.10}.items():
        assert abs((types == type_index(name)).sum() - share * m) <= 1


def test_core_family_is_deterministic_and_follows_the_spec():
    a, b = core_family(2000, 20, seed=5), core_family(2000, 20, seed=5)
    np.testing.assert_array_equal(a.p, b.p)
    assert not np.array_equal(a.p, core_family(2000, 20, seed=6).p)
    jobs, teams = core_jobs_teams(2000, 20, seed=5)
    assert np.log(jobs.area).mean() == pytest.approx(np.log(8000), abs=0.1)
    assert np.log(jobs.area).std() == pytest.approx(1.0, abs=0.1)
    assert np.log(jobs.weight).mean() == pytest.approx(np.log(50), abs=0.15)
    assert np.log(jobs.weight).std() == pytest.approx(1.2, abs=0.1)
    assert set(np.unique(jobs.land_class)) == {0, 1, 2, 3}
    assert a.eligible.any(axis=1).all()
    # mechanical teams never work class 2–3, EOD works everything
    mech = teams.type_index == type_index("mechanical")
    assert not a.eligible[np.ix_(jobs.land_class >= 2, mech)].any()
    assert a.eligible[:, teams.type_index == type_index("eod")].all()


def test_unknown_capability_is_refused():
    with pytest.raises(ValidationError, match="capability"):
        capability_mask(["jedi"])
