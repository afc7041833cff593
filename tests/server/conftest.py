"""Servers for the HTTP tests: a real uvicorn server on a real store (SQLite file, or PostGIS)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from live import ADMIN, TEST_TOKEN, LiveServer, ServeProcess, admin_account  # noqa: E402

from landrelease.server.app import create_app  # noqa: E402
from landrelease.service.demo import build_demo  # noqa: E402
from landrelease.service.store import open_store  # noqa: E402


@pytest.fixture(scope="session", autouse=True)
def gdal_sends_the_test_token():
    """GDAL's OAPIF client signs in as QGIS 3.22 and GDAL 3.6 can: HTTP Basic with the account name and
    an API token (GDAL_HTTP_USERPWD + GDAL_HTTP_AUTH=BASIC; docs/gis-clients.md)."""
    import pyogrio

    pyogrio.set_gdal_config_options({"GDAL_HTTP_AUTH": "BASIC", "GDAL_HTTP_USERPWD": f"{ADMIN}:{TEST_TOKEN}"})
    yield
    pyogrio.set_gdal_config_options({"GDAL_HTTP_AUTH": None, "GDAL_HTTP_USERPWD": None})


@pytest.fixture(scope="session")
def demo_server(tmp_path_factory):
    """A small synthetic demo record (read-only tests share it) behind `landrelease serve`, with
    the test administrator (tests/server/live.py)."""
    db = tmp_path_factory.mktemp("demo") / "demo.db"
    store = open_store(str(db), actor="test:demo", init=True)
    build_demo(store, n_areas=60, seed=3)
    admin_account(store)
    store.close()
    with ServeProcess(str(db)) as server:
        yield server


@pytest.fixture
def server(store):
    """An empty record on each backend (see tests/conftest.py) behind a live server."""
    admin = admin_account(store)
    with LiveServer(create_app(store)) as s:
        s.store = store.acting(admin)  # what tests write directly is signed like the API's writes
        yield s
