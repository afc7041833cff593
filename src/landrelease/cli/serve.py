"""`landrelease serve`: the web application (HTTP API, OGC API – Features, map, pages) under uvicorn."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from landrelease.errors import ValidationError


def serve(
    host: Annotated[str, typer.Option(help="Address to listen on (0.0.0.0 for the office network).")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port.")] = 8000,
    basemap: Annotated[
        Path | None,
        typer.Option(help="A PMTiles file (vector or raster) shown under the record instead of the bundled basemap."),
    ] = None,
    workers: Annotated[
        int,
        typer.Option(
            min=1,
            help="Server processes. SQLite readers run in parallel (WAL) and writers queue across processes; "
            "PostgreSQL handles any number.",
        ),
    ] = 1,
    scenarios: Annotated[
        Path | None,
        typer.Option(help="Directory of planning scenario files (*.toml) the Plan page offers [default: scenarios/]."),
    ] = None,
    public_view: Annotated[
        bool,
        typer.Option(
            "--public-view",
            envvar="LANDRELEASE_PUBLIC_VIEW",
            help="Let anonymous visitors see released land and statistics (never hazardous areas). Off by default.",
        ),
    ] = False,
) -> None:
    """Run the web application on the record given by --db (SQLite file or postgresql://… URL)."""
    import uvicorn

    from landrelease.cli.main import err, store
    from landrelease.server.app import create_app

    if basemap is not None and not basemap.is_file():
        raise ValidationError(f"no file {str(basemap)!r}", field="basemap")
    if scenarios is not None and not scenarios.is_dir():
        raise ValidationError(f"no directory {str(scenarios)!r}", field="scenarios")
    from landrelease.service.accounts import any_accounts

    s = store(system=True)  # the server establishes who is acting, request by request
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
            "serve behind a TLS proxy (docs/security.md)",
            markup=False,
            highlight=False,
        )
    if workers == 1:
        app = create_app(s, basemap=basemap, scenarios=scenarios, public_view=public_view)
        uvicorn.run(app, host=host, port=port, log_level="warning")
        return
    # Each worker process builds its own application (and connections) from these settings.
    import os

    from landrelease.server import app as server_app

    os.environ[server_app.ENV_DB] = s.engine.url.render_as_string(hide_password=False)
    os.environ[server_app.ENV_ACTOR] = s.actor
    os.environ[server_app.ENV_BASEMAP] = str(basemap.resolve()) if basemap else ""
    os.environ[server_app.ENV_SCENARIOS] = str(scenarios.resolve()) if scenarios else ""
    os.environ[server_app.ENV_PUBLIC] = "1" if public_view else ""
    s.close()
    uvicorn.run(
        "landrelease.server.app:app_from_env", factory=True, host=host, port=port, workers=workers, log_level="warning"
    )
