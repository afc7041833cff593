"""Who may do what: every authorisation rule of the national record, as pure functions.

No I/O here. The service layer asks these functions before it reads or writes (see
`landrelease.service.access`), so the CLI, the HTTP API, OGC API – Features, the web pages and the
exports apply the same rules; adapters only establish who the principal is.

`p` is a `Principal`, or None for an unauthenticated caller (who may do nothing: the server turns
that into 401 or a redirect to the login page). The trusted local system (the CLI on a database
with no accounts, the demo builder) does not call these functions at all.

Ownership (what "its own organisation's records" means): a record belongs to the organisation
named in its organisation field — the implementing organisation of an activity, the reporting
organisation of a hazardous area, the delivering organisation of a risk education session, the
organisation of a unit or person — or, for records that hang off another record, to the owner of
that record (a progress report, land release, EO find or accident through its activity; a victim
through its accident; qualifications and trainings through the person; deployments through the
unit). This is the rule a national authority applies on paper (the operator answers for its own
tasks), it survives imports from other systems (no hidden "created by" column decides it), and it
cannot be sidestepped by re-pointing a record: a write must leave the record owned by the writer's
organisation too. Records with no owner (organisations, accreditations, reference layers, a
civilian accident with no activity) are the national authority's.
"""

from __future__ import annotations

from landrelease.auth.roles import Principal, Role

#: For each kind an operator may write: the chain of reference fields that leads to the owning
#: organisation (the last field refers to an organisation).
OWNER_PATHS: dict[str, tuple[str, ...]] = {
    "hazardous_area": ("org",),
    "activity": ("org",),
    "progress_report": ("activity", "org"),
    "land_release": ("activity", "org"),
    "eo_find": ("activity", "org"),
    "accident": ("activity", "org"),
    "victim": ("accident", "activity", "org"),
    "risk_education": ("org",),
    "unit": ("org",),
    "person": ("org",),
    "qualification": ("person", "org"),
    "training": ("person", "org"),
    "deployment": ("unit", "org"),
}

#: The reference field through which a record of each kind touches a hazardous area: creating an
#: activity on an area, or a release, find or accident naming one, changes what the record says
#: about that area — its owner's business, or the business of whoever the authority tasked there.
#: (A progress report touches its activity's area, which the activity already settles.)
AREA_REFS: dict[str, str] = {"activity": "area", "land_release": "area", "eo_find": "area", "accident": "area"}

#: Kinds a QA officer writes (IMAS 07.30/07.40: monitoring visits, QC inspections, nonconformities).
QA_KINDS = frozenset({"qa_visit", "nonconformity"})

#: What the anonymous public view may read: released land and the statistics (aggregates). Never
#: hazardous areas (open hazard coordinates are sensitive), finds, accidents or anything personal.
PUBLIC_KINDS = frozenset({"land_release", "statistics"})

#: Pseudo-kinds a reader may ask about besides record kinds.
STATISTICS = "statistics"

AUTHORITY = frozenset({Role.ADMIN, Role.IMO})
READERS = frozenset({Role.ADMIN, Role.IMO, Role.OPERATOR_WRITER, Role.OPERATOR_VIEWER, Role.QA_OFFICER, Role.VIEWER})


def can_read(p: Principal | None, kind: str) -> bool:
    """Every account reads every record kind (personal fields aside: `can_see_personal`); the
    anonymous public view reads only `PUBLIC_KINDS`; nobody else reads anything."""
    if p is None:
        return False
    if p.role is Role.PUBLIC:
        return kind in PUBLIC_KINDS
    return p.role in READERS


def owner_path(kind: str) -> tuple[str, ...] | None:
    """The reference chain to a record's owning organisation, or None (the authority's records)."""
    return OWNER_PATHS.get(kind)


