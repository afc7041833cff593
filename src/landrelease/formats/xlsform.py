"""The field forms: XLSForms for ODK Collect and KoboToolbox, built from the record model.

Every question that fills a record field takes its type, label, required flag and choice list from
`landrelease.domain.model` and `landrelease.domain.vocab` — there is no second copy of a vocabulary.
A form is declared once here as a tree of questions and groups; from that one declaration come:

- the XLSForm sheets (`sheets`), written as .xlsx by `build` (openpyxl) for KoboToolbox or ODK
  Central upload;
- the XForm XML (`xform_xml`), converted by pyxform with no file I/O, served by the OpenRosa
  endpoints (`/odk/formList`, form download);
- the structure `landrelease.formats.answers` reads submissions with (paths, repeats, geo questions).

Labels are English (``label::English (en)``); more languages come from a translation table keyed by
the English text (`load_translations`), so one translation of "Date found" serves every form.
A text with no translation falls back to the English one, so a partial translation still builds.

Personal data (victims' name, date of birth, address) is flagged in the form: its label says
"(personal data)" and its bind carries ``lr:personal="true"`` so a server can tell it apart.

Versions: ``FORM_VERSION`` per form, a date-like string that only ever grows (ODK Collect and Central
compare versions as text). Change it whenever the form's questions change: the version is the key
under which submissions are read back.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from landrelease.domain import model as m
from landrelease.domain import vocab as v
from landrelease.errors import ValidationError

ENGLISH = "English (en)"
PERSONAL_NS = "https://landrelease.org/xforms"
YES_NO = "yes_no"
YES_NO_LABELS = {"yes": "Yes", "no": "No"}

Translations = Mapping[str, Mapping[str, str]]  # language → {English text: translated text}


# --------------------------------------------------------------------------------- declarations


@dataclass(frozen=True)
class Q:
    """A question. With ``field`` set, type/label/required/choices come from that model field of the
    enclosing record (the form's entity, or the repeat's); anything given here overrides them."""

    name: str
    field: str | None = None
    type: str | None = None
    label: str | None = None
    hint: str | None = None
    required: bool | None = None
    relevant: str | None = None
    constraint: str | None = None
    constraint_message: str | None = None
    default: str | None = None
    appearance: str | None = None
    calculation: str | None = None
    parameters: str | None = None


@dataclass(frozen=True)
class Group:
    """A group (``repeat=False``) or a repeat group. A repeat whose ``entity`` is set makes one record
    of that kind per instance; its questions' ``field`` names are fields of that entity."""

    name: str
    label: str
    children: tuple[Q | Group, ...]
    repeat: bool = False
    entity: m.Entity | None = None
    relevant: str | None = None
    appearance: str | None = None


@dataclass(frozen=True)
class Form:
    form_id: str
    version: str
    title: str
    entity: m.Entity  # the main record this form makes
    children: tuple[Q | Group, ...]
    doc: str = ""

    # ---- structure, for reading submissions

    def walk(self) -> Iterator[tuple[str, Q | Group, m.Entity, Group | None]]:
        """(path, element, entity of the enclosing record, enclosing repeat) for every element,
        depth first, paths joined by "/" without the root and without repeat indexes."""

        def rec(prefix: str, items: tuple[Q | Group, ...], ent: m.Entity, rep: Group | None):
            for item in items:
                path = f"{prefix}{item.name}"
                yield path, item, ent, rep
                if isinstance(item, Group):
                    inner_ent = item.entity if (item.repeat and item.entity is not None) else ent
                    yield from rec(path + "/", item.children, inner_ent, item if item.repeat else rep)

        yield from rec("", self.children, self.entity, None)

    @property
    def questions(self) -> dict[str, Q]:
        return {p: q for p, q, _, _ in self.walk() if isinstance(q, Q)}

    @property
    def repeats(self) -> dict[str, Group]:
        return {p: g for p, g, _, _ in self.walk() if isinstance(g, Group) and g.repeat}

    def question_type(self, path: str) -> str:
        for p, q, ent, _ in self.walk():
            if p == path and isinstance(q, Q):
                return _question_type(q, ent)
        raise KeyError(path)


# ---------------------------------------------------------------------------------- the forms

_NON_NEGATIVE = ". >= 0"
_TODAY = "today()"


