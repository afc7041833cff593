"""Field submissions → records, end to end on real stores: the form is built, a submission is written
as ODK Collect writes it (an XML instance of the form's XForm), flattened to values, turned into
batches and written; the records exist with the right geometry (lon/lat, not the XForm's lat/lon)
and area. Bad submissions fail with one line naming the question, and write nothing."""

from __future__ import annotations

import datetime as dt

import pytest
import shapely
from pyproj import Geod

from fieldseed import seed
from landrelease.errors import ValidationError
from landrelease.formats import answers as V
from landrelease.formats.xlsform import FORMS, xform_xml
from landrelease.service import field_records as FR
from landrelease.service import records
from landrelease.store import repo

META = {"start": "2026-11-20T08:00:00.000+02:00", "end": "2026-11-20T08:12:00.000+02:00"}


def _roundtrip(form_id: str, values: dict[str, str]) -> dict[str, str]:
    """Values → the XML ODK Collect would submit → values again, as the OpenRosa endpoint reads them."""
    sub = V.values_from_xml(V.submission_xml(form_id, values))
    assert sub.form_id == form_id and sub.version == FORMS[form_id].version
    assert sub.instance_id == values["meta/instanceID"]
    return sub.values


def _write(store, form_id: str, values: dict[str, str]):
    batches = FR.to_batches(form_id, _roundtrip(form_id, values), store)
    with repo.write_transaction(store.engine) as conn:
        return FR.write_batches(conn, store.actor, batches, note=f"form {form_id}")


def _count(store, kind: str) -> int:
    with repo.read_connection(store.engine) as conn:
        return repo.count_live(conn, kind)


def _geodesic_m2(poly: shapely.Polygon) -> float:
    lon, lat = poly.exterior.coords.xy
    return abs(Geod(ellps="WGS84").polygon_area_perimeter(lon, lat)[0])


# ------------------------------------------------------------------------------ each form


def test_hazard_area_from_a_geoshape_is_stored_lon_lat_with_its_geodesic_area(store):
    c = seed(store)
    # XForm order: latitude first. A ~700 m × 555 m rectangle east of the seeded area.
    shape = "51.400 35.520 150 4;51.400 35.530 150 4;51.405 35.530 150 4;51.405 35.520 150 4;51.400 35.520 150 4"
    values = {
        **META,
        "area/name": "Orchard by the road",
        "area/haz_type": "cha",
        "area/evidence": "eo_found witness",
        "area/dev_susp": "ap_mine at_mine",
        "area/dev_conf": "ap_mine",
        "area/land_use": "agriculture",
        "area/blockages": "road agriculture",
        "area/benef_exp": "120",
        "area/reported": "2026-11-20",
        "area/org": c["org"],
        "place/admin1": "Synthetic oblast",
        "geometry/method": "shape",
        "geometry/perimeter": shape,
        "geometry/benchmark": "51.3995 35.5195 150 3",
        "meta/instanceID": "uuid:ha-1",
    }
    (res,) = _write(store, "lr_hazard_area", values)
    a = records.get(store, res.codes[0])
    expected = shapely.box(35.52, 51.40, 35.53, 51.405)
    assert a["geometry"].equals(expected)  # lon/lat: the XForm's pairs were swapped on the way in
    assert a["area_m2"] == pytest.approx(_geodesic_m2(expected), rel=1e-6)
    assert a["area_m2"] == pytest.approx(387_000, rel=0.01)
    assert (a["bm_lon"], a["bm_lat"]) == (35.5195, 51.3995)
    assert a["haz_type"] == "cha" and a["status"] == "open"
    assert a["dev_susp"] == ["ap_mine", "at_mine"] and a["blockages"] == ["road", "agriculture"]
    assert a["evidence"] == ["eo_found", "witness"] and a["benef_exp"] == 120
    assert a["org"] == c["org"] and a["reported"] == dt.date(2026, 11, 20)
    assert a["attrs"]["instance_id"] == "uuid:ha-1" and a["attrs"]["form"] == "lr_hazard_area"


