"""The migrated schema is exactly `store/schema.py` on both backends: every table, column, type,
index and constraint the model declares exists after `init`, and nothing else (Alembic's own
comparison; the SQLite R*Tree virtual tables and PostGIS's own tables are the backends' business)."""

from __future__ import annotations

import warnings

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from landrelease.store.schema import metadata


def _backend_own(d) -> bool:  # type: ignore[no-untyped-def]
    """The spatial indexes each backend adds beside the model (migration 0001): SQLite's R*Tree
    tables, PostGIS's GiST indexes on geometry columns, and PostGIS's own catalogue tables."""
    text = str(d)
    if "rtree_" in text or "spatial_ref_sys" in text:
        return True
    return d[0] == "remove_index" and d[1].name.endswith(("_geom", "_rem_geom"))


def _ours(diff) -> list:  # type: ignore[no-untyped-def]
    return [d for d in diff if not _backend_own(d)]


def test_migrations_build_the_declared_schema(store):
    with store.engine.connect() as conn, warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Did not recognize type 'geometry'")
        diff = compare_metadata(MigrationContext.configure(conn), metadata)
    assert _ours(diff) == []
