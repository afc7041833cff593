"""Reading and writing records, with their audit trail, on either backend.

Set-based: a batch of N records is one INSERT … executemany and one audit executemany, never a
round trip per record. Every write leaves an audit row in the same transaction (who, when, what,
before → after, geometry included as WKB hex), so any past version of a record can be rebuilt.
Nothing is hard-deleted: `delete` sets ``deleted_at`` and audits it.
"""

from __future__ import annotations

import datetime as dt
import os
import time
import uuid
from collections.abc import Iterable, Sequence
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Connection, Engine, and_, bindparam, false, func, insert, literal, select, text, true, update
from sqlalchemy.dialects.postgresql import aggregate_order_by

from landrelease.domain.model import BY_KIND, Entity
from landrelease.errors import Conflict, NotFound
from landrelease.store import bulk
from landrelease.store.schema import TABLES, audit, code_sequence

GEOM_COLUMNS = ("geom", "rem_geom")
SYSTEM_COLUMNS = ("id", "code", "version", "created_at", "created_by", "updated_at", "updated_by")


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def new_id() -> str:
    """A time-ordered UUID (version 7 layout, RFC 9562): 48-bit Unix milliseconds, then random.

    Keys created together sit together in every B-tree index, so a 10⁵-record import appends to
    its indexes instead of scattering page writes across them."""
    global _last_ms, _seq
    ms = time.time_ns() // 1_000_000
    if ms <= _last_ms:  # same millisecond: keep order with a counter in rand_a
        ms, _seq = _last_ms, _seq + 1
        if _seq > 0xFFF:  # counter full: borrow the next millisecond
            ms, _seq = ms + 1, 0
    else:
        _seq = 0
    _last_ms = ms
    rand = int.from_bytes(os.urandom(8), "big")
    value = (ms << 80) | (0x7 << 76) | ((_seq & 0xFFF) << 64) | (0b10 << 62) | (rand & ((1 << 62) - 1))
    return str(uuid.UUID(int=value))


_last_ms = 0
_seq = 0


@contextmanager
def write_transaction(engine: Engine):  # type: ignore[no-untyped-def]
    """One write transaction. On SQLite it takes the write lock at BEGIN (BEGIN IMMEDIATE), so
    concurrent writers queue on the busy timeout instead of failing with 'database is locked'."""
    with engine.connect() as conn:
        conn.info["write"] = True
        try:
            with conn.begin():
                yield conn
        finally:
            conn.info.pop("write", None)


@contextmanager
def read_connection(engine: Engine):  # type: ignore[no-untyped-def]
    with engine.connect() as conn:
        yield conn


@contextmanager
def rolled_back(conn: Connection):  # type: ignore[no-untyped-def]
    """A SAVEPOINT inside the caller's write transaction that is always rolled back: what a write
    would do, seen from inside, and then undone (the review's dry run of an approval)."""
    nested = conn.begin_nested()
    try:
        yield conn
    finally:
        nested.rollback()


def backend(bind: Engine | Connection) -> str:
    """'sqlite' or 'postgresql' (of an engine or a connection): for messages, and for the few choices
    a caller must make (one SQLite writer at a time; which SQL a filter compiles to through the
    store's helpers), so that no code outside the store reads the dialect itself."""
    return bind.dialect.name


def lock_for_update(conn: Connection, query: Any) -> Any:
    """``query`` taking row locks until the transaction ends. PostgreSQL: ``SELECT … FOR UPDATE``;
    SQLite has no row locks and needs none: a write transaction holds the database's one write lock
    from BEGIN IMMEDIATE (`write_transaction`)."""
    return query.with_for_update() if conn.dialect.name == "postgresql" else query


def insert_once(conn: Connection, table: Any, values: dict[str, Any], keys: Sequence[str], returning: Any) -> Any:
    """``INSERT … ON CONFLICT (keys) DO NOTHING RETURNING returning`` on either backend: the inserted
    row's ``returning`` value, or None when a row with the same keys was already there (concurrent
    inserts of the same key: one wins, the others wait for it and then do nothing)."""
    if conn.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as dialect_insert
    else:
        from sqlalchemy.dialects.sqlite import insert as dialect_insert
    stmt = dialect_insert(table).values(**values).on_conflict_do_nothing(index_elements=list(keys)).returning(returning)
    return conn.execute(stmt).scalar_one_or_none()


