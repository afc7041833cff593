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
) -> None:
    """Run the web application on the record given by --db (SQLite file or postgresql://… URL)."""
    import uvicorn

    from landrelease.cli.main import err, store
    from landrelease.server.app import create_app

    if basemap is not None and not basemap.is_file():
        raise ValidationError(f"no file {str(basemap)!r}", field="basemap")
    if scenarios is not None and not scenarios.is_dir():
        raise ValidationError(f"no directory {str(scenarios)!r}", field="scenarios")
    s = store()
    more = f", {workers} workers" if workers > 1 else ""
    err.print(
        f"Landrelease on http://{host}:{port}/  (record: {s.url}{more}; Ctrl-C stops)", markup=False, highlight=False
    )
    if workers == 1:
        app = create_app(s, basemap=basemap, scenarios=scenarios)
        uvicorn.run(app, host=host, port=port, log_level="warning")
        return
    # Each worker process builds its own application (and connections) from these settings.
    import os

    from landrelease.server import app as server_app

    os.environ[server_app.ENV_DB] = s.engine.url.render_as_string(hide_password=False)
    os.environ[server_app.ENV_ACTOR] = s.actor
    os.environ[server_app.ENV_BASEMAP] = str(basemap.resolve()) if basemap else ""
    os.environ[server_app.ENV_SCENARIOS] = str(scenarios.resolve()) if scenarios else ""
    s.close()
    uvicorn.run(
        "landrelease.server.app:app_from_env", factory=True, host=host, port=port, workers=workers, log_level="warning"
    )