def test_hazard_area_from_walked_turning_points(store):
    c = seed(store)
    corners = ["51.400 35.540 0 3", "51.400 35.545 0 3", "51.404 35.545 0 3", "51.404 35.540 0 3"]
    values = {
        **META,
        "area/name": "Corner field",
        "area/haz_type": "sha",
        "area/reported": "2026-11-20",
        "area/org": c["org"],
        "geometry/method": "points",
        # a shape drawn but then the method switched to walking: ODK Collect blanks the skipped question
        "geometry/perimeter": "",
        **{f"geometry/corners[{i + 1}]/point": p for i, p in enumerate(corners)},
        "meta/instanceID": "uuid:ha-2",
    }
    (res,) = _write(store, "lr_hazard_area", values)
    a = records.get(store, res.codes[0])
    expected = shapely.Polygon([(35.540, 51.400), (35.545, 51.400), (35.545, 51.404), (35.540, 51.404)])
    assert a["geometry"].equals(expected)
    assert a["area_m2"] == pytest.approx(_geodesic_m2(expected), rel=1e-6)


def test_progress_report_with_finds_links_them_to_the_activity_and_its_area(store):
    c = seed(store)
    values = {
        **META,
        "report/activity": c["activity"],
        "report/unit": c["unit"].lower(),  # codes are read case-insensitively
        "report/date": "2026-11-20",
        "report/worked_m2": "412.5",
        "report/deminers": "8",
        "report/hours": "5.5",
        "items[1]/category": "ap_mine",
        "items[1]/model": "PMN-2",
        "items[1]/condition": "armed",
        "items[1]/depth_cm": "8",
        "items[1]/quantity": "1",
        "items[1]/disposal": "destroyed_in_situ",
        "items[1]/location": "51.4051 35.5052 140 3",
        "items[2]/category": "uxo",
        "items[2]/quantity": "2",
        "items[2]/location": "51.4062 35.5071 140 3",
        "meta/instanceID": "uuid:pr-1",
    }
    progress, finds = _write(store, "lr_progress", values)
    pr = records.get(store, progress.codes[0])
    assert pr["activity"] == c["activity"] and pr["unit"] == c["unit"]
    assert pr["worked_m2"] == 412.5 and pr["deminers"] == 8 and pr["hours"] == 5.5
    assert pr["finds"] == 3  # left blank: counted from the items (1 + 2)
    assert records.get(store, c["activity"])["worked_m2"] == 412.5
    got = [records.get(store, code) for code in finds.codes]
    assert [g["category"] for g in got] == ["ap_mine", "uxo"]
    assert got[0]["geometry"].equals(shapely.Point(35.5052, 51.4051))
    assert got[1]["geometry"].equals(shapely.Point(35.5071, 51.4062))
    assert {g["activity"] for g in got} == {c["activity"]} and {g["area"] for g in got} == {c["area"]}
    assert {g["date"] for g in got} == {dt.date(2026, 11, 20)}
    assert got[0]["attrs"]["repeat"] == "items[1]"


def test_eod_spot_task_makes_its_own_activity(store):
    c = seed(store)
    values = {
        **META,
        "task/kind": "spot_task",
        "task/activity": "",
        "task/org": c["org"],
        "task/unit": c["unit"],
        "find/category": "uxo",
        "find/model": "122 mm rocket",
        "find/disposal": "removed_destroyed",
        "find/date": "2026-11-19",
        "find/location": "51.38 35.49 0 10",
        "meta/instanceID": "uuid:eo-1",
    }
    act, find = _write(store, "lr_eo_find", values)
    a = records.get(store, act.codes[0])
    f = records.get(store, find.codes[0])
    assert a["act_type"] == "eod" and a["status"] == "completed" and a["org"] == c["org"] and a["unit"] == c["unit"]
    assert a["start"] == a["end"] == dt.date(2026, 11, 19) and (a["ref_lon"], a["ref_lat"]) == (35.49, 51.38)
    assert f["activity"] == act.codes[0] and f["geometry"].equals(shapely.Point(35.49, 51.38))
    assert f["quantity"] is None or f["quantity"] >= 1


