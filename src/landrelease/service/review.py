"""The review workflow (IMSMA's "workbench"): submitted → verified → approved | rejected.

Field reports pass a review step before they change the national record (DOMAIN.md). A reviewer
sees, for each submission, automatic flags computed here, what approval would write, and decides:
- **verify** (first look: the form is complete and plausible) — QA officers, IM officers, admins;
  in the same transaction the submission's records are written through the single write path and
  rolled back (a SAVEPOINT), and what that wrote is kept with the submission: the preview an
  approver reads ("effects"), and the reason approval would fail, if it would;
- **approve** — the national authority (IM officers, admins) only, in ONE transaction: the
  submission is locked, its answers parsed once (`field_records.to_batches`), its flags computed on
  those batches, and its records written by `service.write.write_batch_in` — the same path as the
  web form, the API and the imports, so the same rules apply — with the submitter's rights as the
  guard (an operator's field report may only write what its organisation may write) and the
  approver, the signed-in account, as the audit actor; the status change is in the same
  transaction. The geometry is checked once, by the write path. A submitter whose account cannot
  be found or is disabled is refused: nobody's rights could stand for its records;
- **reject** — with a reason, from submitted or verified.

Reading a submission (`assess`: the queue page, the API, `landrelease intake show`) never writes,
so it never takes SQLite's write lock: a submitted submission shows the records it would create
(parsed from its answers); a verified one also shows the ledger changes its verification's dry run
recorded.

Two people (``LANDRELEASE_REVIEW_TWO_PERSON``, on by default): a signed-in account that verified a
submission cannot also approve it (separation of duties: the person who checked a field report is
not the one who accepts it into the national record). The trusted local system (a record without
accounts, one person on a laptop) has no second person and is not bound.

Flags never block, except errors that make the record invalid (the form cannot be read into
records, a geometry the service would refuse, a code that is not in the record, an operator
reporting for another organisation): those make approval impossible and say why. Warnings:
- geometry notes (repaired, Z dropped) from `landrelease.geo.checks`;
- a reported polygon or point outside its linked hazardous area (`landrelease.geo.containment`,
  with the land release tolerance);
- the organisation not accredited for that activity type at that date (accreditation records);
- the team not deployed at that date, or deployed elsewhere (deployment records);
- duplicates: the same content as another submission (all values but the device metadata), a
  polygon identical to or overlapping an open hazardous area (`landrelease.geo.overlap`).
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import asdict, dataclass, field, replace
from typing import Any

import numpy as np
import shapely
from sqlalchemy import Connection, and_, select, update

from landrelease.domain.batch import Batch
from landrelease.domain.entry_rules import EntryRules
from landrelease.domain.model import GeomType
from landrelease.domain.release import DEFAULT_TOLERANCE_M
from landrelease.errors import Conflict, LandreleaseError, ValidationError
from landrelease.geo.area import geodesic_area
from landrelease.geo.checks import prepare
from landrelease.geo.containment import excess_outside
from landrelease.service.store import Store
from landrelease.service.submissions import Status, _row, resolve
from landrelease.service.write import record_region
from landrelease.store import repo
from landrelease.store.bulk import json_default
from landrelease.store.schema import TABLES, submission


def two_person(store: Store) -> bool:
    """The `review_two_person` setting (``LANDRELEASE_REVIEW_TWO_PERSON``, default on): verifying and
    approving a submission need two different signed-in accounts; off lets one account do both."""
    return store.settings.review_two_person


#: Overlap with an existing area below this is digitising noise (m²), as in `service.checks`.
MIN_OVERLAP_M2 = 1.0
#: Area of a reported polygon allowed outside its hazardous area before a flag (m²).
OUTSIDE_M2 = 1.0


@dataclass(frozen=True)
class Flag:
    # invalid | geometry | organisation | outside_area | not_accredited | not_deployed | duplicate | overlap | entry
    check: str
    severity: str  # error (approval impossible) | warning (shown, does not block)
    message: str
    record: str | None = None  # a record of the national record the flag points at
    submission: str | None = None  # another submission it points at

    @property
    def blocking(self) -> bool:
        return self.severity == "error"


@dataclass
class Effect:
    """One record approval would create or change (from the dry run's audit rows)."""

    action: str  # create | update
    kind: str
    code: str
    changes: dict[str, tuple[Any, Any]] = field(default_factory=dict)  # field → (before, after)


@dataclass
class Assessment:
    submission: dict[str, Any]
    flags: list[Flag]
    effects: list[Effect]
    features: list[dict[str, Any]]  # GeoJSON features for the map preview

    @property
    def approvable(self) -> bool:
        return not any(f.blocking for f in self.flags)

    def flags_json(self) -> list[dict[str, Any]]:
        return [asdict(f) for f in self.flags]

    def without_personal(self) -> Assessment:
        """The same, with victims' and personnel's personal answers hidden (name, date of birth,
        address: `Field.sensitive`), for reviewers who may not see them (`policy.can_see_personal`)."""
        from landrelease.domain.model import BY_KIND

        sub = dict(self.submission)
        hidden = personal_paths(sub["form_id"])
        secrets = {
            str(v).strip()
            for k, v in sub["vals"].items()
            if v not in (None, "") and re.sub(r"\[\d+\]", "", k) in hidden and len(str(v).strip()) >= 2
        }
        sub["vals"] = {
            k: (HIDDEN if v not in (None, "") and re.sub(r"\[\d+\]", "", k) in hidden else v)
            for k, v in sub["vals"].items()
        }
        sub["raw"] = b""

        def redact(message: str) -> str:
            """No personal answer quoted in a flag, whatever check wrote it (longest first)."""
            for value in sorted(secrets, key=len, reverse=True):
                message = message.replace(value, HIDDEN)
            return message

        flags = [replace(f, message=redact(f.message)) for f in self.flags]
        if isinstance(sub.get("flags"), list):
            sub["flags"] = [
                {**f, "message": redact(str(f.get("message", "")))} if isinstance(f, dict) else f for f in sub["flags"]
            ]
        effects = []
        for e in self.effects:
            ent = BY_KIND.get(e.kind)
            secret = {f.name for f in ent.fields if f.sensitive} if ent else set()
            changes = {k: ((HIDDEN, HIDDEN) if k in secret else v) for k, v in e.changes.items()}
            effects.append(Effect(e.action, e.kind, e.code, changes))
        return Assessment(sub, flags, effects, self.features)


HIDDEN = "(personal data: hidden)"


def personal_paths(form_id: str) -> set[str]:
    """The questions of a form that collect personal data (without repeat indexes)."""
    from landrelease.formats import xlsform as forms

    try:
        frm = forms.form(form_id)
    except LandreleaseError:
        return set()
    return {p for p, q, ent, _ in frm.walk() if isinstance(q, forms.Q) and forms._is_personal(q, ent)}


# ---- reading the submission into records -----------------------------------------------------------


def _batches(conn: Connection, sub: dict[str, Any], *, check_geometry: bool = True) -> list[Batch]:
    """The submission's answers → record batches, codes checked against the record on ``conn``."""
    from landrelease.service.field_records import to_batches

    return to_batches(sub["form_id"], sub["vals"], conn, check_geometry=check_geometry)


def _submitter(conn: Connection, store: Store, sub: dict[str, Any]) -> Store:
    """The submitter's rights, the guard of the write path (the owner rules of `landrelease.auth.policy`):
    an operator's field report may only create or change its own organisation's records, whoever
    approves it. A submitter who has no account here, or whose account is disabled, is refused — no
    one's rights could stand for its records. The one exception is the trusted local system approving
    on a record that has no accounts at all: there are no owners to check, and the system's rights
    apply."""
    from landrelease.errors import Forbidden
    from landrelease.service import accounts

    if store.principal is None and store.system and not accounts.any_accounts_in(conn):
        return store
    who = sub["actor"]
    state = accounts.account_state_in(conn, who)
    if state is None:
        raise Forbidden(
            f"cannot approve submission {sub['instance_id']}: its submitter {who!r} has no account in this record, "
            "so its rights cannot be checked; reject it, or have it sent again by an account"
        )
    principal, disabled = state
    if disabled:
        raise Forbidden(
            f"cannot approve submission {sub['instance_id']}: its submitter's account {who!r} is disabled; "
            "reject it, or enable the account first ('landrelease users enable')"
        )
    return store.acting(principal)


def _is_code(value: Any) -> bool:
    """A code of the record (a Link to a record of the same submission is not one yet)."""
    from landrelease.formats.answers import Link

    return isinstance(value, str) and bool(value) and not isinstance(value, Link)


def _geoms(batch: Batch) -> np.ndarray | None:
    """The batch's geometries for the flags; an invalid one counts as none here (an approval leaves
    the geometry check to the write path, which repairs or refuses it)."""
    if batch.geoms is None:
        return None
    g = np.array(batch.geoms, dtype=object)
    present = ~shapely.is_missing(g)
    g[present & ~shapely.is_valid(g)] = None
    return g if (~shapely.is_missing(g)).any() else None


def _fetch(conn: Connection, kind: str, codes: list[str], *cols: str) -> dict[str, Any]:
    t = TABLES[kind]
    wanted = sorted({c for c in codes if _is_code(c)})
    if not wanted:
        return {}
    q = select(t.c.code, *(t.c[c] for c in cols)).where(t.c.code.in_(wanted), t.c.deleted_at.is_(None))
    return {r[0]: r for r in conn.execute(q)}


def _geom(wkb: Any) -> shapely.Geometry | None:
    return None if wkb is None else shapely.from_wkb(bytes(wkb))


# ---- flags -----------------------------------------------------------------------------------------


def _geometry_flags(conn: Connection, batches: list[Batch]) -> list[Flag]:
    out: list[Flag] = []
    region = record_region(conn)
    for b in batches:
        e = b.entity
        if e.geom is None or b.geoms is None:
            continue
        try:
            prepared = prepare(
                np.array(b.geoms, dtype=object),
                e.geom,
                region=region,
                required=e.geom_required,
                kind=e.plural.replace("_", " "),
            )
        except ValidationError as exc:
            out.append(Flag("geometry", "error", f"{e.kind.replace('_', ' ')}: {exc}"))
            continue
        out += [Flag("geometry", "warning", f"{e.kind.replace('_', ' ')}: {n}") for n in prepared.notes]
    return out


def _organisation_flags(conn: Connection, sub: dict[str, Any], batches: list[Batch]) -> list[Flag]:
    """An operator reports for its own organisation: a record naming another one cannot be approved
    from its submission (the national authority records it, or the operator corrects it)."""
    own = sub.get("org")
    if not own:
        return []
    out = []
    for b in batches:
        for value in b.columns.get("org", []) or []:
            if _is_code(value) and value != own:
                out.append(
                    Flag(
                        "organisation",
                        "error",
                        f"{sub['actor']} works for {own} but this {b.entity.kind.replace('_', ' ')} names {value}",
                        record=value,
                    )
                )
    return out


def _outside_flags(conn: Connection, batches: list[Batch], rules: EntryRules) -> list[Flag]:
    """A find or worksite far from the area (or activity) it names: the write path's own location
    rule (`service.entry.outside_named`, an error: approval would be refused, as the web form is); a
    polygon reaching outside its hazardous area: the land release ledger's tolerance (a warning
    here; the ledger clips or refuses it)."""
    from landrelease.service import entry

    out: list[Flag] = []
    for b in batches:
        geoms = _geoms(b)
        if geoms is None:
            continue
        if b.entity.kind in ("eo_find", "activity"):
            n = len(geoms)
            for r in entry.outside_named(conn, b.entity.kind, geoms, b.column("area"), b.column("activity"), rules):
                row = f"{b.entity.kind.replace('_', ' ')} {r.row + 1}: " if n > 1 else ""
                out.append(Flag("outside_area", "error", row + r.message, b.column("area")[r.row] or None))
            continue
        if "area" not in b.columns or b.entity.geom is not GeomType.POLYGON:
            continue
        areas = _fetch(conn, "hazardous_area", list(b.columns["area"]), "geom")
        for i, code in enumerate(b.columns["area"]):
            g = geoms[i] if i < len(geoms) else None
            if g is None or shapely.is_missing(g) or code not in areas:
                continue
            outer = _geom(areas[code].geom)
            if outer is None:
                continue
            what = b.entity.kind.replace("_", " ")
            excess = excess_outside(g, outer, DEFAULT_TOLERANCE_M)
            if excess > OUTSIDE_M2:
                out.append(
                    Flag(
                        "outside_area",
                        "warning",
                        f"the {what} reaches {excess:,.0f} m² outside its hazardous area {code} "
                        f"(more than {DEFAULT_TOLERANCE_M:g} m beyond its edge)",
                        record=code,
                    )
                )
    return out


@dataclass
class _Work:
    """Who did the work reported, when and where: what accreditation and deployment are checked on."""

    org: str | None
    act_type: str | None
    unit: str | None
    date: dt.date | None
    where: shapely.Geometry | None
    what: str


def _as_date(value: Any) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str) and value:
        try:
            return dt.date.fromisoformat(value[:10])
        except ValueError:
            return None
    return None


