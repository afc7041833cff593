"""Limits on what a stranger can send, and the headers every response carries: request bodies past
their route's cap are refused with 413 before they are read (declared or chunked), in the caller's
language; every response has the security headers (CSP, frame-ancestors, nosniff, Referrer-Policy)."""

from __future__ import annotations

import socket
import time

import pytest
from live import TEST_TOKEN, LiveServer, admin_account, call

from landrelease.server.app import create_app
from landrelease.server.limits import BodyLimits


def raw(url: str, head: str, body_chunks=(), *, chunked: bool = False, timeout: float = 30) -> tuple[int, bytes, int]:
    """Send a request by hand (headers, then body pieces) and read the answer: (status, raw
    answer, bytes of body the server took before answering). Stops sending as soon as the server
    answers or closes: a server that refuses early never sees the rest."""
    host, port = url.removeprefix("http://").split(":")
    s = socket.create_connection((host, int(port)), timeout=timeout)
    s.sendall(head.encode())
    sent = 0
    try:
        s.setblocking(False)
        got = b""
        for chunk in body_chunks:
            try:
                got += s.recv(65536)
            except BlockingIOError:
                pass
            if got:
                break
            data = (f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n") if chunked else chunk
            try:
                s.sendall(data)
            except BlockingIOError:
                time.sleep(0.01)
            except (BrokenPipeError, ConnectionResetError):
                break
            sent += len(chunk)
        else:
            if chunked:
                s.sendall(b"0\r\n\r\n")
        s.setblocking(True)
        s.settimeout(timeout)
        while b"\r\n\r\n" not in got:
            more = s.recv(65536)
            if not more:
                break
            got += more
        try:
            while more := s.recv(65536):
                got += more
        except (TimeoutError, ConnectionResetError):
            pass
    finally:
        s.close()
    return int(got.split(b" ", 2)[1]), got, sent


def _chunks(total: int, size: int = 64 * 1024):
    block = b"x" * size
    for _ in range(total // size):
        yield block


@pytest.fixture
def small_server(store):
    """A server whose caps are small enough to pass quickly in a test."""
    admin_account(store)
    caps = BodyLimits(default=200_000, routes=((r"/login|/logout", 10_000), (r"/odk(/key/[^/]+)?/submission", 300_000)))
    with LiveServer(create_app(store, body_limits=caps)) as s:
        yield s


def test_declared_length_over_the_cap_is_refused_before_the_body(small_server):
    url = small_server.url
    head = (
        "POST /login HTTP/1.1\r\nHost: x\r\nAccept: text/html\r\nContent-Type: application/x-www-form-urlencoded\r\n"
        "Content-Length: 1000000000\r\n\r\n"
    )
    t = time.monotonic()
    status, answer, sent = raw(url, head)  # not one byte of the body is sent: the server answers anyway
    assert status == 413 and sent == 0 and time.monotonic() - t < 10
    assert b"text/html" in answer and b'id="too-large"' in answer and b"10000 bytes" in answer
    # the API answers problem+json
    head = f"POST /api/organisations HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {TEST_TOKEN}\r\n"
    head += "Content-Type: application/json\r\nContent-Length: 5000000\r\n\r\n"
    status, answer, sent = raw(url, head)
    assert status == 413 and b"application/problem+json" in answer and b'"status":413' in answer
    # an anonymous caller is refused the same way (the cap comes before authentication)
    head = "POST /api/organisations HTTP/1.1\r\nHost: x\r\nContent-Length: 5000000\r\n\r\n"
    assert raw(url, head)[0] == 413


def test_chunked_body_is_counted_as_it_arrives(small_server):
    url = small_server.url
    head = "POST /login HTTP/1.1\r\nHost: x\r\nAccept: text/html\r\nTransfer-Encoding: chunked\r\n"
    head += "Content-Type: application/x-www-form-urlencoded\r\n\r\n"
    status, answer, sent = raw(url, head, _chunks(50 * 2**20, 4096), chunked=True)
    assert status == 413 and b'id="too-large"' in answer
    assert sent < 5 * 2**20  # refused long before the 50 MB were sent
    head = f"POST /api/organisations HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {TEST_TOKEN}\r\n"
    head += "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
    status, answer, sent = raw(url, head, _chunks(50 * 2**20), chunked=True)
    assert status == 413 and b"application/problem+json" in answer and sent < 10 * 2**20
    # under the cap, a chunked API write goes through
    body = b'{"name": "Chunked demining NGO", "org_kind": "ngo"}'
    head = f"POST /api/organisations HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {TEST_TOKEN}\r\n"
    head += "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
    status, answer, _ = raw(url, head, [body], chunked=True)
    assert status in (201, 422), answer  # reached the service (422 only if a field is missing)
    assert call("GET", f"{url}/api/organisations").status == 200


def test_each_route_has_its_own_cap(small_server):
    """Uploads are larger than forms: 250 kB passes the ODK cap (and reaches its own checks) but
    not the API's; the ODK refusal is an OpenRosa envelope ODK Collect shows."""
    url = small_server.url
    head = f"POST /api/organisations HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {TEST_TOKEN}\r\n"
    head += "Content-Type: application/json\r\nContent-Length: 250000\r\nConnection: close\r\n\r\n"
    assert raw(url, head, [b" " * 250_000])[0] == 413
    odk = f"POST /odk/key/{TEST_TOKEN}/submission HTTP/1.1\r\nHost: x\r\n"
    odk += "Content-Type: multipart/form-data; boundary=b\r\n"
    status, answer, _ = raw(url, odk + "Content-Length: 250000\r\nConnection: close\r\n\r\n", [b"-" * 250_000])
    assert status == 400 and b"OpenRosaResponse" in answer  # past the size check: the body is not a form
    status, answer, _ = raw(url, odk + "Content-Length: 400000\r\n\r\n")
    assert status == 413 and b"OpenRosaResponse" in answer and b"text/xml" in answer


def test_a_gigabyte_to_login_keeps_memory_flat(tmp_path):
    """The probe of issue #9 on a real `landrelease serve` process: 1 GB sent to /login (declared,
    then chunked) is refused and the server's resident memory does not grow by more than a few MB."""
    from live import ServeProcess

    from landrelease.service.store import open_store

    db = tmp_path / "r.db"
    open_store(str(db), init=True).close()

    def rss(pid: int) -> int:
        with open(f"/proc/{pid}/status") as f:
            return next(int(line.split()[1]) for line in f if line.startswith("VmRSS:")) * 1024

    with ServeProcess(str(db)) as s:
        call("GET", s.url + "/login", auth=False)  # warm up
        before = rss(s.proc.pid)
        head = "POST /login HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n"
        assert raw(s.url, head + "Content-Length: 1000000000\r\n\r\n")[0] == 413
        status, _, sent = raw(s.url, head + "Transfer-Encoding: chunked\r\n\r\n", _chunks(2**30), chunked=True)
        assert status == 413 and sent < 2**30
        after = rss(s.proc.pid)
    assert after - before < 20 * 2**20, (before, after)


def test_security_headers_on_every_response(server):
    url = server.url
    for path, auth in (("/map", True), ("/api/hazardous-areas", True), ("/static/app.css", False),
                       ("/login", False), ("/api/no-such-thing", True), ("/api/hazardous-areas", False),
                       ("/odk/formList", False), ("/collections", True)):  # fmt: skip
        r = call("GET", url + path, auth=auth, headers={"Accept": "text/html"})
        csp = r.headers.get("content-security-policy", "")
        assert "frame-ancestors 'none'" in csp and "script-src 'self'" in csp, (path, r.status)
        assert "'unsafe-inline'" not in csp.split("script-src")[1].split(";")[0], path
        assert "worker-src 'self' blob:" in csp, path
        assert r.headers["x-frame-options"] == "DENY", path
        assert r.headers["x-content-type-options"] == "nosniff", path
        assert r.headers["referrer-policy"] == "same-origin", path
    # the API docs page is served from disk (swagger-ui-dist) under the same policy: nothing from elsewhere
    r = call("GET", url + "/api/docs", auth=False)
    csp = r.headers["content-security-policy"]
    assert r.status == 200 and "https:" not in csp and "'sha256-" not in csp


BIG = 2**63


@pytest.mark.parametrize("value", [BIG, -(BIG + 1), 10**30, BIG - 1 + 2**11])
def test_integers_out_of_range_are_422_never_500(server, value):
    """Integers a 64-bit column cannot hold, in query filters, pages, versions and JSON bodies."""
    url = server.url
    for path in (
        f"/api/accidents?killed={value}",
        f"/api/progress-reports?finds={value}",
        f"/api/hazardous-areas?offset={value}",
        f"/api/hazardous-areas?limit={value}",
        f"/collections/hazardous-areas/items?offset={value}",
        f"/collections/hazardous-areas/items?limit={value}&f=json",
        f"/api/map/eo-finds?bbox=0,0,1,1&quantity={value}",
        f"/api/submissions?offset={value}",
    ):
        r = call("GET", url + path)
        assert r.status in (200, 400, 404, 422), (path, r.status, r.body[:300])  # OGC API answers 400
        if r.status in (400, 422):
            assert r.type.startswith("application/problem+json") and r.json["detail"], path
    org = call("POST", f"{url}/api/organisations", {"name": "Overflow NGO", "org_kind": "ngo"})
    assert org.status == 201, org.body
    code = org.json["code"]
    r = call("POST", f"{url}/api/accidents", {"date": "2024-05-01", "acc_type": "civilian", "killed": value})
    assert r.status == 422 and r.json.get("field") == "killed", r.body
    r = call("POST", f"{url}/api/accidents", {"date": "2024-05-01", "acc_type": "civilian", "killed": float(value)})
    assert r.status == 422 and "killed" in r.json["detail"], r.body
    r = call("PATCH", f"{url}/api/organisations/{code}", {"name": "Renamed NGO", "version": value})
    assert r.status == 422 and r.json["field"] == "version", r.body
    r = call("PATCH", f"{url}/api/organisations/{code}", {"name": "Renamed NGO"}, headers={"If-Match": f'"{value}"'})
    assert r.status == 422 and r.json["field"] == "version", r.body
    r = call("DELETE", f"{url}/api/organisations/{code}?reason=test&version={value}")
    assert r.status == 422, r.body
    # a float field given an integer too large for a float
    body = {"haz_type": "sha", "status": "open", "name": "Big", "bm_lon": 10**400}
    r = call("POST", f"{url}/api/hazardous-areas", body)
    assert r.status == 422, r.body
    assert call("GET", f"{url}/api/organisations/{code}").json["name"] == "Overflow NGO"  # nothing written


def test_any_integer_in_a_filter_or_body_is_never_a_5xx(server):
    """Property (hypothesis, through the real server): any integer, as a filter, a page offset or a
    body field, gets 2xx or 4xx problem+json."""
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    url = server.url

    @given(st.integers() | st.integers(min_value=2**62, max_value=2**66))
    @settings(max_examples=40, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
    def probe(n: int) -> None:
        for path in (f"/api/accidents?killed={n}", f"/api/victims?offset={n}", f"/api/eo-finds?quantity={n}"):
            r = call("GET", url + path)
            assert r.status < 500, (path, r.body[:200])
        r = call("POST", f"{url}/api/accidents", {"date": "2024-05-01", "acc_type": "civilian", "injured": n})
        assert r.status < 500, r.body[:200]

    probe()


def test_concurrent_sign_ins_check_at_most_the_limit(server):
    """Issue #9: 40 simultaneous sign-ins checked 27 passwords before the limit of 5 per account bit.
    The count-and-check is one atomic step in the store (row lock on PostgreSQL, the write lock on
    SQLite): 40 attempts fired at once get at most `login_user_failures` answers that checked a password
    (401), the rest 429 — and the right password is then refused too, while locked."""
    import re
    import threading
    import urllib.parse
    from http.client import HTTPConnection

    from landrelease.service import accounts

    accounts.add_account(server.store, "target", role="imo", password="the-real-password-123")
    host, port = server.url.removeprefix("http://").split(":")

    def form_and_cookie() -> tuple[str, str]:
        c = HTTPConnection(host, int(port), timeout=120)
        c.request("GET", "/login")
        r = c.getresponse()
        token = re.search(rb'name="csrf_token" value="([^"]+)"', r.read()).group(1).decode()
        cookie = r.getheader("set-cookie").split(";")[0]
        c.close()
        return token, cookie

    prepared = [form_and_cookie() for _ in range(40)]
    start = threading.Barrier(40)
    statuses: list[int] = []
    lock = threading.Lock()

    def attempt(token: str, cookie: str, i: int) -> None:
        body = urllib.parse.urlencode({"csrf_token": token, "username": "target", "password": f"guess-{i:04d}-xyz"})
        c = HTTPConnection(host, int(port), timeout=120)
        start.wait()
        c.request("POST", "/login", body, {"Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie})
        status = c.getresponse().status
        c.close()
        with lock:
            statuses.append(status)

    threads = [threading.Thread(target=attempt, args=(t, ck, i)) for i, (t, ck) in enumerate(prepared)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(statuses) == 40 and set(statuses) <= {401, 429}, statuses
    checked = statuses.count(401)
    assert 1 <= checked <= server.store.settings.login_user_failures, statuses
    token, cookie = form_and_cookie()
    body = urllib.parse.urlencode({"csrf_token": token, "username": "target", "password": "the-real-password-123"})
    c = HTTPConnection(host, int(port), timeout=60)
    c.request("POST", "/login", body, {"Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie})
    assert c.getresponse().status == 429