def test_eo_find_during_an_activity(store):
    c = seed(store)
    values = {
        **META,
        "task/kind": "activity",
        "task/activity": c["activity"],
        "task/area": c["area"],
        "find/category": "at_mine",
        "find/date": "2026-11-19",
        "find/location": "51.405 35.505",  # altitude and accuracy may be left out
        "meta/instanceID": "uuid:eo-2",
    }
    (find,) = _write(store, "lr_eo_find", values)
    f = records.get(store, find.codes[0])
    assert f["activity"] == c["activity"] and f["area"] == c["area"] and f["category"] == "at_mine"
    assert _count(store, "activity") == 1  # no spot-task activity made


def test_accident_and_victims_from_a_collect_submission(store):
    c = seed(store)
    # Written by hand the way ODK Collect writes it (namespaces, empty elements, repeats in order).
    xml = f"""<?xml version='1.0' ?>
<data xmlns:jr="http://openrosa.org/javarosa" xmlns:orx="http://openrosa.org/xforms"
      id="lr_accident" version="{FORMS["lr_accident"].version}">
  <start>2026-11-20T08:00:00.000+02:00</start><end>2026-11-20T08:30:00.000+02:00</end>
  <accident><date>2026-11-18</date><acc_type>civilian</acc_type><category>ap_mine</category>
    <area>{c["area"]}</area><activity/><descr>Stepped on a mine while herding</descr>
    <location>51.4052 35.5048 131.2 4.5</location></accident>
  <victims><full_name>Synthetic Person One</full_name><gender>male</gender><birth_date>1990-02-03</birth_date>
    <age>36</age><address>Synthetic village</address><outcome>injured</outcome><activity>herding</activity>
    <tampering>no</tampering></victims>
  <victims><full_name/><gender>female</gender><birth_date/><age>12</age><address/><outcome>killed</outcome>
    <activity>playing</activity><tampering/></victims>
  <orx:meta><orx:instanceID>uuid:acc-1</orx:instanceID><orx:instanceName>x</orx:instanceName></orx:meta>
</data>"""
    form_id, version, instance_id, values = V.values_from_xml(xml.encode())
    assert (form_id, instance_id) == ("lr_accident", "uuid:acc-1")
    assert values["victims[2]/age"] == "12" and values["accident/activity"] == ""
    batches = FR.to_batches(form_id, values, store)
    with repo.write_transaction(store.engine) as conn:
        acc, vic = FR.write_batches(conn, store.actor, batches)
    a = records.get(store, acc.codes[0])
    assert a["geometry"].equals(shapely.Point(35.5048, 51.4052))
    assert (a["killed"], a["injured"]) == (1, 1) and a["area"] == c["area"]
    people = [records.get(store, code, personal=True) for code in vic.codes]
    assert [p["accident"] for p in people] == [acc.codes[0]] * 2
    assert people[0]["full_name"] == "Synthetic Person One" and people[0]["birth_date"] == dt.date(1990, 2, 3)
    assert people[0]["tampering"] is False and people[1]["activity"] == "playing"
    assert records.get(store, vic.codes[0])["full_name"] == "(restricted)"


def test_risk_education_session(store):
    c = seed(store)
    values = {
        **META,
        "session/date": "2026-11-15",
        "session/org": c["org"],
        "session/method": "face_to_face",
        "session/settlement": "Synthetic village",
        "session/location": "51.41 35.52 0 5",
        "audience/girls": "12",
        "audience/boys": "15",
        "audience/women": "20",
        "audience/men": "9",
        "meta/instanceID": "uuid:re-1",
    }
    (res,) = _write(store, "lr_risk_education", values)
    r = records.get(store, res.codes[0])
    assert (r["girls"], r["boys"], r["women"], r["men"]) == (12, 15, 20, 9)
    assert r["geometry"].equals(shapely.Point(35.52, 51.41)) and r["method"] == "face_to_face"