def _work(conn: Connection, batches: list[Batch]) -> list[_Work]:
    out: list[_Work] = []
    for b in batches:
        kind = b.entity.kind
        if kind not in ("activity", "progress_report", "land_release", "eo_find"):
            continue
        geoms = _geoms(b)
        if kind == "activity":
            areas = _fetch(conn, "hazardous_area", list(b.column("area")), "geom")
            for i, row in enumerate(b.rows()):
                area = areas.get(row.get("area"))
                out.append(
                    _Work(
                        row.get("org"),
                        row.get("act_type"),
                        row.get("unit"),
                        _as_date(row.get("start")) or dt.date.today(),
                        _geom(area.geom) if area is not None else None,
                        f"activity {i + 1}",
                    )
                )
            continue
        acts = _fetch(conn, "activity", list(b.column("activity")), "org", "act_type", "unit", "area")
        act_rows = list(acts.values())
        orgs = repo.codes_for_ids(conn, "organisation", [a.org for a in act_rows if a.org])
        units = repo.codes_for_ids(conn, "unit", [a.unit for a in act_rows if a.unit])
        area_codes = repo.codes_for_ids(conn, "hazardous_area", [a.area for a in act_rows if a.area])
        areas = _fetch(conn, "hazardous_area", list(area_codes.values()), "geom")
        for i, row in enumerate(b.rows()):
            act = acts.get(row.get("activity"))
            if act is None:
                continue
            unit = row.get("unit") if _is_code(row.get("unit")) else units.get(act.unit)
            where = geoms[i] if geoms is not None and geoms[i] is not None else None
            if where is None and act.area in area_codes and area_codes[act.area] in areas:
                where = _geom(areas[area_codes[act.area]].geom)
            out.append(
                _Work(
                    orgs.get(act.org),
                    act.act_type,
                    unit,
                    _as_date(row.get("date")),
                    where,
                    f"{kind.replace('_', ' ')} {i + 1} (activity {row.get('activity')})",
                )
            )
    return out


