"""OpenRosa endpoints on a real server (both backends): what ODK Collect does, byte for byte —
HTTP Basic (or a token URL), the form list and its md5 hashes, HEAD then a multipart POST with
``xml_submission_file`` and a photo; replays answered 202 and stored once; a reused instanceID with
other content 409; bad input answered with an OpenRosa message and nothing written. Then a small
version of the load run: 4 phones × 50 forms with replays and disconnects, exactly the unique forms
stored (`landrelease.demo.fieldsim`; the timed run is benchmarks/bench_intake.py)."""

from __future__ import annotations

import base64
import hashlib
import http.client
import secrets
import uuid
from urllib.parse import urlsplit

import pytest
from defusedxml import ElementTree as ET
from sqlalchemy import func, select

from landrelease.demo import fieldsim
from landrelease.formats.answers import submission_xml
from landrelease.service import accounts, submissions
from landrelease.store.schema import submission, submission_file

LIST_NS = "{http://openrosa.org/xforms/xformsList}"
RESP_NS = "{http://openrosa.org/http/response}"
PASSWORD = "field-password-" + secrets.token_hex(4)


@pytest.fixture
def field(server):
    """The record's organisation, team, area and activity, and accounts: an operator data worker
    of that organisation (sends forms) and a donor viewer (may not)."""
    codes = fieldsim.seed_record(server.store)
    accounts.add_account(server.store, "field1", role="operator_writer", password=PASSWORD, organisation=codes["org"])
    accounts.add_account(server.store, "donor", role="viewer", password=PASSWORD)
    server.codes = codes
    return server


def basic(user: str = "field1", password: str = PASSWORD) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()}


def request(server, method: str, path: str, body: bytes | None = None, headers: dict[str, str] | None = None):
    u = urlsplit(server.url)
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=60)
    try:
        conn.request(method, path, body=body, headers={"X-OpenRosa-Version": "1.0", **(headers or {})})
        r = conn.getresponse()
        return r.status, {k.lower(): v for k, v in r.getheaders()}, r.read()
    finally:
        conn.close()


def multipart(xml: bytes, files: dict[str, bytes] | None = None, *, xml_name: str = "xml_submission_file"):
    """The body ODK Collect posts (an instance file and its media, one part each)."""
    b = "----collect" + uuid.uuid4().hex
    out = [
        f'--{b}\r\nContent-Disposition: form-data; name="{xml_name}"; filename="instance.xml"\r\n'
        "Content-Type: text/xml\r\n\r\n".encode()
        + xml
        + b"\r\n"
    ]
    for name, data in (files or {}).items():
        out.append(
            f'--{b}\r\nContent-Disposition: form-data; name="{name}"; filename="{name}"\r\n'
            "Content-Type: image/jpeg\r\n\r\n".encode()
            + data
            + b"\r\n"
        )
    out.append(f"--{b}--\r\n".encode())
    return b"".join(out), {"Content-Type": f"multipart/form-data; boundary={b}"}


def progress_xml(server, instance: str, worked: str = "120") -> bytes:
    return submission_xml(
        "lr_progress",
        {
            "report/activity": server.codes["activity"],
            "report/date": "2026-11-20",
            "report/worked_m2": worked,
            "meta/instanceID": instance,
        },
    )


def post(server, xml: bytes, files=None, headers=None, path: str = "/odk/submission"):
    body, h = multipart(xml, files)
    return request(server, "POST", path, body, {**h, **(headers if headers is not None else basic())})


def message(body: bytes) -> str:
    root = ET.fromstring(body)
    assert root.tag == f"{RESP_NS}OpenRosaResponse"
    return root.find(f"{RESP_NS}message").text


def rows(server, table=submission) -> int:
    with server.store.engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(table)).scalar_one()


def test_form_list_and_download_with_matching_hashes(field):
    status, headers, _ = request(field, "GET", "/odk/formList")
    assert status == 401 and headers["www-authenticate"].startswith("Basic")
    status, headers, body = request(field, "GET", "/odk/formList", headers=basic())
    assert status == 200 and headers["x-openrosa-version"] == "1.0" and headers["content-type"].startswith("text/xml")
    forms = ET.fromstring(body).findall(f"{LIST_NS}xform")
    ids = [f.find(f"{LIST_NS}formID").text for f in forms]
    assert "lr_progress" in ids and "lr_hazard_area" in ids
    for f in forms:
        url = urlsplit(f.find(f"{LIST_NS}downloadUrl").text)
        assert f"{url.scheme}://{url.netloc}" == field.url
        st, h, xform = request(field, "GET", url.path, headers=basic())
        assert st == 200 and h["x-openrosa-version"] == "1.0"
        assert f.find(f"{LIST_NS}hash").text == "md5:" + hashlib.md5(xform).hexdigest()
        root = ET.fromstring(xform)
        assert f.find(f"{LIST_NS}version").text and f.find(f"{LIST_NS}name").text
        assert root.tag.endswith("html")
    status, _, body = request(field, "GET", "/odk/formList?formID=lr_progress", headers=basic("donor"))
    assert status == 200 and len(ET.fromstring(body)) == 1  # viewers may list forms
    assert request(field, "GET", "/odk/forms/nope.xml", headers=basic())[0] == 404


