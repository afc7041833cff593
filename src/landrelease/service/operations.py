"""Operating a record: backup, restore and verify (docs/operations.md).

Only the national authority's administrators (or the trusted local system, i.e. whoever holds the
database file or its URL) may run these: a backup holds every record, victims' personal data and
account hashes included, and a restore replaces the whole record.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
from sqlalchemy import select, update

from landrelease.auth.roles import Role
from landrelease.domain.vocab import HazardStatus
from landrelease.errors import Conflict, Forbidden, Unauthenticated
from landrelease.service.store import Store
from landrelease.store import maintenance, repo
from landrelease.store.schema import TABLES, api_token, auth_session

#: Relative slack of the ledger identity original = cancelled + reduced + cleared + remaining (float sums).
LEDGER_RTOL = 1e-6
#: Slack of a sum of land release products against the area's ledger column (m²; float sums, rounding).
PRODUCTS_TOL_M2 = 1.0


def _check_admin(store: Store, what: str) -> None:
    p = store.principal
    if p is None and store.system:
        return
    if p is None:
        raise Unauthenticated(f"sign in as an administrator to {what}")
    if p.role is not Role.ADMIN:
        raise Forbidden(f"{p.username} ({p.role.value}) may not {what}: administrators only")


def backup(store: Store, target: Path) -> int:
    """A consistent copy of the live record at `target`; returns its size in bytes."""
    _check_admin(store, "back up the record")
    maintenance.backup(store.engine, target)
    return target.stat().st_size


@dataclass(frozen=True)
class Restored:
    sessions_ended: int
    tokens_revoked: int


def restore(store: Store, source: Path, *, force: bool = False, end_sessions: bool = False) -> Restored:
    """Replace the record with the backup `source` (all or nothing), then migrate it to this
    version's schema. A record that holds data is overwritten only with `force`. `end_sessions`
    signs everybody out and revokes every API token of the restored record (after a breach, or when
    the backup's sessions should not come back to life)."""
    _check_admin(store, "restore the record")
    maintenance.backup_format(source)  # a bad file is refused before anything else
    if not force and maintenance.holds_data(store.engine):
        raise Conflict(
            f"the record at {store.url} holds data; restoring {source.name} would replace all of it. "
            "Back it up first, then run restore again with --force"
        )
    maintenance.restore(store.engine, source)
    store.init()  # a backup of an older version is migrated like any record (docs/operations.md)
    ended = revoked = 0
    if end_sessions:
        now = repo.utcnow()
        with repo.write_transaction(store.engine) as conn:
            ended = int(conn.execute(auth_session.delete()).rowcount or 0)
            revoked = int(
                conn.execute(
                    update(api_token)
                    .where(api_token.c.revoked_at.is_(None))
                    .values(revoked_at=now, revoked_by=store.actor[:80])
                ).rowcount
                or 0
            )
    return Restored(ended, revoked)


def verify(store: Store) -> list[str]:
    """Every problem found, one line each (empty: the record is sound): the database's own
    integrity, the land release ledger of every hazardous area, and the audit trail of every record."""
    _check_admin(store, "verify the record")
    problems = maintenance.integrity_problems(store.engine)
    problems += ledger_problems(store)
    problems += maintenance.audit_problems(store.engine)
    return problems


def ledger_problems(store: Store) -> list[str]:
    """The land release ledger of every hazardous area (IMAS 07.11), checked set-based:
    original = cancelled + reduced + cleared + remaining; nothing negative; a closed or handed-over
    area keeps nothing; and the area's live land release products never add up to more than its
    ledger says of each kind (an area migrated with carried-over figures may have fewer products)."""
    ha, lr = TABLES["hazardous_area"], TABLES["land_release"]
    cols = ("area_m2", "cancel_m2", "reduce_m2", "clear_m2", "remain_m2")
    with repo.read_connection(store.engine) as conn:
        rows = conn.execute(
            select(ha.c.id, ha.c.code, ha.c.status, *(ha.c[c] for c in cols)).where(ha.c.deleted_at.is_(None))
        ).all()
        sums: dict[tuple[str, str], float] = {}
        for area, kind, m2 in conn.execute(
            select(lr.c.area, lr.c.rel_type, lr.c.area_m2).where(lr.c.deleted_at.is_(None))
        ).all():
            sums[(area, kind)] = sums.get((area, kind), 0.0) + float(m2 or 0.0)
    if not rows:
        return []
    v = np.array([[float(r[3 + i] or 0.0) for i in range(len(cols))] for r in rows])
    area, cancel, reduce, clear, remain = v.T
    released = cancel + reduce + clear
    problems: list[str] = []
    gap = np.abs(released + remain - area)
    for i in np.flatnonzero(gap > LEDGER_RTOL * np.maximum(area, 1.0)):
        problems.append(
            f"ledger: {rows[i].code}: cancelled + reduced + cleared + remaining = {released[i] + remain[i]:,.1f} m² "
            f"but the area is {area[i]:,.1f} m²"
        )
    for i in np.flatnonzero((v < 0).any(axis=1)):
        problems.append(f"ledger: {rows[i].code}: a negative figure ({', '.join(f'{x:,.1f}' for x in v[i])})")
    done = np.array([r.status in (HazardStatus.CLOSED.value, HazardStatus.HANDED_OVER.value) for r in rows])
    for i in np.flatnonzero(done & (remain > 0)):
        problems.append(f"ledger: {rows[i].code} is {rows[i].status} but {remain[i]:,.1f} m² remain hazardous")
    ledger = {"cancelled": cancel, "reduced": reduce, "cleared": clear}
    for i, r in enumerate(rows):
        for kind, column in ledger.items():
            s = sums.get((r.id, kind), 0.0)
            if s > column[i] + PRODUCTS_TOL_M2:
                problems.append(
                    f"ledger: {r.code}: its {kind} land release products add up to {s:,.1f} m² "
                    f"but the ledger says {column[i]:,.1f} m²"
                )
    return problems
