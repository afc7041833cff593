"""Reading a field submission against the record, and writing its records.

`landrelease.formats.answers` reads a submission's answers into record batches with no I/O; this
module gives it the record to check codes against (`StoreLookup`) and writes the batches through the
single write path (`landrelease.service.write.write_batch_in`), resolving the links between the
records one submission makes (an accident and its victims).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import Connection

from landrelease.domain.batch import Batch
from landrelease.errors import ValidationError
from landrelease.formats import answers
from landrelease.formats.answers import Link

__all__ = ["StoreLookup", "apply", "to_batches", "write_batches"]


class StoreLookup:
    """Checks codes against the record (when a store or connection is given), naming the form path."""

    def __init__(self, source: Any) -> None:
        self.source = source
        self.cache: dict[tuple[str, str], dict[str, Any] | None] = {}

    def _fetch(self, kind: str, code: str) -> dict[str, Any] | None:
        from landrelease.errors import NotFound
        from landrelease.store import repo

        key = (kind, code)
        if key not in self.cache:

            def get(conn: Connection) -> dict[str, Any] | None:
                try:
                    return repo.fetch_one(conn, kind, code)
                except NotFound:
                    return None

            if isinstance(self.source, Connection):
                self.cache[key] = get(self.source)
            else:
                with repo.read_connection(self.source.engine) as conn:
                    self.cache[key] = get(conn)
        return self.cache[key]

    def check(self, kind: str, code: str, path: str) -> None:
        if self._fetch(kind, code) is None:
            raise ValidationError(
                f"no {kind.replace('_', ' ')} with code {code!r} in the record; check the code", field=path
            )

    def area_of_activity(self, code: str) -> str | None:
        row = self._fetch("activity", code)
        if not row or not row.get("area"):
            return None
        from landrelease.store import repo

        def codes(conn: Connection) -> dict[str, str]:
            return repo.codes_for_ids(conn, "hazardous_area", [row["area"]])

        if isinstance(self.source, Connection):
            found = codes(self.source)
        else:
            with repo.read_connection(self.source.engine) as conn:
                found = codes(conn)
        return found.get(row["area"])


def to_batches(
    form_id: str, values: Mapping[str, Any], store: Any = None, *, check_geometry: bool = True
) -> list[Batch]:
    """One submission's values → record batches in write order (`landrelease.formats.answers.to_batches`).

    ``store`` (a `Store` or an open `Connection`), when given, checks every code the submission
    names against the record (hazard area, activity, team, organisation) so the error names the
    form question, and fills in what the record knows (the hazardous area of a reported activity).
    Without it, codes are only checked for their form; `write_batches` checks them again anyway.
    """
    lookup = StoreLookup(store) if store is not None else None
    return answers.to_batches(form_id, values, lookup, check_geometry=check_geometry)


def write_batches(
    conn: Connection,
    actor: str,
    batches: Iterable[Batch],
    *,
    txn: str | None = None,
    note: str | None = None,
    guard: Any = None,
) -> list[Any]:
    """Write one submission's batches in order on an open write transaction, resolving `Link`s to the
    codes the store assigned. Returns the `WriteResult` of each batch. ``guard``: a store whose
    principal must be allowed to write every record (an approval passes the submitter's)."""
    from landrelease.service.write import write_batch_in
    from landrelease.store import repo

    txn = txn or repo.new_id()
    results: list[Any] = []
    for batch in batches:
        for name, col in batch.columns.items():
            if any(isinstance(x, Link) for x in col):
                batch.columns[name] = [results[x.batch].codes[x.row] if isinstance(x, Link) else x for x in col]
        results.append(write_batch_in(conn, actor, batch, txn=txn, note=note, guard=guard))
    return results


def apply(store: Any, form_id: str, values: Mapping[str, Any], *, note: str | None = None) -> list[Any]:
    """Check and write one submission straight into the record, all or nothing, as the store's
    principal (its write rights are checked like any other write). The review workflow writes
    approved submissions with `write_batches`, guarded by the submitter's rights."""
    from landrelease.store import repo

    batches = to_batches(form_id, values, store)
    with repo.write_transaction(store.engine) as conn:
        return write_batches(conn, store.actor, batches, note=note, guard=store)
