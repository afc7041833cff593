"""The store on both backends: migrations, spatial index, audit in the same transaction,
all-or-nothing writes, and a clear error for a database that was never initialised."""

from __future__ import annotations

import numpy as np
import pytest
import shapely
from sqlalchemy import func, select, text

from landrelease.domain.batch import Batch
from landrelease.domain.model import BY_KIND
from landrelease.errors import StoreError, ValidationError
from landrelease.service import records
from landrelease.service.store import open_store
from landrelease.service.write import write_batch
from landrelease.store import engine as store_engine
from landrelease.store import repo
from landrelease.store.bulk import decode_bytes
from landrelease.store.schema import TABLES, audit


def _areas(n: int, seed: int = 0, bad_row: int | None = None) -> Batch:
    rng = np.random.default_rng(seed)
    x = rng.uniform(35.0, 36.0, n)
    y = rng.uniform(51.0, 51.7, n)
    geoms = shapely.box(x, y, x + 0.002, y + 0.001)
    if bad_row is not None:  # a bow-tie: ambiguous, must be refused
        geoms[bad_row] = shapely.Polygon([(35, 51), (35.01, 51.01), (35.01, 51), (35, 51.01)])
    cols = {"haz_type": ["sha"] * n, "status": ["open"] * n, "name": [f"area {i}" for i in range(n)]}
    return Batch(BY_KIND["hazardous_area"], cols, geoms)


def _count(store, table) -> int:
    with store.engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(table)).scalar_one()


def test_migration_is_idempotent_and_versioned(store):
    store.init()
    assert store_engine.current_revision(store.engine) == store_engine.head_revision()


def test_uninitialised_database_is_refused(tmp_path):
    with pytest.raises(StoreError, match="landrelease init"):
        open_store(str(tmp_path / "never.db"))


def test_every_create_is_audited_in_the_same_transaction(store):
    result = write_batch(store, _areas(50))
    assert len(result.codes) == 50
    assert _count(store, TABLES["hazardous_area"]) == 50
    with store.engine.connect() as conn:
        rows = conn.execute(select(audit).where(audit.c.txn == result.txn)).mappings().all()
    assert len(rows) == 50
    assert {r["action"] for r in rows} == {"create"}
    assert {r["actor"] for r in rows} == {store.actor}
    # the create row holds the attributes; the geometry of version 1 is the row's own until a
    # change, whose audit row keeps the geometry it replaced
    first = rows[0]["after"]
    assert first["haz_type"] == "sha" and first["code"] == rows[0]["code"] and "geom" not in first
    code = rows[0]["code"]
    v1 = records.version(store, code, 1)["geom"]
    moved = shapely.box(35.0, 51.0, 35.001, 51.001)
    records.update(store, code, {"name": "moved"}, geometry=moved)
    assert shapely.equals(records.version(store, code, 1)["geom"], v1)
    assert shapely.equals(records.version(store, code, 2)["geom"], moved)
    with store.engine.connect() as conn:
        change = conn.execute(select(audit).where(audit.c.code == code, audit.c.version == 2)).mappings().one()
    assert shapely.equals(shapely.from_wkb(decode_bytes(change["before"]["geom"])), v1)


def test_a_bad_record_writes_nothing(store):
    write_batch(store, _areas(10, seed=1))
    before = (_count(store, TABLES["hazardous_area"]), _count(store, audit))
    with pytest.raises(ValidationError, match="feature 37"):
        write_batch(store, _areas(40, seed=2, bad_row=36))
    assert (_count(store, TABLES["hazardous_area"]), _count(store, audit)) == before


def test_bbox_query_matches_brute_force(store):
    batch = _areas(500, seed=3)
    write_batch(store, batch)
    box = (35.2, 51.2, 35.6, 51.5)
    with store.engine.connect() as conn:
        got = {
            r[0]
            for r in conn.execute(
                select(TABLES["hazardous_area"].c.code).where(
                    TABLES["hazardous_area"].c.id.in_(repo.bbox_ids(conn, "hazardous_area", box))
                )
            )
        }
        rows = conn.execute(select(TABLES["hazardous_area"].c.code, TABLES["hazardous_area"].c.geom)).all()
        t = TABLES["hazardous_area"]
        by_condition = {r[0] for r in conn.execute(select(t.c.code).where(repo.bbox_condition(conn, t.name, box)))}
    codes = np.array([r[0] for r in rows])
    geoms = shapely.from_wkb([r[1] for r in rows])
    want = set(codes[shapely.intersects(geoms, shapely.box(*box))])
    assert got == want and len(want) > 10
    assert by_condition == want


