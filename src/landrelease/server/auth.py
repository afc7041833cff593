"""Who is calling: API tokens, web sessions with CSRF protection, the login and logout pages.

The server only establishes the principal; what the principal may do is decided by the service
layer (`landrelease.service.access` on `landrelease.auth.policy`).

- `Authorization: Bearer lr_…` (an API token from `landrelease users token USER`) for scripts. A
  token that is unknown, revoked or whose account is disabled gets 401 — never a silent fallback.
- `Authorization: Basic` with the account name and one of its API tokens as the password: what
  QGIS 3.22, GDAL (`GDAL_HTTP_USERPWD`) and OWSLib can send (`accounts.authenticate_token`, under the
  login rate limit). Account passwords are refused here (docs/security.md says why).
- A web session: the cookie `lr_session` (HttpOnly, SameSite=Lax, Secure when the request came
  over https; over plain http — `make run` on 127.0.0.1 — browsers would not send a Secure cookie
  back, so it is left off: serve over TLS for any network use). Every unsafe request (POST, PUT,
  PATCH, DELETE) authenticated by the cookie must carry the session's CSRF token in the
  `X-CSRF-Token` header (pages put it in `<meta name="csrf-token">`; form.js sends it) or, for the
  logout form, a `csrf_token` field. The login form uses a double-submit token (cookie + field).
- Nobody: the public view (`Principal.public()`) when the server enables it, else None.

Default deny: every path needs a principal except the login page, the OGC landing page and
conformance, the OpenAPI document and its docs page, static assets and `/odk` (which
authenticates ODK Collect itself with `accounts.authenticate`). Anonymous callers get 401
problem+json on the API and a redirect to the login page for pages.
"""

from __future__ import annotations

import base64
import binascii
import contextvars
import ipaddress
import secrets
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs, quote

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Receive, Scope, Send

from landrelease.auth.roles import Principal
from landrelease.errors import Forbidden, TooManyAttempts, Unauthenticated
from landrelease.server.problems import problem
from landrelease.service import accounts
from landrelease.service.store import Store

SESSION_COOKIE = "lr_session"
LOGIN_CSRF_COOKIE = "lr_login_csrf"
CSRF_HEADER = "x-csrf-token"
UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})
CROSS_SITE = frozenset({"cross-site", "same-site"})

#: Paths anyone may reach (exact), and path prefixes anyone may reach.
OPEN_PATHS = frozenset({"/", "/conformance", "/login", "/logout", "/api/openapi.json", "/api/docs", "/favicon.ico"})
OPEN_PREFIXES = ("/static/", "/vendor/", "/basemap/", "/odk", "/api/docs/")

#: The principal and CSRF token of the request being served (read by the page layout).
current: contextvars.ContextVar[tuple[Principal | None, str | None]] = contextvars.ContextVar(
    "landrelease_principal", default=(None, None)
)


def is_open(path: str) -> bool:
    return path in OPEN_PATHS or path.startswith(OPEN_PREFIXES)


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def basic_credentials(value: str) -> tuple[str, str]:
    """(username, password) of an `Authorization: Basic …` value (RFC 7617, UTF-8); Unauthenticated
    when it is not base64 of `user:password`."""
    try:
        username, sep, password = base64.b64decode(value.strip(), validate=True).decode("utf-8").partition(":")
    except (binascii.Error, UnicodeDecodeError):
        raise Unauthenticated("the Authorization header is not valid Basic credentials") from None
    if not sep:
        raise Unauthenticated("the Authorization header is not valid Basic credentials (no ':')")
    return username, password


def _resolve(
    store: Store, authorization: str, cookie: str, public_view: bool, address: str = ""
) -> tuple[Any, str | None, str]:
    """(principal or None, csrf token of the session or None, how) — how: bearer, basic, session,
    public, none, bad-token. Basic (account name + API token) raises Unauthenticated or
    TooManyAttempts itself: its message says which of the two to fix, or how long to wait."""
    if authorization:
        scheme, _, token = authorization.partition(" ")
        if scheme.lower() == "bearer":
            p = accounts.principal_for_token(store, token.strip())
            return (p, None, "bearer") if p is not None else (None, None, "bad-token")
        if scheme.lower() == "basic":
            username, secret = basic_credentials(token)
            return accounts.authenticate_token(store, username, secret, address or None), None, "basic"
    if cookie:
        s = accounts.session_for(store, cookie)
        if s is not None:
            return s.principal, s.csrf, "session"
    if public_view:
        return Principal.public(), None, "public"
    return None, None, "none"


