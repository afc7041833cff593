"""Use cases on single records, on both backends: create, land release ledger, state machine,
optimistic concurrency, soft delete and history (IMAS 07.11; DESIGN.md audit rules)."""

from __future__ import annotations

import datetime as dt

import pytest
import shapely

from landrelease.errors import Conflict, NotFound, ValidationError
from landrelease.service import records
from landrelease.service.stats import country_table

# A ~1.1 km × 1.1 km square near 51.4 N 35.5 E
SQUARE = shapely.box(35.50, 51.40, 35.516, 51.41)
WEST_HALF = shapely.box(35.50, 51.40, 35.508, 51.41)
EAST_HALF = shapely.box(35.508, 51.40, 35.516, 51.41)


def _org(store) -> str:
    return records.create(store, "organisation", {"name": "Test Operator", "org_kind": "ngo"}).codes[0]


def _area(store, geom=SQUARE, **values) -> str:
    base = {"haz_type": "sha", "status": "open", "name": "Field by the river"}
    base.update(values)
    return records.create(store, "hazardous_area", base, geom).codes[0]


def _activity(store, area, act_type, org):
    return records.create(
        store,
        "activity",
        {"act_type": act_type, "area": area, "org": org, "status": "ongoing", "start": "2026-03-01"},
    ).codes[0]


def test_create_assigns_code_area_and_opens_ledger(store):
    code = _area(store)
    year = dt.date.today().year
    assert code == f"HA-{year}-000001"
    a = records.get(store, code)
    # geodesic area of the box: 0.016° lon × 0.01° lat at 51.4 N ≈ 1,112 m × 1,112 m
    assert a["area_m2"] == pytest.approx(1_237_000, rel=0.01)
    assert a["remain_m2"] == pytest.approx(a["area_m2"])
    assert a["cancel_m2"] == a["reduce_m2"] == a["clear_m2"] == 0
    assert a["remaining"].equals(SQUARE)
    assert a["version"] == 1 and a["created_by"].startswith("test:")


def test_release_keeps_ledger_and_closes_when_fully_released(store):
    org = _org(store)
    code = _area(store)
    nts = _activity(store, code, "nts", org)
    clr = _activity(store, code, "clearance", org)
    records.create(
        store, "land_release", {"area": code, "activity": nts, "rel_type": "cancelled", "date": "2026-04-01"}, WEST_HALF
    )
    a = records.get(store, code)
    assert a["cancel_m2"] == pytest.approx(a["area_m2"] / 2, rel=1e-3)
    assert a["remain_m2"] == pytest.approx(a["area_m2"] / 2, rel=1e-3)
    assert (
        a["remaining"].equals_exact(EAST_HALF.normalize(), 1e-9)
        or a["remaining"].normalize().equals(EAST_HALF.normalize())
        or abs(a["remaining"].symmetric_difference(EAST_HALF).area) < 1e-12
    )
    assert a["status"] == "open"

    # cleared land needs a depth (IMAS 09.10)
    with pytest.raises(ValidationError, match="depth"):
        records.create(
            store,
            "land_release",
            {"area": code, "activity": clr, "rel_type": "cleared", "date": "2026-05-01"},
            EAST_HALF,
        )
    # land already released cannot be released again
    with pytest.raises(ValidationError, match="already released"):
        records.create(
            store,
            "land_release",
            {"area": code, "activity": clr, "rel_type": "cleared", "date": "2026-05-01", "depth_cm": 20},
            SQUARE,
        )
    # a cleared product cannot come from an NTS activity
    with pytest.raises(ValidationError, match="not nts"):
        records.create(
            store,
            "land_release",
            {"area": code, "activity": nts, "rel_type": "cleared", "date": "2026-05-01", "depth_cm": 20},
            EAST_HALF,
        )
    records.create(
        store,
        "land_release",
        {"area": code, "activity": clr, "rel_type": "cleared", "date": "2026-05-01", "depth_cm": 20},
        EAST_HALF,
    )
    a = records.get(store, code)
    total = a["cancel_m2"] + a["reduce_m2"] + a["clear_m2"]
    assert total <= a["area_m2"] * (1 + 1e-9)
    assert total == pytest.approx(a["area_m2"], rel=1e-6)
    assert a["remain_m2"] == 0 and a["remaining"] is None
    assert a["status"] == "closed"
    # closed → handed over is legal; releasing more from a closed area is not
    records.update(store, code, {"status": "handed_over"})
    with pytest.raises(ValidationError, match="open hazardous area"):
        records.create(store, "land_release", {"area": code, "rel_type": "cancelled", "date": "2026-06-01"}, WEST_HALF)