def audit_event(
    conn: Connection,
    *,
    actor: str,
    action: str,
    kind: str,
    record_id: str,
    code: str,
    version: int | None,
    before: Any,
    after: Any,
    txn: str | None = None,
    note: str | None = None,
    at: dt.datetime | None = None,
) -> None:
    """One audit row for something that is not a record of the national record (an account, a queued
    submission), in the caller's transaction. ``version`` None: the next version of that record id
    in the audit trail. before/after are made JSON-ready (dates ISO, bytes base64)."""
    if version is None:
        version = conn.execute(
            select(func.count()).select_from(audit).where(audit.c.record_id == record_id)
        ).scalar_one()
        version += 1
    conn.execute(
        insert(audit).values(
            at=at or utcnow(),
            actor=actor,
            action=action,
            kind=kind,
            record_id=record_id,
            code=code,
            version=version,
            before=_json_ready(before),
            after=_json_ready(after),
            txn=txn or new_id(),
            note=note,
        )
    )


def _json_ready(value: Any) -> Any:
    import json

    return None if value is None else json.loads(json.dumps(value, default=bulk.json_default))


def snapshot(row: dict[str, Any]) -> dict[str, Any]:
    """A record as JSON-ready values for the audit trail (geometry as base64 WKB, dates ISO)."""
    return {
        k: v if v is None or isinstance(v, str | int | float | list | dict) else bulk.json_default(v)
        for k, v in row.items()
    }


def _ensure_sequence(conn: Connection, prefix: str) -> None:
    """The counter row of a prefix exists (created at 0 if new; a concurrent creator wins quietly)."""
    if conn.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as upsert
    else:
        from sqlalchemy.dialects.sqlite import insert as upsert
    conn.execute(upsert(code_sequence).values(prefix=prefix, last=0).on_conflict_do_nothing(index_elements=["prefix"]))


def allocate_codes(conn: Connection, prefix: str, n: int) -> list[str]:
    """Reserve n human codes PREFIX-000001… in this transaction (prefix usually carries the year).

    One atomic UPDATE … RETURNING: on PostgreSQL the row lock makes concurrent writers take turns,
    so two transactions can never be handed the same codes (SQLite writers are serialised anyway)."""
    if n <= 0:
        return []
    _ensure_sequence(conn, prefix)
    last = conn.execute(
        update(code_sequence)
        .where(code_sequence.c.prefix == prefix)
        .values(last=code_sequence.c.last + n)
        .returning(code_sequence.c.last)
    ).scalar_one()
    start = last - n
    return [f"{prefix}-{i:06d}" for i in range(start + 1, last + 1)]


def reserve_given_codes(conn: Connection, codes: Iterable[str]) -> None:
    """Keep the sequences ahead of codes given in files (HA-2024-000123) so new codes never clash."""
    highest: dict[str, int] = {}
    for code in codes:
        head, _, tail = code.rpartition("-")
        if head and tail.isdigit():
            highest[head] = max(highest.get(head, 0), int(tail))
    for prefix, last in highest.items():
        _ensure_sequence(conn, prefix)
        conn.execute(
            update(code_sequence).where(code_sequence.c.prefix == prefix, code_sequence.c.last < last).values(last=last)
        )


def _lookup(conn: Connection, kind: str, key: str, value: str, wanted: Sequence[Any], live: bool) -> dict[Any, Any]:
    """key → value for the wanted keys of a kind, in chunked IN lists (both backends)."""
    table = TABLES[kind]
    out: dict[Any, Any] = {}
    unique = list(dict.fromkeys(w for w in wanted if w))
    for i in range(0, len(unique), 5000):
        q = select(table.c[key], table.c[value]).where(table.c[key].in_(unique[i : i + 5000]))
        if live:
            q = q.where(table.c.deleted_at.is_(None))
        out.update({k: v for k, v in conn.execute(q)})
    return out


def existing_codes(conn: Connection, kind: str, codes: Sequence[str]) -> set[str]:
    """Codes already used by a kind, deleted records included (codes are never reused)."""
    return set(_lookup(conn, kind, "code", "id", codes, live=False))


def ids_for_codes(conn: Connection, kind: str, codes: Sequence[str]) -> dict[str, str]:
    """code → id for live records of a kind."""
    return _lookup(conn, kind, "code", "id", codes, live=True)


