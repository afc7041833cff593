"""The review workflow on both backends: flags a reviewer sees, the dry run of what approval writes,
submitted → verified → approved | rejected, approval writing the records through the service in one
transaction with the status change (audit naming the approver), and nothing written otherwise."""

from __future__ import annotations

import datetime as dt
import threading

import numpy as np
import pytest
import shapely
from sqlalchemy import func, select

from fieldseed import AREA, as_actor, seed
from landrelease.domain import model as m
from landrelease.domain.batch import Batch
from landrelease.errors import Conflict, ValidationError
from landrelease.formats.answers import submission_xml
from landrelease.service import records, review, submissions
from landrelease.service.write import write_batch
from landrelease.store.schema import TABLES, audit


def _submit(store, form_id: str, values: dict[str, str], actor: str = "odk:field1", org: str | None = None) -> str:
    got = submissions.submit(
        store,
        form_id=form_id,
        form_version="1",
        instance_id=values["meta/instanceID"],
        values=values,
        raw=submission_xml(form_id, values),
        source="odk",
        actor=actor,
        organisation=org,
    )
    return got.id


def _progress(c: dict[str, str], instance: str, worked: str = "250", activity: str | None = None) -> dict[str, str]:
    return {
        "report/activity": activity or c["activity"],
        "report/unit": c["unit"],
        "report/date": "2026-11-20",
        "report/worked_m2": worked,
        "report/deminers": "6",
        "meta/instanceID": instance,
    }


def _count(store, table) -> int:
    with store.engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(table)).scalar_one()


def _one(store, ent, geom=None, **cols) -> str:
    geoms = None
    if ent.geom is not None:
        geoms = np.empty(1, dtype=object)
        geoms[0] = geom
    return write_batch(store, Batch(ent, {k: [v] for k, v in cols.items()}, geoms)).codes[0]


def test_approval_writes_the_records_with_the_status_change_and_names_the_approver(store):
    c = seed(store)
    sid = _submit(store, "lr_progress", _progress(c, "uuid:p-1"), org=c["org"])
    a = review.assess(store, sid)
    assert a.approvable
    # before verification, the preview is the record the answers make, read without writing
    (planned,) = a.effects
    assert planned.action == "create" and planned.kind == "progress_report" and planned.code == "(new)"
    assert planned.changes["activity"] == (None, c["activity"]) and planned.changes["worked_m2"] == (None, 250.0)

    with pytest.raises(Conflict, match="verify it first"):
        review.approve(as_actor(store, "imo:ana"), sid)
    assert review.verify(as_actor(store, "qa:olga"), sid)["status"] == "verified"
    # verification ran the approval's write and rolled it back: the activity's worked area before → after
    a = review.assess(store, sid)
    update = next(e for e in a.effects if e.action == "update" and e.kind == "activity")
    assert update.code == c["activity"] and update.changes["worked_m2"][1] == 250.0
    assert not update.changes["worked_m2"][0]
    new = next(e for e in a.effects if e.action == "create" and e.kind == "progress_report")
    assert new.changes["activity"] == (None, c["activity"])  # references shown as codes
    assert _count(store, TABLES["progress_report"]) == 0
    assert records.get(store, c["activity"])["worked_m2"] in (None, 0, 0.0)

    done = review.approve(as_actor(store, "imo:ana"), sid)
    assert done["status"] == "approved" and done["decided_by"] == "imo:ana"
    (code,) = done["records"]
    assert code.startswith("PR-")
    assert records.get(store, c["activity"])["worked_m2"] == 250.0
    with store.engine.connect() as conn:
        rows = conn.execute(select(audit).where(audit.c.code.in_([code, c["activity"]]))).mappings().all()
        trail = conn.execute(select(audit).where(audit.c.record_id == sid).order_by(audit.c.id)).mappings().all()
    written = [r for r in rows if r["version"] > 1 or r["code"] == code]
    assert {r["actor"] for r in written} == {"imo:ana"}
    created = next(r for r in written if r["code"] == code)
    assert "uuid:p-1" in created["note"] and "odk:field1" in created["note"]
    assert len({r["txn"] for r in written}) == 1
    assert [(t["action"], t["actor"]) for t in trail] == [("verified", "qa:olga"), ("approved", "imo:ana")]
    assert trail[1]["txn"] == next(r["txn"] for r in written if r["code"] == code)  # one transaction
    with pytest.raises(Conflict):
        review.approve(as_actor(store, "imo:ana"), sid)
    assert _count(store, TABLES["progress_report"]) == 1


def test_rejection_needs_a_reason_and_writes_no_record(store):
    c = seed(store)
    sid = _submit(store, "lr_progress", _progress(c, "uuid:p-2"))
    with pytest.raises(ValidationError, match="reason"):
        review.reject(as_actor(store, "imo:ana"), sid, reason="  ")
    got = review.reject(as_actor(store, "imo:ana"), sid, reason="worked area is the whole site, not the day's work")
    assert got["status"] == "rejected" and got["reason"].startswith("worked area")
    with pytest.raises(Conflict, match="rejected"):
        review.verify(as_actor(store, "qa:olga"), sid)
    assert _count(store, TABLES["progress_report"]) == 0


