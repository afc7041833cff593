"""Helpers for the browser tests."""

from __future__ import annotations

IDLE = (
    "() => new Promise(r => { const m = window.lrMap; if (m.loaded() && !m.isMoving()) r(); else m.once('idle', r); })"
)


def map_idle(pg, loads: int = 1) -> None:
    """Wait until the map has loaded its data `loads` times and rendered it ('idle')."""
    pg.wait_for_function(f"window.lrLoaded >= {loads}", timeout=60_000)
    pg.evaluate(IDLE)


def wait_pick(pg) -> None:
    """Wait until a form's small map is ready to take clicks."""
    pg.wait_for_function("window.lrPickReady === true", timeout=60_000)
    pg.evaluate(IDLE)
