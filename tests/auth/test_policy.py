"""The authorisation rules as pure functions: every role against every kind, trying to break them."""

from __future__ import annotations

import pytest

from landrelease.auth import policy
from landrelease.auth.roles import ACCOUNT_ROLES, Principal, Role
from landrelease.domain.model import ENTITIES
from landrelease.errors import ValidationError

ADMIN = Principal("ada", Role.ADMIN)
IMO = Principal("ian", Role.IMO)
OP = Principal("olga", Role.OPERATOR_WRITER, "ORG-2026-000001")
OPV = Principal("oleg", Role.OPERATOR_VIEWER, "ORG-2026-000001")
QA = Principal("quinn", Role.QA_OFFICER)
VIEWER = Principal("dona", Role.VIEWER)
PUBLIC = Principal.public()
KINDS = [e.kind for e in ENTITIES]


def test_nobody_reads_or_writes_anything():
    for kind in [*KINDS, "statistics"]:
        assert not policy.can_read(None, kind)
        assert not policy.can_write(None, kind, None)
    assert not policy.can_see_personal(None) and not policy.can_review(None) and not policy.can_approve(None)


def test_every_account_reads_every_kind_but_only_the_authority_sees_personal_data():
    for role in ACCOUNT_ROLES:
        p = Principal("x", role, "ORG-2026-000001")
        assert all(policy.can_read(p, k) for k in [*KINDS, "statistics"])
        assert policy.can_see_personal(p) == (role in (Role.ADMIN, Role.IMO))
        assert policy.can_export(p, "victim", personal=True) == (role in (Role.ADMIN, Role.IMO))


def test_public_view_reads_released_land_and_statistics_only():
    readable = {k for k in [*KINDS, "statistics"] if policy.can_read(PUBLIC, k)}
    assert readable == {"land_release", "statistics"}
    assert not policy.can_read(PUBLIC, "hazardous_area")  # open hazard coordinates stay private
    assert not any(policy.can_write(PUBLIC, k, None) for k in KINDS)
    assert not policy.can_see_personal(PUBLIC)


def test_operator_writes_only_its_own_organisations_records():
    own, other = "ORG-2026-000001", "ORG-2026-000002"
    for kind in policy.OWNER_PATHS:
        assert policy.can_write(OP, kind, own), kind
        assert not policy.can_write(OP, kind, other), kind
        assert not policy.can_write(OP, kind, None), kind  # the authority's records
    for kind in ("organisation", "accreditation", "reference", "qa_visit", "nonconformity"):
        assert not policy.can_write(OP, kind, own), kind
    # an operator account without an organisation writes nothing
    assert not policy.can_write(Principal("x", Role.OPERATOR_WRITER, None), "activity", None)


def test_readers_never_write_and_qa_writes_qa_records():
    for p in (OPV, VIEWER):
        assert not any(policy.can_write(p, k, "ORG-2026-000001") for k in KINDS)
        assert not any(policy.may_write_kind(p, k) for k in KINDS)
    assert {k for k in KINDS if policy.can_write(QA, k, None)} == {"qa_visit", "nonconformity"}
    assert all(policy.can_write(ADMIN, k, None) and policy.can_write(IMO, k, "ORG-X") for k in KINDS)


def test_review_approve_and_account_management():
    assert [p.role for p in (ADMIN, IMO, QA) if policy.can_review(p)] == [Role.ADMIN, Role.IMO, Role.QA_OFFICER]
    assert not policy.can_review(OP) and not policy.can_review(VIEWER)
    assert policy.can_approve(ADMIN) and policy.can_approve(IMO)
    assert not any(policy.can_approve(p) for p in (QA, OP, OPV, VIEWER, PUBLIC))
    assert policy.can_manage_role(ADMIN, Role.ADMIN)
    assert policy.can_manage_role(IMO, Role.OPERATOR_WRITER)
    assert not policy.can_manage_role(IMO, Role.ADMIN)  # no self-promotion to administrator
    assert not any(policy.can_manage_accounts(p) for p in (QA, OP, OPV, VIEWER, PUBLIC))


def test_who_may_submit_field_forms():
    everyone = (ADMIN, IMO, OP, OPV, QA, VIEWER, PUBLIC)
    submitters = [p.role for p in everyone if policy.can_submit(p)]
    assert submitters == [Role.ADMIN, Role.IMO, Role.OPERATOR_WRITER, Role.QA_OFFICER]
    assert not policy.can_submit(None)


def test_owner_paths_follow_real_references():
    from landrelease.domain.model import BY_KIND

    for kind, path in policy.OWNER_PATHS.items():
        e = BY_KIND[kind]
        for name in path:
            f = e.field(name)
            assert f.ref is not None, (kind, name)
            e = BY_KIND[f.ref]
        assert e.kind == "organisation", kind


def test_public_role_is_not_for_accounts():
    assert Role.PUBLIC not in ACCOUNT_ROLES
    with pytest.raises(ValidationError, match="not a role"):
        Role.parse("public")
    assert Role.parse("Operator-Writer") is Role.OPERATOR_WRITER
