"""The web application in English, Arabic (right to left) and Ukrainian (issue 10), in Chromium: sign-in,
the map, an area page and a form with a bad value; `/api/docs` with the network cut off. Screenshots of
each page go to test-output/screenshots/ (git-ignored) for a person to look at."""

from __future__ import annotations

from pathlib import Path

import pytest
from kit import map_idle
from live import call

from .conftest import sign_in

SHOTS = Path(__file__).parents[2] / "test-output" / "screenshots"

#: What each language calls a few things, from its catalogue (so the test reads the page as a person would).
WORDS = {
    "en": {"map": "Map", "sign_in": "Sign in", "ledger": "Land release ledger"},
    "ar": {"map": "الخريطة", "sign_in": "تسجيل الدخول", "ledger": "سجل الإفراج عن الأراضي"},
    "uk": {"map": "Карта", "sign_in": "Увійти", "ledger": "Облік повернення земель"},
}


def _shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


@pytest.mark.parametrize("lang", ["en", "ar", "uk"])
def test_sign_in_map_area_and_a_bad_value_in_three_languages(browser, web, lang):
    context = browser.new_context(viewport={"width": 1200, "height": 800}, locale={"en": "en-GB"}.get(lang, lang))
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    w = WORDS[lang]
    try:
        # the browser's language picks the page's (Accept-Language); the sign-in page speaks it
        page.goto(f"{web.url}/login")
        assert page.get_attribute("html", "lang") == lang
        assert page.get_attribute("html", "dir") == ("rtl" if lang == "ar" else "ltr")
        assert w["sign_in"] in page.locator("h1").inner_text()
        _shot(page, f"{lang}-sign-in")
        page.fill("#username", web.login[0])
        page.fill("#password", web.login[1])
        page.click("#login button[type=submit]")
        page.wait_for_selector("#who")

        page.goto(f"{web.url}/map")
        map_idle(page)
        assert w["map"] in page.locator("header nav").inner_text()
        panel = page.locator("#panel").bounding_box()
        if lang == "ar":  # the layer panel sits on the reading side: right in Arabic, left otherwise
            assert panel["x"] > 600
        else:
            assert panel["x"] < 600
        _shot(page, f"{lang}-map")

        releases = call("GET", f"{web.url}/api/land-releases?rel_type=cleared&limit=1").json["items"]
        page.goto(f"{web.url}/areas/{releases[0]['area']}")
        page.wait_for_function("() => window.lrAreaReady === true", timeout=60_000)
        assert w["ledger"] in page.inner_text("main")
        _shot(page, f"{lang}-area")

        acts = call("GET", f"{web.url}/api/activities?limit=1").json["items"]
        page.goto(f"{web.url}/reports/new?activity={acts[0]['code']}")
        page.fill("#f-worked_m2", "-50")
        page.click("form.record button[type=submit]")
        error = page.locator("#form-error")
        error.wait_for()
        assert "-50" in error.inner_text() and "negative" in error.inner_text()  # the API's message, as it comes
        _shot(page, f"{lang}-form-error")
        # switching language keeps the page and the query
        page.select_option("#lang-select", "fr")
        page.click("#lang-go")
        page.wait_for_url("**lang=fr**")
        assert page.get_attribute("html", "lang") == "fr" and page.input_value("#f-activity") == acts[0]["code"]
    finally:
        context.close()
    assert errors == []


def test_api_docs_render_offline(browser, web):
    """Swagger UI comes from npm and is served from disk: with every request off this server refused,
    /api/docs still draws the API's operations."""
    context = browser.new_context()
    page = context.new_page()
    outside: list[str] = []

    def route(r):  # type: ignore[no-untyped-def]
        if r.request.url.startswith(web.url):
            r.continue_()
        else:
            outside.append(r.request.url)
            r.abort()

    page.route("**/*", route)
    try:
        page.goto(f"{web.url}/api/docs")
        page.wait_for_selector("body[data-docs-ready]", state="attached", timeout=60_000)
        assert "Landrelease" in page.locator(".info .title").inner_text()
        assert page.locator(".opblock-tag").count() >= 1 and page.locator(".opblock").count() >= 1
        _shot(page, "api-docs")
    finally:
        context.close()
    assert outside == []


def test_phone_and_keyboard(browser, web):
    """At 390 × 844 the top bar stays short and a form fits the screen; the first Tab reaches the skip
    link, which takes the keyboard to the page's content."""
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    try:
        sign_in(page, web, *web.login)
        page.goto(f"{web.url}/reports/new")
        assert page.locator("header").bounding_box()["height"] < 140
        assert page.evaluate("document.documentElement.scrollWidth") <= 392  # nothing runs off the right edge
        box = page.locator("#f-worked_m2").bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 390
        _shot(page, "phone-form")
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.className") == "skip"
        page.keyboard.press("Enter")
        assert page.evaluate("document.activeElement.id") == "main"
    finally:
        context.close()
