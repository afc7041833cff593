"""Backup, restore and the store's own checks, per backend.

Why here: a consistent copy of a live database is a backend matter. A plain file copy of a SQLite
record in WAL mode misses the commits still in the `-wal` file (the issue's probe lost 35 of 1,673
acknowledged writes and the copy still passed `integrity_check`), so SQLite is copied with its
online backup API, inside one read transaction: every write acknowledged before the backup began is
in the copy, and writers carry on meanwhile. PostgreSQL is dumped with `pg_dump` (one snapshot,
custom format) and restored with `pg_restore` in a single transaction (all or nothing).

The audit check walks each record's chain back from its current row, the way
`service.records.version` rebuilds old versions: version N's `after` must equal the record as it is,
undoing it with its `before` must give version N-1's `after`, and so on down to the create row. A
row changed without its audit row, an audit row edited or deleted, or a record with no history all
break the chain.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import sqlite3
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import shapely
from sqlalchemy import Engine, func, select, text
from sqlalchemy.engine import make_url

from landrelease.domain.model import ENTITIES
from landrelease.errors import StoreError, ValidationError
from landrelease.store import bulk
from landrelease.store.engine import current_revision, head_revision
from landrelease.store.schema import TABLES, account, audit, metadata, submission

SQLITE_MAGIC = b"SQLite format 3\x00"
PGDUMP_MAGIC = b"PGDMP"
#: Tables whose rows make a record "not empty" for `restore` (its content, not its sessions).
CONTENT = (*(e.table for e in ENTITIES), "account", "submission", "audit")


def backup_format(path: Path) -> str:
    """'sqlite' or 'postgresql' from the file's first bytes; a one-line error for anything else."""
    try:
        with path.open("rb") as f:
            head = f.read(16)
    except FileNotFoundError:
        raise ValidationError(f"no file {str(path)!r}", field="file") from None
    except IsADirectoryError:
        raise ValidationError(f"{str(path)!r} is a directory, not a backup file", field="file") from None
    if head.startswith(SQLITE_MAGIC):
        return "sqlite"
    if head.startswith(PGDUMP_MAGIC):
        return "postgresql"
    raise ValidationError(
        f"{path} is not a Landrelease backup (neither a SQLite file nor a pg_dump custom-format archive)",
        field="file",
    )


# ------------------------------------------------------------------------------------------ backup


def backup(engine: Engine, target: Path) -> None:
    """A consistent copy of the live record at `target` (written beside it, then renamed)."""
    target = target.expanduser()
    if not target.parent.is_dir():
        raise ValidationError(f"no directory {str(target.parent)!r} for the backup", field="file")
    partial = target.with_name(f".{target.name}.partial")
    try:
        if engine.dialect.name == "sqlite":
            _backup_sqlite(engine, partial)
        else:
            _pg_dump(engine, partial)
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)


def _backup_sqlite(engine: Engine, target: Path) -> None:
    raw = engine.raw_connection()
    try:
        source: sqlite3.Connection = raw.driver_connection  # type: ignore[assignment]
        dest = sqlite3.connect(target)
        try:
            # pages=-1: the whole database in one step, i.e. under one read transaction (a snapshot);
            # WAL readers never block the writers, who keep committing meanwhile.
            source.backup(dest, pages=-1)
            dest.execute("PRAGMA journal_mode=DELETE")  # one self-contained file, no -wal beside it
            ok = dest.execute("PRAGMA quick_check").fetchone()[0]
        finally:
            dest.close()
    finally:
        raw.close()
    if ok != "ok":
        raise StoreError(f"the backup copy failed its check ({ok}); the record itself may be damaged: run verify")


def _pg_tool(name: str) -> str:
    """The newest installed `pg_dump`/`pg_restore` (Debian keeps one per major version)."""
    found = sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"), key=lambda p: int(p.parts[-3]))
    if found:
        return str(found[-1])
    exe = shutil.which(name)
    if exe is None:
        raise StoreError(
            f"{name} is not installed: install the PostgreSQL client (e.g. apt-get install postgresql-client)"
        )
    return exe


