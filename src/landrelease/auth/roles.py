"""Who is acting: a role and, for operators, the organisation they work for."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from landrelease.errors import ValidationError


class Role(StrEnum):
    """Roles of the national record (see docs/security.md for what each may see and do)."""

    ADMIN = "admin"  # national authority administrator: everything, accounts included
    IMO = "imo"  # national authority information-management officer: read all, approve, accounts (not admins)
    OPERATOR_WRITER = "operator_writer"  # operator data worker: writes its own organisation's records
    OPERATOR_VIEWER = "operator_viewer"  # operator staff: reads (no personal data)
    QA_OFFICER = "qa_officer"  # QA visits and nonconformities; reads all (no personal data)
    VIEWER = "viewer"  # read-only (a donor, a ministry): reads (no personal data)
    PUBLIC = "public"  # anonymous visitor when the public view is on; never given to an account

    @property
    def label(self) -> str:
        return ROLE_LABELS[self]

    @classmethod
    def parse(cls, text: str, *, field: str = "role") -> Role:
        key = str(text).strip().lower().replace("-", "_")
        for r in ACCOUNT_ROLES:
            if key == r.value:
                return r
        choices = ", ".join(r.value for r in ACCOUNT_ROLES)
        raise ValidationError(f"'{text}' is not a role; use one of: {choices}", field=field)


ROLE_LABELS = {
    Role.ADMIN: "Administrator (national authority)",
    Role.IMO: "Information-management officer (national authority)",
    Role.OPERATOR_WRITER: "Operator data worker",
    Role.OPERATOR_VIEWER: "Operator viewer",
    Role.QA_OFFICER: "QA officer",
    Role.VIEWER: "Read-only viewer (donor)",
    Role.PUBLIC: "Anonymous (public view)",
}

#: Roles an account can hold (PUBLIC is only the anonymous visitor of the public view).
ACCOUNT_ROLES: tuple[Role, ...] = tuple(r for r in Role if r is not Role.PUBLIC)

#: Roles whose accounts must belong to an organisation (what they write or see is theirs).
ORGANISATION_ROLES = frozenset({Role.OPERATOR_WRITER, Role.OPERATOR_VIEWER})


@dataclass(frozen=True)
class Principal:
    """The authenticated caller. `organisation` is an organisation record code (ORG-…) or None;
    `actor` is what the audit trail records for this caller's writes (the account's username)."""

    username: str
    role: Role
    organisation: str | None = None
    actor: str = ""

    def __post_init__(self) -> None:
        if not self.actor:
            object.__setattr__(self, "actor", self.username)

    @classmethod
    def public(cls) -> Principal:
        """The anonymous visitor of the public view (only when the server enables it)."""
        return cls(username="", role=Role.PUBLIC, organisation=None, actor="anonymous")

    @property
    def is_anonymous(self) -> bool:
        return self.role is Role.PUBLIC