def codes_for_ids(conn: Connection, kind: str, ids: Sequence[str]) -> dict[str, str]:
    """id → code, deleted records included (history still names them)."""
    return _lookup(conn, kind, "id", "code", ids, live=False)


def insert_columns(
    conn: Connection, entity: Entity, columns: dict[str, list[Any]], *, actor: str, txn: str, note: str | None = None
) -> None:
    """Insert complete records given column by column (ids and codes set) and their 'create' audit
    rows, in bulk: one pass per column, never a dict per record."""
    n = len(columns["id"])
    if n == 0:
        return
    now = utcnow()
    columns = dict(columns)
    columns.setdefault("version", [1] * n)
    columns["created_at"] = columns["updated_at"] = [now] * n
    columns["created_by"] = columns["updated_by"] = [actor] * n
    columns.setdefault("synthetic", [False] * n)
    columns.setdefault("deleted_at", [None] * n)
    table = TABLES[entity.kind]
    bulk.insert_columns(conn, table, columns)
    bulk.insert_columns(
        conn,
        audit,
        {
            "at": [now] * n,
            "actor": [actor] * n,
            "action": ["create"] * n,
            "kind": [entity.kind] * n,
            "record_id": columns["id"],
            "code": columns["code"],
            "version": [1] * n,
            "before": [None] * n,
            "after": bulk.snapshots(table, columns),
            "txn": [txn] * n,
            "note": [note] * n,
        },
    )


def fetch_one(conn: Connection, kind: str, code: str, *, include_deleted: bool = False) -> dict[str, Any]:
    table = TABLES[kind]
    q = select(table).where(table.c.code == code)
    if not include_deleted:
        q = q.where(table.c.deleted_at.is_(None))
    row = conn.execute(q).mappings().first()
    if row is None:
        entity = BY_KIND[kind]
        raise NotFound(f"no {entity.kind.replace('_', ' ')} with code {code!r}")
    return dict(row)


def fetch_by_id(conn: Connection, kind: str, record_id: str, *, for_update: bool = False) -> dict[str, Any]:
    table = TABLES[kind]
    q = select(table).where(table.c.id == record_id)
    if for_update:
        q = lock_for_update(conn, q)
    row = conn.execute(q).mappings().first()
    if row is None:
        raise NotFound(f"no {kind.replace('_', ' ')} with id {record_id!r}")
    return dict(row)


def update_row(
    conn: Connection,
    kind: str,
    before: dict[str, Any],
    changes: dict[str, Any],
    *,
    actor: str,
    txn: str,
    action: str = "update",
    note: str | None = None,
    expected_version: int | None = None,
) -> dict[str, Any]:
    """Apply changes with optimistic concurrency; audit before → after. Returns the new row."""
    table = TABLES[kind]
    version = before["version"]
    if expected_version is not None and expected_version != version:
        raise Conflict(
            f"{before['code']} was changed by someone else (you edited version {expected_version}, "
            f"it is now at version {version}); reload it and apply your change again"
        )
    now = utcnow()
    values = dict(changes, version=version + 1, updated_at=now, updated_by=actor)
    result = conn.execute(
        update(table).where(and_(table.c.id == before["id"], table.c.version == version)).values(**values)
    )
    if result.rowcount != 1:
        raise Conflict(f"{before['code']} was changed by someone else meanwhile; reload it and try again")
    after = dict(before, **values)
    changed_before = {k: before.get(k) for k in values}
    conn.execute(
        insert(audit).values(
            at=now,
            actor=actor,
            action=action,
            kind=kind,
            record_id=before["id"],
            code=before["code"],
            version=version + 1,
            before=snapshot(changed_before),
            after=snapshot(values),  # the new values of what changed; the row holds the rest
            txn=txn,
            note=note,
        )
    )
    return after


