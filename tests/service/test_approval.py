"""Approving a field submission (issue 9, item 4), on SQLite and PostGIS: one transaction, the
answers parsed once and the geometry checked once, the approver being the signed-in account, the
submitter's rights as the guard (a submitter with no account, or a disabled one, is refused), reading
a submission without a write lock, and two people for verify and approve."""

from __future__ import annotations

import inspect
import threading

import pytest
from sqlalchemy import func, select

from fieldseed import seed
from landrelease.errors import Forbidden
from landrelease.formats import answers
from landrelease.formats.answers import submission_xml
from landrelease.geo import checks
from landrelease.service import accounts, records, review, submissions
from landrelease.service import write as write_path
from landrelease.settings import Settings, load_settings
from landrelease.store import repo
from landrelease.store.schema import TABLES, audit, code_sequence

PASSWORD = "a-long-synthetic-password"


def _account(store, name: str, role: str, org: str | None = None):
    accounts.add_account(store, name, role=role, organisation=org, password=PASSWORD)
    return store.acting(accounts.principal_for_username(store, name))


def _area_values(c: dict[str, str], instance: str) -> dict[str, str]:
    return {
        "area/name": "Orchard by the ford",
        "area/haz_type": "sha",
        "area/evidence": "witness",
        "area/reported": "2026-11-20",
        "area/org": c["org"],
        "geometry/method": "points",
        "geometry/corners[1]/point": "51.420 35.560 0 3",
        "geometry/corners[2]/point": "51.420 35.565 0 3",
        "geometry/corners[3]/point": "51.424 35.565 0 3",
        "meta/instanceID": instance,
    }


def _progress_values(c: dict[str, str], instance: str, date: str = "2026-11-20") -> dict[str, str]:
    return {
        "report/activity": c["activity"],
        "report/unit": c["unit"],
        "report/date": date,
        "report/worked_m2": "120",
        "meta/instanceID": instance,
    }


def _submit(store, form_id: str, values: dict[str, str], actor: str, org: str | None = None) -> str:
    return submissions.submit(
        store,
        form_id=form_id,
        form_version="1",
        instance_id=values["meta/instanceID"],
        values=values,
        raw=submission_xml(form_id, values),
        source="odk",
        actor=actor,
        organisation=org,
    ).id


def _count(store, table) -> int:
    with store.engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(table)).scalar_one()


@pytest.fixture
def staff(store):
    """A record with accounts: an operator's field worker, a QA officer and two IM officers."""
    c = seed(store)
    return {
        "codes": c,
        "field": _account(store, "field.worker", "operator_writer", c["org"]),
        "qa": _account(store, "qa.olga", "qa_officer"),
        "imo": _account(store, "imo.ana", "imo"),
        "imo2": _account(store, "imo.bo", "imo"),
    }


def test_the_approver_is_the_signed_in_account_and_cannot_be_named(store, staff):
    """No `actor` argument to forge: the audit rows name the account the store acts for."""
    for decision in (review.verify, review.approve, review.reject):
        assert "actor" not in inspect.signature(decision).parameters
    c = staff["codes"]
    sid = _submit(store, "lr_progress", _progress_values(c, "uuid:ap-1"), "field.worker", c["org"])
    review.verify(staff["qa"], sid)
    done = review.approve(staff["imo"], sid)
    assert done["verified_by"] == "qa.olga" and done["decided_by"] == "imo.ana"
    (code,) = done["records"]
    with store.engine.connect() as conn:
        txn = conn.execute(select(audit.c.txn).where(audit.c.code == code)).scalar_one()
        rows = conn.execute(select(audit).where(audit.c.txn == txn)).mappings().all()
    # one transaction: the report, the activity's worked area and the submission's own trail
    assert {r["kind"] for r in rows} == {"progress_report", "activity", "submission"}
    assert {r["actor"] for r in rows} == {"imo.ana"}


def test_verifying_and_approving_need_two_people(store, staff):
    c = staff["codes"]
    sid = _submit(store, "lr_progress", _progress_values(c, "uuid:ap-2"), "field.worker", c["org"])
    review.verify(staff["imo"], sid)
    with pytest.raises(Forbidden, match="you verified it, and approval needs a second person"):
        review.approve(staff["imo"], sid)
    assert submissions.get(store, sid)["status"] == "verified" and _count(store, TABLES["progress_report"]) == 0
    assert review.approve(staff["imo2"], sid)["decided_by"] == "imo.bo"

    one_person = staff["imo"].configured(Settings(review_two_person=False))  # LANDRELEASE_REVIEW_TWO_PERSON=0
    other = _submit(store, "lr_progress", _progress_values(c, "uuid:ap-3", "2026-11-21"), "field.worker", c["org"])
    review.verify(one_person, other)
    assert review.approve(one_person, other)["status"] == "approved"