def _code_q(name: str, ref_kind: str, fld: str | None = None, **kw: Any) -> Q:
    """A question for a record code (hazard area, activity, team, organisation): typed text, checked
    for the code's prefix here and against the record when the submission is applied. ``fld`` is the
    model field it fills on the enclosing record (None when the converter places it itself)."""
    ref = m.BY_KIND[ref_kind]
    hint = kw.pop("hint", None) or f"The {ref.kind.replace('_', ' ')} code, e.g. {ref.prefix}-2026-000123"
    if fld is None:
        kw.setdefault("type", "text")
    return Q(
        name,
        field=fld,
        hint=hint,
        constraint=f"regex(., '^({ref.prefix}|{ref.prefix.lower()})-.+$')",
        constraint_message=f"{_article(ref.kind)} {ref.kind.replace('_', ' ')} code starts with {ref.prefix}-",
        **kw,
    )


def _article(word: str) -> str:
    return "An" if word[:1].lower() in "aeiou" else "A"


def _meta() -> tuple[Q, ...]:
    return (Q("start", type="start"), Q("end", type="end"))


def _eo_item(*extra: Q) -> tuple[Q, ...]:
    """The questions of one EO item (a progress report's repeat, an EO find's group); `extra` go before the
    location."""
    return (
        Q("category", field="category"),
        Q("model", field="model"),
        Q("condition", field="condition"),
        Q("depth_cm", field="depth_cm", constraint=_NON_NEGATIVE),
        Q("quantity", field="quantity", default="1", constraint=". >= 1"),
        Q("disposal", field="disposal"),
        *extra,
        Q("location", type="geopoint", label="Location of the find", required=True),
    )


HA = m.HAZARDOUS_AREA
ACT = m.ACTIVITY
PR = m.PROGRESS
EO = m.EO_FIND
ACC = m.ACCIDENT
VIC = m.VICTIM
RE = m.RISK_EDUCATION
QAV = m.QA_VISIT
NC = m.NONCONFORMITY

#: IMAS 07.11: a CHA rests on direct evidence (`vocab.DIRECT_EVIDENCE`), checked on the phone too.
_CHA_EVIDENCE = "${haz_type} != 'cha' or " + " or ".join(
    f"selected(., '{e.value}')" for e in sorted(v.DIRECT_EVIDENCE, key=lambda e: e.value)
)

HAZARD_AREA = Form(
    "lr_hazard_area",
    "2026120401",
    "Hazardous area report",
    HA,
    (
        *_meta(),
        Group(
            "area",
            "Hazardous area",
            (
                Q("name", field="name"),
                Q("haz_type", field="haz_type"),
                Q(
                    "evidence",
                    field="evidence",
                    constraint=_CHA_EVIDENCE,
                    constraint_message="A confirmed hazardous area rests on direct evidence: "
                    + ", ".join(sorted(e.label for e in v.DIRECT_EVIDENCE)),
                ),
                Q("evid_desc", field="evid_desc", appearance="multiline"),
                Q("dev_susp", field="dev_susp"),
                Q("dev_conf", field="dev_conf", relevant="${haz_type} = 'cha'"),
                Q("land_use", field="land_use"),
                Q("blockages", field="blockages"),
                Q("terrain", field="terrain"),
                Q("benef_exp", field="benef_exp"),
                Q("reported", field="reported", default=_TODAY, required=True),
                _code_q("org", "organisation", "org", required=True),
            ),
        ),
        Group(
            "place",
            "Location",
            (
                Q("admin1", field="admin1"),
                Q("admin2", field="admin2"),
                Q("settlement", field="settlement"),
            ),
        ),
        Group(
            "geometry",
            "Perimeter",
            (
                Q(
                    "method",
                    type="select_one perimeter_method",
                    label="How is the perimeter recorded?",
                    required=True,
                    default="shape",
                ),
                Q(
                    "perimeter",
                    type="geoshape",
                    label="Perimeter (draw or walk it on the map)",
                    relevant="${method} = 'shape'",
                    required=True,
                ),
                Group(
                    "corners",
                    "Turning point",
                    (Q("point", type="geopoint", label="Turning point (stand on it)", required=True),),
                    repeat=True,
                    relevant="${method} = 'points'",
                ),
                Q(
                    "benchmark",
                    type="geopoint",
                    label="Benchmark point",
                    hint="The fixed point the perimeter is measured from (MDR benchmark)",
                ),
            ),
        ),
    ),
    doc="A new suspected or confirmed hazardous area (non-technical survey), perimeter as a shape or walked points.",
)

