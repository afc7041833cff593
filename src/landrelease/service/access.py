"""Authorisation in the service layer: the store's principal against `landrelease.auth.policy`.

Every use case that reads or writes calls one of these first, so every adapter (CLI, HTTP API,
OGC API, pages, exports) gets the same answer. A store with no principal is the trusted local
system and passes every check. Owners are resolved set-based: one query per hop of the owner path
for a whole batch, never a query per record.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, select

from landrelease.auth import policy
from landrelease.auth.roles import Principal, Role
from landrelease.domain.model import BY_KIND
from landrelease.errors import Forbidden, Unauthenticated
from landrelease.service.store import Store
from landrelease.store import repo
from landrelease.store.schema import TABLES


def _who(p: Principal) -> str:
    if p.role is Role.PUBLIC:
        return "the public view"
    org = f" of {p.organisation}" if p.organisation else ""
    return f"{p.username} ({p.role.value}{org})"


def _label(kind: str) -> str:
    e = BY_KIND.get(kind)
    return e.plural.replace("_", " ") if e else kind.replace("_", " ")


def deny_read(p: Principal | None, kind: str) -> None:
    if p is None:
        raise Unauthenticated("sign in (or send an API token) to read the record")
    if p.role is Role.PUBLIC:
        raise Unauthenticated(f"{_label(kind)} are not part of the public view; sign in to read them")
    raise Forbidden(f"{_who(p)} may not read {_label(kind)}")


def check_read(store: Store, kind: str) -> None:
    """Refuse (401/403) unless the store's principal may read records of `kind` (or 'statistics')."""
    p = store.principal
    if p is None and store.system:
        return
    if not policy.can_read(p, kind):
        deny_read(p, kind)


def personal(store: Store, requested: bool | None = None) -> bool:
    """Whether personal fields are shown: `requested` True asks for them (403 when not allowed),
    False hides them, None shows them exactly when the principal may see them."""
    if store.principal is None and store.system:
        return requested is not False
    allowed = policy.can_see_personal(store.principal)
    if requested and not allowed:
        p = store.principal
        who = _who(p) if p is not None else "anonymous"
        raise Forbidden(f"{who} may not see personal data (victims' and personnel names, dates of birth, addresses)")
    return allowed if requested is None else bool(requested)


def check_write_kind(store: Store, kind: str) -> None:
    p = store.principal
    if p is None and store.system:
        return
    if p is None:
        raise Unauthenticated("sign in (or send an API token) to change the record")
    if not policy.may_write_kind(p, kind):
        if p.role is Role.PUBLIC:
            raise Unauthenticated("sign in to change the record")
        raise Forbidden(f"{_who(p)} may not write {_label(kind)}")


def owners(conn: Connection, kind: str, refs: dict[str, Sequence[str | None]], n: int = 1) -> list[str | None]:
    """The owning organisation id of each of `n` records, from the ids in their reference fields
    (`refs`: field → ids, one per record), following the kind's owner path one set-based query per hop."""
    path = policy.owner_path(kind)
    if not path:
        return [None] * n
    current: list[str | None] = list(refs.get(path[0]) or [None] * n)
    target = BY_KIND[kind].field(path[0]).ref
    for name in path[1:]:
        table = TABLES[target]
        wanted = sorted({x for x in current if x})
        found: dict[str, str | None] = {}
        for i in range(0, len(wanted), 5000):
            chunk = wanted[i : i + 5000]
            found.update(conn.execute(select(table.c.id, table.c[name]).where(table.c.id.in_(chunk))).all())
        current = [found.get(x) if x else None for x in current]
        target = BY_KIND[target].field(name).ref
    return current


def check_owned(conn: Connection, store: Store, kind: str, owner_ids: Sequence[str | None], *, what: str) -> None:
    """Every record must be owned by an organisation the principal may write for."""
    p = store.principal
    if p is None and store.system:
        return
    if p is None:
        raise Unauthenticated("sign in (or send an API token) to change the record")
    codes = repo.codes_for_ids(conn, "organisation", [x for x in set(owner_ids) if x])
    for i, oid in enumerate(owner_ids):
        owner = codes.get(oid) if oid else None
        if not policy.can_write(p, kind, owner):
            whose = f"owned by {owner}" if owner else "with no owning organisation (the national authority's)"
            row = f"row {i + 1}: " if len(owner_ids) > 1 else ""
            hint = ""
            if p.role is Role.OPERATOR_WRITER:
                path = policy.owner_path(kind) or ()
                hint = f"; {' → '.join(path)} must lead to {p.organisation}" if path else ""
            raise Forbidden(f"{row}{_who(p)} may not {what} a {kind.replace('_', ' ')} {whose}{hint}")