def update_many(
    conn: Connection,
    kind: str,
    befores: list[dict[str, Any]],
    changes: list[dict[str, Any]],
    *,
    actor: str,
    txn: str,
    action: str = "update",
    note: str | None = None,
) -> None:
    """`update_row` for many records: one executemany for the rows, one bulk insert for the audit.

    Used where the system itself updates records in bulk (land release ledgers, activity progress,
    handover of a whole demo region). Every record is guarded by its version like a single edit."""
    if not befores:
        return
    table = TABLES[kind]
    now = utcnow()
    keys = sorted(set().union(*(c.keys() for c in changes)))
    params: list[dict[str, Any]] = []
    audit_cols: dict[str, list[Any]] = {k: [] for k in ("record_id", "code", "version", "before", "after")}
    for before, change in zip(befores, changes, strict=True):
        values = {k: change.get(k, before.get(k)) for k in keys}
        values.update(version=before["version"] + 1, updated_at=now, updated_by=actor)
        params.append(
            {**{f"v_{k}": v for k, v in values.items()}, "b_id": before["id"], "b_version": before["version"]}
        )
        audit_cols["record_id"].append(before["id"])
        audit_cols["code"].append(before["code"])
        audit_cols["version"].append(before["version"] + 1)
        audit_cols["before"].append(snapshot({k: before.get(k) for k in values}))
        audit_cols["after"].append(snapshot(values))
    names = [*keys, "version", "updated_at", "updated_by"]
    stmt = (
        update(table)
        .where(table.c.id == bindparam("b_id"), table.c.version == bindparam("b_version"))
        .values({table.c[k]: bindparam(f"v_{k}", type_=table.c[k].type) for k in names})
    )
    result = conn.execute(stmt, params)
    if conn.dialect.supports_sane_multi_rowcount and result.rowcount != len(params):
        raise Conflict(f"{len(params) - result.rowcount} {kind.replace('_', ' ')} records changed meanwhile; try again")
    n = len(params)
    bulk.insert_columns(
        conn,
        audit,
        dict(
            audit_cols,
            at=[now] * n,
            actor=[actor] * n,
            action=[action] * n,
            kind=[kind] * n,
            txn=[txn] * n,
            note=[note] * n,
        ),
    )


def audit_rows(conn: Connection, txn: str) -> list[dict[str, Any]]:
    """The audit rows one transaction wrote, in order (what a dry run did before it is rolled back)."""
    q = select(audit).where(audit.c.txn == txn).order_by(audit.c.id)
    return [dict(r) for r in conn.execute(q).mappings()]


def history(conn: Connection, code: str) -> list[dict[str, Any]]:
    q = select(audit).where(audit.c.code == code).order_by(audit.c.version, audit.c.id)
    return [dict(r) for r in conn.execute(q).mappings()]


def bbox_ids(conn: Connection, kind: str, bbox: tuple[float, float, float, float]) -> Any:
    """A select of ids whose bounding box meets bbox (see `bbox_condition`)."""
    table = TABLES[kind]
    return select(table.c.id).where(bbox_condition(conn, kind, bbox))


def bbox_count(conn: Connection, kind: str, bbox: tuple[float, float, float, float], upto: int) -> int:
    """How many records' bounding boxes meet bbox, counting no further than `upto`: straight on the
    spatial index (SQLite: the R*Tree alone, which stops at the limit; PostGIS: the GiST), so a view
    over 10^5 records learns that it is zoomed out without listing them. Soft-deleted records may be
    counted: this answers "many or few", not "how many"."""
    table = TABLES[kind]
    minx, miny, maxx, maxy = bbox
    if conn.dialect.name == "sqlite":
        q = text(
            f"SELECT count(*) FROM (SELECT 1 FROM rtree_{table.name} WHERE minx <= :bb_maxx AND maxx >= :bb_minx "
            "AND miny <= :bb_maxy AND maxy >= :bb_miny LIMIT :upto)"
        ).bindparams(bb_minx=minx, bb_miny=miny, bb_maxx=maxx, bb_maxy=maxy, upto=upto)
        return int(conn.execute(q).scalar_one())
    inner = select(literal(1)).where(bbox_condition(conn, kind, bbox)).limit(upto).subquery()
    return int(conn.execute(select(func.count()).select_from(inner)).scalar_one())


def bbox_condition(conn: Connection, kind: str, bbox: tuple[float, float, float, float]) -> Any:
    """A WHERE condition on a kind's table: its bounding box meets bbox. SQLite: the row's rowid is
    among the R*Tree's matches (no join back through the id index); PostGIS: geom && envelope (GiST)."""
    table = TABLES[kind]
    minx, miny, maxx, maxy = bbox
    if conn.dialect.name == "sqlite":
        return text(
            f'"{table.name}".rowid IN (SELECT id FROM rtree_{table.name} '
            "WHERE minx <= :bb_maxx AND maxx >= :bb_minx AND miny <= :bb_maxy AND maxy >= :bb_miny)"
        ).bindparams(bb_minx=minx, bb_miny=miny, bb_maxx=maxx, bb_maxy=maxy)
    return table.c.geom.op("&&")(func.ST_MakeEnvelope(minx, miny, maxx, maxy, 4326))


