"""`landrelease serve`: the web application (HTTP API, OGC API – Features, map, pages) under uvicorn."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Annotated

import typer

from landrelease.errors import ValidationError


def serve(
    host: Annotated[
        str | None,
        typer.Option(help="Address to listen on (0.0.0.0 for the office network) [setting host; 127.0.0.1]."),
    ] = None,
    port: Annotated[int | None, typer.Option(help="TCP port [setting port; 8000].")] = None,
    basemap: Annotated[
        Path | None,
        typer.Option(
            help="A PMTiles file (vector or raster) shown under the record instead of the bundled basemap "
            "[setting basemap]."
        ),
    ] = None,
    workers: Annotated[
        int | None,
        typer.Option(
            min=1,
            help="Server processes. SQLite readers run in parallel (WAL) and writers queue across processes; "
            "PostgreSQL handles any number [setting workers; 1].",
        ),
    ] = None,
    scenarios: Annotated[
        Path | None,
        typer.Option(
            help="Directory of planning scenario files (*.toml) the Plan page offers [setting scenarios; "
            "default: scenarios/]."
        ),
    ] = None,
    public_view: Annotated[
        bool,
        typer.Option(
            "--public-view",
            help="Let anonymous visitors see released land and statistics (never hazardous areas). Off by default "
            "[setting public_view, LANDRELEASE_PUBLIC_VIEW].",
        ),
    ] = False,
    language: Annotated[
        str | None,
        typer.Option(
            help="Pages' language when the browser asks for none Landrelease speaks: en, uk, ru, ar, es, fr "
            "[setting language, LANDRELEASE_LANGUAGE; default en].",
        ),
    ] = None,
) -> None:
    """Run the web application on the record given by --db (SQLite file or postgresql://… URL)."""
    import uvicorn

    from landrelease.cli.main import err, state, store
    from landrelease.server.app import create_app

    given = {"host": host, "port": port, "basemap": basemap, "workers": workers, "scenarios": scenarios,
             "language": language}  # fmt: skip
    settings = dataclasses.replace(
        state.settings,
        **{k: v for k, v in given.items() if v is not None},
        **({"public_view": True} if public_view else {}),
    )
    if settings.basemap is not None and not settings.basemap.is_file():
        raise ValidationError(f"no file {str(settings.basemap)!r}", field="basemap")
    if settings.scenarios is not None and not settings.scenarios.is_dir():
        raise ValidationError(f"no directory {str(settings.scenarios)!r}", field="scenarios")
    # absolute paths: worker processes may start elsewhere
    settings = dataclasses.replace(
        settings,
        **{
            k: getattr(settings, k).resolve()
            for k in ("basemap", "scenarios", "plan_cache", "web")
            if getattr(settings, k)
        },
    )
    state.settings = settings
    from landrelease.service.accounts import any_accounts

    s = store(system=True)  # the server establishes who is acting, request by request
    host, port, workers = settings.host, settings.port, settings.workers
    more = f", {workers} workers" if workers > 1 else ""
    err.print(
        f"Landrelease on http://{host}:{port}/  (record: {s.url}{more}; Ctrl-C stops)", markup=False, highlight=False
    )
    if not any_accounts(s):
        err.print(
            "note: this record has no accounts yet, so nobody can sign in; create one with "
            "'landrelease users add NAME --role admin'",
            markup=False,
            highlight=False,
        )
    if host not in ("127.0.0.1", "::1", "localhost"):
        err.print(
            "note: plain http on a network address: passwords and session cookies cross the network in clear; "
            "serve behind a TLS proxy (docs/operations.md)",
            markup=False,
            highlight=False,
        )
    # behind a TLS proxy: the client's address and scheme come from the proxy's headers (docs/operations.md)
    proxy = {"proxy_headers": True, "forwarded_allow_ips": settings.forwarded_allow_ips}
    if workers == 1:
        uvicorn.run(create_app(s), host=host, port=port, log_level="warning", **proxy)
        return
    # Each worker process builds its own application (and connections) from the same settings, handed
    # over whole (uvicorn starts workers from an import string, so the environment is the only way in).
    import os

    from landrelease.server import app as server_app

    os.environ[server_app.ENV_SETTINGS] = dataclasses.replace(
        settings, db=s.engine.url.render_as_string(hide_password=False), user=s.actor
    ).to_json()
    s.close()
    uvicorn.run(
        "landrelease.server.app:app_from_env",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level="warning",
        **proxy,
    )
