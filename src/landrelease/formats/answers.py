"""One field submission → record batches, and an ODK submission XML → one flat values dict.

The values dict (the contract between the OpenRosa endpoint, the export reader, the review queue
and this module):

- a flat ``dict[str, str]`` keyed by the XForm path **without the root element**, groups joined by
  "/": ``"accident/date"``, ``"area/haz_type"``, ``"meta/instanceID"``;
- **repeat instances carry a 1-based index on the repeat's own name**, as in an XPath:
  ``"victims[1]/full_name"``, ``"victims[2]/outcome"``, ``"geometry/corners[3]/point"``; a repeat
  nested in a repeat indexes both (``"a[1]/b[2]/c"``). An unindexed key under a repeat is refused
  (it cannot say which instance it belongs to). Indexes need not be contiguous; instances are taken
  in index order;
- values are the XForm's own text: dates ``YYYY-MM-DD``, select_multiple as space-separated codes,
  geopoint ``"lat lon alt acc"``, geoshape ``"lat lon alt acc;lat lon alt acc;…"``, geotrace the
  same as a line — **latitude first**, the reverse of GeoJSON; blank or absent means no answer;
- ``start``/``end`` (form metadata), ``meta/*``, ``formhub/*``, ``__version__`` and keys starting with
  "_" (Kobo export columns) are not answers: they are kept on the records' ``attrs`` or ignored;
  any other key the form does not have is refused, naming it.

`to_batches` turns one submission into record batches in write order, parsing every value with the
model's own field parsers, and raising one `ValidationError` naming the form path of the first
problem. Records made by one submission refer to each other (the victims to their accident) through
`Link` values that only `landrelease.service.field_records.write_batches` can resolve: always write
a submission's batches with it, in one transaction.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np
import shapely

from landrelease.domain import model as m
from landrelease.domain import rules
from landrelease.domain.batch import Batch
from landrelease.domain.vocab import DIRECT_EVIDENCE
from landrelease.errors import ValidationError
from landrelease.formats.xlsform import FORMS, Form, Group, Q, form

__all__ = [
    "Link",
    "Submission",
    "parse_geo",
    "to_batches",
    "values_from_xml",
    "submission_xml",
    "CodeLookup",
]

META_PREFIXES = ("meta/", "formhub/")
META_KEYS = {"start", "end", "today", "deviceid", "__version__"}
_INDEX = re.compile(r"^(?P<name>[^\[\]/]+)\[(?P<i>\d+)\]$")
_RULE_ROW = re.compile(r"^row (?P<row>\d+), (?P<field>\w+): (?P<rest>.*)$", re.S)
_FEATURE_ROW = re.compile(r"^(?:feature|row) (?P<row>\d+)[:,] (?P<rest>.*)$", re.S)
_RELEVANT = re.compile(r"^\$\{(?P<name>\w+)\} = '(?P<value>[^']*)'$")


class Link(str):
    """A reference to another record made by the same submission (row ``row`` of batch ``batch``).

    It is a str so that anything printing a batch shows something readable; `write_batches`
    replaces it by the code the store gave that record. Written any other way it fails as an
    unknown code, never silently."""

    batch: int
    row: int

    def __new__(cls, batch: int, row: int, kind: str) -> Link:
        obj = super().__new__(cls, f"<new {kind.replace('_', ' ')} {row + 1} of this submission>")
        obj.batch = batch
        obj.row = row
        return obj


@dataclass(frozen=True)
class Submission:
    """What `values_from_xml` reads from an ODK submission."""

    form_id: str
    version: str
    instance_id: str
    values: dict[str, str]

    def __iter__(self):  # (form_id, version, instance_id, values), as the brief asks
        return iter((self.form_id, self.version, self.instance_id, self.values))


# ---------------------------------------------------------------------------------------- geo


def _coord_pairs(path: str, text: str, kind: str) -> list[tuple[float, float]]:
    """'lat lon alt acc;…' → [(lon, lat), …], range-checked, latitude first as XForms write them."""
    out: list[tuple[float, float]] = []
    for part in (p.strip() for p in text.strip().rstrip(";").split(";")):
        nums = part.replace(",", " ").split()
        try:
            numbers = [float(x) for x in nums]
        except ValueError:
            numbers = []
        if len(numbers) < 2 or len(numbers) > 4 or not all(np.isfinite(numbers)):
            raise ValidationError(
                f"'{part}' is not an XForm {kind} point 'latitude longitude altitude accuracy' "
                "(numbers, latitude first)",
                field=path,
            )
        lat, lon = numbers[0], numbers[1]
        if abs(lat) > 90:
            swapped = (
                " — it looks like longitude latitude (GeoJSON order); XForm values are latitude first"
                if (abs(lon) <= 90)
                else ""
            )
            raise ValidationError(f"latitude {lat:g} in '{part}' is outside -90..90{swapped}", field=path)
        if abs(lon) > 180:
            raise ValidationError(f"longitude {lon:g} in '{part}' is outside -180..180", field=path)
        out.append((lon, lat))
    return out


def parse_geo(path: str, text: str, qtype: str) -> shapely.Geometry:
    """An XForm geo value as a WGS84 shapely geometry in lon/lat order (GeoJSON's, not the XForm's).

    geopoint → Point; geotrace → LineString (≥ 2 points); geoshape → Polygon (≥ 3 distinct points,
    closed here when the device did not repeat the first point)."""
    pts = _coord_pairs(path, text, qtype)
    if qtype == "geopoint":
        if len(pts) != 1:
            raise ValidationError(
                f"a geopoint is one 'latitude longitude altitude accuracy', got {len(pts)} points", field=path
            )
        return shapely.Point(pts[0])
    distinct = list(dict.fromkeys(pts))
    if qtype == "geotrace":
        if len(distinct) < 2:
            raise ValidationError("a line needs at least 2 different points", field=path)
        return shapely.LineString(pts)
    if len(distinct) < 3:
        raise ValidationError(f"a shape needs at least 3 different points, got {len(distinct)}", field=path)
    if pts[0] != pts[-1]:
        pts.append(pts[0])
    return shapely.Polygon(pts)


# ------------------------------------------------------------------------------ values → tree


@dataclass
class _Scope:
    """One record's worth of answers: the form's top level, or one repeat instance."""

    index: str  # "" for the top level, "victims[2]" for an instance
    answers: dict[str, str]  # unindexed question path → value
    children: dict[str, list[_Scope]]  # repeat path → instances in index order


def _split(frm: Form, values: Mapping[str, Any]) -> tuple[_Scope, dict[str, str]]:
    questions = frm.questions
    repeats = frm.repeats
    top = _Scope("", {}, {})
    meta: dict[str, str] = {}
    # (repeat path tuple of (path, index)) → scope
    scopes: dict[tuple[tuple[str, int], ...], _Scope] = {(): top}

    for key, raw in values.items():
        if not isinstance(key, str):
            raise ValidationError(f"value keys are form paths (text), got {key!r}", field="values")
        value = "" if raw is None else (raw if isinstance(raw, str) else _text(raw))
        if key in META_KEYS or key.startswith(META_PREFIXES) or key.startswith("_"):
            meta[key] = value
            continue
        parts = key.split("/")
        plain: list[str] = []
        chain: list[tuple[str, int]] = []
        for part in parts:
            hit = _INDEX.match(part)
            name = hit["name"] if hit else part
            plain.append(name)
            here = "/".join(plain)
            if here in repeats:
                if not hit:
                    raise ValidationError(
                        f"'{here}' is a repeat: index its instances, e.g. {here}[1]/{'/'.join(parts[len(plain) :])}",
                        field=key,
                    )
                index = int(hit["i"])
                if index < 1:
                    raise ValidationError("repeat indexes start at 1", field=key)
                chain.append((here, index))
            elif hit:
                raise ValidationError(f"'{here}' is not a repeat of form {frm.form_id}; drop the [index]", field=key)
        path = "/".join(plain)
        if path not in questions:
            # Kobo's optional one-column-per-choice export of select_multiple: "group/q/choice" = 1/0
            parent = path.rpartition("/")[0]
            if parent in questions and frm.question_type(parent).startswith("select_multiple "):
                continue
            raise ValidationError(f"form {frm.form_id} (version {frm.version}) has no question '{path}'", field=key)
        # the repeats a question is inside must be the ones the key indexed
        enclosing = [r for r in repeats if path.startswith(r + "/")]
        if len(enclosing) != len(chain):
            raise ValidationError(f"'{path}' is inside repeat(s) {', '.join(enclosing)}: index them", field=key)
        scope = top
        for depth in range(1, len(chain) + 1):
            k = tuple(chain[:depth])
            if k not in scopes:
                rpath, idx = chain[depth - 1]
                label, done = "", ""
                for rp, i in chain[:depth]:  # "a[1]/grp/b[2]": each repeat's path after the previous one
                    label += rp[len(done) :] + f"[{i}]"
                    done = rp
                new = _Scope(label, {}, {})
                scopes[k] = new
                parent_scope = scopes[k[:-1]]
                parent_scope.children.setdefault(rpath, []).append(new)
                new.answers["__order__"] = str(idx)
            scope = scopes[k]
        scope.answers[path] = value
    for scope in scopes.values():
        for items in scope.children.values():
            items.sort(key=lambda s: int(s.answers.get("__order__", "0")))
    return top, meta


def _text(raw: Any) -> str:
    if isinstance(raw, float) and raw.is_integer():
        return str(int(raw))
    if isinstance(raw, dt.datetime):
        return raw.isoformat()
    if isinstance(raw, dt.date):
        return raw.isoformat()
    return str(raw)


# --------------------------------------------------------------------------------- the reader


class _Reader:
    """Reads one form's answers with the model's parsers; every error names the form path."""

    def __init__(self, frm: Form, top: _Scope, meta: dict[str, str], lookup: CodeLookup | None) -> None:
        self.frm = frm
        self.top = top
        self.meta = meta
        self.lookup = lookup
        self.by_name = {p.rsplit("/", 1)[-1]: p for p in frm.questions}
        self.where: dict[str, tuple[Q, m.Entity, Group | None]] = {
            p: (q, ent, rep) for p, q, ent, rep in frm.walk() if isinstance(q, Q)
        }
        self.groups: dict[str, Group] = {p: g for p, g, _, _ in frm.walk() if isinstance(g, Group)}
        # (kind, repeat index, field) → the values key it came from, to name questions in rule errors
        self.origin: dict[tuple[str, str, str], str] = {}
        self.geom_key: dict[tuple[str, str], str] = {}  # (kind, repeat index) → question of the record's geometry

    # -- helpers

    def key(self, scope: _Scope, path: str) -> str:
        """The values key of a question in a scope (with the repeat index), for error messages."""
        if not scope.index:
            return path
        rep_path = max((r for r in self.frm.repeats if path.startswith(r + "/")), key=len)
        return f"{scope.index}/{path[len(rep_path) + 1 :]}"

    def raw(self, scope: _Scope, path: str) -> str | None:
        if not self.relevant(scope, path):
            return None
        text = scope.answers.get(path)
        if text is None or not text.strip():
            return None
        return text.strip()

    def relevant(self, scope: _Scope, path: str) -> bool:
        """The form's relevance, for the one pattern the forms use: ${name} = 'value' (on the question
        or an enclosing group). A question ODK Collect skipped is blank, whatever a client sent."""
        exprs = []
        q = self.where.get(path)
        if q and q[0].relevant:
            exprs.append(q[0].relevant)
        parts = path.split("/")
        for i in range(1, len(parts)):
            g = self.groups.get("/".join(parts[:i]))
            if g and g.relevant:
                exprs.append(g.relevant)
        for expr in exprs:
            hit = _RELEVANT.match(expr)
            if not hit:  # a declaration the reader cannot evaluate: caught by the tests
                raise AssertionError(f"cannot evaluate relevant={expr!r}")
            other = self.by_name[hit["name"]]
            value = scope.answers.get(other, self.top.answers.get(other, "")) or self.default(other)
            if (value or "").strip() != hit["value"]:
                return False
        return True

    def default(self, path: str) -> str:
        q = self.where[path][0]
        return q.default if q.default and q.default != "today()" else ""

    def required(self, scope: _Scope, path: str) -> str:
        text = self.raw(scope, path)
        if text is None:
            raise ValidationError("is required", field=self.key(scope, path))
        return text

    def geo(self, scope: _Scope, path: str, *, required: bool = False) -> shapely.Geometry | None:
        text = self.raw(scope, path)
        if text is None:
            if required:
                raise ValidationError(
                    "is required: a location (latitude longitude altitude accuracy)", field=self.key(scope, path)
                )
            return None
        return parse_geo(self.key(scope, path), text, self.frm.question_type(path))

    def code(self, scope: _Scope, path: str, kind: str) -> str | None:
        text = self.raw(scope, path)
        if text is None:
            return None
        ent = m.BY_KIND[kind]
        code = text.strip().upper()
        if not code.startswith(f"{ent.prefix}-"):
            raise ValidationError(
                f"'{text}' is not {_a(kind)} code (they start with {ent.prefix}-, e.g. {ent.prefix}-2026-000123)",
                field=self.key(scope, path),
            )
        if self.lookup is not None:
            self.lookup.check(kind, code, self.key(scope, path))
        return code

    def record(self, scope: _Scope, ent: m.Entity, repeat: Group | None) -> dict[str, Any]:
        """Every question of this scope that fills a field of ``ent``, parsed by the model."""
        rec: dict[str, Any] = {}
        for path, (q, q_ent, q_rep) in self.where.items():
            if q_rep is not repeat or q_ent is not ent:
                continue
            required = q.required if q.required is not None else None
            if q.field is None:
                if required and self.relevant(scope, path) and q.type not in ("geopoint", "geoshape", "geotrace"):
                    self.required(scope, path)
                continue
            f = ent.field(q.field)
            self.origin[(ent.kind, scope.index, f.name)] = self.key(scope, path)
            text = self.raw(scope, path)
            if text is None and required and self.relevant(scope, path):
                raise ValidationError("is required", field=self.key(scope, path))
            if f.type is m.FieldType.REF:
                rec[f.name] = self.code(scope, path, f.ref or "")
                if rec[f.name] is None and f.required:
                    raise ValidationError("is required", field=self.key(scope, path))
                continue
            if f.type is m.FieldType.VOCAB_LIST and text is not None:
                text = ",".join(text.split())  # select_multiple: space-separated codes
            try:
                rec[f.name] = f.parse(text)
            except ValidationError as exc:
                raise ValidationError(exc.message, field=self.key(scope, path)) from None
        return rec

    def attrs(self, scope: _Scope) -> dict[str, Any]:
        out: dict[str, Any] = {"form": self.frm.form_id}
        version = self.meta.get("__version__") or self.meta.get("_version")
        if version:
            out["form_version"] = version
        instance = self.meta.get("meta/instanceID") or self.meta.get("_uuid")
        if instance:
            out["instance_id"] = instance
        for k in ("start", "end"):
            if self.meta.get(k):
                out[k] = self.meta[k]
        if scope.index:
            out["repeat"] = scope.index
        return out


def _a(kind: str) -> str:
    word = kind.replace("_", " ")
    return ("an " if word[0] in "aeiou" else "a ") + word


class CodeLookup(Protocol):
    """What `to_batches` asks of the record while reading a submission (implemented in the service:
    `landrelease.service.field_records.StoreLookup`), so this module reads answers with no I/O."""

    def check(self, kind: str, code: str, path: str) -> None:
        """Raise a `ValidationError` naming ``path`` when no ``kind`` record has ``code``."""

    def area_of_activity(self, code: str) -> str | None:
        """The code of the hazardous area of the activity ``code`` (None: unknown or none)."""


# -------------------------------------------------------------------------------- per form


def _batch(ent: m.Entity, records: list[dict[str, Any]], geoms: list[Any] | None) -> Batch:
    names: list[str] = []
    for r in records:
        for k in r:
            if k not in names:
                names.append(k)
    cols = {n: [r.get(n) for r in records] for n in names}
    arr = None
    if ent.geom is not None:
        arr = np.empty(len(records), dtype=object)
        arr[:] = geoms if geoms is not None else [None] * len(records)
    return Batch(entity=ent, columns=cols, geoms=arr)


def _repeat_records(rd: _Reader, rep_path: str, ent: m.Entity) -> tuple[list[_Scope], list[dict[str, Any]]]:
    group = rd.frm.repeats[rep_path]
    scopes = rd.top.children.get(rep_path, []) if rd.relevant(rd.top, rep_path + "/") else []
    return scopes, [{**rd.record(s, ent, group), "attrs": rd.attrs(s)} for s in scopes]


def _hazard_area(rd: _Reader) -> list[Batch]:
    top = rd.top
    rec = rd.record(top, m.HAZARDOUS_AREA, None)
    rec["status"] = "open"  # a field report creates an open area; closing is land release's business
    if rec.get("haz_type") == "cha" and not set(rec.get("evidence") or ()) & {e.value for e in DIRECT_EVIDENCE}:
        allowed = ", ".join(sorted(e.value for e in DIRECT_EVIDENCE))
        raise ValidationError(
            f"a confirmed hazardous area (CHA) rests on direct evidence (IMAS 07.11): record one of {allowed}",
            field="area/evidence",
        )
    method = rd.required(top, "geometry/method")
    if method == "shape":
        geom = rd.geo(top, "geometry/perimeter", required=True)
        rd.geom_key[("hazardous_area", "")] = "geometry/perimeter"
    elif method == "points":
        corners = top.children.get("geometry/corners", [])
        pts = []
        for s in corners:
            p = rd.geo(s, "geometry/corners/point", required=True)
            pts.append((p.x, p.y))
        distinct = list(dict.fromkeys(pts))
        if len(distinct) < 3:
            raise ValidationError(
                f"walk at least 3 different turning points to make a perimeter (got {len(distinct)})",
                field="geometry/corners",
            )
        geom = shapely.Polygon(pts + ([pts[0]] if pts[0] != pts[-1] else []))
        rd.geom_key[("hazardous_area", "")] = "geometry/corners"
    else:
        raise ValidationError(f"'{method}' is not shape or points", field="geometry/method")
    bm = rd.geo(top, "geometry/benchmark")
    if bm is not None:
        rec["bm_lon"], rec["bm_lat"] = bm.x, bm.y
    rec["attrs"] = rd.attrs(top)
    return [_batch(m.HAZARDOUS_AREA, [rec], [geom])]


def _progress(rd: _Reader) -> list[Batch]:
    top = rd.top
    rec = rd.record(top, m.PROGRESS, None)
    scopes, finds = _repeat_records(rd, "items", m.EO_FIND)
    if rec.get("finds") is None and finds:
        rec["finds"] = sum(int(f.get("quantity") or 1) for f in finds)
    rec["attrs"] = rd.attrs(top)
    out = [_batch(m.PROGRESS, [rec], None)]
    if finds:
        area = rd.lookup.area_of_activity(rec["activity"]) if rd.lookup is not None else None
        geoms = [rd.geo(s, "items/location", required=True) for s in scopes]
        rd.geom_key.update({("eo_find", s.index): rd.key(s, "items/location") for s in scopes})
        for f in finds:
            f["date"] = rec["date"]
            f["activity"] = rec["activity"]
            f["area"] = area
        out.append(_batch(m.EO_FIND, finds, geoms))
    return out


def _eo_find(rd: _Reader) -> list[Batch]:
    top = rd.top
    kind = rd.required(top, "task/kind")
    rec = rd.record(top, m.EO_FIND, None)
    geom = rd.geo(top, "find/location", required=True)
    rd.geom_key[("eo_find", "")] = "find/location"
    rec["attrs"] = rd.attrs(top)
    if kind == "activity":
        return [_batch(m.EO_FIND, [rec], [geom])]
    if kind != "spot_task":
        raise ValidationError(f"'{kind}' is not activity or spot_task", field="task/kind")
    # An EOD spot task is an activity of its own (MDR): one day, completed, at the find's location.
    task = {
        "act_type": "eod",
        "status": "completed",
        "area": rec.get("area"),
        "org": rd.code(top, "task/org", "organisation"),
        "unit": rd.code(top, "task/unit", "unit"),
        "start": rec["date"],
        "end": rec["date"],
        "ref_lon": geom.x,
        "ref_lat": geom.y,
        "attrs": rd.attrs(top),
    }
    if task["org"] is None:
        raise ValidationError("is required for a spot task", field="task/org")
    rec["activity"] = Link(0, 0, "activity")
    return [_batch(m.ACTIVITY, [task], [None]), _batch(m.EO_FIND, [rec], [geom])]


def _accident(rd: _Reader) -> list[Batch]:
    top = rd.top
    rec = rd.record(top, m.ACCIDENT, None)
    geom = rd.geo(top, "accident/location", required=True)
    rd.geom_key[("accident", "")] = "accident/location"
    _, victims = _repeat_records(rd, "victims", m.VICTIM)
    if victims:
        rec["killed"] = sum(1 for v in victims if v.get("outcome") == "killed")
        rec["injured"] = sum(1 for v in victims if v.get("outcome") == "injured")
    rec["attrs"] = rd.attrs(top)
    out = [_batch(m.ACCIDENT, [rec], [geom])]
    if victims:
        for v in victims:
            v["accident"] = Link(0, 0, "accident")
        out.append(_batch(m.VICTIM, victims, None))
    return out


def _risk_education(rd: _Reader) -> list[Batch]:
    rec = rd.record(rd.top, m.RISK_EDUCATION, None)
    geom = rd.geo(rd.top, "session/location", required=True)
    rd.geom_key[("risk_education", "")] = "session/location"
    rec["attrs"] = rd.attrs(rd.top)
    return [_batch(m.RISK_EDUCATION, [rec], [geom])]


def _qa_visit(rd: _Reader) -> list[Batch]:
    rec = rd.record(rd.top, m.QA_VISIT, None)
    geom = rd.geo(rd.top, "visit/location")
    rd.geom_key[("qa_visit", "")] = "visit/location"
    rec["attrs"] = rd.attrs(rd.top)
    out = [_batch(m.QA_VISIT, [rec], [geom])]
    _, ncs = _repeat_records(rd, "nonconformities", m.NONCONFORMITY)
    if ncs:
        for nc in ncs:
            nc["visit"] = Link(0, 0, "qa_visit")
        out.append(_batch(m.NONCONFORMITY, ncs, None))
    return out


_CONVERTERS = {
    "lr_hazard_area": _hazard_area,
    "lr_progress": _progress,
    "lr_eo_find": _eo_find,
    "lr_accident": _accident,
    "lr_risk_education": _risk_education,
    "lr_qa_visit": _qa_visit,
}
assert set(_CONVERTERS) == set(FORMS), "every form needs a converter"


def to_batches(
    form_id: str, values: Mapping[str, Any], lookup: CodeLookup | None = None, *, check_geometry: bool = True
) -> list[Batch]:
    """One submission's values → record batches in write order (written by
    `landrelease.service.field_records.write_batches`).

    ``lookup``, when given, checks every code the submission names against the record (hazard area,
    activity, team, organisation) so the error names the form question, and fills in what the record
    knows (the hazardous area of a reported activity). Without it, codes are only checked for their
    form; the write checks them again anyway. `landrelease.service.field_records.to_batches` passes
    one that reads the store. ``check_geometry`` False leaves the geometry check (validity, vertices,
    zero area) to the write path, when the batches are written at once (an approval): checked once.
    """
    frm = form(form_id)
    if not isinstance(values, Mapping):
        raise ValidationError("a submission's values are a mapping of form path → text", field="values")
    top, meta = _split(frm, values)
    reader = _Reader(frm, top, meta, lookup)
    batches = _CONVERTERS[frm.form_id](reader)
    for batch in batches:  # the record rules (counts not negative, dates forwards…), named by question
        try:
            rules.check_batch(batch)
        except ValidationError as exc:
            hit = _RULE_ROW.match(exc.message)
            if hit is None:
                raise
            attrs = batch.column("attrs")[int(hit["row"]) - 1] or {}
            key = reader.origin.get((batch.entity.kind, attrs.get("repeat", ""), hit["field"]))
            if key is None:
                raise
            raise ValidationError(hit["rest"], field=key) from None
        if check_geometry:
            _check_geometry(batch, reader)
    return batches


def _check_geometry(batch: Batch, reader: _Reader) -> None:
    """The store's geometry gate (validity, vertices, zero area…) now, so the error names the question.
    Swapped axes are checked against the record's region when the batch is written."""
    ent = batch.entity
    if ent.geom is None or batch.geoms is None:
        return
    from landrelease.geo.checks import prepare

    try:
        prepare(batch.geoms, ent.geom, required=ent.geom_required, kind=ent.plural.replace("_", " "))
    except ValidationError as exc:
        hit = _FEATURE_ROW.match(exc.message)
        row = int(hit["row"]) - 1 if hit else 0
        attrs = batch.column("attrs")[row] or {}
        key = reader.geom_key.get((ent.kind, attrs.get("repeat", "")))
        if key is None:
            raise
        raise ValidationError(hit["rest"] if hit else exc.message, field=key) from None