def test_qa_visit_with_nonconformities(store):
    c = seed(store)
    values = {
        **META,
        "visit/date": "2026-11-17",
        "visit/visit_type": "qa_monitoring",
        "visit/activity": c["activity"],
        "visit/org": c["org"],
        "visit/inspector": c["qa_org"],
        "visit/passed": "no",
        "nonconformities[1]/nc_type": "marking",
        "nonconformities[1]/severity": "major",
        "nonconformities[1]/due": "2026-11-30",
        "nonconformities[2]/nc_type": "medical",
        "nonconformities[2]/severity": "critical",
        "meta/instanceID": "uuid:qa-1",
    }
    visit, ncs = _write(store, "lr_qa_visit", values)
    q = records.get(store, visit.codes[0])
    assert q["passed"] is False and q["inspector"] == c["qa_org"] and q["geometry"] is None
    got = [records.get(store, code) for code in ncs.codes]
    assert [(n["nc_type"], n["severity"]) for n in got] == [("marking", "major"), ("medical", "critical")]
    assert {n["visit"] for n in got} == {visit.codes[0]}


# ------------------------------------------------------------------------------ the conventions


def test_repeat_instances_follow_their_index_not_the_dict_order():
    values = {
        **META,
        "accident/date": "2026-11-18",
        "accident/acc_type": "civilian",
        "accident/location": "51.4 35.5 0 0",
        "victims[10]/outcome": "killed",
        "victims[2]/outcome": "injured",
        "meta/instanceID": "uuid:x",
    }
    _, victims = V.to_batches("lr_accident", values)
    assert victims.column("outcome") == ["injured", "killed"]
    assert [a["repeat"] for a in victims.column("attrs")] == ["victims[2]", "victims[10]"]


def test_kobo_export_extras_are_not_answers():
    values = {
        "accident/date": "2026-11-18",
        "accident/acc_type": "Civilian",  # a label where Kobo exported labels: still read
        "accident/location": "51.4 35.5 0 0",
        "_id": "123",
        "_uuid": "abc",
        "__version__": "vXYZ",
        "_submission_time": "2026-11-20T10:00:00",
        "formhub/uuid": "f",
        "meta/instanceID": "uuid:abc",
    }
    (acc,) = V.to_batches("lr_accident", values)
    assert acc.column("acc_type") == ["civilian"]
    assert acc.column("attrs")[0]["form_version"] == "vXYZ"


def test_kobo_one_column_per_choice_is_ignored():
    values = {
        "area/haz_type": "sha",
        "area/reported": "2026-11-20",
        "area/org": "ORG-2026-000001",
        "area/blockages": "road",
        "area/blockages/road": "1",
        "area/blockages/school": "0",
        "geometry/method": "shape",
        "geometry/perimeter": "51.4 35.5 0 0;51.4 35.51 0 0;51.41 35.51 0 0",
    }
    (ha,) = V.to_batches("lr_hazard_area", values)
    assert ha.column("blockages") == [["road"]]
    assert ha.geoms[0].equals(shapely.Polygon([(35.5, 51.4), (35.51, 51.4), (35.51, 51.41)]))


# ------------------------------------------------------------------------------ bad input


def _accident_values(**over: str) -> dict[str, str]:
    base = {
        **META,
        "accident/date": "2026-11-18",
        "accident/acc_type": "civilian",
        "accident/location": "51.4052 35.5048 0 0",
        "victims[1]/outcome": "injured",
        "meta/instanceID": "uuid:bad",
    }
    base.update(over)
    return {k: v for k, v in base.items() if v is not None}


