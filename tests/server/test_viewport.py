"""Map viewport payloads: records when few are in view, grid cells (bounded size, counts adding up)
when zoomed out; filters; the basemap ships with the app."""

from __future__ import annotations

import json

from live import call

from landrelease.service import viewport


def test_viewport_features_then_grid(sqlite_store):
    from landrelease.service.demo import build_demo

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
    records.create(sqlite_store, "hazardous_area", {"haz_type": "cha", "status": "open"}, square)
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
