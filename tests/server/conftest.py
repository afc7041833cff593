"""Servers for the HTTP tests: a real uvicorn server on a real store (SQLite file, or PostGIS)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from live import LiveServer, ServeProcess  # noqa: E402

from landrelease.server.app import create_app  # noqa: E402
from landrelease.service.demo import build_demo  # noqa: E402
from landrelease.service.store import open_store  # noqa: E402


@pytest.fixture(scope="session")
def demo_server(tmp_path_factory):
    """A small synthetic demo record (read-only tests share it) behind `landrelease serve`."""
    db = tmp_path_factory.mktemp("demo") / "demo.db"
    store = open_store(str(db), actor="test:demo", init=True)
    build_demo(store, n_areas=60, seed=3)
    store.close()
    with ServeProcess(str(db)) as server:
        yield server


@pytest.fixture
def server(store):
    """An empty record on each backend (see tests/conftest.py) behind a live server."""
    with LiveServer(create_app(store)) as s:
        s.store = store
        yield s
