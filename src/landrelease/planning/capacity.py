"""Team types and their productivity: how many m² a team releases per working day, by land class.

The planning engine sees a team as a machine whose speed depends on the land it works on. Rates
are per *team* per working day, by land class 0–3 (the `Terrain` vocabulary: open, vegetated,
dense, urban). A rate of 0 means the team type cannot work that class at all: the scheduler treats
the pair as ineligible (IMAS 09.10: machines prepare ground on suitable terrain; they do not
clear alone on every terrain).

Every default carries its source. The defaults are the rates of the synthetic *core* benchmark
family (`../shared/DOMAIN.md`, "Planning method"), chosen so that published benchmark figures are
comparable; they sit inside the field figures of DOMAIN.md "Planning figures":

* manual 50/40/30/20 m²/day — HALO Trust: 10–50 m² per deminer per day by terrain and metal
  contamination;
* MDD 600/400/300/0 — NATO SFOR Bosnia 2001: a 2-dog team ≈ 800–900 m²/day in good conditions;
  no work above 30 °C (the calendar, not the rate, carries that);
* mechanical 1500/800/0/0 — a 2-machine system ≈ 5,000 m²/day (deminingsystems.co.uk,
  secondary); the benchmark takes a single-machine team on ground prepared for follow-up;
* EOD 200 on all classes — benchmark figure (no field source: EOD is counted in tasks, not m²).

BAC and survey teams have no cited default: a scenario must give their rates, and using such a team
without rates is a `ValidationError` rather than a silently invented number.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from landrelease.domain.vocab import Terrain, UnitType
from landrelease.errors import ValidationError

#: Team types the planner knows, in a fixed order (index = type code in instance arrays).
TEAM_TYPES: tuple[str, ...] = (
    UnitType.MANUAL.value,
    UnitType.MECHANICAL.value,
    UnitType.MDD.value,
    UnitType.EOD.value,
    UnitType.BAC.value,
    UnitType.SURVEY.value,
)

#: Land classes 0–3, named by the `Terrain` vocabulary.
LAND_CLASSES: tuple[str, ...] = tuple(t.value for t in Terrain)
N_CLASSES = len(LAND_CLASSES)

_CORE = "core benchmark family, shared/DOMAIN.md 'Planning method'"
DEFAULT_RATES: dict[str, tuple[tuple[float, float, float, float] | None, str]] = {
    "manual": ((50.0, 40.0, 30.0, 20.0), f"{_CORE}; HALO Trust: 10–50 m²/deminer/day"),
    "mechanical": ((1500.0, 800.0, 0.0, 0.0), f"{_CORE}; ≈5,000 m²/day per 2-machine system"),
    "mdd": ((600.0, 400.0, 300.0, 0.0), f"{_CORE}; NATO SFOR 2001: 2 dogs ≈ 800–900 m²/day"),
    "eod": ((200.0, 200.0, 200.0, 200.0), _CORE),
    "bac": (None, "no cited default: set it in the scenario"),
    "survey": (None, "no cited default: set it in the scenario"),
}


@dataclass(frozen=True)
class Productivity:
    """Rates in m² per team per working day, `rates[type][land_class]`, with a source per type.

    `rates` rows are `None` for a type with no known rate; `rate_matrix` refuses to use them.
    """

    rates: Mapping[str, tuple[float, ...] | None]
    sources: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def default(cls) -> Productivity:
        return cls(
            rates={t: r for t, (r, _) in DEFAULT_RATES.items()},
            sources={t: s for t, (_, s) in DEFAULT_RATES.items()},
        )

    def with_overrides(self, overrides: Mapping[str, object], *, source: str = "override") -> Productivity:
        """Return a copy with some rates replaced, e.g. from a scenario TOML table.

        Each value is either a sequence of 4 rates (land class 0–3) or a mapping from land class
        (index or `Terrain` code) to rate; a mapping changes only the classes it names.
        """
        rates = dict(self.rates)
        sources = dict(self.sources)
        for name, value in overrides.items():
            kind = _team_type(name)
            if isinstance(value, Mapping):
                base = list(rates.get(kind) or (0.0,) * N_CLASSES)
                for cls_key, rate in value.items():
                    base[_land_class(cls_key, field=f"rates.{kind}")] = _rate(rate, kind)
                new = tuple(base)
            elif isinstance(value, Sequence) and not isinstance(value, str):
                if len(value) != N_CLASSES:
                    raise ValidationError(
                        f"give {N_CLASSES} rates (land class 0–3), got {len(value)}",
                        field=f"rates.{kind}",
                    )
                new = tuple(_rate(v, kind) for v in value)
            else:
                raise ValidationError(
                    "a rate override is a list of 4 numbers or a table class → rate",
                    field=f"rates.{kind}",
                )
            rates[kind] = new
            sources[kind] = source
        return Productivity(rates=rates, sources=sources)

    def rate_matrix(self, types: Sequence[str] | None = None) -> np.ndarray:
        """Rates as a (n_types, 4) array in `TEAM_TYPES` order (or `types`)."""
        names = list(TEAM_TYPES if types is None else types)
        out = np.zeros((len(names), N_CLASSES))
        for i, name in enumerate(names):
            row = self.rates.get(_team_type(name))
            if row is None:
                raise ValidationError(
                    f"no productivity for team type '{name}': give its rates in the scenario",
                    field=f"rates.{name}",
                )
            out[i] = row
        return out


def type_index(name: str) -> int:
    """Index of a team type in `TEAM_TYPES`."""
    return TEAM_TYPES.index(_team_type(name))


def _team_type(name: object) -> str:
    key = str(name).strip().lower()
    if key not in TEAM_TYPES:
        raise ValidationError(f"'{name}' is not a team type; use one of: {', '.join(TEAM_TYPES)}", field="team type")
    return key


def _land_class(key: object, *, field: str) -> int:
    if isinstance(key, int) or (isinstance(key, str) and key.isdigit()):
        idx = int(key)
        if 0 <= idx < N_CLASSES:
            return idx
    elif isinstance(key, str) and key.strip().lower() in LAND_CLASSES:
        return LAND_CLASSES.index(key.strip().lower())
    raise ValidationError(f"'{key}' is not a land class; use 0–3 or one of: {', '.join(LAND_CLASSES)}", field=field)


def _rate(value: object, kind: str) -> float:
    try:
        rate = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise ValidationError(f"rate '{value}' is not a number", field=f"rates.{kind}") from None
    if not np.isfinite(rate) or rate < 0:
        raise ValidationError(f"rate {value} must be a finite number ≥ 0", field=f"rates.{kind}")
    return rate