def test_head_then_post_stores_once_and_replays_are_202(field):
    status, headers, _ = request(field, "HEAD", "/odk/submission", headers=basic())
    assert status == 204 and headers["x-openrosa-version"] == "1.0" and headers["date"].endswith("GMT")
    assert int(headers["x-openrosa-accept-content-length"]) > 0
    assert request(field, "HEAD", "/odk/submission", headers=basic("donor"))[0] == 403
    assert request(field, "HEAD", "/odk/submission", headers=basic("field1", "wrong"))[0] == 401

    xml = progress_xml(field, "uuid:c0llect-1")
    photo = b"\xff\xd8\xff\xe0" + secrets.token_bytes(3000)
    status, headers, body = post(field, xml, {"site.jpg": photo})
    assert status == 201, body
    assert headers["x-openrosa-version"] == "1.0" and "received" in message(body).lower()
    status, _, body = post(field, xml, {"site.jpg": photo})  # the phone never saw the first answer
    assert status == 202 and "already" in message(body)
    status, _, body = post(field, xml, {"second.jpg": b"\xff\xd8more"})  # the next part of a split submission
    assert status == 202
    assert rows(field) == 1 and rows(field, submission_file) == 2
    got = submissions.get(field.store, "uuid:c0llect-1")
    assert got["raw"] == xml and got["actor"] == "field1" and got["org"] == field.codes["org"]
    assert got["vals"]["report/worked_m2"] == "120" and got["source"] == "odk"
    assert submissions.attachment(field.store, got["id"], "site.jpg")[0] == photo

    status, _, body = post(field, progress_xml(field, "uuid:c0llect-1", worked="999"))
    assert status == 409 and "different content" in message(body)
    assert submissions.get(field.store, "uuid:c0llect-1")["vals"]["report/worked_m2"] == "120"
    assert post(field, progress_xml(field, "uuid:c0llect-2"), headers=basic("donor"))[0] == 403
    assert post(field, progress_xml(field, "uuid:c0llect-3"), headers={})[0] == 401
    assert rows(field) == 1


def test_token_url_for_plain_http(field):
    token = accounts.create_token(field.store, "field1", "phone 7")
    status, _, body = request(field, "GET", f"/odk/key/{token}/formList")
    assert status == 200
    url = ET.fromstring(body).find(f"{LIST_NS}xform/{LIST_NS}downloadUrl").text
    assert f"/odk/key/{token}/forms/" in url
    assert post(field, progress_xml(field, "uuid:tok-1"), headers={}, path=f"/odk/key/{token}/submission")[0] == 201
    assert request(field, "GET", "/odk/key/lr_nottoken/formList")[0] == 401
    accounts.revoke_tokens(field.store, "field1")
    assert post(field, progress_xml(field, "uuid:tok-2"), headers={}, path=f"/odk/key/{token}/submission")[0] == 401
    assert rows(field) == 1


@pytest.mark.parametrize(
    ("case", "status"),
    [
        ("not multipart", 400),
        ("no xml part", 400),
        ("not xml", 400),
        ("entity bomb", 400),
        ("no instanceID", 400),
        ("no form id", 400),
        ("unknown form", 404),
        ("too large", 413),
    ],
)
def test_bad_input_is_an_openrosa_message_and_writes_nothing(field, case, status):
    good = progress_xml(field, "uuid:bad-1")
    if case == "not multipart":
        body, h = good, {"Content-Type": "text/xml"}
    elif case == "no xml part":
        body, h = multipart(good, xml_name="other")
    elif case == "not xml":
        body, h = multipart(b"<data id='lr_progress'><unclosed></data>")
    elif case == "entity bomb":
        bomb = (
            b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]>'
            b'<data id="lr_progress">&b;</data>'
        )
        body, h = multipart(bomb)
    elif case == "no instanceID":
        body, h = multipart(good.replace(b"uuid:bad-1", b""))
    elif case == "no form id":
        body, h = multipart(good.replace(b'id="lr_progress"', b""))
    elif case == "unknown form":
        body, h = multipart(good.replace(b'id="lr_progress"', b'id="lr_nothing"'))
    else:
        body, h = b"x", {"Content-Type": "multipart/form-data; boundary=x", "Content-Length": str(60 * 2**20)}
    if case == "too large":
        u = urlsplit(field.url)
        conn = http.client.HTTPConnection(u.hostname, u.port, timeout=60)
        conn.putrequest("POST", "/odk/submission")
        for k, v in {**h, **basic()}.items():
            conn.putheader(k, v)
        conn.endheaders(body)
        r = conn.getresponse()
        got, reply = r.status, r.read()
        conn.close()
    else:
        got, _, reply = request(field, "POST", "/odk/submission", body, {**h, **basic()})
    assert got == status, reply
    assert message(reply)  # one line the phone shows
    assert rows(field) == 0 and rows(field, submission_file) == 0


