"""Use cases on single records: read, create, edit, delete (soft), history.

Records leave the service as plain dicts: references as codes, geometry as shapely, system
columns (version, created/updated, synthetic, attrs) included. Personal data is stripped unless
the caller asks for it (`personal=True`) — adapters decide who may.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import shapely
from sqlalchemy import Connection, select

from landrelease.domain import entry_rules
from landrelease.domain.batch import Batch
from landrelease.domain.model import ENTITIES, Entity, FieldType, entity
from landrelease.domain.release import AreaState, transition
from landrelease.domain.vocab import HazardStatus, HazardType
from landrelease.errors import NotFound, ValidationError
from landrelease.geo.checks import prepare
from landrelease.service import access
from landrelease.service.store import Store
from landrelease.service.write import WriteResult, _geometry_columns, write_batch
from landrelease.store import repo
from landrelease.store.bulk import decode_bytes
from landrelease.store.schema import TABLES

SYSTEM_FIELDS = ("version", "synthetic", "attrs", "created_at", "created_by", "updated_at", "updated_by", "deleted_at")


def kind_of_code(code: str) -> Entity:
    """HA-2026-000123 → hazardous area, from the code prefix."""
    head = code.strip().split("-", 1)[0].upper()
    for e in sorted(ENTITIES, key=lambda x: -len(x.prefix)):
        if head == e.prefix:
            return e
    prefixes = ", ".join(f"{e.prefix} ({e.kind})" for e in ENTITIES)
    raise ValidationError(f"cannot tell the kind of record from code {code!r}; codes start with {prefixes}")


def present_many(
    conn: Connection, e: Entity, rows: list[dict[str, Any]], *, personal: bool = False
) -> list[dict[str, Any]]:
    """Stored rows as callers see them: codes for references (one query per reference field, not
    per row), shapely geometry, personal data hidden unless `personal`."""
    codes: dict[str, dict[str, str]] = {}
    for f in e.fields:
        if f.type is FieldType.REF:
            codes[f.name] = repo.codes_for_ids(conn, f.ref, [r.get(f.name) for r in rows if r.get(f.name)])
    out = []
    for row in rows:
        rec: dict[str, Any] = {"code": row["code"], "kind": e.kind}
        for f in e.fields:
            value = row.get(f.name)
            if f.type is FieldType.REF and value:
                value = codes[f.name].get(value, value)
            if f.sensitive and not personal:
                value = None if value is None else "(restricted)"
            rec[f.name] = value
        if e.geom is not None:
            rec["geometry"] = shapely.from_wkb(row["geom"]) if row.get("geom") is not None else None
            if e.geom.value == "polygon":
                rec["area_m2"] = row.get("area_m2")
        if e.kind == "hazardous_area":
            rec["remaining"] = shapely.from_wkb(row["rem_geom"]) if row.get("rem_geom") is not None else None
        for k in SYSTEM_FIELDS:
            rec[k] = row.get(k)
        rec["id"] = row["id"]
        out.append(rec)
    return out


def present(conn: Connection, e: Entity, row: dict[str, Any], *, personal: bool = False) -> dict[str, Any]:
    return present_many(conn, e, [row], personal=personal)[0]


def get(store: Store, code: str, *, kind: str | None = None, personal: bool | None = False) -> dict[str, Any]:
    e = entity(kind) if kind else kind_of_code(code)
    access.check_read(store, e.kind)
    personal = access.personal(store, personal)
    with repo.read_connection(store.engine) as conn:
        return present(conn, e, repo.fetch_one(conn, e.kind, code), personal=personal)


def list_records(
    store: Store,
    kind: str,
    *,
    bbox: tuple[float, float, float, float] | None = None,
    where: dict[str, Any] | None = None,
    limit: int = 100,
    offset: int = 0,
    personal: bool | None = False,
) -> list[dict[str, Any]]:
    """Live records of a kind, by code. `where` filters on field values; reference fields are
    given by the referenced record's code (e.g. {"area": "HA-2026-000123"})."""
    e = entity(kind)
    access.check_read(store, e.kind)
    personal = access.personal(store, personal)
    if not personal and any(f.sensitive for f in e.fields if f.name in (where or {})):
        raise ValidationError("cannot filter on personal data", field=next(iter(where or {})))
    table = TABLES[e.kind]
    fields = {f.name: f for f in e.fields}
    q = select(table).where(table.c.deleted_at.is_(None))
    with repo.read_connection(store.engine) as conn:
        for name, value in (where or {}).items():
            if name not in table.c:
                raise ValidationError(f"cannot filter on {name!r}", field=name)
            f = fields.get(name)
            if f is not None and f.type is FieldType.REF and value is not None:
                value = repo.ids_for_codes(conn, f.ref, [value]).get(value, "")
            q = q.where(table.c[name].is_(None) if value is None else table.c[name] == value)
        if bbox is not None:
            q = q.where(repo.bbox_condition(conn, e.kind, bbox))
        q = q.order_by(table.c.code).limit(limit).offset(offset)
        return present_many(conn, e, [dict(r) for r in conn.execute(q).mappings()], personal=personal)


