"""Connecting to the store: an embedded SQLite file (default) or PostgreSQL/PostGIS by URL.

SQLite runs in WAL mode (readers never block the writer), with foreign keys on and a generous busy
timeout so that concurrent writers queue instead of failing with "database is locked".
Backend-specific code stays in this package.
"""

from __future__ import annotations

import os
from importlib import resources
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.exc import OperationalError, SQLAlchemyError

from landrelease.errors import StoreError

DEFAULT_DB = "landrelease.db"


def resolve_url(db: str | os.PathLike[str] | None) -> str:
    """A path becomes a SQLite URL; a URL is kept. None: ./landrelease.db (the `db` setting's default)."""
    raw = str(db) if db else DEFAULT_DB
    if "://" in raw:
        if raw.startswith("postgres://"):
            raw = "postgresql://" + raw[len("postgres://") :]
        if raw.startswith("postgresql://"):
            raw = "postgresql+psycopg://" + raw[len("postgresql://") :]
        return raw
    return f"sqlite:///{Path(raw).expanduser()}"


def make_engine(db: str | os.PathLike[str] | None = None) -> Engine:
    url = resolve_url(db)
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 60, "check_same_thread": False})

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_conn, _record):  # type: ignore[no-untyped-def]
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA busy_timeout=60000")
            cur.execute("PRAGMA cache_size=-262144")  # 256 MB: national imports stay in memory
            cur.close()
            # pysqlite's own transaction handling defers BEGIN; take the write lock at BEGIN
            # instead so two writers queue on busy_timeout rather than deadlock on upgrade.
            dbapi_conn.isolation_level = None

        @event.listens_for(engine, "begin")
        def _begin(conn):  # type: ignore[no-untyped-def]
            conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.info.get("write") else "BEGIN")

        return engine
    try:
        return create_engine(url, pool_pre_ping=True)
    except (SQLAlchemyError, ImportError, ValueError) as exc:
        raise StoreError(f"cannot use database URL {url!r}: {exc}") from None


def _alembic_config(engine_url: str) -> Config:
    cfg = Config()
    location = resources.files("landrelease.store") / "migrations"
    cfg.set_main_option("script_location", str(location))
    cfg.set_main_option("sqlalchemy.url", engine_url)
    return cfg


def upgrade(engine: Engine) -> None:
    """Create or migrate the schema to the newest revision (idempotent)."""
    cfg = _alembic_config(engine.url.render_as_string(hide_password=False))
    try:
        with engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "head")
    except OperationalError as exc:
        raise StoreError(f"cannot open the database: {exc.orig}") from None


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def head_revision() -> str | None:
    cfg = _alembic_config("sqlite://")
    return ScriptDirectory.from_config(cfg).get_current_head()


def check_ready(engine: Engine) -> None:
    """Refuse to work on a database that was never initialised or needs a migration."""
    try:
        rev = current_revision(engine)
    except OperationalError as exc:
        raise StoreError(f"cannot open the database: {exc.orig}") from None
    except SQLAlchemyError as exc:
        raise StoreError(f"cannot open the database: {exc}") from None
    if rev is None:
        raise StoreError(
            f"the database at {engine.url.render_as_string(hide_password=True)} is not initialised; "
            "run 'landrelease init' first"
        )
    if rev != head_revision():
        raise StoreError("the database schema is older than this program; run 'landrelease init' to migrate it")


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"


def ping(engine: Engine) -> None:
    with engine.connect() as conn:
        conn.execute(text("SELECT 1"))
