"""Assign every area/task to an eligible team and order it: R|M_j|Σ w_j C_j.

Method (DOMAIN.md "Planning method"; issue 3): weight-over-duration list scheduling with
earliest-finish team choice, then local search — move a job to another team, or swap two jobs
between teams. Each team works its jobs in Smith order (w_j / p_jk non-increasing, Smith 1956),
which is optimal for a fixed assignment, so a team's cost has a closed form and the change of
a move or swap is computed exactly from prefix sums, for all jobs × teams at once with numpy.

Times are in working days from the plan start; `end[j]` is C_j.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from landrelease.errors import ValidationError
from landrelease.planning.instance import Instance

#: Swap neighbourhood: all pairs (a on k, b elsewhere) up to this many per team, else candidates
#: from each job's `SWAP_TEAMS` best move targets.
SWAP_PAIRS = 250_000
SWAP_TEAMS = 8


@dataclass(frozen=True)
class Schedule:
    """Team per job, start and end (working days), and the objective Σ w_j C_j."""

    team: np.ndarray
    start: np.ndarray
    end: np.ndarray
    objective: float
    method: str = ""
    seconds: float = 0.0

    def sequence(self, k: int) -> np.ndarray:
        """Jobs of team `k` in the order it works them."""
        jobs = np.flatnonzero(self.team == k)
        return jobs[np.argsort(self.start[jobs], kind="stable")]


def smith_keys(inst: Instance) -> np.ndarray:
    """Sort key per (job, team): −w_j / p_jk (ascending = Smith order); +inf where ineligible."""
    with np.errstate(divide="ignore", invalid="ignore"):
        key = -inst.weight[:, None] / inst.p
    return np.where(inst.eligible, key, np.inf)


def evaluate(inst: Instance, team: np.ndarray, *, method: str = "", seconds: float = 0.0) -> Schedule:
    """The schedule of an assignment with every team in Smith order (ties by job index)."""
    team = np.asarray(team, dtype=np.int64)
    n = inst.n_jobs
    if team.shape != (n,) or (team < 0).any() or (team >= inst.n_teams).any():
        raise ValidationError("an assignment gives one team index per job")
    jobs = np.arange(n)
    p = inst.p[jobs, team]
    if not np.isfinite(p).all():
        raise ValidationError(f"job {int(np.argmax(~np.isfinite(p)))} is on an ineligible team")
    key = smith_keys(inst)[jobs, team]
    order = np.lexsort((jobs, key, team))
    ps = p[order]
    csum = np.cumsum(ps)
    ts = team[order]
    first = np.r_[True, ts[1:] != ts[:-1]]
    offset = np.maximum.accumulate(np.where(first, csum - ps, 0.0))
    end = np.empty(n)
    end[order] = csum - offset
    start = end - p
    return Schedule(team, start, end, float(inst.weight @ end), method, seconds)


def list_schedule(inst: Instance) -> Schedule:
    """Smith-ratio list scheduling with earliest-finish team choice.

    Jobs in order of w_j / min_k p_jk (non-increasing); each goes to the eligible team on which it
    would finish first. Each team is then resequenced in its own Smith order (never worse).
    """
    t0 = time.perf_counter()
    pmin = inst.p.min(axis=1)
    order = np.lexsort((np.arange(inst.n_jobs), -inst.weight / pmin))
    load = np.zeros(inst.n_teams)
    team = np.empty(inst.n_jobs, dtype=np.int64)
    for j in order:
        finish = load + inst.p[j]
        k = int(np.argmin(finish))
        team[j] = k
        load[k] = finish[k]
    return evaluate(inst, team, method="list", seconds=time.perf_counter() - t0)


def spreadsheet_rule(inst: Instance) -> Schedule:
    """Reference: strict priority order (by weight), each area to the next free eligible team.

    This is what a planner does by hand in a spreadsheet; DOMAIN.md reports it 25–37 % worse on
    Σ w_j C_j than weight-over-duration ordering. Teams work their areas in priority order.
    """
    t0 = time.perf_counter()
    n = inst.n_jobs
    order = np.lexsort((np.arange(n), -inst.weight))
    free = np.zeros(inst.n_teams)
    team = np.empty(n, dtype=np.int64)
    start = np.empty(n)
    end = np.empty(n)
    elig = inst.eligible
    for j in order:
        k = int(np.argmin(np.where(elig[j], free, np.inf)))
        team[j] = k
        start[j] = free[k]
        end[j] = free[k] = free[k] + inst.p[j, k]
    seconds = time.perf_counter() - t0
    return Schedule(team, start, end, float(inst.weight @ end), "spreadsheet", seconds)


class _LocalSearch:
    """Exact move/swap deltas for Smith-ordered teams, kept as n × m arrays.

    For team k with jobs in Smith order, inserting job j costs
    ``I[j, k] = w_j (P_before + p_jk) + p_jk W_after`` (P_before: work of the jobs ahead of j,
    W_after: weight of the jobs behind), and removing job j from its team changes the cost by
    ``R[j] = −(w_j C_j + p_jk W_after_j)``. A move j → l changes Σ w C by R[j] + I[j, l]. A swap
    of a (team k) and b (team l) changes it by R[a] + R[b] + I[b, k] + I[a, l] minus the two
    cross terms counted while a and b were still in place. Steps on disjoint team pairs do not
    interact, so each round applies a batch of them. The best swap of each team pair depends only
    on those two teams, so it is cached and recomputed only for teams that changed.
    """

    def __init__(self, inst: Instance, team: np.ndarray) -> None:
        self.inst = inst
        self.w = inst.weight
        self.elig = inst.eligible
        self.pf = np.where(self.elig, inst.p, 0.0)
        self.key = smith_keys(inst)
        self.team = np.array(team, dtype=np.int64)
        n, m = inst.p.shape
        self.I = np.full((n, m), np.inf)
        self.R = np.zeros(n)
        self.cost = np.zeros(m)
        self.order: list[np.ndarray] = [np.empty(0, np.int64)] * m
        self.dirty = np.ones(m, dtype=bool)
        self.swap_val = np.full((m, m), np.inf)
        self.swap_a = np.zeros((m, m), dtype=np.int64)
        self.swap_b = np.zeros((m, m), dtype=np.int64)
        for k in range(m):
            self._rebuild(k)

    @property
    def objective(self) -> float:
        return float(self.cost.sum())

    def _rebuild(self, k: int) -> None:
        jobs = np.flatnonzero(self.team == k)
        key_k = self.key[:, k]
        js = jobs[np.lexsort((jobs, key_k[jobs]))]
        self.order[k] = js
        ks = key_k[js]
        pp = self.pf[js, k]
        ww = self.w[js]
        cum_p = np.r_[0.0, np.cumsum(pp)]
        cum_w = np.r_[0.0, np.cumsum(ww)]
        total_w = cum_w[-1]
        self.cost[k] = float(ww @ cum_p[1:])
        self.R[js] = -(ww * cum_p[1:] + pp * (total_w - cum_w[1:]))
        idx = np.searchsorted(ks, key_k, side="left")
        col = self.w * (cum_p[idx] + self.pf[:, k]) + self.pf[:, k] * (total_w - cum_w[idx])
        col[~self.elig[:, k]] = np.inf
        col[js] = np.inf  # already there: not a move
        self.I[:, k] = col
        self.dirty[k] = True

    def assign(self, team: np.ndarray) -> None:
        """Switch to another assignment, rebuilding only the teams that change."""
        changed = np.flatnonzero(team != self.team)
        teams = np.union1d(self.team[changed], team[changed])
        self.team[:] = team
        for k in teams:
            self._rebuild(int(k))

    def moves(self, eps: float) -> float:
        """Apply a batch of improving moves on disjoint team pairs; return the total change."""
        delta = self.R[:, None] + self.I
        best = np.argmin(delta, axis=1)
        gain = delta[np.arange(delta.shape[0]), best]
        cand = np.flatnonzero(gain < -eps)
        if cand.size == 0:
            return 0.0
        cand = cand[np.argsort(gain[cand], kind="stable")]
        touched = np.zeros(self.inst.n_teams, dtype=bool)
        total = 0.0
        for j in cand:
            src, dst = self.team[j], best[j]
            if touched[src] or touched[dst]:
                continue
            touched[src] = touched[dst] = True
            self.team[j] = dst
            total += gain[j]
            if touched.all():
                break
        for k in np.flatnonzero(touched):
            self._rebuild(int(k))
        return total

    def _swap_block(self, k: int) -> None:
        """Best swap between team k and each other team, merged into the pair cache.

        Every pair (a on k, b elsewhere) when that is at most `SWAP_PAIRS` pairs; above that, b
        ranges only over the teams of a's `SWAP_TEAMS` best moves (candidate lists keep large
        instances at O(n) work per changed team).
        """
        w, pf, key, team = self.w, self.pf, self.key, self.team
        a = self.order[k]
        b = np.flatnonzero((team != k) & self.elig[:, k])
        if a.size == 0 or b.size == 0:
            return
        if a.size * b.size <= SWAP_PAIRS:
            tb = team[b]
            ins_a = self.I[a[:, None], tb[None, :]]  # a into b's team (b still there)
            corr_k = np.where(
                key[a, k][:, None] < key[b, k][None, :],
                w[b][None, :] * pf[a, k][:, None],
                pf[b, k][None, :] * w[a][:, None],
            )
            key_al = key[a[:, None], tb[None, :]]
            pf_al = pf[a[:, None], tb[None, :]]
            corr_l = np.where(
                key[b, tb][None, :] < key_al,
                w[a][:, None] * pf[b, tb][None, :],
                pf_al * w[b][None, :],
            )
            with np.errstate(invalid="ignore"):
                d = self.R[a][:, None] + self.R[b][None, :] + self.I[b, k][None, :] + ins_a
                d = d - corr_k - corr_l
            d = np.where(np.isfinite(ins_a), d, np.inf)
            row = np.argmin(d, axis=0)  # best a for each b
            ai, bi, d = a[row], b, d[row, np.arange(b.size)]
        else:
            ai, bi = self._candidate_pairs(a, b[np.argsort(team[b], kind="stable")])
            tb = team[bi]
            ins_a = self.I[ai, tb]
            ok = np.isfinite(ins_a)
            ai, bi, tb, ins_a = ai[ok], bi[ok], tb[ok], ins_a[ok]
            corr_k = np.where(key[ai, k] < key[bi, k], w[bi] * pf[ai, k], pf[bi, k] * w[ai])
            corr_l = np.where(key[bi, tb] < key[ai, tb], w[ai] * pf[bi, tb], pf[ai, tb] * w[bi])
            d = self.R[ai] + self.R[bi] + self.I[bi, k] + ins_a - corr_k - corr_l
        tb = team[bi]
        best = np.full(self.inst.n_teams, np.inf)
        np.minimum.at(best, tb, d)
        hit = np.flatnonzero((d == best[tb]) & (d < self.swap_val[k, tb]))
        ls, first = np.unique(tb[hit], return_index=True)
        first = hit[first]
        self.swap_val[k, ls] = self.swap_val[ls, k] = d[first]
        self.swap_a[k, ls] = self.swap_a[ls, k] = ai[first]
        self.swap_b[k, ls] = self.swap_b[ls, k] = bi[first]

    def _candidate_pairs(self, a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(a, b) pairs with b on one of a's `SWAP_TEAMS` best teams to move to; b sorted by team."""
        m = self.inst.n_teams
        top = min(SWAP_TEAMS, m - 1)
        delta = self.I[a]  # a's own team is inf there
        best = np.argpartition(delta, top - 1, axis=1)[:, :top]
        tb = self.team[b]
        counts = np.bincount(tb, minlength=m)
        starts = np.r_[0, np.cumsum(counts)[:-1]]
        la = best.ravel()
        ar = np.repeat(a, top)
        keep = np.isfinite(delta[np.repeat(np.arange(a.size), top), la]) & (counts[la] > 0)
        la, ar = la[keep], ar[keep]
        reps = counts[la]
        ai = np.repeat(ar, reps)
        offs = np.arange(reps.sum()) - np.repeat(np.cumsum(reps) - reps, reps)
        bi = b[np.repeat(starts[la], reps) + offs]
        return ai, bi

    def swaps(self, eps: float) -> float:
        """Apply a batch of improving swaps (a on k ↔ b on l) on disjoint team pairs."""
        dirty = np.flatnonzero(self.dirty)
        self.swap_val[dirty, :] = np.inf
        self.swap_val[:, dirty] = np.inf
        for k in dirty:
            self._swap_block(int(k))
        self.dirty[:] = False
        iu = np.triu_indices(self.inst.n_teams, 1)
        vals = self.swap_val[iu]
        cand = np.flatnonzero(vals < -eps)
        if cand.size == 0:
            return 0.0
        cand = cand[np.argsort(vals[cand], kind="stable")]
        touched = np.zeros(self.inst.n_teams, dtype=bool)
        total = 0.0
        for c in cand:
            k, ll = iu[0][c], iu[1][c]
            if touched[k] or touched[ll]:
                continue
            touched[k] = touched[ll] = True
            ja, jb = self.swap_a[k, ll], self.swap_b[k, ll]
            self.team[ja], self.team[jb] = self.team[jb], self.team[ja]
            total += vals[c]
        for k in np.flatnonzero(touched):
            self._rebuild(int(k))
        return total

    def descend(self, deadline: float, eps: float, swaps: bool = True) -> None:
        """Moves until none improves, then swaps; repeat until neither improves (or deadline)."""
        while time.perf_counter() < deadline:
            if self.moves(eps) < 0:
                continue
            if not swaps or self.swaps(eps) >= 0:
                break

    def kick(self, rng: np.random.Generator, n_jobs: int) -> None:
        """Perturb: move `n_jobs` random jobs to random other eligible teams."""
        team = self.team.copy()
        for j in rng.choice(self.inst.n_jobs, size=min(n_jobs, self.inst.n_jobs), replace=False):
            options = np.flatnonzero(self.elig[j])
            options = options[options != team[j]]
            if options.size:
                team[j] = rng.choice(options)
        self.assign(team)