PROGRESS = Form(
    "lr_progress",
    "2026112201",
    "Daily progress report",
    PR,
    (
        *_meta(),
        Group(
            "report",
            "Daily progress",
            (
                _code_q("activity", "activity", "activity", required=True),
                _code_q("unit", "unit", "unit", label="Team"),
                Q("date", field="date", default=_TODAY),
                Q("worked_m2", field="worked_m2", constraint=_NON_NEGATIVE),
                Q("deminers", field="deminers", constraint=_NON_NEGATIVE),
                Q("hours", field="hours", constraint=". >= 0 and . <= 24"),
                Q(
                    "finds",
                    field="finds",
                    constraint=_NON_NEGATIVE,
                    hint="Leave blank to count the items recorded below",
                ),
            ),
        ),
        Group(
            "items",
            "EO item found",
            _eo_item(),
            repeat=True,
            entity=EO,
        ),
    ),
    doc="One team's day on one activity: area worked, people, hours, and each EO item found.",
)

EO_FIND = Form(
    "lr_eo_find",
    "2026112202",
    "EO find / spot task",
    EO,
    (
        *_meta(),
        Group(
            "task",
            "Task",
            (
                Q(
                    "kind",
                    type="select_one find_task",
                    label="Found during",
                    required=True,
                    default="activity",
                ),
                _code_q("activity", "activity", "activity", relevant="${kind} = 'activity'", required=True),
                _code_q("area", "hazardous_area", "area"),
                _code_q("org", "organisation", label="Organisation", relevant="${kind} = 'spot_task'", required=True),
                _code_q("unit", "unit", label="Team", relevant="${kind} = 'spot_task'"),
            ),
        ),
        Group(
            "find",
            "EO item",
            _eo_item(Q("date", field="date", default=_TODAY)),
        ),
    ),
    doc="An EO item found during an activity, or an EOD spot task (which makes its own EOD activity).",
)

ACCIDENT = Form(
    "lr_accident",
    "2026112201",
    "Accident and victims",
    ACC,
    (
        *_meta(),
        Group(
            "accident",
            "Accident",
            (
                Q("date", field="date"),
                Q("acc_type", field="acc_type"),
                Q("category", field="category"),
                _code_q("area", "hazardous_area", "area"),
                _code_q("activity", "activity", "activity", relevant="${acc_type} = 'demining'"),
                Q("descr", field="descr", appearance="multiline"),
                Q("location", type="geopoint", label="Accident location", required=True),
            ),
        ),
        Group(
            "victims",
            "Victim",
            (
                Q("full_name", field="full_name"),
                Q("gender", field="gender"),
                Q("birth_date", field="birth_date"),
                Q("age", field="age", constraint=". >= 0 and . <= 120"),
                Q("address", field="address"),
                Q("outcome", field="outcome"),
                Q("activity", field="activity"),
                Q("tampering", field="tampering"),
            ),
            repeat=True,
            entity=VIC,
        ),
    ),
    doc="An EO accident with one entry per victim; killed/injured are counted from the victims.",
)

RISK_EDUCATION = Form(
    "lr_risk_education",
    "2026112201",
    "Risk education session",
    RE,
    (
        *_meta(),
        Group(
            "session",
            "Session",
            (
                Q("date", field="date", default=_TODAY),
                _code_q("org", "organisation", "org", required=True),
                Q("method", field="method"),
                Q("settlement", field="settlement"),
                Q("location", type="geopoint", label="Session location", required=True),
            ),
        ),
        Group(
            "audience",
            "Audience (sex and age)",
            (
                Q("girls", field="girls", constraint=_NON_NEGATIVE, default="0"),
                Q("boys", field="boys", constraint=_NON_NEGATIVE, default="0"),
                Q("women", field="women", constraint=_NON_NEGATIVE, default="0"),
                Q("men", field="men", constraint=_NON_NEGATIVE, default="0"),
            ),
        ),
    ),
    doc="An EORE session and its audience by sex and age (SADD).",
)

