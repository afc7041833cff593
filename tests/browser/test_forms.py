"""Forms drive the API like a person would: a daily progress report shows on its area's page and on
the dashboard; a new hazardous area drawn on the map is recorded, a bad polygon gets the API's error
message; an EO find is placed by clicking the map."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from kit import BACKENDS, wait_pick
from live import call


@pytest.mark.parametrize("web", BACKENDS, indirect=True)
def test_progress_report_reaches_area_page_and_dashboard(web, page):
    # a report the entry rules accept: today, on an ongoing clearance whose area still has land to work
    # (the demo's history ends before today's month, so the dashboard's row for it holds this report only)
    today = dt.date.today()
    acts = call("GET", f"{web.url}/api/activities?status=ongoing&act_type=clearance&limit=100").json["items"]
    areas = {a["area"]: call("GET", f"{web.url}/api/hazardous-areas/{a['area']}").json for a in acts if a["area"]}
    act = next(a for a in acts if a["area"] and areas[a["area"]]["remain_m2"] - (a["worked_m2"] or 0) > 1_000)
    page.goto(f"{web.url}/reports/new?activity={act['code']}")
    assert page.input_value("#f-activity") == act["code"]
    page.fill("#f-date", today.isoformat())
    page.fill("#f-worked_m2", "321")
    page.fill("#f-finds", "2")
    page.click("button[type=submit]")
    page.locator("#recorded-link").click()
    page.wait_for_url(f"**/areas/{act['area']}*")
    shown = f"{today.day} {today.strftime('%b %Y')}"  # dates per locale on screen (en: 4 Dec 2026)
    entry = page.locator(f"#act-{act['code']} li.report", has_text=shown)
    assert "321 m² worked, 2 finds" in entry.inner_text()
    page.goto(f"{web.url}/dashboard")
    month = today.strftime("%Y-%m")
    row = page.locator("#progress tr", has_text=month)
    assert row.locator("td").all_inner_texts() == [month, "1", "321", "2"]
    assert page.locator("#synthetic-banner").is_visible()


def test_progress_report_error_is_shown(web, page):
    page.allowed_statuses.add(422)
    page.goto(f"{web.url}/reports/new")
    page.fill("#f-activity", "ACT-1900-000001")
    page.fill("#f-worked_m2", "10")
    page.click("button[type=submit]")
    err = page.locator("#form-error")
    err.wait_for()
    assert "no activity with code 'ACT-1900-000001'" in err.inner_text()


def test_bad_polygon_gets_the_error_message(web, page, tmp_path):
    page.allowed_statuses.add(422)
    bowtie = {
        "type": "Polygon",
        "coordinates": [[[35.50, 51.40], [35.516, 51.41], [35.516, 51.40], [35.50, 51.41], [35.50, 51.40]]],
    }
    path = tmp_path / "bowtie.geojson"
    path.write_text(json.dumps({"type": "Feature", "geometry": bowtie, "properties": {}}))
    page.goto(f"{web.url}/areas/new")
    wait_pick(page)
    page.select_option("#f-haz_type", "sha")
    page.set_input_files("#upload", str(path))
    page.wait_for_function("() => document.querySelector('[name=geometry]').value.includes('Polygon')")
    page.click("button[type=submit]")
    err = page.locator("#form-error")
    err.wait_for()
    assert "self-intersection" in err.inner_text()
    before = call("GET", f"{web.url}/api/hazardous-areas?limit=1").json["matched"]
    # the same form with a polygon drawn on the map is recorded
    page.click("#clear-geometry")
    box = page.locator("#map").bounding_box()
    cx, cy = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    for dx, dy in ((-40, -30), (40, -30), (40, 30), (-40, 30)):
        page.mouse.click(cx + dx, cy + dy)
    page.fill("#f-name", "Drawn in a browser test")
    page.click("button[type=submit]")
    page.locator("#recorded-link").click()
    page.wait_for_url("**/areas/HA-*")
    assert "Drawn in a browser test" in page.locator("h1").inner_text()
    assert call("GET", f"{web.url}/api/hazardous-areas?limit=1").json["matched"] == before + 1


def test_eo_find_point_picked_on_map(web, page):
    page.goto(f"{web.url}/finds/new")
    wait_pick(page)
    page.select_option("#f-category", "ap_mine")
    page.fill("#f-model", "PMN-2 test")
    box = page.locator("#map").bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.click("button[type=submit]")
    link = page.locator("#recorded-link")
    link.wait_for()
    code = link.inner_text().split()[-1]
    find = call("GET", f"{web.url}/api/eo-finds/{code}").json
    assert find["model"] == "PMN-2 test" and find["geometry"]["type"] == "Point"
    centre = page.evaluate("window.lrMap.getCenter().toArray()")
    assert abs(find["geometry"]["coordinates"][0] - centre[0]) < 0.01
    assert abs(find["geometry"]["coordinates"][1] - centre[1]) < 0.01
