"""The plan and forecast page (runs in the background, Gantt, burn-down band, scenario comparison) and an
area page's map (perimeter, remaining land, release products, finds), in Chromium on both backends."""

from __future__ import annotations

import io

import numpy as np
import pytest
from kit import BACKENDS
from live import call
from PIL import Image

RUN_TIMEOUT = 180_000  # ms: a web run on 300 areas takes seconds; the machine may be busy


def _row(page, sid):
    return page.locator(f'#scenarios tr[data-id="{sid}"]')


@pytest.mark.parametrize("web", BACKENDS, indirect=True)
def test_plan_page_runs_draws_and_compares(web, page):
    page.goto(f"{web.url}/plan")
    page.wait_for_function("() => window.lrPlan.listings >= 1")
    assert page.locator("#scenarios tbody tr").count() == 2
    assert _row(page, "standing").get_attribute("data-state") == "none"
    assert page.locator("#web-sims").inner_text() == "200"

    _row(page, "standing").locator("button.run").click()
    page.wait_for_function("() => window.lrPlan.drawn >= 1", timeout=RUN_TIMEOUT)
    assert _row(page, "standing").get_attribute("data-state") == "done"
    res = call("GET", f"{web.url}/api/plans/standing/result").json
    # the Gantt draws every bar of the plan, the burn-down its band and P50 line
    assert page.locator("#gantt svg rect.bar").count() == len(res["gantt"]["bars"]) > 0
    assert page.locator("#gantt svg text.row").count() == len(res["gantt"]["rows"])
    assert page.locator("#burndown svg polygon.band").count() == 1
    assert page.locator("#burndown svg polyline.p50").count() == 1
    assert "Standing capacity" in page.locator("#detail-title").inner_text()
    assert f"{res['summary']['areas']} open areas" in page.locator("#detail-summary").inner_text()
    # synthetic records: the banner and a watermark on every chart
    assert page.locator("#synthetic-banner").is_visible()
    assert "SYNTHETIC DATA" in page.locator("#synthetic-banner").inner_text()
    assert page.locator("svg text.watermark").count() >= 3
    rows = page.locator("#compare-table tbody tr")
    assert rows.count() == 1
    cells = rows.first.locator("td").all_inner_texts()
    assert cells[0] == "Standing capacity" and cells[2] == f"{res['summary']['p50_years']:.1f}"

    # a second scenario joins the comparison: two rows, two bands on one chart
    _row(page, "standing-plus-survey").locator("button.run").click()
    page.wait_for_function(
        "() => document.querySelectorAll('#compare-table tbody tr').length === 2", timeout=RUN_TIMEOUT
    )
    assert page.locator("#compare-chart svg polygon.band").count() == 2
    survey = call("GET", f"{web.url}/api/plans/standing-plus-survey/result").json
    texts = page.locator('#compare-table tbody tr[data-id="standing-plus-survey"] td').all_inner_texts()
    assert texts[1] == str(survey["summary"]["teams"]) and texts[1] != cells[1]
    # untick one: it leaves the comparison; show the other in the detail
    _row(page, "standing").locator("input[type=checkbox]").uncheck()
    page.wait_for_function("() => document.querySelectorAll('#compare-table tbody tr').length === 1")
    _row(page, "standing-plus-survey").locator("button.show").click()
    page.wait_for_function("() => window.lrPlan.shown === 'standing-plus-survey'")
    assert page.locator("#gantt svg rect.bar").count() == len(survey["gantt"]["bars"])
    assert page.evaluate("window.lrPlan.errors") == []


def _green_pixels(png: bytes) -> int:
    """Pixels in the cleared/reduced/cancelled greens."""
    rgb = np.asarray(Image.open(io.BytesIO(png)).convert("RGB")).astype(int)
    r, g, b = rgb[..., 0], rgb[..., 1], rgb[..., 2]
    return int(((g > r + 25) & (g > b + 25)).sum())


@pytest.mark.parametrize("web", BACKENDS, indirect=True)
def test_area_page_map(web, page):
    releases = call("GET", f"{web.url}/api/land-releases?rel_type=cleared&limit=100").json["items"]
    finds = call("GET", f"{web.url}/api/eo-finds?limit=1000").json["items"]
    with_finds = {f["area"] for f in finds}
    code = next(r["area"] for r in releases if r["area"] in with_finds)
    page.goto(f"{web.url}/areas/{code}")
    page.wait_for_function("() => window.lrAreaReady === true", timeout=60_000)

    def rendered(layer: str) -> int:
        return page.evaluate(f"window.lrMap.queryRenderedFeatures({{layers: ['{layer}']}}).length")

    assert rendered("perimeter") > 0 and rendered("releases-fill") > 0 and rendered("finds") > 0
    types = page.evaluate(
        "[...new Set(window.lrMap.queryRenderedFeatures({layers: ['releases-fill']}).map(f => f.properties.rel_type))]"
    )
    assert "cleared" in types
    assert _green_pixels(page.locator("#map").screenshot()) > 500
    assert page.locator("#synthetic-banner").is_visible()
