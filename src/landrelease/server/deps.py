"""What every route needs from the application: the open store and the server's settings."""

from __future__ import annotations

from fastapi import Request

from landrelease.service.store import Store


def store_of(request: Request) -> Store:
    return request.app.state.store
