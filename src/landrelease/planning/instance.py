"""The scheduling problem as arrays: jobs (areas or tasks) × teams, and processing times.

This is R|M_j|Σ w_j C_j: jobs are areas or tasks with a weight (the priority score), teams are
unrelated machines, and job j on team k takes
``p[j, k] = area_j / (rate[type_k, class_j] × speed_k)`` working days; ``p[j, k] = inf`` marks
an ineligible pair (a rate of 0 for that land class, or a capability the job needs and the team
lacks — e.g. IED tasks need EOD level 3, IMAS 09.30).

Everything here is plain numpy: a plan can be computed in a test with no store, and at national
scale without ORM objects (DESIGN.md, planning/).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from landrelease.domain.vocab import Competency
from landrelease.errors import ValidationError
from landrelease.planning.capacity import N_CLASSES, TEAM_TYPES, Productivity

#: Capability bits for `Jobs.required` / `Teams.capabilities`: bit i is the i-th `Competency`.
CAPABILITIES: tuple[str, ...] = tuple(c.value for c in Competency)


def capability_mask(names) -> int:
    """Bitmask of competencies, e.g. ``capability_mask(["eod3"])`` for an IED task (IMAS 09.30)."""
    mask = 0
    for name in names:
        mask |= 1 << CAPABILITIES.index(Competency.parse(name, field="capability").value)
    return mask


@dataclass(frozen=True)
class Jobs:
    """Areas/tasks: size (m²), weight (priority, ≥ 0), land class 0–3, required capabilities.

    `required` is a bitmask of capabilities a team must hold (0 = none).
    """

    area: np.ndarray
    weight: np.ndarray
    land_class: np.ndarray
    required: np.ndarray

    @classmethod
    def of(cls, area, weight, land_class, required=None) -> Jobs:
        area = np.asarray(area, dtype=float)
        n = area.shape[0]
        req = np.zeros(n, dtype=np.int64) if required is None else np.asarray(required, np.int64)
        return cls(area, np.asarray(weight, float), np.asarray(land_class, np.int64), req)


@dataclass(frozen=True)
class Teams:
    """Teams: type (index into `TEAM_TYPES`), speed factor (1 = nominal), capability bitmask."""

    type_index: np.ndarray
    speed: np.ndarray
    capabilities: np.ndarray

    @classmethod
    def of(cls, type_index, speed=None, capabilities=None) -> Teams:
        t = np.asarray(type_index, dtype=np.int64)
        m = t.shape[0]
        s = np.ones(m) if speed is None else np.asarray(speed, dtype=float)
        c = np.zeros(m, dtype=np.int64) if capabilities is None else np.asarray(capabilities, np.int64)
        return cls(t, s, c)


@dataclass(frozen=True)
class Instance:
    """R|M_j|Σ w_j C_j: processing times `p` (n_jobs × n_teams, days, inf = ineligible), weights."""

    p: np.ndarray
    weight: np.ndarray

    def __post_init__(self) -> None:
        p = np.asarray(self.p, dtype=float)
        w = np.asarray(self.weight, dtype=float)
        if p.ndim != 2 or w.shape != (p.shape[0],):
            raise ValidationError(f"p must be (n_jobs, n_teams) and weight (n_jobs,): {p.shape}, {w.shape}")
        if np.isnan(p).any() or (p <= 0).any():
            raise ValidationError("processing times must be > 0 (inf marks an ineligible team)")
        if not np.isfinite(w).all() or (w < 0).any():
            raise ValidationError("weights must be finite and ≥ 0")
        no_team = ~np.isfinite(p).any(axis=1)
        if no_team.any():
            raise ValidationError(
                f"{int(no_team.sum())} job(s) have no eligible team, first: job {int(np.argmax(no_team))}"
            )
        object.__setattr__(self, "p", p)
        object.__setattr__(self, "weight", w)

    @property
    def n_jobs(self) -> int:
        return self.p.shape[0]

    @property
    def n_teams(self) -> int:
        return self.p.shape[1]

    @property
    def eligible(self) -> np.ndarray:
        return np.isfinite(self.p)


def processing_times(jobs: Jobs, teams: Teams, productivity: Productivity | None = None) -> np.ndarray:
    """p[j, k] in working days; inf where the team cannot work the job (rate 0 or capability)."""
    prod = productivity or Productivity.default()
    used = sorted(set(int(t) for t in teams.type_index))
    rates = np.zeros((len(TEAM_TYPES), N_CLASSES))
    rates[used] = prod.rate_matrix([TEAM_TYPES[t] for t in used])
    if ((jobs.land_class < 0) | (jobs.land_class >= N_CLASSES)).any():
        raise ValidationError("land class must be 0–3")
    if (jobs.area <= 0).any() or not np.isfinite(jobs.area).all():
        raise ValidationError("areas must be finite and > 0 m²")
    if (teams.speed <= 0).any() or not np.isfinite(teams.speed).all():
        raise ValidationError("team speed factors must be finite and > 0")
    rate = rates[teams.type_index[None, :], jobs.land_class[:, None]] * teams.speed[None, :]
    capable = (jobs.required[:, None] & ~teams.capabilities[None, :]) == 0
    ok = capable & (rate > 0)
    with np.errstate(divide="ignore"):
        return np.where(ok, jobs.area[:, None] / np.where(ok, rate, 1.0), np.inf)


def build_instance(jobs: Jobs, teams: Teams, productivity: Productivity | None = None) -> Instance:
    return Instance(p=processing_times(jobs, teams, productivity), weight=jobs.weight)


#: Team type mix of the core benchmark family (DOMAIN.md): manual, mechanical, MDD, EOD.
CORE_MIX = {"manual": 0.55, "mechanical": 0.15, "mdd": 0.20, "eod": 0.10}


def core_team_types(n_teams: int) -> np.ndarray:
    """Exact shares of `CORE_MIX` by largest remainder (at least one manual team), in type order."""
    shares = np.array(list(CORE_MIX.values())) * n_teams
    counts = np.floor(shares).astype(int)
    for i in np.argsort(-(shares - counts), kind="stable")[: n_teams - counts.sum()]:
        counts[i] += 1
    if counts[0] == 0:  # manual works every class: keeps every job feasible
        counts[int(np.argmax(counts))] -= 1
        counts[0] += 1
    names = [name for name, c in zip(CORE_MIX, counts, strict=True) for _ in range(c)]
    return np.array([TEAM_TYPES.index(n) for n in names], dtype=np.int64)


def core_family(n_areas: int, n_teams: int, seed: int) -> Instance:
    """The synthetic *core* benchmark family of DOMAIN.md ("Planning method").

    Team types manual 55 %, mechanical 15 %, MDD 20 %, EOD 10 % (exact shares, shuffled); rates by
    land class from `capacity.DEFAULT_RATES`; team speed factor lognormal(0, 0.2); area
    lognormal(ln 8000 m², 1); weight lognormal(ln 50, 1.2); land class uniform on 0–3 (DOMAIN.md
    does not fix it); no capability requirements. Deterministic in `seed`.
    """
    return build_instance(*core_jobs_teams(n_areas, n_teams, seed))


def core_jobs_teams(n_areas: int, n_teams: int, seed: int) -> tuple[Jobs, Teams]:
    if n_areas < 1 or n_teams < 1:
        raise ValidationError("need at least one area and one team")
    rng = np.random.default_rng(seed)
    types = rng.permutation(core_team_types(n_teams))
    speed = rng.lognormal(0.0, 0.2, n_teams)
    area = rng.lognormal(np.log(8000.0), 1.0, n_areas)
    weight = rng.lognormal(np.log(50.0), 1.2, n_areas)
    land_class = rng.integers(0, N_CLASSES, n_areas)
    return Jobs.of(area, weight, land_class), Teams.of(types, speed)