def _pg_args(engine: Engine) -> tuple[list[str], dict[str, str]]:
    """Connection options for the tools, with the password in the environment (never in `ps`)."""
    url = make_url(engine.url.render_as_string(hide_password=False))
    args = ["--dbname", url.database or ""]
    if url.host:
        args += ["--host", url.host]
    if url.port:
        args += ["--port", str(url.port)]
    if url.username:
        args += ["--username", url.username]
    env = dict(os.environ, PGCONNECT_TIMEOUT="20")
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    for key, value in url.query.items():  # e.g. host=/var/run/postgresql, sslmode=require
        if key == "host":
            args += ["--host", str(value)]
        elif key in ("sslmode", "sslrootcert", "sslcert", "sslkey"):
            env["PG" + key.upper()] = str(value)
    return args, env


def _run_tool(cmd: list[str], env: dict[str, str], what: str) -> None:
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True)
    if proc.returncode != 0:
        lines = [x for x in proc.stderr.strip().splitlines() if x.strip()]
        raise StoreError(f"{what} failed: {lines[-1] if lines else f'exit status {proc.returncode}'}")


def _pg_dump(engine: Engine, target: Path) -> None:
    args, env = _pg_args(engine)
    _run_tool([_pg_tool("pg_dump"), "--format=custom", "--no-password", "--file", str(target), *args], env, "pg_dump")


# ----------------------------------------------------------------------------------------- restore


def holds_data(engine: Engine) -> bool:
    """Whether any content table has a row (a fresh or never-initialised record has none)."""
    with engine.connect() as conn:
        names = set(_table_names(conn))
        for name in CONTENT:
            if name in names and conn.execute(select(func.count()).select_from(metadata.tables[name])).scalar_one():
                return True
    return False


def _table_names(conn: Any) -> list[str]:
    from sqlalchemy import inspect

    return inspect(conn).get_table_names()


def restore(engine: Engine, source: Path) -> None:
    """Replace the record's whole content with the backup's, in one go (SQLite: the backup API into
    the live file; PostgreSQL: pg_restore --clean in one transaction). The caller checks emptiness."""
    kind = backup_format(source)
    backend = engine.dialect.name
    if kind != backend:
        raise ValidationError(
            f"{source} is a {kind} backup and this record is on {backend}: restore it into a {kind} record "
            "(records move between backends with export and import)",
            field="file",
        )
    if kind == "sqlite":
        _restore_sqlite(engine, source)
    else:
        args, env = _pg_args(engine)
        cmd = [_pg_tool("pg_restore"), "--clean", "--if-exists", "--single-transaction", "--no-owner",
               "--no-password", *args, str(source)]  # fmt: skip
        _run_tool(cmd, env, "pg_restore")


def _restore_sqlite(engine: Engine, source: Path) -> None:
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    try:
        ok = src.execute("PRAGMA quick_check").fetchone()[0]
        if ok != "ok":
            raise ValidationError(f"{source} is damaged ({ok}); use another backup", field="file")
        has = src.execute("SELECT 1 FROM sqlite_master WHERE name = 'alembic_version'").fetchone()
        if not has:
            raise ValidationError(f"{source} is a SQLite file but not a Landrelease record", field="file")
        rev = src.execute("SELECT version_num FROM alembic_version").fetchone()
        _check_revision(rev[0] if rev else None, source)
        engine.dispose()  # no pooled connection keeps a view of the old pages
        raw = engine.raw_connection()
        try:
            src.backup(raw.driver_connection, pages=-1)  # type: ignore[arg-type]
        finally:
            raw.close()
    finally:
        src.close()
    engine.dispose()


