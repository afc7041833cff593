"""OGC API – Features Part 3 and 5 (issue 16 item 3): CQL2 text and JSON filters translated to SQL on both
backends and checked against the records worked out in Python; queryables and schemas; the conformance
classes; and real clients — GDAL's OAPIF driver (pyogrio, attribute filters) and OWSLib — against a live
`landrelease serve`."""

from __future__ import annotations

import datetime as dt
import json
import urllib.parse

import pyogrio
import pytest
from live import ADMIN, TEST_TOKEN, call

from landrelease.domain.model import HAZARDOUS_AREA
from landrelease.domain.vocab import HazardType
from landrelease.errors import ValidationError
from landrelease.service import filters, query

#: (CQL2 text, the same filter as a predicate on a presented record)
CASES = [
    ("haz_type = 'cha'", lambda r: r["haz_type"] == "cha"),
    ("haz_type <> 'cha'", lambda r: r["haz_type"] != "cha"),
    ("status = 'Open'", lambda r: r["status"] == "open"),  # a vocabulary label is read as its code
    ("A_CONTAINS(dev_susp, ('ap_mine'))", lambda r: "ap_mine" in (r["dev_susp"] or [])),
    ("A_CONTAINS(dev_susp, ('ap_mine', 'at_mine'))", lambda r: {"ap_mine", "at_mine"} <= set(r["dev_susp"] or [])),
    ("A_OVERLAPS(dev_susp, ('ied', 'uxo'))", lambda r: bool({"ied", "uxo"} & set(r["dev_susp"] or []))),
    ("A_CONTAINEDBY(dev_susp, ('ap_mine', 'at_mine'))",
     lambda r: r["dev_susp"] is not None and set(r["dev_susp"]) <= {"ap_mine", "at_mine"}),
    ("A_EQUALS(dev_susp, ('ap_mine'))", lambda r: r["dev_susp"] == ["ap_mine"]),
    ("dev_susp LIKE '%ap_mine%'", lambda r: "ap_mine" in ",".join(r["dev_susp"] or [])),
    ("dev_susp = 'ap_mine'", lambda r: r["dev_susp"] == ["ap_mine"]),
    ("dev_susp IS NULL", lambda r: r["dev_susp"] is None),
    ("benef_exp BETWEEN 50 AND 400", lambda r: r["benef_exp"] is not None and 50 <= r["benef_exp"] <= 400),
    ("benef_exp > 100 AND NOT haz_type = 'sha'",
     lambda r: r["benef_exp"] is not None and r["benef_exp"] > 100 and r["haz_type"] != "sha"),
    ("100 < benef_exp OR land_use = 'agriculture'",
     lambda r: (r["benef_exp"] or 0) > 100 or r["land_use"] == "agriculture"),
    ("reported < DATE('2023-01-01')", lambda r: r["reported"] is not None and r["reported"] < dt.date(2023, 1, 1)),
    ("reported >= TIMESTAMP('2024-06-01T00:00:00Z')",
     lambda r: r["reported"] is not None and r["reported"] >= dt.date(2024, 6, 1)),
    ("created_at >= TIMESTAMP('2000-01-01T00:00:00Z')", lambda r: True),
    ("created_at < TIMESTAMP('2000-01-01T00:00:00Z')", lambda r: False),
    ("settlement LIKE 'A%'", lambda r: (r["settlement"] or "").startswith("A")),
    ("settlement LIKE 'a%'", lambda r: (r["settlement"] or "").startswith("a")),  # LIKE is case-sensitive
    ("settlement IS NOT NULL", lambda r: r["settlement"] is not None),
    ("synthetic = TRUE", lambda r: r["synthetic"] is True),
    ("INCLUDE", lambda r: True),
]  # fmt: skip


def test_cql2_filters_match_the_records_on_both_backends(store):
    from landrelease.service.demo import build_demo

    build_demo(store, n_areas=60, seed=3)
    everything = query.search(store, "hazardous_area", limit=1000).items
    orgs = sorted({r["org"] for r in everything if r["org"]})
    cases = CASES + [
        (f"org = '{orgs[0]}'", lambda r: r["org"] == orgs[0]),
        (f"org IN ('{orgs[0]}', '{orgs[1]}')", lambda r: r["org"] in orgs[:2]),
        (f"org > '{orgs[1]}'", lambda r: r["org"] is not None and r["org"] > orgs[1]),
    ]
    seen = set()
    for text, keep in cases:
        expected = sorted(r["code"] for r in everything if keep(r))
        cond = filters.compile_filter(query.entity("hazardous_area"), filters.parse(text))
        got = query.feature_page(store, "hazardous_area", limit=1000, cql=cond)
        assert sorted(got.codes) == expected, text
        assert got.matched == len(expected)
        seen.add(len(expected))
        assert query.search(store, "hazardous_area", limit=1000, cql=cond).matched == len(expected)
    assert len(seen) > 8  # the cases cut the record in many different ways, not all or nothing
    # the JSON encoding gives the same answer as the text
    doc = {"op": "and", "args": [{"op": "a_contains", "args": [{"property": "dev_susp"}, ["ap_mine"]]},
                                 {"op": ">", "args": [{"property": "benef_exp"}, 100]}]}  # fmt: skip
    as_json = filters.compile_filter(query.entity("hazardous_area"), filters.parse(json.dumps(doc), "cql2-json"))
    as_text = filters.compile_filter(
        query.entity("hazardous_area"), filters.parse("A_CONTAINS(dev_susp, ('ap_mine')) AND benef_exp > 100")
    )
    a = query.feature_page(store, "hazardous_area", limit=1000, cql=as_json).codes
    b = query.feature_page(store, "hazardous_area", limit=1000, cql=as_text).codes
    assert a == b and 0 < len(a) < len(everything)
    # activities: a reference, an interval's end date and a list-free kind
    acts = query.search(store, "activity", limit=1000).items
    cond = filters.compile_filter(
        query.entity("activity"), filters.parse("end >= DATE('2025-01-01') AND act_type = 'nts'")
    )
    got = query.feature_page(store, "activity", limit=1000, cql=cond).codes
    assert sorted(got) == sorted(
        r["code"] for r in acts if r["end"] and r["end"] >= dt.date(2025, 1, 1) and r["act_type"] == "nts"
    )


