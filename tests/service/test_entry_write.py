"""Entry rules and area-touch authorisation in the one write path, on both backends (SQLite, PostGIS).

Each rule is checked through the service's single-record use case (what the web form and HTTP API
call) and through a file import (what the CLI calls): the same refusal, and nothing stored. The
cross-organisation paths: an activity on another's area, a release through one's own activity on
another's area, progress reports and finds on another's area, and the authority's tasking."""

from __future__ import annotations

import datetime as dt
import json

import pytest
import shapely
from sqlalchemy import func, select

from landrelease.errors import Conflict, Forbidden, ValidationError
from landrelease.service import accounts, records
from landrelease.service.transfer import import_file
from landrelease.store import repo
from landrelease.store.schema import TABLES

# ~12,450 m²: 0.0016° lon × 0.001° lat at 51.4 N ≈ 111 m × 111 m
SMALL = shapely.box(35.500, 51.400, 35.5016, 51.401)
OTHER = shapely.box(35.520, 51.400, 35.5216, 51.401)
PW = "correct horse battery staple"


def _count(store, kind: str) -> int:
    with repo.read_connection(store.engine) as conn:
        t = TABLES[kind]
        return conn.execute(select(func.count()).select_from(t)).scalar_one()


def _org(store, name: str) -> str:
    return records.create(store, "organisation", {"name": name, "org_kind": "ngo"}).codes[0]


def _area(store, geom=SMALL, **values) -> str:
    base = {"haz_type": "cha", "status": "open", "name": "Orchard by the road", **values}
    return records.create(store, "hazardous_area", base, geom).codes[0]


def _activity(store, area, org, **values) -> str:
    base = {"act_type": "clearance", "area": area, "org": org, "status": "ongoing", "start": "2026-03-01", **values}
    return records.create(store, "activity", base).codes[0]


def _report(store, activity, date="2026-05-01", worked=120.0, **values):
    return records.create(store, "progress_report", {"activity": activity, "date": date, "worked_m2": worked, **values})


def _as(store, username: str, role: str, org: str | None = None):
    accounts.add_account(store, username, role=role, password=PW, organisation=org)
    return store.acting(accounts.get_account(store, username).principal())


# ---- the probes of issue 9 ---------------------------------------------------------------------------


def test_progress_reports_obey_dates_scope_daily_ceiling_and_duplicates(store):
    org = _org(store, "Test Operator")
    area = _area(store, org=org)
    assert records.get(store, area)["area_m2"] == pytest.approx(12_450, rel=0.02)
    act = _activity(store, area, org, method="manual")
    ended = _activity(store, area, org, act_type="ts", start="2022-01-10", end="2022-03-01", status="completed")
    next_year = (dt.date.today() + dt.timedelta(days=366)).isoformat()
    cases = [
        (dict(date=next_year), "date", "after today"),
        (dict(date="1990-06-01"), "date", "started on 2026-03-01"),
        (dict(date="1939-06-01"), "date", "programme's start"),
        (dict(worked=50_000.0), "worked_m2", "still has to work"),
        (dict(worked=2_500.0), "worked_m2", "manual team works in a day"),
    ]
    for kw, field, words in cases:
        with pytest.raises(ValidationError, match=words) as exc:
            _report(store, act, **kw)
        assert exc.value.field == field
    with pytest.raises(ValidationError, match="ended on 2022-03-01") as exc:
        _report(store, ended, date="2026-05-01")
    assert exc.value.field == "date"
    assert _count(store, "progress_report") == 0
    first = _report(store, act)
    assert first.notes == []
    with pytest.raises(ValidationError, match=f"already in the record as {first.codes[0]}"):
        _report(store, act)
    near = _report(store, act, worked=1_700.0)  # same day, another figure, near the ceiling: flagged
    assert any("same team and day" in n for n in near.notes) and any("near a manual" in n for n in near.notes)
    # 12,450 m² in all: what is left after 1,820 m² is 10,630 m²
    for day in range(2, 8):
        _report(store, act, date=f"2026-05-{day:02d}", worked=1_600.0)
    with pytest.raises(ValidationError, match="still has to work"):
        _report(store, act, date="2026-05-09", worked=1_600.0)
    assert records.get(store, act)["worked_m2"] == pytest.approx(120 + 1_700 + 6 * 1_600)


