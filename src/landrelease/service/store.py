"""The handle every use case takes: which database, and who is acting."""

from __future__ import annotations

import getpass
import os
from dataclasses import dataclass
from functools import cached_property

from sqlalchemy import Engine

from landrelease.store import engine as store_engine


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
    """An open record. `actor` is written into every audit row this handle causes."""

    db: str | None = None
    actor: str = ""

    def __post_init__(self) -> None:
        if not self.actor:
            self.actor = default_actor()

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
