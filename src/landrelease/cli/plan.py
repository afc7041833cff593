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


def _date(value: str | None, name: str):
    import datetime as dt

    from landrelease.errors import ValidationError

    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise ValidationError(f"'{value}' is not a date; give YYYY-MM-DD", field=name) from None


@plan_app.command("baseline")
def baseline(
    scenario: Annotated[Path, typer.Argument(help="Scenario file (TOML).")],
    out: Annotated[Path, typer.Option("--out", help="Folder for the plan's outputs and baseline.json.")],
    scheduler: SchedulerOption = None,
) -> None:
    """Plan a scenario and freeze it as a baseline (baseline.json: tasks, rates, forecast, record state)."""
    from landrelease.cli.main import out as console
    from landrelease.cli.main import store
    from landrelease.service.baseline import save

    s = save(store(), scenario, out, scheduler=scheduler)
    if s["synthetic"]:
        console.print("[bold red]SYNTHETIC DATA[/]: planned on generated demonstration records, not real hazards")
    console.print(
        f"Baseline '{s['scenario']}': {s['tasks']} tasks, region complete P50 {s['p50_years']:.1f} years; "
        f"frozen in {s['baseline']} (digest {s['digest'][:12]})"
    )


@plan_app.command("actual")
def actual(
    baseline: Annotated[Path, typer.Argument(help="Baseline folder (or its baseline.json).")],
    as_of: Annotated[str | None, typer.Option("--as-of", help="Read the record up to this date (YYYY-MM-DD).")] = None,
    out: Annotated[Path | None, typer.Option("--out", help="Folder for actual.md and the CSV tables.")] = None,
    reforecast: Annotated[bool, typer.Option(help="Re-forecast from the rates achieved.")] = True,
) -> None:
    """Hold the record against a baseline: planned vs achieved m² by month, unit, team and area; re-forecast."""
    from landrelease.cli.main import out as console
    from landrelease.cli.main import store
    from landrelease.service.baseline import actual as run_actual
    from landrelease.service.baseline import actual_text, write_actual

    r = run_actual(store(), baseline, as_of=_date(as_of, "as_of"), reforecast=reforecast)
    if out:
        write_actual(r, out)
    console.print(actual_text(r), markup=False, highlight=False)


@plan_app.command("deployment")
def deployment(
    baseline: Annotated[Path, typer.Argument(help="Baseline folder (or its baseline.json).")],
    unit: Annotated[str, typer.Argument(help="Unit code (its sub-units are included).")],
    start: Annotated[str | None, typer.Option(help="Window start (default: the scenario's deployment).")] = None,
    end: Annotated[str | None, typer.Option(help="Window end (default: the scenario's deployment).")] = None,
    out: Annotated[Path | None, typer.Option("--out", help="File for the report (Markdown).")] = None,
    reforecast: Annotated[bool, typer.Option(help="Re-forecast the region from the rates achieved.")] = True,
) -> None:
    """A unit's deployment report: planned and released m², finds, QA, rates, the region's forecast."""
    from landrelease.cli.main import out as console
    from landrelease.cli.main import store
    from landrelease.service.baseline import deployment as run_deployment
    from landrelease.service.baseline import deployment_text

    r = run_deployment(
        store(), baseline, unit, start=_date(start, "start"), end=_date(end, "end"), reforecast=reforecast
    )
    text = deployment_text(r)
    if out:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(text, encoding="utf-8")
    console.print(text, markup=False, highlight=False)


@plan_app.command("simulate-actual")
def simulate_actual(
    baseline: Annotated[Path, typer.Argument(help="Baseline folder (or its baseline.json).")],
    until: Annotated[str, typer.Option("--until", help="Record progress up to this date (YYYY-MM-DD).")],
    unit: Annotated[str | None, typer.Option(help="Only this unit and the units under it.")] = None,
    pace: Annotated[float, typer.Option(min=0.05, max=5.0, help="Achieved ÷ planned speed.")] = 0.8,
    seed: Annotated[int, typer.Option(help="Random seed.")] = 1,
) -> None:
    """Record SYNTHETIC progress against a baseline (synthetic demo records only)."""
    from landrelease.cli.main import out as console
    from landrelease.cli.main import store
    from landrelease.service.baseline import simulate_actual as run

    counts = run(store(), baseline, until=_date(until, "until"), unit=unit, pace=pace, seed=seed)
    console.print(
        "[bold red]SYNTHETIC[/] progress recorded: "
        + (", ".join(f"{n} {k.replace('_', ' ')}" for k, n in counts.items()) or "nothing to record")
    )


@plan_app.command("sensitivity")
def sensitivity(
    scenario: Annotated[Path, typer.Argument(help="Scenario file (TOML).")],
    chart: Annotated[Path | None, typer.Option("--chart", help="Tornado chart (PNG).")] = None,
    simulations: Annotated[
        int | None, typer.Option(min=10, help="Simulations per run (default: the scenario's).")
    ] = None,
) -> None:
    """Which assumptions move completion most: P50 with each one low and high (11 runs, same draws)."""
    from landrelease.cli.main import out as console
    from landrelease.cli.main import store
    from landrelease.service.planning import sensitivity as run

    r = run(store(), scenario, chart, simulations=simulations)
    if r["synthetic"]:
        console.print("[bold red]SYNTHETIC DATA[/]: planned on generated demonstration records, not real hazards")
    t = Table(title=f"{r['scenario']}: region complete P50 {r['p50_years']:.1f} years — moved one at a time")
    for h in ("assumption", "low", "P50 y", "high", "P50 y"):
        t.add_column(h)
    for x in sorted(r["rows"], key=lambda x: -abs(x["p50_high"] - x["p50_low"])):
        t.add_row(x["assumption"], x["low"], f"{x['p50_low']:.1f}", x["high"], f"{x['p50_high']:.1f}")
    console.print(t)
