"""The map renders the record: polygons on screen (pixels and MapLibre's own rendered features), the
SYNTHETIC DATA banner, filters, click → detail."""

from __future__ import annotations

import io

import numpy as np
import pytest
from kit import BACKENDS, after, map_idle
from PIL import Image


def _area_pixels(png: bytes) -> int:
    """Pixels in the hazardous-area colours (CHA red, SHA orange, drawn half-transparent over land)."""
    rgb = np.asarray(Image.open(io.BytesIO(png)).convert("RGB")).astype(int)
    r, g, b = rgb[..., 0], rgb[..., 1], rgb[..., 2]
    return int(((r > 200) & (g < 190) & (b < 150) & (r - b > 80)).sum())


@pytest.mark.parametrize("web", BACKENDS, indirect=True)
def test_map_renders_polygons(web, page):
    page.goto(f"{web.url}/map")
    map_idle(page)
    n = page.evaluate("window.lrMap.queryRenderedFeatures({layers: ['areas-fill']}).length")
    assert n > 0
    assert page.locator("#synthetic-banner").is_visible()
    assert "SYNTHETIC DATA" in page.locator("#synthetic-banner").inner_text()
    shot = page.locator("#map").screenshot()
    assert _area_pixels(shot) > 200
    # every layer of the record is drawn from the server's viewport payloads
    for layer in ("releases-fill", "finds", "accidents"):
        assert page.evaluate(f"window.lrMap.queryRenderedFeatures({{layers: ['{layer}']}}).length") > 0, layer


def test_type_filters(web, page):
    page.goto(f"{web.url}/map")
    map_idle(page)
    before = page.evaluate("window.lrMap.queryRenderedFeatures({layers: ['areas-fill']}).length")
    after(
        page, lambda: (page.uncheck("input[name=haz_type][value=sha]"), page.uncheck("input[name=haz_type][value=cha]"))
    )
    assert page.evaluate("window.lrMap.queryRenderedFeatures({layers: ['areas-fill']}).length") == 0 < before
    after(page, lambda: page.check("input[name=haz_type][value=cha]"))
    types = page.evaluate(
        "[...new Set(window.lrMap.queryRenderedFeatures({layers: ['areas-fill']}).map(f => f.properties.haz_type))]"
    )
    assert types == ["cha"]


@pytest.mark.parametrize("web", BACKENDS, indirect=True)
def test_click_opens_detail_link(web, page):
    page.goto(f"{web.url}/map")
    map_idle(page)
    point = page.evaluate(
        """() => { const m = window.lrMap; const f = m.queryRenderedFeatures({layers: ['areas-fill']})
             .filter(f => f.geometry.type === 'Polygon')[0];
           const c = f.geometry.coordinates[0]; const x = c.reduce((a, p) => a + p[0], 0) / c.length;
           const y = c.reduce((a, p) => a + p[1], 0) / c.length; m.jumpTo({center: [x, y], zoom: 17});
           return f.properties.code; }"""
    )
    map_idle(page, 2)  # the jump's own load
    box = page.locator("#map").bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    link = page.locator(".maplibregl-popup a").first
    link.wait_for(timeout=10_000)
    assert link.get_attribute("href").startswith("/areas/HA-")
    assert point.startswith("HA-")
