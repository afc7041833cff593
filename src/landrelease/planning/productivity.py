"""Field productivity: rates per team type × land class, learned from the record where it can be.

Basis (what one rate unit is):

* manual and BAC — m² per *deminer* per working day (HALO Trust: 10–50 m² per deminer per day by
  terrain and metal contamination); a unit of N people fields ``N × deminer_share`` deminers;
* mechanical, MDD, EOD, survey — m² per *team* per working day; a unit of N people fields
  ``N / team_size`` teams.

Defaults (`FIELD_DEFAULTS`) carry their source; `learn_rates` replaces them by the record's own
daily progress reports where there are at least `min_reports` of them for a type × class, with the
log-normal spread of the daily rates and the standard error of their mean (the forecast draws the
long-run rate from that, widened by `transfer_sd` because past teams are not future teams).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np

from landrelease.errors import ValidationError
from landrelease.planning.capacity import LAND_CLASSES, N_CLASSES, TEAM_TYPES

PERSON_BASIS = ("manual", "bac")

#: type → (rates by land class open/vegetated/dense/urban, people per team or deminer share, source).
#: A source starting with "ASSUMPTION" has no published figure behind it (`assumptions.py`); the team
#: sizes / deminer shares are all ASSUMPTIONS.
FIELD_DEFAULTS: dict[str, tuple[tuple[float, float, float, float], float, str]] = {
    "manual": ((40.0, 30.0, 20.0, 15.0), 0.8, "HALO Trust: 10–50 m²/deminer/day by terrain (DOMAIN.md)"),
    "bac": ((40.0, 30.0, 20.0, 15.0), 0.8, "ASSUMPTION: manual rates (no cited BAC figure)"),
    "mechanical": ((2500.0, 1500.0, 0.0, 0.0), 10.0, "≈5,000 m²/day per 2-machine system (deminingsystems.co.uk)"),
    "mdd": ((850.0, 600.0, 400.0, 0.0), 6.0, "NATO SFOR Bosnia 2001: 2 dogs ≈ 800–900 m²/day"),
    "eod": ((200.0, 200.0, 200.0, 200.0), 4.0, "ASSUMPTION: core benchmark family figure (DOMAIN.md)"),
    "survey": ((100_000.0,) * 4, 3.0, "ASSUMPTION: NTS ~0.1 km²/team/day + 1 day per area visit"),
}
#: Log-sd of a default rate: a factor of ~1.35 either way (ASSUMPTION; the cited ranges are wide).
DEFAULT_SD = 0.3


@dataclass(frozen=True)
class Rate:
    value: float  # m²/basis/day (mean of the long-run rate)
    sd: float  # log-sd of the long-run rate (uncertainty used in the forecast)
    n: int  # progress reports behind it (0 = default)
    source: str


@dataclass(frozen=True)
class RateTable:
    """`rates[type][class]`, `size[type]` (deminer share or people per team)."""

    rates: Mapping[str, tuple[Rate, ...]]
    size: Mapping[str, float] = field(default_factory=dict)

    @classmethod
    def defaults(cls) -> RateTable:
        rates = {t: tuple(Rate(r, DEFAULT_SD, 0, src) for r in rs) for t, (rs, _, src) in FIELD_DEFAULTS.items()}
        return cls(rates, {t: s for t, (_, s, _) in FIELD_DEFAULTS.items()})

    def value(self) -> np.ndarray:
        """(n_types, 4) rates in `TEAM_TYPES` order."""
        return np.array([[r.value for r in self.rates[t]] for t in TEAM_TYPES])

    def sd(self) -> np.ndarray:
        return np.array([[r.sd for r in self.rates[t]] for t in TEAM_TYPES])

    def with_overrides(self, table: Mapping[str, object]) -> RateTable:
        """Scenario `[rates.TYPE]`: ``open = 45`` … per class, ``team_size``/``deminer_share``, ``sd``."""
        rates = {t: list(v) for t, v in self.rates.items()}
        size = dict(self.size)
        for kind, spec in table.items():
            if kind not in TEAM_TYPES:
                raise ValidationError(
                    f"'{kind}' is not a team type; use one of: {', '.join(TEAM_TYPES)}", field="rates"
                )
            if not isinstance(spec, Mapping):
                raise ValidationError(
                    "give a table: open = …, vegetated = …, dense = …, urban = …", field=f"rates.{kind}"
                )
            sd = _num(spec.get("sd", None), f"rates.{kind}.sd") if "sd" in spec else None
            for key, val in spec.items():
                if key in LAND_CLASSES:
                    c = LAND_CLASSES.index(key)
                    rates[kind][c] = Rate(_num(val, f"rates.{kind}.{key}"), sd or DEFAULT_SD, 0, "scenario file")
                elif key in ("team_size", "deminer_share"):
                    size[kind] = _num(val, f"rates.{kind}.{key}")
                    if size[kind] <= 0:
                        raise ValidationError("must be > 0", field=f"rates.{kind}.{key}")
                elif key != "sd":
                    raise ValidationError(f"unknown key '{key}'", field=f"rates.{kind}")
            if sd is not None:
                rates[kind] = [Rate(r.value, sd, r.n, r.source) for r in rates[kind]]
        return RateTable({t: tuple(v) for t, v in rates.items()}, size)

    def rows(self) -> list[dict]:
        """One row per type × class: rate, uncertainty, reports behind it, source (data or default)."""
        out = []
        for t in TEAM_TYPES:
            basis = "deminer" if t in PERSON_BASIS else "team"
            for c, r in enumerate(self.rates[t]):
                out.append(
                    {
                        "type": t,
                        "class": LAND_CLASSES[c],
                        "rate": r.value,
                        "basis": f"m²/{basis}/day",
                        "log_sd": r.sd,
                        "reports": r.n,
                        "source": r.source,
                    }
                )
        return out


def learn_rates(
    base: RateTable,
    type_name: np.ndarray,
    land_class: np.ndarray,
    worked_m2: np.ndarray,
    deminers: np.ndarray,
    *,
    min_reports: int = 30,
    transfer_sd: float = 0.1,
) -> RateTable:
    """Replace defaults by rates estimated from daily progress reports (one row per report).

    Rate of a report: worked m² / deminers for person-basis types, worked m² for team types. The
    estimate is the mean rate with log-sd sqrt(se² + transfer_sd²), se the standard error of the mean log rate (s/√n,
    widened to a Student t's spread as s is itself estimated).
    """
    t = np.asarray(type_name, dtype=object)
    c = np.asarray(land_class, dtype=np.int64)
    w = np.asarray(worked_m2, dtype=float)
    d = np.asarray(deminers, dtype=float)
    rates = {k: list(v) for k, v in base.rates.items()}
    for kind in TEAM_TYPES:
        person = kind in PERSON_BASIS
        for cls in range(N_CLASSES):
            sel = (t == kind) & (c == cls) & (w > 0) & np.isfinite(w)
            if person:
                sel &= d > 0
            n = int(sel.sum())
            if n < min_reports:
                continue
            r = w[sel] / d[sel] if person else w[sel]
            lr = np.log(r)
            s = float(lr.std(ddof=1))
            se = s / np.sqrt(n) * np.sqrt((n - 1) / (n - 3))  # Student t: the sd itself is estimated
            rates[kind][cls] = Rate(
                float(r.mean()), float(np.hypot(se, transfer_sd)), n, f"record: {n} progress reports"
            )
    return RateTable({k: tuple(v) for k, v in rates.items()}, base.size)


def _num(v: object, fld: str) -> float:
    try:
        x = float(v)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise ValidationError(f"'{v}' is not a number", field=fld) from None
    if not np.isfinite(x) or x < 0:
        raise ValidationError(f"{v} must be a finite number ≥ 0", field=fld)
    return x
