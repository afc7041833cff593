"""The record: every entity and field, declared once.

The store builds its tables from these declarations, the file formats their columns, the
validation its parsers, and `docs/data-model.md` its tables. Each field names the IMAS Minimum
Data Requirements item it serves (`mdr`), or says why practice needs it beyond MDR.

Column names are at most 10 characters so that a Shapefile export keeps every field intact and a
round trip through any format gives back the same record.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from landrelease.domain import vocab as v
from landrelease.errors import ValidationError


class FieldType(StrEnum):
    TEXT = "text"
    INT = "int"
    FLOAT = "float"
    DATE = "date"
    BOOL = "bool"
    VOCAB = "vocab"
    VOCAB_LIST = "vocab_list"
    JSON = "json"
    REF = "ref"  # another record, written in files by its code


class GeomType(StrEnum):
    POLYGON = "polygon"  # Polygon or MultiPolygon
    POINT = "point"
    LINE = "line"
    ANY = "any"


@dataclass(frozen=True)
class Field:
    """One field of the record.

    `name` is the column people never have to read; `label` is what pages, messages, exports for
    people, charts and XLSForms call it (IMAS 04.10 terms, English source string of the
    translation catalogues); `doc` is the one-line help text shown beside it (`help`). A field
    declared without a label is called by its `doc`, which is then short enough to be one.
    `unit` is the unit its numbers are written with ("m²", "cm", "h").
    """

    name: str
    type: FieldType
    doc: str
    mdr: str = ""
    required: bool = False
    vocab: type[v.Vocab] | None = None
    ref: str | None = None  # kind of the referenced entity
    sensitive: bool = False  # personal data: only roles that need it may read it
    derived: bool = False  # computed by the system, never taken from input
    label: str = ""
    unit: str = ""

    def __post_init__(self) -> None:
        if len(self.name) > 10:
            raise ValueError(f"field name {self.name!r} longer than 10 characters")
        if not self.label:
            object.__setattr__(self, "label", self.doc)

    @property
    def help(self) -> str:
        """The one-line help text beside the field: its doc, unless that is its label already."""
        return "" if self.doc == self.label else self.doc

    def parse(self, raw: Any) -> Any:
        """Turn a raw file/form value into the stored value; None for blank."""
        if raw is None or (isinstance(raw, float) and math.isnan(raw)):
            value = None
        elif isinstance(raw, str) and raw.strip() == "":
            value = None
        else:
            value = raw
        if value is None:
            if self.required:
                raise ValidationError("is required", field=self.name)
            return None
        try:
            return _PARSERS[self.type](self, value)
        except ValidationError:
            if self.sensitive:  # a message travels further than the value may (logs, review flags)
                raise ValidationError(_value_free(self.type), field=self.name) from None
            raise
        except (TypeError, ValueError, OverflowError) as exc:
            if self.sensitive:
                raise ValidationError(_value_free(self.type), field=self.name) from None
            shown = _shown(value)
            raise ValidationError(f"'{shown}' is not a valid {self.type.value}: {exc}", field=self.name) from None


def _value_free(t: FieldType) -> str:
    """The refusal of a personal field (`Field.sensitive`: names, dates of birth, addresses): it never
    quotes the value, since a message travels further than the value may (logs, review flags shown
    to QA officers who may not see personal data)."""
    what = "an ISO 8601 date (YYYY-MM-DD)" if t is FieldType.DATE else f"a valid {t.value}"
    return f"is not {what}; the value is personal data and is not repeated here"


def _shown(value: Any) -> str:
    """A raw value as a message quotes it: at most 40 characters (str() of a huge int may even fail)."""
    try:
        text = str(value)
    except ValueError:
        return "(a number too long to show)"
    return text if len(text) <= 40 else text[:40] + "…"


def _parse_text(f: Field, value: Any) -> str:
    return str(value).strip()


#: What an integer column holds on both backends (SQLite INTEGER and PostgreSQL BIGINT are signed
#: 64-bit): a value outside it is refused as input, never sent to the database to fail there.
INT_MIN, INT_MAX = -(2**63), 2**63 - 1


def _parse_int(f: Field, value: Any) -> int:
    if isinstance(value, bool):
        raise ValueError("boolean given")
    if isinstance(value, int):
        number = value
    elif isinstance(value, str) and value.strip().lstrip("+-").isdigit():
        number = int(value.strip())  # exact: a float would round 2**63 + 1 to 2**63
    else:
        real = float(value)
        if not real.is_integer():
            raise ValueError("expected a whole number")
        number = int(real)
    if not INT_MIN <= number <= INT_MAX:
        raise ValidationError(f"is out of range: a whole number between {INT_MIN} and {INT_MAX}", field=f.name)
    return number


def _parse_float(f: Field, value: Any) -> float:
    number = float(value)
    if not math.isfinite(number):
        raise ValueError("expected a finite number")
    return number


def _parse_date(f: Field, value: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = str(value).strip()
    try:
        return dt.date.fromisoformat(text[:10].replace("/", "-"))
    except ValueError:
        raise ValidationError(f"'{text}' is not an ISO 8601 date (YYYY-MM-DD)", field=f.name) from None


def _parse_bool(f: Field, value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in {"1", "true", "yes", "y", "t"}:
        return True
    if text in {"0", "false", "no", "n", "f"}:
        return False
    raise ValidationError(f"'{value}' is not yes/no", field=f.name)


def _parse_vocab(f: Field, value: Any) -> str:
    assert f.vocab is not None
    return f.vocab.parse(value, field=f.name).value


def _parse_vocab_list(f: Field, value: Any) -> list[str]:
    assert f.vocab is not None
    if isinstance(value, str):
        text = value.strip()
        items = json.loads(text) if text.startswith("[") else text.replace(";", ",").split(",")
    else:
        items = list(value)
    out = [f.vocab.parse(i, field=f.name).value for i in items if str(i).strip()]
    # An empty list is stored as None: one spelling of 'nothing' survives every file format.
    return sorted(set(out), key=out.index) or None


def _parse_json(f: Field, value: Any) -> Any:
    if isinstance(value, str):
        try:
            return json.loads(value)
        except json.JSONDecodeError:
            raise ValidationError("is not valid JSON", field=f.name) from None
    return value


_PARSERS = {
    FieldType.TEXT: _parse_text,
    FieldType.REF: _parse_text,
    FieldType.INT: _parse_int,
    FieldType.FLOAT: _parse_float,
    FieldType.DATE: _parse_date,
    FieldType.BOOL: _parse_bool,
    FieldType.VOCAB: _parse_vocab,
    FieldType.VOCAB_LIST: _parse_vocab_list,
    FieldType.JSON: _parse_json,
}


@dataclass(frozen=True)
class Entity:
    kind: str  # singular, used on the CLI: --kind hazardous_area
    table: str
    prefix: str  # human code prefix: HA-2026-000123
    doc: str
    fields: tuple[Field, ...]
    geom: GeomType | None = None
    geom_doc: str = ""
    geom_required: bool = True
    plural: str = ""
    extra: dict[str, Any] = field(default_factory=dict)
    label: str = ""  # what people call one record ("EO find"); the kind's words, capitalised, if not given
    label_plural: str = ""  # and several ("EO finds"); the label + "s" if not given

    def __post_init__(self) -> None:
        if not self.label:
            object.__setattr__(self, "label", self.kind.replace("_", " ").capitalize())
        if not self.label_plural:
            object.__setattr__(self, "label_plural", self.label + "s")

    def field(self, name: str) -> Field:
        for f in self.fields:
            if f.name == name:
                return f
        raise KeyError(name)

    @property
    def names(self) -> list[str]:
        return [f.name for f in self.fields]

    @property
    def input_fields(self) -> tuple[Field, ...]:
        return tuple(f for f in self.fields if not f.derived)


T, IN, FL, D, B = FieldType.TEXT, FieldType.INT, FieldType.FLOAT, FieldType.DATE, FieldType.BOOL
VO, VL, J, R = FieldType.VOCAB, FieldType.VOCAB_LIST, FieldType.JSON, FieldType.REF


ORGANISATION = Entity(
    "organisation",
    "organisation",
    "ORG",
    "An organisation: national authority, operator (NGO, company, army engineers) or donor.",
    (
        Field("name", T, "Full name", "MDR organisation name", required=True, label="Name"),
        Field("short_name", T, "Acronym used in reports", label="Acronym"),
        Field(
            "org_kind",
            VO,
            "Kind of organisation",
            "MDR organisation type",
            vocab=v.OrganisationKind,
            label="Organisation type",
        ),
        Field("country", T, "Country of registration (ISO 3166-1 alpha-3)", label="Country"),
    ),
    plural="organisations",
)

ACCREDITATION = Entity(
    "accreditation",
    "accreditation",
    "ACR",
    "An organisation's accreditation by the NMAA for one activity type, with validity dates (IMAS 07.30).",
    (
        Field("org", R, "Accredited organisation", "IMAS 07.30", required=True, ref="organisation"),
        Field(
            "act_type",
            VO,
            "Activity type accredited",
            "IMAS 07.30",
            required=True,
            vocab=v.ActivityType,
            label="Activity type",
        ),
        Field("valid_from", D, "First day of validity", required=True, label="Valid from"),
        Field("valid_to", D, "Last day of validity", required=True, label="Valid until"),
        Field("reference", T, "Certificate number"),
    ),
    plural="accreditations",
)

HAZARDOUS_AREA = Entity(
    "hazardous_area",
    "hazardous_area",
    "HA",
    "A suspected (SHA) or confirmed (CHA) hazardous area: the unit of contamination in the record.",
    (
        Field("name", T, "Local name of the area", "MDR hazardous area name", label="Name"),
        Field(
            "haz_type",
            VO,
            "SHA or CHA",
            "MDR hazardous area type",
            required=True,
            vocab=v.HazardType,
            label="Hazard type",
        ),
        Field(
            "status",
            VO,
            "Open, closed or handed over",
            "MDR hazardous area status",
            required=True,
            vocab=v.HazardStatus,
            label="Status",
        ),
        Field(
            "dev_susp",
            VL,
            "Device categories suspected",
            "MDR suspected EO",
            vocab=v.DeviceCategory,
            label="Suspected device categories",
        ),
        Field(
            "dev_conf",
            VL,
            "Device categories confirmed",
            "MDR confirmed EO",
            vocab=v.DeviceCategory,
            label="Confirmed device categories",
        ),
        Field(
            "evidence", VL, "Kinds of evidence recorded", "MDR evidence type", vocab=v.EvidenceType, label="Evidence"
        ),
        Field("evid_desc", T, "Evidence description and location", "MDR evidence", label="Evidence description"),
        Field("bm_lon", FL, "Benchmark point longitude (WGS84)", "MDR benchmark", label="Benchmark longitude"),
        Field("bm_lat", FL, "Benchmark point latitude (WGS84)", "MDR benchmark", label="Benchmark latitude"),
        Field("benef_exp", IN, "Expected beneficiaries", "MDR beneficiaries"),
        Field(
            "benef_conf",
            IN,
            "Confirmed beneficiaries (after release)",
            "MDR beneficiaries",
            label="Confirmed beneficiaries",
        ),
        Field("land_use", VO, "Main land use", "MDR land use", vocab=v.LandUse, label="Land use"),
        Field("blockages", VL, "What the area blocks", "MDR blockages", vocab=v.Blockage, label="Blockages"),
        Field("terrain", VO, "Terrain class for planning", "beyond MDR: planning", vocab=v.Terrain, label="Terrain"),
        Field("admin1", T, "Region / oblast", "MDR location", label="Region"),
        Field("admin2", T, "District / raion", "MDR location", label="District"),
        Field("settlement", T, "Nearest settlement", "MDR location", label="Settlement"),
        Field("org", R, "Reporting organisation", "MDR reporting organisation", ref="organisation"),
        Field("reported", D, "Date first reported", "MDR date", label="Reported on"),
        Field("area_m2", FL, "Original area, geodesic, m²", "MDR area", derived=True, label="Original area", unit="m²"),
        # The ledger: kept up to date by land release; on import it carries over the figures of
        # the system the record comes from (validated: their sum never exceeds area_m2).
        Field("cancel_m2", FL, "Area cancelled by NTS, m²", "IMAS 07.11", label="Cancelled", unit="m²"),
        Field("reduce_m2", FL, "Area reduced by TS, m²", "IMAS 07.11", label="Reduced", unit="m²"),
        Field("clear_m2", FL, "Area cleared, m²", "IMAS 07.11", label="Cleared", unit="m²"),
        Field("remain_m2", FL, "Area still hazardous, m²", "IMAS 07.11", derived=True, label="Remaining", unit="m²"),
    ),
    geom=GeomType.POLYGON,
    geom_doc="Perimeter polygon or multipolygon (MDR perimeter); the remaining hazardous polygon is kept beside it.",
    plural="hazardous_areas",
)

ACTIVITY = Entity(
    "activity",
    "activity",
    "ACT",
    "A land release activity: NTS, TS, clearance, BAC or EOD spot task.",
    (
        Field("act_type", VO, "Activity type", "MDR activity type", required=True, vocab=v.ActivityType),
        Field(
            "area",
            R,
            "Hazardous area worked",
            "MDR linked hazardous area",
            ref="hazardous_area",
            label="Hazardous area",
        ),
        Field("org", R, "Implementing organisation", "MDR implementing organisation", ref="organisation"),
        Field("unit", R, "Team or unit", "beyond MDR: deployment", ref="unit", label="Team"),
        Field("method", VO, "Operational method", "MDR method", vocab=v.Method, label="Method"),
        Field("start", D, "Start date", "MDR start date"),
        Field("end", D, "End date", "MDR end date"),
        Field("status", VO, "Activity status", "MDR status", required=True, vocab=v.ActivityStatus, label="Status"),
        Field("ref_lon", FL, "Reference point longitude", "MDR reference point", label="Reference longitude"),
        Field("ref_lat", FL, "Reference point latitude", "MDR reference point", label="Reference latitude"),
        Field(
            "worked_m2",
            FL,
            "Area worked so far (sum of daily progress), m²",
            "MDR progress",
            derived=True,
            label="Area worked",
            unit="m²",
        ),
    ),
    geom=GeomType.POLYGON,
    geom_doc="Worksite polygon (optional).",
    geom_required=False,
    plural="activities",
    label="Land release activity",
    label_plural="Land release activities",
)

PROGRESS = Entity(
    "progress_report",
    "progress_report",
    "PR",
    "A daily progress report of one team on one activity.",
    (
        Field("activity", R, "Activity reported on", "MDR progress", required=True, ref="activity", label="Activity"),
        Field("unit", R, "Team that worked", "MDR progress", ref="unit", label="Team"),
        Field("date", D, "Working day", "MDR progress", required=True),
        Field(
            "worked_m2", FL, "Area worked this day, m²", "MDR progress", required=True, label="Area worked", unit="m²"
        ),
        Field("finds", IN, "EO items found this day", "MDR progress", label="EO items found"),
        Field("deminers", IN, "Deminers at work", "beyond MDR: productivity", label="Deminers"),
        Field("hours", FL, "Working hours", "beyond MDR: productivity", label="Working hours", unit="h"),
    ),
    plural="progress_reports",
)

LAND_RELEASE = Entity(
    "land_release",
    "land_release",
    "LR",
    "A land release product: a cancelled, reduced or cleared polygon (IMAS 07.11).",
    (
        Field(
            "area",
            R,
            "Hazardous area released from",
            "MDR land release",
            required=True,
            ref="hazardous_area",
            label="Hazardous area",
        ),
        Field("activity", R, "Activity that released it", "MDR land release", ref="activity", label="Activity"),
        Field(
            "rel_type",
            VO,
            "Cancelled, reduced or cleared",
            "IMAS 07.11",
            required=True,
            vocab=v.ReleaseType,
            label="Release type",
        ),
        Field(
            "depth_cm",
            FL,
            "Clearance depth, cm (required for cleared land)",
            "IMAS 09.10",
            label="Clearance depth",
            unit="cm",
        ),
        Field("date", D, "Release date", "MDR land release", required=True),
        Field(
            "area_m2",
            FL,
            "Released area, geodesic, m²",
            "MDR land release",
            derived=True,
            label="Released area",
            unit="m²",
        ),
    ),
    geom=GeomType.POLYGON,
    geom_doc="Perimeter of the released land.",
    plural="land_releases",
)

EO_FIND = Entity(
    "eo_find",
    "eo_find",
    "EO",
    "An explosive ordnance item found (and disposed of).",
    (
        Field("category", VO, "Device category", "MDR device category", required=True, vocab=v.DeviceCategory),
        Field("model", T, "Model (e.g. PMN-2, TM-62M)", "MDR device model", label="Model"),
        Field("condition", VO, "Condition when found", "MDR condition", vocab=v.FindCondition, label="Condition"),
        Field("depth_cm", FL, "Depth below surface, cm", "MDR depth", label="Depth", unit="cm"),
        Field("quantity", IN, "Number of items", "MDR quantity", label="Quantity"),
        Field("disposal", VO, "Disposal", "MDR disposal", vocab=v.Disposal),
        Field("date", D, "Date found", "MDR date", required=True),
        Field("activity", R, "Activity that found it", "MDR linked activity", ref="activity", label="Activity"),
        Field("area", R, "Hazardous area", "MDR linked hazardous area", ref="hazardous_area"),
    ),
    geom=GeomType.POINT,
    geom_doc="Location of the find.",
    plural="eo_finds",
    label="EO find",
)

ACCIDENT = Entity(
    "accident",
    "accident",
    "ACC",
    "An explosive ordnance accident (demining or civilian).",
    (
        Field("date", D, "Date of the accident", "MDR accident date", required=True, label="Date"),
        Field(
            "acc_type",
            VO,
            "Demining or civilian accident",
            "MDR accident type",
            required=True,
            vocab=v.AccidentType,
            label="Accident type",
        ),
        Field("category", VO, "Device category", "MDR device category", vocab=v.DeviceCategory),
        Field("area", R, "Hazardous area", "MDR linked hazardous area", ref="hazardous_area"),
        Field("activity", R, "Activity (demining accidents)", "MDR linked activity", ref="activity", label="Activity"),
        Field("killed", IN, "People killed", "MDR casualties"),
        Field("injured", IN, "People injured", "MDR casualties"),
        Field("descr", T, "What happened", label="Description"),
    ),
    geom=GeomType.POINT,
    geom_doc="Accident location.",
    plural="accidents",
)

VICTIM = Entity(
    "victim",
    "victim",
    "VIC",
    "A person killed or injured in an accident. Personal data: name, date of birth and address are "
    "sensitive and shown only to roles that need them.",
    (
        Field("accident", R, "Accident", "MDR victim", required=True, ref="accident"),
        Field("full_name", T, "Name", "MDR victim name", sensitive=True),
        Field("gender", VO, "Gender", "MDR victim gender", vocab=v.Gender),
        Field("birth_date", D, "Date of birth", "MDR victim date of birth", sensitive=True),
        Field("age", IN, "Age at the accident (kept for statistics when no birth date)", "MDR SADD", label="Age"),
        Field("address", T, "Address", "MDR victim address", sensitive=True),
        Field(
            "outcome",
            VO,
            "Killed or injured",
            "MDR victim outcome",
            required=True,
            vocab=v.VictimOutcome,
            label="Outcome",
        ),
        Field("activity", VO, "Activity at the time", "MDR victim activity", vocab=v.VictimActivity),
        Field("tampering", B, "Was the device tampered with", "MDR tampering", label="Tampering"),
    ),
    plural="victims",
    label="Victim",
)

RISK_EDUCATION = Entity(
    "risk_education",
    "risk_education",
    "RE",
    "An explosive ordnance risk education session, audience by sex and age (SADD).",
    (
        Field("date", D, "Session date", "MDR EORE date", required=True, label="Date"),
        Field("org", R, "Delivering organisation", "MDR EORE organisation", ref="organisation"),
        Field("method", VO, "Delivery method", "MDR EORE method", vocab=v.EducationMethod),
        Field("girls", IN, "Girls (under 18)", "MDR SADD"),
        Field("boys", IN, "Boys (under 18)", "MDR SADD"),
        Field("women", IN, "Women", "MDR SADD"),
        Field("men", IN, "Men", "MDR SADD"),
        Field("settlement", T, "Settlement", "MDR location"),
    ),
    geom=GeomType.POINT,
    geom_doc="Session location.",
    plural="risk_education",
    label="Risk education session",
)

QA_VISIT = Entity(
    "qa_visit",
    "qa_visit",
    "QA",
    "A quality assurance visit or quality control inspection (IMAS 07.30, 07.40).",
    (
        Field("date", D, "Visit date", "MDR QA date", required=True),
        Field(
            "visit_type",
            VO,
            "QA monitoring, QC inspection or accreditation",
            "IMAS 07.30",
            required=True,
            vocab=v.QAVisitType,
            label="Visit type",
        ),
        Field("activity", R, "Activity inspected", "MDR QA activity", ref="activity"),
        Field("org", R, "Organisation inspected", "MDR QA organisation", ref="organisation"),
        Field(
            "inspector",
            R,
            "Inspecting organisation",
            "MDR QA inspecting organisation",
            ref="organisation",
            label="Inspector",
        ),
        Field("passed", B, "Passed", "MDR QA result"),
        Field("remarks", T, "Remarks"),
    ),
    geom=GeomType.POINT,
    geom_doc="Where the visit took place (optional).",
    geom_required=False,
    plural="qa_visits",
    label="QA visit",
)

NONCONFORMITY = Entity(
    "nonconformity",
    "nonconformity",
    "NC",
    "A nonconformity found by a QA visit, with its corrective measure.",
    (
        Field("visit", R, "QA visit", "MDR nonconformity", required=True, ref="qa_visit"),
        Field(
            "nc_type",
            VO,
            "Type",
            "MDR nonconformity type",
            required=True,
            vocab=v.NonconformityType,
            label="Nonconformity type",
        ),
        Field("severity", VO, "Severity", "MDR nonconformity severity", required=True, vocab=v.Severity),
        Field("descr", T, "Finding"),
        Field("corrective", T, "Corrective measure", "MDR corrective action"),
        Field("due", D, "Correction due by"),
        Field("closed", D, "Correction verified on"),
    ),
    plural="nonconformities",
    label="Nonconformity",
    label_plural="Nonconformities",
)

UNIT = Entity(
    "unit",
    "unit",
    "UNIT",
    "A team or unit (a regiment contains companies contain teams): who can do the work.",
    (
        Field("name", T, "Name", "beyond MDR: capacity", required=True),
        Field("org", R, "Organisation", "beyond MDR: capacity", required=True, ref="organisation"),
        Field("parent", R, "Parent unit", "beyond MDR: capacity", ref="unit"),
        Field("unit_type", VO, "Team type", "beyond MDR: capacity", required=True, vocab=v.UnitType),
        Field("size", IN, "People", "beyond MDR: capacity", label="Size"),
        Field("equipment", T, "Equipment (detectors, machines, dogs)", "beyond MDR: capacity", label="Equipment"),
        Field("base_lon", FL, "Base longitude", "beyond MDR: travel"),
        Field("base_lat", FL, "Base latitude", "beyond MDR: travel"),
    ),
    plural="units",
    label="Team or unit",
    label_plural="Teams and units",
)

PERSON = Entity(
    "person",
    "person",
    "PER",
    "A member of personnel. The name is personal data.",
    (
        Field("full_name", T, "Name", "IMAS 09.30 personnel", required=True, sensitive=True),
        Field("org", R, "Organisation", "IMAS 09.30", required=True, ref="organisation"),
        Field("unit", R, "Unit", "IMAS 09.30", ref="unit"),
        Field("role", T, "Position (deminer, section leader, medic…)", "IMAS 09.30", label="Position"),
        Field("gender", VO, "Gender", "beyond MDR: SADD of workforce", vocab=v.Gender),
    ),
    plural="people",
    label="Person",
    label_plural="People",
)

QUALIFICATION = Entity(
    "qualification",
    "qualification",
    "QUAL",
    "A competency held by a person, with its expiry (EOD level 1/2/3/3+, MDD handler, medic, team leader).",
    (
        Field("person", R, "Person", "IMAS 09.30", required=True, ref="person"),
        Field("competency", VO, "Competency", "IMAS 09.30", required=True, vocab=v.Competency),
        Field("awarded", D, "Awarded on", "IMAS 09.30"),
        Field("expires", D, "Expires on", "IMAS 09.30"),
    ),
    plural="qualifications",
)

TRAINING = Entity(
    "training",
    "training",
    "TRN",
    "A training course attended by a person.",
    (
        Field("person", R, "Person", "IMAS 09.30", required=True, ref="person"),
        Field("course", T, "Course", "IMAS 09.30", required=True),
        Field("centre", T, "Training centre", "IMAS 09.30"),
        Field("start", D, "Start date", "IMAS 09.30"),
        Field("end", D, "End date", "IMAS 09.30"),
        Field("result", VO, "Result", "IMAS 09.30", vocab=v.TrainingResult),
    ),
    plural="trainings",
)

DEPLOYMENT = Entity(
    "deployment",
    "deployment",
    "DEP",
    "A unit deployed to a region (polygon or admin area) for a window of time.",
    (
        Field("unit", R, "Unit deployed", "beyond MDR: deployment", required=True, ref="unit"),
        Field("admin_area", T, "Admin area (when no polygon)", "beyond MDR: deployment"),
        Field("start", D, "First day", "beyond MDR: deployment", required=True),
        Field("end", D, "Last day", "beyond MDR: deployment", required=True),
        Field("task", T, "Tasking order / remarks"),
    ),
    geom=GeomType.POLYGON,
    geom_doc="Deployment region.",
    geom_required=False,
    plural="deployments",
)

REFERENCE = Entity(
    "reference",
    "reference_feature",
    "REF",
    "Context layer feature: settlement, road, former front line, admin area.",
    (
        Field("ref_kind", VO, "Kind of feature", "context", required=True, vocab=v.ReferenceKind),
        Field("name", T, "Name"),
        Field("population", IN, "Population (settlements)", label="Population"),
        Field("level", IN, "Admin level (1 region, 2 district)", label="Admin level"),
    ),
    geom=GeomType.ANY,
    geom_doc="Point, line or polygon.",
    plural="references",
    label="Reference feature",
)

ENTITIES: tuple[Entity, ...] = (
    ORGANISATION,
    ACCREDITATION,
    UNIT,
    PERSON,
    QUALIFICATION,
    TRAINING,
    DEPLOYMENT,
    HAZARDOUS_AREA,
    ACTIVITY,
    PROGRESS,
    LAND_RELEASE,
    EO_FIND,
    ACCIDENT,
    VICTIM,
    RISK_EDUCATION,
    QA_VISIT,
    NONCONFORMITY,
    REFERENCE,
)
BY_KIND: dict[str, Entity] = {e.kind: e for e in ENTITIES}


def entity(kind: str) -> Entity:
    key = kind.strip().lower().replace("-", "_")
    for e in ENTITIES:
        if key in (e.kind, e.plural, e.table):
            return e
    raise ValidationError(f"unknown kind '{kind}'; use one of: {', '.join(e.kind for e in ENTITIES)}", field="kind")