def _accreditation_flags(conn: Connection, work: list[_Work]) -> list[Flag]:
    t = TABLES["accreditation"]
    out = []
    for w in work:
        if not (_is_code(w.org) and w.act_type and w.date):
            continue
        org_id = repo.ids_for_codes(conn, "organisation", [w.org]).get(w.org)
        if org_id is None:
            continue
        hit = conn.execute(
            select(t.c.code)
            .where(
                t.c.org == org_id,
                t.c.act_type == w.act_type,
                t.c.valid_from <= w.date,
                t.c.valid_to >= w.date,
                t.c.deleted_at.is_(None),
            )
            .limit(1)
        ).first()
        if hit is None:
            out.append(
                Flag(
                    "not_accredited",
                    "warning",
                    f"{w.what}: {w.org} holds no accreditation for {w.act_type} valid on {w.date.isoformat()}",
                    record=w.org,
                )
            )
    return out


def _deployment_flags(conn: Connection, work: list[_Work]) -> list[Flag]:
    t = TABLES["deployment"]
    out = []
    for w in work:
        if not (_is_code(w.unit) and w.date):
            continue
        unit_id = repo.ids_for_codes(conn, "unit", [w.unit]).get(w.unit)
        if unit_id is None:
            continue
        rows = conn.execute(
            select(t.c.code, t.c.geom).where(
                t.c.unit == unit_id, t.c.start <= w.date, t.c.end >= w.date, t.c.deleted_at.is_(None)
            )
        ).all()
        if not rows:
            out.append(
                Flag(
                    "not_deployed",
                    "warning",
                    f"{w.what}: team {w.unit} has no deployment covering {w.date.isoformat()}",
                    record=w.unit,
                )
            )
            continue
        regions = [_geom(r.geom) for r in rows]
        if w.where is not None and all(g is not None for g in regions):
            if not any(shapely.intersects(g, w.where) for g in regions):
                out.append(
                    Flag(
                        "not_deployed",
                        "warning",
                        f"{w.what}: team {w.unit} was deployed elsewhere on {w.date.isoformat()} "
                        f"({', '.join(r.code for r in rows)})",
                        record=rows[0].code,
                    )
                )
    return out


