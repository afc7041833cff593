"""Monte Carlo forecast of a field plan: vectorised, seeded, common random numbers.

Each simulation draws (i) whether each area holds EO and its release split (`release`), (ii) the
long-run productivity of each team type × land class (log-normal around the rate with the
uncertainty `productivity` reports: data-based rates are tighter than defaults) and (iii) weather
stand-down days (Bernoulli per calendar day, shared by the region). The plan's assignment and
order are kept (a plan is a tasking order, not re-optimised per draw) and laid on each team's
capacity curve for that draw.

Common random numbers: simulation i draws from its own streams of `SeedSequence(seed, spawn_key=(i,))`
with shapes that depend only on the areas (ordered by code), the team types and the day index — not
on the scenario's teams — so two scenarios on the same record see the same contamination,
productivity and weather, and their difference is the scenario's, not the dice's. The same property
makes a forecast split over workers (Dask) equal to the single-process one.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from landrelease.planning.capacity import N_CLASSES, TEAM_TYPES
from landrelease.planning.field import INF, FieldPlan, capacity_curves, realise, team_rates
from landrelease.planning.release import ReleaseModel, sample_release


@dataclass(frozen=True)
class Forecast:
    completion: np.ndarray  # (S, n_areas) day the area is fully released (inf = not in horizon/plan)
    cancel: np.ndarray  # (S, n_areas) m² cancelled at NTS
    nts_end: np.ndarray  # (S, n_areas) day NTS ends (0 if none)
    remaining: np.ndarray  # (n_areas,) m² at start
    weight: np.ndarray
    horizon: int
    planned: np.ndarray  # (n_areas,) bool: the plan gives the area a team

    @classmethod
    def concat(cls, parts: list[Forecast]) -> Forecast:
        """Join forecasts of consecutive simulation chunks of the same plan."""
        first = parts[0]
        return cls(
            np.concatenate([p.completion for p in parts]),
            np.concatenate([p.cancel for p in parts]),
            np.concatenate([p.nts_end for p in parts]),
            first.remaining,
            first.weight,
            first.horizon,
            first.planned,
        )

    def released_by(self, day: float) -> np.ndarray:
        """Per simulation, m² released by `day` (cancelled at NTS end, the rest at completion)."""
        at_nts = np.where(self.nts_end <= day, self.cancel, 0.0)
        done = self.completion <= day
        return np.where(done, self.remaining[None, :], at_nts).sum(axis=1)

    def burndown(self, days: np.ndarray) -> np.ndarray:
        """(S, len(days)) remaining hazardous m²."""
        total = self.remaining.sum()
        return np.stack([total - self.released_by(d) for d in days], axis=1)

    def region_completion(self, mask: np.ndarray | None = None) -> np.ndarray:
        """Per simulation, the day the last *planned* area (of `mask`) is released."""
        keep = self.planned if mask is None else (self.planned & mask)
        c = self.completion[:, keep]
        return c.max(axis=1) if c.shape[1] else np.zeros(c.shape[0])

    def exposure(self) -> np.ndarray:
        """Σ w_j C_j per simulation over planned areas, C in years (priority-weighted hazard-time).

        An area still open at the horizon counts as released at the horizon (an underestimate).
        """
        c = np.where(np.isfinite(self.completion), self.completion, self.horizon)[:, self.planned] / 365.25
        return c @ self.weight[self.planned]


def percentiles(x: np.ndarray, q=(10, 50, 90)) -> np.ndarray:
    """Percentiles along axis 0 that treat inf as 'later than everything' (result inf if reached)."""
    x = np.sort(np.asarray(x, dtype=float), axis=0)
    n = x.shape[0]
    out = []
    for p in q:
        i = min(n - 1, max(0, int(np.ceil(p / 100 * n)) - 1))
        out.append(x[i])
    return np.array(out)


def horizon_of(plan: FieldPlan) -> int:
    """Days simulated: twice the plan's last finish plus two years (at most 300 years)."""
    last = np.nanmax(np.r_[plan.physical.end[np.isfinite(plan.physical.end)], 0])
    return int(min(366 * 300, max(366, 2 * last + 730)))