def test_backend_specific_storage(store):
    write_batch(store, _areas(3, seed=4))
    with store.engine.connect() as conn:
        if store.backend == "sqlite":
            assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
            assert conn.execute(text("SELECT count(*) FROM rtree_hazardous_area")).scalar() == 3
        else:
            kinds = conn.execute(text("SELECT DISTINCT ST_GeometryType(geom), ST_SRID(geom) FROM hazardous_area")).all()
            assert kinds == [("ST_Polygon", 4326)]
            # PostGIS agrees with our geodesic area (geography, WGS84 spheroid)
            rows = conn.execute(text("SELECT area_m2, ST_Area(geom::geography) FROM hazardous_area")).all()
            for ours, postgis in rows:
                assert ours == pytest.approx(postgis, rel=1e-4)


def test_code_clash_refuses_whole_import(store):
    b = _areas(3, seed=5)
    b.columns["code"] = ["HA-2020-000007", "HA-2020-000008", "HA-2020-000009"]
    write_batch(store, b)
    again = _areas(2, seed=6)
    again.columns["code"] = ["HA-2020-000010", "HA-2020-000008"]
    with pytest.raises(Exception, match="already in the record"):
        write_batch(store, again)
    assert _count(store, TABLES["hazardous_area"]) == 3
    # sequences stay ahead of given codes
    fresh = _areas(1, seed=7)
    with store.engine.connect() as conn:
        conn.execute(text("SELECT 1"))
    fresh.columns["code"] = [None]
    code = write_batch(store, fresh).codes[0]
    assert not code.startswith("HA-2020")


def test_ids_are_time_ordered_uuid7():
    import uuid

    ids = [repo.new_id() for _ in range(10_000)]
    assert ids == sorted(ids) and len(set(ids)) == len(ids)
    assert {uuid.UUID(i).version for i in ids} == {7}


def test_concurrent_writers_queue_instead_of_failing(sqlite_store):
    """SQLite: one writer at a time (BEGIN IMMEDIATE + busy timeout), never 'database is locked'."""
    from concurrent.futures import ThreadPoolExecutor

    def work(seed: int) -> int:
        return sum(len(write_batch(sqlite_store, _areas(20, seed=100 + seed * 10 + k)).codes) for k in range(5))

    with ThreadPoolExecutor(max_workers=4) as pool:
        written = sum(pool.map(work, range(4)))
    assert written == 400
    assert _count(sqlite_store, TABLES["hazardous_area"]) == 400
    codes = [r["code"] for r in records.list_records(sqlite_store, "hazardous_area", limit=1000)]
    assert len(set(codes)) == 400


def test_given_codes_must_fit_the_kind_and_be_unique(store):
    b = _areas(3, seed=8)
    b.columns["code"] = ["HA-2020-000001", "ACC-2020-000001", None]
    with pytest.raises(ValidationError, match="row 2, code: 'ACC-2020-000001' is not a hazardous area code"):
        write_batch(store, b)
    b.columns["code"] = ["HA-2020-000001", "HA-2020-000001", None]
    with pytest.raises(ValidationError, match="more than once"):
        write_batch(store, b)


def test_init_creates_postgis_extension_itself(pg_server):
    """`landrelease init` on a bare PostgreSQL database enables PostGIS by itself."""
    import psycopg

    url, _server = pg_server
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("DROP DATABASE IF EXISTS lr_bare")
        conn.execute("CREATE DATABASE lr_bare")
    bare = url.rsplit("/", 1)[0] + "/lr_bare"
    s = open_store(bare, init=True)
    write_batch(s, _areas(2, seed=9))
    assert _count(s, TABLES["hazardous_area"]) == 2
    s.close()


def test_concurrent_writers_never_share_a_code(store):
    """Two transactions allocating codes at once (PostgreSQL: row lock on the counter) get disjoint codes."""
    from concurrent.futures import ThreadPoolExecutor

    def work(seed: int) -> list[str]:
        return [c for k in range(4) for c in write_batch(store, _areas(5, seed=300 + seed * 10 + k)).codes]

    with ThreadPoolExecutor(max_workers=4) as pool:
        codes = [c for batch in pool.map(work, range(4)) for c in batch]
    assert len(codes) == 80 and len(set(codes)) == 80
