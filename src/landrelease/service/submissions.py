"""The intake queue: every field submission lands here first, and nothing here is the national record.

A submission (one filled-in XForm from ODK Collect, or one row of a KoboToolbox/ODK Central export)
is kept exactly as received (``raw``: the XForm XML or the row as JSON, with its SHA-256), with the
flat values the forms layer reads from it (``vals``: ``{"area/code": "HA-…", "meta/instanceID": …}``),
who sent it, and its attachments. A reviewer moves it submitted → verified → approved, or rejects it
with a reason (`landrelease.service.review`); only approval writes records, through the service.

Idempotence, the OpenRosa way: the key is the instanceID the device gave the form. ODK Collect
resends a form whose response it did not see (a dropped connection, a timeout), and splits a large
one over several POSTs that repeat the XML with a share of the attachments each. So:
- same instanceID, same payload hash → accepted, stored once (``created=False``); attachments not
  seen before are added;
- same instanceID, different payload → `errors.Conflict` (the device or an export reuses an id for
  different data: a person must look);
- the same attachment name with different bytes → `errors.Conflict`.

Concurrency: the instanceID column is UNIQUE and the insert is ``INSERT … ON CONFLICT DO NOTHING
RETURNING id``. On PostgreSQL a second transaction inserting the same instanceID waits for the first
to commit and then does nothing, and the follow-up SELECT (READ COMMITTED: a fresh snapshot per
statement) sees the winner; on SQLite writers are serialised (BEGIN IMMEDIATE). Either way exactly
one row exists per instanceID, whatever the number of concurrent submitters.

Attachments are stored in the database (table ``submission_file``), not beside it: they are then
written in the same transaction as the submission (no orphan or missing file after a crash or a
dropped connection), covered by the same backup, identical on both backends, and they follow the
submission's idempotence rules. Field photos are small (ODK Collect scales them; the server caps a
request, see `landrelease.server.odk`), so the database is the right place for them.
"""

from __future__ import annotations

import hashlib
import json
import mimetypes
import re
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from sqlalchemy import Connection, func, select

from landrelease.errors import Conflict, NotFound, ValidationError
from landrelease.service.store import Store
from landrelease.store import repo
from landrelease.store.schema import submission, submission_file

__all__ = [
    "SOURCES",
    "Status",
    "Submitted",
    "attachment",
    "attachments",
    "canonical_json",
    "content_hash",
    "count",
    "counts",
    "facets",
    "get",
    "listing",
    "resolve",
    "submit",
]

SOURCES = ("odk", "kobo-import", "central-import")
MAX_INSTANCE_ID = 120
MAX_NAME = 255
_SAFE_NAME = re.compile(r"^[^/\\\x00-\x1f]+$")


class Status(StrEnum):
    SUBMITTED = "submitted"
    VERIFIED = "verified"
    APPROVED = "approved"
    REJECTED = "rejected"


@dataclass(frozen=True)
class Submitted:
    """What `submit` did: the submission's id, and whether this call stored it (False: a replay)."""

    id: str
    created: bool
    status: str = Status.SUBMITTED.value
    files_added: int = 0


