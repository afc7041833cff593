"""What every route needs from the application: the open store and the server's settings."""

from __future__ import annotations

from fastapi import Request

from landrelease.service.store import Store


def store_of(request: Request) -> Store:
    """The record as the caller sees it (see `landrelease.server.auth`): every use case called on
    it is checked against the caller's role and organisation."""
    from landrelease.server.auth import store_for

    return store_for(request)
