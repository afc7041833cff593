"""The handle every use case takes: which database, and who is acting."""

from __future__ import annotations

import copy
import getpass
import os
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING

from sqlalchemy import Engine

from landrelease.store import engine as store_engine

if TYPE_CHECKING:
    from landrelease.auth.roles import Principal


def default_actor() -> str:
    user = os.environ.get("LANDRELEASE_USER")
    if user:
        return user
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return "cli:unknown"


@dataclass
class Store:
    """An open record. `actor` is written into every audit row this handle causes.

    `principal` is who is acting: every use case checks it against `landrelease.auth.policy`.
    None means the trusted local system (the CLI on a database without accounts, the demo
    builder, a migration): no checks. The server never hands such a handle to a request; it
    calls `acting(principal)` for each one."""

    db: str | None = None
    actor: str = ""
    principal: Principal | None = None
    system: bool = True  # False: a handle that must never act without a principal (the server's)

    def __post_init__(self) -> None:
        if not self.actor:
            self.actor = default_actor()

    def acting(self, principal: Principal) -> Store:
        """This record (same engine and connection pool) as seen and written by `principal`."""
        other = copy.copy(self)  # shares the cached engine
        other.principal = principal
        other.actor = principal.actor
        other.system = False
        return other

    def guarded(self) -> Store:
        """This record with no rights of its own: every use case on it needs `acting(principal)`
        first (the server keeps such a handle, so that a route can never act as the system)."""
        self.engine  # noqa: B018 — create the engine once, shared by every copy
        other = copy.copy(self)
        other.principal = None
        other.system = False
        return other

    @cached_property
    def engine(self) -> Engine:
        return store_engine.make_engine(self.db)

    @property
    def url(self) -> str:
        return self.engine.url.render_as_string(hide_password=True)

    @property
    def backend(self) -> str:
        return self.engine.dialect.name

    def init(self) -> None:
        store_engine.upgrade(self.engine)

    def ready(self) -> Store:
        store_engine.check_ready(self.engine)
        return self

    def close(self) -> None:
        if "engine" in self.__dict__:
            self.engine.dispose()


def open_store(db: str | None = None, *, actor: str = "", init: bool = False) -> Store:
    store = Store(db, actor)
    if init:
        store.init()
    else:
        store.ready()
    return store