def simulate(
    plan: FieldPlan, release: ReleaseModel, *, n_sims: int = 500, seed: int = 0, sims: range | None = None
) -> Forecast:
    """Simulations `sims` (default 0…n_sims−1) of the plan.

    Simulation i draws from its own `SeedSequence(seed, spawn_key=(i,))`, so any split of the
    simulations into chunks (e.g. over Dask workers) gives exactly the single-process result.
    """
    sims = range(n_sims) if sims is None else sims
    areas = plan.areas
    n = len(areas)
    horizon = horizon_of(plan)
    s_n = len(sims)
    u = np.empty((s_n, n))
    cancel = np.empty((s_n, n))
    work = np.empty((s_n, n))
    z = np.empty((s_n, len(TEAM_TYPES), N_CLASSES))
    stand = np.empty((s_n, horizon), dtype=bool)
    for row, i in enumerate(sims):
        r_cont, r_split, r_prod, r_weather = (
            np.random.default_rng(c) for c in np.random.SeedSequence(seed, spawn_key=(i,)).spawn(4)
        )
        u[row] = r_cont.random(n)
        c_i, w_i = sample_release(release, areas.remaining, plan.expected.pi, u[row][None, :], r_split)
        cancel[row], work[row] = c_i[0], w_i[0]
        z[row] = r_prod.standard_normal((len(TEAM_TYPES), N_CLASSES))
        stand[row] = r_weather.random(horizon) < plan.calendar.standdown
    n_sims = s_n
    sd = plan.rates.sd()
    mult = np.exp(sd[None] * z - 0.5 * sd[None] ** 2)  # mean-one log-normal around the rate
    base = plan.calendar.base_factors(plan.start, horizon)
    factors = base[None, :] * ~stand
    caps, group = capacity_curves(plan.calendar, plan.start, plan.teams, horizon, factors)
    tr = team_rates(plan.teams, plan.rates)
    cls = areas.land_class
    types = plan.teams.type_index

    nts = plan.nts

    def dur_nts(k, jobs):
        a = nts.area[jobs]
        m = mult[:, types[k], cls[a]]
        return areas.remaining[a][None, :] / (tr[k, cls[a]] * m) + nts.setup[jobs, k][None, :]

    _, nts_end_j, _, _ = realise(plan.sequences["nts"], dur_nts, caps, group, len(nts.area))
    nts_end = np.full((n_sims, n), INF)
    nts_end[:, nts.area] = nts_end_j
    nts_end[:, nts.area[nts.team < 0]] = INF
    ph = plan.physical

    def dur_ph(k, jobs):
        a = ph.area[jobs]
        m = mult[:, types[k], cls[a]]
        return work[:, a] / (tr[k, cls[a]] * m) + ph.setup[jobs, k][None, :]

    _, ph_end, _, final = realise(
        plan.sequences["physical"],
        dur_ph,
        caps,
        group,
        len(ph.area),
        np.where(np.isfinite(nts_end), nts_end, 0),
        ph.area,
    )
    _backstop(plan, ph_end, final, caps, group, dur_ph)
    completion = np.full((n_sims, n), INF)
    completion[:, ph.area] = ph_end
    completion[:, ph.area[ph.team < 0]] = INF
    planned = np.zeros(n, dtype=bool)
    planned[ph.area[ph.team >= 0]] = True
    return Forecast(completion, cancel, nts_end, areas.remaining.astype(float), plan.weight, horizon, planned)


def _backstop(plan: FieldPlan, ph_end, final, curves, group, dur) -> None:
    """A task that overruns its team's window in a draw is finished by an open-ended eligible team.

    The team is the one the plan leaves free first; overrunning tasks queue after its own work in
    plan order. Without an open-ended eligible team the task stays unreleased (inf).
    """
    ph = plan.physical
    teams = plan.teams
    windowed = np.isfinite(teams.last)
    cand = np.flatnonzero(np.isfinite(ph_end).all(axis=0) == False & (ph.team >= 0))  # noqa: E712
    cand = cand[windowed[ph.team[cand]]]
    if cand.size == 0:
        return
    free = np.array([ph.end[ph.team == k].max() if (ph.team == k).any() else 0.0 for k in range(len(teams))])
    elig = np.isfinite(ph.work_days[cand]) & ~windowed[None, :]
    has = elig.any(axis=1)
    cand, elig = cand[has], elig[has]
    back = np.argmin(np.where(elig, free[None, :], INF), axis=1)
    order = np.argsort(ph.start[cand], kind="stable")
    cand, back = cand[order], back[order]
    for b in np.unique(back):
        jobs = cand[back == b]
        d = dur(int(b), jobs)
        need = ~np.isfinite(ph_end[:, jobs])
        pos = final[:, b][:, None] + np.cumsum(np.where(need, d, 0.0), axis=1)
        cv = curves[group[b]]
        for i, j in enumerate(jobs):
            ph_end[:, j] = np.where(need[:, i], cv.day(pos[:, i], start=False), ph_end[:, j])


