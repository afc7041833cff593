"""Tables of the record, built from the declarative model (`landrelease.domain.model`).

One schema for both backends. Every record table carries:
- ``id`` (UUID text, the key relations use) and ``code`` (the human code operators quote);
- ``version`` for optimistic concurrency and history; ``created_*``/``updated_*``; ``deleted_at``
  (nothing is hard-deleted from the national record);
- ``synthetic`` (generated demo data is always marked) and ``attrs`` (attributes imported from a file
  that the model has no field for, kept as they came);
- for spatial kinds: ``geom`` (WKB / PostGIS, WGS84) and its bounding box ``minx…maxy``, which feeds an
  R*Tree index on SQLite and plain range queries on both; polygon kinds also keep ``area_m2``.
Hazardous areas also keep ``rem_geom``: the polygon still hazardous after land release.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
)

from landrelease.domain.model import ENTITIES, Entity, FieldType
from landrelease.store.geometry import Geometry

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_name)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s",
        "pk": "pk_%(table_name)s",
    }
)

_COLUMN_TYPES = {
    FieldType.TEXT: Text,
    FieldType.INT: BigInteger,
    FieldType.FLOAT: Float,
    FieldType.DATE: Date,
    FieldType.BOOL: Boolean,
    FieldType.VOCAB: lambda: String(40),
    FieldType.VOCAB_LIST: JSON,
    FieldType.JSON: JSON,
}

SPATIAL_BBOX = ("minx", "miny", "maxx", "maxy")


def _entity_table(e: Entity) -> Table:
    cols: list[Column] = [
        Column("id", String(36), primary_key=True),
        Column("code", String(40), nullable=False, unique=True),
        Column("version", Integer, nullable=False, default=1),
    ]
    for f in e.fields:
        if f.type is FieldType.REF:
            target = next(x for x in ENTITIES if x.kind == f.ref).table
            cols.append(Column(f.name, String(36), ForeignKey(f"{target}.id"), index=True))
        elif f.name == "area_m2" and e.geom is not None:
            continue  # added below with the geometry
        else:
            cols.append(Column(f.name, _COLUMN_TYPES[f.type]()))
    if e.geom is not None:
        cols.append(Column("geom", Geometry(), nullable=not e.geom_required))
        cols += [Column(n, Float) for n in SPATIAL_BBOX]
        if e.geom.value == "polygon":
            cols.append(Column("area_m2", Float))
    if e.kind == "hazardous_area":
        cols.append(Column("rem_geom", Geometry()))
    cols += [
        Column("synthetic", Boolean, nullable=False, default=False),
        Column("attrs", JSON),
        Column("created_at", DateTime(timezone=True), nullable=False),
        Column("created_by", String(80), nullable=False),
        Column("updated_at", DateTime(timezone=True), nullable=False),
        Column("updated_by", String(80), nullable=False),
        Column("deleted_at", DateTime(timezone=True)),
    ]
    table = Table(e.table, metadata, *cols)
    if e.geom is not None:
        Index(f"ix_{e.table}_bbox", table.c.minx, table.c.maxx, table.c.miny, table.c.maxy)
    return table


TABLES: dict[str, Table] = {e.kind: _entity_table(e) for e in ENTITIES}

audit = Table(
    "audit",
    metadata,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("actor", String(80), nullable=False),
    Column("action", String(20), nullable=False),  # create | update | delete | restore
    Column("kind", String(40), nullable=False),
    Column("record_id", String(36), nullable=False),
    Column("code", String(40), nullable=False),
    Column("version", Integer, nullable=False),
    Column("before", JSON),
    Column("after", JSON),
    Column("txn", String(36), nullable=False),  # all rows of one service call share it
    Column("note", Text),
)
Index("ix_audit_record", audit.c.record_id, audit.c.version)
Index("ix_audit_code", audit.c.code)

code_sequence = Table(
    "code_sequence",
    metadata,
    Column("prefix", String(40), primary_key=True),
    Column("last", BigInteger, nullable=False),
)

meta = Table(
    "landrelease_meta",
    metadata,
    Column("key", String(80), primary_key=True),
    Column("value", Text, nullable=False),
)

# Accounts (migration 0004): who may sign in, with which role, for which organisation. Passwords
# are argon2id hashes; API tokens and web session ids are random 256-bit secrets stored as SHA-256
# digests (a stolen database yields no usable token); login failures are counted here so the rate
# limit survives restarts and holds across server processes.
account = Table(
    "account",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("username", String(80), nullable=False, unique=True),
    Column("role", String(20), nullable=False),
    Column("organisation", String(36), ForeignKey("organisation.id"), index=True),
    Column("full_name", Text),
    Column("password_hash", Text, nullable=False),
    Column("password_changed_at", DateTime(timezone=True), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("created_by", String(80), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Column("updated_by", String(80), nullable=False),
    Column("disabled_at", DateTime(timezone=True)),
)

api_token = Table(
    "api_token",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("account", String(36), ForeignKey("account.id"), nullable=False, index=True),
    Column("name", String(80), nullable=False),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("hint", String(12), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("created_by", String(80), nullable=False),
    Column("revoked_at", DateTime(timezone=True)),
    Column("revoked_by", String(80)),
)

auth_session = Table(
    "auth_session",
    metadata,
    Column("id", String(64), primary_key=True),  # SHA-256 of the cookie value
    Column("account", String(36), ForeignKey("account.id"), nullable=False, index=True),
    Column("csrf", String(64), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False),
    Column("address", String(64)),
)

login_attempt = Table(
    "login_attempt",
    metadata,
    Column("scope", String(8), primary_key=True),  # 'user' or 'address'
    Column("key", String(200), primary_key=True),
    Column("failures", Integer, nullable=False),
    Column("first_at", DateTime(timezone=True), nullable=False),
    Column("locked_until", DateTime(timezone=True)),
)


# The intake queue (`landrelease.service.submissions`): field submissions waiting for review. Not part of the
# national record: nothing here is shown as a record until a reviewer approves it, and approval writes
# the records through the service (with their own audit). Migration 0003.
submission = Table(
    "submission",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("form_id", String(80), nullable=False),
    Column("form_ver", String(40)),
    Column("instance_id", String(120), nullable=False, unique=True),  # OpenRosa meta/instanceID
    Column("source", String(20), nullable=False),  # odk | kobo-import | central-import
    Column("actor", String(80), nullable=False),  # who submitted (audit actor string)
    Column("org", String(40)),  # organisation code of the submitter, when known
    Column("received_at", DateTime(timezone=True), nullable=False),
    Column("raw", LargeBinary, nullable=False),  # the payload as received: XForm XML or row JSON
    Column("raw_type", String(40), nullable=False),  # media type of raw
    Column("raw_hash", String(64), nullable=False),  # sha256 hex of raw: identical resubmissions
    Column("vals", JSON, nullable=False),  # flat values keyed by XForm path ("area/code")
    Column("vals_hash", String(64), nullable=False),  # sha256 of the values without meta/*: same content
    Column("status", String(20), nullable=False),  # submitted | verified | approved | rejected
    Column("version", Integer, nullable=False),
    Column("reason", Text),  # why it was rejected
    Column("verified_by", String(80)),
    Column("verified_at", DateTime(timezone=True)),
    Column("decided_by", String(80)),  # approved or rejected by
    Column("decided_at", DateTime(timezone=True)),
    Column("records", JSON),  # codes of the records created on approval
    Column("flags", JSON),  # the validation flags the decision was taken on
    Column("effects", JSON),  # what approval would write, from the dry run at verification (migration 0005)
)
Index("ix_submission_status", submission.c.status, submission.c.received_at)
Index("ix_submission_form_id", submission.c.form_id)
Index("ix_submission_vals_hash", submission.c.vals_hash)

submission_file = Table(
    "submission_file",
    metadata,
    Column("submission", String(36), ForeignKey("submission.id"), primary_key=True),
    Column("name", String(255), primary_key=True),
    Column("media_type", String(100), nullable=False),
    Column("size", BigInteger, nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("data", LargeBinary, nullable=False),
)


def table_for(kind: str) -> Table:
    return TABLES[kind]
