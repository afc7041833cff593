"""Every controlled vocabulary of the record, in one module.

Values are stable lower-case codes stored in the database and written to files; labels are what
people read. Terms follow IMAS 04.10 (glossary), the IMAS Minimum Data Requirements (GICHD, 2018)
and IMAS 07.11 (land release). Imported files may use labels or codes in any case; `parse` accepts
both and says which values are allowed when it cannot match.
"""

from __future__ import annotations

from enum import StrEnum

from landrelease.errors import ValidationError


class Vocab(StrEnum):
    """A vocabulary: a StrEnum whose members carry a human label."""

    @classmethod
    def labels(cls) -> dict[str, str]:
        return {m.value: m.label for m in cls}

    @property
    def label(self) -> str:
        """What people read (IMAS 04.10 terms); the code in words, capitalised, unless declared below."""
        return _LABELS.get((type(self), self.value), self.value.replace("_", " ").capitalize())

    @property
    def help(self) -> str:
        """A one-line explanation where the label alone may not be enough; else blank."""
        return _HELP.get((type(self), self.value), "")

    @classmethod
    def parse(cls, raw: object, *, field: str | None = None) -> Vocab:
        """Accept a code, a label, or a loose spelling ("Handed over", "HANDED_OVER")."""
        if isinstance(raw, cls):
            return raw
        text = "" if raw is None else str(raw).strip()
        key = text.lower().replace("-", "_").replace(" ", "_")
        for m in cls:
            if key == m.value or text.lower() == m.label.lower():
                return m
        allowed = ", ".join(m.value for m in cls)
        raise ValidationError(f"'{text}' is not a {cls.__name__} value; use one of: {allowed}", field=field)


class HazardType(Vocab):
    """IMAS 04.10: SHA on indirect evidence, CHA on direct evidence."""

    SHA = "sha"
    CHA = "cha"


class HazardStatus(Vocab):
    """MDR hazardous area status."""

    OPEN = "open"
    CLOSED = "closed"
    HANDED_OVER = "handed_over"


class ActivityType(Vocab):
    NTS = "nts"
    TS = "ts"
    CLEARANCE = "clearance"
    BAC = "bac"
    EOD = "eod"


class ActivityStatus(Vocab):
    PLANNED = "planned"
    ONGOING = "ongoing"
    SUSPENDED = "suspended"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


class Method(Vocab):
    """Operational method of an activity (MDR)."""

    MANUAL = "manual"
    MECHANICAL = "mechanical"
    MDD = "mdd"
    COMBINED = "combined"
    VISUAL = "visual"  # NTS: visits and interviews


class ReleaseType(Vocab):
    """The three land release products of IMAS 07.11."""

    CANCELLED = "cancelled"
    REDUCED = "reduced"
    CLEARED = "cleared"


class DeviceCategory(Vocab):
    """Explosive ordnance categories (IMAS 04.10)."""

    AP_MINE = "ap_mine"
    AT_MINE = "at_mine"
    UXO = "uxo"
    AXO = "axo"
    SUBMUNITION = "submunition"
    IED = "ied"
    SAA = "saa"  # small arms ammunition


class EvidenceType(Vocab):
    """Evidence for a hazardous area: direct evidence makes a CHA (IMAS 07.11)."""

    EO_FOUND = "eo_found"
    ACCIDENT = "accident"
    MINEFIELD_RECORD = "minefield_record"
    WITNESS = "witness"
    FIGHTING = "fighting"
    MARKING = "marking"
    OTHER = "other"


DIRECT_EVIDENCE = frozenset(
    {EvidenceType.EO_FOUND, EvidenceType.ACCIDENT, EvidenceType.MINEFIELD_RECORD, EvidenceType.MARKING}
)


class LandUse(Vocab):
    AGRICULTURE = "agriculture"
    PASTURE = "pasture"
    FOREST = "forest"
    RESIDENTIAL = "residential"
    INFRASTRUCTURE = "infrastructure"
    INDUSTRIAL = "industrial"
    WATER = "water"
    UNUSED = "unused"
    OTHER = "other"