QA_VISIT = Form(
    "lr_qa_visit",
    "2026120401",
    "QA visit",
    QAV,
    (
        *_meta(),
        Group(
            "visit",
            "Visit",
            (
                Q("date", field="date", default=_TODAY),
                Q("visit_type", field="visit_type"),
                _code_q("activity", "activity", "activity"),
                _code_q("org", "organisation", "org"),
                _code_q("inspector", "organisation", "inspector", required=True),
                Q("passed", field="passed"),
                Q("remarks", field="remarks", appearance="multiline"),
                Q("location", type="geopoint", label="Where the visit took place"),
            ),
        ),
        Group(
            "nonconformities",
            "Nonconformity",
            (
                Q("nc_type", field="nc_type"),
                Q("severity", field="severity"),
                Q("descr", field="descr", appearance="multiline"),
                Q("corrective", field="corrective"),
                Q("due", field="due"),
            ),
            repeat=True,
            entity=NC,
        ),
    ),
    doc="A QA monitoring visit or QC inspection (IMAS 07.30, 07.40) with its nonconformities.",
)

#: Form-only choice lists (not record vocabularies): name → {code: English label}.
LOCAL_CHOICES: dict[str, dict[str, str]] = {
    YES_NO: YES_NO_LABELS,
    "perimeter_method": {
        "shape": "Draw or trace the shape on the map",
        "points": "Walk to each turning point",
    },
    "find_task": {"activity": "An activity (survey, clearance…)", "spot_task": "An EOD spot task"},
}

FORMS: dict[str, Form] = {f.form_id: f for f in (HAZARD_AREA, PROGRESS, EO_FIND, ACCIDENT, RISK_EDUCATION, QA_VISIT)}


def form(form_id: str) -> Form:
    """The form with this id, or a ValidationError listing the known ones."""
    key = (form_id or "").strip()
    if key in FORMS:
        return FORMS[key]
    raise ValidationError(f"unknown form '{form_id}'; use one of: {', '.join(FORMS)}", field="form")


# ------------------------------------------------------------------------------ to XLSForm rows


def list_name(vocab: type[v.Vocab]) -> str:
    """The XLSForm choice list of a vocabulary: its class name in snake case (DeviceCategory → device_category)."""
    return re.sub(r"(?<!^)(?=[A-Z])", "_", vocab.__name__).lower().replace("q_a_", "qa_")


def _model_field(q: Q, ent: m.Entity) -> m.Field | None:
    return ent.field(q.field) if q.field else None


def _question_type(q: Q, ent: m.Entity) -> str:
    if q.type:
        return q.type
    f = _model_field(q, ent)
    assert f is not None, q.name
    t = f.type
    if t is m.FieldType.VOCAB:
        return f"select_one {list_name(f.vocab)}"  # type: ignore[arg-type]
    if t is m.FieldType.VOCAB_LIST:
        return f"select_multiple {list_name(f.vocab)}"  # type: ignore[arg-type]
    return {
        m.FieldType.TEXT: "text",
        m.FieldType.REF: "text",
        m.FieldType.INT: "integer",
        m.FieldType.FLOAT: "decimal",
        m.FieldType.DATE: "date",
        m.FieldType.BOOL: f"select_one {YES_NO}",
    }[t]


def _label(q: Q, f: m.Field | None) -> str:
    text = q.label or (f.doc if f else q.name.replace("_", " ").capitalize())
    if f is not None and f.sensitive:
        text += " (personal data)"
    return text


def _languages(translations: Translations | None) -> list[str]:
    return [ENGLISH, *[lang for lang in (translations or {}) if lang != ENGLISH]]


def _texts(english: str | None, translations: Translations | None, column: str) -> dict[str, str]:
    if not english:
        return {}
    out = {f"{column}::{ENGLISH}": english}
    for lang in _languages(translations)[1:]:
        out[f"{column}::{lang}"] = (translations or {})[lang].get(english) or english  # blank: not yet translated
    return out


def _is_personal(q: Q, ent: m.Entity) -> bool:
    f = _model_field(q, ent)
    return bool(f and f.sensitive)


