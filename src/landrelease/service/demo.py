"""Build the synthetic demo region into an empty record: one transaction, every record marked
synthetic, through the same checks as any import (geometry gate, references, land release
accounting, audit)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select

from landrelease.domain.release import AreaState, transition
from landrelease.domain.vocab import HazardStatus, HazardType
from landrelease.errors import Conflict
from landrelease.service import access
from landrelease.service.settings import REGION_KEY, set_meta
from landrelease.service.store import Store
from landrelease.service.write import Progress, write_batch_in
from landrelease.store import repo
from landrelease.store.schema import TABLES


def build_demo(
    store: Store,
    *,
    n_areas: int = 2000,
    seed: int = 1,
    bbox: tuple[float, float, float, float] | None = None,
    today: dt.date | None = None,
    progress: Progress | None = None,
) -> dict[str, int]:
    """Generate the demo region and write it; returns record counts by kind."""
    from landrelease.demo.generator import generate

    access.check_write_kind(store, "organisation")  # the national authority builds records from scratch
    step = progress or (lambda *_: None)
    with repo.read_connection(store.engine) as conn:
        held = sum(
            conn.execute(select(func.count()).select_from(TABLES[k])).scalar_one()
            for k in ("hazardous_area", "organisation")
        )
    if held:
        raise Conflict(
            "the record already holds data; build the demo into a new database (e.g. --db demo.db) — "
            "synthetic records are never mixed into a real record"
        )
    step("generating the synthetic region", 0, n_areas)
    kwargs = {"n_areas": n_areas, "seed": seed, "bbox": bbox}
    if today is not None:
        kwargs["today"] = today
    data = generate(**kwargs)
    counts: dict[str, int] = {}
    with repo.write_transaction(store.engine) as conn:
        set_meta(conn, REGION_KEY, ",".join(repr(float(x)) for x in data.bbox))
        set_meta(conn, "demo", f"synthetic demo region, seed {seed}, {n_areas} areas")
        txn = repo.new_id()
        note = f"synthetic demo region (seed {seed})"
        target: dict[str, str] = {}
        for batch in data.batches:
            if len(batch) == 0:
                continue
            kind = batch.entity.kind
            if kind == "hazardous_area":
                # History is replayed as it happened: every area opens, land release closes the
                # fully released ones (the state machine's own rule), handover comes after.
                target = dict(zip(batch.column("code"), batch.column("status"), strict=True))
                batch.columns["status"] = ["open"] * len(batch)
            step(f"writing {batch.entity.plural.replace('_', ' ')}", 0, len(batch))
            write_batch_in(conn, store.actor, batch, note=note, txn=txn, rules=store.rules, today=data.today)
            counts[kind] = counts.get(kind, 0) + len(batch)
        _hand_over(conn, store.actor, txn, [c for c, s in target.items() if s == "handed_over"], note)
    return counts


def _hand_over(conn, actor: str, txn: str, codes: list[str], note: str) -> None:  # type: ignore[no-untyped-def]
    """Closed → handed over (IMAS 08.30) for the areas the generator handed over."""
    t = TABLES["hazardous_area"]
    befores: list[dict] = []
    for i in range(0, len(codes), 2000):
        befores += [dict(r) for r in conn.execute(select(t).where(t.c.code.in_(codes[i : i + 2000]))).mappings()]
    changes = []
    for row in befores:
        state = AreaState(HazardType(row["haz_type"]), HazardStatus(row["status"]))
        changes.append({"status": transition(state, status=HazardStatus.HANDED_OVER).status.value})
    repo.update_many(
        conn, "hazardous_area", befores, changes, actor=actor, txn=txn, action="update", note=f"handover — {note}"
    )
