"""The HTTP API against a live server on both backends: create/read/update with the service's
validation and audit, RFC 9457 problems naming the field, pagination, bbox and date filters,
optimistic concurrency, personal data never exposed, concurrent writers queue."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from live import account_token, call

SQUARE = {
    "type": "Polygon",
    "coordinates": [[[35.50, 51.40], [35.516, 51.40], [35.516, 51.41], [35.50, 51.41], [35.50, 51.40]]],
}
BOWTIE = {
    "type": "Polygon",
    "coordinates": [[[35.50, 51.40], [35.516, 51.41], [35.516, 51.40], [35.50, 51.41], [35.50, 51.40]]],
}


def _post(server, path, body):
    return call("POST", f"{server.url}/api/{path}", body)


def _org(server) -> str:
    r = _post(server, "organisations", {"name": "Test Operator", "org_kind": "ngo"})
    assert r.status == 201, r.body
    return r.json["code"]


def _area(server, **values) -> dict:
    body = {"haz_type": "sha", "status": "open", "name": "Field by the river", "geometry": SQUARE, **values}
    r = _post(server, "hazardous-areas", body)
    assert r.status == 201, r.body
    return r.json


def test_create_read_and_audit(server):
    org = _org(server)
    r = _post(
        server, "hazardous-areas", {"haz_type": "sha", "status": "open", "name": "A", "org": org, "geometry": SQUARE}
    )
    assert r.status == 201
    code = r.json["code"]
    assert r.headers["location"] == f"/api/hazardous-areas/{code}"
    got = call("GET", f"{server.url}/api/hazardous-areas/{code}")
    assert got.status == 200 and got.headers["etag"] == '"1"'
    a = got.json
    assert a["org"] == org and a["geometry"]["type"] == "Polygon"
    assert 1.2e6 < a["area_m2"] < 1.26e6  # geodesic, computed by the system
    assert a["remain_m2"] == a["area_m2"] and a["remaining"]["type"] == "Polygon"
    hist = call("GET", f"{server.url}/api/hazardous-areas/{code}/history").json["versions"]
    assert [v["action"] for v in hist] == ["create"] and hist[0]["actor"] == server.store.actor


def test_errors_are_problem_details_naming_the_field(server):
    r = _post(server, "hazardous-areas", {"haz_type": "maybe", "status": "open", "geometry": SQUARE})
    assert r.status == 422 and r.type.startswith("application/problem+json")
    assert r.json["field"] == "haz_type" and r.json["status"] == 422 and "maybe" in r.json["detail"]
    r = _post(server, "hazardous-areas", {"haz_type": "sha", "status": "open", "geometry": BOWTIE})
    assert r.status == 422 and "self-intersection" in r.json["detail"]
    r = _post(server, "hazardous-areas", {"status": "open", "geometry": SQUARE})
    assert r.status == 422 and r.json["field"] == "haz_type" and "required" in r.json["detail"]
    r = _post(server, "eo-finds", {"category": "ap_mine", "date": "2024-13-40", "geometry": SQUARE})
    assert r.status == 422 and r.json["field"] == "date"
    r = _post(server, "hazardous-areas", {"haz_type": "sha", "status": "open", "colour": "red", "geometry": SQUARE})
    assert r.status == 422 and r.json["field"] == "colour"
    r = call("GET", f"{server.url}/api/hazardous-areas/HA-1999-000001")
    assert r.status == 404 and r.type.startswith("application/problem+json")
    # nothing was written by any of the refused requests
    assert call("GET", f"{server.url}/api/hazardous-areas").json["matched"] == 0


def test_stale_version_gets_409_and_nothing_is_overwritten(server):
    code = _area(server)["code"]
    url = f"{server.url}/api/hazardous-areas/{code}"
    first = call("PATCH", url, {"name": "Orchard", "version": 1})
    assert first.status == 200 and first.json["version"] == 2 and first.json["name"] == "Orchard"
    stale = call("PATCH", url, {"name": "Meadow"}, headers={"If-Match": '"1"'})
    assert stale.status == 409 and stale.type.startswith("application/problem+json")
    assert "version 1" in stale.json["detail"]
    assert call("GET", url).json["name"] == "Orchard"
    missing = call("PATCH", url, {"name": "Meadow"})
    assert missing.status == 422 and missing.json["field"] == "version"
    # the state machine applies over HTTP too: a CHA never goes back to SHA
    no_evidence = call("PATCH", url, {"haz_type": "cha", "version": 2})
    assert no_evidence.status == 422 and no_evidence.json["field"] == "evidence"
    assert call("PATCH", url, {"haz_type": "cha", "evidence": ["eo_found"], "version": 2}).status == 200
    back = call("PATCH", url, {"haz_type": "sha", "version": 3})
    assert back.status == 422 and back.json["field"] == "haz_type"
    hist = call("GET", f"{url}/history").json["versions"]
    assert [v["version"] for v in hist] == [1, 2, 3] and hist[1]["diff"]["name"] == ["Field by the river", "Orchard"]


def test_pagination_bbox_and_date_filters(server):
    finds = [
        ("2023-05-01", 35.501, 51.401),
        ("2023-06-01", 35.502, 51.402),
        ("2024-01-10", 35.503, 51.403),
        ("2024-02-10", 36.50, 51.90),
        ("2025-03-01", 36.51, 51.91),
    ]
    for date, x, y in finds:
        r = _post(
            server,
            "eo-finds",
            {"category": "ap_mine", "date": date, "geometry": {"type": "Point", "coordinates": [x, y]}},
        )
        assert r.status == 201, r.body
    page = call("GET", f"{server.url}/api/eo-finds?limit=2").json
    codes = [f["code"] for f in page["items"]]
    assert page["matched"] == 5 and len(codes) == 2
    while nxt := next((link["href"] for link in page["links"] if link["rel"] == "next"), None):
        page = call("GET", nxt).json
        codes += [f["code"] for f in page["items"]]
    assert len(codes) == len(set(codes)) == 5
    west = call("GET", f"{server.url}/api/eo-finds?bbox=35.4,51.3,35.6,51.5").json
    assert west["matched"] == 3
    y2024 = call("GET", f"{server.url}/api/eo-finds?date_from=2024-01-01&date_to=2024-12-31").json
    assert sorted(f["date"] for f in y2024["items"]) == ["2024-01-10", "2024-02-10"]
    since = call("GET", f"{server.url}/api/eo-finds?datetime=2024-02-01/..&bbox=36,51.5,37,52").json
    assert [f["date"] for f in since["items"]] == ["2024-02-10", "2025-03-01"]
    bad = call("GET", f"{server.url}/api/eo-finds?bbox=1,2,3")
    assert bad.status == 422 and bad.json["field"] == "bbox"
    bad = call("GET", f"{server.url}/api/eo-finds?date_from=yesterday")
    assert bad.status == 422 and bad.json["field"] == "date_from"


def test_victims_personal_fields_never_leave(server):
    acc = _post(
        server,
        "accidents",
        {"date": "2024-04-01", "acc_type": "civilian", "geometry": {"type": "Point", "coordinates": [35.5, 51.4]}},
    ).json["code"]
    r = _post(
        server,
        "victims",
        {
            "accident": acc,
            "full_name": "Secret Person",
            "birth_date": "1980-01-01",
            "address": "1 Hidden Street",
            "outcome": "injured",
            "gender": "female",
        },
    )
    assert r.status == 201
    code = r.json["code"]
    call("PATCH", f"{server.url}/api/victims/{code}", {"full_name": "Another Secret", "version": 1})
    bodies = [
        r.body,
        call("GET", f"{server.url}/api/victims/{code}").body,
        call("GET", f"{server.url}/api/victims").body,
        call("GET", f"{server.url}/api/victims/{code}/history").body,
    ]
    # the national authority keeps the victim register: the administrator reads what it wrote
    assert all(b"Another Secret" in body for body in bodies[1:3])
    viewer = account_token(server.store, "donor", "viewer")
    bodies = [
        call("GET", f"{server.url}/api/victims/{code}", headers=viewer).body,
        call("GET", f"{server.url}/api/victims", headers=viewer).body,
        call("GET", f"{server.url}/api/victims/{code}/history", headers=viewer).body,
        call("GET", f"{server.url}/api/victims/{code}/history").body,  # diffs never carry them
    ]
    for body in bodies:
        for secret in (b"Secret", b"1980-01-01", b"Hidden", b"full_name", b"birth_date", b"address"):
            assert secret not in body
    assert call("GET", f"{server.url}/api/victims/{code}", headers=viewer).json["gender"] == "female"
    assert call("GET", f"{server.url}/api/victims?full_name=Secret%20Person", headers=viewer).status == 422


def test_concurrent_writers_queue(server):
    org = _org(server)
    area = _area(server)["code"]
    act = _post(server, "activities", {"act_type": "clearance", "area": area, "org": org, "status": "ongoing"})
    act = act.json["code"]

    def report(i: int):
        return _post(server, "progress-reports", {"activity": act, "date": f"2024-05-{i + 1:02d}", "worked_m2": 100})

    with ThreadPoolExecutor(8) as pool:
        replies = list(pool.map(report, range(16)))
    assert [r.status for r in replies] == [201] * 16, [r.body for r in replies if r.status != 201][:1]
    a = call("GET", f"{server.url}/api/activities/{act}").json
    assert a["worked_m2"] == 1600


def test_openapi_lists_every_kind(server):
    from landrelease.domain.model import ENTITIES

    doc = call("GET", f"{server.url}/api/openapi.json").json
    assert doc["openapi"].startswith("3.0")
    for e in ENTITIES:
        path = f"/api/{e.plural.replace('_', '-')}"
        assert {"get", "post"} <= set(doc["paths"][path]), path
        assert {"get", "patch"} <= set(doc["paths"][path + "/{code}"])
    new_area = doc["components"]["schemas"]["HazardousAreaNew"]
    assert "haz_type" in new_area["required"] and "geometry" in new_area["required"]
    assert "personal data" in doc["components"]["schemas"]["Victim"]["properties"]["full_name"]["description"]
