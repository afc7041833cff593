"""What every route needs from the application: the open store and the server's settings."""

from __future__ import annotations

import threading

from fastapi import Request

from landrelease.service.store import Store


def store_of(request: Request) -> Store:
    return request.app.state.store


def write_lock(request: Request) -> threading.Lock:
    """One writer at a time per server process. SQLite queues writers itself (BEGIN IMMEDIATE); on
    PostgreSQL the store's code allocation (read, then update code_sequence) is not safe under
    concurrent transactions yet, so the server serialises its own writes rather than hand out a code
    twice. Reads never take it."""
    return request.app.state.write_lock
