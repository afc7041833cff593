"""Certified lower bounds on Σ w_j C_j for R|M_j|Σ w_j C_j.

Every plan reports its objective, a lower bound that no schedule can beat, and the gap between
them (issue 3). Two bounds:

* `trivial_bound`: every job alone on its fastest eligible team, Σ_j w_j min_k p_jk.
* `cqp_bound`: Skutella's convex quadratic programming relaxation for unrelated machines
  (M. Skutella, "Convex quadratic and semidefinite programming relaxations in scheduling",
  J. ACM 48(2), 2001). With x_jk ≥ 0, Σ_k x_jk = 1 (x_jk = 0 where ineligible)::

      minimise  f(x) = ½ Σ_jk w_j p_jk x_jk + ½ Σ_k x_k^T D_k x_k

  where (D_k)_jl = w_j p_lk if l precedes j in team k's Smith order (w/p non-increasing), and
  (D_k)_jj = w_j p_jk. At a 0/1 assignment f equals Σ w_j C_j of the Smith-ordered schedule, so the
  relaxation's optimum is ≤ OPT. Writing y_jk = p_jk x_jk and ρ_jk = w_j / p_jk,
  x_k^T D_k x_k = Σ_jl min(ρ_jk, ρ_lk) y_jk y_lk = Σ_i (ρ_(i) − ρ_(i+1)) S_i², with S_i the work of
  the i first jobs in Smith order: a sum of squares (so f is convex on all of R^{n×m}) whose value
  and gradient take O(nm log n) with prefix sums.

Diagonal strengthening. At 0/1 points x_jk = x_jk², so any δ_jk p_jk² (x_jk − x_jk²) may be added
without changing f there; it stays convex while K_k − diag(δ_k) ⪰ 0, K_k the min-kernel matrix
above. K_k is the covariance of a Brownian motion observed at the ratios ρ, so K_k⁻¹ is
tridiagonal; its unit-diagonal scaling N has eigenvalues in (0, 2) (the off-diagonal part of a
tridiagonal matrix has a spectrum symmetric about 0), hence K_k ⪰ ½ diag(1/(K_k⁻¹)_jj), and
1/(K_k⁻¹)_jj is the Brownian-bridge variance (ρ_(i−1) − ρ_(i))(ρ_(i) − ρ_(i+1))/(ρ_(i−1) − ρ_(i+1))
(ρ_(1) − ρ_(2) for the first job; ρ_(n+1) = 0). δ = 0.49 × that variance: a small but free gain,
largest where few jobs share a team.

The CQP is solved approximately with an accelerated projected gradient method (FISTA with
backtracking and adaptive restart; each job's row is projected onto its simplex of eligible
teams). The reported bound does not trust the solver: for ANY point x, convexity gives

      f(x*) ≥ f(x) + ∇f(x)·(x* − x) ≥ f(x) − ∇f(x)·x + Σ_j min_{k ∈ M_j} ∇f(x)_jk

(the Frank–Wolfe duality gap / Lagrangian dual value at multipliers λ_j = min_k ∇f_jk), so the
certificate is valid at every iterate however inaccurate, and tends to the relaxation optimum as x
does. A relative margin of 1e-9 is subtracted to cover floating-point rounding in evaluating it.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from landrelease.planning.instance import Instance

#: Relative margin subtracted from every certificate to cover rounding in its evaluation.
SAFETY = 1e-9
#: Share θ ≤ ½ of each job's conditional variance moved from the quadratic to the linear term.
STRENGTHEN = 0.49


@dataclass(frozen=True)
class Bound:
    """A lower bound on Σ w_j C_j over all feasible schedules.

    `value` is certified: max of the trivial bound and the CQP certificate. `relaxation_value` is
    f at the solver's last point (≥ the relaxation optimum), so `relaxation_value − cqp` says how
    far the certificate is from the best this relaxation can give.
    """

    value: float
    trivial: float
    cqp: float
    relaxation_value: float
    iterations: int
    seconds: float
    x: np.ndarray | None = None  # the solver's last point (fractional assignment), if any

    def gap(self, objective: float) -> float:
        """Relative gap (objective − bound) / objective; 0 when both are 0."""
        return 0.0 if objective <= 0 else (objective - self.value) / objective


def trivial_bound(inst: Instance) -> float:
    """Σ_j w_j min_k p_jk: each job finishes no earlier than its own fastest processing time.

    Less the same rounding margin as the CQP certificate, so it is safe to compare with an
    objective summed in another order.
    """
    return float(inst.weight @ inst.p.min(axis=1)) * (1.0 - SAFETY)


class CQP:
    """Skutella's convex quadratic relaxation of one instance: value, gradient, certificate."""

    def __init__(self, inst: Instance, *, strengthen: bool = True) -> None:
        self.inst = inst
        self.mask = inst.eligible
        self.pf = np.where(self.mask, inst.p, 0.0)
        w = inst.weight
        rho = np.where(self.mask, w[:, None] / np.where(self.mask, inst.p, 1.0), 0.0)
        n = inst.n_jobs
        # Smith order per team: ρ non-increasing; ties by job index (any tie order is equivalent).
        self.perm = np.lexsort((np.broadcast_to(np.arange(n)[:, None], rho.shape), -rho), axis=0)
        rs = np.take_along_axis(rho, self.perm, axis=0)
        below = np.r_[rs[1:], np.zeros((1, rs.shape[1]))]
        self.drho = rs - below  # ≥ 0: rs is sorted
        self.pf_sorted = np.take_along_axis(self.pf, self.perm, axis=0)
        self.lin = 0.5 * w[:, None] * self.pf  # ∂(½ Σ w p x)/∂x
        self.delta = np.zeros_like(rs)  # diagonal strengthening, in sorted order
        if strengthen:
            above = np.r_[np.full((1, rs.shape[1]), np.inf), rs[:-1]]
            with np.errstate(invalid="ignore", divide="ignore"):
                var = np.where(np.isinf(above), rs - below, (above - rs) * (rs - below) / (above - below))
            self.delta = STRENGTHEN * np.nan_to_num(var, nan=0.0, posinf=0.0)
            delta = np.empty_like(self.delta)
            np.put_along_axis(delta, self.perm, self.delta, axis=0)
            self.lin = self.lin + 0.5 * delta * self.pf**2

    def value(self, x: np.ndarray) -> float:
        ys = self.pf_sorted * np.take_along_axis(x, self.perm, axis=0)
        s = np.cumsum(ys, axis=0)
        quad = float(np.sum(self.drho * s * s)) - float(np.sum(self.delta * ys * ys))
        return float(np.sum(self.lin * x)) + 0.5 * quad

    def value_grad(self, x: np.ndarray) -> tuple[float, np.ndarray]:
        ys = self.pf_sorted * np.take_along_axis(x, self.perm, axis=0)
        s = np.cumsum(ys, axis=0)
        t = self.drho * s
        dy = self.delta * ys
        quad = float(np.sum(t * s)) - float(np.sum(dy * ys))
        g_sorted = self.pf_sorted * (np.cumsum(t[::-1], axis=0)[::-1] - dy)
        grad = np.empty_like(x)
        np.put_along_axis(grad, self.perm, g_sorted, axis=0)
        grad += self.lin
        return float(np.sum(self.lin * x)) + 0.5 * quad, grad

    def certificate(self, x: np.ndarray, f: float, grad: np.ndarray) -> float:
        """f(x) − ∇f·x + Σ_j min_{k∈M_j} ∇f_jk, minus the rounding margin: ≤ the CQP optimum."""
        gx = float(np.sum(grad * x))
        gmin = np.where(self.mask, grad, np.inf).min(axis=1)
        lin = float(gmin.sum())
        value = f - gx + lin
        return value - SAFETY * (abs(f) + abs(gx) + float(np.abs(gmin).sum()))

    def project(self, v: np.ndarray) -> np.ndarray:
        """Row-wise Euclidean projection onto {x ≥ 0, Σ_k x_jk = 1, x_jk = 0 if ineligible}."""
        vm = np.where(self.mask, v, -np.inf)
        u = -np.sort(-vm, axis=1)
        fin = np.isfinite(u)
        uf = np.where(fin, u, 0.0)
        css = np.cumsum(uf, axis=1)
        r = np.arange(1, v.shape[1] + 1)
        cond = fin & (uf - (css - 1.0) / r > 0)
        rho = cond.sum(axis=1)
        theta = (css[np.arange(v.shape[0]), rho - 1] - 1.0) / rho
        return np.where(self.mask, np.maximum(v - theta[:, None], 0.0), 0.0)

    def proportional_start(self) -> np.ndarray:
        """x_jk ∝ 1/p_jk over eligible teams: every team's speed for that job."""
        speed = np.where(self.mask, 1.0 / np.where(self.mask, self.inst.p, 1.0), 0.0)
        return speed / speed.sum(axis=1, keepdims=True)