@pytest.mark.parametrize(
    ("form_id", "values", "field", "words"),
    [
        ("lr_nope", {}, "form", "unknown form 'lr_nope'"),
        ("lr_accident", _accident_values(**{"accident/date": ""}), "accident/date", "is required"),
        ("lr_accident", _accident_values(**{"accident/location": None}), "accident/location", "is required"),
        ("lr_accident", _accident_values(**{"accident/location": "35.5 200 0 0"}), "accident/location", "longitude"),
        ("lr_accident", _accident_values(**{"accident/location": "north"}), "accident/location", "latitude first"),
        ("lr_accident", _accident_values(**{"accident/date": "18/11/2026"}), "accident/date", "ISO 8601"),
        ("lr_accident", _accident_values(**{"victims[1]/outcome": "dead"}), "victims[1]/outcome", "VictimOutcome"),
        ("lr_accident", _accident_values(**{"victims[1]/outcome": ""}), "victims[1]/outcome", "is required"),
        ("lr_accident", _accident_values(**{"victims/outcome": "killed"}), "victims/outcome", "index its instances"),
        ("lr_accident", _accident_values(**{"accident/colour": "red"}), "accident/colour", "has no question"),
        ("lr_accident", _accident_values(**{"accident/area": "F-12"}), "accident/area", "start with HA-"),
        (
            "lr_hazard_area",
            {
                "area/haz_type": "sha",
                "area/reported": "2026-11-20",
                "area/org": "ORG-1",
                "geometry/method": "shape",
                "geometry/perimeter": "51.4 35.5 0 0;51.4 35.51 0 0",
            },
            "geometry/perimeter",
            "at least 3 different points",
        ),
        (
            "lr_hazard_area",
            {
                "area/haz_type": "sha",
                "area/reported": "2026-11-20",
                "area/org": "ORG-1",
                "geometry/method": "points",
                "geometry/corners[1]/point": "51.4 35.5 0 0",
            },
            "geometry/corners",
            "at least 3 different turning points",
        ),
        (
            "lr_hazard_area",
            {
                "area/haz_type": "sha",
                "area/reported": "2026-11-20",
                "area/org": "ORG-1",
                "geometry/method": "points",
                **{
                    f"geometry/corners[{i}]/point": p
                    for i, p in enumerate(
                        ["51.40 35.50 0 0", "51.41 35.51 0 0", "51.40 35.51 0 0", "51.41 35.50 0 0"], start=1
                    )
                },
            },
            "geometry/corners",
            "self-intersection",
        ),
        (
            "lr_hazard_area",
            {
                "area/haz_type": "sha",
                "area/reported": "2026-11-20",
                "area/org": "ORG-1",
                "geometry/method": "shape",
                "geometry/perimeter": "51.40 35.50 0 0;51.40 35.51 0 0;51.40 35.52 0 0",
            },
            "geometry/perimeter",
            "",
        ),
        (
            "lr_hazard_area",
            {
                "area/haz_type": "cha",
                "area/evidence": "witness fighting",
                "area/reported": "2026-11-20",
                "area/org": "ORG-1",
                "geometry/method": "shape",
                "geometry/perimeter": "51.4 35.5 0 0;51.4 35.51 0 0;51.41 35.51 0 0",
            },
            "area/evidence",
            "rests on direct evidence",
        ),
        (
            "lr_progress",
            {"report/activity": "ACT-1", "report/date": "2026-11-20", "report/worked_m2": "-3"},
            "report/worked_m2",
            "-3 cannot be negative",
        ),
    ],
)
def test_bad_submissions_name_the_question(form_id, values, field, words):
    with pytest.raises(ValidationError) as err:
        V.to_batches(form_id, values)
    message = str(err.value)
    assert "\n" not in message and words in message
    assert err.value.field == field, message


def test_geojson_order_is_caught_with_a_hint():
    with pytest.raises(ValidationError, match="looks like longitude latitude"):
        V.parse_geo("accident/location", "135.5 51.4 0 0", "geopoint")


def test_unknown_team_code_names_the_question_and_writes_nothing(store):
    c = seed(store)
    values = {
        "report/activity": c["activity"],
        "report/unit": "UNIT-2026-000999",
        "report/date": "2026-11-20",
        "report/worked_m2": "100",
        "items[1]/category": "uxo",
        "items[1]/location": "51.405 35.505 0 0",
        "meta/instanceID": "uuid:pr-bad",
    }
    with pytest.raises(ValidationError) as err:
        FR.apply(store, "lr_progress", values)
    assert err.value.field == "report/unit" and "UNIT-2026-000999" in str(err.value)
    assert _count(store, "progress_report") == 0 and _count(store, "eo_find") == 0


