"""`landrelease intake list|show|verify|approve|reject` in a real subprocess, with accounts (`--as`):
the decisions land, the roles hold, mistakes are one line and a non-zero exit."""

from __future__ import annotations

import os
import subprocess
import sys

from landrelease.demo import fieldsim
from landrelease.formats.answers import submission_xml
from landrelease.service import accounts, submissions
from landrelease.service.store import open_store


def run(db: str, *args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, COLUMNS="250")
    env.pop("LANDRELEASE_DB", None)
    env.pop("LANDRELEASE_AS", None)
    return subprocess.run(
        [sys.executable, "-m", "landrelease", "--db", db, *args], capture_output=True, text=True, env=env, timeout=300
    )


def test_intake_commands(tmp_path):
    db = str(tmp_path / "r.db")
    store = open_store(db, init=True)
    codes = fieldsim.seed_record(store)
    for user, role in (("ana", "imo"), ("olga", "qa_officer"), ("vic", "viewer")):
        accounts.add_account(store, user, role=role, password=f"{user}-password-123")
    accounts.add_account(
        store, "field1", role="operator_writer", organisation=codes["org"], password="field1-password-123"
    )
    ids = []
    for i, worked in enumerate(("120", "130")):
        values = {
            "report/activity": codes["activity"],
            "report/date": "2026-11-20",
            "report/worked_m2": worked,
            "meta/instanceID": f"uuid:cli-{i}",
        }
        ids.append(
            submissions.submit(
                store,
                form_id="lr_progress",
                form_version="1",
                instance_id=f"uuid:cli-{i}",
                values=values,
                raw=submission_xml("lr_progress", values),
                source="odk",
                actor="field1",
            ).id
        )
    store.close()

    listed = run(db, "--as", "olga", "intake", "list", "--status", "submitted")
    assert listed.returncode == 0, listed.stderr
    assert "uuid:cli-0" in listed.stdout and "submitted: 2" in listed.stdout
    shown = run(db, "--as", "olga", "intake", "show", "uuid:cli-0")
    assert shown.returncode == 0 and "report/worked_m2" in shown.stdout and codes["activity"] in shown.stdout
    denied = run(db, "--as", "vic", "intake", "list")
    assert denied.returncode == 5 and len(denied.stderr.strip().splitlines()) == 1
    assert run(db, "--as", "olga", "intake", "verify", "uuid:cli-0").returncode == 0
    refused = run(db, "--as", "olga", "intake", "approve", "uuid:cli-0")
    assert refused.returncode == 5, refused.stderr  # QA officers verify, they do not approve
    approved = run(db, "--as", "ana", "intake", "approve", ids[0][:13], "--note", "checked by phone")
    assert approved.returncode == 0, approved.stderr
    assert "approved by ana" in approved.stdout and "PR-" in approved.stdout
    no_reason = run(db, "--as", "ana", "intake", "reject", "uuid:cli-1")
    assert no_reason.returncode == 2 and "reason" in no_reason.stderr
    assert len(no_reason.stderr.strip().splitlines()) == 1 and "Traceback" not in no_reason.stderr
    rejected = run(db, "--as", "ana", "intake", "reject", "uuid:cli-1", "--reason", "duplicate of cli-0")
    assert rejected.returncode == 0 and "rejected by ana" in rejected.stdout
    missing = run(db, "--as", "ana", "intake", "show", "uuid:none")
    assert missing.returncode == 3 and "no submission" in missing.stderr

    store = open_store(db)
    assert (
        submissions.get(store, ids[0])["decided_by"] == "ana" and submissions.get(store, ids[1])["status"] == "rejected"
    )
    store.close()