def cqp_bound(
    inst: Instance,
    *,
    time_limit: float = 10.0,
    rel_tol: float = 1e-4,
    max_iter: int = 100_000,
    x0: np.ndarray | None = None,
    check_every: int = 10,
) -> Bound:
    """Certified lower bound from Skutella's CQP by accelerated projected gradient.

    Stops when the certificate is within `rel_tol` of f at the current point (so within `rel_tol`
    of the relaxation optimum), after `max_iter` iterations, or after `time_limit` seconds. The
    certificate needs a gradient at the iterate, so it is taken every `check_every` iterations.
    """
    t0 = time.perf_counter()
    q = CQP(inst)
    triv = trivial_bound(inst)
    start = q.proportional_start() if x0 is None else np.asarray(x0, dtype=float)
    x, _, _, best_cert, best_f, it = fista(
        q, start, time_limit=time_limit, rel_tol=rel_tol, max_iter=max_iter, check_every=check_every
    )
    return Bound(
        value=max(triv, best_cert),
        trivial=triv,
        cqp=best_cert,
        relaxation_value=best_f,
        iterations=it,
        seconds=time.perf_counter() - t0,
        x=x,
    )


def windowed_bound(
    inst: Instance,
    *,
    release: np.ndarray | None = None,
    capacity: np.ndarray | None = None,
    target: float | None = None,
    time_limit: float = 10.0,
    rounds: int = 12,
) -> Bound:
    """Skutella's CQP bound with team release dates and team capacities (deployment windows).

    Team k may not start before `release[k]` and may take at most `capacity[k]` units of work in
    all (inf = no limit). Both are valid strengthenings for schedules that respect them:

    * release: every job on team k ends at ≥ release[k] + its Smith-order completion on k, so the
      linear term Σ_jk w_j release[k] x_jk is added to f (still exact at 0/1 points, still convex);
    * capacity, by Lagrangian relaxation: for any μ ≥ 0 and any feasible assignment x,
      f(x) ≥ f(x) + Σ_k μ_k (Σ_j p_jk x_jk − capacity_k), so the certified minimum of that convex
      function over the relaxation, minus nothing more, is ≤ OPT. μ is tuned by projected
      subgradient steps (Polyak steps towards `target`, an upper bound such as the plan's objective,
      if given); every round's certificate is valid, the best is kept.
    """
    t0 = time.perf_counter()
    deadline = t0 + time_limit
    q = CQP(inst)
    base_lin = q.lin.copy()
    w = inst.weight
    pf = q.pf
    if release is not None:
        base_lin = base_lin + w[:, None] * np.asarray(release, float)[None, :] * q.mask
    cap = None if capacity is None else np.asarray(capacity, float)
    limited = np.zeros(inst.n_teams, bool) if cap is None else np.isfinite(cap)
    mu = np.zeros(inst.n_teams)
    # the trivial bound with release dates: each job alone, started at its team's release
    rel = np.zeros(inst.n_teams) if release is None else np.asarray(release, float)
    triv = float(w @ np.where(q.mask, inst.p + rel[None, :], np.inf).min(axis=1)) * (1.0 - SAFETY)
    x = q.proportional_start()
    best, best_f, it, theta = -np.inf, np.inf, 0, 1.0
    n_rounds = rounds if limited.any() else 1
    for r in range(n_rounds):
        q.lin = base_lin + mu[None, :] * pf
        remaining = deadline - time.perf_counter()
        if r > 0 and remaining <= 0:
            break
        # the first solve (μ = 0) gets half the time: later rounds start from its point
        share = 0.5 * time_limit if r == 0 and n_rounds > 1 else remaining / (n_rounds - r)
        x, fx, gx, _, f_best, k = fista(q, x, time_limit=max(0.2, share), rel_tol=1e-5)
        it += k
        cert = q.certificate(x, fx, gx)
        if limited.any():
            cert -= float(mu[limited] @ cap[limited]) * (1.0 + SAFETY)
        if cert > best:
            best, best_f = cert, f_best
        else:
            theta *= 0.5
        if not limited.any():
            break
        # subgradient of the dual at μ: load − capacity on the limited teams
        load = (pf * x).sum(axis=0)
        sub = np.where(limited, load - np.where(limited, cap, 0.0), 0.0)
        norm = float(sub @ sub)
        if norm <= 0:
            break
        gap = (target - cert) if target is not None and target > cert else abs(cert) * 0.01 + 1e-9
        mu = np.maximum(0.0, mu + theta * gap / norm * sub)
    return Bound(
        value=max(triv, best),
        trivial=triv,
        cqp=best,
        relaxation_value=best_f,
        iterations=it,
        seconds=time.perf_counter() - t0,
        x=x,
    )