def test_a_submission_that_cannot_become_records_is_flagged_and_never_approved(store):
    c = seed(store)
    sid = _submit(store, "lr_progress", _progress(c, "uuid:p-3", activity="AC-2026-999999"))
    a = review.assess(store, sid)
    assert not a.approvable
    assert a.flags[0].check == "invalid" and "AC-2026-999999" in a.flags[0].message
    review.verify(as_actor(store, "qa:olga"), sid)
    before = _count(store, audit)
    with pytest.raises(ValidationError, match="cannot approve"):
        review.approve(as_actor(store, "imo:ana"), sid)
    assert submissions.get(store, sid)["status"] == "verified"
    assert _count(store, audit) == before and _count(store, TABLES["progress_report"]) == 0


def test_approval_is_all_or_nothing_when_the_record_changed_after_review(store):
    """The activity is deleted between verification and approval: approval fails, nothing is written
    and the submission stays verified (one transaction)."""
    c = seed(store)
    sid = _submit(store, "lr_progress", _progress(c, "uuid:p-4"))
    review.verify(as_actor(store, "qa:olga"), sid)
    records.delete(store, c["activity"], reason="entered twice")
    with pytest.raises(ValidationError):
        review.approve(as_actor(store, "imo:ana"), sid)
    assert submissions.get(store, sid)["status"] == "verified"
    assert _count(store, TABLES["progress_report"]) == 0