def canonical_json(values: Mapping[str, Any]) -> bytes:
    """The raw payload of an export row: sorted keys, no spaces, UTF-8, so that importing the same
    row twice gives the same bytes, hence the same hash (an idempotent re-import)."""
    return json.dumps(dict(values), sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def content_hash(form_id: str, values: Mapping[str, Any]) -> str:
    """What two submissions must share to be 'the same content': the form and every value except the
    metadata the device adds (``meta/…``: instanceID, instanceName, timestamps) and blank values."""
    kept = {k: v for k, v in values.items() if not (k == "meta" or k.startswith("meta/")) and v not in (None, "")}
    return hashlib.sha256(canonical_json({"form": form_id, "values": kept})).hexdigest()


def _check(form_id: str, instance_id: str, values: Mapping[str, Any], raw: bytes, source: str, actor: str) -> None:
    if not form_id or not str(form_id).strip():
        raise ValidationError("the submission names no form (form_id)", field="form_id")
    if len(form_id) > 80:
        raise ValidationError("the form id is longer than 80 characters", field="form_id")
    if not instance_id or not instance_id.strip():
        raise ValidationError(
            "the submission has no instanceID (meta/instanceID); every XForm needs one", field="instance_id"
        )
    if len(instance_id) > MAX_INSTANCE_ID:
        raise ValidationError(f"the instanceID is longer than {MAX_INSTANCE_ID} characters", field="instance_id")
    if source not in SOURCES:
        raise ValidationError(f"source {source!r} is not one of {', '.join(SOURCES)}", field="source")
    if not isinstance(raw, bytes | bytearray) or not raw:
        raise ValidationError("the submission's payload is empty", field="raw")
    if not isinstance(values, Mapping) or any(not isinstance(k, str) for k in values):
        raise ValidationError("the submission's values must map field paths to text", field="values")
    if not actor:
        raise ValidationError("a submission must name who submitted it", field="actor")


def _check_files(files: Mapping[str, bytes]) -> None:
    for name, data in files.items():
        if not name or len(name) > MAX_NAME or not _SAFE_NAME.match(name) or name in {".", ".."}:
            raise ValidationError(f"attachment name {name[:60]!r} is not a plain file name", field="attachments")
        if not isinstance(data, bytes | bytearray):
            raise ValidationError(f"attachment {name!r} is not bytes", field="attachments")


def submit(
    store: Store,
    *,
    form_id: str,
    form_version: str | None,
    instance_id: str,
    values: Mapping[str, Any],
    raw: bytes,
    source: str,
    attachments: Mapping[str, bytes] | None = None,
    actor: str,
    organisation: str | None = None,
) -> Submitted:
    """Queue one submission in its own transaction (idempotent per instanceID; see the module docstring)."""
    with repo.write_transaction(store.engine) as conn:
        return submit_in(
            conn,
            form_id=form_id,
            form_version=form_version,
            instance_id=instance_id,
            values=values,
            raw=raw,
            source=source,
            attachments=attachments,
            actor=actor,
            organisation=organisation,
        )


def submit_in(
    conn: Connection,
    *,
    form_id: str,
    form_version: str | None,
    instance_id: str,
    values: Mapping[str, Any],
    raw: bytes,
    source: str,
    attachments: Mapping[str, bytes] | None = None,
    actor: str,
    organisation: str | None = None,
) -> Submitted:
    """`submit` inside the caller's write transaction (an export import queues all its rows in one)."""
    instance_id = (instance_id or "").strip()
    _check(form_id, instance_id, values, raw, source, actor)
    files = dict(attachments or {})
    _check_files(files)
    raw = bytes(raw)
    digest = hashlib.sha256(raw).hexdigest()
    now = repo.utcnow()
    new_id = repo.new_id()
    flat = {k: (None if v is None else str(v)) for k, v in values.items()}
    content = content_hash(form_id, flat)
    got = repo.insert_once(
        conn,
        submission,
        dict(
            id=new_id,
            form_id=form_id,
            form_ver=form_version or None,
            instance_id=instance_id,
            source=source,
            actor=actor[:80],
            org=organisation,
            received_at=now,
            raw=raw,
            raw_type="text/xml" if source == "odk" else "application/json",
            raw_hash=digest,
            vals=flat,
            vals_hash=content,
            status=Status.SUBMITTED.value,
            version=1,
        ),
        ["instance_id"],
        submission.c.id,
    )
    if got is None:
        row = conn.execute(
            select(submission.c.id, submission.c.raw_hash, submission.c.form_id, submission.c.status).where(
                submission.c.instance_id == instance_id
            )
        ).one()
        if row.raw_hash != digest or row.form_id != form_id:
            raise Conflict(
                f"instanceID {instance_id!r} was already submitted with different content; a resubmission "
                "must repeat the same form exactly — give changed data a new instanceID"
            )
        added = _add_files(conn, row.id, files)
        return Submitted(row.id, False, row.status, added)
    added = _add_files(conn, new_id, files)
    return Submitted(new_id, True, Status.SUBMITTED.value, added)


def _add_files(conn: Connection, sid: str, files: Mapping[str, bytes]) -> int:
    """Store the attachments not stored yet; the same name must always carry the same bytes."""
    if not files:
        return 0
    added = 0
    for name, data in files.items():
        data = bytes(data)
        digest = hashlib.sha256(data).hexdigest()
        media = mimetypes.guess_type(name)[0] or "application/octet-stream"
        values = dict(submission=sid, name=name, media_type=media, size=len(data), sha256=digest, data=data)
        if repo.insert_once(conn, submission_file, values, ["submission", "name"], submission_file.c.name) is not None:
            added += 1
            continue
        have = conn.execute(
            select(submission_file.c.sha256).where(submission_file.c.submission == sid, submission_file.c.name == name)
        ).scalar_one()
        if have != digest:
            raise Conflict(f"attachment {name!r} of this submission was already received with different content")
    return added


# ---- reading -------------------------------------------------------------------------------------

_LIST_COLUMNS = [c for c in submission.c if c.name not in ("raw", "vals")]


def resolve(conn: Connection, ref: str) -> str:
    """A submission id from its id, a unique id prefix (≥ 8 characters), or its instanceID."""
    ref = (ref or "").strip()
    if not ref:
        raise ValidationError("name a submission (its id or instanceID)")
    row = conn.execute(
        select(submission.c.id).where((submission.c.id == ref) | (submission.c.instance_id == ref))
    ).first()
    if row is not None:
        return row.id
    if len(ref) >= 8:
        rows = conn.execute(select(submission.c.id).where(submission.c.id.like(ref + "%")).limit(2)).all()
        if len(rows) == 1:
            return rows[0].id
        if len(rows) > 1:
            raise ValidationError(f"{ref!r} matches more than one submission; give more of its id")
    raise NotFound(f"no submission {ref!r} in the queue")


def _row(conn: Connection, sid: str, *, for_update: bool = False) -> dict[str, Any]:
    q = select(submission).where(submission.c.id == sid)
    if for_update:
        q = repo.lock_for_update(conn, q)
    row = conn.execute(q).mappings().first()
    if row is None:
        raise NotFound(f"no submission {sid!r} in the queue")
    out = dict(row)
    out["raw"] = bytes(out["raw"])
    return out


def get(store: Store, ref: str) -> dict[str, Any]:
    """One submission with its raw payload, values and the list of its attachments (no bytes)."""
    with repo.read_connection(store.engine) as conn:
        out = _row(conn, resolve(conn, ref))
        out["files"] = _files(conn, out["id"])
    return out


def _files(conn: Connection, sid: str) -> list[dict[str, Any]]:
    cols = [submission_file.c.name, submission_file.c.media_type, submission_file.c.size, submission_file.c.sha256]
    q = select(*cols).where(submission_file.c.submission == sid).order_by(submission_file.c.name)
    return [dict(r) for r in conn.execute(q).mappings()]


def attachments(store: Store, ref: str) -> list[dict[str, Any]]:
    with repo.read_connection(store.engine) as conn:
        return _files(conn, resolve(conn, ref))


def attachment(store: Store, ref: str, name: str) -> tuple[bytes, str]:
    """An attachment's bytes and media type."""
    with repo.read_connection(store.engine) as conn:
        sid = resolve(conn, ref)
        row = conn.execute(
            select(submission_file.c.data, submission_file.c.media_type).where(
                submission_file.c.submission == sid, submission_file.c.name == name
            )
        ).first()
    if row is None:
        raise NotFound(f"submission {ref!r} has no attachment {name!r}")
    return bytes(row.data), row.media_type


def _filters(status: str | None, form_id: str | None, org: str | None) -> list[Any]:
    where = []
    if status:
        if status not in {s.value for s in Status}:
            raise ValidationError(
                f"status {status!r} is not one of {', '.join(s.value for s in Status)}", field="status"
            )
        where.append(submission.c.status == status)
    if form_id:
        where.append(submission.c.form_id == form_id)
    if org:
        where.append(submission.c.org == org)
    return where


def listing(
    store: Store,
    *,
    status: str | None = None,
    form_id: str | None = None,
    org: str | None = None,
    limit: int = 100,
    offset: int = 0,
) -> list[dict[str, Any]]:
    """Submissions, oldest first (the order a reviewer works in), without payloads."""
    q = select(*_LIST_COLUMNS).where(*_filters(status, form_id, org))
    limit, offset = max(1, min(int(limit), 10000)), max(0, min(int(offset), 2**62))
    q = q.order_by(submission.c.received_at, submission.c.id).limit(limit).offset(offset)
    with repo.read_connection(store.engine) as conn:
        return [dict(r) for r in conn.execute(q).mappings()]


def count(store: Store, *, status: str | None = None, form_id: str | None = None, org: str | None = None) -> int:
    q = select(func.count()).select_from(submission).where(*_filters(status, form_id, org))
    with repo.read_connection(store.engine) as conn:
        return int(conn.execute(q).scalar_one())


def counts(store: Store) -> dict[str, int]:
    """Submissions per status (every status present, zero when none)."""
    q = select(submission.c.status, func.count()).group_by(submission.c.status)
    with repo.read_connection(store.engine) as conn:
        got = {s: int(n) for s, n in conn.execute(q)}
    return {s.value: got.get(s.value, 0) for s in Status}


def facets(store: Store) -> dict[str, list[str]]:
    """The forms and organisations present in the queue (filter choices)."""
    with repo.read_connection(store.engine) as conn:
        forms = [r[0] for r in conn.execute(select(submission.c.form_id).distinct().order_by(submission.c.form_id))]
        orgs = [
            r[0]
            for r in conn.execute(
                select(submission.c.org).where(submission.c.org.is_not(None)).distinct().order_by(submission.c.org)
            )
        ]
    return {"form_id": forms, "org": orgs}
