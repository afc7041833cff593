"""Browser tests: Debian's Chromium driven by Playwright (never `playwright install`) against
`landrelease serve` on a free port with a real database. Any JS console error fails the test."""

from __future__ import annotations

import os
import re
import secrets
import shutil
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parents[1] / "server"))
sys.path.insert(0, str(Path(__file__).parent))

from live import ADMIN, ServeProcess, admin_account  # noqa: E402

from landrelease.service.demo import build_demo  # noqa: E402
from landrelease.service.store import open_store  # noqa: E402

CHROMIUM = os.environ.get("LANDRELEASE_CHROMIUM", "/usr/bin/chromium")
ARGS = [
    "--no-sandbox",
    "--headless",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: run scripts/install-test-deps.sh (make test does)")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


SCENARIOS = Path(__file__).parents[2] / "scenarios"


@pytest.fixture(scope="module")
def web(request, tmp_path_factory):
    """A synthetic demo record of 300 areas behind `landrelease serve`, on SQLite unless a test asks for
    PostGIS (`@pytest.mark.parametrize("web", BACKENDS, indirect=True)`, see kit.py). Its plan page
    offers two of the repository's scenario files. It has the test administrator (a random password,
    and the session's API token for `call`)."""
    from landrelease.service.accounts import set_password

    backend = getattr(request, "param", "sqlite")
    tmp = tmp_path_factory.mktemp("web")
    db = str(tmp / "demo.db") if backend == "sqlite" else request.getfixturevalue("pg_database")()
    store = open_store(db, actor="test:web", init=True)
    build_demo(store, n_areas=300, seed=5)
    admin_account(store)
    password = secrets.token_urlsafe(18)
    set_password(store, ADMIN, password)
    store.close()
    scenarios = tmp / "scenarios"
    scenarios.mkdir()
    for name in ("standing.toml", "standing-plus-survey.toml"):
        shutil.copy(SCENARIOS / name, scenarios / name)
    env = {"LANDRELEASE_PLAN_CACHE": str(tmp / "plan-cache")}
    with ServeProcess(db, "--scenarios", str(scenarios), env=env) as server:
        server.db = db
        server.backend = backend
        server.login = (ADMIN, password)
        yield server


def sign_in(pg, server, username: str, password: str) -> None:
    """Sign in through the login page, as a person would (session cookie + CSRF token)."""
    pg.goto(f"{server.url}/login")
    pg.fill("#username", username)
    pg.fill("#password", password)
    pg.click("#login button[type=submit]")
    pg.wait_for_selector("#who")


@pytest.fixture
def page(browser, request):
    """A fresh browser context; signed in as the test administrator when the test uses `web`."""
    context = browser.new_context(viewport={"width": 1200, "height": 800})
    # the pages' Content-Security-Policy (server/limits.py) must never have to block anything a page
    # needs: each violation is logged as a console error, which fails the test
    context.add_init_script(
        "document.addEventListener('securitypolicyviolation', e => console.error("
        "`CSP violation: ${e.violatedDirective} blocked ${e.blockedURI} (${e.sourceFile}:${e.lineNumber})`))"
    )
    pg = context.new_page()
    if "web" in request.fixturenames:
        server = request.getfixturevalue("web")
        sign_in(pg, server, *server.login)
    errors: list[str] = []
    pg.allowed_statuses = set()  # a test that expects the API to refuse (422) says so

    def console(m) -> None:  # type: ignore[no-untyped-def]
        status = re.search(r"responded with a status of (\d+)", m.text)
        if m.type == "error" and not (status and int(status.group(1)) in pg.allowed_statuses):
            errors.append(f"console {m.type}: {m.text}")

    pg.on("console", console)
    pg.on("pageerror", lambda e: errors.append(f"page error: {e}"))
    pg.js_errors = errors
    yield pg
    context.close()
    assert errors == [], errors