@dataclass(frozen=True)
class ScheduleForecast:
    """Monte Carlo of a plain schedule (no field stages): completion day per simulation and job."""

    completion: np.ndarray  # (S, n) float32 calendar days from the start; inf = beyond the horizon
    weight: np.ndarray
    horizon: int

    def job_percentiles(self, q=(10, 50, 90)) -> np.ndarray:
        """(len(q), n) completion percentiles per job (inf reached if a share of draws ends beyond the horizon)."""
        return percentiles(self.completion, q)

    def overall(self) -> np.ndarray:
        """Per simulation, the day the last job is done."""
        return self.completion.max(axis=1)

    def exposure(self) -> np.ndarray:
        """Per simulation, Σ w_j C_j (C in days)."""
        return self.completion.astype(float) @ self.weight

    @classmethod
    def concat(cls, parts: list[ScheduleForecast]) -> ScheduleForecast:
        return cls(np.concatenate([p.completion for p in parts]), parts[0].weight, parts[0].horizon)


def simulate_schedule(
    team: np.ndarray,
    start: np.ndarray,
    p: np.ndarray,
    weight: np.ndarray,
    team_type: np.ndarray,
    land_class: np.ndarray,
    *,
    sd: np.ndarray,
    standdown: float = 0.0,
    n_sims: int = 1000,
    seed: int = 0,
    sims: range | None = None,
    chunk: int = 25,
) -> ScheduleForecast:
    """Simulations of a schedule kept as a tasking order (each team's jobs in the plan's order).

    Draws per simulation i, from its own streams of ``SeedSequence(seed, spawn_key=(i,))`` (so any
    chunking, e.g. over Dask workers, gives the same numbers): the long-run productivity of each team
    type × land class (mean-one log-normal with log-sd `sd[type, class]`, as in `simulate`) and
    weather stand-down days (Bernoulli(`standdown`) per calendar day, shared by all teams). `p[j]` is
    job j's planned working days on its team; a job's working-day end is the running sum of its
    team's draws, laid on that simulation's calendar. Vectorised over `chunk` simulations at a time;
    memory is the float32 result (4 bytes × sims × jobs) plus a few chunk-sized arrays.
    """
    sims = range(n_sims) if sims is None else sims
    team = np.asarray(team, dtype=np.int64)
    p = np.asarray(p, dtype=float)
    n = team.shape[0]
    order = np.lexsort((np.arange(n), np.asarray(start, float), team))
    ts = team[order]
    first = np.r_[True, ts[1:] != ts[:-1]]
    seg = np.cumsum(first) - 1  # segment (team run) of each sorted position
    seg_first = np.flatnonzero(first)
    ps = p[order]
    tt = np.asarray(team_type)[ts]
    cls = np.asarray(land_class)[order]
    sd = np.asarray(sd, dtype=float)
    loads = np.bincount(seg, weights=ps)
    # Fixed horizon (independent of the chunking): room for every team's load at a quarter of its rate.
    horizon = int(np.ceil(4.0 * loads.max() / (1.0 - standdown))) + 366 if n else 1
    out = np.empty((len(sims), n), dtype=np.float32)
    sims_list = list(sims)
    for lo in range(0, len(sims_list), chunk):
        part = sims_list[lo : lo + chunk]
        z = np.empty((len(part),) + sd.shape)
        work_cum = np.empty((len(part), horizon))
        for row, i in enumerate(part):
            streams = np.random.SeedSequence(seed, spawn_key=(i,)).spawn(2)
            r_prod, r_weather = (np.random.default_rng(c) for c in streams)
            z[row] = r_prod.standard_normal(sd.shape)
            works = r_weather.random(horizon) >= standdown
            work_cum[row] = np.cumsum(works)
        mult = np.exp(sd[None] * z - 0.5 * sd[None] ** 2)
        d = ps[None, :] / mult[:, tt, cls]
        c = np.cumsum(d, axis=1)
        before = np.where(first, c - d, 0.0)
        offset = before[:, seg_first][:, seg]
        wd = c - offset  # working-day end per sorted job
        cal = np.empty_like(wd)
        for row in range(len(part)):
            idx = np.searchsorted(work_cum[row], wd[row], side="left")
            cal[row] = np.where(idx < horizon, idx + 1.0, np.inf)
        res = np.empty_like(cal)
        res[:, order] = cal
        out[lo : lo + len(part)] = res
    return ScheduleForecast(out, np.asarray(weight, float), horizon)
