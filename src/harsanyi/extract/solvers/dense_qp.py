"""A dense primal-dual interior-point method for the restricted selection QP.

The canonical split (:mod:`.selection`) repeatedly solves, over a few hundred to a few
thousand atoms ``J`` and the rows ``R`` near their bound,

``min ½ xᵀPx + cᵀx``  s.t.  ``v_R − ζ ≤ A_R x ≤ v_R + ζ``,  ``Σ_{j∈L} w_j |x_j| ≤ B``,

with ``P`` dense (the Gram form of ``‖γ‖² + ‖q‖²/ζ²`` summed over *all* rows), ``L`` the
weighted atoms (``I_and(∅)`` is free) and ``ζ > 0``. With ``|x_j| ≤ t_j`` the problem is a QP
in ``(x, t)`` with inequalities only, solved by Mehrotra's predictor-corrector. Each Newton
step eliminates ``t`` exactly: the ``t``-block is diagonal plus the rank-one budget term, so
the system on ``x`` is

``H = P + A_Rᵀ (W₁ + W₂) A_R + diag_L(4 W₃ W₄ / (W₃ + W₄)) + α g gᵀ``

(``W = z/s`` of each constraint group: upper rows, lower rows, ``x ≤ t``, ``−x ≤ t``;
``g = (W₄ − W₃) w / (W₃ + W₄)`` on ``L``, ``α = W₅ / (1 + W₅ Σ w²/(W₃ + W₄))``), symmetric
positive definite, factored once per iteration by a dense Cholesky (LAPACK). A sparse
LDLᵀ of the same problem (a general conic solver) spends most of its time on the dense
``P``; this is 10–50× faster on the trained-MLP games of ``benchmarks/extraction.py``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import scipy.linalg as sla
from scipy.linalg.blas import dsyr, dsyrk

__all__ = ["STALL", "TARGET_STALL", "DenseQP", "solve_dense_qp", "step_length"]

#: Iterations without a better iterate, once the complementarity is below ``tol``, before the
#: interior point gives up. With 3, it stopped on ill-conditioned restricted QPs (cond(P) ~
#: 1e9–1e12) whose residuals rise for three or four iterations and then converge: the best
#: iterate left the budget 0.6% short of binding, a different point (docs/selection.md).
STALL = 8
#: Iterations without a better iterate, once one has converged, before the pursuit of a
#: tighter ``target`` stops. Where the target was reached on the ``n = 10`` benchmark games,
#: the complementarity fell at every iteration; where it was not, the 8 of ``STALL`` were
#: 8–16% of all the canonical split's iterations (docs/selection.md).
TARGET_STALL = 2


@dataclass
class DenseQP:
    """The restricted selection QP of one game (normalised units, ``ζ > 0``).

    ``p`` ``(k, k)``, ``c`` ``(k,)``: the objective; ``a`` ``(m, k)``: the rows ``A_R``,
    ``lo``/``hi`` ``(m,)`` their bounds; ``w`` ``(k,)``: L1 weights (0 = free atom);
    ``budget``: ``B``; ``gram``: a function returning ``A_Rᵀ diag(ω) A_R`` ``(k, k)`` for row
    weights ``ω`` ``(m,)`` (e.g. :class:`.gram.WeightedGram`), used for the Newton matrices
    instead of a BLAS ``syrk`` over ``a`` when given.
    """

    p: np.ndarray
    c: np.ndarray
    a: np.ndarray
    lo: np.ndarray
    hi: np.ndarray
    w: np.ndarray
    budget: float
    gram: Callable[[np.ndarray], np.ndarray] | None = None


@dataclass
class DenseQPSolution:
    """The result of :func:`solve_dense_qp`.

    ``x``; ``nu`` ``(m,)``: row multipliers (``> 0`` at the upper bound); ``mu``: budget
    multiplier; ``dual_slack`` ``(k,)``: per weighted atom, ``2 min(z₃, z₄) / (z₃ + z₄)`` of
    the duals of ``x ≤ t`` and ``−x ≤ t``, i.e. ``(μ w − |price|) / (μ w)`` from the interior
    point's own complementarity (near 0 on the support; 0 for free atoms); ``gap``: final relative
    complementarity; ``iterations``; ``converged``.
    """

    x: np.ndarray
    nu: np.ndarray
    mu: float
    dual_slack: np.ndarray
    gap: float
    iterations: int
    converged: bool


def step_length(s: list[np.ndarray], ds: list[np.ndarray]) -> float:
    """Return the largest ``a ∈ (0, 1]`` with ``s + a·ds ≥ 0`` in every constraint group."""
    flat, dflat = np.concatenate(s), np.concatenate(ds)
    neg = dflat < 0
    return float(min(1.0, np.min(-flat[neg] / dflat[neg], initial=np.inf)))


class _Newton:
    """The Newton system of one iterate: ``H`` factored once, solved for any right-hand side.

    Groups ``i = 0..4``: upper rows, lower rows, ``x ≤ t``, ``−x ≤ t``, budget; ``s``/``z``
    their slacks and duals, ``rp`` the primal residuals, ``rdx``/``rdt`` the dual ones.
    """

    def __init__(self, qp: DenseQP, lw: np.ndarray, s: list[np.ndarray], z: list[np.ndarray],
                 rp: list[np.ndarray], rdx: np.ndarray, rdt: np.ndarray) -> None:
        self.qp, self.lw, self.wl = qp, lw, qp.w[lw]
        self.s, self.z, self.rp, self.rdx, self.rdt = s, z, rp, rdx, rdt
        wg = [zi / si for si, zi in zip(s, z, strict=True)]
        self.wg, self.dt = wg, wg[2] + wg[3]
        self.corr = wg[4][0] / (1.0 + wg[4][0] * float(self.wl @ (self.wl / self.dt)))
        try:
            self.chol = sla.cho_factor(self._matrix(), lower=False, overwrite_a=True,
                                       check_finite=False)
        except np.linalg.LinAlgError:
            h = self._matrix()
            h[np.diag_indices_from(h)] += 1e-12 * max(1.0, float(np.abs(np.diag(h)).max()))
            self.chol = sla.cho_factor(h, lower=False, overwrite_a=True, check_finite=False)

    def _matrix(self) -> np.ndarray:
        """Return the upper triangle of ``H = P + A_Rᵀ W A_R + D + α g gᵀ`` (Fortran order).

        Only the upper triangle is read by the Cholesky factorisation, which overwrites the
        array: BLAS ``syrk`` (onto a copy of ``P``, passed as ``Pᵀ``, the same symmetric
        matrix in Fortran order, so that the copy is a plain one) and ``syr`` build it in
        place, half the time of dense sums and outer products. With ``qp.gram`` the term
        ``A_Rᵀ W A_R`` comes from it instead, and ``P`` is added to it.
        """
        qp, lw, wg = self.qp, self.lw, self.wg
        if qp.gram is not None:
            h = qp.gram(wg[0] + wg[1])
            h += qp.p
            h = h.T  # the same symmetric matrix, in Fortran order
        else:
            h = dsyrk(1.0, (qp.a * np.sqrt(wg[0] + wg[1])[:, None]).T, beta=1.0, c=qp.p.T,
                      trans=0)
        h[lw, lw] += 4.0 * wg[2] * wg[3] / self.dt
        g = np.zeros(qp.p.shape[0])
        g[lw] = (wg[3] - wg[2]) * self.wl / self.dt
        return dsyr(self.corr, g, a=h, lower=0, overwrite_a=1)

    def _t_solve(self, b: np.ndarray) -> np.ndarray:
        """``(D_t + W₅ w wᵀ)⁻¹ b`` by Sherman-Morrison."""
        y = b / self.dt
        return y - self.corr * (self.wl / self.dt) * float(self.wl @ y)

    def solve(self, rc: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray, list, list]:
        """Return ``(dx, dt, ds, dz)`` for complementarity targets ``S dz + Z ds = rc``."""
        qp, lw, wg, s, z, rp = self.qp, self.lw, self.wg, self.s, self.z, self.rp
        # dz_i = W_i (r_p,i + G_i d) + rc_i / s_i: the reduced right-hand sides
        e = [wg[i] * rp[i] + rc[i] / s[i] for i in range(5)]
        bx = -self.rdx - qp.a.T @ (e[0] - e[1])
        bx[lw] -= e[2] - e[3]
        bt = -self.rdt + e[2] + e[3] - e[4][0] * self.wl
        coupling = wg[3] - wg[2]  # H_xt = W₄ − W₃ on the weighted atoms
        rhs = bx.copy()
        rhs[lw] -= coupling * self._t_solve(bt)
        dx = sla.cho_solve(self.chol, rhs, check_finite=False)
        dt = self._t_solve(bt - coupling * dx[lw])
        adx = qp.a @ dx
        gd = [adx, -adx, dx[lw] - dt, -dx[lw] - dt, np.array([self.wl @ dt])]
        ds = [-rp[i] - gd[i] for i in range(5)]
        dz = [(rc[i] - z[i] * ds[i]) / s[i] for i in range(5)]
        return dx, dt, ds, dz


def solve_dense_qp(qp: DenseQP, *, tol: float = 1e-10, res_tol: float = 1e-8,
                   max_iter: int = 60, target: float | None = None,
                   x0: np.ndarray | None = None) -> DenseQPSolution:
    """Solve :class:`DenseQP` by Mehrotra's predictor-corrector (see the module docstring).

    Converged when the primal and dual residuals are below ``res_tol`` relative to the data
    (``max(|c|, |v_R ± ζ|, max|P|·max|x|)``) and the complementarity ``sᵀz / #constraints``
    below ``tol·(1 + |objective|)``. With a ``target`` below ``tol`` it keeps iterating towards
    that complementarity and returns the last converged iterate if it stalls first (no better
    iterate for ``TARGET_STALL`` iterations). Without any converged iterate it stops once the
    complementarity is below ``tol`` and the residuals have not improved for ``STALL``
    iterations (they stall at the conditioning of ``H`` as ``z/s`` grows), or at ``max_iter``,
    and returns the best iterate with ``converged=False``. The callers finish exactly by an
    active-set polish, so the iterate only has to identify the active set. ``x0``: a starting
    point instead of ``0`` (the canonical split's rounds start from the LP vertex, then from
    the previous round's point: 15-30% fewer iterations on the benchmark games); ``t`` starts
    at ``|x0|`` plus half the budget's spare share, and every slack at least at ``1e-2``.

    >>> qp = DenseQP(p=np.eye(2), c=np.array([-1.0, -1.0]), a=np.array([[1.0, 1.0]]),
    ...              lo=np.array([0.0]), hi=np.array([10.0]), w=np.ones(2), budget=0.5)
    >>> sol = solve_dense_qp(qp)
    >>> sol.x.round(6).tolist(), sol.converged
    ([0.25, 0.25], True)
    """
    if target is not None and not target > 0:
        raise ValueError(f"target must be a complementarity > 0; got {target!r}")
    k, m = qp.p.shape[0], qp.a.shape[0]
    lw = np.flatnonzero(qp.w > 0)
    wl = qp.w[lw]
    nl = len(lw)
    if x0 is None:
        x = np.zeros(k)
        t = np.full(nl, max(qp.budget, 1e-12) / max(2.0 * wl.sum(), 1e-300))
    else:
        x = np.array(x0, dtype=np.float64)
        spare = max(qp.budget - float(wl @ np.abs(x[lw])), 1e-12 * max(qp.budget, 1e-12))
        t = np.abs(x[lw]) + 0.5 * spare / max(wl.sum(), 1e-300)
    # slacks s_i ≥ 0 and duals z_i ≥ 0 of: upper rows, lower rows, x ≤ t, −x ≤ t, budget
    ax = qp.a @ x
    s = [qp.hi - ax, ax - qp.lo, t - x[lw], t + x[lw], np.array([qp.budget - wl @ t])]
    s = [np.maximum(si, 1e-2) for si in s]
    z = [np.ones_like(si) for si in s]
    total = 2 * m + 2 * nl + 1
    data = max(float(np.abs(qp.c).max(initial=0.0)), float(np.abs(qp.hi).max(initial=0.0)),
               float(np.abs(qp.lo).max(initial=0.0)))
    p_big = float(np.abs(qp.p).max(initial=0.0))
    goal = tol if target is None else min(target, tol)
    it, converged = 0, False
    best: tuple[float, int, DenseQPSolution] | None = None
    accepted: DenseQPSolution | None = None
    for it in range(1, max_iter + 1):
        ax = qp.a @ x
        # residuals: r_p = G(x, t) + s − h (per group), r_d = stationarity in x and t
        rp = [ax + s[0] - qp.hi, qp.lo - ax + s[1], x[lw] - t + s[2], -x[lw] - t + s[3],
              np.array([wl @ t + s[4][0] - qp.budget])]
        px = qp.p @ x
        rdx = px + qp.c + qp.a.T @ (z[0] - z[1])
        rdx[lw] += z[2] - z[3]
        rdt = -z[2] - z[3] + z[4][0] * wl
        mu_c = sum(float(si @ zi) for si, zi in zip(s, z, strict=True)) / total
        obj = x @ (0.5 * px + qp.c)
        res = max(max(float(np.abs(r).max(initial=0.0)) for r in rp),
                  float(np.abs(rdx).max(initial=0.0)), float(np.abs(rdt).max(initial=0.0)))
        gap = mu_c / (1.0 + abs(obj))
        scale = 1.0 + max(data, p_big * float(np.abs(x).max(initial=0.0)))
        merit = res / (res_tol * scale) + gap / goal
        ok = res <= res_tol * scale and gap <= tol
        if best is None or merit < best[0] or ok:
            slack = np.zeros(k)
            slack[lw] = 2.0 * np.minimum(z[2], z[3]) / np.maximum(z[2] + z[3], 1e-300)
            here = DenseQPSolution(x=x, nu=z[0] - z[1], mu=float(z[4][0]), dual_slack=slack,
                                   gap=float(gap), iterations=it, converged=False)
            if best is None or merit < best[0]:
                best = (merit, it, here)
            if ok:
                accepted = here
                if gap <= goal:
                    converged = True
                    break
        if gap <= tol and it - best[1] >= (STALL if accepted is None else TARGET_STALL):
            break  # no better iterate for a while (the residual stalls at the conditioning of H)
        newton = _Newton(qp, lw, s, z, rp, rdx, rdt)
        aff = newton.solve([-si * zi for si, zi in zip(s, z, strict=True)])
        a_p, a_d = step_length(s, aff[2]), step_length(z, aff[3])
        mu_aff = sum(float((si + a_p * dsi) @ (zi + a_d * dzi)) for si, dsi, zi, dzi in
                     zip(s, aff[2], z, aff[3], strict=True)) / total
        sigma = (mu_aff / max(mu_c, 1e-300)) ** 3
        dx, dt, ds, dz = newton.solve([sigma * mu_c - si * zi - dsi * dzi for si, zi, dsi, dzi
                                       in zip(s, z, aff[2], aff[3], strict=True)])
        a_p, a_d = 0.99 * step_length(s, ds), 0.99 * step_length(z, dz)
        x = x + a_p * dx
        t = t + a_p * dt
        s = [si + a_p * dsi for si, dsi in zip(s, ds, strict=True)]
        z = [zi + a_d * dzi for zi, dzi in zip(z, dz, strict=True)]
    assert best is not None
    out = best[2]
    if not converged and accepted is not None:  # the target was not reached: the tol one
        out, converged = accepted, True
    out.iterations, out.converged = it, converged
    return out