class Blockage(Vocab):
    """What a hazardous area blocks (MDR 'blockages')."""

    HOUSING = "housing"
    ROAD = "road"
    AGRICULTURE = "agriculture"
    WATER = "water"
    SCHOOL = "school"
    HEALTH = "health"
    INFRASTRUCTURE = "infrastructure"
    FOREST = "forest"
    OTHER = "other"


class Terrain(Vocab):
    """Land class for planning productivity: 0 easy open ground … 3 hardest (DOMAIN.md)."""

    OPEN = "open"
    VEGETATED = "vegetated"
    DENSE = "dense"
    URBAN = "urban"


class FindCondition(Vocab):
    INTACT = "intact"
    DAMAGED = "damaged"
    ARMED = "armed"
    FUZED = "fuzed"
    UNKNOWN = "unknown"


class Disposal(Vocab):
    DESTROYED_IN_SITU = "destroyed_in_situ"
    REMOVED_DESTROYED = "removed_destroyed"
    RENDERED_SAFE = "rendered_safe"
    HANDED_TO_AUTHORITY = "handed_to_authority"
    PENDING = "pending"


class AccidentType(Vocab):
    DEMINING = "demining"
    CIVILIAN = "civilian"


class VictimOutcome(Vocab):
    KILLED = "killed"
    INJURED = "injured"


class Gender(Vocab):
    FEMALE = "female"
    MALE = "male"
    UNKNOWN = "unknown"


class VictimActivity(Vocab):
    """What the victim was doing at the time of the accident (MDR)."""

    DEMINING = "demining"
    FARMING = "farming"
    HERDING = "herding"
    COLLECTING_WOOD = "collecting_wood"
    TRAVELLING = "travelling"
    PLAYING = "playing"
    TAMPERING = "tampering"
    MILITARY = "military"
    OTHER = "other"


class EducationMethod(Vocab):
    FACE_TO_FACE = "face_to_face"
    MASS_MEDIA = "mass_media"
    DIGITAL = "digital"
    COMMUNITY_LIAISON = "community_liaison"


class QAVisitType(Vocab):
    """IMAS 07.30: quality assurance monitoring and quality control inspection."""

    QA_MONITORING = "qa_monitoring"
    QC_INSPECTION = "qc_inspection"
    ACCREDITATION = "accreditation"


class Severity(Vocab):
    MINOR = "minor"
    MAJOR = "major"
    CRITICAL = "critical"


class NonconformityType(Vocab):
    SOP = "sop"
    SAFETY = "safety"
    MEDICAL = "medical"
    EQUIPMENT = "equipment"
    MARKING = "marking"
    DOCUMENTATION = "documentation"
    QUALITY = "quality"  # QC found missed EO or under-depth clearance


class OrganisationKind(Vocab):
    NMAA = "nmaa"
    NGO = "ngo"
    COMMERCIAL = "commercial"
    MILITARY = "military"
    CIVIL_PROTECTION = "civil_protection"
    UN = "un"
    OTHER = "other"


class UnitType(Vocab):
    MANUAL = "manual"
    MECHANICAL = "mechanical"
    MDD = "mdd"
    EOD = "eod"
    BAC = "bac"
    SURVEY = "survey"
    COMMAND = "command"  # a regiment/company echelon grouping teams


class Competency(Vocab):
    """Personnel qualifications (IMAS 09.30 EOD levels; MDD handler; medic; team leader)."""

    DEMINER = "deminer"
    EOD1 = "eod1"
    EOD2 = "eod2"
    EOD3 = "eod3"
    EOD3_PLUS = "eod3_plus"
    MDD_HANDLER = "mdd_handler"
    MEDIC = "medic"
    TEAM_LEADER = "team_leader"
    MACHINE_OPERATOR = "machine_operator"
    SURVEYOR = "surveyor"