def test_the_two_person_setting_is_read_from_the_environment():
    """On by default; LANDRELEASE_REVIEW_TWO_PERSON (or review_two_person in the settings file) turns it off."""
    seen = {v: load_settings(environ={} if v is None else {"LANDRELEASE_REVIEW_TWO_PERSON": v}).review_two_person
            for v in (None, "0", "off", "1", "yes")}  # fmt: skip
    assert seen == {None: True, "0": False, "off": False, "1": True, "yes": True}


def test_a_submitter_without_an_account_or_disabled_is_refused(store, staff):
    """`guard=None` is gone: nobody's rights stand in for a sender the record does not know."""
    c = staff["codes"]
    ghost = _submit(store, "lr_progress", _progress_values(c, "uuid:ap-4"), "odk:ghost", c["org"])
    review.verify(staff["qa"], ghost)
    flagged = review.assess(store, ghost)  # the verification's dry run already says so
    assert not flagged.approvable and "'odk:ghost' has no account" in flagged.flags[0].message
    before = _count(store, audit)
    with pytest.raises(Forbidden, match="its submitter 'odk:ghost' has no account in this record"):
        review.approve(staff["imo"], ghost)

    sid = _submit(store, "lr_progress", _progress_values(c, "uuid:ap-5"), "field.worker", c["org"])
    review.verify(staff["qa"], sid)
    accounts.disable_account(store, "field.worker")
    after_disable = _count(store, audit)
    with pytest.raises(Forbidden, match="account 'field.worker' is disabled"):
        review.approve(staff["imo"], sid)
    assert _count(store, audit) == after_disable > before  # the refusals wrote nothing
    assert _count(store, TABLES["progress_report"]) == 0
    assert {submissions.get(store, s)["status"] for s in (ghost, sid)} == {"verified"}
    accounts.enable_account(store, "field.worker")
    assert review.approve(staff["imo"], sid)["status"] == "approved"


def test_approval_parses_the_answers_once_and_checks_the_geometry_once(store, staff, monkeypatch):
    """Counted on the real functions (wrapped, not replaced): one `to_batches`, one `prepare`."""
    c = staff["codes"]
    sid = _submit(store, "lr_hazard_area", _area_values(c, "uuid:ap-6"), "field.worker", c["org"])
    review.verify(staff["qa"], sid)
    calls = {"parse": 0, "geometry": 0}
    real_parse, real_prepare = answers.to_batches, checks.prepare

    def parse(*args, **kw):
        calls["parse"] += 1
        return real_parse(*args, **kw)

    def prepare(*args, **kw):
        calls["geometry"] += 1
        return real_prepare(*args, **kw)

    monkeypatch.setattr(answers, "to_batches", parse)
    for module in (checks, write_path, review):
        if hasattr(module, "prepare"):
            monkeypatch.setattr(module, "prepare", prepare)
    done = review.approve(staff["imo"], sid)
    assert calls == {"parse": 1, "geometry": 1}
    (code,) = done["records"]
    assert records.get(store, code)["status"] == "open"


def test_reading_a_submission_takes_no_write_lock(store, staff):
    """While another transaction holds the write lock (SQLite: BEGIN IMMEDIATE; PostgreSQL: the
    activity's row and the code sequences locked), reading a submission — submitted or verified, with
    what approval would write — returns at once instead of queueing behind it."""
    c = staff["codes"]
    sid = _submit(store, "lr_progress", _progress_values(c, "uuid:ap-7"), "field.worker", c["org"])
    verified = _submit(store, "lr_progress", _progress_values(c, "uuid:ap-8"), "field.worker", c["org"])
    review.verify(staff["qa"], verified)
    act = TABLES["activity"]
    results: dict[str, object] = {}
    holding, done = threading.Event(), threading.Event()

    def hold_the_lock() -> None:
        with repo.write_transaction(store.engine) as conn:
            conn.execute(repo.lock_for_update(conn, select(act).where(act.c.code == c["activity"]))).all()
            conn.execute(repo.lock_for_update(conn, select(code_sequence))).all()
            holding.set()
            done.wait(30)

    blocker = threading.Thread(target=hold_the_lock)
    blocker.start()
    try:
        assert holding.wait(10)

        def read() -> None:
            results["submitted"] = review.assess(staff["qa"], sid)
            results["verified"] = review.assess(staff["imo"], verified)

        reader = threading.Thread(target=read)
        reader.start()
        reader.join(10)
        assert not reader.is_alive(), "reading a submission waited for the write lock"
    finally:
        done.set()
        blocker.join()
    assert [e.kind for e in results["submitted"].effects] == ["progress_report"]
    assert {e.kind for e in results["verified"].effects} == {"progress_report", "activity"}
    assert _count(store, TABLES["progress_report"]) == 0