def can_write(p: Principal | None, kind: str, owner_org: str | None) -> bool:
    """May `p` create, edit or withdraw a record of `kind` owned by `owner_org` (an organisation
    code, None when the record has no owner)? Ask it for the record as it is and as it will be."""
    if p is None:
        return False
    if p.role in AUTHORITY:
        return True
    if p.role is Role.OPERATOR_WRITER:
        return kind in OWNER_PATHS and p.organisation is not None and owner_org == p.organisation
    if p.role is Role.QA_OFFICER:
        return kind in QA_KINDS
    return False


def may_touch_area(p: Principal | None, area_owner: str | None, tasked: bool) -> bool:
    """May `p` create a record that touches a hazardous area owned by `area_owner` (an organisation
    code, None for the authority's own)? `tasked`: the authority has tasked `p`'s organisation there
    (a live activity on the area is assigned to it). The national authority touches every area; an
    operator only areas its organisation reports or is tasked to (IMAS 07.11 / 07.40: the authority
    tasks operators to areas; an operator releases land only where it works). Others write no such records."""
    if p is None:
        return False
    if p.role in AUTHORITY:
        return True
    if p.role is Role.OPERATOR_WRITER:
        return p.organisation is not None and (area_owner == p.organisation or tasked)
    return False


def may_write_kind(p: Principal | None, kind: str) -> bool:
    """Could `p` write some record of `kind` at all (to refuse early, before looking at owners)?"""
    if p is None:
        return False
    if p.role in AUTHORITY:
        return True
    if p.role is Role.OPERATOR_WRITER:
        return kind in OWNER_PATHS and p.organisation is not None
    if p.role is Role.QA_OFFICER:
        return kind in QA_KINDS
    return False


def can_see_personal(p: Principal | None) -> bool:
    """Victims' name, date of birth and address (and personnel names) — only the national
    authority's administrator and IM officer, who keep the victim register. QA officers, operators,
    viewers and the public see the non-personal part of those records (gender, age, outcome…)."""
    return p is not None and p.role in AUTHORITY


def can_submit(p: Principal | None) -> bool:
    """Send field forms into the review queue (ODK Collect, export imports): the authority, operators' data
    workers and QA officers. What a submission may change is decided again at approval (`can_write`)."""
    return p is not None and p.role in (Role.ADMIN, Role.IMO, Role.OPERATOR_WRITER, Role.QA_OFFICER)


def can_review(p: Principal | None) -> bool:
    """Verify a field submission (first step of the review): IM officers, administrators, QA officers."""
    return p is not None and p.role in (Role.ADMIN, Role.IMO, Role.QA_OFFICER)


def can_approve(p: Principal | None) -> bool:
    """Approve or reject a submission, so that it changes the national record: the authority only."""
    return p is not None and p.role in AUTHORITY


def can_run_plans(p: Principal | None) -> bool:
    """Start a planning run (it takes the server's processors for seconds to minutes): the national
    authority, which owns the national plan, and operators' data workers, who plan their tasks.
    Readers (viewers, operator viewers, QA officers, the public) look at the runs' results only."""
    return p is not None and p.role in (Role.ADMIN, Role.IMO, Role.OPERATOR_WRITER)


def can_manage_accounts(p: Principal | None) -> bool:
    """Create, disable, re-password accounts and issue/revoke tokens for them: administrators and IM officers."""
    return p is not None and p.role in AUTHORITY


def can_manage_role(p: Principal | None, role: Role) -> bool:
    """An IM officer manages every account except administrators (no self-promotion to admin)."""
    if not can_manage_accounts(p):
        return False
    assert p is not None
    return p.role is Role.ADMIN or role is not Role.ADMIN


def can_export(p: Principal | None, kind: str, *, personal: bool = False) -> bool:
    return can_read(p, kind) and (not personal or can_see_personal(p))


__all__ = [
    "AREA_REFS",
    "OWNER_PATHS",
    "PUBLIC_KINDS",
    "QA_KINDS",
    "STATISTICS",
    "can_approve",
    "can_export",
    "can_manage_accounts",
    "can_manage_role",
    "can_read",
    "can_review",
    "can_run_plans",
    "can_see_personal",
    "can_write",
    "may_touch_area",
    "may_write_kind",
    "owner_path",
]