@pytest.mark.parametrize(
    "text,says",
    [
        ("colour = 'red'", "'colour' is not a queryable"),
        ("haz_type = 3", "not a valid value for 'haz_type'"),
        ("haz_type = 'xx'", "'xx' is not a HazardType value"),
        ("benef_exp > 'many'", "not a valid value for 'benef_exp'"),
        ("reported < 'soon'", "not a valid value for 'reported'"),
        ("A_CONTAINS(dev_susp, ('zz'))", "'zz' is not a DeviceCategory value"),
        ("A_CONTAINS(haz_type, ('sha'))", "'haz_type' is not a list"),
        ("S_INTERSECTS(geometry, BBOX(1, 2, 3, 4))", "is not supported here"),
        ("T_AFTER(reported, DATE('2023-01-01'))", "is not a CQL2 text filter we can read"),
        ("benef_exp = benef_conf", "comparing two properties is not supported"),
        ("benef_exp LIKE '1%'", "LIKE compares text"),
        ("haz_type = ", "is not a CQL2 text filter we can read"),
        ("haz_type = 'cha' AND (", "is not a CQL2 text filter we can read"),
        ("'; DROP TABLE hazardous_area; --", "is not a CQL2 text filter we can read"),
        ("haz_type = 'cha' OR " * 600 + "haz_type = 'sha'", "has more than 500 parts"),
        ("haz_type = 'cha' OR " * 1200 + "haz_type = 'sha'", "is longer than 20000 characters"),
    ],
)
def test_bad_filters_are_one_line_naming_the_filter(text, says):
    with pytest.raises(ValidationError) as caught:
        filters.compile_filter(query.entity("hazardous_area"), filters.parse(text))
    assert caught.value.field == "filter" and says in str(caught.value) and "\n" not in str(caught.value)


def test_personal_fields_are_not_queryable():
    names = set(filters.queryables(query.entity("victim")))
    assert not {"full_name", "birth_date", "address"} & names and "gender" in names
    with pytest.raises(ValidationError, match="'full_name' is not a queryable"):
        filters.compile_filter(query.entity("victim"), filters.parse("full_name LIKE 'A%'"))


def _q(text: str) -> str:
    return urllib.parse.quote(text, safe="")