def test_new_hazardous_areas_named_sized_open_and_not_twice(store):
    with pytest.raises(ValidationError, match="starts open") as exc:
        _area(store, status="handed_over")
    assert exc.value.field == "status"
    with pytest.raises(ValidationError, match="0.06 m²") as exc:
        _area(store, shapely.box(35.5, 51.4, 35.5000035, 51.4000022))
    assert exc.value.field == "geometry"
    with pytest.raises(ValidationError, match="name") as exc:
        _area(store, name="  ")
    assert exc.value.field == "name"
    code = _area(store)
    with pytest.raises(ValidationError, match=f"already in the record as {code}"):
        _area(store, name="Another name, same land")
    # a historical import may carry a closed area whose released figures balance its area
    m2 = records.get(store, code)["area_m2"]
    closed = _area(store, OTHER, status="closed", cancel_m2=m2 * 0.5, reduce_m2=m2 * 0.2, clear_m2=m2 * 0.3)
    row = records.get(store, closed)
    assert row["status"] == "closed" and row["remain_m2"] == 0
    assert row["cancel_m2"] + row["reduce_m2"] + row["clear_m2"] == pytest.approx(row["area_m2"], rel=2e-3)
    assert _count(store, "hazardous_area") == 2


def test_a_find_far_from_its_area_is_refused(store):
    org = _org(store, "Test Operator")
    area = _area(store, org=org)
    act = _activity(store, area, org)
    far = {"type": "Point", "coordinates": [36.08, 51.4005]}  # ~40 km east
    values = {"category": "ap_mine", "date": "2026-05-01", "area": area}
    with pytest.raises(ValidationError, match=f"km outside hazardous area {area}") as exc:
        records.create(store, "eo_find", values, far)
    assert exc.value.field == "geometry"
    with pytest.raises(ValidationError, match="km outside hazardous area"):  # through its activity's area
        records.create(store, "eo_find", {"category": "ap_mine", "date": "2026-05-01", "activity": act}, far)
    near = {"type": "Point", "coordinates": [35.5017, 51.4005]}  # ~7 m beyond the edge: GNSS error
    assert records.create(store, "eo_find", values, near).count == 1
    other = _area(store, OTHER, org=org)
    with pytest.raises(ValidationError, match=f"works hazardous area {area}, not {other}") as exc:
        records.create(store, "eo_find", {**values, "area": other, "activity": act}, near)
    assert exc.value.field == "area"
    assert _count(store, "eo_find") == 1


def test_codes_are_normalised_and_invisible_characters_store_nothing(store):
    org = _org(store, "Test Operator")
    with pytest.raises(ValidationError, match="U\\+200B") as exc:
        _area(store, code="HA-2023-000617\u200b")
    assert exc.value.field == "code"
    with pytest.raises(ValidationError, match="U\\+000D"):
        _area(store, code="HA-2023-000618\r\n")
    assert _count(store, "hazardous_area") == 0
    code = _area(store, code="ha-2023-000617", org=org)
    assert code == "HA-2023-000617"
    with pytest.raises(Conflict, match="HA-2023-000617"):
        _area(store, OTHER, code="HA-2023-000617")
    act = _activity(store, "ha-2023-000617", org.lower())  # references are normalised the same way
    assert records.get(store, act)["area"] == "HA-2023-000617"
    with pytest.raises(ValidationError, match="U\\+200B") as exc:
        _activity(store, "HA-2023-000617\u200b", org)
    assert exc.value.field == "area"


