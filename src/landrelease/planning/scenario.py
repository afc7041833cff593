"""Scenario files (TOML): what capacity, when, at what rates, with which weights.

Example (every table optional; see `scenarios/` and docs/planning.md)::

    [scenario]
    name = "Standing capacity"
    start = 2027-04-01          # plan start (TOML date)
    seed = 1
    simulations = 500
    time_limit = 10             # seconds per scheduling stage

    [capacity]
    from_record = true          # every working unit of the record, open-ended from the start…
    exclude = ["UNIT-000001"]   # …except these (and the units under them)
    scale = 1.0                 # × the number of record teams (sensitivity: 0.5 halves, 2 doubles)

    [[deployment]]              # a record unit (and its sub-units) inside a window
    unit = "UNIT-000001"
    start = 2027-04-01
    end = 2027-06-30

    [[team]]                    # hypothetical units
    type = "manual"; people = 40; count = 2; start = 2027-04-01; end = 2027-06-30
    base = [35.5, 51.3]

    [calendar]   workdays, season (12 factors), standdown, holidays
    [rates.manual]  open = 35 …, deminer_share / team_size, sd
    [release]    pi_sha, pi_sha_evidence, split_contaminated, cancel_clean, ts_effort, …
    [weights]    beneficiaries, settlement, road, accidents, evidence, land_use
    [ahp]        criteria = [...], matrix = [[1, 3], [0.3333, 1]]  (instead of [weights]; Saaty's AHP)
    [travel]     setup_days, km_per_day, visit_days
    [learn]      rates = true, release = true, min_reports = 30
    [areas]      admin1 = ["…"]
"""

from __future__ import annotations

import datetime as dt
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from landrelease.errors import ValidationError
from landrelease.planning.calendar import Calendar, parse_workdays
from landrelease.planning.capacity import TEAM_TYPES
from landrelease.planning.field import Travel
from landrelease.planning.priority import ahp_weights, parse_weights

TOP = (
    "scenario",
    "capacity",
    "deployment",
    "team",
    "calendar",
    "rates",
    "release",
    "weights",
    "ahp",
    "travel",
    "learn",
    "areas",
)


@dataclass(frozen=True)
class Window:
    start: dt.date
    end: dt.date | None


@dataclass(frozen=True)
class ExtraTeam:
    type: str
    people: float
    count: int
    window: Window
    base: tuple[float, float] | None


@dataclass(frozen=True)
class Scenario:
    name: str
    start: dt.date
    seed: int = 1
    simulations: int = 500
    time_limit: float = 10.0
    from_record: bool = True
    exclude: tuple[str, ...] = ()
    scale: float = 1.0  # record units' team count × scale (sensitivity to capacity)
    deployments: tuple[tuple[str, Window], ...] = ()
    teams: tuple[ExtraTeam, ...] = ()
    calendar: Calendar = field(default_factory=Calendar)
    rates: dict[str, Any] = field(default_factory=dict)
    release: dict[str, Any] = field(default_factory=dict)
    weights: dict[str, float] = field(default_factory=dict)
    travel: Travel = field(default_factory=Travel)
    learn_rates: bool = True
    learn_release: bool = True
    min_reports: int = 30
    admin1: tuple[str, ...] = ()
    path: str = ""


