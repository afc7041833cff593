"""Authentication and authorisation over HTTP, on both backends: each rule tried by someone who
must not pass — anonymous callers, forged/revoked tokens, disabled accounts, another organisation's
operator, a viewer writing, stale sessions, missing or forged CSRF tokens, brute-forced logins, the
public view reaching for open hazards, personal data through the API, OGC API and history."""

from __future__ import annotations

import base64
import datetime as dt
import re
import urllib.error
import urllib.parse
import urllib.request
from http.cookiejar import CookieJar

import pytest
from live import TEST_TOKEN, LiveServer, Reply, account_token, admin_account, call
from sqlalchemy import update

from landrelease.server.app import create_app
from landrelease.service import accounts, records
from landrelease.settings import Settings
from landrelease.store import repo
from landrelease.store.schema import auth_session

PW = "correct horse battery staple"
SQUARE = {
    "type": "Polygon",
    "coordinates": [[[35.50, 51.40], [35.516, 51.40], [35.516, 51.41], [35.50, 51.41], [35.50, 51.40]]],
}


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        return None


class Browser:
    """A cookie-keeping client that does not follow redirects: a browser's session, step by step."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.jar = CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar), NoRedirect)

    def go(self, method: str, path: str, data: bytes | None = None, headers: dict[str, str] | None = None) -> Reply:
        req = urllib.request.Request(self.base + path, data=data, method=method, headers=headers or {})
        try:
            with self.opener.open(req, timeout=60) as r:
                reply = Reply(r.status, {k.lower(): v for k, v in r.headers.items()}, r.read())
                reply.set_cookies = r.headers.get_all("Set-Cookie") or []
        except urllib.error.HTTPError as e:
            reply = Reply(e.code, {k.lower(): v for k, v in e.headers.items()}, e.read())
            reply.set_cookies = e.headers.get_all("Set-Cookie") or []
        return reply

    def login(self, username: str, password: str, *, csrf: str | None = None) -> Reply:
        page = self.go("GET", "/login?next=/dashboard")
        token = re.search(rb'name="csrf_token" value="([^"]+)"', page.body).group(1).decode()
        form = {"csrf_token": token if csrf is None else csrf, "username": username, "password": password}
        body = urllib.parse.urlencode(form).encode()
        return self.go("POST", "/login?next=/dashboard", body, {"Content-Type": "application/x-www-form-urlencoded"})

    def csrf(self) -> str:
        page = self.go("GET", "/dashboard", headers={"Accept": "text/html"})
        return re.search(rb'name="csrf-token" content="([^"]+)"', page.body).group(1).decode()

    def post_json(self, path: str, body: bytes, csrf: str | None) -> Reply:
        h = {"Content-Type": "application/json", "Accept": "application/json"}
        if csrf is not None:
            h["X-CSRF-Token"] = csrf
        return self.go("POST", path, body, h)


def _org(server, name: str) -> str:
    return records.create(server.store, "organisation", {"name": name, "org_kind": "ngo"}).codes[0]


def test_anonymous_gets_401_on_the_api_and_the_login_page_for_pages(server):
    for path in ("/api/hazardous-areas", "/api/victims", "/collections", "/collections/hazardous-areas/items",
                 "/api/map/extent", "/api/organisations/ORG-2026-000001/history"):  # fmt: skip
        r = call("GET", server.url + path, auth=False)
        assert r.status == 401 and r.type.startswith("application/problem+json"), path
        assert r.headers["www-authenticate"].startswith("Bearer")
    r = call("POST", f"{server.url}/api/organisations", {"name": "X"}, auth=False)
    assert r.status == 401
    b = Browser(server.url)
    for path in ("/map", "/dashboard", "/areas/new", "/collections?f=html"):
        r = b.go("GET", path, headers={"Accept": "text/html"})
        assert r.status == 303 and r.headers["location"].startswith("/login?next="), path
    # open by decision: OGC landing page and conformance, the OpenAPI document, the login page
    for path in ("/", "/conformance", "/api/openapi.json", "/login"):
        assert call("GET", server.url + path, auth=False).status == 200, path
    assert call("GET", f"{server.url}/api/organisations").json["matched"] == 0  # nothing was written


def test_tokens_forged_revoked_or_of_a_disabled_account_get_401(server):
    viewer = account_token(server.store, "dona", "viewer")
    assert call("GET", f"{server.url}/api/hazardous-areas", headers=viewer).status == 200
    forged = {"Authorization": "Bearer lr_" + "x" * 43}
    assert call("GET", f"{server.url}/api/hazardous-areas", headers=forged).status == 401
    accounts.revoke_tokens(server.store, "dona")
    assert call("GET", f"{server.url}/api/hazardous-areas", headers=viewer).status == 401
    again = {"Authorization": f"Bearer {accounts.create_token(server.store, 'dona')}"}
    assert call("GET", f"{server.url}/api/hazardous-areas", headers=again).status == 200
    accounts.disable_account(server.store, "dona")
    r = call("GET", f"{server.url}/api/hazardous-areas", headers=again)
    assert r.status == 401 and "revoked" in r.json["detail"]


def _basic(username: str, secret: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{username}:{secret}".encode()).decode()}


def test_basic_auth_takes_the_account_name_and_an_api_token(server):
    """What QGIS 3.22 (a Basic authentication configuration), GDAL (GDAL_HTTP_USERPWD) and OWSLib send:
    the account name and one of its API tokens; same rate limit as the login page, same audit."""
    url = server.url
    accounts.add_account(server.store, "vera", role="viewer", password=PW)
    vera = accounts.create_token(server.store, "vera", "qgis")
    for path in ("/api/hazardous-areas", "/collections", "/collections/hazardous-areas/items"):
        assert call("GET", url + path, headers=_basic("vera", vera)).status == 200, path
    assert call("GET", f"{url}/api/hazardous-areas", headers=_basic(" Vera ", vera)).status == 200
    # a viewer stays a viewer
    assert call("POST", f"{url}/api/organisations", {"name": "X"}, headers=_basic("vera", vera)).status == 403
    # both schemes are named to a client; a page's own fetch() gets Bearer only (no browser password dialog)
    r = call("GET", f"{url}/collections", auth=False)
    assert r.status == 401 and 'Bearer realm="landrelease"' in r.headers["www-authenticate"]
    assert 'Basic realm="landrelease"' in r.headers["www-authenticate"]
    r = call("GET", f"{url}/api/hazardous-areas", auth=False, headers={"Sec-Fetch-Dest": "empty"})
    assert r.status == 401 and "Basic" not in r.headers["www-authenticate"]
    # the account's password is refused, unchecked and uncounted: a token is the password here
    r = call("GET", f"{url}/collections", headers=_basic("vera", PW))
    assert r.status == 401 and "API token" in r.json["detail"] and "users token" in r.json["detail"]
    # not base64, no colon, another account's token, a forged token
    bad = [{"Authorization": "Basic !!!"}, {"Authorization": "Basic " + base64.b64encode(b"vera").decode()}]
    for h in bad:
        r = call("GET", f"{url}/collections", headers=h)
        assert r.status == 401 and "Basic credentials" in r.json["detail"]
    r = call("GET", f"{url}/collections", headers=_basic("vera", TEST_TOKEN))
    assert r.status == 401 and "wrong username or API token" in r.json["detail"]
    # the writes it makes are signed by the account in the audit trail
    accounts.add_account(server.store, "iris", role="imo", password=PW)
    iris = accounts.create_token(server.store, "iris")
    org = call("POST", f"{url}/api/organisations", {"name": "Basic NGO"}, headers=_basic("iris", iris))
    assert org.status == 201
    hist = call("GET", f"{url}/api/organisations/{org.json['code']}/history").json["versions"]
    assert [(v["action"], v["actor"]) for v in hist] == [("create", "iris")]
    # a browser replaying cached Basic credentials on another site's form is refused
    cross = {**_basic("iris", iris), "Sec-Fetch-Site": "cross-site"}
    assert call("POST", f"{url}/api/organisations", {"name": "CSRF"}, headers=cross).status == 403
    # revoked and disabled: 401
    accounts.revoke_tokens(server.store, "iris")
    assert call("GET", f"{url}/collections", headers=_basic("iris", iris)).status == 401
    # wrong tokens lock the name like wrong passwords: then even the right token waits (429)
    for _ in range(Settings().login_user_failures - 1):
        assert call("GET", f"{url}/collections", headers=_basic("vera", "lr_" + "y" * 43)).status == 401
    r = call("GET", f"{url}/collections", headers=_basic("vera", vera))
    assert r.status == 429 and int(r.headers["retry-after"]) > 60
    b = Browser(url)
    assert b.login("vera", PW).status == 429  # the same lock as the login page's


def test_operator_cannot_write_another_organisations_records(server):
    own, other = _org(server, "Own Demining"), _org(server, "Other Demining")
    theirs = records.create(server.store, "activity", {"act_type": "nts", "status": "ongoing", "org": other}).codes[0]
    op = account_token(server.store, "olga", "operator_writer", own)
    url = f"{server.url}/api/activities"
    r = call("POST", url, {"act_type": "clearance", "status": "ongoing", "org": other}, headers=op)
    assert r.status == 403 and r.type.startswith("application/problem+json") and other in r.json["detail"]
    r = call("PATCH", f"{url}/{theirs}", {"status": "completed", "version": 1}, headers=op)
    assert r.status == 403
    r = call("DELETE", f"{url}/{theirs}?reason=mine%20now", headers=op)
    assert r.status == 403
    r = call("POST", f"{server.url}/api/progress-reports", {"activity": theirs, "date": "2024-01-02", "worked_m2": 5},
             headers=op)  # fmt: skip
    assert r.status == 403
    mine = call("POST", url, {"act_type": "clearance", "status": "ongoing"}, headers=op)
    assert mine.status == 201 and mine.json["org"] == own and mine.json["created_by"] == "olga"
    r = call("PATCH", f"{url}/{mine.json['code']}", {"org": other, "version": 1}, headers=op)
    assert r.status == 403
    hist = call("GET", f"{url}/{mine.json['code']}/history").json["versions"]
    assert [(v["action"], v["actor"]) for v in hist] == [("create", "olga")]  # the audit names the real user
    assert call("GET", f"{url}/{theirs}").json["version"] == 1
    assert call("GET", url).json["matched"] == 2


def test_viewers_cannot_write(server):
    org = _org(server, "Own Demining")
    for name, role in (("dona", "viewer"), ("oleg", "operator_viewer")):
        h = account_token(server.store, name, role, org if role == "operator_viewer" else None)
        r = call("POST", f"{server.url}/api/hazardous-areas", {"haz_type": "sha", "status": "open",
                                                                 "geometry": SQUARE}, headers=h)  # fmt: skip
        assert r.status == 403, name
        assert (
            call("PATCH", f"{server.url}/api/organisations/{org}", {"name": "X", "version": 1}, headers=h).status == 403
        )
    assert call("GET", f"{server.url}/api/hazardous-areas").json["matched"] == 0
    # a page they may not open (the review queue) says so as a page; the API answers problem+json
    page = call("GET", f"{server.url}/review", headers={"Accept": "text/html", **h})
    assert page.status == 403 and page.type.startswith("text/html") and b'id="forbidden"' in page.body
    api = call("GET", f"{server.url}/api/intake/submissions", headers=h)
    assert api.status == 403 and api.type.startswith("application/problem+json")


def test_sessions_cookies_and_csrf(server):
    accounts.add_account(server.store, "ian", role="imo", password=PW)
    b = Browser(server.url)
    r = b.login("ian", PW, csrf="forged")
    assert r.status == 403 and not any(c.name == "lr_session" for c in b.jar)  # login form CSRF
    r = b.login("ian", PW)
    assert r.status == 303 and r.headers["location"] == "/dashboard"
    cookie = next(c for c in b.jar if c.name == "lr_session")
    assert cookie.has_nonstandard_attr("HttpOnly") and cookie.get_nonstandard_attr("SameSite").lower() == "lax"
    assert not cookie.secure  # plain http on loopback: a Secure cookie would never come back
    body = b'{"name": "Made in a browser"}'
    assert b.post_json("/api/organisations", body, None).status == 403  # missing CSRF token
    assert b.post_json("/api/organisations", body, "forged-token").status == 403  # forged CSRF token
    token = b.csrf()
    made = b.post_json("/api/organisations", body, token)
    assert made.status == 201 and made.json["created_by"] == "ian"
    assert call("GET", f"{server.url}/api/organisations").json["matched"] == 1
    # logout needs the token too; afterwards the old cookie is worthless
    old = next(c for c in b.jar if c.name == "lr_session")
    assert (
        b.go("POST", "/logout", b"csrf_token=wrong", {"Content-Type": "application/x-www-form-urlencoded"}).status
        == 403
    )
    r = b.go("POST", "/logout", f"csrf_token={token}".encode(), {"Content-Type": "application/x-www-form-urlencoded"})
    assert r.status == 303
    stale = call("GET", f"{server.url}/api/organisations", auth=False, headers={"Cookie": f"lr_session={old.value}"})
    assert stale.status == 401
    # an expired session is refused the same way
    b = Browser(server.url)
    b.login("ian", PW)
    with repo.write_transaction(server.store.engine) as conn:
        conn.execute(update(auth_session).values(expires_at=repo.utcnow() - dt.timedelta(minutes=1)))
    assert b.go("GET", "/api/organisations").status == 401
    assert b.go("GET", "/dashboard", headers={"Accept": "text/html"}).status == 303


def test_cookie_is_secure_behind_a_tls_proxy(server):
    """Behind a TLS reverse proxy on the same machine (X-Forwarded-Proto from 127.0.0.1, trusted by
    uvicorn), the request is https and the session cookie is marked Secure."""
    accounts.add_account(server.store, "ian", role="imo", password=PW)
    b = Browser(server.url)
    page = b.go("GET", "/login", headers={"X-Forwarded-Proto": "https"})
    token = re.search(rb'name="csrf_token" value="([^"]+)"', page.body).group(1).decode()
    body = urllib.parse.urlencode({"csrf_token": token, "username": "ian", "password": PW}).encode()
    assert "secure" in page.set_cookies[0].lower()  # the login form's token cookie too
    cookie = re.search(r"lr_login_csrf=([^;]+)", page.set_cookies[0]).group(1)
    headers = {
        "Content-Type": "application/x-www-form-urlencoded",
        "X-Forwarded-Proto": "https",
        "Cookie": f"lr_login_csrf={cookie}",  # the test client speaks http to the "proxy": send it by hand
    }
    r = b.go("POST", "/login", body, headers)
    assert r.status == 303
    session = next(c for c in r.set_cookies if c.startswith("lr_session="))
    assert "secure" in session.lower() and "httponly" in session.lower() and "samesite=lax" in session.lower()


def test_disabled_account_cannot_sign_in_and_its_session_ends(server):
    accounts.add_account(server.store, "ian", role="imo", password=PW)
    b = Browser(server.url)
    assert b.login("ian", PW).status == 303
    assert b.go("GET", "/api/organisations").status == 200
    accounts.disable_account(server.store, "ian")
    assert b.go("GET", "/api/organisations").status == 401
    r = Browser(server.url).login("ian", PW)
    assert r.status == 401 and b"disabled" in r.body


def test_brute_force_login_hits_the_limit(server):
    accounts.add_account(server.store, "ian", role="imo", password=PW)
    b = Browser(server.url)
    for _ in range(Settings().login_user_failures):
        r = b.login("ian", "password123456")
        assert r.status == 401 and b"wrong username or password" in r.body
    r = b.login("ian", PW)  # the right password, too late
    assert r.status == 429 and int(r.headers["retry-after"]) > 60
    assert not any(c.name == "lr_session" for c in b.jar)


@pytest.fixture
def public_server(store):
    admin_account(store)
    with LiveServer(create_app(store, public_view=True)) as s:
        s.store = store
        yield s


def test_public_view_shows_released_land_and_statistics_but_no_open_hazards(public_server):
    s = public_server
    url = s.url
    body = {"haz_type": "cha", "status": "open", "name": "Public test", "geometry": SQUARE}
    area = call("POST", f"{url}/api/hazardous-areas", body).json
    half = {"type": "Polygon", "coordinates": [[[35.50, 51.40], [35.508, 51.40], [35.508, 51.41], [35.50, 51.41],
                                                [35.50, 51.40]]]}  # fmt: skip
    rel = {"area": area["code"], "rel_type": "cancelled", "date": "2024-03-01", "geometry": half}
    assert call("POST", f"{url}/api/land-releases", rel).status == 201
    anon = {"auth": False}
    cols = call("GET", f"{url}/collections", **anon).json["collections"]
    assert [c["id"] for c in cols] == ["land-releases"]
    # the area is still open: its release would outline the hazard left, so the public sees none of it
    assert call("GET", f"{url}/collections/land-releases/items", **anon).json["numberMatched"] == 0
    assert call("GET", f"{url}/api/land-releases", **anon).json["matched"] == 0
    ha = area["code"]
    for path in ("/collections/hazardous-areas/items", f"/collections/hazardous-areas/items/{ha}",
                 "/api/hazardous-areas", f"/api/hazardous-areas/{ha}", "/api/eo-finds", "/api/victims",
                 "/api/map/hazardous-areas?bbox=35,51,36,52", f"/api/hazardous-areas/{ha}/history"):  # fmt: skip
        r = call("GET", url + path, **anon)
        assert r.status == 401 and SQUARE_TEXT not in r.body, path
    assert call("GET", f"{url}/api/map/land-releases?bbox=35,51,36,52", **anon).status == 200
    dash = call("GET", f"{url}/dashboard", headers={"Accept": "text/html"}, **anon)
    assert dash.status == 200 and b"released" in dash.body
    r = call("POST", f"{url}/api/land-releases", rel, **anon)
    assert r.status == 401
    assert call("GET", f"{url}/api/land-releases").json["matched"] == 1


def test_public_view_gives_no_way_to_locate_an_open_area(public_server):
    """Issue #9: the public view named the open area of each public release and showed a polygon
    touching its remaining hazard, and /api/map/extent gave anonymous visitors the extent of every
    hazardous area. Releases of open areas now stay out of every public read until the area is
    closed; the public extent is that of the land it may see."""
    s = public_server
    url, anon = s.url, {"auth": False}
    far = {
        "type": "Polygon",
        "coordinates": [[[30.0, 45.0], [30.01, 45.0], [30.01, 45.01], [30.0, 45.01], [30.0, 45.0]]],
    }
    open_area = call("POST", f"{url}/api/hazardous-areas",
                     {"name": "Open field", "haz_type": "cha", "status": "open", "geometry": SQUARE})  # fmt: skip
    done_area = call("POST", f"{url}/api/hazardous-areas",
                     {"name": "Far field", "haz_type": "sha", "status": "open", "geometry": far})  # fmt: skip
    half = {"type": "Polygon", "coordinates": [[[35.50, 51.40], [35.508, 51.40], [35.508, 51.41], [35.50, 51.41],
                                                [35.50, 51.40]]]}  # fmt: skip
    part = {"area": open_area.json["code"], "rel_type": "cancelled", "date": "2024-03-01", "geometry": half}
    hidden = call("POST", f"{url}/api/land-releases", part).json["code"]
    whole = {"area": done_area.json["code"], "rel_type": "cancelled", "date": "2024-04-01", "geometry": far}
    shown = call("POST", f"{url}/api/land-releases", whole)
    assert shown.status == 201, shown.body
    assert call("GET", f"{url}/api/hazardous-areas/{done_area.json['code']}").json["status"] != "open"
    shown = shown.json["code"]
    for path in ("/api/land-releases", "/collections/land-releases/items", "/collections/land-releases",
                 "/api/map/land-releases?bbox=-180,-90,180,90", "/api/map/land-releases?bbox=35,51,36,52"):  # fmt: skip
        r = call("GET", url + path, **anon)
        assert r.status == 200 and hidden.encode() not in r.body and SQUARE_TEXT not in r.body, path
        assert open_area.json["code"].encode() not in r.body, path
    assert shown.encode() in call("GET", f"{url}/api/land-releases", **anon).body
    assert call("GET", f"{url}/api/land-releases/{hidden}", **anon).status == 404
    assert call("GET", f"{url}/collections/land-releases/items/{hidden}", **anon).status == 404
    assert call("GET", f"{url}/api/land-releases/{shown}", **anon).status == 200
    box = call("GET", f"{url}/api/map/extent", **anon).json["bbox"]
    assert box == pytest.approx([30.0, 45.0, 30.01, 45.01])  # the released land only, not the open area at 35 E
    everything = call("GET", f"{url}/api/map/extent").json["bbox"]  # an account sees the hazardous areas' extent
    assert everything[2] >= 35.5
    ogc = call("GET", f"{url}/collections/land-releases", **anon).json["extent"]["spatial"]["bbox"][0]
    assert ogc[2] < 31
    assert call("GET", f"{url}/api/land-releases").json["matched"] == 2  # accounts see both


SQUARE_TEXT = b"51.41"


def test_personal_fields_through_api_ogc_and_history(server):
    point = {"type": "Point", "coordinates": [35.5, 51.4]}
    acc = call("POST", f"{server.url}/api/accidents", {"date": "2024-04-01", "acc_type": "civilian", "geometry": point})
    acc = acc.json["code"]
    vic = {"accident": acc, "full_name": "Secret Person", "birth_date": "1980-01-01", "address": "1 Hidden St",
           "outcome": "killed"}  # fmt: skip
    code = call("POST", f"{server.url}/api/victims", vic).json["code"]
    call("PATCH", f"{server.url}/api/victims/{code}", {"address": "2 Hidden St", "version": 1})
    org = _org(server, "Own Demining")
    for name, role in (("quinn", "qa_officer"), ("olga", "operator_writer"), ("dona", "viewer")):
        h = account_token(server.store, name, role, org if role == "operator_writer" else None)
        for path in (f"/api/victims/{code}", "/api/victims", f"/api/victims/{code}/history",
                     f"/collections/accidents/items/{acc}", "/collections/accidents/items"):  # fmt: skip
            r = call("GET", server.url + path, headers=h)
            assert r.status == 200 and b"Hidden" not in r.body and b"Secret" not in r.body, (name, path)
        assert call("GET", f"{server.url}/api/victims?address=1%20Hidden%20St", headers=h).status == 422
        assert call("GET", f"{server.url}/collections/accidents/items?full_name=x", headers=h).status == 400
    assert call("GET", f"{server.url}/api/victims/{code}").json["address"] == "2 Hidden St"  # the administrator
