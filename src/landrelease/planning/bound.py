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
    x = q.project(q.proportional_start() if x0 is None else np.asarray(x0, dtype=float))
    fx, gx = q.value_grad(x)
    best_cert = q.certificate(x, fx, gx)
    best_f = fx
    # Initial Lipschitz estimate from a few power iterations on the (linear) quadratic part.
    v = q.mask * np.random.default_rng(0).random(x.shape)
    lip = 1.0
    for _ in range(8):
        _, gv = q.value_grad(v)
        hv = gv - q.lin
        lip = float(np.linalg.norm(hv) / max(np.linalg.norm(v), 1e-300))
        v = hv / max(np.linalg.norm(hv), 1e-300)
    lip = max(lip, 1e-12)
    z, fz, gz = x, fx, gx
    t = 1.0
    it = 0
    while it < max_iter:
        it += 1
        while True:  # backtracking on the quadratic upper model at z
            x_new = q.project(z - gz / lip)
            f_new = q.value(x_new)
            d = x_new - z
            model = fz + float(np.sum(gz * d)) + 0.5 * lip * float(np.sum(d * d))
            if f_new <= model + 1e-12 * abs(fz):
                break
            lip *= 2.0
        best_f = min(best_f, f_new)
        if f_new > fx:  # adaptive restart (O'Donoghue & Candès 2015)
            t = 1.0
            if gx is None:
                fx, gx = q.value_grad(x)
            z, fz, gz = x, fx, gx
        else:
            t_new = 0.5 * (1.0 + np.sqrt(1.0 + 4.0 * t * t))
            z = x_new + ((t - 1.0) / t_new) * (x_new - x)
            x, fx, gx, t = x_new, f_new, None, t_new
            fz, gz = q.value_grad(z)
            lip *= 0.95  # let the step grow again
        out_of_time = time.perf_counter() - t0 > time_limit
        if it % check_every == 0 or out_of_time or it == max_iter:
            if gx is None:
                fx, gx = q.value_grad(x)
            best_cert = max(best_cert, q.certificate(x, fx, gx))
            if best_f - best_cert <= rel_tol * abs(best_f) or out_of_time:
                break
    return Bound(
        value=max(triv, best_cert),
        trivial=triv,
        cqp=best_cert,
        relaxation_value=best_f,
        iterations=it,
        seconds=time.perf_counter() - t0,
        x=x,
    )