class TrainingResult(Vocab):
    PASSED = "passed"
    FAILED = "failed"
    INCOMPLETE = "incomplete"
    ONGOING = "ongoing"


class ReferenceKind(Vocab):
    """Context layers a region needs: settlements, roads, the former front line, admin areas."""

    SETTLEMENT = "settlement"
    ROAD = "road"
    FRONT_LINE = "front_line"
    ADMIN_AREA = "admin_area"
    REGION = "region"


#: Keyed by (vocabulary, code): members of different vocabularies with the same code (ActivityType.BAC,
#: UnitType.BAC) are equal strings, so the members themselves cannot be the keys.
_LABELS: dict[tuple[type, str], str] = {
    (type(m), m.value): text
    for m, text in (
        (HazardType.SHA, "Suspected hazardous area"),
        (HazardType.CHA, "Confirmed hazardous area"),
        (HazardStatus.HANDED_OVER, "Handed over"),
        (ActivityType.NTS, "Non-technical survey"),
        (ActivityType.TS, "Technical survey"),
        (ActivityType.CLEARANCE, "Clearance"),
        (ActivityType.BAC, "Battle area clearance"),
        (ActivityType.EOD, "EOD spot task"),
        (Method.MDD, "Mine detection dogs"),
        (DeviceCategory.AP_MINE, "Anti-personnel mine"),
        (DeviceCategory.AT_MINE, "Anti-tank mine"),
        (DeviceCategory.UXO, "Unexploded ordnance"),
        (DeviceCategory.AXO, "Abandoned explosive ordnance"),
        (DeviceCategory.SUBMUNITION, "Cluster submunition"),
        (DeviceCategory.IED, "Improvised explosive device"),
        (DeviceCategory.SAA, "Small arms ammunition"),
        (Competency.EOD1, "EOD level 1"),
        (Competency.EOD2, "EOD level 2"),
        (Competency.EOD3, "EOD level 3"),
        (Competency.EOD3_PLUS, "EOD level 3+"),
        (Competency.MDD_HANDLER, "MDD handler"),
        (QAVisitType.QA_MONITORING, "QA monitoring visit"),
        (QAVisitType.QC_INSPECTION, "QC inspection"),
        (OrganisationKind.NMAA, "National mine action authority"),
        (OrganisationKind.NGO, "Non-governmental organisation"),
        (OrganisationKind.UN, "United Nations"),
        (UnitType.MDD, "Mine detection dog team"),
        (UnitType.EOD, "EOD team"),
        (UnitType.BAC, "Battle area clearance team"),
        (NonconformityType.SOP, "Standard operating procedures"),
        (EvidenceType.EO_FOUND, "EO found"),
    )
}

_HELP: dict[tuple[type, str], str] = {
    (type(m), m.value): text
    for m, text in (
        (HazardType.SHA, "Indirect evidence of explosive ordnance (IMAS 04.10)"),
        (HazardType.CHA, "Direct evidence of explosive ordnance (IMAS 04.10)"),
        (ActivityType.NTS, "Collecting information without entering the hazardous area (IMAS 07.11)"),
        (ActivityType.TS, "Entering the area with clearance assets to confirm or deny contamination (IMAS 07.11)"),
        (ReleaseType.CANCELLED, "Released by non-technical survey: no evidence of contamination (IMAS 07.11)"),
        (ReleaseType.REDUCED, "Released by technical survey (IMAS 07.11)"),
        (ReleaseType.CLEARED, "Released by clearance to the specified depth (IMAS 09.10)"),
        (DeviceCategory.AXO, "Explosive ordnance left behind, not used (IMAS 04.10)"),
        (DeviceCategory.UXO, "Explosive ordnance that was used and failed to function (IMAS 04.10)"),
        (HazardStatus.HANDED_OVER, "Released land handed back to its users"),
    )
}
