"""Errors as RFC 9457 problem details (`application/problem+json`), naming the field to fix."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from landrelease.errors import LandreleaseError
from landrelease.i18n import N_

PROBLEM = "application/problem+json"
log = logging.getLogger("landrelease.server")


def problem(status: int, title: str, detail: str, *, instance: str = "", **extra: Any) -> JSONResponse:
    body: dict[str, Any] = {"type": "about:blank", "title": title, "status": status, "detail": detail}
    if instance:
        body["instance"] = instance
    body.update({k: v for k, v in extra.items() if v is not None})
    return JSONResponse(body, status_code=status, media_type=PROBLEM)


#: Titles of the error pages a browser gets (the errors' `title`s), for the catalogues.
PAGE_TITLES = (
    N_("Bad request"),
    N_("Invalid input"),
    N_("Not found"),
    N_("Conflict"),
    N_("Not allowed"),
    N_("Store unavailable"),
    N_("Method not allowed"),
    N_("Error"),
)


def _page(request: Request, status: int, title: str, detail: str) -> Response | None:
    """The error as a page, in the user's language, when a browser navigated here (GET text/html)."""
    from landrelease.server.auth import wants_page

    if request.method != "GET" or not wants_page(request):
        return None
    from landrelease.server.render import render

    return render(request, "error.html", status_code=status, title=title, detail=detail, detail_id="error-detail")


def install(app: FastAPI) -> None:
    @app.exception_handler(LandreleaseError)
    async def _landrelease(request: Request, exc: LandreleaseError) -> Response:
        page = _page(request, exc.http_status, exc.title, str(exc))
        if page is not None:
            return page
        detail = " ".join(exc.message.split())
        errors = [{"field": exc.field, "message": detail}] if exc.field else None
        return problem(exc.http_status, exc.title, str(exc), instance=request.url.path, field=exc.field, errors=errors)

    @app.exception_handler(RequestValidationError)
    async def _request(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = []
        for e in exc.errors():
            loc = [str(x) for x in e.get("loc", ()) if x not in ("body", "query", "path", "header")]
            errors.append({"field": ".".join(loc) or None, "message": e.get("msg", "invalid")})
        first = errors[0] if errors else {"field": None, "message": "invalid request"}
        detail = f"{first['field']}: {first['message']}" if first["field"] else first["message"]
        return problem(422, "Invalid input", detail, instance=request.url.path, field=first["field"], errors=errors)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        title = {404: "Not found", 405: "Method not allowed"}.get(exc.status_code, "Error")
        page = _page(request, exc.status_code, title, str(exc.detail))
        if page is not None:
            return page
        return problem(exc.status_code, title, str(exc.detail), instance=request.url.path)

    @app.exception_handler(Exception)
    async def _bug(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error on %s", request.url.path)
        return problem(
            500, "Internal error", "the server failed on this request; see its log", instance=request.url.path
        )