def test_a_failing_second_batch_leaves_nothing_of_the_first(store):
    """Victims are written after their accident: a victim the store refuses rolls the accident back."""
    seed(store)
    batches = FR.to_batches("lr_accident", _accident_values(), store)
    batches[1].columns["outcome"] = [None]  # spoilt after checking: only the store can refuse it now
    with pytest.raises(ValidationError, match="outcome"):
        with repo.write_transaction(store.engine) as conn:
            FR.write_batches(conn, store.actor, batches)
    assert _count(store, "accident") == 0 and _count(store, "victim") == 0


def test_rule_errors_name_the_repeat_instance():
    with pytest.raises(ValidationError) as err:
        V.to_batches("lr_accident", _accident_values(**{"victims[1]/age": "-4"}))
    assert err.value.field == "victims[1]/age" and "cannot be negative" in str(err.value)


def test_swapped_coordinates_are_refused_by_the_record_region(store):
    """lat/lon given as lon/lat, both in range: the record's region (its hazardous areas) catches it."""
    seed(store)
    values = _accident_values(**{"accident/location": "35.5048 51.4052 0 0"})
    with pytest.raises(ValidationError, match="(?i)swap"):
        FR.apply(store, "lr_accident", values)
    assert _count(store, "accident") == 0


def test_values_from_xml_refuses_what_is_not_a_submission():
    with pytest.raises(ValidationError, match="well-formed"):
        V.values_from_xml(b"<data id='lr_accident'>")
    with pytest.raises(ValidationError, match="unknown form"):
        V.values_from_xml(b"<data id='other'><meta><instanceID>uuid:1</instanceID></meta></data>")
    with pytest.raises(ValidationError, match="instanceID"):
        V.values_from_xml(b"<data id='lr_accident'><accident><date>2026-01-01</date></accident></data>")
    with pytest.raises(ValidationError):  # entity expansion (billion laughs) is refused by defusedxml
        V.values_from_xml(b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY a "aaaa">]><data id="lr_accident">&a;</data>')


def test_submission_xml_matches_the_xform_instance():
    """The instance we write for a form has exactly the XForm's element paths (plus repeat copies)."""
    import xml.etree.ElementTree as ET

    for form_id in FORMS:
        xf = ET.fromstring(xform_xml(form_id))
        ns = {"x": "http://www.w3.org/2002/xforms", "h": "http://www.w3.org/1999/xhtml"}
        template = next(iter(xf.find("h:head/x:model/x:instance", ns)))

        def paths(el, prefix=""):
            out = set()
            for ch in el:
                name = ch.tag.rsplit("}", 1)[-1]
                out.add(prefix + name)
                out |= paths(ch, prefix + name + "/")
            return out

        repeats = FORMS[form_id].repeats
        values = {"meta/instanceID": "uuid:t"}
        for r in repeats:
            values[f"{r}[1]/__probe__"] = ""  # one instance of every repeat
        written = ET.fromstring(V.submission_xml(form_id, values))
        assert paths(written) == paths(template), form_id


def test_empty_group_and_repeat_elements_hold_no_answer():
    xml = b"""<data id="lr_qa_visit" version="1"><start/><end/>
      <visit><date>2026-11-17</date><visit_type>qc_inspection</visit_type><inspector>ORG-2026-000002</inspector>
      </visit><nonconformities/><meta><instanceID>uuid:e1</instanceID></meta></data>"""
    sub = V.values_from_xml(xml)
    assert "nonconformities" not in sub.values and "nonconformities[1]" not in sub.values
    (visit,) = V.to_batches(sub.form_id, sub.values)
    assert visit.column("visit_type") == ["qc_inspection"]
