"""Sign-in attempt counters (table `login_attempt`): the count-and-check of the login rate limit as
one atomic step.

A password check (Argon2) takes tens of milliseconds. Checking the limit, then verifying, then
recording a failure lets every request that arrives during those milliseconds pass the check: 40
simultaneous sign-ins verified 27 passwords against a limit of 5 (issue #9). So an attempt is
*reserved* before its password is verified: in one write transaction the counter row is locked
(`SELECT … FOR UPDATE` on PostgreSQL; SQLite's write transaction holds the database's single write
lock), refused if locked, else counted as a failure — and locked when it reaches the limit — before
the password is looked at. A sign-in that succeeds gives its reservation back (`settle`). At most
`limit` passwords are ever verified per key and window, however many requests arrive at once.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import Connection, delete, select, update

from landrelease.store.schema import login_attempt


@dataclass(frozen=True)
class Key:
    """One counter: `scope` 'user' or 'address', its `key`, and the failures that lock it."""

    scope: str
    key: str
    limit: int


def _aware(t: dt.datetime | None) -> dt.datetime | None:
    if t is not None and t.tzinfo is None:  # SQLite hands back naive UTC
        return t.replace(tzinfo=dt.UTC)
    return t


def _upsert(conn: Connection):  # type: ignore[no-untyped-def]
    if conn.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert(login_attempt)


def reserve(
    conn: Connection, keys: list[Key], now: dt.datetime, window: dt.timedelta, lockout: dt.timedelta
) -> tuple[Key, dt.datetime] | None:
    """Count one attempt on every key, atomically, in the caller's write transaction: returns
    (key, locked until) and changes nothing when a key is locked, else None (go on: verify).

    Keys are locked in a fixed order (scope, key) so two transactions never wait on each other."""
    keys = sorted(keys, key=lambda k: (k.scope, k.key))
    for k in keys:
        conn.execute(
            _upsert(conn)
            .values(scope=k.scope, key=k.key, failures=0, first_at=now, locked_until=None)
            .on_conflict_do_nothing(index_elements=["scope", "key"])
        )
    rows = {}
    for k in keys:
        q = select(login_attempt).where(login_attempt.c.scope == k.scope, login_attempt.c.key == k.key)
        if conn.dialect.name == "postgresql":
            q = q.with_for_update()
        rows[k] = conn.execute(q).one()
    for k in keys:
        until = _aware(rows[k].locked_until)
        if until is not None and until > now:
            return k, until
    for k in keys:
        row = rows[k]
        fresh = _aware(row.first_at) < now - window or row.failures == 0
        failures = 1 if fresh else row.failures + 1
        conn.execute(
            update(login_attempt)
            .where(login_attempt.c.scope == k.scope, login_attempt.c.key == k.key)
            .values(
                failures=failures,
                first_at=now if fresh else row.first_at,
                locked_until=now + lockout if failures >= k.limit else None,
            )
        )
    return None


def settle(conn: Connection, keys: list[Key]) -> None:
    """A reserved attempt succeeded: the account's counter starts again; the address's gives back
    the attempt (an office behind one address signs in all day) and is unlocked if that was the one
    that locked it."""
    for k in sorted(keys, key=lambda k: (k.scope, k.key)):
        where = (login_attempt.c.scope == k.scope, login_attempt.c.key == k.key)
        if k.scope == "user":
            conn.execute(delete(login_attempt).where(*where))
            continue
        q = select(login_attempt.c.failures).where(*where)
        if conn.dialect.name == "postgresql":
            q = q.with_for_update()
        row = conn.execute(q).first()
        if row is None:
            continue
        failures = max(0, row.failures - 1)
        values: dict[str, object] = {"failures": failures}
        if failures < k.limit:
            values["locked_until"] = None
        conn.execute(update(login_attempt).where(*where).values(**values))


__all__ = ["Key", "reserve", "settle"]
