"""The `landrelease` command: a thin adapter over the service layer.

User mistakes end with one line on stderr and a non-zero exit code (see `landrelease.errors`);
nothing is written when a command fails.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from landrelease.cli.forms import forms_app, intake_import
from landrelease.cli.intake import intake_app
from landrelease.cli.operations import backup, restore, verify
from landrelease.cli.plan import plan_app
from landrelease.cli.serve import serve
from landrelease.cli.users import users_app
from landrelease.errors import LandreleaseError
from landrelease.settings import Settings, load_settings

app = typer.Typer(
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
    help="Landrelease: the national record of explosive-ordnance contamination and its release.",
)
areas_app = typer.Typer(no_args_is_help=True, help="Hazardous areas: list and show.")
app.add_typer(areas_app, name="areas")
app.add_typer(plan_app, name="plan")
app.add_typer(forms_app, name="forms")
app.add_typer(intake_app, name="intake")
intake_app.command("import")(intake_import)
app.add_typer(users_app, name="users")

# Off a terminal (pipes, CI logs) rich would assume 80 columns and squeeze the country table.
out = Console(soft_wrap=True, width=None if sys.stdout.isatty() else 160)
err = Console(stderr=True, soft_wrap=True)

DbOption = Annotated[
    str | None,
    typer.Option(
        "--db", help="SQLite file path or postgresql://… URL [setting db, LANDRELEASE_DB].", show_default=False
    ),
]


AsOption = Annotated[
    str | None,
    typer.Option(
        "--as",
        help="Act as this account (its role and organisation apply; the audit trail names it). Required once "
        "the record has accounts [setting as_user, LANDRELEASE_AS].",
        show_default=False,
    ),
]

ConfigOption = Annotated[
    Path | None,
    typer.Option(
        "--config",
        help="A TOML file of settings (docs/operations.md) [LANDRELEASE_CONFIG]; LANDRELEASE_* variables and "
        "options override it.",
        show_default=False,
    ),
]


class State:
    settings: Settings = Settings()


state = State()


@app.callback()
def _main(db: DbOption = None, as_user: AsOption = None, config: ConfigOption = None) -> None:
    # The one place the CLI reads the environment: everything after takes `state.settings`.
    state.settings = load_settings(config, os.environ, db=db, as_user=as_user)


def store(init: bool = False, *, system: bool = False):  # type: ignore[no-untyped-def]
    """The record the command works on, acting as `--as USER`. With no --as: the local system
    (a local administrator) while the record has no accounts; once it has, --as is required.
    `system`: the command manages the database itself (init, serve) and acts as nobody."""
    from landrelease.service.store import open_store

    s = open_store(state.settings.db, init=init, settings=state.settings)
    if system:
        return s
    from landrelease.errors import Unauthenticated
    from landrelease.service.accounts import any_accounts, principal_for_username

    if state.settings.as_user:
        return s.acting(principal_for_username(s, state.settings.as_user))
    if any_accounts(s):
        raise Unauthenticated(
            "this record has accounts: say which is yours with --as USER (or LANDRELEASE_AS=USER); "
            "see 'landrelease --as USER users list'"
        )
    return s


@app.command()
def init(
    region: Annotated[
        str | None,
        typer.Option(
            help="Bounding box of the country or region, minx,miny,maxx,maxy in lon/lat: imports outside it "
            "are checked for swapped axes."
        ),
    ] = None,
) -> None:
    """Create the database (or migrate it to this version's schema)."""
    from landrelease.service.settings import set_region

    s = store(init=True, system=True)
    if region:
        set_region(s, region)
    out.print(f"Record ready at {s.url}")


@app.command("import")
def import_(
    file: Annotated[Path, typer.Argument(help="GeoJSON, GeoPackage, zipped Shapefile, KML, CSV or FlatGeobuf.")],
    kind: Annotated[str | None, typer.Option(help="Record kind; default: polygons import as hazardous areas.")] = None,
    mapping: Annotated[Path | None, typer.Option(help="TOML file mapping foreign column names and values.")] = None,
    layer: Annotated[str | None, typer.Option(help="Layer name in a multi-layer file.")] = None,
    crs: Annotated[str | None, typer.Option(help="CRS of the file when it declares none (e.g. EPSG:32636).")] = None,
    swap_axes: Annotated[bool, typer.Option("--swap-axes", help="The file has lat/lon in x/y order.")] = False,
    encoding: Annotated[str | None, typer.Option(help="Attribute text encoding (e.g. cp1251).")] = None,
    synthetic: Annotated[bool, typer.Option("--synthetic", help="Mark every imported record synthetic.")] = False,
) -> None:
    """Import a file into the record, all or nothing."""
    from landrelease.service.transfer import import_file

    s = store()
    with _progress() as progress:
        result = import_file(
            s,
            file,
            kind=kind,
            mapping=mapping,
            layer=layer,
            crs=crs,
            swap_axes=swap_axes,
            encoding=encoding,
            synthetic=synthetic,
            progress=progress,
        )
    for note in result.notes[:20]:
        err.print(f"[yellow]note:[/] {note}")
    first, last = (result.codes[0], result.codes[-1]) if result.codes else ("", "")
    out.print(f"Imported {result.count:,} {result.kind.replace('_', ' ')} record(s) from {file} ({first} … {last})")


@app.command()
def export(
    file: Annotated[Path, typer.Argument(help="Output file; the format follows the extension.")],
    kind: Annotated[str, typer.Option(help="Record kind to export.")] = "hazardous_area",
    personal: Annotated[bool, typer.Option("--personal", help="Include personal data (victims, personnel).")] = False,
    geometry: Annotated[
        str, typer.Option(help="perimeter, or remaining (hazardous land still to release).")
    ] = "perimeter",
) -> None:
    """Export records to a GIS file (every attribute, geodesic area in m², synthetic flag)."""
    from landrelease.service.transfer import export_file

    s = store()
    n = export_file(s, file, kind=kind, personal=personal, geometry=geometry)
    out.print(f"Exported {n:,} {kind.replace('_', ' ')} record(s) to {file}")


@areas_app.command("list")
def areas_list(
    status: Annotated[str | None, typer.Option(help="open, closed or handed_over")] = None,
    haz_type: Annotated[str | None, typer.Option("--type", help="sha or cha")] = None,
    limit: Annotated[int, typer.Option(help="At most this many rows.")] = 50,
    offset: Annotated[int, typer.Option(help="Skip this many rows.")] = 0,
) -> None:
    """List hazardous areas with their land release ledger."""
    from rich.table import Table

    from landrelease.domain.vocab import HazardStatus, HazardType
    from landrelease.service.records import list_records

    where: dict[str, Any] = {}
    if status:
        where["status"] = HazardStatus.parse(status, field="status").value
    if haz_type:
        where["haz_type"] = HazardType.parse(haz_type, field="type").value
    rows = list_records(store(), "hazardous_area", where=where, limit=limit, offset=offset)
    table = Table("code", "name", "type", "status", "area m²", "remaining m²", "admin2", "synthetic")
    for r in rows:
        table.add_row(
            r["code"],
            r["name"] or "",
            r["haz_type"].upper(),
            r["status"],
            f"{r['area_m2'] or 0:,.0f}",
            f"{r['remain_m2'] or 0:,.0f}",
            r["admin2"] or "",
            "yes" if r["synthetic"] else "",
        )
    out.print(table)


@areas_app.command("show")
def areas_show(code: Annotated[str, typer.Argument(help="Hazardous area code, e.g. HA-2026-000123.")]) -> None:
    """Show one hazardous area: attributes and land release ledger."""
    from datetime import date

    from rich.table import Table

    from landrelease.service.records import get, list_records

    r = get(store(), code, kind="hazardous_area")
    if r["synthetic"]:
        out.print("[bold red]SYNTHETIC DATA[/] — generated for demonstration, not a real hazard")
    table = Table("field", "value", show_header=False)
    for k, v in r.items():
        if k in ("geometry", "remaining", "id"):
            continue
        if k.endswith(("_lon", "_lat")) and isinstance(v, float):
            table.add_row(k, f"{v:.6f}")
        elif k.endswith("_at") and v is not None:
            table.add_row(k, f"{str(v)[:19]} UTC")
        else:
            table.add_row(k, _fmt(v))
    out.print(table)
    ledger = Table("ledger", "m²", title="Land release ledger (IMAS 07.11)")
    for label, key in (
        ("original", "area_m2"),
        ("cancelled", "cancel_m2"),
        ("reduced", "reduce_m2"),
        ("cleared", "clear_m2"),
        ("remaining", "remain_m2"),
    ):
        ledger.add_row(label, f"{r.get(key) or 0:,.1f}")
    out.print(ledger)
    s = store()
    acts = list_records(s, "activity", where={"area": code}, limit=1000)
    if acts:
        t = Table(
            "activity", "type", "method", "organisation", "start", "end", "status", "worked m²", title="Activities"
        )
        for a in sorted(acts, key=lambda a: (a["start"] or date.min, a["code"])):
            t.add_row(
                a["code"],
                a["act_type"],
                a["method"] or "",
                a["org"] or "",
                _fmt(a["start"]),
                _fmt(a["end"]),
                a["status"],
                f"{a['worked_m2'] or 0:,.0f}",
            )
        out.print(t)
    products = list_records(s, "land_release", where={"area": code}, limit=1000)
    if products:
        t = Table("product", "released", "date", "m²", "depth cm", "activity", title="Land release products")
        for p in sorted(products, key=lambda p: (p["date"], p["code"])):
            t.add_row(
                p["code"],
                p["rel_type"],
                _fmt(p["date"]),
                f"{p['area_m2'] or 0:,.0f}",
                _fmt(p["depth_cm"]),
                p["activity"] or "",
            )
        out.print(t)


@app.command()
def history(
    code: Annotated[str, typer.Argument(help="Any record code.")],
    version: Annotated[int | None, typer.Option(help="Show the whole record as it was at this version.")] = None,
) -> None:
    """Every version of a record: who changed what, when (geometry included)."""
    from rich.table import Table

    from landrelease.service.records import history as record_history
    from landrelease.service.records import version as record_version

    if version is not None:
        import shapely

        snap = record_version(store(), code, version)
        table = Table("field", "value", show_header=False, title=f"{code} at version {version}")
        for k, v in snap.items():
            if k in ("geom", "rem_geom") and v is not None:
                v = shapely.to_wkt(v, rounding_precision=7)
            table.add_row(k, _fmt(v))
        out.print(table)
        return

    table = Table("version", "when (UTC)", "who", "action", "change", "note")
    for v in record_history(store(), code):
        change = "; ".join(f"{k}: {_short(a)} → {_short(b)}" for k, (a, b) in v["diff"].items()) or "created"
        table.add_row(str(v["version"]), str(v["at"])[:19], v["actor"], v["action"], change, v["note"] or "")
    out.print(table)


@app.command()
def check(
    min_overlap: Annotated[float, typer.Option(help="Report overlaps of at least this many m².")] = 1.0,
    strict: Annotated[bool, typer.Option("--strict", help="Exit with code 1 when anything is found.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
) -> None:
    """List geometry problems among open hazardous areas: invalid, too few vertices, duplicates, overlaps."""
    from dataclasses import asdict

    from rich.table import Table

    from landrelease.service.checks import check_record

    findings = check_record(store(), min_overlap_m2=min_overlap)
    if as_json:
        sys.stdout.write(json.dumps([asdict(f) for f in findings], indent=2) + "\n")
    elif findings:
        table = Table("check", "area", "other area", "m²", "detail", title="Record check (open hazardous areas)")
        for f in findings:
            table.add_row(
                f.check, f.code, f.other or "", f"{f.area_m2:,.0f}" if f.area_m2 is not None else "", f.detail
            )
        out.print(table)
        counts: dict[str, int] = {}
        for f in findings:
            counts[f.check] = counts.get(f.check, 0) + 1
        out.print(", ".join(f"{n:,} {k.replace('_', ' ')}" for k, n in sorted(counts.items())))
    else:
        out.print("No problems found among open hazardous areas.")
    if strict and findings:
        raise typer.Exit(1)


@app.command()
def demo(
    areas: Annotated[int, typer.Option(min=1, max=1_000_000, help="Number of hazardous areas.")] = 2000,
    seed: Annotated[int, typer.Option(help="Random seed: the same seed builds the same region.")] = 1,
    bbox: Annotated[
        str | None,
        typer.Option(help="Region box minx,miny,maxx,maxy (lon/lat); default ~100 × 70 km around 51.4 N 35.5 E."),
    ] = None,
) -> None:
    """Build the SYNTHETIC demo region into an empty record (every record marked synthetic)."""
    from rich.table import Table

    from landrelease.service.demo import build_demo
    from landrelease.service.settings import parse_bbox

    box = parse_bbox(bbox, field="bbox") if bbox else None
    s = store(init=True)
    with _progress() as progress:
        counts = build_demo(s, n_areas=areas, seed=seed, bbox=box, progress=progress)
    table = Table("kind", "records", title=f"Synthetic demo region built (seed {seed}) — not real data")
    for kind, n in counts.items():
        table.add_row(kind.replace("_", " "), f"{n:,}")
    out.print(table)


@app.command()
def stats(as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False) -> None:
    """The country table, as Landmine Monitor prints it."""
    from landrelease.reports.country import render_country_table
    from landrelease.service.stats import country_table

    data = country_table(store())
    if as_json:
        sys.stdout.write(json.dumps(data, indent=2, default=str) + "\n")
        return
    render_country_table(out, data)


def _fmt(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, float):
        return f"{v:,.2f}"
    if isinstance(v, list):
        return ", ".join(map(str, v))
    return str(v)


def _short(v: Any) -> str:
    text = _fmt(v)
    return text if len(text) <= 60 else text[:57] + "…"


class _progress:
    """A rich progress bar fed by the service's (step, done, total) callbacks."""

    def __enter__(self):  # type: ignore[no-untyped-def]
        from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

        self.bar = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            TextColumn("{task.completed:,}/{task.total:,}"),
            TimeElapsedColumn(),
            console=err,
            transient=True,
            disable=not err.is_terminal,
        )
        self.bar.start()
        self.task = self.bar.add_task("starting", total=1)
        return self

    def __call__(self, step: str, done: int, total: int) -> None:
        self.bar.update(self.task, description=step, completed=done, total=max(total, 1))

    def __exit__(self, *exc: object) -> None:
        self.bar.stop()


app.command()(serve)
app.command()(backup)
app.command()(restore)
app.command()(verify)


def main() -> None:
    try:
        app()
    except LandreleaseError as exc:
        err.print(f"error: {exc}", markup=False, highlight=False)
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        err.print("interrupted: nothing was written", markup=False)
        sys.exit(130)


if __name__ == "__main__":
    main()