def local_search(inst: Instance, schedule: Schedule, *, time_limit: float = 30.0, swaps: bool = True) -> Schedule:
    """Improve an assignment by moves and swaps until none improves or `time_limit` seconds pass.

    The result is never worse than `schedule` re-evaluated in Smith order (each applied step
    strictly lowers Σ w_j C_j).
    """
    t0 = time.perf_counter()
    ls = _LocalSearch(inst, schedule.team)
    ls.descend(t0 + time_limit, _eps(ls.objective), swaps)
    method = f"{schedule.method}+ls" if schedule.method else "ls"
    seconds = schedule.seconds + time.perf_counter() - t0
    return evaluate(inst, ls.team, method=method, seconds=seconds)


def iterated_local_search(
    inst: Instance,
    schedule: Schedule,
    *,
    time_limit: float = 10.0,
    patience: int = 200,
    kick_size: int | None = None,
    seed: int = 0,
) -> Schedule:
    """Local search, then kicks (a few random moves) each followed by local search.

    A kicked solution is kept only if its local optimum is strictly better; the search stops after
    `patience` kicks without improvement or `time_limit` seconds. Deterministic for a given seed
    apart from where the time limit cuts it.
    """
    t0 = time.perf_counter()
    deadline = t0 + time_limit
    rng = np.random.default_rng(seed)
    ls = _LocalSearch(inst, schedule.team)
    eps = _eps(ls.objective)
    ls.descend(deadline, eps)
    best_team, best = ls.team.copy(), ls.objective
    size = kick_size or max(2, inst.n_jobs // 100)
    stall = 0
    while stall < patience and time.perf_counter() < deadline:
        ls.kick(rng, size)
        ls.descend(deadline, eps)
        if ls.objective < best - eps:
            best_team, best, stall = ls.team.copy(), ls.objective, 0
        else:
            ls.assign(best_team)
            stall += 1
    method = f"{schedule.method}+ils" if schedule.method else "ils"
    seconds = schedule.seconds + time.perf_counter() - t0
    return evaluate(inst, best_team, method=method, seconds=seconds)


def _eps(value: float) -> float:
    """Smallest change counted as an improvement: guards against cycling on rounding noise."""
    return 1e-12 * max(abs(value), 1e-300)


def plan(inst: Instance, *, time_limit: float = 10.0, patience: int = 200, seed: int = 0) -> Schedule:
    """List scheduling, then iterated local search within `time_limit` seconds."""
    return iterated_local_search(inst, list_schedule(inst), time_limit=time_limit, patience=patience, seed=seed)
