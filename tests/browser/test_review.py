"""The review workbench in Chromium: the queue, a submission's flags, map preview and diff; verify then
approve one submission → its record appears on the area page; a rejection needs a reason. Forms come
in over OpenRosa as ODK Collect sends them. Any JS console error fails the test (conftest)."""

from __future__ import annotations

import base64
import secrets
import sys
import urllib.request
import uuid
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parents[1] / "server"))

from live import ADMIN, ServeProcess, admin_account  # noqa: E402

from landrelease.demo import fieldsim  # noqa: E402
from landrelease.formats.answers import submission_xml  # noqa: E402
from landrelease.service.store import open_store  # noqa: E402

from .conftest import sign_in  # noqa: E402


@pytest.fixture(scope="module")
def desk(tmp_path_factory):
    """A record with an operator's area and activity, an operator account that sends two progress
    reports over /odk, and an administrator who reviews them."""
    from landrelease.service.accounts import add_account, set_password

    db = tmp_path_factory.mktemp("review") / "review.db"
    store = open_store(str(db), actor="test:review", init=True)
    codes = fieldsim.seed_record(store)
    admin_account(store)
    admin_pw, field_pw, imo_pw = (secrets.token_urlsafe(18) for _ in range(3))
    set_password(store, ADMIN, admin_pw)
    add_account(store, "field1", role="operator_writer", password=field_pw, organisation=codes["org"])
    add_account(store, "imo1", role="imo", password=imo_pw)  # the second person who approves
    store.close()
    with ServeProcess(str(db)) as server:
        server.codes = codes
        server.login = (ADMIN, admin_pw)
        server.second = ("imo1", imo_pw)
        server.ids = {}
        for name, worked in (("approve-me", "250"), ("reject-me", "90000")):
            instance = f"uuid:{uuid.uuid4()}"
            xml = submission_xml(
                "lr_progress",
                {
                    "report/activity": codes["activity"],
                    "report/date": "2026-11-20",
                    "report/worked_m2": worked,
                    "meta/instanceID": instance,
                },
            )
            b = uuid.uuid4().hex
            body = (
                f'--{b}\r\nContent-Disposition: form-data; name="xml_submission_file"; filename="i.xml"\r\n'
                "Content-Type: text/xml\r\n\r\n".encode()
                + xml
                + f"\r\n--{b}--\r\n".encode()
            )
            auth = base64.b64encode(f"field1:{field_pw}".encode()).decode()
            req = urllib.request.Request(
                f"{server.url}/odk/submission",
                data=body,
                method="POST",
                headers={
                    "Content-Type": f"multipart/form-data; boundary={b}",
                    "Authorization": f"Basic {auth}",
                    "X-OpenRosa-Version": "1.0",
                },
            )
            with urllib.request.urlopen(req, timeout=60) as r:
                assert r.status == 201
            server.ids[name] = instance
        yield server


def _open(pg, desk, name: str) -> None:
    pg.goto(f"{desk.url}/review")
    pg.click(f"#queue a:text('{desk.ids[name]}')")
    pg.wait_for_selector("#meta")
    pg.wait_for_selector("body[data-review-ready]", state="attached")  # the decision buttons are wired


def test_verify_then_approve_puts_the_report_on_the_area_page(browser, desk, page):
    sign_in(page, desk, *desk.login)
    page.goto(f"{desk.url}/review")
    assert page.locator("#queue tr").count() == 3  # header + two submissions
    page.select_option("#filter-status", "submitted")
    page.click("#filters button")
    page.wait_for_url("**/review?status=submitted**")
    assert page.locator("#queue tr").count() == 3

    _open(page, desk, "approve-me")
    page.wait_for_function("() => window.lrReviewMapReady === true", timeout=60_000)
    drawn = page.evaluate("window.lrMap.queryRenderedFeatures({layers: ['record-fill']}).length")
    assert drawn >= 1  # the activity's hazardous area is on the map
    assert page.locator("#flags").count() == 1
    diff = page.inner_text("#diff")
    assert desk.codes["activity"] in diff and "250" in diff
    page.click("#verify")
    page.wait_for_selector("#status:text('verified')")
    page.wait_for_selector("body[data-review-ready]", state="attached")  # the reloaded page's buttons are wired
    assert page.locator("#approve").count() == 0  # who verified does not approve (LANDRELEASE_REVIEW_TWO_PERSON)

    second = browser.new_context(viewport={"width": 1200, "height": 800})
    try:
        other = second.new_page()
        sign_in(other, desk, *desk.second)
        _open(other, desk, "approve-me")
        other.click("#approve")
        other.wait_for_selector("#status:text('approved')")
        code = other.inner_text("#records")
    finally:
        second.close()
    assert code.startswith("PR-")

    page.goto(f"{desk.url}/areas/{desk.codes['area']}")
    assert "250 m² worked" in page.inner_text("#timeline")


def test_rejection_needs_a_reason(browser, desk, page):
    sign_in(page, desk, *desk.login)
    _open(page, desk, "reject-me")
    page.click("#reject")
    error = page.locator("#decide-error")
    error.wait_for(state="visible")
    assert "reason" in error.inner_text()
    assert page.get_attribute("#status", "data-status") == "submitted"
    page.fill("#reason", "90,000 m² in one day by one team is not plausible")
    page.click("#reject")
    page.wait_for_selector("#status:text('rejected')")
    assert "not plausible" in page.inner_text("#reason-text")
    assert page.locator("#decide").count() == 0  # decided: no more buttons