def test_many_phones_with_replays_and_disconnects_store_each_form_once(field):
    report = fieldsim.run(
        field.url,
        "field1",
        PASSWORD,
        clients=4,
        per_client=50,
        replay_rate=0.2,
        disconnect_rate=0.2,
        activity=field.codes["activity"],
        seed=3,
    )
    assert report.errors == []
    assert report.replays > 0 and report.aborted > 0 and report.dropped > 0
    with field.store.engine.connect() as conn:
        stored = dict(conn.execute(select(submission.c.instance_id, submission.c.raw_hash)).all())
        n_files = conn.execute(select(func.count()).select_from(submission_file)).scalar_one()
    assert len(stored) == rows(field) == 200
    assert stored == {i: hashlib.sha256(f.xml).hexdigest() for i, f in report.sent.items()}
    assert n_files == sum(len(f.files) for f in report.sent.values())


def test_attachments_with_any_unicode_name_download(field):
    """A phone names its photos in its own script (`фото.jpg`); the reviewer downloads them with that
    name (RFC 5987 `filename*`), and no name can break or inject into the header."""
    from urllib.parse import quote

    from live import call

    photo = b"\xff\xd8\xff\xe0" + secrets.token_bytes(500)
    names = {"фото.jpg": photo, "plan;v=2 (1).jpg": b"\xff\xd8two", "زرع.jpg": b"\xff\xd8three"}
    status, _, body = post(field, progress_xml(field, "uuid:unicode-1"), names)
    assert status == 201, body
    listed = call("GET", f"{field.url}/api/intake/submissions").json["submissions"]
    sid = next(s["id"] for s in listed if s["instance_id"] == "uuid:unicode-1")
    for name, data in names.items():
        r = call("GET", f"{field.url}/review/{sid}/files/{quote(name, safe='')}")
        assert r.status == 200 and r.body == data, (name, r.status, r.body[:200])
        header = r.headers["content-disposition"]
        assert header.startswith("attachment; filename=") and header.isascii()
        assert f"filename*=UTF-8''{quote(name, safe='')}" in header
        assert header.count('"') == 2 and header.count(";") == 2  # the name cannot add a parameter
    page = call("GET", f"{field.url}/review/{sid}", headers={"Accept": "text/html"})
    assert f"/files/{quote('фото.jpg', safe='')}".encode() in page.body


def test_disabling_an_account_stops_odk_collect_on_its_next_request(field):
    """Issue #9: a disabled account kept submitting from ODK Collect for 60 s (the verified-credential
    cache). The cache now spares only the password hashing: the account is read on every request."""
    assert post(field, progress_xml(field, "uuid:dis-1"))[0] == 201  # verified and remembered
    assert request(field, "HEAD", "/odk/submission", headers=basic())[0] == 204  # from the cache
    token = accounts.create_token(field.store, "field1", "phone")
    assert request(field, "GET", f"/odk/key/{token}/formList")[0] == 200
    accounts.set_role(field.store, "field1", "viewer")  # a changed role applies at once too
    assert request(field, "HEAD", "/odk/submission", headers=basic())[0] == 403
    accounts.set_role(field.store, "field1", "operator_writer", field.codes["org"])
    assert request(field, "HEAD", "/odk/submission", headers=basic())[0] == 204
    accounts.disable_account(field.store, "field1")
    status, _, body = post(field, progress_xml(field, "uuid:dis-2"))
    assert status == 401 and "disabled" in message(body)
    assert request(field, "HEAD", "/odk/submission", headers=basic())[0] == 401
    assert request(field, "GET", f"/odk/key/{token}/formList")[0] == 401  # its tokens went with it
    assert post(field, progress_xml(field, "uuid:dis-3"), path=f"/odk/key/{token}/submission")[0] == 401
    assert rows(field) == 1
    accounts.enable_account(field.store, "field1")
    assert request(field, "HEAD", "/odk/submission", headers=basic())[0] == 204
    accounts.set_password(field.store, "field1", "a-brand-new-password-" + secrets.token_hex(4))
    status, _, body = request(field, "HEAD", "/odk/submission", headers=basic())  # the old password, cached
    assert status == 401
    other = accounts.create_token(field.store, "field1", "phone 2")
    assert request(field, "GET", f"/odk/key/{other}/formList")[0] == 200
    accounts.revoke_tokens(field.store, "field1")
    assert request(field, "GET", f"/odk/key/{other}/formList")[0] == 401  # revoked: refused at once
