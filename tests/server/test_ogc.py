"""OGC API – Features Part 1 against a live server on the synthetic demo record, read with GDAL's own
OAPIF client (pyogrio) as QGIS would, and checked against the spec's requirements directly."""

from __future__ import annotations

import datetime as dt
import json
import urllib.parse

import pyogrio
import pytest
import shapely
from live import call

COLLECTIONS = ["hazardous-areas", "activities", "land-releases", "eo-finds", "accidents", "risk-education", "qa-visits"]


def _all(server, cid: str) -> list[dict]:
    return call("GET", f"{server.url}/collections/{cid}/items?limit=10000").json["features"]


def test_landing_conformance_and_collections(demo_server):
    land = call("GET", f"{demo_server.url}/").json
    rels = {link["rel"]: link for link in land["links"]}
    assert {"self", "service-desc", "service-doc", "conformance", "data"} <= set(rels)
    assert rels["service-desc"]["href"].endswith("/api/openapi.json")
    assert call("GET", rels["service-desc"]["href"]).json["openapi"].startswith("3.0")
    conf = call("GET", rels["conformance"]["href"]).json["conformsTo"]
    for cls in ("core", "geojson", "oas30", "html"):
        assert f"http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/{cls}" in conf
    cols = call("GET", rels["data"]["href"]).json["collections"]
    assert [c["id"] for c in cols] == COLLECTIONS
    for c in cols:
        items = [link for link in c["links"] if link["rel"] == "items"]
        assert len(items) == 1 and "?" not in items[0]["href"]  # GDAL 3.6 breaks on a query string
        assert len(c["extent"]["spatial"]["bbox"][0]) == 4
    html = call("GET", f"{demo_server.url}/", headers={"Accept": "text/html"})
    assert html.type.startswith("text/html") and b"/collections" in html.body


def test_gdal_reads_every_collection(demo_server):
    layers = dict(pyogrio.list_layers(f"OAPIF:{demo_server.url}/"))
    assert list(layers) == COLLECTIONS
    assert layers["hazardous-areas"] == "Polygon" and layers["eo-finds"] == "Point"
    for cid in ("hazardous-areas", "eo-finds", "accidents"):
        expected = _all(demo_server, cid)
        # a small page size makes GDAL follow the next links through the whole collection
        meta, _, geoms, fields = pyogrio.raw.read(f"OAPIF:{demo_server.url}/", layer=cid, PAGE_SIZE=7)
        names = list(meta["fields"])
        codes = list(fields[names.index("code")])
        assert sorted(codes) == sorted(f["id"] for f in expected)
        assert cid == "accidents" or len(expected) > 7
        got = dict(zip(codes, shapely.from_wkb(geoms), strict=True))
        for f in expected[:5]:
            assert got[f["id"]].equals_exact(shapely.geometry.shape(f["geometry"]), 1e-9)
    meta, *_ = pyogrio.raw.read(f"OAPIF:{demo_server.url}/", layer="accidents", max_features=1)
    assert not {"full_name", "birth_date", "address"} & set(meta["fields"])


def test_gdal_bbox_filter_matches_the_geometry(demo_server):
    finds = _all(demo_server, "eo-finds")
    pts = shapely.points([f["geometry"]["coordinates"] for f in finds])
    minx, miny, maxx, maxy = shapely.total_bounds(pts)
    box = (minx, miny, (minx + maxx) / 2, (miny + maxy) / 2)
    inside = {f["id"] for f, p in zip(finds, pts, strict=True) if shapely.box(*box).covers(p)}
    assert 0 < len(inside) < len(finds)
    meta, _, _, fields = pyogrio.raw.read(f"OAPIF:{demo_server.url}/", layer="eo-finds", bbox=box)
    assert set(fields[list(meta["fields"]).index("code")]) == inside
    served = call("GET", f"{demo_server.url}/collections/eo-finds/items?bbox={','.join(map(str, box))}").json
    assert {f["id"] for f in served["features"]} == inside and served["numberMatched"] == len(inside)


