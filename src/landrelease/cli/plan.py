"""`landrelease plan`: run a scenario, compare scenarios (thin adapter over service.planning)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

SchedulerOption = Annotated[
    str | None,
    typer.Option(
        "--scheduler",
        help="Run the simulations on Dask: 'local' (a local cluster) or a scheduler ADDRESS (tcp://host:8786). "
        "Same seed, same results as without it.",
    ),
]

plan_app = typer.Typer(no_args_is_help=True, help="Plan and forecast land release: run or compare scenarios.")


@plan_app.command("run")
def run(
    scenario: Annotated[Path, typer.Argument(help="Scenario file (TOML).")],
    out: Annotated[Path, typer.Option("--out", help="Folder for plan.csv, plan.gpkg, charts and summary.")],
    scheduler: SchedulerOption = None,
) -> None:
    """Plan a scenario: tasks per team with dates, Gantt, burn-down with P10–P90 band, summary."""
    from landrelease.cli.main import out as console
    from landrelease.cli.main import store
    from landrelease.service.planning import run as run_plan

    s = run_plan(store(), scenario, out, scheduler=scheduler)
    if s["synthetic"]:
        console.print("[bold red]SYNTHETIC DATA[/]: planned on generated demonstration records, not real hazards")
    console.print(
        f"{s['scenario']}: {s['areas']} areas, {s['remaining_km2']:.2f} km², {s['teams']} teams — region complete "
        f"P10 {s['p10_years']:.1f} / P50 {s['p50_years']:.1f} / P90 {s['p90_years']:.1f} years; "
        f"gap to bound {100 * s['gap']:.1f} %. Written to {out}/"
    )
    console.print(
        f"Rates: {s['rates_record']} from the record, {s['rates_scenario_file']} from the scenario file, "
        f"{s['rates_cited_default']} cited defaults, {s['rates_assumption']} ASSUMPTIONS "
        f"(every figure and its source: {out}/assumptions.csv)"
    )


@plan_app.command("compare")
def compare(
    scenarios: Annotated[list[Path], typer.Argument(help="Two or more scenario files (TOML).")],
    chart: Annotated[Path | None, typer.Option("--chart", help="Comparison chart (PNG).")] = None,
    scheduler: SchedulerOption = None,
) -> None:
    """Compare scenarios on the same record with common random numbers."""
    from landrelease.cli.main import out as console
    from landrelease.cli.main import store
    from landrelease.service.planning import HORIZONS_MONTHS
    from landrelease.service.planning import compare as cmp

    rows = cmp(store(), [str(s) for s in scenarios], out=str(chart) if chart else None, scheduler=scheduler)
    if any(r["synthetic"] for r in rows):
        console.print("[bold red]SYNTHETIC DATA[/]: planned on generated demonstration records, not real hazards")
    t = Table(title="Scenarios (same draws: common random numbers)")
    for h in [
        "scenario",
        "teams",
        "cancelled",
        "P50 y",
        "P90 y",
        *[f"km² by {m} mo" for m in HORIZONS_MONTHS],
        "exposure P50",
        "gap",
    ]:
        t.add_column(h)
    for r in rows:
        t.add_row(
            r["scenario"],
            str(r["teams"]),
            f"{100 * r['cancel_share']:.0f} %",
            f"{r['p50_years']:.1f}",
            f"{r['p90_years']:.1f}",
            *[f"{r[f'released_{m}m_km2']:.2f}" for m in HORIZONS_MONTHS],
            f"{r['exposure_p50']:,.0f}",
            f"{100 * r['gap']:.1f} %",
        )
    console.print(t)