def _survey_rows(frm: Form, translations: Translations | None) -> tuple[list[dict[str, str]], set[str]]:
    rows: list[dict[str, str]] = []
    lists: set[str] = set()

    def rec(items: tuple[Q | Group, ...], ent: m.Entity) -> None:
        for item in items:
            if isinstance(item, Group):
                kind = "repeat" if item.repeat else "group"
                row = {"type": f"begin_{kind}", "name": item.name, **_texts(item.label, translations, "label")}
                if item.relevant:
                    row["relevant"] = item.relevant
                if item.appearance:
                    row["appearance"] = item.appearance
                rows.append(row)
                rec(item.children, item.entity if (item.repeat and item.entity is not None) else ent)
                rows.append({"type": f"end_{kind}"})
                continue
            f = _model_field(item, ent)
            qtype = _question_type(item, ent)
            row = {"type": qtype, "name": item.name}
            if qtype not in ("start", "end", "today", "deviceid"):
                row.update(_texts(_label(item, f), translations, "label"))
            if qtype.startswith(("select_one ", "select_multiple ")):
                lists.add(qtype.split()[1])
            hint = item.hint
            if f is not None and f.sensitive:
                hint = (hint + " — " if hint else "") + "Personal data: collect only with consent; shown to few roles"
            row.update(_texts(hint, translations, "hint"))
            required = item.required if item.required is not None else bool(f and f.required)
            if required:
                row["required"] = "yes"
            for col in ("relevant", "constraint", "default", "appearance", "calculation", "parameters"):
                value = getattr(item, col)
                if value:
                    row[col] = value
            row.update(_texts(item.constraint_message, translations, "constraint_message"))
            if _is_personal(item, ent):
                row["bind::lr:personal"] = "true"
            rows.append(row)

    rec(frm.children, frm.entity)
    return rows, lists


def _vocab_by_list() -> dict[str, type[v.Vocab]]:
    out: dict[str, type[v.Vocab]] = {}
    for name in dir(v):
        obj = getattr(v, name)
        if isinstance(obj, type) and issubclass(obj, v.Vocab) and obj is not v.Vocab:
            out[list_name(obj)] = obj
    return out


def _choice_rows(lists: set[str], translations: Translations | None) -> list[dict[str, str]]:
    vocabs = _vocab_by_list()
    rows: list[dict[str, str]] = []
    for name in sorted(lists):
        if name in vocabs:
            items = vocabs[name].labels()
        elif name in LOCAL_CHOICES:
            items = LOCAL_CHOICES[name]
        else:  # a declaration error, caught by the tests
            raise KeyError(f"no choice list {name!r}")
        for code, label in items.items():
            text = label[:1].upper() + label[1:]
            rows.append({"list_name": name, "name": code, **_texts(text, translations, "label")})
    return rows


def sheets(form_id: str, translations: Translations | None = None) -> dict[str, list[dict[str, str]]]:
    """The XLSForm of a form as sheets of rows: ``survey``, ``choices``, ``settings``."""
    frm = form(form_id)
    survey, lists = _survey_rows(frm, translations)
    settings = {
        "form_title": frm.title,
        "form_id": frm.form_id,
        "version": frm.version,
        "default_language": ENGLISH,
        "namespaces": f'lr="{PERSONAL_NS}"',
        "instance_name": "concat('" + frm.form_id + " ', ${end})",
    }
    return {"survey": survey, "choices": _choice_rows(lists, translations), "settings": [settings]}


def _columns(rows: list[dict[str, str]]) -> list[str]:
    cols: list[str] = []
    for row in rows:
        for k in row:
            if k not in cols:
                cols.append(k)
    return cols


# ----------------------------------------------------------------------------------- pyxform


def _pyxform_input(book: dict[str, list[dict[str, str]]]) -> dict[str, Any]:
    data: dict[str, Any] = {"sheet_names": list(book)}
    for name, rows in book.items():
        cols = _columns(rows)
        # cells in sheet column order, as pyxform reads them from a file: the XForm comes out identical
        data[name] = [{c: row[c] for c in cols if c in row} for row in rows]
        data[f"{name}_header"] = [{c: None for c in cols}]
    return data


def convert(form_id: str, translations: Translations | None = None, *, validate: bool = False) -> Any:
    """pyxform's ConvertResult for a form. ``validate=True`` runs ODK Validate (needs java; it writes a
    temporary file, so it is for tests and `forms build --validate`, never the request path)."""
    from pyxform.errors import PyXFormError
    from pyxform.validators.odk_validate import ODKValidateError
    from pyxform.xls2xform import convert as pyxform_convert

    book = sheets(form_id, translations)
    try:
        return pyxform_convert(_pyxform_input(book), validate=validate, form_name="data", warnings=[])
    except (PyXFormError, ODKValidateError) as exc:
        raise ValidationError(f"form {form_id} does not convert: {' '.join(str(exc).split())}") from None


@cache
def _cached_xform(form_id: str) -> str:
    return convert(form_id).xform


def xform_xml(form_id: str, translations: Translations | None = None) -> str:
    """The XForm XML of a form (what ODK Collect downloads); English only unless translations are given."""
    if translations:
        return convert(form_id, translations).xform
    return _cached_xform(form(form_id).form_id)


