"""Who may review (tried by breaking it, on a live server): viewers and operators cannot read the queue
or decide; a QA officer verifies but cannot approve; the national authority approves and rejects
(with a reason); a web session must send its CSRF token with a decision."""

from __future__ import annotations

from live import call

from landrelease.demo import fieldsim
from landrelease.formats.answers import submission_xml
from landrelease.service import accounts, submissions


def _field_account(server, codes) -> None:
    """The ODK account the submissions come from (approval needs the submitter's account)."""
    from landrelease.errors import NotFound

    try:
        accounts.get_account(server.store, "field1")
    except NotFound:
        accounts.add_account(
            server.store, "field1", role="operator_writer", organisation=codes["org"], password="field1-password-long"
        )


def _queued(server, codes, instance: str) -> str:
    _field_account(server, codes)
    values = {
        "report/activity": codes["activity"],
        "report/date": "2026-11-20",
        "report/worked_m2": "75",
        "meta/instanceID": instance,
    }
    return submissions.submit(
        server.store,
        form_id="lr_progress",
        form_version="1",
        instance_id=instance,
        values=values,
        raw=submission_xml("lr_progress", values),
        source="odk",
        actor="field1",
        organisation=codes["org"],
    ).id


def test_roles_on_the_review_api(server):
    from live import account_token

    codes = fieldsim.seed_record(server.store)
    sid = _queued(server, codes, "uuid:r-1")
    api = f"{server.url}/api/intake/submissions"
    viewer = account_token(server.store, "donor", "viewer")
    operator = account_token(server.store, "op", "operator_writer", codes["org"])
    qa = account_token(server.store, "qa", "qa_officer")
    imo = account_token(server.store, "imo", "imo")

    for who in (viewer, operator):
        assert call("GET", api, headers=who).status == 403
        assert call("POST", f"{api}/{sid}/verify", {}, headers=who).status == 403
    assert call("GET", api, auth=False).status == 401
    listed = call("GET", api, headers=qa)
    assert listed.status == 200 and listed.json["matched"] == 1
    assert call("POST", f"{api}/{sid}/approve", {}, headers=qa).status == 403
    r = call("POST", f"{api}/{sid}/verify", {}, headers=qa)
    assert r.status == 200 and r.json["status"] == "verified" and r.json["verified_by"] == "qa"
    shown = call("GET", f"{api}/{sid}", headers=imo).json
    assert shown["values"]["report/worked_m2"] == "75" and any(e["kind"] == "activity" for e in shown["effects"])
    r = call("POST", f"{api}/{sid}/reject", {"reason": " "}, headers=imo)
    assert r.status == 422 and r.type.startswith("application/problem+json") and "reason" in r.json["detail"]
    r = call("POST", f"{api}/{sid}/approve", {}, headers=imo)
    assert r.status == 200 and r.json["status"] == "approved" and r.json["decided_by"] == "imo"
    assert r.json["records"][0].startswith("PR-")
    assert call("POST", f"{api}/{sid}/approve", {}, headers=imo).status == 409
    assert call("GET", f"{api}/nope-nope-nope", headers=imo).status == 404


def test_a_session_decision_needs_the_csrf_token(server):
    codes = fieldsim.seed_record(server.store)
    sid = _queued(server, codes, "uuid:r-2")
    accounts.add_account(server.store, "imo2", role="imo", password="imo2-password-long")
    secret, session = accounts.create_session(server.store, "imo2")
    cookie = {"Cookie": f"lr_session={secret}"}
    url = f"{server.url}/api/intake/submissions/{sid}/verify"
    assert call("POST", url, {}, headers=cookie, auth=False).status == 403
    assert submissions.get(server.store, sid)["status"] == "submitted"
    r = call("POST", url, {}, headers={**cookie, "X-CSRF-Token": session.csrf}, auth=False)
    assert r.status == 200 and r.json["verified_by"] == "imo2"


def test_review_pages_render_every_state(server):
    from live import account_token

    codes = fieldsim.seed_record(server.store)
    good = _queued(server, codes, "uuid:r-3")
    bad_values = {"report/activity": "ACT-1999-000404", "report/date": "2026-11-20", "meta/instanceID": "uuid:r-4"}
    bad = submissions.submit(
        server.store,
        form_id="lr_progress",
        form_version="1",
        instance_id="uuid:r-4",
        values=bad_values,
        raw=submission_xml("lr_progress", bad_values),
        source="odk",
        actor="field1",
    ).id
    imo = {**account_token(server.store, "imo3", "imo"), "Accept": "text/html"}
    qa = {**account_token(server.store, "qa3", "qa_officer"), "Accept": "text/html"}
    page = call("GET", f"{server.url}/review/{bad}", headers=imo)
    assert page.status == 200 and 'class="flag error"' in page.body.decode() and "ACT-1999-000404" in page.body.decode()
    assert 'id="approve"' not in page.body.decode()  # submitted: verify first
    call("POST", f"{server.url}/api/intake/submissions/{good}/verify", {}, headers=qa)
    page = call("GET", f"{server.url}/review/{good}", headers=imo).body.decode()
    assert 'id="approve"' in page and 'id="diff"' in page and 'id="map"' in page
    call("POST", f"{server.url}/api/intake/submissions/{good}/approve", {}, headers=imo)
    page = call("GET", f"{server.url}/review/{good}", headers=imo).body.decode()
    assert 'id="records"' in page and 'id="decide"' not in page
    queue_page = call("GET", f"{server.url}/review?status=approved&form_id=lr_progress", headers=imo).body.decode()
    assert "uuid:r-3" in queue_page and "uuid:r-4" not in queue_page