def _duplicate_submission_flags(conn: Connection, sub: dict[str, Any]) -> list[Flag]:
    q = (
        select(submission.c.id, submission.c.instance_id, submission.c.status)
        .where(
            submission.c.vals_hash == sub["vals_hash"],
            submission.c.id != sub["id"],
            submission.c.status != Status.REJECTED.value,
        )
        .order_by(submission.c.received_at)
        .limit(5)
    )
    return [
        Flag(
            "duplicate",
            "warning",
            f"same content as submission {r.instance_id} ({r.status})",
            submission=r.id,
        )
        for r in conn.execute(q)
    ]


def _area_overlap_flags(conn: Connection, batches: list[Batch]) -> tuple[list[Flag], list[str]]:
    """New hazardous areas identical to, or overlapping, open areas of the record."""
    out: list[Flag] = []
    near: list[str] = []
    t = TABLES["hazardous_area"]
    for b in batches:
        if b.entity.kind != "hazardous_area":
            continue
        geoms = _geoms(b)
        if geoms is None:
            continue
        for g in geoms:
            if g is None or shapely.is_missing(g) or not shapely.is_valid(g):
                continue
            bbox = tuple(shapely.bounds(g).tolist())
            rows = conn.execute(
                select(t.c.code, t.c.geom).where(
                    repo.bbox_condition(conn, "hazardous_area", bbox),
                    t.c.deleted_at.is_(None),
                    t.c.status == "open",
                )
            ).all()
            if not rows:
                continue
            others = np.array([_geom(r.geom) for r in rows], dtype=object)
            same = shapely.equals(shapely.normalize(others), shapely.normalize(g))
            inter = shapely.intersection(others, g)
            overlap = geodesic_area(inter)
            for r, eq, m2 in zip(rows, same.tolist(), overlap.tolist(), strict=True):
                if eq:
                    out.append(Flag("duplicate", "warning", f"the same polygon as hazardous area {r.code}", r.code))
                    near.append(r.code)
                elif m2 >= MIN_OVERLAP_M2:
                    out.append(
                        Flag("overlap", "warning", f"overlaps hazardous area {r.code} by {m2:,.0f} m²", record=r.code)
                    )
                    near.append(r.code)
    return out, near


