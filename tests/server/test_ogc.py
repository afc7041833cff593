"""OGC API – Features Part 1 against a live server on the synthetic demo record, read with GDAL's own
OAPIF client (pyogrio) as QGIS would, and checked against the spec's requirements directly."""

from __future__ import annotations

import datetime as dt
import json

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
            expected = json.loads(json.dumps([feature(r) for r in old.items]))
            got = orjson.loads(feature_collection(new, links=[], time_stamp="now"))
            assert got["features"] == expected, (kind, args, offset)
            assert got["numberMatched"] == old.matched and got["numberReturned"] == len(old.items)
            assert new.has_next == old.has_next
    assert any(query.feature_page(store, k, limit=1).codes for k in COLLECTION_KINDS)
