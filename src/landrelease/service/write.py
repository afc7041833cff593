"""Writing batches of records: the one path every import, form and demo build goes through.

All-or-nothing: the batch is checked completely (fields, rules, geometry, references, codes, land
release accounting) before anything is written, and written in one transaction with its audit rows.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import shapely
from sqlalchemy import Connection, func, select

from landrelease.domain import entry_rules
from landrelease.domain import rules as rules_mod
from landrelease.domain.batch import Batch
from landrelease.domain.model import BY_KIND, Entity, FieldType, GeomType
from landrelease.errors import Conflict, ValidationError
from landrelease.geo.area import geodesic_area
from landrelease.geo.checks import prepare
from landrelease.service import access, entry, ledger
from landrelease.service.store import Store
from landrelease.store import repo
from landrelease.store.schema import TABLES

Progress = Callable[[str, int, int], None]


@dataclass
class WriteResult:
    kind: str
    count: int
    codes: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    txn: str = ""
    warnings: list[str] = field(default_factory=list)  # entry-rule warnings (also in notes): near a limit


def code_prefix(entity: Entity, year: int | None = None) -> str:
    year = year or dt.date.today().year
    return f"{entity.prefix}-{year}"


def record_region(conn: Connection) -> tuple[float, float, float, float] | None:
    """The 'expected region' for swapped-axis detection: the configured region (init --region,
    or the demo's box), else the extent of the record's hazardous areas."""
    from landrelease.service.settings import configured_region

    configured = configured_region(conn)
    if configured is not None:
        return configured
    t = TABLES["hazardous_area"]
    row = conn.execute(
        select(func.min(t.c.minx), func.min(t.c.miny), func.max(t.c.maxx), func.max(t.c.maxy)).where(
            t.c.deleted_at.is_(None)
        )
    ).first()
    if row is None or row[0] is None:
        return None
    return (float(row[0]), float(row[1]), float(row[2]), float(row[3]))


def _geometry_columns(entity: Entity, geoms: np.ndarray) -> dict[str, Any]:
    present = ~shapely.is_missing(geoms)
    wkb = np.full(len(geoms), None, dtype=object)
    bounds = np.full((len(geoms), 4), np.nan)
    if present.any():
        wkb[present] = shapely.to_wkb(geoms[present], output_dimension=2)
        bounds[present] = shapely.bounds(geoms[present])
    cols: dict[str, Any] = {"geom": wkb}
    for i, name in enumerate(("minx", "miny", "maxx", "maxy")):
        values = bounds[:, i].tolist()
        cols[name] = values if present.all() else [None if x != x else x for x in values]
    if entity.geom is GeomType.POLYGON:
        area = np.zeros(len(geoms))
        if present.any():
            area[present] = geodesic_area(geoms[present])
        cols["area_m2"] = area.tolist()
    return cols


def _prepare_geoms(
    entity: Entity, batch: Batch, *, crs: str | None, swap_axes: bool, region: Any
) -> tuple[np.ndarray | None, list[str]]:
    if entity.geom is None:
        return None, []
    geoms = batch.geoms if batch.geoms is not None else np.full(len(batch), None, dtype=object)
    prepared = prepare(
        geoms,
        entity.geom,
        crs=crs,
        swap_axes=swap_axes,
        region=region,
        required=entity.geom_required,
        kind=entity.plural.replace("_", " "),
    )
    return prepared.geoms, list(prepared.notes)


def _resolve_refs(conn: Connection, batch: Batch, codes: list[str], ids: list[str]) -> dict[str, list[str | None]]:
    """REF columns hold codes; the table holds ids. Codes may point into this same batch."""
    e = batch.entity
    out: dict[str, list[str | None]] = {}
    for f in e.fields:
        if f.type is not FieldType.REF or f.name not in batch.columns:
            continue
        values = entry_rules.normalise_codes(batch.column(f.name), field=f.name)
        batch.columns[f.name] = values
        wanted = [c for c in values if c]
        found = repo.ids_for_codes(conn, f.ref, wanted) if wanted else {}
        if f.ref == e.kind:
            found = {**found, **dict(zip(codes, ids, strict=True))}
        missing = [(i, c) for i, c in enumerate(values) if c and c not in found]
        if missing:
            i, c = missing[0]
            more = f" (and {len(missing) - 1} more)" if len(missing) > 1 else ""
            raise ValidationError(
                f"row {i + 1}, {f.name}: no {f.ref.replace('_', ' ')} with code {c!r} in the record{more}; "
                f"import the {BY_KIND[f.ref].plural.replace('_', ' ')} first or fix the code"
            )
        out[f.name] = [found[c] if c else None for c in values]
    return out


def _assign_codes(conn: Connection, batch: Batch) -> list[str]:
    e = batch.entity
    given = entry_rules.normalise_codes([c if isinstance(c, str) else None for c in batch.column("code")])
    present = [c for c in given if c]
    wrong = next((i for i, c in enumerate(given) if c and not c.upper().startswith(f"{e.prefix}-")), None)
    if wrong is not None:
        raise ValidationError(
            f"row {wrong + 1}, code: {given[wrong]!r} is not a {e.kind.replace('_', ' ')} code (they start with "
            f"'{e.prefix}-'); map the source's own identifier to another column (it is kept) to get new codes"
        )
    if len(present) != len(set(present)):
        dupe = next(c for c, k in Counter(present).items() if k > 1)
        raise ValidationError(f"code {dupe!r} appears more than once in the input", field="code")
    clash = repo.existing_codes(conn, e.kind, present) if present else set()
    if clash:
        first = next(c for c in present if c in clash)
        raise Conflict(
            f"{e.kind.replace('_', ' ')} {first!r} is already in the record ({len(clash)} codes clash); "
            "an import never overwrites records — edit them instead, or drop the code column to get new codes"
        )
    repo.reserve_given_codes(conn, present)
    fresh = repo.allocate_codes(conn, code_prefix(e), sum(1 for c in given if not c))
    it = iter(fresh)
    return [c if c else next(it) for c in given]


def write_batch(
    store: Store,
    batch: Batch,
    *,
    crs: str | None = None,
    swap_axes: bool = False,
    note: str | None = None,
    progress: Progress | None = None,
) -> WriteResult:
    """Check a whole batch and write it, with audit, in one transaction (as the store's principal)."""
    access.check_write_kind(store, batch.entity.kind)
    with repo.write_transaction(store.engine) as conn:
        return write_batch_in(
            conn,
            store.actor,
            batch,
            crs=crs,
            swap_axes=swap_axes,
            note=note,
            progress=progress,
            guard=store,
            rules=store.rules,
        )


def write_batch_in(
    conn: Connection,
    actor: str,
    batch: Batch,
    *,
    crs: str | None = None,
    swap_axes: bool = False,
    note: str | None = None,
    progress: Progress | None = None,
    txn: str | None = None,
    guard: Store | None = None,
    rules: entry_rules.EntryRules | None = None,
    today: dt.date | None = None,
) -> WriteResult:
    """`write_batch` inside the caller's transaction. `guard`: the store handle whose principal
    must be allowed to write every record of the batch (owner rules of `landrelease.auth.policy`,
    and the areas it touches); None when the caller has already decided (the demo builder).
    `rules`: the configurable values of the entry rules (default: the guard's, else the defaults);
    `today`: the day dates are checked against (default: today, UTC)."""
    e = batch.entity
    n = len(batch)
    txn = txn or repo.new_id()
    step = progress or (lambda *_: None)
    if n == 0:
        raise ValidationError(f"the input holds no {e.plural.replace('_', ' ')}")
    if guard is not None:
        access.check_write_kind(guard, e.kind)
        own = access.default_org(guard)
        if own and (access.owner_path(e.kind) or ("",))[0] == "org":  # an operator's records default to its own
            batch.columns["org"] = [c or own for c in batch.column("org")]
    rules = rules or (guard.rules if guard is not None else entry_rules.EntryRules())
    step("checking fields", 0, n)
    rules_mod.check_batch(batch)
    region = record_region(conn) if e.geom is not None else None
    step("checking geometry", 0, n)
    geoms, notes = _prepare_geoms(e, batch, crs=crs, swap_axes=swap_axes, region=region)
    codes = _assign_codes(conn, batch)
    ids = [repo.new_id() for _ in range(n)]
    refs = _resolve_refs(conn, batch, codes, ids)
    if guard is not None:
        access.check_owned(conn, guard, e.kind, access.owners(conn, e.kind, refs, n), what="write")
        access.check_touched_areas(conn, guard, e.kind, access.touched_areas(conn, e.kind, refs, n))
    table = TABLES[e.kind]
    columns: dict[str, Any] = {}
    for f in e.fields:
        if f.name in refs:
            columns[f.name] = refs[f.name]
        elif f.name in table.c and f.name in batch.columns and not f.derived:
            values = batch.column(f.name)
            if f.type is FieldType.VOCAB_LIST:  # one spelling of 'nothing' survives every format
                values = [v or None for v in values]
            columns[f.name] = values
    if geoms is not None:
        columns.update(_geometry_columns(e, geoms))
    columns["synthetic"] = [bool(x) for x in batch.column("synthetic")]
    columns["attrs"] = [a or None for a in batch.column("attrs")]
    columns["id"] = ids
    columns["code"] = codes
    step("checking entry rules", 0, n)
    warnings = entry.check_entry(conn, batch, refs, columns, geoms, rules, today or dt.datetime.now(dt.UTC).date())
    notes += warnings
    if e.kind == "hazardous_area":
        ledger.open_ledgers(columns, geoms, n)
    columns = {k: list(v) for k, v in columns.items()}
    if e.kind == "land_release":
        step("land release accounting", 0, n)
        ledger.apply_releases(conn, actor, txn, columns, geoms)
    step("writing", 0, n)
    repo.insert_columns(conn, e, columns, actor=actor, txn=txn, note=note)
    if e.kind == "progress_report":
        ledger.update_worked(conn, actor, txn, set(columns["activity"]))
    step("done", n, n)
    return WriteResult(e.kind, n, codes, notes, txn, warnings)
