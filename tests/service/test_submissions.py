"""The intake queue on both backends: an identical resubmission is stored once, a different payload
under the same instanceID is a conflict, attachments follow the same rules, and concurrent submitters
(threads on one store, like the server's worker threads) never store an instanceID twice."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

from landrelease.errors import Conflict, NotFound, ValidationError
from landrelease.service import submissions
from landrelease.store.schema import submission, submission_file


def _xml(instance: str, worked: str = "120") -> bytes:
    return (
        f'<data id="progress_report" version="2026112201"><activity>AC-2026-000001</activity>'
        f"<worked_m2>{worked}</worked_m2><meta><instanceID>{instance}</instanceID></meta></data>"
    ).encode()


def _submit(store, instance: str, worked: str = "120", files=None, actor: str = "odk:alice"):
    return submissions.submit(
        store,
        form_id="progress_report",
        form_version="2026112201",
        instance_id=instance,
        values={"activity": "AC-2026-000001", "worked_m2": worked, "meta/instanceID": instance},
        raw=_xml(instance, worked),
        source="odk",
        attachments=files,
        actor=actor,
        organisation="ORG-2026-000001",
    )


def _rows(store, table=submission) -> int:
    with store.engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(table)).scalar_one()


def test_identical_resubmission_is_stored_once(store):
    first = _submit(store, "uuid:a1")
    again = _submit(store, "uuid:a1")
    assert first.created and not again.created
    assert again.id == first.id
    assert _rows(store) == 1
    got = submissions.get(store, "uuid:a1")
    assert got["status"] == "submitted" and got["raw"] == _xml("uuid:a1")
    assert got["vals"]["worked_m2"] == "120" and got["actor"] == "odk:alice" and got["org"] == "ORG-2026-000001"
    assert len(got["raw_hash"]) == 64


def test_different_payload_under_the_same_instance_id_is_a_conflict(store):
    _submit(store, "uuid:b1")
    with pytest.raises(Conflict, match="different content"):
        _submit(store, "uuid:b1", worked="999")
    assert _rows(store) == 1
    assert submissions.get(store, "uuid:b1")["vals"]["worked_m2"] == "120"


def test_split_submission_adds_attachments_once_and_refuses_changed_bytes(store):
    a = _submit(store, "uuid:c1", files={"photo1.jpg": b"\xff\xd8one"})
    b = _submit(store, "uuid:c1", files={"photo1.jpg": b"\xff\xd8one", "photo2.jpg": b"\xff\xd8two"})
    assert (a.created, a.files_added) == (True, 1)
    assert (b.created, b.files_added) == (False, 1)
    names = [f["name"] for f in submissions.attachments(store, a.id)]
    assert names == ["photo1.jpg", "photo2.jpg"]
    assert submissions.attachment(store, a.id, "photo2.jpg") == (b"\xff\xd8two", "image/jpeg")
    with pytest.raises(Conflict, match="photo1.jpg"):
        _submit(store, "uuid:c1", files={"photo1.jpg": b"changed"})
    assert _rows(store, submission_file) == 2


@pytest.mark.parametrize(
    ("change", "match"),
    [
        ({"instance_id": " "}, "instanceID"),
        ({"source": "email"}, "source"),
        ({"raw": b""}, "empty"),
        ({"form_id": ""}, "form"),
        ({"attachments": {"../etc/passwd": b"x"}}, "plain file name"),
    ],
)
def test_bad_input_writes_nothing(store, change, match):
    args = dict(
        form_id="progress_report",
        form_version="1",
        instance_id="uuid:d1",
        values={"a": "1"},
        raw=b"<data/>",
        source="odk",
        actor="odk:alice",
    )
    args.update(change)
    with pytest.raises(ValidationError, match=match):
        submissions.submit(store, **args)
    assert _rows(store) == 0


def test_lookup_by_prefix_and_unknown_submission(store):
    s = _submit(store, "uuid:e1")
    assert submissions.get(store, s.id[:12])["id"] == s.id
    with pytest.raises(NotFound):
        submissions.get(store, "uuid:nope")


def test_content_hash_ignores_device_metadata(store):
    a = _submit(store, "uuid:f1")
    b = _submit(store, "uuid:f2")
    ga, gb = submissions.get(store, a.id), submissions.get(store, b.id)
    assert ga["vals_hash"] == gb["vals_hash"] and ga["raw_hash"] != gb["raw_hash"]


def test_concurrent_submitters_store_each_instance_once(store):
    """8 threads submit the same 30 instanceIDs in different orders at once: 30 rows, every call
    answered as created exactly once per id, the rest as replays (none fails)."""
    ids = [f"uuid:g{i}" for i in range(30)]
    created: list[str] = []
    errors: list[BaseException] = []
    lock = threading.Lock()
    barrier = threading.Barrier(8)

    def worker(k: int) -> None:
        order = ids[k % 3 :] + ids[: k % 3]
        if k % 2:
            order.reverse()
        barrier.wait()
        for i in order:
            try:
                got = _submit(store, i, files={"p.jpg": b"same"})
            except BaseException as exc:  # noqa: BLE001 — collected and asserted below
                with lock:
                    errors.append(exc)
                continue
            if got.created:
                with lock:
                    created.append(i)

    threads = [threading.Thread(target=worker, args=(k,)) for k in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert sorted(created) == sorted(ids)
    assert _rows(store) == 30 and _rows(store, submission_file) == 30