def parse_values(e: Entity, values: dict[str, Any], *, partial: bool = False) -> dict[str, Any]:
    """Form/API values → stored values, naming the field on error; unknown fields refused."""
    out: dict[str, Any] = {}
    known = {f.name: f for f in e.fields}
    for name, raw in values.items():
        if name in ("code", "synthetic", "attrs"):
            out[name] = raw
            continue
        f = known.get(name)
        if f is None:
            raise ValidationError(f"{e.kind.replace('_', ' ')} has no field {name!r}", field=name)
        if f.derived:
            raise ValidationError("is computed by the system and cannot be set", field=name)
        out[name] = f.parse(raw)
    if not partial:
        for f in e.input_fields:
            if f.required and out.get(f.name) is None:
                raise ValidationError("is required", field=f.name)
    return out


def create(
    store: Store,
    kind: str,
    values: dict[str, Any],
    geometry: Any = None,
    *,
    crs: str | None = None,
    note: str | None = None,
) -> WriteResult:
    e = entity(kind)
    parsed = parse_values(e, values)
    geoms = None
    if e.geom is not None:
        g = _from_geojson(geometry)
        geoms = np.array([g], dtype=object)
    batch = Batch(e, {k: [v] for k, v in parsed.items()}, geoms)
    return write_batch(store, batch, crs=crs, note=note)


def _from_geojson(geometry: Any) -> Any:
    """A GeoJSON geometry (dict or text) as shapely; anything else passes through. A malformed one is
    the caller's mistake (422 naming `geometry`), never a server error (found by the schemathesis run)."""
    if not isinstance(geometry, dict | str):
        return geometry
    try:
        return shapely.from_geojson(_json(geometry))
    except (shapely.errors.GEOSException, ValueError, TypeError) as exc:
        detail = str(exc).removeprefix("ParseException: ").strip() or "not GeoJSON"
        raise ValidationError(f"is not a GeoJSON geometry: {detail}", field="geometry") from None


def _json(geometry: Any) -> str:
    import json

    return geometry if isinstance(geometry, str) else json.dumps(geometry)


def update(
    store: Store,
    code: str,
    values: dict[str, Any],
    *,
    geometry: Any = None,
    expected_version: int | None = None,
    note: str | None = None,
    kind: str | None = None,
) -> dict[str, Any]:
    """Edit a record; hazardous area type/status changes pass the land release state machine."""
    e = entity(kind) if kind else kind_of_code(code)
    access.check_write_kind(store, e.kind)
    parsed = parse_values(e, values, partial=True)
    for k in ("code", "synthetic"):
        if k in parsed:
            raise ValidationError("cannot be changed", field=k)
    with repo.write_transaction(store.engine) as conn:
        before = repo.fetch_one(conn, e.kind, code)
        access.check_owned(conn, store, e.kind, access.owners(conn, e.kind, _owner_refs(e, before)), what="edit")
        changes: dict[str, Any] = {}
        for f in e.fields:
            if f.name not in parsed:
                continue
            value = parsed[f.name]
            if f.type is FieldType.REF and value:
                value = entry_rules.normalise_code(value, field=f.name)
                found = repo.ids_for_codes(conn, f.ref, [value])
                if value not in found:
                    raise ValidationError(f"no {f.ref.replace('_', ' ')} with code {value!r}", field=f.name)
                value = found[value]
            if f.required and value is None:
                raise ValidationError("is required", field=f.name)
            changes[f.name] = value
        if "attrs" in parsed:
            changes["attrs"] = parsed["attrs"]
        if e.kind == "hazardous_area":
            _hazard_rules(before, changes, note)
        if geometry is not None:
            changes.update(_new_geometry(e, before, geometry))
        changes = {k: v for k, v in changes.items() if before.get(k) != v}
        if not changes:
            return present(conn, e, before)
        if any(k in changes for k in _owner_refs(e, before)):  # re-pointed: it must stay the writer's own
            after_owner = access.owners(conn, e.kind, _owner_refs(e, {**before, **changes}))
            access.check_owned(conn, store, e.kind, after_owner, what="hand over")
        _edit_rules(conn, store, e, before, changes)
        after = repo.update_row(
            conn,
            e.kind,
            before,
            changes,
            actor=store.actor,
            txn=repo.new_id(),
            note=note,
            expected_version=expected_version,
        )
        return present(conn, e, after)