# ---- dry run: what approval would write ----------------------------------------------------------


def _dry_run(
    conn: Connection, store: Store, sub: dict[str, Any], batches: list[Batch]
) -> tuple[list[Effect], Flag | None, list[Flag]]:
    """Write the submission's records through the real write path inside a SAVEPOINT of the caller's
    write transaction, read the audit rows that wrote, and roll the SAVEPOINT back: exactly what
    approval would create and change, or why it cannot; and the write path's own warnings (a day's
    work near its team's ceiling, a near duplicate) as flags."""
    from landrelease.service.field_records import write_batches

    txn = repo.new_id()
    with repo.rolled_back(conn):
        try:
            guard = _submitter(conn, store, sub)
            results = write_batches(conn, store.actor, batches, txn=txn, note="dry run", guard=guard)
            warnings = [
                Flag("entry", "warning", f"{r.kind.replace('_', ' ')}: {w}") for r in results for w in r.warnings
            ]
            rows = repo.audit_rows(conn, txn)
            codes = _ref_codes(conn, rows)
        except LandreleaseError as exc:
            return [], Flag("invalid", "error", f"approval would fail: {exc}"), []
    skip = {"id", "version", "created_at", "created_by", "updated_at", "updated_by", "geom", "rem_geom", "attrs"}
    skip |= {"minx", "miny", "maxx", "maxy", "deleted_at", "synthetic"}
    effects: list[Effect] = []
    for r in rows:
        after = {k: codes.get(v, v) if isinstance(v, str) else v for k, v in (r["after"] or {}).items()}
        before = {k: codes.get(v, v) if isinstance(v, str) else v for k, v in (r["before"] or {}).items()}
        if r["action"] == "create":
            changes = {k: (None, v) for k, v in after.items() if k not in skip and v not in (None, "", [])}
            effects.append(Effect("create", r["kind"], r["code"], changes))
        else:
            changes = {k: (before.get(k), after.get(k)) for k in after if k not in skip}
            effects.append(Effect("update", r["kind"], r["code"], changes))
    return effects, None, warnings