# ----------------------------------------------------------------------------------- files


def load_translations(path: str | Path) -> dict[str, dict[str, str]]:
    """A TOML translation file: one table per language, named as XLSForm names languages
    ("French (fr)"), mapping the English text to its translation::

        ["French (fr)"]
        "Date found" = "Date de la découverte"
        "Anti-personnel mine" = "Mine antipersonnel"
    """
    p = Path(path)
    try:
        data = tomllib.loads(p.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ValidationError(f"{p}: no such file", field="translations") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ValidationError(f"{p}: not a TOML file: {exc}", field="translations") from None
    out: dict[str, dict[str, str]] = {}
    for lang, table in data.items():
        if not isinstance(table, dict) or not re.fullmatch(r".+ \([A-Za-z]{2,3}(-[A-Za-z0-9]+)*\)", lang):
            raise ValidationError(
                f"{p}: '{lang}' must be a table named like \"French (fr)\" (language name and code)",
                field="translations",
            )
        bad = next((k for k, t in table.items() if not isinstance(t, str)), None)
        if bad is not None:
            raise ValidationError(f"{p}: [{lang}] '{bad}' must map to a text", field="translations")
        out[lang] = dict(table)
    return out


def english_texts(form_id: str | None = None) -> list[str]:
    """Every English text of the forms (labels, hints, choices, messages): the keys a translation fills."""
    seen: dict[str, None] = {}
    for fid in [form_id] if form_id else list(FORMS):
        book = sheets(fid)
        for rows in (book["survey"], book["choices"]):
            for row in rows:
                for k, text in row.items():
                    if k.endswith(f"::{ENGLISH}"):
                        seen.setdefault(text, None)
    return list(seen)


def translation_template(language: str, translations: Translations | None = None) -> str:
    """A TOML translation file for one language listing every English text of the forms, with the
    translations already known filled in and the rest blank (blank texts show in English)."""
    if not re.fullmatch(r".+ \([A-Za-z]{2,3}(-[A-Za-z0-9]+)*\)", language):
        raise ValidationError(
            f"'{language}' must be named like \"French (fr)\" (language name and code)", field="language"
        )
    known = (translations or {}).get(language, {})
    lines = [f"[{_toml_str(language)}]"]
    for text in english_texts():
        lines.append(f"{_toml_str(text)} = {_toml_str(known.get(text, ''))}")
    return "\n".join(lines) + "\n"


def _toml_str(text: str) -> str:
    import json

    return json.dumps(text, ensure_ascii=False)  # a JSON string is a valid TOML basic string


def write_xlsx(form_id: str, path: str | Path, translations: Translations | None = None) -> Path:
    """Write one form's XLSForm workbook (survey, choices, settings sheets)."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = sheets(form_id, translations)
    wb = Workbook()
    wb.remove(wb.active)
    for name, rows in book.items():
        ws = wb.create_sheet(name)
        cols = _columns(rows)
        ws.append(cols)
        for cell in ws[1]:
            cell.font = Font(bold=True)
        for row in rows:
            ws.append([row.get(c) for c in cols])
        ws.freeze_panes = "A2"
    out = Path(path)
    wb.save(out)
    return out


@dataclass
class Built:
    form_id: str
    version: str
    xlsx: Path
    xml: Path
    warnings: list[str] = field(default_factory=list)


def build(directory: str | Path, translations: Translations | None = None, *, validate: bool = False) -> list[Built]:
    """Write every form into ``directory``: FORM_ID.xlsx (for Kobo / Central upload) and FORM_ID.xml
    (the XForm, for checking or side-loading into ODK Collect)."""
    out_dir = Path(directory)
    if out_dir.exists() and not out_dir.is_dir():
        raise ValidationError(f"{out_dir} is a file, not a directory", field="dir")
    results = []
    converted = {fid: convert(fid, translations, validate=validate) for fid in FORMS}  # all convert, or nothing
    out_dir.mkdir(parents=True, exist_ok=True)
    for fid, frm in FORMS.items():
        xlsx = write_xlsx(fid, out_dir / f"{fid}.xlsx", translations)
        xml = out_dir / f"{fid}.xml"
        xml.write_text(converted[fid].xform, encoding="utf-8")
        results.append(Built(fid, frm.version, xlsx, xml, list(converted[fid].warnings)))
    return results