def _edit_rules(conn: Connection, store: Store, e: Entity, before: dict[str, Any], changes: dict[str, Any]) -> None:
    """The entry rules an edit can break (`landrelease.domain.entry_rules`): the dates it changes,
    an area's name, and — re-pointing a record at another hazardous area or activity — the areas
    it touches (`access.check_touched_areas`)."""
    after = {**before, **changes}
    dates = [f.name for f in e.fields if f.type is FieldType.DATE and f.name in changes]
    if e.kind == "activity" and "status" in changes:
        dates = [n for n in ("start", "end") if after.get(n) is not None]
    if dates:
        cols = {n: [after.get(n)] for n in dates}
        if e.kind == "activity":
            cols["status"] = [after.get("status")]
        today = dt.datetime.now(dt.UTC).date()
        entry_rules.raise_first(entry_rules.check_dates(e.kind, cols, 1, today, store.rules), 1)
    if e.kind == "hazardous_area" and "name" in changes and not (changes["name"] or "").strip():
        entry_rules.raise_first(entry_rules.check_new_areas({"name": [None]}, np.array([np.inf]), 1, store.rules), 1)
    area_ref = access.AREA_REFS.get(e.kind)
    if area_ref and (area_ref in changes or "activity" in changes):
        refs = {k: [after.get(k)] for k in (area_ref, "activity") if k in {f.name for f in e.fields}}
        access.check_touched_areas(conn, store, e.kind, access.touched_areas(conn, e.kind, refs, 1))


def _hazard_rules(before: dict[str, Any], changes: dict[str, Any], note: str | None) -> None:
    for name in ("cancel_m2", "reduce_m2", "clear_m2"):
        if name in changes:
            raise ValidationError("changes only through land release (record a land release product)", field=name)
    if "haz_type" in changes or "status" in changes:
        state = AreaState(HazardType(before["haz_type"]), HazardStatus(before["status"]))
        new = transition(
            state,
            haz_type=HazardType(changes.get("haz_type") or before["haz_type"]),
            status=HazardStatus(changes.get("status") or before["status"]),
            remaining_m2=float(before.get("remain_m2") or 0.0),
            evidence=changes["evidence"] if "evidence" in changes else (before.get("evidence") or []),
            reason=note,
        )
        if new.status is HazardStatus.OPEN and state.status is not HazardStatus.OPEN and before["rem_geom"] is None:
            # Reopened on new evidence: the whole perimeter is suspect again until surveyed.
            changes["rem_geom"] = before["geom"]
            changes["remain_m2"] = before["area_m2"]


def _new_geometry(e: Entity, before: dict[str, Any], geometry: Any) -> dict[str, Any]:
    if e.geom is None:
        raise ValidationError(f"a {e.kind.replace('_', ' ')} has no geometry", field="geometry")
    g = _from_geojson(geometry)
    prepared = prepare(np.array([g], dtype=object), e.geom)
    cols = _geometry_columns(e, prepared.geoms)
    changes = {k: (v[0] if not isinstance(v, np.ndarray) else v[0]) for k, v in cols.items()}
    if e.kind == "hazardous_area":
        released = sum(float(before.get(k) or 0.0) for k in ("cancel_m2", "reduce_m2", "clear_m2"))
        if released > 0:
            raise ValidationError(
                "the perimeter of an area with released land cannot be redrawn; record the change as "
                "land release or open a new hazardous area for newly found contamination",
                field="geometry",
            )
        changes["rem_geom"] = changes["geom"]
        changes["remain_m2"] = float(changes["area_m2"])
    return changes