_NOT_SHOWN = {"attrs", "synthetic", "code"}


def _planned(batches: list[Batch]) -> list[Effect]:
    """The records a submission would create, read from its parsed answers alone (no write, no lock):
    the preview of a submission not verified yet. Ledger changes (an activity's worked area, an
    area's remaining land) are computed by the write path and shown once it is verified."""
    from landrelease.formats.answers import Link

    out: list[Effect] = []
    for b in batches:
        for i in range(len(b)):
            changes: dict[str, tuple[Any, Any]] = {}
            for name, col in b.columns.items():
                v = col[i] if i < len(col) else None
                if name in _NOT_SHOWN or v in (None, "", []):
                    continue
                changes[name] = (None, str(v) if isinstance(v, Link) else v)
            out.append(Effect("create", b.entity.kind, "(new)", changes))
    return out


def _stored_effects(sub: dict[str, Any]) -> list[Effect]:
    return [
        Effect(e["action"], e["kind"], e["code"], {k: tuple(v) for k, v in (e.get("changes") or {}).items()})
        for e in sub.get("effects") or []
    ]


def _json(value: Any) -> Any:
    return json.loads(json.dumps(value, default=json_default))


def _ref_codes(conn: Connection, rows: list[Any]) -> dict[str, str]:
    """id → code for the references in the dry run's audit rows (a reviewer reads codes, not ids)."""
    from landrelease.domain.model import BY_KIND, FieldType

    wanted: dict[str, set[str]] = {}
    for r in rows:
        e = BY_KIND.get(r["kind"])
        if e is None:
            continue
        for f in e.fields:
            if f.type is FieldType.REF:
                for side in (r["before"] or {}, r["after"] or {}):
                    if isinstance(side.get(f.name), str):
                        wanted.setdefault(f.ref, set()).add(side[f.name])
    out: dict[str, str] = {}
    for kind, ids in wanted.items():
        out.update(repo.codes_for_ids(conn, kind, sorted(ids)))
    return out


# ---- the assessment a reviewer sees -----------------------------------------------------------------


def _features(conn: Connection, batches: list[Batch], linked: list[str]) -> list[dict[str, Any]]:
    feats: list[dict[str, Any]] = []
    for b in batches:
        geoms = _geoms(b)
        if geoms is None:
            continue
        for i, g in enumerate(geoms):
            if g is None or shapely.is_missing(g):
                continue
            feats.append(
                {
                    "type": "Feature",
                    "geometry": json.loads(shapely.to_geojson(g)),
                    "properties": {"role": "submission", "kind": b.entity.kind, "row": i + 1},
                }
            )
    codes = set(linked)
    for b in batches:
        codes |= {c for c in b.columns.get("area", []) or [] if _is_code(c)}
        acts = _fetch(conn, "activity", list(b.columns.get("activity", []) or []), "area")
        codes |= set(repo.codes_for_ids(conn, "hazardous_area", [a.area for a in acts.values() if a.area]).values())
    for code, row in _fetch(conn, "hazardous_area", sorted(codes), "geom", "status").items():
        g = _geom(row.geom)
        if g is not None:
            feats.append(
                {
                    "type": "Feature",
                    "geometry": json.loads(shapely.to_geojson(g)),
                    "properties": {"role": "record", "kind": "hazardous_area", "code": code, "status": row.status},
                }
            )
    return feats


def _flags(
    conn: Connection, sub: dict[str, Any], batches: list[Batch], rules: EntryRules, *, geometry: bool = True
) -> list[Flag]:
    """Every flag of a submission already parsed into ``batches`` (``geometry``: also the geometry
    checks; an approval leaves them to the write path). ``rules``: the entry rules' settings."""
    flags = _geometry_flags(conn, batches) if geometry else []
    flags += _organisation_flags(conn, sub, batches) + _outside_flags(conn, batches, rules)
    work = _work(conn, batches)
    flags += _accreditation_flags(conn, work) + _deployment_flags(conn, work)
    overlap, _ = _area_overlap_flags(conn, batches)
    return flags + overlap + _duplicate_submission_flags(conn, sub)


