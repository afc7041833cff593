"""Bulk inserts at the speed of the driver: the import hot path.

A national import is 10⁵ records plus as many audit rows. Going through SQLAlchemy's per-row
parameter processing costs more than the database's own work, so this module converts whole
columns once and hands the driver plain tuples:
- SQLite: `executemany` with values stored exactly as SQLAlchemy stores them (ISO dates,
  'YYYY-MM-DD HH:MM:SS.ffffff' timestamps, 0/1 booleans, JSON text, WKB blobs), so everything
  reads back through the ORM-free Core layer unchanged;
- PostgreSQL: `COPY … FROM STDIN` through psycopg, geometry as hex EWKB with SRID 4326.
Backend-specific code stays in this package (DESIGN.md).
"""

from __future__ import annotations

import base64
import datetime as dt
import json
from collections.abc import Sequence
from typing import Any

import numpy as np
import shapely
from sqlalchemy import JSON, Boolean, Connection, Date, DateTime, Table

from landrelease.store.geometry import Geometry


def encode_bytes(value: bytes | bytearray | memoryview) -> str:
    """Binary (WKB) in audit JSON: base64, a third larger than the bytes instead of hex's double."""
    return base64.b64encode(bytes(value)).decode("ascii")


def decode_bytes(text: str) -> bytes:
    return base64.b64decode(text)


def json_default(value: Any) -> Any:
    if isinstance(value, bytes | bytearray | memoryview):
        return encode_bytes(value)
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, np.generic):
        return value.item()
    raise TypeError(f"cannot store {type(value).__name__} as JSON")


class JSONText(str):
    """JSON already serialised: stored as is."""


_encode = json.JSONEncoder(ensure_ascii=False, default=json_default).encode


def dumps(value: Any) -> str | None:
    if value is None or isinstance(value, JSONText):
        return value
    return _encode(value)


def json_column(values: Sequence[Any]) -> list[str | None]:
    """A JSON column as text. Vocabulary lists repeat a few values across 10⁵ records: encode each
    distinct list once."""
    memo: dict[tuple, str | None] = {}
    out: list[str | None] = []
    for v in values:
        if isinstance(v, list) and all(isinstance(x, str) for x in v):
            key = tuple(v)
            text = memo.get(key)
            if text is None:
                text = memo[key] = dumps(v)
            out.append(text)
        else:
            out.append(dumps(v))
    return out


#: Kept out of a create row's snapshot: the audit row itself says who, when, which record and
#: version; the bounding box is the geometry's.
_NOT_IN_CREATE_SNAPSHOT = frozenset(
    {
        "id",
        "version",
        "created_at",
        "created_by",
        "updated_at",
        "updated_by",
        "deleted_at",
        "minx",
        "miny",
        "maxx",
        "maxy",
    }
)


def snapshots(table: Table, columns: dict[str, list[Any]]) -> list[JSONText]:
    """Each new record's attributes as audit JSON (dates ISO), converted column by column so the C
    JSON encoder never has to call back into Python.

    Geometry is left out of *create* rows: the record row holds version 1's geometry until a change,
    and every change's audit row keeps the values it replaced (`before`), geometry included, so any
    version is rebuilt by walking back from the current row (`service.records.version`). This halves
    what a 10⁵-area import writes."""
    names = [
        n
        for n in columns
        if n not in _NOT_IN_CREATE_SNAPSHOT and not (n in table.c and isinstance(table.c[n].type, Geometry))
    ]
    converted: list[list[Any]] = []
    for name in names:
        values = columns[name]
        col_type = table.c[name].type if name in table.c else None
        if isinstance(col_type, DateTime | Date):
            memo: dict[Any, str] = {}
            values = [None if v is None else memo.get(v) or memo.setdefault(v, v.isoformat()) for v in values]
        converted.append(values)
    encode = json.JSONEncoder(ensure_ascii=False, default=json_default).encode
    return [JSONText(encode(dict(zip(names, vals, strict=True)))) for vals in zip(*converted, strict=True)]