def test_filter_queryables_and_schema_over_http(demo_server):
    url = demo_server.url
    conf = call("GET", f"{url}/conformance").json["conformsTo"]
    for cls in ("ogcapi-features-3/1.0/conf/filter", "ogcapi-features-3/1.0/conf/features-filter",
                "ogcapi-features-3/1.0/conf/queryables", "cql2/1.0/conf/cql2-text", "cql2/1.0/conf/cql2-json",
                "cql2/1.0/conf/basic-cql2", "cql2/1.0/conf/advanced-comparison-operators",
                "cql2/1.0/conf/array-functions", "ogcapi-features-5/1.0/conf/schemas"):  # fmt: skip
        assert f"http://www.opengis.net/spec/{cls}" in conf, cls
    assert not any("spatial" in c or "temporal" in c or "property-property" in c for c in conf)  # not claimed
    for cid in ("hazardous-areas", "activities", "land-releases", "eo-finds", "accidents", "risk-education",
                "qa-visits"):  # fmt: skip
        doc = call("GET", f"{url}/collections/{cid}").json
        rels = {link["rel"]: link["href"] for link in doc["links"]}
        qr = call("GET", rels["http://www.opengis.net/def/rel/ogc/1.0/queryables"])
        assert qr.status == 200 and qr.type.startswith("application/schema+json")
        sr = call("GET", rels["http://www.opengis.net/def/rel/ogc/1.0/schema"])
        assert sr.status == 200 and sr.json["properties"]["code"]["x-ogc-role"] == "id"
        assert any(p.get("x-ogc-role") == "primary-geometry" for p in sr.json["properties"].values())
        assert all(p["title"] for p in qr.json["properties"].values())
    q = call("GET", f"{url}/collections/hazardous-areas/queryables").json["properties"]
    label = HAZARDOUS_AREA.field("haz_type").label
    assert label and q["haz_type"]["title"] == label and q["haz_type"]["enum"] == ["sha", "cha"]
    assert {"const": "cha", "title": HazardType.CHA.label} in q["haz_type"]["oneOf"]  # labels from the model
    assert q["dev_susp"]["type"] == "array" and "ap_mine" in q["dev_susp"]["items"]["enum"]
    assert q["reported"]["title"] == HAZARDOUS_AREA.field("reported").label
    assert (q["reported"]["format"], q["reported"]["x-ogc-role"]) == ("date", "primary-instant")
    s = call("GET", f"{url}/collections/hazardous-areas/schema").json["properties"]
    assert s["dev_susp"]["type"] == "string"  # as the features carry it: comma-separated
    acc = call("GET", f"{url}/collections/accidents/queryables").json["properties"]
    assert "date" in acc and not {"full_name", "birth_date", "address"} & set(acc)
    act = call("GET", f"{url}/collections/activities/queryables").json["properties"]
    assert act["start"]["x-ogc-role"] == "primary-interval-start" and act["end"]["x-ogc-role"] == "primary-interval-end"
    # items with a filter: text and JSON, paging links keep it, the HTTP API takes it too
    every = call("GET", f"{url}/collections/hazardous-areas/items?limit=10000").json["features"]
    expected = {f["id"] for f in every if "ap_mine" in (f["properties"]["dev_susp"] or "").split(",")}
    assert 5 < len(expected) < len(every)
    text = _q("A_CONTAINS(dev_susp, ('ap_mine'))")
    page = call("GET", f"{url}/collections/hazardous-areas/items?filter={text}&limit=5").json
    assert page["numberMatched"] == len(expected)
    got = {f["id"] for f in page["features"]}
    while nxt := next((link["href"] for link in page["links"] if link["rel"] == "next"), None):
        page = call("GET", nxt).json
        got |= {f["id"] for f in page["features"]}
    assert got == expected
    js = _q(json.dumps({"op": "a_contains", "args": [{"property": "dev_susp"}, ["ap_mine"]]}))
    r = call("GET", f"{url}/collections/hazardous-areas/items?filter={js}&filter-lang=cql2-json&limit=1000").json
    assert {f["id"] for f in r["features"]} == expected
    api = call("GET", f"{url}/api/hazardous-areas?filter={text}&limit=1000").json
    assert {i["code"] for i in api["items"]} == expected
    # mistakes: 400 problem+json naming the parameter (422 on the HTTP API, as its other input errors)
    for bad, field in [("colour = 'red'", "filter"), ("haz_type =", "filter")]:
        r = call("GET", f"{url}/collections/hazardous-areas/items?filter={_q(bad)}")
        assert r.status == 400 and r.json["field"] == field and r.type.startswith("application/problem+json")
    r = call("GET", f"{url}/collections/hazardous-areas/items?filter={text}&filter-lang=ecql")
    assert r.status == 400 and r.json["field"] == "filter-lang"
    assert call("GET", f"{url}/api/hazardous-areas?filter={_q('colour = 1')}").status == 422


def test_gdal_and_owslib_filter_on_the_server(demo_server):
    """GDAL's OAPIF client (3.12) sends equality on the properties the OpenAPI document lists as items
    parameters to the server (`haz_type=cha`) and evaluates the rest itself: either way its answer must
    equal the filter worked out on the whole collection. OWSLib reads the queryables and sends CQL2
    filters and property parameters as given."""
    from owslib.ogcapi.features import Features
    from owslib.util import Authentication

    url = demo_server.url
    every = call("GET", f"{url}/collections/hazardous-areas/items?limit=10000").json["features"]
    for where, keep in [
        ("haz_type = 'cha'", lambda p: p["haz_type"] == "cha"),
        ("benef_exp > 100 AND haz_type = 'sha'", lambda p: (p["benef_exp"] or 0) > 100 and p["haz_type"] == "sha"),
        ("dev_susp LIKE '%ap_mine%'", lambda p: "ap_mine" in (p["dev_susp"] or "")),
    ]:
        expected = sorted(f["id"] for f in every if keep(f["properties"]))
        meta, _, _, fields = pyogrio.raw.read(f"OAPIF:{url}/", layer="hazardous-areas", where=where)
        assert sorted(fields[list(meta["fields"]).index("code")]) == expected, where
    api = Features(url, auth=Authentication(ADMIN, TEST_TOKEN))
    assert "haz_type" in api.collection_queryables("hazardous-areas")["properties"]
    got = api.collection_items("hazardous-areas", filter="A_CONTAINS(dev_susp, ('ap_mine'))", limit=1000)
    expected = {f["id"] for f in every if "ap_mine" in (f["properties"]["dev_susp"] or "").split(",")}
    assert {f["id"] for f in got["features"]} == expected
    eq = api.collection_items("hazardous-areas", haz_type="cha", limit=1000)
    assert eq["numberMatched"] == sum(f["properties"]["haz_type"] == "cha" for f in every)