def test_an_import_obeys_the_same_rules_and_writes_nothing_when_one_row_breaks_one(store, tmp_path):
    org = _org(store, "Test Operator")
    feats = [
        {
            "type": "Feature",
            "geometry": json.loads(shapely.to_geojson(g)),
            "properties": {"haz_type": "sha", "status": "open", "name": name, "org": org},
        }
        for g, name in ((SMALL, "Orchard"), (OTHER, None))
    ]
    path = tmp_path / "areas.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": feats}))
    with pytest.raises(ValidationError, match="row 2: local name of the area"):
        import_file(store, path, kind="hazardous_area")
    assert _count(store, "hazardous_area") == 0
    feats[1]["properties"]["name"] = "Meadow"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": feats}))
    assert import_file(store, path, kind="hazardous_area").count == 2
    with pytest.raises(ValidationError, match="already in the record"):
        import_file(store, path, kind="hazardous_area")
    assert _count(store, "hazardous_area") == 2


# ---- authorisation by what a write touches ------------------------------------------------------------


def test_an_operator_writes_only_on_areas_it_owns_or_is_tasked_to(store):
    own, other = _org(store, "Own Demining"), _org(store, "Other Demining")
    theirs = _area(store, OTHER, org=other)
    ours = _area(store, org=own)
    op = _as(store, "olga", "operator_writer", own)
    # the probe: an activity on another organisation's area, then a release closing it
    with pytest.raises(Forbidden, match=f"hazardous area {theirs}") as exc:
        records.create(op, "activity", {"act_type": "nts", "area": theirs, "status": "ongoing", "start": "2026-03-01"})
    assert exc.value.field == "area"
    mine = records.create(
        op, "activity", {"act_type": "nts", "area": ours, "status": "ongoing", "start": "2026-03-01"}
    ).codes[0]
    # a release, find or report through its own activity naming another's area
    with pytest.raises(Forbidden, match=f"hazardous area {theirs}"):
        records.create(
            op, "land_release", {"area": theirs, "activity": mine, "rel_type": "cancelled", "date": "2026-04-01"}, OTHER
        )
    with pytest.raises(Forbidden, match=f"hazardous area {theirs}"):
        records.create(
            op,
            "eo_find",
            {"category": "uxo", "date": "2026-04-01", "area": theirs, "activity": mine},
            {"type": "Point", "coordinates": [35.521, 51.4005]},
        )
    # re-pointing its own activity at another's area is the same touch
    with pytest.raises(Forbidden, match=f"hazardous area {theirs}"):
        records.update(op, mine, {"area": theirs}, expected_version=1)
    assert records.get(store, theirs)["status"] == "open" and records.get(store, theirs)["version"] == 1
    assert _count(store, "land_release") == 0 and _count(store, "eo_find") == 0
    # tasked by the authority: an activity on the other's area assigned to the operator
    tasked = records.create(
        store,
        "activity",
        {"act_type": "clearance", "area": theirs, "org": own, "status": "ongoing", "start": "2026-03-01"},
    ).codes[0]
    records.create(op, "progress_report", {"activity": tasked, "date": "2026-04-02", "worked_m2": 300})
    records.create(
        op,
        "eo_find",
        {"category": "uxo", "date": "2026-04-02", "area": theirs, "activity": tasked},
        {"type": "Point", "coordinates": [35.521, 51.4005]},
    )
    # the operator of the area itself cannot report on an activity another organisation carries out
    other_op = _as(store, "omar", "operator_writer", other)
    with pytest.raises(Forbidden):
        records.create(other_op, "progress_report", {"activity": tasked, "date": "2026-04-03", "worked_m2": 300})


def test_progress_reports_on_another_organisations_area_through_an_untasked_activity(store):
    """An activity created before this rule (an operator's own activity on another's area) still
    counts as tasking: the authority sees it and may withdraw it; the operator's reports follow it."""
    own, other = _org(store, "Own Demining"), _org(store, "Other Demining")
    theirs = _area(store, OTHER, org=other)
    op = _as(store, "olga", "operator_writer", own)
    with pytest.raises(Forbidden):
        records.create(op, "activity", {"act_type": "clearance", "area": theirs, "status": "ongoing"})
    assert _count(store, "activity") == 0