def _sqlite_datetimes(values: Sequence[Any]) -> list[str | None]:
    memo: dict[Any, str] = {}  # a batch shares one timestamp: format it once
    return [
        None if v is None else memo.get(v) or memo.setdefault(v, v.strftime("%Y-%m-%d %H:%M:%S.%f")) for v in values
    ]


def _convert_sqlite(col_type: Any, values: Sequence[Any]) -> list[Any]:
    if isinstance(col_type, Geometry):
        return [None if v is None else bytes(v) for v in values]
    if isinstance(col_type, JSON):
        return json_column(values)
    if isinstance(col_type, DateTime):
        return _sqlite_datetimes(values)
    if isinstance(col_type, Date):
        return [None if v is None else v.isoformat() for v in values]
    if isinstance(col_type, Boolean):
        return [None if v is None else int(bool(v)) for v in values]
    return [v.item() if isinstance(v, np.generic) else v for v in values]


def _ewkb_hex(values: Sequence[Any]) -> list[str | None]:
    arr = np.array([None if v is None else bytes(v) for v in values], dtype=object)
    out: list[str | None] = [None] * len(arr)
    present = np.flatnonzero(arr != None)  # noqa: E711 (element-wise)
    if len(present):
        geoms = shapely.set_srid(shapely.from_wkb(arr[present]), 4326)
        hexes = shapely.to_wkb(geoms, hex=True, include_srid=True, output_dimension=2)
        for i, h in zip(present.tolist(), hexes.tolist(), strict=True):
            out[i] = h
    return out


def _convert_postgres(col_type: Any, values: Sequence[Any]) -> list[Any]:
    if isinstance(col_type, Geometry):
        return _ewkb_hex(values)
    if isinstance(col_type, JSON):
        return json_column(values)
    return [v.item() if isinstance(v, np.generic) else v for v in values]


def insert_columns(conn: Connection, table: Table, columns: dict[str, Sequence[Any]]) -> None:
    """Insert rows given column by column (every column the same length)."""
    names = [n for n in columns if n in table.c]
    if not names:
        return
    n = len(columns[names[0]])
    if n == 0:
        return
    if conn.dialect.name == "sqlite":
        data = [_convert_sqlite(table.c[name].type, columns[name]) for name in names]
        quoted = ", ".join(f'"{c}"' for c in names)
        sql = f'INSERT INTO "{table.name}" ({quoted}) VALUES ({", ".join("?" for _ in names)})'
        cursor = conn.connection.driver_connection.cursor()
        try:
            spatial = "minx" in table.c
            if spatial:
                last = cursor.execute(f'SELECT coalesce(max(rowid), 0) FROM "{table.name}"').fetchone()[0]
            cursor.executemany(sql, zip(*data, strict=True))
            if spatial:  # the R*Tree, set-based, in rough spatial order (see migration 0001)
                cursor.execute(
                    f'INSERT INTO "rtree_{table.name}" SELECT rowid, minx, maxx, miny, maxy FROM "{table.name}" '
                    "WHERE rowid > ? AND minx IS NOT NULL ORDER BY minx + maxx",
                    (last,),
                )
        finally:
            cursor.close()
        return
    if conn.dialect.name == "postgresql":
        data = [_convert_postgres(table.c[name].type, columns[name]) for name in names]
        cols = ", ".join(f'"{c}"' for c in names)
        raw = conn.connection.driver_connection
        with raw.cursor() as cur, cur.copy(f'COPY "{table.name}" ({cols}) FROM STDIN') as copy:
            for row in zip(*data, strict=True):
                copy.write_row(row)
        return
    rows = zip(*(columns[c] for c in names), strict=True)
    conn.execute(table.insert(), [dict(zip(names, vals, strict=True)) for vals in rows])