def _check_revision(rev: str | None, source: Path) -> None:
    from alembic.script import ScriptDirectory

    from landrelease.store.engine import _alembic_config

    known = {s.revision for s in ScriptDirectory.from_config(_alembic_config("sqlite://")).walk_revisions()}
    if rev not in known:
        raise ValidationError(
            f"{source} was written by a newer Landrelease (schema {rev}); upgrade this program first", field="file"
        )


# ---------------------------------------------------------------------------------------- checks


def integrity_problems(engine: Engine) -> list[str]:
    """The database's own checks: SQLite integrity_check and foreign_key_check; on PostgreSQL every
    table is read whole (a damaged page fails the read) and every reference is resolved."""
    problems: list[str] = []
    rev = current_revision(engine)
    if rev != head_revision():
        problems.append(f"schema: at revision {rev}, this program expects {head_revision()}: run 'landrelease init'")
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            for (line,) in conn.exec_driver_sql("PRAGMA integrity_check").all():
                if line != "ok":
                    problems.append(f"integrity: {line}")
            for row in conn.exec_driver_sql("PRAGMA foreign_key_check").all():
                problems.append(f"integrity: {row[0]} row {row[1]} refers to a missing {row[2]} row")
            return problems
        for name in sorted(metadata.tables):
            try:
                conn.execute(text(f'SELECT count(*) FROM "{name}"')).scalar_one()  # noqa: S608 — our own names
            except Exception as exc:  # noqa: BLE001 — any failure to read a table is the finding
                problems.append(f"integrity: table {name} cannot be read: {str(exc).splitlines()[0]}")
                conn.rollback()
        for table in metadata.tables.values():
            for fk in table.foreign_keys:
                col, ref = fk.parent, fk.column.table.alias("ref")  # an alias: a unit's parent is a unit
                target = ref.c[fk.column.name]
                q = (
                    select(func.count())
                    .select_from(table.outerjoin(ref, col == target))
                    .where(col.is_not(None), target.is_(None))
                )
                n = conn.execute(q).scalar_one()
                if n:
                    problems.append(f"integrity: {n} {table.name} rows refer to a missing {fk.column.table.name}")
    return problems


_ISO = re.compile(r"^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}")


def _norm(value: Any) -> Any:
    """A value as the audit JSON and the row both can give it, for comparison."""
    if isinstance(value, bytes | bytearray | memoryview):
        return bulk.encode_bytes(value)
    if isinstance(value, dt.datetime):
        return (value if value.tzinfo else value.replace(tzinfo=dt.UTC)).astimezone(dt.UTC).isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, str) and _ISO.match(value):
        try:
            return _norm(dt.datetime.fromisoformat(value))
        except ValueError:
            return value
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return float(value)
    return value


def _same(a: Any, b: Any) -> bool:
    a, b = _norm(a), _norm(b)
    if a == b:
        return True
    if isinstance(a, str) and isinstance(b, str) and len(a) > 20 and len(b) > 20:
        try:  # geometry: the same shape may come back in another WKB byte order
            ga, gb = shapely.from_wkb(bulk.decode_bytes(a)), shapely.from_wkb(bulk.decode_bytes(b))
            return bool(shapely.equals_exact(ga, gb, 0.0))
        except Exception:  # noqa: BLE001 — not geometry: different
            return False
    return False


def _by_id(conn: Any, column: Any) -> Any:
    """Order by an id column in byte order on both backends (PostgreSQL's locale order may differ)."""
    return column.collate("C") if conn.dialect.name == "postgresql" else column


def _audit_rows(conn: Any, kind: str) -> Iterator[tuple[str, list[dict[str, Any]]]]:
    """Each record's audit rows (record id, rows by version), streamed in record id order."""
    q = (
        select(audit.c.record_id, audit.c.version, audit.c.action, audit.c.before, audit.c.after, audit.c.id)
        .where(audit.c.kind == kind)
        .order_by(_by_id(conn, audit.c.record_id), audit.c.version, audit.c.id)
    )
    current: str | None = None
    rows: list[dict[str, Any]] = []
    for r in conn.execution_options(yield_per=5000).execute(q).mappings():
        if r["record_id"] != current:
            if current is not None:
                yield current, rows
            current, rows = r["record_id"], []
        rows.append(dict(r))
    if current is not None:
        yield current, rows