def project_rows(v: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Row-wise Euclidean projection onto {x ≥ 0, Σ x = 1, x = 0 off `mask`}."""
    vm = np.where(mask, v, -np.inf)
    u = -np.sort(-vm, axis=1)
    fin = np.isfinite(u)
    uf = np.where(fin, u, 0.0)
    css = np.cumsum(uf, axis=1)
    r = np.arange(1, v.shape[1] + 1)
    cond = fin & (uf - (css - 1.0) / r > 0)
    rho = cond.sum(axis=1)
    theta = (css[np.arange(v.shape[0]), rho - 1] - 1.0) / rho
    return np.where(mask, np.maximum(v - theta[:, None], 0.0), 0.0)


def fista(
    q,
    x: np.ndarray,
    *,
    time_limit: float,
    rel_tol: float,
    max_iter: int = 100_000,
    check_every: int = 10,
    scale: np.ndarray | None = None,
):
    """Accelerated projected gradient on a CQP object (value, value_grad, certificate, project, lin, mask).

    `scale` (n,) is a per-row metric: the step on job j's row is −∇_j / (L · scale_j), and the
    backtracking test uses the same weighted norm, so the quadratic model stays an upper bound
    (FISTA in a fixed diagonal metric; the projection is still row-wise Euclidean because the metric is
    constant on each row). It equalises the very different curvatures of the jobs (w_j p_jk spans
    orders of magnitude). Returns (x, f(x), ∇f(x), best restricted certificate, best f, iterations).
    """
    t0 = time.perf_counter()
    sc = np.ones((x.shape[0], 1)) if scale is None else np.asarray(scale, float)[:, None]
    x = q.project(x)
    fx, gx = q.value_grad(x)
    best_cert = q.certificate(x, fx, gx)
    best_f = fx
    v = q.mask * np.random.default_rng(0).random(x.shape)
    lip = 1.0
    rs = 1.0 / np.sqrt(sc)
    for _ in range(8):  # power iteration on S^{-1/2} H S^{-1/2}
        _, gv = q.value_grad(v * rs)
        hv = (gv - q.lin) * rs
        lip = float(np.linalg.norm(hv) / max(np.linalg.norm(v), 1e-300))
        v = hv / max(np.linalg.norm(hv), 1e-300)
    lip = max(lip, 1e-12)
    z, fz, gz = x, fx, gx
    t = 1.0
    it = 0
    while it < max_iter:
        it += 1
        while True:
            x_new = q.project(z - gz / (lip * sc))
            f_new = q.value(x_new)
            d = x_new - z
            model = fz + float(np.sum(gz * d)) + 0.5 * lip * float(np.sum(sc * d * d))
            if f_new <= model + 1e-12 * abs(fz):
                break
            lip *= 2.0
        best_f = min(best_f, f_new)
        if f_new > fx:
            t = 1.0
            if gx is None:
                fx, gx = q.value_grad(x)
            z, fz, gz = x, fx, gx
        else:
            t_new = 0.5 * (1.0 + np.sqrt(1.0 + 4.0 * t * t))
            z = x_new + ((t - 1.0) / t_new) * (x_new - x)
            x, fx, gx, t = x_new, f_new, None, t_new
            fz, gz = q.value_grad(z)
            lip *= 0.95
        out_of_time = time.perf_counter() - t0 > time_limit
        if it % check_every == 0 or out_of_time or it == max_iter:
            if gx is None:
                fx, gx = q.value_grad(x)
            best_cert = max(best_cert, q.certificate(x, fx, gx))
            if best_f - best_cert <= rel_tol * abs(best_f) or out_of_time:
                break
    if gx is None:
        fx, gx = q.value_grad(x)
    return x, fx, gx, best_cert, best_f, it
