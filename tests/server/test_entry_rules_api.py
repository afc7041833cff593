"""The probes of issue 9 against the HTTP API (what the web forms post to), on both backends: each
refused with a 422/403 problem naming the field, and nothing stored."""

from __future__ import annotations

import datetime as dt

from live import account_token, call

# ~12,450 m² near 51.4 N 35.5 E
SMALL = {
    "type": "Polygon",
    "coordinates": [[[35.500, 51.400], [35.5016, 51.400], [35.5016, 51.401], [35.500, 51.401], [35.500, 51.400]]],
}
OTHER = {
    "type": "Polygon",
    "coordinates": [[[35.520, 51.400], [35.5216, 51.400], [35.5216, 51.401], [35.520, 51.401], [35.520, 51.400]]],
}
TINY = {  # 0.06 m²
    "type": "Polygon",
    "coordinates": [[[35.5, 51.4], [35.5000035, 51.4], [35.5000035, 51.4000022], [35.5, 51.4000022], [35.5, 51.4]]],
}


def _post(server, path, body, headers=None):
    return call("POST", f"{server.url}/api/{path}", body, headers)


def _created(server, path, body, headers=None) -> dict:
    r = _post(server, path, body, headers)
    assert r.status == 201, r.body
    return r.json


def _matched(server, path) -> int:
    return call("GET", f"{server.url}/api/{path}").json["matched"]


def _refused(r, status: int, field: str, *words: str) -> None:
    assert r.status == status, r.body
    assert r.type.startswith("application/problem+json") and r.json["field"] == field, r.json
    for w in words:
        assert w in r.json["detail"], r.json["detail"]
    assert "\n" not in r.json["detail"]


def _setup(server) -> dict:
    org = _created(server, "organisations", {"name": "Test Operator", "org_kind": "ngo"})["code"]
    area = _created(
        server,
        "hazardous-areas",
        {"haz_type": "cha", "status": "open", "name": "Orchard", "org": org, "geometry": SMALL},
    )
    act = _created(
        server,
        "activities",
        {"act_type": "clearance", "area": area["code"], "org": org, "status": "ongoing", "start": "2026-03-01"},
    )["code"]
    ended = _created(
        server,
        "activities",
        {
            "act_type": "ts",
            "area": area["code"],
            "org": org,
            "status": "completed",
            "start": "2022-01-10",
            "end": "2022-03-01",
        },
    )["code"]
    return {"org": org, "area": area, "activity": act, "ended": ended}


def test_progress_report_probes(server):
    s = _setup(server)
    assert 12_000 < s["area"]["area_m2"] < 12_700
    report = {"activity": s["activity"], "date": "2026-05-01", "worked_m2": 150}
    next_year = (dt.date.today() + dt.timedelta(days=365)).isoformat()
    _refused(_post(server, "progress-reports", {**report, "date": next_year}), 422, "date", "after today")
    _refused(_post(server, "progress-reports", {**report, "date": "1990-06-01"}), 422, "date", "started on 2026-03-01")
    _refused(_post(server, "progress-reports", {**report, "worked_m2": 50_000}), 422, "worked_m2", "still has to work")
    _refused(_post(server, "progress-reports", {**report, "activity": s["ended"]}), 422, "date", "ended on 2022-03-01")
    assert _matched(server, "progress-reports") == 0
    _created(server, "progress-reports", report)
    _refused(_post(server, "progress-reports", report), 422, "code", "already in the record")
    assert _matched(server, "progress-reports") == 1


def test_hazardous_area_probes(server):
    s = _setup(server)
    base = {"haz_type": "sha", "name": "Meadow", "geometry": OTHER}
    r = _post(server, "hazardous-areas", {**base, "status": "handed_over"})
    _refused(r, 422, "status", "starts open")
    _refused(_post(server, "hazardous-areas", {**base, "status": "open", "geometry": TINY}), 422, "geometry", "0.06 m²")
    _refused(_post(server, "hazardous-areas", {**base, "status": "open", "name": ""}), 422, "name", "local name")
    dup = {**base, "status": "open", "geometry": SMALL}
    _refused(_post(server, "hazardous-areas", dup), 422, "geometry", f"already in the record as {s['area']['code']}")
    assert _matched(server, "hazardous-areas") == 1
    assert call("GET", f"{server.url}/api/hazardous-areas/{s['area']['code']}").json["remain_m2"] > 12_000


def test_a_find_40_km_from_its_area_is_refused(server):
    s = _setup(server)
    find = {"category": "ap_mine", "date": "2026-05-01", "area": s["area"]["code"]}
    far = {**find, "geometry": {"type": "Point", "coordinates": [36.08, 51.4005]}}
    _refused(_post(server, "eo-finds", far), 422, "geometry", "km outside hazardous area")
    assert _matched(server, "eo-finds") == 0
    _created(server, "eo-finds", {**find, "geometry": {"type": "Point", "coordinates": [35.5008, 51.4005]}})


def test_codes_with_invisible_characters_or_line_breaks_store_nothing(server):
    base = {"haz_type": "sha", "status": "open", "name": "Meadow", "geometry": OTHER}
    _refused(_post(server, "hazardous-areas", {**base, "code": "HA-2023-000617\u200b"}), 422, "code", "U+200B")
    _refused(_post(server, "hazardous-areas", {**base, "code": "HA-2023-000617\r\n"}), 422, "code", "U+000D")
    assert _matched(server, "hazardous-areas") == 0
    made = _created(server, "hazardous-areas", {**base, "code": "ha-2023-000617"})
    assert made["code"] == "HA-2023-000617"
    clash = _post(server, "hazardous-areas", {**base, "code": "HA-2023-000617", "geometry": SMALL})
    assert clash.status == 409 and "HA-2023-000617" in clash.json["detail"]
    assert _matched(server, "hazardous-areas") == 1


def test_an_operator_cannot_close_another_organisations_area(server):
    """The probe: POST /api/activities (nts on another's area), then POST /api/land-releases."""
    s = _setup(server)
    own = _created(server, "organisations", {"name": "Own Demining", "org_kind": "ngo"})["code"]
    op = account_token(server.store, "olga", "operator_writer", own)
    theirs = s["area"]["code"]
    nts = {"act_type": "nts", "area": theirs, "status": "ongoing", "start": "2026-03-01"}
    _refused(_post(server, "activities", nts, op), 403, "area", theirs, own)
    ours = _created(
        server, "hazardous-areas", {"haz_type": "sha", "status": "open", "name": "Ours", "org": own, "geometry": OTHER}
    )["code"]
    mine = _created(server, "activities", {**nts, "area": ours}, op)["code"]
    release = {"area": theirs, "activity": mine, "rel_type": "cancelled", "date": "2026-04-01", "geometry": SMALL}
    _refused(_post(server, "land-releases", release, op), 403, "area", theirs)
    find = {"category": "uxo", "date": "2026-04-01", "area": theirs, "activity": mine}
    _refused(
        _post(server, "eo-finds", {**find, "geometry": {"type": "Point", "coordinates": [35.5008, 51.4005]}}, op),
        403,
        "area",
    )
    r = _post(server, "progress-reports", {"activity": s["activity"], "date": "2026-05-01", "worked_m2": 10}, op)
    assert r.status == 403
    area = call("GET", f"{server.url}/api/hazardous-areas/{theirs}").json
    assert area["status"] == "open" and area["version"] == 1
    assert _matched(server, "land-releases") == 0 and _matched(server, "eo-finds") == 0