def assess(store: Store, ref: str) -> Assessment:
    """Everything a reviewer needs on one submission: flags, effects and map features. Read only:
    it takes no write lock (see the module docstring for where the effects come from)."""
    with repo.read_connection(store.engine) as conn:
        sub = _row(conn, resolve(conn, ref))
        try:
            batches = _batches(conn, sub)
        except LandreleaseError as exc:
            flags = [Flag("invalid", "error", str(exc)), *_duplicate_submission_flags(conn, sub)]
            return Assessment(sub, flags, [], [])
        flags = _flags(conn, sub, batches, store.rules)
        _, near = _area_overlap_flags(conn, batches)
        features = _features(conn, batches, near)
    if sub["status"] in (Status.APPROVED.value, Status.REJECTED.value) and sub["flags"] is not None:
        # decided: show the flags the decision was taken on (an approved area would now "duplicate" itself)
        return Assessment(sub, [Flag(**f) for f in sub["flags"]], [], features)
    effects = _planned(batches)
    if sub["status"] == Status.VERIFIED.value and sub.get("effects") is not None:
        effects = _stored_effects(sub)
        failed = [Flag(**f) for f in sub["flags"] or [] if f["check"] == "invalid"]
        if failed and not any(f.blocking for f in flags):
            flags.insert(0, failed[0])
    return Assessment(sub, flags, effects, features)


# ---- decisions ------------------------------------------------------------------------------------


def _allowed(store: Store, predicate: str, what: str) -> None:
    """The store's principal may do this (a store with no principal is the trusted local system)."""
    p = getattr(store, "principal", None)
    if p is None and getattr(store, "system", True):
        return
    from landrelease.auth import policy
    from landrelease.auth.roles import Role
    from landrelease.errors import Forbidden, Unauthenticated

    if p is None:
        raise Unauthenticated(f"sign in to {what}")
    if not getattr(policy, predicate)(p):
        if p.role is Role.PUBLIC:
            raise Unauthenticated(f"sign in to {what}")
        raise Forbidden(f"{p.username} ({p.role.value}) may not {what}")


def check_review(store: Store) -> None:
    """Read the queue and verify: QA officers, IM officers, administrators (`policy.can_review`)."""
    _allowed(store, "can_review", "review field submissions")


def check_approve(store: Store) -> None:
    """Approve or reject: the national authority (`policy.can_approve`)."""
    _allowed(store, "can_approve", "approve or reject field submissions")


def _audit(conn: Connection, sub: dict[str, Any], actor: str, txn: str, before: dict, after: dict, note: str | None):
    """The queue's own trail in the audit table (kind 'submission'), next to the records' rows."""
    repo.audit_event(
        conn,
        at=after.get("decided_at") or after.get("verified_at") or repo.utcnow(),
        actor=actor,
        action=after["status"],
        kind="submission",
        record_id=sub["id"],
        code=f"SUB-{sub['id']}"[:40],
        version=sub["version"] + 1,
        before=before,
        after={k: v for k, v in after.items() if k != "effects"},
        txn=txn,
        note=note,
    )


def _transition(
    conn: Connection, sub: dict[str, Any], actor: str, txn: str, values: dict[str, Any], note: str | None
) -> dict[str, Any]:
    result = conn.execute(
        update(submission)
        .where(and_(submission.c.id == sub["id"], submission.c.version == sub["version"]))
        .values(**values, version=sub["version"] + 1)
    )
    if result.rowcount != 1:
        raise Conflict("the submission was decided by someone else meanwhile; reload it")
    _audit(conn, sub, actor, txn, {"status": sub["status"]}, values, note)
    return {**sub, **values, "version": sub["version"] + 1}


def _load(conn: Connection, ref: str, allowed: tuple[Status, ...], doing: str) -> dict[str, Any]:
    sub = _row(conn, resolve(conn, ref), for_update=True)
    if sub["status"] not in {s.value for s in allowed}:
        need = " or ".join(s.value for s in allowed)
        raise Conflict(f"submission {sub['instance_id']} is {sub['status']}; only a {need} submission can be {doing}")
    return sub