class AuthMiddleware:
    """Resolves the caller once per request (in a worker thread: it reads the database), enforces
    default deny and CSRF, and publishes the principal on `request.state` and in `current`."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        path = request.url.path
        if path.startswith(("/static/", "/vendor/", "/basemap/", "/odk")):
            await self.app(scope, receive, send)  # no database round trip for assets or ODK
            return
        state = request.app.state
        authorization = request.headers.get("authorization", "")
        cookie = request.cookies.get(SESSION_COOKIE, "")
        try:
            p, csrf, how = await run_in_threadpool(
                _resolve, state.store, authorization, cookie, state.public_view, client_address(request)
            )
        except (Unauthenticated, TooManyAttempts) as exc:
            await _deny(request, exc)(scope, receive, send)
            return
        scope.setdefault("state", {})
        scope["state"]["principal"] = p
        scope["state"]["csrf"] = csrf
        scope["state"]["auth"] = how
        if how == "bad-token":
            await _deny(request, Unauthenticated("the API token is unknown, revoked or its account is disabled"))(
                scope, receive, send
            )
            return
        if p is None and not is_open(path):
            await _deny(request, Unauthenticated("sign in (or send an API token) to use the record"))(
                scope, receive, send
            )
            return
        if how == "basic" and request.method in UNSAFE and request.headers.get("sec-fetch-site") in CROSS_SITE:
            # A browser that was once given Basic credentials sends them by itself, even on another
            # site's form: a write from another site with Basic is refused (scripts send no Sec-Fetch-*).
            await _deny(request, Forbidden("a write from another web site with Basic credentials is refused"))(
                scope, receive, send
            )
            return
        if how == "session" and request.method in UNSAFE and path not in ("/login", "/logout"):
            sent = request.headers.get(CSRF_HEADER, "")
            if not sent or not secrets.compare_digest(sent, csrf or ""):
                await _deny(request, Forbidden("missing or wrong CSRF token (X-CSRF-Token); reload the page"))(
                    scope, receive, send
                )
                return
        token = current.set((p, csrf))
        try:
            await self.app(scope, receive, send)
        finally:
            current.reset(token)


def wants_page(request: Request) -> bool:
    """A browser navigating to a page (not a script or the API)."""
    if request.url.path.startswith("/api") or request.url.path.startswith("/odk"):
        return False
    if request.query_params.get("f") in ("json", "geojson"):
        return False
    accept = request.headers.get("accept", "")
    return "text/html" in accept


def _deny(request: Request, exc: Exception) -> Response:
    if isinstance(exc, Unauthenticated):
        if wants_page(request) and request.method == "GET":
            target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
            return RedirectResponse(f"/login?next={quote(target, safe='')}", status_code=303)
        r = problem(401, "Unauthorized", str(exc), instance=request.url.path)
        r.headers["WWW-Authenticate"] = 'Bearer realm="landrelease"'
        if request.headers.get("sec-fetch-dest") != "empty":
            # Both schemes for every client but a page's own fetch(): a Basic challenge there would pop
            # the browser's password dialog over the page (its session has ended: it gets Bearer only).
            r.headers.append("WWW-Authenticate", 'Basic realm="landrelease", charset="UTF-8"')
        return r
    if isinstance(exc, TooManyAttempts):
        r = problem(429, "Too many requests", str(exc), instance=request.url.path)
        r.headers["Retry-After"] = str(exc.retry_after)
        return r
    if wants_page(request):
        from landrelease.server.render import render

        return render(
            request, "error.html", status_code=403, title="Not allowed", detail=str(exc), detail_id="forbidden"
        )
    return problem(403, "Forbidden", str(exc), instance=request.url.path, field=exc.field)  # the field to fix


# ------------------------------------------------------------------------ what routes call


def principal(request: Request) -> Principal | None:
    """The caller (a FastAPI dependency): an account's principal, the public view's, or None."""
    return getattr(request.state, "principal", None)


def require(predicate: Callable[[Principal | None], bool]) -> Callable[[Request], Principal]:
    """A FastAPI dependency that lets a request through only when `predicate(principal)` holds
    (e.g. `Depends(require(policy.can_approve))`): 401 for nobody, 403 for the wrong role."""

    def dependency(request: Request) -> Principal:
        p = principal(request)
        if (p is None or p.is_anonymous) and not predicate(p):
            raise Unauthenticated("sign in (or send an API token) for this")
        if not predicate(p):
            raise Forbidden(f"{p.username} ({p.role.value}) may not do this")
        return p

    return dependency


def store_for(request: Request) -> Store:
    """The record as the caller sees it: the server's guarded store acting as the principal (or,
    with no principal, a handle on which every use case refuses)."""
    base: Store = request.app.state.store
    p = principal(request)
    return base.acting(p) if p is not None else base


def csrf_token(request: Request) -> str | None:
    return getattr(request.state, "csrf", None)


# ------------------------------------------------------------------------------ login / logout


def _safe_next(target: str | None) -> str:
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/map"
    return target


def _is_loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"


def login_page(request: Request, *, error: str = "", status: int = 200, username: str = "") -> HTMLResponse:
    from landrelease.server.render import render

    token = secrets.token_urlsafe(24)
    nxt = _safe_next(request.query_params.get("next"))
    response = render(
        request,
        "login.html",
        status_code=status,
        token=token,
        next=nxt,
        next_quoted=quote(nxt, safe=""),
        error=error,
        username=username,
        insecure=request.url.scheme != "https" and not _is_loopback(request.url.hostname or ""),
    )
    response.set_cookie(
        LOGIN_CSRF_COOKIE,
        token,
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
        path="/login",
        max_age=3600,
    )
    return response


async def _form(request: Request) -> dict[str, str]:
    body = (await request.body())[:20_000].decode("utf-8", "replace")
    return {k: v[0] for k, v in parse_qs(body, keep_blank_values=True).items()}


async def login_submit(request: Request) -> Response:
    form = await _form(request)
    sent = form.get("csrf_token", "")
    expected = request.cookies.get(LOGIN_CSRF_COOKIE, "")
    if not sent or not expected or not secrets.compare_digest(sent, expected):
        return login_page(request, error="The sign-in form expired; please try again.", status=403)
    username = form.get("username", "")
    store: Store = request.app.state.store
    address = client_address(request)
    try:
        p = await run_in_threadpool(accounts.authenticate, store, username, form.get("password", ""), address)
    except TooManyAttempts as exc:
        r = login_page(request, error=str(exc), status=429, username=username)
        r.headers["Retry-After"] = str(exc.retry_after)
        return r
    except Unauthenticated as exc:
        return login_page(request, error=str(exc), status=401, username=username)
    secret, session = await run_in_threadpool(accounts.create_session, store, p.username, address)
    response = RedirectResponse(_safe_next(form.get("next") or request.query_params.get("next")), status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        secret,
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
        path="/",
        max_age=int(store.settings.session_hours * 3600),
    )
    response.delete_cookie(LOGIN_CSRF_COOKIE, path="/login")
    return response


async def logout(request: Request) -> Response:
    form = await _form(request)
    cookie = request.cookies.get(SESSION_COOKIE, "")
    csrf = csrf_token(request)
    sent = form.get("csrf_token") or request.headers.get(CSRF_HEADER, "")
    if cookie and csrf:
        if not sent or not secrets.compare_digest(sent, csrf):
            return problem(403, "Forbidden", "missing or wrong CSRF token; reload the page", instance="/logout")
        await run_in_threadpool(accounts.end_session, request.app.state.store, cookie)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


def router() -> APIRouter:
    r = APIRouter(include_in_schema=False)
    r.add_api_route("/login", login_page, methods=["GET"])
    r.add_api_route("/login", login_submit, methods=["POST"])
    r.add_api_route("/logout", logout, methods=["POST"])
    return r


def install(app: FastAPI, *, public_view: bool = False) -> None:
    """Authentication on `app`: the middleware, the login/logout routes, 401/403/429 handlers."""
    app.state.public_view = public_view
    app.add_middleware(AuthMiddleware)
    app.include_router(router())

    @app.exception_handler(Unauthenticated)
    async def _unauthenticated(request: Request, exc: Unauthenticated) -> Response:
        return _deny(request, exc)

    @app.exception_handler(Forbidden)
    async def _forbidden(request: Request, exc: Forbidden) -> Response:
        return _deny(request, exc)

    @app.exception_handler(TooManyAttempts)
    async def _too_many(request: Request, exc: TooManyAttempts) -> Response:
        return _deny(request, exc)


__all__ = [
    "AuthMiddleware",
    "client_address",
    "csrf_token",
    "install",
    "principal",
    "require",
    "store_for",
]
