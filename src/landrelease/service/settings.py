"""Settings kept in the record itself (table landrelease_meta), so every client sees the same."""

from __future__ import annotations

from sqlalchemy import Connection, delete, insert, select

from landrelease.errors import ValidationError
from landrelease.service.store import Store
from landrelease.store import repo
from landrelease.store.schema import meta

REGION_KEY = "region_bbox"


def parse_bbox(text: str, *, field: str = "region") -> tuple[float, float, float, float]:
    try:
        parts = tuple(float(x) for x in text.replace(" ", "").split(","))
    except ValueError:
        parts = ()
    if len(parts) != 4:
        raise ValidationError(f"'{text}' is not minx,miny,maxx,maxy (four numbers, lon/lat)", field=field)
    minx, miny, maxx, maxy = parts
    if not (-180 <= minx < maxx <= 180 and -90 <= miny < maxy <= 90):
        raise ValidationError(
            f"'{text}' is not a lon/lat box: need -180 ≤ minx < maxx ≤ 180 and -90 ≤ miny < maxy ≤ 90", field=field
        )
    return parts  # type: ignore[return-value]


def set_meta(conn: Connection, key: str, value: str) -> None:
    conn.execute(delete(meta).where(meta.c.key == key))
    conn.execute(insert(meta).values(key=key, value=value))


def get_meta(conn: Connection, key: str) -> str | None:
    return conn.execute(select(meta.c.value).where(meta.c.key == key)).scalar()


def set_region(store: Store, text: str) -> tuple[float, float, float, float]:
    box = parse_bbox(text)
    with repo.write_transaction(store.engine) as conn:
        set_meta(conn, REGION_KEY, ",".join(repr(x) for x in box))
    return box


def configured_region(conn: Connection) -> tuple[float, float, float, float] | None:
    raw = get_meta(conn, REGION_KEY)
    return parse_bbox(raw) if raw else None
