"""Every field form, end to end through the review workflow: the XML ODK Collect sends → the queue →
verify → approve → records in the national record (records linked within a submission get the codes
the store assigned: victims → accident, nonconformities → visit, find → its spot-task activity)."""

from __future__ import annotations

import pytest

from fieldseed import as_actor, seed
from landrelease.formats import answers as V
from landrelease.formats.xlsform import FORMS
from landrelease.service import records, review, submissions


def _submissions(c: dict[str, str]) -> dict[str, dict[str, str]]:
    return {
        "lr_hazard_area": {
            "area/name": "Field behind the school",
            "area/haz_type": "sha",
            "area/evidence": "witness",
            "area/reported": "2026-11-20",
            "area/org": c["org"],
            "geometry/method": "points",
            "geometry/corners[1]/point": "51.420 35.560 0 3",
            "geometry/corners[2]/point": "51.420 35.565 0 3",
            "geometry/corners[3]/point": "51.424 35.565 0 3",
        },
        "lr_progress": {
            "report/activity": c["activity"],
            "report/unit": c["unit"],
            "report/date": "2026-11-20",
            "report/worked_m2": "250",
            "items[1]/category": "ap_mine",
            "items[1]/location": "51.405 35.505 0 3",
        },
        "lr_eo_find": {
            "task/kind": "spot_task",
            "task/org": c["org"],
            "find/category": "uxo",
            "find/date": "2026-11-19",
            "find/location": "51.38 35.49 0 10",
        },
        "lr_accident": {
            "accident/date": "2026-11-18",
            "accident/acc_type": "civilian",
            "accident/area": c["area"],
            "accident/location": "51.4052 35.5048 0 5",
            "victims[1]/outcome": "injured",
            "victims[1]/full_name": "Synthetic Person",
            "victims[2]/outcome": "killed",
        },
        "lr_risk_education": {
            "session/date": "2026-11-15",
            "session/org": c["org"],
            "session/location": "51.41 35.52 0 5",
            "audience/girls": "3",
        },
        "lr_qa_visit": {
            "visit/date": "2026-11-17",
            "visit/visit_type": "qa_monitoring",
            "visit/activity": c["activity"],
            "visit/org": c["org"],
            "visit/inspector": c["qa_org"],
            "nonconformities[1]/nc_type": "marking",
            "nonconformities[1]/severity": "minor",
        },
    }


@pytest.mark.parametrize("form_id", list(FORMS))
def test_collect_submission_to_approved_records(store, form_id):
    c = seed(store)
    values = {**_submissions(c)[form_id], "meta/instanceID": f"uuid:e2e-{form_id}"}
    xml = V.submission_xml(form_id, values)
    sub = V.values_from_xml(xml)
    got = submissions.submit(
        store,
        form_id=sub.form_id,
        form_version=sub.version,
        instance_id=sub.instance_id,
        values=sub.values,
        raw=xml,
        source="odk",
        actor="odk:field1",
    )
    assert got.created
    review.verify(as_actor(store, "test:qa"), got.id)
    done = review.approve(as_actor(store, "test:imo"), got.id)
    codes = done["records"]
    assert codes, done
    made = [records.get(store, code, personal=True) for code in codes]
    kinds = [r["kind"] for r in made]
    expected = {
        "lr_hazard_area": ["hazardous_area"],
        "lr_progress": ["progress_report", "eo_find"],
        "lr_eo_find": ["activity", "eo_find"],
        "lr_accident": ["accident", "victim", "victim"],
        "lr_risk_education": ["risk_education"],
        "lr_qa_visit": ["qa_visit", "nonconformity"],
    }[form_id]
    assert kinds == expected
    by_kind = {r["kind"]: r for r in made}
    if form_id == "lr_accident":
        assert {r["accident"] for r in made[1:]} == {codes[0]} and made[0]["killed"] == 1
    if form_id == "lr_qa_visit":
        assert by_kind["nonconformity"]["visit"] == codes[0]
    if form_id == "lr_eo_find":
        assert by_kind["eo_find"]["activity"] == codes[0] and by_kind["activity"]["act_type"] == "eod"
    if form_id == "lr_hazard_area":
        from pyproj import Geod

        # the walked triangle, lon/lat: half of ≈ 348 m × 445 m
        m2 = abs(Geod(ellps="WGS84").polygon_area_perimeter([35.560, 35.565, 35.565], [51.420, 51.420, 51.424])[0])
        assert by_kind["hazardous_area"]["area_m2"] == pytest.approx(m2, rel=1e-6)
        assert 70_000 < m2 < 85_000
    for r in made:
        assert r["attrs"]["instance_id"] == f"uuid:e2e-{form_id}"
