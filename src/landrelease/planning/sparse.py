"""National scale: R|M_j|Σ w_j C_j with ~10⁵ areas × ~10³ teams on a sparse candidate-team layout.

A dense processing-time matrix at 100,000 areas × 1,000 teams is 10⁸ entries (800 MB per float
array, and the local search keeps several). Here each job keeps `width` *candidate* teams in
fixed-width rows (``cand[j, s]`` team, ``p[j, s]`` days; ``-1``/``inf`` pad a row), chosen per
team group (team type, or any grouping the caller gives) so that every kind of team stays in
reach of every job it can work: within each group, the fastest teams for that job after a random
log-normal jitter (the jitter spreads jobs over near-equal teams instead of piling every job on the
one fastest team). The plan (list scheduling, local search) uses only candidates.

The *problem* is still the full one: `SparseInstance.times(rows, cols)` gives ``p[j, k]`` for any
pair (inf = ineligible) without storing the matrix, and both lower bounds here are certified for the
full problem. `grouped_bound` (times of the form area / (rate × speed), as in the core family):
merge each group of teams into one machine, see its docstring; O(n × groups), the one used at
10⁵ × 10³. `sparse_bound` (any times): Skutella's convex quadratic relaxation (bound.py) is solved restricted
to the candidates by the same accelerated projected gradient, and its certificate
``f(x) − ∇f(x)·x + Σ_j min_{k ∈ M_j} ∇f(x)_jk`` is then evaluated with the minimum over **all**
eligible teams, not only the candidates. ∇f at a pair (j, k) that carries no work is
``½ w_j p_jk + p_jk Σ_l min(ρ_jk, ρ_lk) y_lk`` (ρ = w/p, y = p x): a piecewise-linear function
of ρ_jk evaluated for all jobs of one team with a binary search in that team's candidate list,
so pricing the 10⁸ pairs costs O(n m log) time in team blocks and O(n) memory. Because the
relaxation is convex on all of R^{n×m} (bound.py), this value is a valid lower bound on the full
relaxation, hence on every schedule — including schedules that use non-candidate teams. The
diagonal strengthening of bound.py depends on every job's ratio on a team, so it is not used here
(its gain is negligible with ~10² jobs per team).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from landrelease.errors import ValidationError
from landrelease.planning.bound import CQP, SAFETY, Bound, fista, project_rows
from landrelease.planning.capacity import N_CLASSES, TEAM_TYPES, Productivity
from landrelease.planning.instance import Instance, Jobs, Teams, core_jobs_teams
from landrelease.planning.schedule import Schedule

#: Rows of jobs handled at once when a block of the full matrix is needed.
ROW_BLOCK = 2048
#: Teams priced at once in the full certificate.
TEAM_BLOCK = 32

Times = Callable[[np.ndarray, np.ndarray], np.ndarray]


@dataclass(frozen=True)
class SparseInstance:
    """Candidate teams per job (fixed-width rows), their processing times, weights, and the full problem.

    `times(rows, cols)` → (len(rows), len(cols)) processing times of the FULL problem (inf =
    ineligible); candidates are a subset of the eligible pairs with the same times.
    """

    cand: np.ndarray  # (n, width) team index, -1 = padding
    p: np.ndarray  # (n, width) days, inf = padding
    weight: np.ndarray
    n_teams: int
    times: Times

    def __post_init__(self) -> None:
        cand = np.asarray(self.cand, dtype=np.int64)
        p = np.asarray(self.p, dtype=float)
        w = np.asarray(self.weight, dtype=float)
        if cand.ndim != 2 or p.shape != cand.shape or w.shape != (cand.shape[0],):
            raise ValidationError(f"cand and p must be (n_jobs, width), weight (n_jobs,): {cand.shape}, {p.shape}")
        valid = cand >= 0
        if (cand >= self.n_teams).any():
            raise ValidationError("a candidate team index is out of range")
        if not valid.any(axis=1).all():
            raise ValidationError(f"job {int(np.argmax(~valid.any(axis=1)))} has no candidate team")
        if not (np.isfinite(p) == valid).all() or (p[valid] <= 0).any():
            raise ValidationError("candidate processing times must be finite and > 0 (inf only on padding)")
        if not np.isfinite(w).all() or (w < 0).any():
            raise ValidationError("weights must be finite and ≥ 0")
        srt = np.sort(np.where(valid, cand, -1 - np.arange(cand.shape[1])[None, :]), axis=1)
        if (srt[:, 1:] == srt[:, :-1]).any():
            raise ValidationError("a job lists the same candidate team twice")
        object.__setattr__(self, "cand", cand)
        object.__setattr__(self, "p", p)
        object.__setattr__(self, "weight", w)

    @property
    def n_jobs(self) -> int:
        return self.cand.shape[0]

    @property
    def width(self) -> int:
        return self.cand.shape[1]

    @property
    def valid(self) -> np.ndarray:
        return self.cand >= 0

    def by_team(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """CSC view: for team k, entries ptr[k]:ptr[k+1] of (row, slot) are its candidate jobs."""
        flat = np.where(self.valid, self.cand, self.n_teams).ravel()
        order = np.argsort(flat, kind="stable")
        counts = np.bincount(flat, minlength=self.n_teams + 1)[: self.n_teams]
        ptr = np.r_[0, np.cumsum(counts)]
        order = order[: ptr[-1]]
        return ptr, order // self.width, order % self.width

    def dense(self) -> Instance:
        """The full problem as a dense `Instance` (small instances and tests only)."""
        return Instance(p=self.times(np.arange(self.n_jobs), np.arange(self.n_teams)), weight=self.weight)

    def restricted(self) -> Instance:
        """The candidate restriction as a dense `Instance` (small instances and tests only)."""
        p = np.full((self.n_jobs, self.n_teams), np.inf)
        rows = np.broadcast_to(np.arange(self.n_jobs)[:, None], self.cand.shape)
        p[rows[self.valid], self.cand[self.valid]] = self.p[self.valid]
        return Instance(p=p, weight=self.weight)


def select_candidates(
    times: Times, n_jobs: int, group: np.ndarray, width: int, *, seed: int = 0, jitter: float = 0.5
) -> tuple[np.ndarray, np.ndarray]:
    """Per job, `width` candidate teams split evenly over the team groups; within a group the
    eligible teams with the smallest p × lognormal(0, `jitter`). Deterministic in `seed`."""
    group = np.asarray(group, dtype=np.int64)
    m = group.shape[0]
    groups = np.unique(group)
    quota = np.full(groups.size, width // groups.size)
    quota[: width - quota.sum()] += 1
    rng = np.random.default_rng(seed)
    cand = np.full((n_jobs, width), -1, dtype=np.int64)
    pc = np.full((n_jobs, width), np.inf)
    cols = np.arange(m)
    for lo in range(0, n_jobs, ROW_BLOCK):
        rows = np.arange(lo, min(n_jobs, lo + ROW_BLOCK))
        p = times(rows, cols)
        score = p * rng.lognormal(0.0, jitter, p.shape) if jitter > 0 else p
        at = 0
        for g, q in zip(groups, quota, strict=True):
            gcols = np.flatnonzero(group == g)
            q = int(min(q, gcols.size))
            if q == 0:
                continue
            sg = score[:, gcols]
            if q < gcols.size:
                pick = np.argpartition(sg, q - 1, axis=1)[:, :q]
            else:
                pick = np.tile(np.arange(q), (rows.size, 1))
            teams = gcols[pick]
            pt = np.take_along_axis(p[:, gcols], pick, axis=1)
            ok = np.isfinite(pt)
            cand[rows, at : at + q] = np.where(ok, teams, -1)
            pc[rows, at : at + q] = np.where(ok, pt, np.inf)
            at += q
    # Pack each row's valid entries to the left (the order inside a row has no meaning).
    key = np.argsort(cand < 0, axis=1, kind="stable")
    cand = np.take_along_axis(cand, key, axis=1)
    pc = np.take_along_axis(pc, key, axis=1)
    keep = int((cand >= 0).sum(axis=1).max())
    return cand[:, :keep], pc[:, :keep]


def from_dense(inst: Instance, width: int, *, group: np.ndarray | None = None, seed: int = 0) -> SparseInstance:
    """A sparse view of a dense instance (one group by default: the `width` fastest-with-jitter)."""

    def times(rows, cols, _p=inst.p):
        return _p[np.ix_(rows, cols)]

    g = np.zeros(inst.n_teams, np.int64) if group is None else group
    cand, p = select_candidates(times, inst.n_jobs, g, min(width, inst.n_teams), seed=seed)
    return SparseInstance(cand, p, inst.weight, inst.n_teams, times)


@dataclass(frozen=True)
class FactoredTimes:
    """p[j, k] = area_j / (rate[type_k, class_j] × speed_k); inf if the rate is 0 or a capability is missing."""

    area: np.ndarray
    land_class: np.ndarray
    required: np.ndarray
    type_index: np.ndarray
    speed: np.ndarray
    capabilities: np.ndarray
    rates: np.ndarray  # (len(TEAM_TYPES), N_CLASSES)

    def __call__(self, rows, cols) -> np.ndarray:
        rate = self.rates[self.type_index[cols][None, :], self.land_class[rows][:, None]] * self.speed[cols][None, :]
        ok = (rate > 0) & ((self.required[rows][:, None] & ~self.capabilities[cols][None, :]) == 0)
        with np.errstate(divide="ignore"):
            return np.where(ok, self.area[rows][:, None] / np.where(ok, rate, 1.0), np.inf)


def sparse_instance(
    jobs: Jobs, teams: Teams, productivity: Productivity | None = None, *, width: int = 32, seed: int = 0
) -> SparseInstance:
    """Jobs × teams with `width` candidates per job, spread over the team types."""
    prod = productivity or Productivity.default()
    rates = np.zeros((len(TEAM_TYPES), N_CLASSES))
    used = sorted(set(int(t) for t in teams.type_index))
    rates[used] = prod.rate_matrix([TEAM_TYPES[t] for t in used])
    if ((jobs.land_class < 0) | (jobs.land_class >= N_CLASSES)).any():
        raise ValidationError("land class must be 0–3")
    if (jobs.area <= 0).any() or not np.isfinite(jobs.area).all():
        raise ValidationError("areas must be finite and > 0 m²")
    if (teams.speed <= 0).any() or not np.isfinite(teams.speed).all():
        raise ValidationError("team speed factors must be finite and > 0")
    times = FactoredTimes(
        jobs.area, jobs.land_class, jobs.required, teams.type_index, teams.speed, teams.capabilities, rates
    )
    cand, p = select_candidates(times, len(jobs.area), teams.type_index, width, seed=seed)
    return SparseInstance(cand, p, jobs.weight, len(teams.type_index), times)


def core_sparse(n_areas: int, n_teams: int, seed: int, *, width: int = 32) -> SparseInstance:
    """The core benchmark family (instance.core_family, same draws) on the candidate layout."""
    return sparse_instance(*core_jobs_teams(n_areas, n_teams, seed), width=width, seed=seed)


# --------------------------------------------------------------------------- schedules


def sparse_evaluate(sp: SparseInstance, slot: np.ndarray, *, method: str = "", seconds: float = 0.0) -> Schedule:
    """The schedule of a candidate assignment (`slot[j]` indexes job j's row), every team in Smith order."""
    slot = np.asarray(slot, dtype=np.int64)
    n = sp.n_jobs
    jobs = np.arange(n)
    if slot.shape != (n,) or (slot < 0).any() or (slot >= sp.width).any():
        raise ValidationError("an assignment gives one candidate slot per job")
    team = sp.cand[jobs, slot]
    if (team < 0).any():
        raise ValidationError(f"job {int(np.argmax(team < 0))} is on a padding slot")
    p = sp.p[jobs, slot]
    order = np.lexsort((jobs, -sp.weight / p, team))
    ps = p[order]
    csum = np.cumsum(ps)
    ts = team[order]
    first = np.r_[True, ts[1:] != ts[:-1]]
    offset = np.maximum.accumulate(np.where(first, csum - ps, 0.0))
    end = np.empty(n)
    end[order] = csum - offset
    return Schedule(team, end - p, end, float(sp.weight @ end), method, seconds)


def slots_of(sp: SparseInstance, team: np.ndarray) -> np.ndarray:
    """Candidate slot of each job's team (ValidationError if a team is not among its candidates)."""
    hit = sp.cand == np.asarray(team)[:, None]
    if not hit.any(axis=1).all():
        raise ValidationError(f"job {int(np.argmax(~hit.any(axis=1)))} is on a team outside its candidates")
    return hit.argmax(axis=1)


def sparse_list_schedule(sp: SparseInstance) -> Schedule:
    """Smith-ratio list scheduling (w / min p, non-increasing), each job to its earliest-finishing candidate."""
    t0 = time.perf_counter()
    pmin = sp.p.min(axis=1)
    order = np.lexsort((np.arange(sp.n_jobs), -sp.weight / pmin))
    load = np.zeros(sp.n_teams + 1)  # last entry: padding, never chosen (p = inf)
    cand = np.where(sp.valid, sp.cand, sp.n_teams)
    slot = np.empty(sp.n_jobs, dtype=np.int64)
    for j in order.tolist():
        c = cand[j]
        finish = load[c] + sp.p[j]
        s = int(np.argmin(finish))
        slot[j] = s
        load[c[s]] = finish[s]
    return sparse_evaluate(sp, slot, method="list", seconds=time.perf_counter() - t0)


def sparse_spreadsheet_rule(sp: SparseInstance) -> Schedule:
    """Reference: strict priority order by weight, each area to the next free eligible team (full eligibility)."""
    t0 = time.perf_counter()
    n = sp.n_jobs
    order = np.lexsort((np.arange(n), -sp.weight))
    free = np.zeros(sp.n_teams)
    team = np.empty(n, dtype=np.int64)
    start = np.empty(n)
    end = np.empty(n)
    cols = np.arange(sp.n_teams)
    for lo in range(0, n, ROW_BLOCK):
        rows = order[lo : lo + ROW_BLOCK]
        p = sp.times(rows, cols)
        for i, j in enumerate(rows.tolist()):
            k = int(np.argmin(np.where(np.isfinite(p[i]), free, np.inf)))
            team[j] = k
            start[j] = free[k]
            end[j] = free[k] = free[k] + p[i, k]
    return Schedule(team, start, end, float(sp.weight @ end), "spreadsheet", time.perf_counter() - t0)


class _SparseLocalSearch:
    """Moves of one job to another candidate team, exact deltas, each team in Smith order.

    The same algebra as schedule._LocalSearch (insertion cost I, removal change R) on (n, width)
    arrays; rebuilding team k touches only the jobs that list k as a candidate (CSC view), so a
    round costs O(n · width) however many teams there are.
    """

    def __init__(self, sp: SparseInstance, slot: np.ndarray) -> None:
        self.sp = sp
        self.w = sp.weight
        valid = sp.valid
        pf = np.where(valid, sp.p, 0.0)
        with np.errstate(divide="ignore"):
            key = np.where(valid, -sp.weight[:, None] / sp.p, np.inf)
        self.slot = np.array(slot, dtype=np.int64)
        rows = np.arange(sp.n_jobs)
        self.team = sp.cand[rows, self.slot].copy()
        ptr, erow, eslot = sp.by_team()
        # Static per-team entry lists, each team's in Smith order (key, then job): the jobs on the
        # team are the entries whose job is there, already in order, so a rebuild needs no sort
        # and no search — an entry's insertion point is the count of the team's jobs before it.
        flat = erow * sp.width + eslot
        team_of = np.repeat(np.arange(sp.n_teams), np.diff(ptr))
        order = np.lexsort((erow, key.ravel()[flat], team_of))
        self.ptr = ptr
        self.erow = erow[order]
        self.eflat = flat[order]
        self.ep = pf.ravel()[self.eflat]
        self.ew = sp.weight[self.erow]
        self.I = np.full(sp.p.size, np.inf)
        self.R = np.zeros(sp.n_jobs)
        self.cost = np.zeros(sp.n_teams)
        for k in range(sp.n_teams):
            self._rebuild(k)

    @property
    def objective(self) -> float:
        return float(self.cost.sum())

    def _rebuild(self, k: int) -> None:
        a, b = self.ptr[k], self.ptr[k + 1]
        rows = self.erow[a:b]
        pc = self.ep[a:b]
        wc = self.ew[a:b]
        on = self.team[rows] == k
        cum_p = np.r_[0.0, np.cumsum(np.where(on, pc, 0.0))]  # work of the team's jobs up to each entry
        cum_w = np.r_[0.0, np.cumsum(np.where(on, wc, 0.0))]
        total_w = cum_w[-1]
        pp, ww = pc[on], wc[on]
        end = cum_p[1:][on]
        self.cost[k] = float(ww @ end)
        self.R[rows[on]] = -(ww * end + pp * (total_w - cum_w[1:][on]))
        col = wc * (cum_p[:-1] + pc) + pc * (total_w - cum_w[:-1])
        col[on] = np.inf  # already there: not a move
        self.I[self.eflat[a:b]] = col

    def moves(self, eps: float) -> float:
        """Apply a batch of improving moves on disjoint team pairs; return the total change."""
        delta = self.R[:, None] + self.I.reshape(self.sp.p.shape)
        best = np.argmin(delta, axis=1)
        gain = delta[np.arange(delta.shape[0]), best]
        cand = np.flatnonzero(gain < -eps)
        if cand.size == 0:
            return 0.0
        cand = cand[np.argsort(gain[cand], kind="stable")]
        dst_all = self.sp.cand[cand, best[cand]]
        touched: set[int] = set()
        total = 0.0
        m = self.sp.n_teams
        for j, src, dst, s, g in zip(
            cand.tolist(),
            self.team[cand].tolist(),
            dst_all.tolist(),
            best[cand].tolist(),
            gain[cand].tolist(),
            strict=True,
        ):
            if src in touched or dst in touched:
                continue
            touched.add(src)
            touched.add(dst)
            self.team[j] = dst
            self.slot[j] = s
            total += g
            if len(touched) >= m - 1:
                break
        for k in touched:
            self._rebuild(k)
        return total

    def descend(self, deadline: float, eps: float) -> int:
        rounds = 0
        while time.perf_counter() < deadline and self.moves(eps) < 0:
            rounds += 1
        return rounds


def sparse_local_search(sp: SparseInstance, schedule: Schedule, *, time_limit: float = 60.0) -> Schedule:
    """Improve an assignment by moves between candidate teams until none improves or time runs out."""
    t0 = time.perf_counter()
    ls = _SparseLocalSearch(sp, slots_of(sp, schedule.team))
    ls.descend(t0 + time_limit, 1e-12 * max(ls.objective, 1e-300))
    method = f"{schedule.method}+ls" if schedule.method else "ls"
    return sparse_evaluate(sp, ls.slot, method=method, seconds=schedule.seconds + time.perf_counter() - t0)


# --------------------------------------------------------------------------- bound


class SparseCQP:
    """Skutella's CQP (bound.py, without diagonal strengthening) restricted to the candidates.

    Entries (j, s) are laid out team by team, each team's in Smith order (ρ = w/p non-increasing),
    so the per-team prefix sums of bound.CQP become segmented cumulative sums over one flat array.
    """

    def __init__(self, sp: SparseInstance) -> None:
        self.sp = sp
        self.mask = sp.valid
        self.pf = np.where(self.mask, sp.p, 0.0)
        w = sp.weight
        rho = np.where(self.mask, w[:, None] / np.where(self.mask, sp.p, 1.0), 0.0)
        ptr, erow, eslot = sp.by_team()
        flat = erow * sp.width + eslot
        team_of = np.repeat(np.arange(sp.n_teams), np.diff(ptr))
        order = np.lexsort((erow, -rho.ravel()[flat], team_of))
        self.flat = flat[order]
        self.team_of = team_of
        self.ptr = ptr
        rs = rho.ravel()[self.flat]
        nxt = np.r_[rs[1:], 0.0]
        last = np.zeros(rs.size, dtype=bool)
        last[ptr[1:][np.diff(ptr) > 0] - 1] = True
        self.drho = rs - np.where(last, 0.0, nxt)
        self.rho_sorted = rs
        self.pf_sorted = self.pf.ravel()[self.flat]
        self.lin = 0.5 * w[:, None] * self.pf
        self.seg_start = np.repeat(ptr[:-1], np.diff(ptr))  # flat position where each entry's team begins

    def _segcumsum(self, v: np.ndarray) -> np.ndarray:
        c = np.cumsum(v)
        before = np.r_[0.0, c][self.seg_start]
        return c - before

    def _prefix(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        ys = self.pf_sorted * x.ravel()[self.flat]
        return ys, self._segcumsum(ys)

    def value(self, x: np.ndarray) -> float:
        _, s = self._prefix(x)
        return float(np.sum(self.lin * x)) + 0.5 * float(np.sum(self.drho * s * s))

    def value_grad(self, x: np.ndarray) -> tuple[float, np.ndarray]:
        _, s = self._prefix(x)
        t = self.drho * s
        # suffix sums within each team's segment
        c = np.cumsum(t)
        seg_end = np.repeat(self.ptr[1:], np.diff(self.ptr)) - 1
        suffix = c[seg_end] - c + t
        grad = np.zeros(x.size)
        grad[self.flat] = self.pf_sorted * suffix
        grad = grad.reshape(x.shape) + self.lin
        return float(np.sum(self.lin * x)) + 0.5 * float(np.sum(t * s)), grad

    def certificate(self, x: np.ndarray, f: float, grad: np.ndarray) -> float:
        """The certificate of the *restricted* relaxation (for the solver's stopping test only)."""
        gx = float(np.sum(grad * x))
        gmin = np.where(self.mask, grad, np.inf).min(axis=1)
        return f - gx + float(gmin.sum()) - SAFETY * (abs(f) + abs(gx) + float(np.abs(gmin).sum()))

    def project(self, v: np.ndarray) -> np.ndarray:
        return project_rows(v, self.mask)

    def proportional_start(self) -> np.ndarray:
        speed = np.where(self.mask, 1.0 / np.where(self.mask, self.sp.p, 1.0), 0.0)
        return speed / speed.sum(axis=1, keepdims=True)

    def full_certificate(self, x: np.ndarray, f: float, grad: np.ndarray) -> tuple[float, float, np.ndarray]:
        """(certificate over ALL eligible pairs, Σ w_j min_k p_jk over all eligible k, best team per job).

        For team k, G_k(ρ) = Σ_l min(ρ, ρ_lk) y_lk over its candidate jobs; the gradient at any
        pair is ½ w_j p_jk + p_jk G_k(w_j / p_jk).
        """
        sp = self.sp
        n = sp.n_jobs
        ys = self.pf_sorted * x.ravel()[self.flat]
        gmin = np.where(self.mask, grad, np.inf).min(axis=1)
        arg = np.where(self.mask, sp.cand, -1)[np.arange(n), np.where(self.mask, grad, np.inf).argmin(axis=1)]
        pmin = np.full(n, np.inf)
        rows = np.arange(n)
        w = sp.weight
        # Per team: its candidates in ascending ρ with prefix sums of y and ρ·y, the smallest ρ, Σ y.
        tables = []
        for k in range(sp.n_teams):
            a, b = self.ptr[k], self.ptr[k + 1]
            r_asc = self.rho_sorted[a:b][::-1]
            y_asc = ys[a:b][::-1]
            tables.append((r_asc, np.r_[0.0, np.cumsum(y_asc)], np.r_[0.0, np.cumsum(r_asc * y_asc)]))
        rho_min = np.array([t[0][0] if t[0].size else 0.0 for t in tables])
        y_tot = np.array([t[1][-1] for t in tables])
        for lo in range(0, sp.n_teams, TEAM_BLOCK):
            cols = np.arange(lo, min(sp.n_teams, lo + TEAM_BLOCK))
            p = sp.times(rows, cols)  # (n, block)
            pmin = np.minimum(pmin, p.min(axis=1))
            # Prune: G_k(ρ) ≥ min(ρ, ρ_min,k) Σ y, so pairs whose lower estimate is already ≥ the
            # job's best gradient cannot lower the minimum (inf pairs are ineligible).
            with np.errstate(invalid="ignore", divide="ignore"):
                low = 0.5 * w[:, None] * p + p * np.minimum(w[:, None] / p, rho_min[cols][None, :]) * y_tot[cols]
                live = low < gmin[:, None]
            for i in np.flatnonzero(live.any(axis=0)).tolist():
                k = int(cols[i])
                sel = np.flatnonzero(live[:, i])
                pj = p[sel, i]
                rho = w[sel] / pj
                r_asc, cy, cry = tables[k]
                idx = np.searchsorted(r_asc, rho, side="right")
                gk = 0.5 * w[sel] * pj + pj * (rho * (cy[-1] - cy[idx]) + cry[idx])
                better = gk < gmin[sel]
                gmin[sel[better]] = gk[better]
                arg[sel[better]] = k
        gx = float(np.sum(grad * x))
        value = f - gx + float(gmin.sum())
        cert = value - SAFETY * (abs(f) + abs(gx) + float(np.abs(gmin).sum()))
        return cert, float(w @ pmin) * (1.0 - SAFETY), arg


def widen(sp: SparseInstance, team: np.ndarray) -> SparseInstance:
    """`sp` with one more candidate column: `team[j]` (−1 = none) where it is not a candidate yet."""
    team = np.asarray(team, dtype=np.int64)
    add = (team >= 0) & ~(sp.cand == team[:, None]).any(axis=1)
    rows = np.flatnonzero(add)
    col_c = np.full(sp.n_jobs, -1, dtype=np.int64)
    col_p = np.full(sp.n_jobs, np.inf)
    if rows.size:
        teams = team[rows]
        for k in np.unique(teams):
            r = rows[teams == k]
            col_p[r] = sp.times(r, np.array([k]))[:, 0]
        col_c[rows] = teams
        col_c[~np.isfinite(col_p)] = -1
    return SparseInstance(np.c_[sp.cand, col_c], np.c_[sp.p, col_p], sp.weight, sp.n_teams, sp.times)


def sparse_bound(
    sp: SparseInstance, *, time_limit: float = 60.0, rel_tol: float = 1e-4, rounds: int = 3
) -> tuple[Bound, SparseInstance]:
    """Certified lower bound on Σ w_j C_j over ALL schedules of the full problem (module docstring).

    Column generation: after each solve of the restricted relaxation, every job whose best team
    under full pricing is not a candidate gets it as a new candidate (one more column), up to
    `rounds` solves. Returns the bound and the widened instance (better candidates for the plan too).
    `value` = max(Σ w min p over all eligible teams, the best full-pricing certificate);
    `relaxation_value` is the restricted relaxation's value at the last point.
    """
    t0 = time.perf_counter()
    deadline = t0 + time_limit
    q = SparseCQP(sp)
    x = q.proportional_start()
    best, triv, it = -np.inf, 0.0, 0
    for r in range(rounds):
        share = (deadline - time.perf_counter()) / (rounds - r)
        x, fx, gx, _, best_f, k = fista(q, x, time_limit=max(0.0, share * 0.8), rel_tol=rel_tol)
        it += k
        cert, triv, arg = q.full_certificate(x, fx, gx)
        best = max(best, cert)
        if r == rounds - 1 or time.perf_counter() > deadline:
            break
        wider = widen(sp, arg)
        if wider.width == sp.width or not (wider.cand[:, -1] >= 0).any():
            break
        sp = wider
        x = np.c_[x, np.zeros(sp.n_jobs)]
        q = SparseCQP(sp)
    bound = Bound(
        value=max(triv, best),
        trivial=triv,
        cqp=best,
        relaxation_value=best_f,
        iterations=it,
        seconds=time.perf_counter() - t0,
        x=x,
    )
    return bound, sp


def speed_groups(times: FactoredTimes, bins: int) -> np.ndarray:
    """Group index per team: same type and capabilities, then `bins` contiguous speed bins."""
    key = times.type_index * (1 << 32) + times.capabilities
    group = np.empty(key.shape[0], dtype=np.int64)
    g = 0
    for kk in np.unique(key):
        ks = np.flatnonzero(key == kk)
        ks = ks[np.argsort(times.speed[ks], kind="stable")]
        for part in np.array_split(ks, min(bins, ks.size)):
            group[part] = g
            g += 1
    return group


class GroupedCQP(CQP):
    """Skutella's CQP of a merged instance: every group of teams (one type and capability set,
    speeds s_k) becomes one machine; a valid lower bound on the full relaxation (see `grouped_bound`)."""

    def __init__(self, times: FactoredTimes, weight: np.ndarray, group: np.ndarray) -> None:
        n_groups = int(group.max()) + 1
        rows = np.arange(times.area.shape[0])
        first = np.array([np.flatnonzero(group == g)[0] for g in range(n_groups)])
        base = times(rows, first) * times.speed[first][None, :]  # π_jg: time at speed 1
        self.speed_sum = np.bincount(group, weights=times.speed, minlength=n_groups)
        self.speed_max = np.array([times.speed[group == g].max() for g in range(n_groups)])
        super().__init__(Instance(p=base / self.speed_sum[None, :], weight=weight), strengthen=False)
        pi = np.where(np.isfinite(base), base, 0.0)
        self.lin = self.lin + 0.5 * weight[:, None] * pi * (1.0 / self.speed_max - 1.0 / self.speed_sum)[None, :]


def grouped_bound(
    times: FactoredTimes,
    weight: np.ndarray,
    *,
    time_limit: float = 60.0,
    rel_tol: float = 1e-5,
    bins: tuple[int, ...] = (1, 2, 4, 8),
) -> Bound:
    """Certified lower bound for processing times of the form p_jk = π_jg / s_k (teams k of a
    group g share a type and capabilities and differ by a speed factor), with O(n × groups) work.

    On team k, Skutella's term is (1/s_k)[½ Σ_j w_j π_jg x_jk + ½ Σ_jl min(σ_j, σ_l) π_jg π_lg x_jk x_lk]
    with σ = w/π: the same Smith order on every team of the group. With X_jg = Σ_{k∈g} x_jk, the
    quadratic part is a perspective q(x)/s of a convex quadratic, jointly convex and 1-homogeneous,
    hence Σ_k q(x_k)/s_k ≥ q(X)/S_g (S_g = Σ s_k); the linear part is ≥ (1/max_k s_k) ½ Σ w π X. The
    resulting CQP in X (n × groups) is below the full relaxation at every point, so its certificate
    (bound.CQP's duality-gap certificate, no diagonal strengthening) is ≤ OPT. Finer groups (speed
    bins) lose less; each refinement is warm-started from the coarser solution.
    """
    t0 = time.perf_counter()
    deadline = t0 + time_limit
    best, best_f, it, x, prev = -np.inf, np.inf, 0, None, None
    for r, b in enumerate(bins):
        if r > 0 and time.perf_counter() > deadline - 1.0:
            break
        group = speed_groups(times, b)
        q = GroupedCQP(times, weight, group)
        if prev is None:
            x0 = q.proportional_start()
        else:  # spread the coarse solution over the finer groups by speed share
            old_group, old_sum = prev
            move = np.zeros((old_sum.size, q.speed_sum.size))
            np.add.at(move, (old_group, group), times.speed / old_sum[old_group])
            x0 = x @ move
        share = (deadline - time.perf_counter()) / (len(bins) - r)
        budget = share if r < len(bins) - 1 else deadline - time.perf_counter()
        x, fx, gx, cert, f_best, k = fista(q, x0, time_limit=max(0.5, budget), rel_tol=rel_tol)
        it += k
        if cert > best:
            best, best_f = cert, f_best
        prev = (group, q.speed_sum)
    triv = float(weight @ _row_min(times)) * (1.0 - SAFETY)
    return Bound(
        value=max(triv, best),
        trivial=triv,
        cqp=best,
        relaxation_value=best_f,
        iterations=it,
        seconds=time.perf_counter() - t0,
    )


def _row_min(times: Times | FactoredTimes) -> np.ndarray:
    if isinstance(times, FactoredTimes):
        n, m = times.area.shape[0], times.speed.shape[0]
    else:
        raise ValidationError("row minimum needs factored times")
    out = np.full(n, np.inf)
    rows = np.arange(n)
    for lo in range(0, m, TEAM_BLOCK * 4):
        out = np.minimum(out, times(rows, np.arange(lo, min(m, lo + TEAM_BLOCK * 4))).min(axis=1))
    return out


@dataclass(frozen=True)
class SparseResult:
    schedule: Schedule
    instance: SparseInstance  # the candidates the plan used (widened by the bound's column generation)
    bound: Bound
    seconds: float
    list_objective: float

    @property
    def objective(self) -> float:
        return self.schedule.objective

    @property
    def gap(self) -> float:
        return self.bound.gap(self.schedule.objective)


def sparse_solve(sp: SparseInstance, *, time_limit: float = 120.0, bound_share: float = 0.5) -> SparseResult:
    """Plan and certify within about `time_limit` seconds.

    With factored times (`FactoredTimes`): list scheduling and local search first (it stops at a
    local optimum, at the latest when 1 − `bound_share` of the time is used), then the grouped
    bound in the time left. Otherwise: the pricing bound with column generation first (≤
    `bound_share` of the time; it also widens the candidate lists), then list scheduling and
    relaxation rounding, local search from the better start in the remaining time.
    """
    t0 = time.perf_counter()
    deadline = t0 + time_limit
    if isinstance(sp.times, FactoredTimes):
        lst = sparse_list_schedule(sp)
        best = sparse_local_search(sp, lst, time_limit=(1.0 - bound_share) * time_limit)
        left = max(1.0, deadline - time.perf_counter())
        bound = grouped_bound(sp.times, sp.weight, time_limit=left)
        return SparseResult(best, sp, bound, time.perf_counter() - t0, lst.objective)
    bound, sp = sparse_bound(sp, time_limit=bound_share * time_limit)
    lst = sparse_list_schedule(sp)
    starts = [lst]
    if bound.x is not None and bound.x.shape == sp.p.shape:
        starts.append(sparse_evaluate(sp, bound.x.argmax(axis=1), method="cqp-round"))
    start = min(starts, key=lambda s: s.objective)
    best = sparse_local_search(sp, start, time_limit=max(0.0, deadline - time.perf_counter()))
    return SparseResult(best, sp, bound, time.perf_counter() - t0, lst.objective)
