"""Shared fixtures: real stores on both backends.

`store` is parametrised over SQLite (a real file in a temp dir) and PostgreSQL/PostGIS (a real
throw-away server started once per session, a fresh database per test). Set
LANDRELEASE_TEST_PG=postgresql://… to use an existing server instead of starting one.
"""

from __future__ import annotations

import itertools
import os
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from landrelease.service.store import Store, open_store  # noqa: E402
from pgserver import PgServer  # noqa: E402

_counter = itertools.count()


@pytest.fixture(scope="session")
def pg_server():
    given = os.environ.get("LANDRELEASE_TEST_PG")
    if given:
        yield given, None
        return
    server = PgServer()
    server.start()
    try:
        yield server.url, server
    finally:
        server.stop()


def _new_pg_database(pg_server) -> str:
    url, server = pg_server
    name = f"lr_test_{os.getpid()}_{next(_counter)}"
    if server is None:
        import psycopg

        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return url.rsplit("/", 1)[0] + f"/{name}"
    return server.new_database(name)


@pytest.fixture
def pg_url(pg_server) -> str:
    return _new_pg_database(pg_server)


@pytest.fixture(scope="session")
def pg_database(pg_server):
    """A factory of new, empty PostGIS databases for fixtures wider than one test (a module's server)."""
    return lambda: _new_pg_database(pg_server)


@pytest.fixture
def fresh_db(request, tmp_path):
    """A factory of new, empty databases on the same backend as `store`."""

    def make() -> str:
        if request.node.callspec.params.get("store") == "postgresql":
            return _new_pg_database(request.getfixturevalue("pg_server"))
        return str(tmp_path / f"fresh_{next(_counter)}.db")

    return make


@pytest.fixture
def sqlite_store(tmp_path) -> Store:
    s = open_store(str(tmp_path / "record.db"), actor="test:sqlite", init=True)
    yield s
    s.close()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def store(request, tmp_path) -> Store:
    if request.param == "sqlite":
        db = str(tmp_path / "record.db")
    else:
        db = request.getfixturevalue("pg_url")
    s = open_store(db, actor=f"test:{request.param}", init=True)
    yield s
    s.close()