def delete(store: Store, code: str, *, reason: str, expected_version: int | None = None) -> None:
    """Soft delete: the record leaves every list but stays in the database and its history."""
    if not reason or not reason.strip():
        raise ValidationError("deleting a record needs a reason", field="reason")
    e = kind_of_code(code)
    access.check_write_kind(store, e.kind)
    with repo.write_transaction(store.engine) as conn:
        before = repo.fetch_one(conn, e.kind, code)
        access.check_owned(conn, store, e.kind, access.owners(conn, e.kind, _owner_refs(e, before)), what="withdraw")
        repo.update_row(
            conn,
            e.kind,
            before,
            {"deleted_at": repo.utcnow()},
            actor=store.actor,
            txn=repo.new_id(),
            action="delete",
            note=reason,
            expected_version=expected_version,
        )


def history(store: Store, code: str) -> list[dict[str, Any]]:
    """Every version of a record: who, when, what changed (before → after, geometry as WKT).
    Personal fields are left out of the diffs and snapshots unless the principal may see them."""
    e = kind_of_code(code)
    access.check_read(store, e.kind)
    hidden = set() if access.personal(store) else {f.name for f in e.fields if f.sensitive}
    with repo.read_connection(store.engine) as conn:
        rows = repo.history(conn, code)
    if not rows:
        raise NotFound(f"no record with code {code!r}")
    out = []
    for r in rows:
        before = {k: v for k, v in (r["before"] or {}).items() if k not in hidden}
        after = {k: v for k, v in (r["after"] or {}).items() if k not in hidden}
        changed = sorted(
            k
            for k in (before.keys() if before else after.keys())
            if k not in ("version", "updated_at", "updated_by", "created_at", "created_by")
        )
        if r["action"] == "create":
            changed = []
        out.append(
            {
                "version": r["version"],
                "at": r["at"],
                "actor": r["actor"],
                "action": r["action"],
                "note": r["note"],
                "changed": changed,
                "diff": {k: (_show(k, before.get(k)), _show(k, after.get(k))) for k in changed},
                "after": after,
            }
        )
    return out


def version(store: Store, code: str, number: int) -> dict[str, Any]:
    """The record as it was at a given version, geometry included: the current row with every later
    change undone (each change's audit row keeps the values it replaced). Personal fields are
    left out unless the principal may see them."""
    e = kind_of_code(code)
    access.check_read(store, e.kind)
    with repo.read_connection(store.engine) as conn:
        row = repo.fetch_one(conn, e.kind, code, include_deleted=True)
        changes = repo.history(conn, code)
    if not 1 <= number <= row["version"]:
        raise NotFound(f"{code} has no version {number} (it is at version {row['version']})")
    state = repo.snapshot(row)
    for change in sorted(changes, key=lambda c: c["version"], reverse=True):
        if change["version"] <= number:
            break
        state.update(change["before"] or {})
    for g in ("geom", "rem_geom"):
        if state.get(g):
            state[g] = shapely.from_wkb(decode_bytes(state[g]))
    if not access.personal(store):
        for f in e.fields:
            if f.sensitive:
                state.pop(f.name, None)
    return state


def _owner_refs(e: Entity, row: dict[str, Any]) -> dict[str, list[Any]]:
    """The first hop of the record's owner path, as ids (see `landrelease.auth.policy`)."""
    return access.owner_refs_of_row(e.kind, row)


def _show(key: str, value: Any) -> Any:
    if key in ("geom", "rem_geom") and isinstance(value, str):
        return shapely.to_wkt(shapely.from_wkb(decode_bytes(value)), rounding_precision=6)
    return value


__all__ = ["create", "delete", "get", "history", "kind_of_code", "list_records", "update", "version"]
