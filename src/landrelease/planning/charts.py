"""Charts of a plan (matplotlib, Agg backend: no display needed)."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from landrelease.planning.capacity import TEAM_TYPES  # noqa: E402
from landrelease.planning.forecast import percentiles  # noqa: E402

COLOURS = {"nts": "#9ecae1", "physical": "#e6550d"}


def _mark_synthetic(fig, ax) -> None:
    """Generated data is never shown as real: a watermark and a title note on every chart."""
    ax.set_title(ax.get_title() + " — SYNTHETIC DATA", color="#b00000")
    fig.text(
        0.5,
        0.5,
        "SYNTHETIC DATA",
        fontsize=44,
        color="#b00000",
        alpha=0.12,
        ha="center",
        va="center",
        rotation=20,
        transform=fig.transFigure,
    )


def gantt(plan, path: Path, *, max_rows: int = 60, synthetic: bool = False) -> None:
    """Bars per team (per unit when there are more than `max_rows` teams), NTS light, physical dark."""
    per_unit = len(plan.teams) > max_rows
    labels = list(dict.fromkeys(plan.teams.unit if per_unit else plan.teams.code))
    row = {lab: i for i, lab in enumerate(labels)}
    fig, ax = plt.subplots(figsize=(12, max(3, 0.22 * len(labels) + 1.5)))
    for st in (plan.nts, plan.physical):
        ok = (st.team >= 0) & np.isfinite(st.end)
        k = st.team[ok]
        key = plan.teams.unit[k] if per_unit else plan.teams.code[k]
        y = np.array([row[x] for x in key])
        ax.barh(
            y,
            (st.end[ok] - st.start[ok]) / 365.25,
            left=st.start[ok] / 365.25,
            height=0.7,
            color=COLOURS[st.name],
            label=st.name,
            linewidth=0,
        )
    ax.set_yticks(range(len(labels)))
    keys = list(plan.teams.unit if per_unit else plan.teams.code)
    names = [f"{lab} ({TEAM_TYPES[plan.teams.type_index[keys.index(lab)]]})" for lab in labels]
    ax.set_yticklabels(names, fontsize=6)
    ax.invert_yaxis()
    ax.set_xlabel(f"years from {plan.start}")
    ax.set_title("Plan by " + ("unit" if per_unit else "team") + " (NTS light, TS/clearance dark)")
    ax.legend(loc="lower right", fontsize=7)
    if synthetic:
        _mark_synthetic(fig, ax)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def burndown(outcomes, path: Path) -> None:
    """Remaining hazardous km² over time, P50 line and P10–P90 band, one colour per scenario."""
    fig, ax = plt.subplots(figsize=(10, 5))
    for i, o in enumerate(outcomes):
        fc = o.forecast
        days = np.linspace(0, fc.horizon, 200)
        b = fc.burndown(days) / 1e6
        q = percentiles(b)
        c = f"C{i}"
        ax.fill_between(days / 365.25, q[2], q[0], color=c, alpha=0.25, linewidth=0)
        ax.plot(days / 365.25, q[1], color=c, label=f"{o.scenario.name} (P50, band P10–P90)")
    ends = [percentiles(o.forecast.region_completion())[2] for o in outcomes]
    finite = [e for e in ends if np.isfinite(e)]
    if finite:
        ax.set_xlim(0, 1.1 * max(finite) / 365.25)
    ax.set_xlabel(f"years from {outcomes[0].plan.start}")
    ax.set_ylabel("remaining hazardous area, km²")
    ax.set_ylim(bottom=0)
    ax.legend(fontsize=8)
    ax.set_title("Burn-down of the remaining hazard")
    if any(getattr(o, "synthetic", False) for o in outcomes):
        _mark_synthetic(fig, ax)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def tornado(rows: list[dict], base: float, path: Path, *, title: str, synthetic: bool = False) -> None:
    """Completion P50 (years) at each assumption's low and high value, widest effect on top.

    `rows`: {"assumption", "low", "high" (labels of the two values), "p50_low", "p50_high"}; `base` is
    the scenario's own P50. Bars run from the base to each end, labelled with the value that gives it.
    """

    def width(r: dict) -> float:
        ends = [v for v in (r["p50_low"], r["p50_high"]) if np.isfinite(v)]
        return abs(max(ends) - min(ends)) if len(ends) == 2 else np.inf

    order = sorted(rows, key=width)
    fig, ax = plt.subplots(figsize=(10, 1.2 + 0.6 * len(order)))
    for i, r in enumerate(order):
        for value, label, colour in ((r["p50_low"], r["low"], "#3182bd"), (r["p50_high"], r["high"], "#e6550d")):
            if not np.isfinite(value):
                continue
            ax.barh(i, value - base, left=base, height=0.6, color=colour, linewidth=0)
            ax.text(
                value,
                i,
                f" {label} ",
                va="center",
                ha="left" if value >= base else "right",
                fontsize=8,
            )
    ax.axvline(base, color="black", linewidth=1)
    ax.set_yticks(range(len(order)))
    ax.set_yticklabels([r["assumption"] for r in order], fontsize=9)
    ax.set_xlabel(f"region complete, P50, years from the start (this scenario: {base:.1f})")
    ax.set_title(title)
    values = [v for r in order for v in (r["p50_low"], r["p50_high"]) if np.isfinite(v)] + [base]
    lo, hi = min(values), max(values)
    pad = 0.25 * max(hi - lo, 0.5)
    ax.set_xlim(lo - pad, hi + pad)
    if synthetic:
        _mark_synthetic(fig, ax)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