def load_scenario(path: str | Path) -> Scenario:
    p = Path(path)
    try:
        data = tomllib.loads(p.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ValidationError(f"{p}: no such scenario file") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ValidationError(f"{p.name}: not a valid TOML file ({exc})") from None
    try:
        return parse_scenario(data, name=p.stem, path=str(p))
    except ValidationError as exc:
        raise ValidationError(f"{p.name}: {exc}") from None


def _date(v: Any, fld: str) -> dt.date:
    if isinstance(v, dt.datetime):
        return v.date()
    if isinstance(v, dt.date):
        return v
    if isinstance(v, str):
        try:
            return dt.date.fromisoformat(v)
        except ValueError:
            pass
    raise ValidationError(f"'{v}' is not a date (YYYY-MM-DD)", field=fld)


def _table(data: dict, key: str) -> dict:
    v = data.get(key, {})
    if not isinstance(v, dict):
        raise ValidationError("must be a table", field=key)
    return v


def _num(v: Any, fld: str, lo: float = 0.0) -> float:
    if isinstance(v, bool) or not isinstance(v, int | float) or v < lo:
        raise ValidationError(f"'{v}' must be a number ≥ {lo:g}", field=fld)
    return float(v)


def parse_scenario(data: dict, *, name: str = "scenario", path: str = "") -> Scenario:
    unknown = set(data) - set(TOP)
    if unknown:
        raise ValidationError(f"unknown table '{sorted(unknown)[0]}'; use: {', '.join(TOP)}")
    sc = _table(data, "scenario")
    if "start" not in sc:
        raise ValidationError("give the plan start date", field="scenario.start")
    start = _date(sc["start"], "scenario.start")
    cap = _table(data, "capacity")
    deps = []
    for i, d in enumerate(data.get("deployment", [])):
        fld = f"deployment[{i}]"
        if not isinstance(d, dict) or "unit" not in d:
            raise ValidationError("give the unit code", field=fld)
        deps.append((str(d["unit"]), _window(d, fld, start)))
    teams = []
    for i, t in enumerate(data.get("team", [])):
        fld = f"team[{i}]"
        if not isinstance(t, dict) or t.get("type") not in TEAM_TYPES:
            raise ValidationError(f"give type = one of {', '.join(TEAM_TYPES)}", field=fld)
        base = t.get("base")
        if base is not None and (not isinstance(base, list) or len(base) != 2):
            raise ValidationError("base = [lon, lat]", field=f"{fld}.base")
        teams.append(
            ExtraTeam(
                t["type"],
                _num(t.get("people", 10), f"{fld}.people", 1),
                int(_num(t.get("count", 1), f"{fld}.count", 1)),
                _window(t, fld, start),
                tuple(map(float, base)) if base else None,
            )
        )
    cal = _table(data, "calendar")
    try:
        calendar = Calendar(
            workdays=parse_workdays(cal.get("workdays", ["mon", "tue", "wed", "thu", "fri"])),
            season=tuple(float(x) for x in cal.get("season", [1.0] * 12)),
            standdown=float(cal.get("standdown", 0.0)),
            holidays=frozenset(_date(h, "calendar.holidays") for h in cal.get("holidays", [])),
        )
    except (TypeError, ValueError):
        raise ValidationError(
            "workdays, season (12 numbers), standdown (share), holidays (dates)", field="calendar"
        ) from None
    tr = _table(data, "travel")
    bad = set(tr) - {"setup_days", "km_per_day", "visit_days"}
    if bad:
        raise ValidationError(f"unknown key '{sorted(bad)[0]}'", field="travel")
    travel = Travel(**{k: _num(v, f"travel.{k}") for k, v in tr.items()})
    if travel.km_per_day <= 0:
        raise ValidationError("must be > 0", field="travel.km_per_day")
    learn = _table(data, "learn")
    areas = _table(data, "areas")
    return Scenario(
        name=str(sc.get("name", name)),
        start=start,
        seed=int(_num(sc.get("seed", 1), "scenario.seed")),
        simulations=int(_num(sc.get("simulations", 500), "scenario.simulations", 1)),
        time_limit=_num(sc.get("time_limit", 10.0), "scenario.time_limit", 0.1),
        from_record=bool(cap.get("from_record", True)),
        scale=_num(cap.get("scale", 1.0), "capacity.scale"),
        exclude=tuple(str(x) for x in cap.get("exclude", [])),
        deployments=tuple(deps),
        teams=tuple(teams),
        calendar=calendar,
        rates=_table(data, "rates"),
        release=_table(data, "release"),
        weights=_weights(data),
        travel=travel,
        learn_rates=bool(learn.get("rates", True)),
        learn_release=bool(learn.get("release", True)),
        min_reports=int(_num(learn.get("min_reports", 30), "learn.min_reports", 1)),
        admin1=tuple(str(x) for x in areas.get("admin1", [])),
        path=path,
    )


def _weights(data: dict) -> dict[str, float]:
    """`[weights]` as given, or `[ahp] criteria = [...], matrix = [[...]]` pairwise comparisons (Saaty)."""
    ahp = _table(data, "ahp")
    if not ahp:
        return parse_weights(_table(data, "weights"))
    if "weights" in data:
        raise ValidationError("give [weights] or [ahp], not both", field="ahp")
    return ahp_weights(ahp.get("criteria", []), ahp.get("matrix", []))[0]


def _window(d: dict, fld: str, start: dt.date) -> Window:
    first = _date(d.get("start", start), f"{fld}.start")
    if "end" in d:
        last = _date(d["end"], f"{fld}.end")
    elif "months" in d:
        m = int(_num(d["months"], f"{fld}.months", 0))
        y, mo = divmod(first.month - 1 + m, 12)
        last = dt.date(first.year + y, mo + 1, min(first.day, 28)) - dt.timedelta(days=1)
    else:
        last = None
    if last is not None and last < first:
        raise ValidationError("end is before start", field=fld)
    return Window(first, last)
