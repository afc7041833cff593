"""Importing a KoboToolbox or ODK Central export into the review queue (`service.field_exports`), on
SQLite and PostGIS: once per instanceID, all or nothing in one transaction, bad rows named. The
export files themselves are read by `formats.field_exports` (tests/formats/test_field_exports.py)."""

from __future__ import annotations

import pytest

from fieldseed import seed
from formats.test_field_exports import SUBMISSIONS, central_zip, kobo_xlsx
from landrelease.errors import Conflict, NotFound, ValidationError
from landrelease.service import field_exports as FX
from landrelease.service import submissions


def test_import_routes_rows_into_the_queue_once(store, tmp_path):
    seed(store)
    path = kobo_xlsx(tmp_path / "accidents.xlsx")
    first = FX.import_export(store, path, "lr_accident", actor="test:import")
    assert (first.source, first.total, first.created, first.replayed) == ("kobo-import", 2, 2, 0)
    again = FX.import_export(store, path, "lr_accident", actor="test:import")
    assert (again.created, again.replayed) == (0, 2)
    assert submissions.count(store, form_id="lr_accident") == 2
    sub = submissions.get(store, SUBMISSIONS[0]["meta/instanceID"])
    assert sub["status"] == "submitted" and sub["source"] == "kobo-import"
    assert sub["vals"]["victims[2]/outcome"] == "killed"


def test_import_with_a_changed_row_writes_nothing(store, tmp_path):
    seed(store)
    FX.import_export(store, kobo_xlsx(tmp_path / "a.xlsx", SUBMISSIONS[:1]), "lr_accident")
    changed = [{**SUBMISSIONS[0], "accident/descr": "edited later"}, SUBMISSIONS[1]]
    with pytest.raises(Conflict, match="already in the queue with different content"):
        FX.import_export(store, kobo_xlsx(tmp_path / "b.xlsx", changed), "lr_accident")
    assert submissions.count(store) == 1


def test_import_is_one_transaction_when_a_late_row_conflicts(store, tmp_path):
    """The conflict is found at the export's last row, after the first is queued in the same
    transaction: it is rolled back with it (was one transaction per row: the first stayed)."""
    seed(store)
    FX.import_export(store, kobo_xlsx(tmp_path / "a.xlsx", SUBMISSIONS[1:2]), "lr_accident")
    changed = [SUBMISSIONS[0], {**SUBMISSIONS[1], "accident/descr": "edited later"}]
    with pytest.raises(Conflict, match="already in the queue with different content; nothing was imported"):
        FX.import_export(store, kobo_xlsx(tmp_path / "b.xlsx", changed), "lr_accident")
    assert submissions.count(store) == 1
    with pytest.raises(NotFound):
        submissions.get(store, SUBMISSIONS[0]["meta/instanceID"])


def test_import_queues_all_rows_in_one_transaction(store, tmp_path):
    """A row the queue itself refuses (an instanceID over 120 characters), found while queueing,
    after the rows before it were queued: the whole import is rolled back (one transaction for the
    export, not one per row)."""
    seed(store)
    rows = [SUBMISSIONS[0], {**SUBMISSIONS[1], "meta/instanceID": "uuid:" + "7" * 130}]
    with pytest.raises(ValidationError, match="submission 2 .*longer than 120 characters; nothing was imported"):
        FX.import_export(store, kobo_xlsx(tmp_path / "long.xlsx", rows), "lr_accident")
    assert submissions.count(store) == 0


def test_import_with_a_bad_row_names_it_and_writes_nothing(store, tmp_path):
    seed(store)
    bad = [SUBMISSIONS[0], {**SUBMISSIONS[1], "accident/area": "HA-2026-009999"}]
    with pytest.raises(ValidationError) as err:
        FX.import_export(store, central_zip(tmp_path / "c.zip", bad), "lr_accident")
    assert "submission 2" in str(err.value) and "accident/area" in str(err.value) and "HA-2026-009999" in str(err.value)
    assert submissions.count(store) == 0
