"""OpenRosa endpoints under /odk: ODK Collect, given ``http://HOST:PORT/odk``, fetches forms and submits.

- ``GET /odk/formList`` — the form list (`landrelease.formats.openrosa.form_list_xml`), md5 per form;
- ``GET /odk/forms/{form_id}.xml`` — a form's XForm (built by `landrelease.formats.xlsform.xform_xml`);
- ``HEAD /odk/submission`` — 204 with the OpenRosa headers (Collect asks before it posts);
- ``POST /odk/submission`` — multipart ``xml_submission_file`` plus attachments → the intake queue:
  201 stored, 202 already stored (a replay: the phone must not resend), 409 the instanceID was
  used for different content, 400 bad input, 404 unknown form, 413 too large; every answer an
  OpenRosa XML envelope whose message the phone shows. Nothing is written unless the answer is 201/202.

Authentication: HTTP Basic with an account's username and password (checked by
`landrelease.service.accounts.authenticate`, under its login rate limit), or an API token either as
``Authorization: Bearer …`` or in the server URL the phone is given, ``http://HOST:PORT/odk/key/TOKEN``
(the way ODK Central's app users work). ODK Collect sends Basic credentials only over HTTPS; over
plain HTTP use the token URL (see docs/review.md). A verified Basic credential is remembered for a
minute (by its SHA-256, in memory) so a phone uploading a hundred forms does not pay an Argon2
verification per form; the account itself is read again on every request, so disabling it (or
changing its role) takes effect at once. Who may submit: administrators, IM officers, operator data workers (for their
own organisation: the submission is tagged with it) and QA officers; viewers may only list forms.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import datetime as dt
import hashlib
import threading
import time
from collections.abc import AsyncIterator
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.formparsers import MultiPartException, MultiPartParser
from starlette.requests import ClientDisconnect

from landrelease.auth.policy import can_submit
from landrelease.auth.roles import Principal
from landrelease.errors import Conflict, LandreleaseError, NotFound, TooManyAttempts, ValidationError
from landrelease.formats import openrosa
from landrelease.server.deps import store_of
from landrelease.service import accounts, submissions

XML = "text/xml; charset=utf-8"
REALM = "landrelease"
CREDENTIAL_TTL_S = 60.0
MAX_PARTS = 200


class _Credentials:
    """Basic credentials verified in the last minute: sha256(user, password) → (principal, when verified)."""

    def __init__(self) -> None:
        self._seen: dict[str, tuple[float, Principal, dt.datetime]] = {}
        self._lock = threading.Lock()

    def get(self, key: str) -> tuple[Principal, dt.datetime] | None:
        with self._lock:
            hit = self._seen.get(key)
            if hit is None or hit[0] < time.monotonic():
                self._seen.pop(key, None)
                return None
            return hit[1], hit[2]

    def drop(self, key: str) -> None:
        with self._lock:
            self._seen.pop(key, None)

    def put(self, key: str, p: Principal, verified_at: dt.datetime) -> None:
        with self._lock:
            if len(self._seen) > 10_000:
                self._seen.clear()
            self._seen[key] = (time.monotonic() + CREDENTIAL_TTL_S, p, verified_at)


class _Refused(Exception):
    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers or {}


def _reply(
    status: int,
    message: str,
    *,
    nature: str | None = None,
    headers: dict[str, str] | None = None,
    submission_id: str | None = None,
) -> Response:
    body = openrosa.response_xml(message, nature=nature, submission_id=submission_id)
    return Response(body, status_code=status, media_type=XML, headers={**openrosa.headers(), **(headers or {})})


def _refusal(exc: _Refused) -> Response:
    return _reply(exc.status, exc.message, nature="error", headers=exc.headers)


def _challenge(message: str) -> _Refused:
    return _Refused(401, message, {"WWW-Authenticate": f'Basic realm="{REALM}", charset="UTF-8"'})


def _authenticate(request: Request, token: str | None) -> Principal:
    """The caller, from a token in the URL, a Bearer token or Basic credentials (run in a thread)."""
    store = store_of(request)
    if token is not None:
        p = accounts.principal_for_token(store, token)
        if p is None:
            raise _Refused(401, "the token in this server URL is unknown, revoked or its account is disabled")
        return p
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer":
        p = accounts.principal_for_token(store, value.strip())
        if p is None:
            raise _challenge("the API token is unknown, revoked or its account is disabled")
        return p
    if scheme.lower() != "basic":
        raise _challenge("sign in with your Landrelease username and password")
    try:
        username, sep, password = base64.b64decode(value.strip(), validate=True).decode("utf-8").partition(":")
    except (binascii.Error, UnicodeDecodeError):
        raise _challenge("the Authorization header is not valid Basic credentials") from None
    if not sep:
        raise _challenge("the Authorization header is not valid Basic credentials")
    cache: _Credentials = request.app.state.odk_credentials
    key = hashlib.sha256(f"{username}\0{password}".encode()).hexdigest()
    hit = cache.get(key)
    if hit is not None:
        # The cache spares the Argon2 verification, never the account's state: a disabled (or
        # deleted) account or a changed password is refused on its next request, a new role applies at once.
        try:
            return accounts.still_valid(store, hit[0].username, hit[1])
        except LandreleaseError as exc:
            cache.drop(key)
            raise _challenge(str(exc)) from None
    address = request.client.host if request.client else None
    verified_at = dt.datetime.now(dt.UTC)  # before the check: a password changed meanwhile voids it
    try:
        p = accounts.authenticate(store, username, password, address)
    except TooManyAttempts as exc:
        raise _Refused(429, str(exc), {"Retry-After": str(getattr(exc, "retry_after", 60))}) from None
    except LandreleaseError as exc:
        raise _challenge(str(exc)) from None
    cache.put(key, p, verified_at)
    return p


async def _caller(request: Request, token: str | None) -> Principal:
    return await run_in_threadpool(_authenticate, request, token)


def _token(request: Request) -> str | None:
    """The token of a ``/odk/key/TOKEN/…`` URL (only ever from the path, never a query string)."""
    return request.path_params.get("token")


def _base(request: Request, token: str | None) -> str:
    root = str(request.base_url).rstrip("/")
    return f"{root}/odk/key/{token}" if token is not None else f"{root}/odk"


def _forms() -> dict[str, Any]:
    from landrelease.formats.xlsform import FORMS

    return FORMS


def _form_xml(form_id: str) -> str:
    from landrelease.formats.xlsform import xform_xml

    return xform_xml(form_id)


async def form_list(request: Request) -> Response:
    token = _token(request)
    try:
        await _caller(request, token)
    except _Refused as exc:
        return _refusal(exc)
    wanted = request.query_params.get("formID")
    base = _base(request, token)
    ids = [f for f in _forms() if wanted is None or f == wanted]
    entries = await run_in_threadpool(
        lambda: [openrosa.form_entry(f, _form_xml(f), f"{base}/forms/{f}.xml") for f in ids]
    )
    return Response(openrosa.form_list_xml(entries), media_type=XML, headers=openrosa.headers())


async def form_download(request: Request, form_id: str) -> Response:
    token = _token(request)
    try:
        await _caller(request, token)
    except _Refused as exc:
        return _refusal(exc)
    if form_id.endswith(".xml"):
        form_id = form_id[:-4]
    if form_id not in _forms():
        return _reply(404, f"there is no form {form_id!r} on this server", nature="error")
    xml = await run_in_threadpool(_form_xml, form_id)
    return Response(xml.encode("utf-8"), media_type=XML, headers=openrosa.headers())


async def submission_head(request: Request) -> Response:
    token = _token(request)
    try:
        p = await _caller(request, token)
    except _Refused as exc:
        return _refusal(exc)
    if not can_submit(p):
        return _reply(403, f"{p.username} ({p.role.value}) may not submit forms", nature="error")
    return Response(status_code=204, headers=openrosa.headers())


async def _body(request: Request) -> bytes:
    """The whole request body, refusing (413) past the limit before reading it all."""
    declared = request.headers.get("content-length")
    if declared is not None:
        try:
            size = int(declared)
        except ValueError:
            raise _Refused(400, "the Content-Length header is not a number") from None
        if size > openrosa.MAX_REQUEST_BYTES:
            raise _Refused(413, f"the submission is larger than {openrosa.MAX_REQUEST_BYTES // 2**20} MB")
    chunks: list[bytes] = []
    total = 0
    async for chunk in request.stream():
        total += len(chunk)
        if total > openrosa.MAX_REQUEST_BYTES:
            raise _Refused(413, f"the submission is larger than {openrosa.MAX_REQUEST_BYTES // 2**20} MB")
        chunks.append(chunk)
    return b"".join(chunks)


async def _parts(request: Request, body: bytes) -> tuple[bytes, dict[str, bytes]]:
    ctype = request.headers.get("content-type", "")
    if not ctype.lower().startswith(("multipart/form-data", "multipart/mixed")):
        raise _Refused(400, "a submission is a multipart/form-data POST with an xml_submission_file part")

    async def stream() -> AsyncIterator[bytes]:
        yield body

    parser = MultiPartParser(
        request.headers, stream(), max_files=MAX_PARTS, max_fields=MAX_PARTS, max_part_size=openrosa.MAX_REQUEST_BYTES
    )
    try:
        form = await parser.parse()
    except MultiPartException as exc:
        raise _Refused(400, f"the multipart body cannot be read: {exc.message}") from None
    xml: bytes | None = None
    files: dict[str, bytes] = {}
    try:
        for name, value in form.multi_items():
            data = await value.read() if isinstance(value, UploadFile) else str(value).encode("utf-8")
            if name == "xml_submission_file":
                if xml is not None:
                    raise _Refused(400, "the submission holds more than one xml_submission_file part")
                xml = data
                continue
            filename = value.filename if isinstance(value, UploadFile) and value.filename else name
            if filename in files and files[filename] != data:
                raise _Refused(400, f"attachment {filename!r} appears twice with different content")
            files[filename] = data
    finally:
        await form.close()
    if xml is None:
        raise _Refused(400, "the submission has no xml_submission_file part")
    return xml, files


def _store_submission(request: Request, p: Principal, xml: bytes, files: dict[str, bytes]) -> submissions.Submitted:
    from landrelease.formats.answers import values_from_xml

    inst = openrosa.read_instance(xml)
    if inst.form_id not in _forms():
        raise NotFound(f"there is no form {inst.form_id!r} on this server; download the current forms")
    sub = values_from_xml(xml)
    store = store_of(request)
    # SQLite has one writer at a time: queue this process's submissions on a lock (first come, first
    # served) rather than on SQLite's busy handler, which sleeps up to 100 ms between tries (see the
    # intake load figures in benchmarks/RESULTS.md). Other processes (serve --workers) still queue on
    # SQLite's own lock.
    lock = request.app.state.odk_write_lock if store.backend == "sqlite" else contextlib.nullcontext()
    with lock:
        return submissions.submit(
            store,
            form_id=sub.form_id,
            form_version=sub.version or inst.version,
            instance_id=sub.instance_id,
            values=sub.values,
            raw=xml,
            source="odk",
            attachments=files,
            actor=p.actor,
            organisation=p.organisation,
        )


async def submission_post(request: Request) -> Response:
    token = _token(request)
    try:
        p = await _caller(request, token)
        if not can_submit(p):
            raise _Refused(403, f"{p.username} ({p.role.value}) may not submit forms")
        body = await _body(request)
        xml, files = await _parts(request, body)
    except _Refused as exc:
        return _refusal(exc)
    except ClientDisconnect:
        return Response(status_code=400)  # nobody is listening; nothing was written
    try:
        got = await run_in_threadpool(_store_submission, request, p, xml, files)
    except Conflict as exc:
        return _reply(409, str(exc), nature="error")
    except NotFound as exc:
        return _reply(404, str(exc), nature="error")
    except ValidationError as exc:
        return _reply(400, str(exc), nature="error")
    if got.created:
        return _reply(201, "Form received: it waits for review.", submission_id=got.id)
    more = f" ({got.files_added} new attachment(s) added)" if got.files_added else ""
    return _reply(202, f"This form was already received{more}; no need to send it again.", submission_id=got.id)


def router() -> APIRouter:
    r = APIRouter(include_in_schema=False)
    for prefix in ("/odk", "/odk/key/{token}"):
        r.add_api_route(f"{prefix}/formList", form_list, methods=["GET"])
        r.add_api_route(f"{prefix}/forms/{{form_id}}", form_download, methods=["GET"])
        r.add_api_route(f"{prefix}/submission", submission_head, methods=["HEAD"])
        r.add_api_route(f"{prefix}/submission", submission_post, methods=["POST"])
    return r


def install(app: Any) -> None:
    app.state.odk_credentials = _Credentials()
    app.state.odk_write_lock = threading.Lock()
    app.include_router(router())