def check_touched_areas(conn: Connection, store: Store, kind: str, area_ids: Sequence[str | None]) -> None:
    """Authorisation by what a write touches (`policy.may_touch_area`): every hazardous area the new
    records name must be the principal's organisation's, or one the authority tasked it to (a live
    activity on it assigned to that organisation). Set-based: two queries per batch."""
    p = store.principal
    if p is None and store.system:
        return
    if p is None:
        raise Unauthenticated("sign in (or send an API token) to change the record")
    if p.role in policy.AUTHORITY or policy.AREA_REFS.get(kind) is None:
        return
    wanted = sorted({a for a in area_ids if a})
    if not wanted:
        return
    areas = TABLES["hazardous_area"]
    acts = TABLES["activity"]
    orgs = TABLES["organisation"]
    own = conn.execute(select(orgs.c.id).where(orgs.c.code == (p.organisation or ""))).scalar()
    owner_of: dict[str, str | None] = {}
    tasked: set[str] = set()
    for i in range(0, len(wanted), 5000):
        chunk = wanted[i : i + 5000]
        owner_of.update(conn.execute(select(areas.c.id, areas.c.org).where(areas.c.id.in_(chunk))).all())
        if own is not None:
            q = select(acts.c.area).where(acts.c.area.in_(chunk), acts.c.org == own, acts.c.deleted_at.is_(None))
            tasked |= {a for (a,) in conn.execute(q)}
    org_codes = repo.codes_for_ids(conn, "organisation", [o for o in owner_of.values() if o])
    area_codes = repo.codes_for_ids(conn, "hazardous_area", wanted)
    for i, a in enumerate(area_ids):
        if not a:
            continue
        owner = org_codes.get(owner_of.get(a) or "")
        if not policy.may_touch_area(p, owner, a in tasked):
            whose = f"owned by {owner}" if owner else "held by the national authority"
            row = f"row {i + 1}: " if len(area_ids) > 1 else ""
            raise Forbidden(
                f"{row}{_who(p)} may not record a {kind.replace('_', ' ')} on hazardous area {area_codes.get(a, a)} "
                f"({whose}): {p.organisation} neither reports that area nor is tasked to it by the authority",
                field=policy.AREA_REFS[kind],
            )


def touched_areas(conn: Connection, kind: str, refs: dict[str, Sequence[str | None]], n: int) -> list[str | None]:
    """The hazardous area (id) each of `n` new records touches: the one it names, else its activity's."""
    field = policy.AREA_REFS.get(kind)
    if field is None:
        return [None] * n
    named = list(refs.get(field) or [None] * n)
    acts = [a for a, b in zip(refs.get("activity") or [None] * n, named, strict=True) if a and not b]
    if not acts:
        return named
    t = TABLES["activity"]
    area_of: dict[str, str | None] = {}
    wanted = sorted(set(acts))
    for i in range(0, len(wanted), 5000):
        area_of.update(conn.execute(select(t.c.id, t.c.area).where(t.c.id.in_(wanted[i : i + 5000]))).all())
    act_ids = refs.get("activity") or [None] * n
    return [b or (area_of.get(a) if a else None) for a, b in zip(act_ids, named, strict=True)]


#: The reference field through which each kind touches a hazardous area (`policy.AREA_REFS`).
AREA_REFS = policy.AREA_REFS


def owner_path(kind: str) -> tuple[str, ...] | None:
    return policy.owner_path(kind)


def owner_refs_of_row(kind: str, row: dict[str, Any]) -> dict[str, list[str | None]]:
    path = policy.owner_path(kind)
    return {path[0]: [row.get(path[0])]} if path else {}


def default_org(store: Store) -> str | None:
    """The organisation code an operator's new records default to (their own), else None."""
    p = store.principal
    return p.organisation if p is not None and p.role is Role.OPERATOR_WRITER else None


__all__ = [
    "check_owned",
    "check_touched_areas",
    "check_read",
    "check_write_kind",
    "default_org",
    "deny_read",
    "owner_refs_of_row",
    "owners",
    "personal",
    "touched_areas",
]