def test_queue_listing_bad_parameters_are_4xx(server):
    for query in ("status=lost", "limit=0", "limit=100000", "offset=-1", "offset=100000000000000000000"):
        r = call("GET", f"{server.url}/api/intake/submissions?{query}")
        assert r.status in (400, 422) and r.type.startswith("application/problem+json"), (query, r.status)


def test_victims_personal_answers_are_hidden_from_reviewers_who_may_not_see_them(server):
    """A QA officer verifies accident reports but never sees a victim's name, date of birth or
    address (docs/security.md); the IM officer who approves does."""
    from live import account_token

    values = {
        "accident/date": "2026-11-18",
        "accident/acc_type": "civilian",
        "accident/location": "51.4052 35.5048 0 0",
        "victims[1]/outcome": "injured",
        "victims[1]/full_name": "Synthetic Person Alpha",
        "victims[1]/address": "1 Synthetic Street",
        "victims[1]/age": "34",
        "meta/instanceID": "uuid:acc-1",
    }
    sid = submissions.submit(
        server.store,
        form_id="lr_accident",
        form_version="1",
        instance_id="uuid:acc-1",
        values=values,
        raw=submission_xml("lr_accident", values),
        source="odk",
        actor="field1",
    ).id
    qa = {**account_token(server.store, "qa9", "qa_officer"), "Accept": "text/html"}
    imo = {**account_token(server.store, "imo9", "imo"), "Accept": "text/html"}
    for url in (f"{server.url}/review/{sid}", f"{server.url}/api/intake/submissions/{sid}"):
        seen = call("GET", url, headers=qa).body.decode()
        assert "Synthetic Person Alpha" not in seen and "1 Synthetic Street" not in seen
        assert "personal data: hidden" in seen and "34" in seen
        assert "Synthetic Person Alpha" in call("GET", url, headers=imo).body.decode()


def test_a_personal_value_is_never_echoed_in_a_flag_to_a_qa_officer(server):
    """Issue #9: the flag `victims[1]/birth_date: '31/12/1990' is not an ISO 8601 date` reached QA
    officers. The refusal no longer quotes a personal value, and the reviewer's view redacts any
    personal answer from every flag, whatever check wrote it."""
    from live import account_token

    values = {
        "accident/date": "2026-11-18",
        "accident/acc_type": "civilian",
        "accident/location": "51.4052 35.5048 0 0",
        "victims[1]/outcome": "injured",
        "victims[1]/full_name": "Synthetic Person Beta",
        "victims[1]/birth_date": "31/12/1990",
        "meta/instanceID": "uuid:acc-dob",
    }
    sid = submissions.submit(
        server.store,
        form_id="lr_accident",
        form_version="1",
        instance_id="uuid:acc-dob",
        values=values,
        raw=submission_xml("lr_accident", values),
        source="odk",
        actor="field1",
    ).id
    qa = account_token(server.store, "qa-dob", "qa_officer")
    imo = account_token(server.store, "imo-dob", "imo")
    shown = call("GET", f"{server.url}/api/intake/submissions/{sid}", headers=qa)
    assert shown.status == 200
    flags = shown.json["flags"]
    assert any("birth_date" in f["message"] for f in flags), flags  # the reviewer learns what to fix
    page = call("GET", f"{server.url}/review/{sid}", headers={**qa, "Accept": "text/html"}).body.decode()
    for seen in (shown.body.decode(), page):
        assert "31/12/1990" not in seen and "1990" not in seen and "Synthetic Person Beta" not in seen
    # the IM officer, who may see personal data, sees the answer itself
    assert "31/12/1990" in call("GET", f"{server.url}/api/intake/submissions/{sid}", headers=imo).body.decode()
    # a check that did quote the answer is redacted for the QA officer all the same
    from landrelease.service import review

    a = review.assess(server.store, sid)
    forged = review.Assessment(
        a.submission, [review.Flag("invalid", "error", "victims[1]/full_name: 'Synthetic Person Beta' is odd")], [], []
    )
    assert "Synthetic Person Beta" not in forged.without_personal().flags[0].message