def count_live(conn: Connection, kind: str) -> int:
    table = TABLES[kind]
    return conn.execute(select(func.count()).select_from(table).where(table.c.deleted_at.is_(None))).scalar_one()


def list_predicate(dialect: str, column: Any, op: str, values: Sequence[str]) -> Any:
    """A condition on a JSON list column (device categories, blockages…): `op` is one of the CQL2 array
    predicates (OGC 21-065 §7.10) — `contains` (every value is in the list), `contained_by` (every list
    item is among the values), `overlaps` (one at least in common), `equals` (the same set; lists are
    stored without repeats). A record with no list matches none. SQLite: json_each; PostgreSQL: jsonb
    containment (@>, <@, ?|). Values are bound parameters, never spliced into the SQL. `dialect`: the
    connection's (`conn.dialect.name`): the condition is built before a connection is at hand."""
    values = list(dict.fromkeys(values))
    if dialect != "sqlite":
        from sqlalchemy import cast
        from sqlalchemy.dialects.postgresql import ARRAY, JSONB
        from sqlalchemy.types import Text

        doc = cast(column, JSONB)
        wanted = cast(func.to_jsonb(bindparam(None, values, type_=ARRAY(Text))), JSONB)
        has = doc.contains(wanted)
        within = doc.contained_by(wanted)
        if op == "contains":
            return and_(column.is_not(None), has)
        if op == "contained_by":
            return and_(column.is_not(None), within)
        if op == "equals":
            return and_(column.is_not(None), has, within)
        return and_(column.is_not(None), doc.has_any(bindparam(None, values, type_=ARRAY(Text))))
    items = func.json_each(column).table_valued("value")

    def count(*where: Any) -> Any:
        return select(func.count(func.distinct(items.c.value))).select_from(items).where(*where).scalar_subquery()

    present = column.is_not(None)
    if not values:
        if op in ("contained_by", "equals"):
            return and_(present, count() == 0)
        return and_(present, true() if op == "contains" else false())
    inside = items.c.value.in_(values)
    if op == "contains":
        return and_(present, count(inside) == len(values))
    if op == "contained_by":
        return and_(present, count(~inside) == 0)
    if op == "equals":
        return and_(present, count(inside) == len(values), count(~inside) == 0)
    return and_(present, count(inside) > 0)


def like(dialect: str, expr: Any, pattern: str) -> Any:
    """`expr LIKE pattern`, case-sensitive on both backends as CQL2 asks (OGC 21-065 §7.6: `%` any run,
    `_` one character, `\\` escapes). SQLite's LIKE ignores ASCII case, so there it is GLOB with the
    pattern translated (GLOB's own wildcards escaped as one-character classes)."""
    if dialect != "sqlite":
        return expr.like(pattern, escape="\\")
    out, i = [], 0
    while i < len(pattern):
        ch = pattern[i]
        if ch == "\\" and i + 1 < len(pattern):
            i += 1
            ch = pattern[i]
            out.append(f"[{ch}]" if ch in "*?[" else ch)
        elif ch == "%":
            out.append("*")
        elif ch == "_":
            out.append("?")
        else:
            out.append(f"[{ch}]" if ch in "*?[" else ch)
        i += 1
    return expr.op("GLOB")(bindparam(None, "".join(out)))


def list_text(dialect: str, column: Any) -> Any:
    """A JSON list column as the one comma-separated text feature services publish (`ap_mine,uxo`), in
    list order, for filters written against that text (`dev_susp LIKE '%ap_mine%'`, what QGIS and
    GDAL send for a string property). NULL for no list."""
    if dialect != "sqlite":
        items = func.json_array_elements_text(column).table_valued("value", with_ordinality="n").render_derived()
        return (
            select(func.string_agg(items.c.value, aggregate_order_by(literal(","), items.c.n)))
            .select_from(items)
            .scalar_subquery()
        )
    items = func.json_each(column).table_valued("value", "key")
    ordered = select(items.c.value).select_from(items).order_by(items.c.key).subquery()
    return select(func.group_concat(ordered.c.value, ",")).select_from(ordered).scalar_subquery()
