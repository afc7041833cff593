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
    """Route every submission of an export into the review queue, all or nothing: every row is read
    and checked (values parse, codes exist in the record, no instanceID already queued with other
    content) before the first is queued. A replayed export queues nothing new."""
    from sqlalchemy import select

    from landrelease.errors import Conflict
    from landrelease.service import submissions
    from landrelease.service.field_records import to_batches
    from landrelease.store import repo
    from landrelease.store.schema import submission

    organisation = _check_submitter(store)
    ex = open_export(path, form_id)
    rows = list(ex.rows())
    if not rows:
        raise ValidationError(f"{ex.path.name}: holds no submissions", field="file")
    payloads: dict[str, bytes] = {}
    for n, (instance, values) in enumerate(rows, start=1):
        try:
            to_batches(ex.form.form_id, values, store)
        except ValidationError as exc:
            raise ValidationError(f"{ex.path.name}: submission {n} ({instance}): {exc}") from None
        raw = submissions.canonical_json(values)
        if payloads.setdefault(instance, raw) != raw:
            raise Conflict(f"{ex.path.name}: instanceID {instance!r} appears twice with different content")
    with repo.read_connection(store.engine) as conn:
        known = {
            r.instance_id: r.raw_hash
            for r in conn.execute(
                select(submission.c.instance_id, submission.c.raw_hash).where(
                    submission.c.instance_id.in_(list(payloads))
                )
            )
        }
    import hashlib

    for instance, raw in payloads.items():
        if instance in known and known[instance] != hashlib.sha256(raw).hexdigest():
            raise Conflict(
                f"{ex.path.name}: instanceID {instance!r} is already in the queue with different content; "
                "nothing was imported"
            )
    created = replayed = 0
    for instance, raw in payloads.items():
        values = json.loads(raw)
        got = submissions.submit(
            store,
            form_id=ex.form.form_id,
            form_version=values.get("__version__"),
            instance_id=instance,
            values=values,
            raw=raw,
            source=ex.source,
            actor=actor or store.actor,
            organisation=organisation,
        )
        created += int(got.created)
        replayed += int(not got.created)
    return ImportResult(ex.source, len(payloads), created, replayed)
