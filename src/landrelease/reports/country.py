"""The country table rendered for a terminal, laid out as Landmine Monitor country profiles are."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.table import Table


def _km2(x: float) -> str:
    return f"{x:,.3f}"


def render_country_table(console: Console, data: dict[str, Any]) -> None:
    rec = data["record"]
    if rec["synthetic_areas"]:
        console.print(
            f"[bold red]SYNTHETIC DATA[/]: {rec['synthetic_areas']:,} of {rec['areas']:,} hazardous areas are "
            "generated for demonstration and are not real hazards"
        )
    t = Table(title="Contamination (hazardous areas)")
    for col in (
        "type",
        "status",
        "areas",
        "original km²",
        "remaining km²",
        "cancelled km²",
        "reduced km²",
        "cleared km²",
    ):
        t.add_column(col, justify="right" if "km" in col or col == "areas" else "left")
    totals = {"areas": 0, "original_km2": 0.0, "remaining_km2": 0.0}
    for r in data["contamination"]:
        t.add_row(
            r["type"].upper(),
            r["status"],
            f"{r['areas']:,}",
            _km2(r["original_km2"]),
            _km2(r["remaining_km2"]),
            _km2(r["cancelled_km2"]),
            _km2(r["reduced_km2"]),
            _km2(r["cleared_km2"]),
        )
        for k in totals:
            totals[k] += r[k]
    t.add_section()
    t.add_row(
        "all", "", f"{totals['areas']:,}", _km2(totals["original_km2"]), _km2(totals["remaining_km2"]), "", "", ""
    )
    console.print(t)

    t = Table(title="Land released by year and method (IMAS 07.11)")
    for col in ("year", "cancelled km²", "reduced km²", "cleared km²", "total km²", "products"):
        t.add_column(col, justify="right")
    for r in data["released_by_year"]:
        t.add_row(
            str(r["year"]),
            _km2(r["cancelled_km2"]),
            _km2(r["reduced_km2"]),
            _km2(r["cleared_km2"]),
            _km2(r["total_km2"]),
            f"{r['products']:,}",
        )
    console.print(t)

    t = Table(title="Explosive ordnance found, by category")
    for col in ("category", "finds", "items", "destroyed"):
        t.add_column(col, justify="left" if col == "category" else "right")
    for r in data["finds_by_category"]:
        t.add_row(r["category"], f"{r['finds']:,}", f"{r['items']:,}", f"{r['destroyed']:,}")
    console.print(t)

    t = Table(title="Casualties by year")
    for col in ("year", "type", "accidents", "killed", "injured"):
        t.add_column(col, justify="left" if col == "type" else "right")
    for r in data["casualties_by_year"]:
        t.add_row(str(r["year"]), r["type"], f"{r['accidents']:,}", f"{r['killed']:,}", f"{r['injured']:,}")
    console.print(t)

    t = Table(title="Risk education by year (SADD)")
    for col in ("year", "sessions", "girls", "boys", "women", "men"):
        t.add_column(col, justify="right")
    for r in data["risk_education_by_year"]:
        t.add_row(str(r["year"]), *(f"{r[k]:,}" for k in ("sessions", "girls", "boys", "women", "men")))
    console.print(t)