# ---------------------------------------------------------------------------------------- XML


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def values_from_xml(xml: bytes | str) -> Submission:
    """An ODK submission (the ``xml_submission_file``) → (form_id, version, instance_id, values).

    The root's ``id`` and ``version`` attributes name the form; leaves become values keyed by their
    path without the root; elements of a repeat get their 1-based position (``victims[2]/…``);
    namespaces are dropped (``orx:meta`` reads as ``meta``)."""
    from defusedxml import ElementTree
    from defusedxml.common import DefusedXmlException

    try:
        root = ElementTree.fromstring(xml)
    except (ElementTree.ParseError, DefusedXmlException) as exc:
        raise ValidationError(f"the submission is not well-formed XML: {exc}", field="xml_submission_file") from None
    form_id = (root.get("id") or "").strip()
    if not form_id:
        raise ValidationError("the submission's root element has no id attribute (the form id)", field="id")
    frm = form(form_id)
    version = (root.get("version") or "").strip()
    repeats = frm.repeats
    groups = {p for p, g, _, _ in frm.walk() if isinstance(g, Group)}
    values: dict[str, str] = {}

    def walk(el: Any, key_prefix: str, plain_prefix: str) -> None:
        seen: dict[str, int] = {}
        for child in el:
            if not isinstance(child.tag, str):  # comments, processing instructions
                continue
            name = _local(child.tag)
            plain = f"{plain_prefix}{name}"
            if plain in repeats:
                seen[name] = seen.get(name, 0) + 1
                key = f"{key_prefix}{name}[{seen[name]}]"
            else:
                key = f"{key_prefix}{name}"
            if len(child):
                walk(child, key + "/", plain + "/")
            elif plain not in groups:  # an empty group or repeat element holds no answer
                values[key] = (child.text or "").strip()

    walk(root, "", "")
    instance_id = values.get("meta/instanceID", "").strip()
    if not instance_id:
        raise ValidationError("the submission has no meta/instanceID", field="meta/instanceID")
    return Submission(frm.form_id, version, instance_id, values)


