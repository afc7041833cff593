"""Helpers for the browser tests.

Pages are served with a Content-Security-Policy that forbids eval (`server/limits.py`): Playwright
evaluates a `wait_for_function` *expression* string with eval inside the page, so predicates are
written as functions (`"() => …"`), which Playwright runs through the DevTools protocol instead."""

from __future__ import annotations

import pytest

#: `@pytest.mark.parametrize("web", BACKENDS, indirect=True)`: the test runs against a server on SQLite
#: and on the throw-away PostGIS server of tests/conftest.py.
BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]

IDLE = (
    "() => new Promise(r => { const m = window.lrMap; if (m.loaded() && !m.isMoving()) r(); else m.once('idle', r); })"
)


def map_idle(pg, loads: int = 1) -> None:
    """Wait until the map has applied at least `loads` data loads, none is in flight, and it has
    rendered them ('idle')."""
    pg.wait_for_function(f"() => window.lrLoaded >= {loads} && window.lrPending === 0", timeout=60_000)
    pg.evaluate(IDLE)


def after(pg, action) -> None:  # type: ignore[no-untyped-def]
    """Do `action` (which makes the map reload) and wait until its newest load is drawn."""
    before = pg.evaluate("window.lrLoaded")
    action()
    map_idle(pg, before + 1)


def wait_pick(pg) -> None:
    """Wait until a form's small map is ready to take clicks."""
    pg.wait_for_function("() => window.lrPickReady === true", timeout=60_000)
    pg.evaluate(IDLE)
