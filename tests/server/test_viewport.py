"""Map viewport payloads: records when few are in view, grid cells (bounded size, counts adding up)
when zoomed out; filters; the basemap ships with the app."""

from __future__ import annotations

import json

import pytest
import shapely
from live import LiveServer, call

from landrelease.server.app import create_app
from landrelease.service import query, viewport


def test_viewport_features_then_grid(store):
    """On both backends (SQLite R*Tree, PostGIS GiST)."""
    from landrelease.service.demo import build_demo

    sqlite_store = store
    build_demo(sqlite_store, n_areas=120, seed=4)
    box = viewport.extent(sqlite_store)
    full = viewport.view(sqlite_store, "hazardous_area", box)
    assert full["mode"] == "features" and full["count"] == len(full["features"]) > 100 and full["synthetic"]
    grid = viewport.view(sqlite_store, "hazardous_area", box, max_features=20)
    assert grid["mode"] == "grid" and grid["count"] == full["count"]
    assert sum(f["properties"]["count"] for f in grid["features"]) == full["count"]
    assert len(grid["features"]) < full["count"]
    cha = viewport.view(sqlite_store, "hazardous_area", box, where={"haz_type": "cha"})
    assert {f["properties"]["haz_type"] for f in cha["features"]} == {"cha"} and 0 < cha["count"] < full["count"]
    # the grid is cached per state of the record: a write shows at once
    from landrelease.service import records

    x, y = (box[0] + box[2]) / 2, (box[1] + box[3]) / 2
    square = {
        "type": "Polygon",
        "coordinates": [[[x, y], [x + 0.001, y], [x + 0.001, y + 0.001], [x, y + 0.001], [x, y]]],
    }
    records.create(sqlite_store, "hazardous_area", {"haz_type": "cha", "status": "open", "name": "New"}, square)
    again = viewport.view(sqlite_store, "hazardous_area", box, max_features=20)
    assert again["count"] == grid["count"] + 1
    west = viewport.view(sqlite_store, "hazardous_area", (box[0], box[1], (box[0] + box[2]) / 2, box[3]))
    assert 0 < west["count"] < full["count"]


def test_map_endpoints_and_basemap(demo_server):
    ext = call("GET", f"{demo_server.url}/api/map/extent").json["bbox"]
    fc = call("GET", f"{demo_server.url}/api/map/eo-finds?bbox={','.join(map(str, ext))}").json
    assert fc["count"] > 0 and fc["features"][0]["geometry"]["type"] == "Point"
    assert call("GET", f"{demo_server.url}/api/map/victims?bbox=0,0,1,1").status == 404
    bad = call("GET", f"{demo_server.url}/api/map/hazardous-areas?bbox=0,0,1,1&full_name=x")
    assert bad.status == 422 and bad.json["field"] == "full_name"
    land = json.loads(call("GET", f"{demo_server.url}/basemap/land.geojson").body)
    assert len(land["features"]) > 200  # Natural Earth 1:50m countries from npm
    assert call("GET", f"{demo_server.url}/basemap/config.json").json == {"pmtiles": None}
    for asset in (
        "/vendor/maplibre-gl/maplibre-gl.mjs",
        "/vendor/maplibre-gl/maplibre-gl-worker.mjs",
        "/static/map.js",
    ):
        r = call("GET", demo_server.url + asset)
        assert r.status == 200 and r.type.startswith("text/javascript"), asset
    assert call("GET", f"{demo_server.url}/static/../../pyproject.toml").status == 404


def test_area_map_layers(store):
    """An area page's map data on both backends: perimeter, remaining land, each release product with
    its type, and the area's finds; the released and remaining parts add up to the perimeter."""
    from landrelease.service.demo import build_demo

    build_demo(store, n_areas=60, seed=3)
    releases = query.search(store, "land_release", limit=10_000).items
    by_area: dict[str, list] = {}
    for r in releases:
        by_area.setdefault(r["area"], []).append(r)
    partly = next(
        a
        for a in query.search(store, "hazardous_area", where={"status": "open"}, limit=1000).items
        if a["code"] in by_area and a["remain_m2"] > 0
    )
    code = partly["code"]
    with LiveServer(create_app(store)) as s:
        fc = call("GET", f"{s.url}/api/map/areas/{code}").json
        assert fc["synthetic"] is True and fc["type"] == "FeatureCollection"
        roles: dict[str, list] = {}
        for f in fc["features"]:
            roles.setdefault(f["properties"]["role"], []).append(f)
        assert len(roles["perimeter"]) == 1 and roles["perimeter"][0]["properties"]["code"] == code
        assert len(roles["remaining"]) == 1
        assert sorted(f["properties"]["code"] for f in roles["release"]) == sorted(r["code"] for r in by_area[code])
        assert {f["properties"]["rel_type"] for f in roles["release"]} <= {"cancelled", "reduced", "cleared"}
        finds = query.search(store, "eo_find", where={"area": code}, limit=10_000)
        assert fc["finds"] == finds.matched == len(roles.get("find", []))
        # perimeter = remaining ∪ releases (the ledger, drawn)
        perimeter = shapely.from_geojson(json.dumps(roles["perimeter"][0]["geometry"]))
        parts = [shapely.from_geojson(json.dumps(f["geometry"])) for f in roles["remaining"] + roles["release"]]
        union = shapely.union_all(parts)
        assert shapely.symmetric_difference(perimeter, union).area < 0.01 * perimeter.area
        assert fc["bbox"] == pytest.approx(list(perimeter.bounds))
        r = call("GET", f"{s.url}/api/map/areas/HA-1999-999999")
        assert r.status == 404 and r.type.startswith("application/problem+json")
        page = call("GET", f"{s.url}/areas/{code}", headers={"Accept": "text/html"})
        assert page.status == 200 and b'data-code="' + code.encode() in page.body and b"/static/area.js" in page.body
