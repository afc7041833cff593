"""The handle every use case takes: which database, and who is acting."""

from __future__ import annotations

import copy
import getpass
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING

from sqlalchemy import Engine

from landrelease.domain.entry_rules import EntryRules
from landrelease.settings import Settings
from landrelease.store import engine as store_engine
from landrelease.store.repo import backend as store_engine_backend

if TYPE_CHECKING:
    from landrelease.auth.roles import Principal


def default_actor(user: str | None = None) -> str:
    """`user` (the `user` setting) or cli:<login name>."""
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
    #: The process's settings (landrelease.settings): use cases read their limits and tolerances here.
    settings: Settings = field(default_factory=Settings)

    def __post_init__(self) -> None:
        if not self.actor:
            self.actor = default_actor(self.settings.user)

    @property
    def rules(self) -> EntryRules:
        """The entry rules' configurable values (`domain.entry_rules`), from the `rules_*` settings."""
        return self.settings.entry_rules()

    def acting(self, principal: Principal) -> Store:
        """This record (same engine and connection pool) as seen and written by `principal`."""
        other = copy.copy(self)  # shares the cached engine
        other.principal = principal
        other.actor = principal.actor
        other.system = False
        return other

    def configured(self, settings: Settings) -> Store:
        """This record (same engine) under other settings (the web application's)."""
        other = copy.copy(self)
        other.settings = settings
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
        return store_engine_backend(self.engine)

    def init(self) -> None:
        store_engine.upgrade(self.engine)

    def ready(self) -> Store:
        store_engine.check_ready(self.engine)
        return self

    def close(self) -> None:
        if "engine" in self.__dict__:
            self.engine.dispose()


def open_store(
    db: str | None = None, *, actor: str = "", init: bool = False, settings: Settings | None = None
) -> Store:
    """The record `db` (default: the settings' `db`), with `settings` (default: the defaults)."""
    settings = settings or Settings()
    store = Store(db or settings.db, actor, settings=settings)
    if init:
        store.init()
    else:
        store.ready()
    return store
