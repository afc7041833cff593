"""Where every figure of a plan comes from: the record, the scenario file, a cited default, or an ASSUMPTION.

Issue 3 asks the planner to say which rates come from data and which from defaults; a default with
no published source behind it is marked ``ASSUMPTION`` here, in `rates.csv`, in `summary.md` and in
docs/planning.md, so a reader knows which numbers to challenge first. Cited defaults name their
source as in ../shared/DOMAIN.md.
"""

from __future__ import annotations

from dataclasses import fields

from landrelease.planning.calendar import Calendar
from landrelease.planning.field import Travel
from landrelease.planning.productivity import DEFAULT_SD, FIELD_DEFAULTS, PERSON_BASIS, RateTable
from landrelease.planning.release import ReleaseModel

#: Prefix of every default that rests on no cited source.
ASSUMPTION = "ASSUMPTION"

#: Release-model defaults: source, or ASSUMPTION.
RELEASE_SOURCES: dict[str, str] = {
    "pi_sha": "Downs, J. Mine Action 13.2: 'less than 5 percent of SHAs prove to have any mines'",
    "pi_sha_evidence": f"{ASSUMPTION}: an SHA with strong evidence (EO found, accident, minefield record) "
    "holds EO with probability 0.6",
    "prior_weight": f"{ASSUMPTION}: the prior counts as 20 closed areas in the Beta update",
    "split_contaminated": "Landmine Monitor 2023: 2022 global release 32 % cancelled, 24 % reduced, 44 % cleared",
    "cancel_clean": "Landmine Monitor 2018: Bosnia 2017, 47 % cancelled, 47 % reduced",
    "ts_effort": f"{ASSUMPTION}: a reduced m² costs 0.25 of a cleared m² (TS searches lanes and samples)",
    "concentration": f"{ASSUMPTION}: Dirichlet/Beta concentration 10 of a sampled release split",
}

TRAVEL_SOURCES: dict[str, str] = {
    "setup_days": f"{ASSUMPTION}: 0.5 day of mobilisation per task",
    "km_per_day": f"{ASSUMPTION}: a team and its kit move 100 km per day",
    "visit_days": f"{ASSUMPTION}: NTS spends 1 day per area visit on top of its area rate",
}

SIZE_SOURCE = f"{ASSUMPTION}: people per team / deminer share of a section (no cited figure)"
SD_SOURCE = f"{ASSUMPTION}: log-sd {DEFAULT_SD} of a default rate (the cited ranges are wide)"


def origin(source: str, n_reports: int = 0) -> str:
    """'record', 'scenario file', 'cited default' or 'ASSUMPTION' for a figure's source text."""
    if n_reports > 0 or source.startswith("record"):
        return "record"
    if source.startswith("scenario"):
        return "scenario file"
    return ASSUMPTION if source.startswith(ASSUMPTION) else "cited default"


def provenance(
    rates: RateTable,
    release: ReleaseModel,
    travel: Travel,
    calendar: Calendar,
    release_overrides: dict | None = None,
) -> list[dict]:
    """One row per figure the plan rests on: kind, name, value, origin, source."""
    rows: list[dict] = []
    for r in rates.rows():
        rows.append(
            {
                "kind": "rate",
                "name": f"{r['type']} {r['class']} ({r['basis']})",
                "value": f"{r['rate']:g}",
                "origin": origin(r["source"], r["reports"]),
                "source": r["source"],
            }
        )
    for t in FIELD_DEFAULTS:
        default = FIELD_DEFAULTS[t][1]
        size = rates.size.get(t, default)
        what = "deminer share" if t in PERSON_BASIS else "people per team"
        rows.append(
            {
                "kind": "team size",
                "name": f"{t} {what}",
                "value": f"{size:g}",
                "origin": ASSUMPTION if size == default else "scenario file",
                "source": SIZE_SOURCE if size == default else "scenario file",
            }
        )
    sds = {r.sd for t in rates.rates for r in rates.rates[t] if r.n == 0 and not r.source.startswith("scenario")}
    if DEFAULT_SD in sds:
        rows.append(
            {
                "kind": "rate",
                "name": "log-sd of default rates",
                "value": f"{DEFAULT_SD:g}",
                "origin": ASSUMPTION,
                "source": SD_SOURCE,
            }
        )
    default_release = ReleaseModel()
    learned = release.source.startswith("record")
    overrides = release_overrides or {}
    for f in fields(ReleaseModel):
        if f.name == "source":
            continue
        value = getattr(release, f.name)
        if f.name in overrides:
            where, src = "scenario file", "scenario file"
        elif value != getattr(default_release, f.name) and learned:
            where, src = "record", release.source
        else:
            src = RELEASE_SOURCES[f.name]
            where = origin(src)
        shown = ", ".join(f"{v:g}" for v in value) if isinstance(value, tuple) else f"{value:g}"
        rows.append({"kind": "release", "name": f.name, "value": shown, "origin": where, "source": src})
    default_travel = Travel()
    for f in fields(Travel):
        value = getattr(travel, f.name)
        same = value == getattr(default_travel, f.name)
        rows.append(
            {
                "kind": "travel",
                "name": f.name,
                "value": f"{value:g}",
                "origin": ASSUMPTION if same else "scenario file",
                "source": TRAVEL_SOURCES[f.name] if same else "scenario file",
            }
        )
    default_cal = Calendar()
    for name, value, text in (
        ("workdays", calendar.workdays, "working days (0 = Monday)"),
        ("season", calendar.season, "share of a day's output by month"),
        ("standdown", calendar.standdown, "share of working days lost to weather"),
    ):
        same = value == getattr(default_cal, name)
        shown = ", ".join(f"{v:g}" for v in value) if isinstance(value, tuple) else f"{value:g}"
        rows.append(
            {
                "kind": "calendar",
                "name": name,
                "value": shown,
                "origin": ASSUMPTION if same else "scenario file",
                "source": f"{ASSUMPTION}: built-in default, {text}" if same else f"scenario file ({text})",
            }
        )
    return rows


def rate_origins(rates: RateTable) -> dict[str, int]:
    """How many type × class rates come from the record, the scenario, cited defaults, assumptions."""
    out = {"record": 0, "scenario file": 0, "cited default": 0, ASSUMPTION: 0}
    for r in rates.rows():
        out[origin(r["source"], r["reports"])] += 1
    return out
