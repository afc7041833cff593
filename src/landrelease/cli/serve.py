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
    app = create_app(s, basemap=basemap, scenarios=scenarios)
    err.print(f"Landrelease on http://{host}:{port}/  (record: {s.url}; Ctrl-C stops)", markup=False, highlight=False)
    uvicorn.run(app, host=host, port=port, log_level="warning")