def test_release_outside_area_is_refused_and_nothing_written(store):
    code = _area(store)
    outside = shapely.box(35.52, 51.40, 35.53, 51.41)
    with pytest.raises(ValidationError, match="outside"):
        records.create(store, "land_release", {"area": code, "rel_type": "cancelled", "date": "2026-04-01"}, outside)
    a = records.get(store, code)
    assert a["version"] == 1 and a["cancel_m2"] == 0
    assert records.list_records(store, "land_release") == []


def test_state_machine_refuses_illegal_transitions(store):
    code = _area(store, haz_type="cha")
    with pytest.raises(ValidationError, match="cannot be downgraded"):
        records.update(store, code, {"haz_type": "sha"})
    with pytest.raises(ValidationError, match="still hazardous"):
        records.update(store, code, {"status": "closed"})
    with pytest.raises(ValidationError, match="only a closed area can be handed over"):
        records.update(store, code, {"status": "handed_over"})
    sha = _area(store, WEST_HALF, evidence="witness")  # another area: the same perimeter twice is refused
    with pytest.raises(ValidationError, match="direct evidence"):
        records.update(store, sha, {"haz_type": "cha"}, note="villagers are sure")
    after = records.update(store, sha, {"haz_type": "cha", "evidence": "witness,eo_found"}, note="PMN-2 found")
    assert after["haz_type"] == "cha" and after["version"] == 2 and after["evidence"] == ["witness", "eo_found"]


def test_optimistic_concurrency_and_soft_delete_and_history(store):
    code = _area(store)
    records.update(store, code, {"name": "North field"}, expected_version=1)
    with pytest.raises(Conflict, match="version 1"):
        records.update(store, code, {"name": "South field"}, expected_version=1)
    assert records.get(store, code)["name"] == "North field"
    moved = shapely.box(35.50, 51.40, 35.51, 51.405)
    records.update(store, code, {}, geometry=moved)
    records.delete(store, code, reason="duplicate of another area")
    with pytest.raises(NotFound):
        records.get(store, code)
    hist = records.history(store, code)
    assert [h["action"] for h in hist] == ["create", "update", "update", "delete"]
    assert hist[1]["diff"]["name"] == (None if False else "Field by the river", "North field")
    v1 = records.version(store, code, 1)
    assert shapely.equals(v1["geom"], SQUARE)
    v3 = records.version(store, code, 3)
    assert shapely.equals(v3["geom"], moved)


def test_unknown_reference_is_refused(store):
    with pytest.raises(ValidationError, match="no hazardous area with code 'HA-1999-000001'"):
        records.create(store, "activity", {"act_type": "nts", "status": "planned", "area": "HA-1999-000001"})


def test_country_table_sums(store):
    _area(store)
    _area(store, geom=shapely.box(35.60, 51.40, 35.616, 51.41), haz_type="cha")
    data = country_table(store)
    assert data["record"]["areas"] == 2
    kinds = {r["type"]: r for r in data["contamination"]}
    assert set(kinds) == {"sha", "cha"}
    assert kinds["sha"]["original_km2"] == pytest.approx(1.237, rel=0.01)


def test_list_filters_references_by_code(store):
    org = _org(store)
    a, b = _area(store), _area(store, geom=shapely.box(35.60, 51.40, 35.616, 51.41))
    act = _activity(store, a, "nts", org)
    _activity(store, b, "ts", org)
    found = records.list_records(store, "activity", where={"area": a})
    assert [x["code"] for x in found] == [act] and found[0]["area"] == a and found[0]["org"] == org
    assert records.list_records(store, "activity", where={"area": "HA-1999-000001"}) == []
