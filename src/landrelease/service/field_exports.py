"""Importing a KoboToolbox or ODK Central export into the review queue, all or nothing.

The export files are read by `landrelease.formats.field_exports` (no store); this use case checks who
may import, checks every row against the record, and queues the submissions
(`landrelease.service.submissions`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from landrelease.errors import ValidationError
from landrelease.formats.field_exports import open_export
from landrelease.formats.limits import FileLimits

__all__ = ["ImportResult", "import_export"]


def _check_submitter(store: Any) -> str | None:
    """Who may queue field submissions: the roles that may send them from ODK Collect (administrators,
    IM officers, operator data workers, QA officers). An operator's imports are tagged with its
    organisation, as its phone's submissions are. Returns that organisation (None: not an operator)."""
    from landrelease.auth.policy import can_submit
    from landrelease.auth.roles import Role
    from landrelease.errors import Forbidden, Unauthenticated

    p = getattr(store, "principal", None)
    if p is None:
        if not getattr(store, "system", True):
            raise Unauthenticated("sign in (or name your account with --as) to import field submissions")
        return None
    if not can_submit(p):
        raise Forbidden(f"{p.username} ({p.role.value}) may not submit field forms")
    return p.organisation if p.role is Role.OPERATOR_WRITER else None


@dataclass
class ImportResult:
    source: str
    total: int
    created: int
    replayed: int


def import_export(store: Any, path: str | Path, form_id: str, *, actor: str | None = None) -> ImportResult:
    """Route every submission of an export into the review queue, all or nothing, in ONE transaction:
    every row is read and checked (values parse, codes exist in the record, no instanceID already
    queued with other content), then all are queued in one write transaction, so a conflict at any row
    (or a crash) leaves the queue as it was. A replayed export queues nothing new."""
    from landrelease.errors import Conflict
    from landrelease.service import submissions
    from landrelease.service.field_records import to_batches
    from landrelease.store import repo

    organisation = _check_submitter(store)
    ex = open_export(path, form_id, FileLimits.of(store.settings))
    rows = list(ex.rows())
    if not rows:
        raise ValidationError(f"{ex.path.name}: holds no submissions", field="file")
    payloads: dict[str, bytes] = {}
    with repo.read_connection(store.engine) as conn:  # read the rows before taking the write lock
        for n, (instance, values) in enumerate(rows, start=1):
            try:
                to_batches(ex.form.form_id, values, conn)
            except ValidationError as exc:
                raise ValidationError(f"{ex.path.name}: submission {n} ({instance}): {exc}") from None
            raw = submissions.canonical_json(values)
            if payloads.setdefault(instance, raw) != raw:
                raise Conflict(f"{ex.path.name}: instanceID {instance!r} appears twice with different content")
    created = replayed = 0
    with repo.write_transaction(store.engine) as conn:
        for n, (instance, raw) in enumerate(payloads.items(), start=1):
            values = json.loads(raw)
            try:
                got = submissions.submit_in(
                    conn,
                    form_id=ex.form.form_id,
                    form_version=values.get("__version__"),
                    instance_id=instance,
                    values=values,
                    raw=raw,
                    source=ex.source,
                    actor=actor or store.actor,
                    organisation=organisation,
                )
            except ValidationError as exc:
                raise ValidationError(
                    f"{ex.path.name}: submission {n} ({instance[:40]}…): {exc}; nothing was imported"
                ) from None
            except Conflict:
                raise Conflict(
                    f"{ex.path.name}: instanceID {instance!r} is already in the queue with different content; "
                    "nothing was imported"
                ) from None
            created += int(got.created)
            replayed += int(not got.created)
    return ImportResult(ex.source, len(payloads), created, replayed)