def test_items_paging_datetime_and_single_items(demo_server):
    url = f"{demo_server.url}/collections/hazardous-areas/items"
    first = call("GET", f"{url}?limit=25")
    assert first.type.startswith("application/geo+json")
    page = first.json
    total = page["numberMatched"]
    seen = [f["id"] for f in page["features"]]
    assert page["numberReturned"] == 25 < total
    while nxt := next((link["href"] for link in page["links"] if link["rel"] == "next"), None):
        page = call("GET", nxt).json
        seen += [f["id"] for f in page["features"]]
    assert len(seen) == len(set(seen)) == total
    finds = _all(demo_server, "eo-finds")
    dates = sorted(f["properties"]["date"] for f in finds)
    lo, hi = dates[len(dates) // 4], dates[len(dates) // 2]
    got = call("GET", f"{demo_server.url}/collections/eo-finds/items?datetime={lo}/{hi}&limit=10000").json
    assert got["numberMatched"] == sum(lo <= d <= hi for d in dates) > 0
    since = call("GET", f"{demo_server.url}/collections/eo-finds/items?datetime={hi}/..").json
    assert since["numberMatched"] == sum(d >= hi for d in dates)
    one = call("GET", f"{url}/{seen[0]}")
    assert one.status == 200 and one.json["id"] == seen[0] and one.json["type"] == "Feature"
    assert one.json["properties"]["synthetic"] is True


@pytest.mark.parametrize(
    "path,status",
    [
        ("/collections/victims/items", 404),
        ("/collections/hazardous-areas/items/HA-1900-000001", 404),
        ("/collections/hazardous-areas/items?bbox=1,2,3", 400),
        ("/collections/hazardous-areas/items?limit=zero", 400),
        ("/collections/hazardous-areas/items?colour=red", 400),
        ("/collections/hazardous-areas/items?datetime=yesterday", 400),
        ("/collections/hazardous-areas/items?haz_type=xx", 400),
        ("/collections/eo-finds/items?quantity=99999999999999999999", 400),  # was a 500 (SQLite overflow)
        ("/collections/hazardous-areas/items?filter=benef_exp%20%3E%2099999999999999999999", 400),
        ("/collections/hazardous-areas/items?filter-lang=cql2-json", 400),
    ],
)
def test_bad_requests(demo_server, path, status):
    r = call("GET", demo_server.url + path)
    assert r.status == status and r.type.startswith("application/problem+json")


def test_html_encoding(demo_server):
    for path in ("/collections", "/collections/hazardous-areas", "/collections/eo-finds/items", "/conformance"):
        r = call("GET", f"{demo_server.url}{path}?f=html")
        assert r.status == 200 and r.type.startswith("text/html"), path
    items = call("GET", f"{demo_server.url}/collections/hazardous-areas/items?f=html&limit=5").body
    assert items.count(b"<tr>") == 6 and b"SYNTHETIC DATA" in items


def located(store, kind: str, rec: dict) -> dict:
    """A record as feature services place it: an activity at its reference point, else at a point on
    its worksite, else on its hazardous area (query.LOCATED_BY), worked out here record by record."""
    from landrelease.service import query

    if kind != "activity":
        return rec
    if rec["ref_lon"] is not None and rec["ref_lat"] is not None:
        where = shapely.Point(rec["ref_lon"], rec["ref_lat"])
    elif rec["geometry"] is not None:
        where = rec["geometry"].point_on_surface()
    elif rec["area"] is not None:
        where = query.one(store, "hazardous_area", rec["area"])["geometry"].point_on_surface()
    else:
        where = None
    return {**rec, "geometry": where}


def test_feature_page_equals_the_record_presentation(store):
    """The items fast path (`query.feature_page` → `encode.feature_collection`: published columns only,
    raw dates and lists, GeoJSON text spliced in) gives exactly the features the record's own
    presentation gives, on both backends, with bbox, field, reference and date filters."""
    import orjson

    from landrelease.server.encode import feature, feature_collection
    from landrelease.server.ogc import COLLECTION_KINDS
    from landrelease.service import query, viewport
    from landrelease.service.demo import build_demo

    build_demo(store, n_areas=60, seed=3)
    box = viewport.extent(store)
    west = (box[0], box[1], (box[0] + box[2]) / 2, box[3])
    area = query.search(store, "hazardous_area", limit=1).items[0]["code"]
    cases = [(k, {}) for k in COLLECTION_KINDS] + [
        ("hazardous_area", {"bbox": west}),
        ("hazardous_area", {"where": {"haz_type": "cha"}}),
        ("activity", {"where": {"area": area}}),
        ("eo_find", {"date_from": dt.date(2022, 1, 1)}),
    ]
    for kind, args in cases:
        for offset in (0, 7, 5000):  # 5000: past the end, no row carries the total
            old = query.search(store, kind, limit=25, offset=offset, **args)
            new = query.feature_page(store, kind, limit=25, offset=offset, **args)
            expected = json.loads(json.dumps([feature(located(store, kind, r)) for r in old.items]))
            got = orjson.loads(feature_collection(new, links=[], time_stamp="now"))
            assert got["features"] == expected, (kind, args, offset)
            assert got["numberMatched"] == old.matched and got["numberReturned"] == len(old.items)
            assert new.has_next == old.has_next
    assert any(query.feature_page(store, k, limit=1).codes for k in COLLECTION_KINDS)


def test_activities_are_located_and_their_extent_is_true(store):
    """Every activity has a place in the OGC API (issue 16 item 6): its reference point, else a point on
    its worksite, else on its hazardous area — filtered by bbox and summed into the extent the same way,
    on both backends."""
    from landrelease.domain.model import BY_KIND
    from landrelease.service import query, records

    square = {"type": "Polygon", "coordinates": [[[30, 50], [30.01, 50], [30.01, 50.01], [30, 50.01], [30, 50]]]}
    site = {"type": "Polygon", "coordinates": [[[31, 51], [31.01, 51], [31.01, 51.01], [31, 51.01], [31, 51]]]}
    area = records.create(store, "hazardous_area", {"name": "Test field", "haz_type": "sha", "status": "open"}, square)
    area = area.codes[0]
    base = {"act_type": "nts", "status": "ongoing"}  # the point and the worksite lie away from the area: no area
    by_point = records.create(store, "activity", {**base, "ref_lon": 32.5, "ref_lat": 52.5}).codes[0]
    by_site = records.create(store, "activity", base, site).codes[0]
    by_area = records.create(store, "activity", {**base, "area": area}).codes[0]
    nowhere = records.create(store, "activity", {"act_type": "nts", "status": "ongoing"}).codes[0]
    page = query.feature_page(store, "activity", limit=10)
    got = {c: (json.loads(g) if g else None) for c, g in zip(page.codes, page.geometries, strict=True)}
    assert got[by_point] == {"type": "Point", "coordinates": [32.5, 52.5]}
    assert shapely.box(31, 51, 31.01, 51.01).contains(shapely.geometry.shape(got[by_site]))
    assert shapely.box(30, 50, 30.01, 50.01).contains(shapely.geometry.shape(got[by_area]))
    assert got[nowhere] is None
    for box, codes in [
        ((32, 52, 33, 53), {by_point}),
        ((30.9, 50.9, 31.1, 51.1), {by_site}),
        ((29.9, 49.9, 30.1, 50.1), {by_area}),
        ((0, 0, 1, 1), set()),
    ]:
        assert set(query.feature_page(store, "activity", bbox=box, limit=10).codes) == codes, box
        assert query.search(store, "activity", bbox=box).matched == len(codes)
    (minx, miny, maxx, maxy), _, synthetic = query.extent(store, BY_KIND["activity"])
    assert (minx, miny, maxx, maxy) == (30.0, 50.0, 32.5, 52.5) and synthetic is False


def test_dates_as_clients_send_them(demo_server):
    """QGIS 3.22 turns a comparison on a date field into `datetime` with year-0000 and 9999 bounds;
    OGC API – Features allows `..` and empty ends; date-times keep their day. All answer like the dates."""
    areas = _all(demo_server, "hazardous-areas")
    dates = [f["properties"]["reported"] for f in areas]
    cut = sorted(d for d in dates if d)[len(dates) // 3]
    before = sum(1 for d in dates if d and d <= cut)
    after = sum(1 for d in dates if d and d >= cut)
    assert 0 < before < len(dates)
    url = f"{demo_server.url}/collections/hazardous-areas/items?limit=10000&datetime="
    for value, n in [
        (f"0000-01-01T00:00:00Z/{cut}", before),
        (f"0000-01-01T00:00:00Z/{cut}T00:00:00Z", before),
        (f"../{cut}", before),
        (f"/{cut}", before),
        (f"{cut}T00:00:00Z/9999-12-31T00:00:00Z", after),
        (f"{cut}/..", after),
        (f"{cut}/", after),
        (f"{cut}T10:30:00+02:00", sum(1 for d in dates if d == cut)),
    ]:
        r = call("GET", url + urllib.parse.quote(value, safe=""))
        assert r.status == 200, (value, r.body)
        assert r.json["numberMatched"] == n, value
    bad = call("GET", url + "2023-13-01")
    assert bad.status == 400 and "ISO 8601" in bad.json["detail"] and bad.json.get("field") == "datetime"
    doc = call("GET", f"{demo_server.url}/collections/hazardous-areas").json
    assert "'reported'" in doc["description"] and "SYNTHETIC" in doc["title"]
    acts = call("GET", f"{demo_server.url}/collections/activities").json
    assert "'start'–'end'" in acts["description"]
    assert acts["extent"]["spatial"]["bbox"][0] != [-180.0, -90.0, 180.0, 90.0]


def test_paging_is_declared_and_a_request_without_limit_says_what_is_left(demo_server):
    """OpenAPI declares limit's default and maximum (QGIS and GDAL size their pages from them: QGIS 3.22
    asks for 1,000 instead of 100); a request with no limit gets the default with numberMatched,
    numberReturned and a next link, never a silent cut (issue 16 item 5)."""
    from landrelease.server.ogc import DEFAULT_LIMIT, MAX_LIMIT

    api = call("GET", f"{demo_server.url}/api/openapi.json").json
    limit = api["components"]["parameters"]["limit"]
    assert limit["schema"]["default"] == DEFAULT_LIMIT and limit["schema"]["maximum"] == MAX_LIMIT
    assert (limit["in"], limit["style"], limit["explode"]) == ("query", "form", False)
    for cid in COLLECTIONS:
        params = api["paths"][f"/collections/{cid}/items"]["get"]["parameters"]
        assert {"$ref": "#/components/parameters/limit"} in params
    simple = {p["name"]: p["schema"] for p in api["paths"]["/collections/hazardous-areas/items"]["get"]["parameters"]
              if "name" in p}  # fmt: skip
    assert simple["haz_type"]["type"] == "string" and "dev_susp" not in simple
    whole = call("GET", f"{demo_server.url}/collections/hazardous-areas/items").json
    assert whole["numberReturned"] == min(whole["numberMatched"], DEFAULT_LIMIT) == len(whole["features"])
    assert not any(link["rel"] == "next" for link in whole["links"])
    # past the default: a limit of 25 pages through, the last page has no next link
    page = call("GET", f"{demo_server.url}/collections/hazardous-areas/items?limit=25&offset=50").json
    assert page["numberReturned"] == whole["numberMatched"] - 50 and not any(
        link["rel"] == "next" for link in page["links"]
    )
    big = call("GET", f"{demo_server.url}/collections/hazardous-areas/items?limit=99999").json
    assert big["numberReturned"] == whole["numberMatched"]  # capped at the maximum, not refused


def test_a_request_without_limit_on_more_than_the_default(server, monkeypatch):
    """With more features than the default page, the default page says so: numberMatched, and a next
    link that carries the limit it used."""
    from landrelease.server import ogc
    from landrelease.service.demo import build_demo

    build_demo(server.store, n_areas=30, seed=3)
    monkeypatch.setattr(ogc, "DEFAULT_LIMIT", 7)
    first = call("GET", f"{server.url}/collections/hazardous-areas/items").json
    assert first["numberReturned"] == 7 < first["numberMatched"] == 30
    nxt = [link["href"] for link in first["links"] if link["rel"] == "next"]
    assert len(nxt) == 1 and "limit=7" in nxt[0] and "offset=7" in nxt[0]
