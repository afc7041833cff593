"""Alembic environment: runs on the connection the store hands over (both backends)."""

from __future__ import annotations

from alembic import context

from landrelease.store.schema import metadata


def _render_item(type_, obj, autogen_context):  # type: ignore[no-untyped-def]
    if type_ == "type" and obj.__class__.__name__ == "Geometry":
        autogen_context.imports.add("from landrelease.store.geometry import Geometry")
        return "Geometry()"
    return False


def run() -> None:
    connection = context.config.attributes.get("connection")
    if connection is None:  # `alembic` command line: build an engine from the URL
        from landrelease.store.engine import make_engine

        engine = make_engine(context.config.get_main_option("sqlalchemy.url"))
        with engine.begin() as connection:
            _configure_and_run(connection)
        return
    _configure_and_run(connection)


def _configure_and_run(connection) -> None:  # type: ignore[no-untyped-def]
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_item=_render_item,
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()


run()