def submission_xml(form_id: str, values: Mapping[str, str]) -> bytes:
    """The submission ODK Collect would send for these values: the form's own primary instance
    (from its XForm), filled in, repeat instances cloned from the template. For tests, load runs and
    replaying exports through the OpenRosa endpoint."""
    import xml.etree.ElementTree as ET

    frm = form(form_id)
    from landrelease.formats.xlsform import xform_xml

    xf = ET.fromstring(xform_xml(frm.form_id))
    ns = {"x": "http://www.w3.org/2002/xforms", "h": "http://www.w3.org/1999/xhtml"}
    instance = xf.find("h:head/x:model/x:instance", ns)
    assert instance is not None
    template_root = next(iter(instance))
    jr_template = "{http://openrosa.org/javarosa}template"

    def fill(tmpl: Any, key_prefix: str, plain_prefix: str) -> Any:
        # ODK Collect writes the instance without the XForms default namespace
        out = ET.Element(_local(tmpl.tag), {k: v for k, v in tmpl.attrib.items() if k != jr_template})
        done: set[str] = set()
        for child in tmpl:
            name = _local(child.tag)
            plain = f"{plain_prefix}{name}"
            if plain in frm.repeats:
                if name in done:
                    continue
                done.add(name)
                template = next((c for c in tmpl if _local(c.tag) == name and c.get(jr_template) is not None), child)
                indexes = sorted(
                    {
                        int(k[len(key_prefix) + len(name) + 1 :].split("]", 1)[0])
                        for k in values
                        if k.startswith(f"{key_prefix}{name}[")
                    }
                )
                for i in indexes:
                    out.append(fill(template, f"{key_prefix}{name}[{i}]/", plain + "/"))
            elif len(child):
                out.append(fill(child, f"{key_prefix}{name}/", plain + "/"))
            else:
                leaf = ET.SubElement(out, _local(child.tag))
                leaf.text = values.get(f"{key_prefix}{name}", "") or None
        return out

    root = fill(template_root, "", "")
    root.set("xmlns:jr", "http://openrosa.org/javarosa")
    root.set("xmlns:orx", "http://openrosa.org/xforms")
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)