def verify(store: Store, ref: str, *, note: str | None = None) -> dict[str, Any]:
    """First review step: submitted → verified, by the signed-in account (``store.actor``), in one
    transaction: the flags and the dry run of approval (rolled back) are kept with it."""
    check_review(store)
    actor = store.actor
    with repo.write_transaction(store.engine) as conn:
        sub = _load(conn, ref, (Status.SUBMITTED,), "verified")
        effects: list[Effect] = []
        try:
            batches = _batches(conn, sub)
        except LandreleaseError as exc:
            flags = [Flag("invalid", "error", str(exc)), *_duplicate_submission_flags(conn, sub)]
        else:
            flags = _flags(conn, sub, batches, store.rules)
            effects, failure, warnings = _dry_run(conn, store, sub, batches)
            if failure is not None and not any(f.blocking for f in flags):
                flags.insert(0, failure)
            flags += warnings
        values = {
            "status": Status.VERIFIED.value,
            "verified_by": actor,
            "verified_at": repo.utcnow(),
            "flags": [asdict(f) for f in flags],
            "effects": _json([asdict(e) for e in effects]),
        }
        return _transition(conn, sub, actor, repo.new_id(), values, note)


def reject(store: Store, ref: str, *, reason: str) -> dict[str, Any]:
    """submitted | verified → rejected, with the reason (shown to the submitter's organisation), by the
    signed-in account."""
    check_approve(store)
    reason = " ".join((reason or "").split())
    if not reason:
        raise ValidationError("a rejection needs a reason (what is wrong, so the team can correct it)", field="reason")
    with repo.write_transaction(store.engine) as conn:
        sub = _load(conn, ref, (Status.SUBMITTED, Status.VERIFIED), "rejected")
        return _transition(
            conn,
            sub,
            store.actor,
            repo.new_id(),
            {
                "status": Status.REJECTED.value,
                "reason": reason[:2000],
                "decided_by": store.actor,
                "decided_at": repo.utcnow(),
            },
            reason,
        )


def _check_two_people(store: Store, sub: dict[str, Any]) -> None:
    """`two_person`: the account that verified a submission may not approve it too."""
    if two_person(store) and store.principal is not None and sub.get("verified_by") == store.actor:
        from landrelease.errors import Forbidden

        raise Forbidden(
            f"cannot approve submission {sub['instance_id']}: you verified it, and approval needs a second "
            "person (LANDRELEASE_REVIEW_TWO_PERSON); ask another IM officer or administrator"
        )


def approve(store: Store, ref: str, *, note: str | None = None) -> dict[str, Any]:
    """verified → approved: the submission's records and the status change, in ONE transaction.

    The approver is the signed-in account (``store.actor``: every audit row names it). The answers
    are parsed once; the records go through `field_records.write_batches` →
    `service.write.write_batch_in` (the single write path: every rule, the geometry checked there
    once), guarded by the submitter's rights (`_submitter`). Any error rolls everything back: the
    submission stays verified."""
    from landrelease.service.field_records import write_batches

    check_approve(store)
    actor = store.actor
    txn = repo.new_id()
    with repo.write_transaction(store.engine) as conn:
        sub = _load(conn, ref, (Status.VERIFIED,), "approved (verify it first)")
        _check_two_people(store, sub)
        guard = _submitter(conn, store, sub)
        try:
            batches = _batches(conn, sub, check_geometry=False)
        except LandreleaseError as exc:
            raise ValidationError(f"cannot approve: {exc}") from None
        flags = _flags(conn, sub, batches, store.rules, geometry=False)
        blocking = [f for f in flags if f.blocking]
        if blocking:
            raise ValidationError(f"cannot approve: {blocking[0].message}")
        why = f"approved submission {sub['instance_id']} ({sub['form_id']}) sent by {sub['actor']}"
        results = write_batches(conn, actor, batches, txn=txn, note=why if not note else f"{why}: {note}", guard=guard)
        notes = [Flag("geometry", "warning", f"{r.kind.replace('_', ' ')}: {n}") for r in results for n in r.notes]
        return _transition(
            conn,
            sub,
            actor,
            txn,
            {
                "status": Status.APPROVED.value,
                "decided_by": actor,
                "decided_at": repo.utcnow(),
                "records": [c for r in results for c in r.codes],
                "flags": [asdict(f) for f in notes + flags],
            },
            note,
        )
