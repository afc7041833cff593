"""Accounts, tokens, sessions and the login rate limit on both backends, and the ownership and
personal-data rules enforced by the service layer — each rule tried by someone who must not pass."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select, update

from landrelease.auth.roles import Principal, Role
from landrelease.errors import Conflict, Forbidden, TooManyAttempts, Unauthenticated, ValidationError
from landrelease.service import accounts, query, records
from landrelease.service.store import open_store
from landrelease.service.transfer import export_file
from landrelease.settings import Settings
from landrelease.store import repo
from landrelease.store.schema import account, audit, auth_session

PW = "correct horse battery staple"
SQUARE = {
    "type": "Polygon",
    "coordinates": [[[35.50, 51.40], [35.516, 51.40], [35.516, 51.41], [35.50, 51.41], [35.50, 51.40]]],
}


def _orgs(store) -> tuple[str, str]:
    a = records.create(store, "organisation", {"name": "Own Demining", "org_kind": "ngo"}).codes[0]
    b = records.create(store, "organisation", {"name": "Other Demining", "org_kind": "ngo"}).codes[0]
    return a, b


def _as(store, username: str, role: str, org: str | None = None):
    accounts.add_account(store, username, role=role, password=PW, organisation=org)
    return store.acting(accounts.get_account(store, username).principal())


def test_passwords_are_argon2_and_account_changes_are_audited(store):
    admin = _as(store, "ada", "admin")
    accounts.add_account(admin, "Ian", role="imo", password=PW, full_name="Ian M")
    with repo.read_connection(store.engine) as conn:
        stored = conn.execute(select(account.c.password_hash).where(account.c.username == "ian")).scalar_one()
        rows = conn.execute(select(audit).where(audit.c.kind == "account").order_by(audit.c.id)).mappings().all()
    assert stored.startswith("$argon2id$") and PW not in stored
    assert [(r["code"], r["action"], r["actor"]) for r in rows] == [
        ("ada", "create", store.actor),
        ("ian", "create", "ada"),
    ]
    accounts.set_password(admin, "ian", "another long password")
    with repo.read_connection(store.engine) as conn:
        last = conn.execute(select(audit).where(audit.c.code == "ian").order_by(audit.c.id.desc())).mappings().first()
    assert last["actor"] == "ada" and last["after"]["password"] == "(changed)"
    assert "argon2" not in str(last["before"]) + str(last["after"])
    assert accounts.authenticate(store, "ian", "another long password").role is Role.IMO
    with pytest.raises(Unauthenticated):
        accounts.authenticate(store, "ian", PW)


def test_bad_accounts_are_refused(store):
    with pytest.raises(ValidationError, match="at least 12"):
        accounts.add_account(store, "bob", role="viewer", password="short")
    with pytest.raises(ValidationError, match="organisation"):
        accounts.add_account(store, "olga", role="operator_writer", password=PW)
    with pytest.raises(ValidationError, match="no organisation"):
        accounts.add_account(store, "olga", role="operator_writer", password=PW, organisation="ORG-1900-000001")
    with pytest.raises(ValidationError, match="not a role"):
        accounts.add_account(store, "bob", role="superuser", password=PW)
    with pytest.raises(ValidationError, match="username"):
        accounts.add_account(store, "bad name!", role="viewer", password=PW)
    accounts.add_account(store, "bob", role="viewer", password=PW)
    with pytest.raises(Conflict):
        accounts.add_account(store, "BOB", role="viewer", password=PW)


def test_who_may_manage_accounts(store):
    org, _ = _orgs(store)
    imo = _as(store, "ian", "imo")
    viewer = _as(store, "dona", "viewer")
    op = _as(store, "olga", "operator_writer", org)
    accounts.add_account(imo, "oleg", role="operator_viewer", password=PW, organisation=org)
    with pytest.raises(Forbidden):  # an IM officer cannot make (or unmake) administrators
        accounts.add_account(imo, "eve", role="admin", password=PW)
    _as(store, "ada", "admin")
    with pytest.raises(Forbidden):
        accounts.disable_account(imo, "ada")
    for p in (viewer, op):
        with pytest.raises(Forbidden):
            accounts.add_account(p, "eve", role="viewer", password=PW)
        with pytest.raises(Forbidden):
            accounts.list_accounts(p)
        with pytest.raises(Forbidden):
            accounts.create_token(p, "ian")  # someone else's token
    assert accounts.create_token(op, "olga").startswith("lr_")  # one's own token is fine


def test_tokens_are_shown_once_stored_hashed_and_revocable(store):
    _as(store, "ada", "admin")
    token = accounts.create_token(store, "ada", "nightly export")
    assert accounts.principal_for_token(store, token).username == "ada"
    with repo.read_connection(store.engine) as conn:
        dump = str(conn.execute(select(accounts.api_token)).all())
    assert token not in dump and accounts.digest(token) in dump
    assert accounts.principal_for_token(store, token + "x") is None
    assert accounts.principal_for_token(store, "lr_" + "A" * 43) is None  # forged
    hint = accounts.list_tokens(store, "ada")[0]["hint"]
    assert accounts.revoke_tokens(store, "ada", hint) == 1
    assert accounts.principal_for_token(store, token) is None  # revoked
    second = accounts.create_token(store, "ada")
    accounts.disable_account(store, "ada")
    assert accounts.principal_for_token(store, second) is None  # disabled account: token revoked with it
    accounts.enable_account(store, "ada")
    assert accounts.principal_for_token(store, second) is None  # and stays revoked


def test_sessions_end_at_logout_expiry_password_change_and_disabling(store):
    _as(store, "ada", "admin")
    secret, s = accounts.create_session(store, "ada", "127.0.0.1")
    assert accounts.session_for(store, secret).principal.username == "ada" and len(s.csrf) >= 32
    accounts.end_session(store, secret)
    assert accounts.session_for(store, secret) is None  # logged out: the cookie is worthless
    secret, _ = accounts.create_session(store, "ada")
    with repo.write_transaction(store.engine) as conn:
        conn.execute(update(auth_session).values(expires_at=repo.utcnow() - dt.timedelta(seconds=1)))
    assert accounts.session_for(store, secret) is None  # stale
    secret, _ = accounts.create_session(store, "ada")
    accounts.set_password(store, "ada", "a brand new password")
    assert accounts.session_for(store, secret) is None
    secret, _ = accounts.create_session(store, "ada")
    accounts.disable_account(store, "ada")
    assert accounts.session_for(store, secret) is None
    with pytest.raises(Unauthenticated, match="disabled"):
        accounts.authenticate(store, "ada", "a brand new password")


def test_login_rate_limit_per_account_survives_a_restart(store):
    _as(store, "ada", "admin")
    for _ in range(Settings().login_user_failures):
        with pytest.raises(Unauthenticated):
            accounts.authenticate(store, "ada", "guess", "10.0.0.1")
    with pytest.raises(TooManyAttempts) as exc:  # even the right password is refused while locked
        accounts.authenticate(store, "ada", PW, "10.0.0.2")
    assert exc.value.http_status == 429 and exc.value.retry_after > 60
    again = open_store(store.db)  # a new process on the same record
    try:
        with pytest.raises(TooManyAttempts):
            accounts.authenticate(again, "ADA", PW)
    finally:
        again.close()
    with repo.write_transaction(store.engine) as conn:  # the lock runs out
        conn.execute(update(accounts.login_attempt).values(locked_until=repo.utcnow() - dt.timedelta(seconds=1)))
    assert accounts.authenticate(store, "ada", PW).username == "ada"


def test_login_rate_limit_per_address(store):
    _as(store, "ada", "admin")
    for i in range(Settings().login_address_failures):  # spraying many usernames from one address
        with pytest.raises(Unauthenticated):
            accounts.authenticate(store, f"user{i}", "guess", "10.9.9.9")
    with pytest.raises(TooManyAttempts):
        accounts.authenticate(store, "ada", PW, "10.9.9.9")
    assert accounts.authenticate(store, "ada", PW, "10.9.9.10").username == "ada"


def test_operator_writes_its_own_organisations_records_only(store):
    own, other = _orgs(store)
    op = _as(store, "olga", "operator_writer", own)
    area = records.create(
        store, "hazardous_area", {"haz_type": "sha", "status": "open", "name": "Ours", "org": own}, SQUARE
    )
    area = area.codes[0]
    theirs = records.create(store, "activity", {"act_type": "clearance", "status": "ongoing", "org": other}).codes[0]
    # creating: org defaults to its own; naming another organisation is refused
    mine = records.create(op, "activity", {"act_type": "clearance", "area": area, "status": "ongoing"}).codes[0]
    assert query.one(store, "activity", mine)["org"] == own
    assert query.one(store, "activity", mine)["created_by"] == "olga"
    with pytest.raises(Forbidden, match=other):
        records.create(op, "activity", {"act_type": "nts", "status": "ongoing", "org": other})
    # records that hang off another organisation's activity
    with pytest.raises(Forbidden):
        records.create(op, "progress_report", {"activity": theirs, "date": "2024-05-01", "worked_m2": 10})
    records.create(op, "progress_report", {"activity": mine, "date": "2024-05-01", "worked_m2": 10})
    # editing or withdrawing another organisation's record
    with pytest.raises(Forbidden):
        records.update(op, theirs, {"status": "completed"}, expected_version=1)
    with pytest.raises(Forbidden):
        records.delete(op, theirs, reason="not ours")
    # handing its own record to another organisation
    with pytest.raises(Forbidden, match="hand over"):
        records.update(op, mine, {"org": other}, expected_version=1)
    # the authority's own kinds
    with pytest.raises(Forbidden):
        records.create(op, "organisation", {"name": "Shell company"})
    assert query.one(store, "activity", theirs)["status"] == "ongoing"
    mine_now = query.one(store, "activity", mine)
    assert mine_now["org"] == own and mine_now["version"] == 2  # v2: worked_m2 from its progress report


def test_readers_never_write_and_qa_writes_qa(store):
    own, _ = _orgs(store)
    for p in (_as(store, "oleg", "operator_viewer", own), _as(store, "dona", "viewer")):
        with pytest.raises(Forbidden):
            records.create(p, "activity", {"act_type": "nts", "status": "ongoing", "org": own})
        with pytest.raises(Forbidden):
            records.update(p, own, {"name": "Renamed"}, expected_version=1)
    qa = _as(store, "quinn", "qa_officer")
    visit = records.create(qa, "qa_visit", {"date": "2024-06-01", "visit_type": "qa_monitoring", "org": own})
    assert visit.count == 1
    with pytest.raises(Forbidden):
        records.create(qa, "activity", {"act_type": "nts", "status": "ongoing", "org": own})


def test_personal_data_only_for_the_authority(store, tmp_path):
    import pyogrio

    own, _ = _orgs(store)
    acc = records.create(
        store,
        "accident",
        {"date": "2024-04-01", "acc_type": "civilian"},
        {"type": "Point", "coordinates": [35.5, 51.4]},
    ).codes[0]
    vic = records.create(
        store,
        "victim",
        {
            "accident": acc,
            "full_name": "Secret Person",
            "birth_date": "1980-01-01",
            "address": "1 Hidden St",
            "outcome": "injured",
        },
    ).codes[0]
    records.update(store, vic, {"address": "2 Hidden St"}, expected_version=1)
    imo = _as(store, "ian", "imo")
    assert query.one(imo, "victim", vic, personal=None)["full_name"] == "Secret Person"
    export_file(imo, tmp_path / "v.gpkg", kind="victim", personal=True)
    meta, _, _, fields = pyogrio.raw.read(tmp_path / "v.gpkg")
    assert list(fields[list(meta["fields"]).index("full_name")]) == ["Secret Person"]
    for p in (
        _as(store, "quinn", "qa_officer"),
        _as(store, "olga", "operator_writer", own),
        _as(store, "dona", "viewer"),
    ):
        assert "full_name" not in query.one(p, "victim", vic, personal=None)
        assert records.get(p, vic)["full_name"] == "(restricted)"
        with pytest.raises(Forbidden, match="personal"):
            query.one(p, "victim", vic, personal=True)
        with pytest.raises(Forbidden, match="personal"):
            export_file(p, tmp_path / f"{p.actor}.gpkg", kind="victim", personal=True)
        export_file(p, tmp_path / f"{p.actor}.csv", kind="victim")
        assert "Secret" not in (tmp_path / f"{p.actor}.csv").read_text()
        hist = records.history(p, vic)
        assert "Hidden" not in str(hist) and "Secret" not in str(hist)
        assert "address" not in records.version(p, vic, 1)
    assert "Hidden" in str(records.history(imo, vic))


def test_without_a_principal_a_guarded_store_does_nothing(store):
    guarded = store.guarded()
    with pytest.raises(Unauthenticated):
        query.search(guarded, "hazardous_area")
    with pytest.raises(Unauthenticated):
        records.create(guarded, "organisation", {"name": "X"})
    public = store.acting(Principal.public())
    assert query.search(public, "land_release").matched == 0
    with pytest.raises(Unauthenticated, match="public view"):
        query.search(public, "hazardous_area")
