"""What a stranger can send, and what every response tells the browser: request-body limits and
security headers, as two small ASGI middlewares.

Body limits. Every request body is capped by the route it is sent to (`BodyLimits`): sign-in and
sign-out forms are tiny, API writes and review actions carry at most a large polygon, field uploads
(ODK Collect submissions with photos) are the largest. A declared `Content-Length` over the cap is
refused with 413 before a byte of the body is read; a body sent without one (chunked) is counted as
it arrives and refused the moment it passes the cap, so memory stays flat whatever the client sends.
The 413 speaks the caller's language: problem+json (RFC 9457) for the API, a short HTML page for a
browser, an OpenRosa envelope for ODK Collect.

Security headers (OWASP Secure Headers; CSP Level 3): every response carries a Content-Security-Policy
with no inline script (pages load only `/static`, `/vendor` modules; MapLibre builds its workers from
`blob:` URLs), `frame-ancestors 'none'` and `X-Frame-Options: DENY` against click-jacking,
`X-Content-Type-Options: nosniff` and a same-origin Referrer-Policy. Inline `style` attributes stay
allowed (the legend swatches and bar charts use them; a style cannot run code). The API docs page
(FastAPI's Swagger UI) has one inline script: it is allowed by its SHA-256 hash, on that page only.

The caps are settings (`max_form_bytes`, `max_body_bytes`, `max_upload_bytes`: docs/operations.md).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from starlette.datastructures import Headers, MutableHeaders
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from landrelease.server.problems import problem
from landrelease.settings import Settings

KIB = 1024
MIB = 1024 * KIB


@dataclass(frozen=True)
class BodyLimits:
    """The body-size cap of each route: the first matching path pattern wins, else `default`.
    Patterns are regular expressions matched against the whole path. `of(settings)` gives the
    configured caps: sign-in/sign-out forms (`max_form_bytes`), ODK Collect submissions
    (`max_upload_bytes`), everything else (`max_body_bytes`: API writes, review decisions, plan runs)."""

    default: int
    routes: tuple[tuple[str, int], ...] = ()

    @classmethod
    def of(cls, settings: Settings) -> BodyLimits:
        return cls(
            default=settings.max_body_bytes,
            routes=(
                (r"/login|/logout", settings.max_form_bytes),
                (r"/odk(/key/[^/]+)?/submission", settings.max_upload_bytes),
            ),
        )

    def __post_init__(self) -> None:
        object.__setattr__(self, "_compiled", [(re.compile(p), n) for p, n in self.routes])

    def for_path(self, path: str) -> int:
        for pattern, limit in self._compiled:  # type: ignore[attr-defined]
            if pattern.fullmatch(path):
                return limit
        return self.default


class BodyTooLarge(StarletteHTTPException):
    """A request body past its route's cap (raised from `receive`, so FastAPI's body parsing lets it
    through as an HTTP error rather than a 400)."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, f"the request body is larger than {_size(limit)}, the limit of this address")
        self.limit = limit


def _size(n: int) -> str:
    if n >= MIB and n % MIB == 0:
        return f"{n // MIB} MB"
    if n >= KIB and n % KIB == 0:
        return f"{n // KIB} KB"
    return f"{n} bytes"


def too_large(request: Request, limit: int) -> Response:
    """The 413 in the caller's language: OpenRosa for ODK Collect, HTML for a browser, else problem+json."""
    detail = f"the request body is larger than {_size(limit)}, the limit of this address"
    path = request.url.path
    if path.startswith("/odk"):
        from landrelease.formats import openrosa

        body = openrosa.response_xml(f"The submission is larger than {_size(limit)}.", nature="error")
        headers = {**openrosa.headers(), "Connection": "close"}
        return Response(body, 413, media_type="text/xml; charset=utf-8", headers=headers)
    from landrelease.server.auth import wants_page

    if wants_page(request) or "text/html" in request.headers.get("accept", ""):
        from landrelease.server.render import render

        page = render(request, "error.html", status_code=413, title="Too large", detail=detail, detail_id="too-large")
        page.headers["Connection"] = "close"
        return page
    r = problem(413, "Content too large", detail, instance=path)
    r.headers["Connection"] = "close"
    return r


class BodyLimitMiddleware:
    """Refuses a request body past its route's cap: by its declared length before reading it, and
    by counting what arrives when it has none (chunked)."""

    def __init__(self, app: ASGIApp, limits: BodyLimits) -> None:
        self.app = app
        self.limits = limits

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limits.for_path(scope["path"])
        declared = Headers(scope=scope).get("content-length")
        if declared is not None and declared.strip().isdigit() and int(declared) > limit:
            await too_large(Request(scope), limit)(scope, receive, send)
            return
        seen = 0

        async def counted() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    raise BodyTooLarge(limit)
            return message

        started = False

        async def watch(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counted, watch)
        except BodyTooLarge as exc:  # read outside an endpoint (a middleware): answer here
            if started:
                raise
            await too_large(Request(scope), exc.limit)(scope, receive, send)


# --------------------------------------------------------------------------------- security headers

#: The policy of every page: same-origin resources only; MapLibre's workers come from blob: URLs and
#: its sprites/images may be data: URLs; no plugin, no base-URI or form target elsewhere, no framing.
CSP = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data: blob:",
        "font-src 'self'",
        "connect-src 'self' data: blob:",
        "worker-src 'self' blob:",
        "child-src 'self' blob:",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)
HEADERS = (
    ("x-content-type-options", "nosniff"),
    ("x-frame-options", "DENY"),
    ("referrer-policy", "same-origin"),
    ("cross-origin-opener-policy", "same-origin"),
)


class SecurityHeadersMiddleware:
    """Adds the security headers to every response (a route that set its own keeps it)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def add(message: Message) -> None:
            if message["type"] == "http.response.start":
                _set(MutableHeaders(scope=message), CSP)
            await send(message)

        await self.app(scope, receive, add)


def _set(headers: MutableHeaders, csp: str) -> None:
    if "content-security-policy" not in headers:
        headers["content-security-policy"] = csp
    for name, value in HEADERS:
        if name not in headers:
            headers[name] = value


def install(app: ASGIApp, limits: BodyLimits) -> None:
    """Both middlewares on `app` (outermost: they see every request and every response, the
    refusals of the other middlewares included), and the 413 handler for bodies read by endpoints."""
    app.add_middleware(BodyLimitMiddleware, limits=limits)  # type: ignore[attr-defined]
    app.add_middleware(SecurityHeadersMiddleware)  # type: ignore[attr-defined]

    @app.exception_handler(BodyTooLarge)  # type: ignore[attr-defined]
    async def _too_large(request: Request, exc: BodyTooLarge) -> Response:
        return too_large(request, exc.limit)


__all__ = [
    "CSP",
    "BodyLimitMiddleware",
    "BodyLimits",
    "BodyTooLarge",
    "SecurityHeadersMiddleware",
    "install",
]