def test_two_approvers_at_once_write_the_records_once(store):
    c = seed(store)
    sid = _submit(store, "lr_progress", _progress(c, "uuid:p-5"))
    review.verify(as_actor(store, "qa:olga"), sid)
    outcomes: list[str] = []
    barrier = threading.Barrier(2)

    def approve(who: str) -> None:
        barrier.wait()
        try:
            review.approve(as_actor(store, who), sid)
            outcomes.append("approved")
        except Conflict:
            outcomes.append("conflict")

    threads = [threading.Thread(target=approve, args=(w,)) for w in ("imo:ana", "admin:bo")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["approved", "conflict"]
    assert _count(store, TABLES["progress_report"]) == 1
    assert records.get(store, c["activity"])["worked_m2"] == 250.0


def _ha(instance: str, shape: str, org: str) -> dict[str, str]:
    return {
        "area/name": "Field by the road",
        "area/haz_type": "sha",
        "area/reported": "2026-11-20",
        "area/org": org,
        "geometry/method": "shape",
        "geometry/perimeter": shape,
        "meta/instanceID": instance,
    }


def _shape(poly: shapely.Polygon) -> str:
    return ";".join(f"{y} {x} 0 3" for x, y in poly.exterior.coords)


def test_flags_duplicates_overlaps_and_same_content(store):
    c = seed(store)
    same = _submit(store, "lr_hazard_area", _ha("uuid:h-1", _shape(AREA), c["org"]))
    flags = review.assess(store, same).flags
    assert any(f.check == "duplicate" and f.record == c["area"] for f in flags)
    shifted = shapely.affinity.translate(AREA, xoff=0.005)
    over = _submit(store, "lr_hazard_area", _ha("uuid:h-2", _shape(shifted), c["org"]))
    flags = review.assess(store, over).flags
    hit = next(f for f in flags if f.check == "overlap")
    assert hit.record == c["area"] and "m²" in hit.message
    twin = _submit(store, "lr_hazard_area", _ha("uuid:h-3", _shape(shifted), c["org"]))
    flags = review.assess(store, twin).flags
    assert any(f.check == "duplicate" and f.submission == over for f in flags)
    apart = shapely.affinity.translate(AREA, xoff=0.5)
    alone = _submit(store, "lr_hazard_area", _ha("uuid:h-4", _shape(apart), c["org"]))
    assert not [f for f in review.assess(store, alone).flags if f.check in ("duplicate", "overlap")]


def test_flags_a_find_outside_its_area_and_an_operator_reporting_for_another_organisation(store):
    c = seed(store)
    far = {
        "task/kind": "activity",
        "task/activity": c["activity"],
        "task/area": c["area"],
        "find/category": "at_mine",
        "find/date": "2026-11-19",
        "find/location": "51.45 35.60",
        "meta/instanceID": "uuid:e-1",
    }
    assessed = review.assess(store, _submit(store, "lr_eo_find", far))
    # the write path's own location rule (the web form gets the same refusal): blocking, not a hint
    (flag,) = [f for f in assessed.flags if f.check == "outside_area"]
    assert flag.record == c["area"] and flag.blocking and not assessed.approvable
    assert f"km outside hazardous area {c['area']}" in flag.message
    inside = dict(far, **{"find/location": "51.405 35.505", "meta/instanceID": "uuid:e-2"})
    flags = review.assess(store, _submit(store, "lr_eo_find", inside)).flags
    assert not [f for f in flags if f.check == "outside_area"]
    other = _submit(store, "lr_hazard_area", _ha("uuid:h-9", _shape(AREA), c["qa_org"]), org=c["org"])
    a = review.assess(store, other)
    assert not a.approvable and any(f.check == "organisation" and f.record == c["qa_org"] for f in a.flags)


def test_flags_accreditation_and_deployment(store):
    c = seed(store)
    sid = _submit(store, "lr_progress", _progress(c, "uuid:p-6"))
    checks = {f.check for f in review.assess(store, sid).flags}
    assert {"not_accredited", "not_deployed"} <= checks  # the seed has neither
    _one(
        store,
        m.ACCREDITATION,
        org=c["org"],
        act_type="clearance",
        valid_from=dt.date(2026, 1, 1),
        valid_to=dt.date(2026, 12, 31),
    )
    elsewhere = shapely.affinity.translate(AREA, xoff=1.0)
    _one(store, m.DEPLOYMENT, elsewhere, unit=c["unit"], start=dt.date(2026, 11, 1), end=dt.date(2026, 11, 30))
    flags = review.assess(store, sid).flags
    assert "not_accredited" not in {f.check for f in flags}
    assert any(f.check == "not_deployed" and "elsewhere" in f.message for f in flags)
    _one(store, m.DEPLOYMENT, AREA.buffer(0.01), unit=c["unit"], start=dt.date(2026, 11, 15), end=dt.date(2026, 11, 25))
    assert "not_deployed" not in {f.check for f in review.assess(store, sid).flags}
    assert review.assess(store, sid).approvable  # warnings never block


def test_an_operator_report_on_another_organisations_activity_cannot_be_approved(store):
    """Whoever approves, a submission only writes what its sender's organisation may write
    (the owner rules of landrelease.auth.policy): a progress report of operator A on operator B's
    activity is flagged by the dry run of its verification and refused on approval."""
    from landrelease.errors import Forbidden
    from landrelease.service import accounts

    c = seed(store)
    other = _one(store, m.ORGANISATION, name="Another synthetic operator", synthetic=True)
    theirs = _one(store, m.ACTIVITY, act_type="clearance", area=c["area"], org=other, status="ongoing")
    accounts.add_account(store, "field.a", role="operator_writer", password="pw-" + "x" * 12, organisation=c["org"])
    sid = _submit(store, "lr_progress", _progress(c, "uuid:p-7", activity=theirs), actor="field.a", org=c["org"])
    review.verify(as_actor(store, "qa:olga"), sid)
    a = review.assess(store, sid)
    assert not a.approvable and a.flags[0].check == "invalid" and "field.a" in a.flags[0].message
    with pytest.raises(Forbidden):
        review.approve(as_actor(store, "imo:ana"), sid)
    assert _count(store, TABLES["progress_report"]) == 0 and submissions.get(store, sid)["status"] == "verified"
    mine = _submit(store, "lr_progress", _progress(c, "uuid:p-8"), actor="field.a", org=c["org"])
    assert review.assess(store, mine).approvable


def test_an_operator_spot_task_on_another_organisations_area_cannot_be_approved(store):
    """Authorisation by what a write touches, on the field path (issue 9): an operator's EOD spot task
    creates its own activity, but on another organisation's hazardous area it touches that area, which
    its organisation neither reports nor is tasked to; the dry run flags it, approval refuses it. Once
    the authority tasks the operator there (an activity assigned to it), the same report is approvable."""
    from landrelease.errors import Forbidden
    from landrelease.service import accounts

    c = seed(store)
    other = _one(store, m.ORGANISATION, name="Another synthetic operator", synthetic=True)
    theirs = _one(
        store,
        m.HAZARDOUS_AREA,
        shapely.box(35.52, 51.40, 35.53, 51.41),
        name="Their field",
        haz_type="cha",
        status="open",
        org=other,
        synthetic=True,
    )
    accounts.add_account(store, "field.a", role="operator_writer", password="pw-" + "x" * 12, organisation=c["org"])
    find = {
        "task/kind": "spot_task",
        "task/org": c["org"],
        "task/area": theirs,
        "find/category": "uxo",
        "find/date": "2026-11-19",
        "find/location": "51.405 35.525",
        "meta/instanceID": "uuid:spot-1",
    }
    sid = _submit(store, "lr_eo_find", find, actor="field.a", org=c["org"])
    review.verify(as_actor(store, "qa:olga"), sid)
    a = review.assess(store, sid)
    assert not a.approvable and theirs in a.flags[0].message and "tasked" in a.flags[0].message
    with pytest.raises(Forbidden, match=theirs):
        review.approve(as_actor(store, "imo:ana"), sid)
    assert _count(store, TABLES["eo_find"]) == 0 and _count(store, TABLES["activity"]) == 1
    # tasked by the authority: the same kind of report on that area is approvable
    _one(store, m.ACTIVITY, act_type="clearance", area=theirs, org=c["org"], status="ongoing", synthetic=True)
    again = _submit(
        store, "lr_eo_find", dict(find, **{"meta/instanceID": "uuid:spot-2"}), actor="field.a", org=c["org"]
    )
    review.verify(as_actor(store, "qa:olga"), again)
    assert review.assess(store, again).approvable