def audit_problems(engine: Engine, *, limit: int = 1000) -> list[str]:
    """Records whose audit history does not lead to what they hold now (see the module doc).
    Rows and histories are both streamed in id order and merged: memory stays flat at 10⁶ records."""
    problems: list[str] = []
    with engine.connect() as conn:
        for e in ENTITIES:
            table = TABLES[e.kind]
            rows = conn.execution_options(yield_per=2000).execute(select(table).order_by(_by_id(conn, table.c.id)))
            chains = _audit_rows(conn, e.kind)
            chain = next(chains, None)
            for row in rows.mappings():
                while chain is not None and chain[0] < row["id"]:
                    problems.append(f"audit: {e.kind} history {chain[0]} has no record")
                    chain = next(chains, None)
                mine: list[dict[str, Any]] = []
                if chain is not None and chain[0] == row["id"]:
                    mine, chain = chain[1], next(chains, None)
                found = _chain_problem(dict(row), mine)
                if found:
                    problems.append(f"audit: {e.kind} {row['code']}: {found}")
                if len(problems) >= limit:
                    return [*problems, f"audit: … stopped after {limit} problems"]
            while chain is not None:
                problems.append(f"audit: {e.kind} history {chain[0]} has no record")
                chain = next(chains, None)
        problems += _other_chains(conn, "account", account, start=1)
        problems += _other_chains(conn, "submission", submission, start=None)
    return problems


def _chain_problem(row: dict[str, Any], chain: list[dict[str, Any]]) -> str | None:
    if not chain:
        return "no audit history"
    versions = [c["version"] for c in chain]
    if versions != list(range(1, row["version"] + 1)):
        return f"audit versions {_ranges(versions)} do not run 1…{row['version']} (the record's version)"
    if chain[0]["action"] != "create":
        return f"version 1 is a {chain[0]['action']!r}, not its creation"
    state = {k: v for k, v in row.items()}
    for c in reversed(chain[1:]):
        after = c["after"] or {}
        for key, value in after.items():
            if key in state and not _same(state[key], value):
                return f"{key} is {_short(state[key])} but version {c['version']}'s audit says {_short(value)}"
        state.update(c["before"] or {})
    for key, value in (chain[0]["after"] or {}).items():
        if key in state and not _same(state[key], value):
            return f"{key} was {_short(state[key])} at version 1 by its history but created as {_short(value)}"
    return None


def _other_chains(conn: Any, kind: str, table: Any, *, start: int | None) -> list[str]:
    """Accounts and queued submissions: their audit versions run without a gap (to the row's own
    version where it keeps one), and every history belongs to a row."""
    problems = []
    ids = set(conn.execute(select(table.c.id)).scalars())
    own = dict(conn.execute(select(table.c.id, table.c.version)).all()) if "version" in table.c else {}
    for record_id, rows in _audit_rows(conn, kind):
        versions = [r["version"] for r in rows]
        first = start if start is not None else versions[0]
        last = own.get(record_id, versions[-1])
        if record_id not in ids:
            problems.append(f"audit: {kind} history {record_id} has no {kind}")
        elif versions != list(range(first, last + 1)):
            problems.append(f"audit: {kind} {record_id}: audit versions {_ranges(versions)} have a gap")
    return problems


def _ranges(versions: list[int]) -> str:
    return ",".join(str(v) for v in versions[:12]) + ("…" if len(versions) > 12 else "")


def _short(value: Any) -> str:
    s = repr(_norm(value))
    return s if len(s) <= 60 else s[:57] + "…"
