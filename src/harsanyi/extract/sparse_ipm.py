"""A dense normal-equations interior point over a pool of atoms: the LP's dual, the selection QP.

The LP of :mod:`.sparse_lp` over ``m`` fit masks and ``k`` atoms (OR atoms as ``1(T ∩ S ≠ ∅)``
columns here, ``F`` the ``(m, k)`` 0/1 matrix, ``c`` the costs):

``min Σ_T c_T (p_T + n_T)``  s.t.  ``a − b + F (p − n) − u = y − ζ``,  ``0 ≤ u ≤ 2ζ``,
``p, n, a, b ≥ 0``

(``θ = p − n``, the intercept ``a − b``, ``u = q + ζ``). Its dual is
``max yᵀλ − ζ‖λ‖₁`` s.t. ``|F_Tᵀλ| ≤ c_T``, ``Σ_S λ_S = 0``. A pool has few rows and
many columns (``m ≈ 900``, ``k ≈ 26,000`` at ``n = 24``), so each Newton step of Mehrotra's
predictor-corrector is solved by the normal equations ``F D Fᵀ + d_0 11ᵀ + D_u``: one
``m × m`` matrix formed by a BLAS ``syrk`` and one dense Cholesky (docs/sparse.md §5b: 0.8 s
an iteration at ``n = 24``, against minutes for HiGHS's interior point, whose normal
equations are solved by preconditioned conjugate gradients).

The dual names the face (:func:`~harsanyi.extract.sparse._pool_by_face`): the atoms it
prices as tight, ``c_T − |F_Tᵀλ| ≤ tol·c_T``, contain the optimal face, and a simplex over
them, followed by an exact pricing of every atom, certifies the optimum. The primal side only
ranks the candidates of that simplex's starting basis (:class:`PoolDual`'s indicators): it
loses accuracy near the optimum (a relative gap of ~3e-6 on trained-MLP pools), so the
method stops there.

The same iteration (:func:`_mehrotra`, with a diagonal Hessian and a budget row) solves the
canonical selection over the whole pool (:func:`pool_selection`, used by
:func:`~harsanyi.extract.sparse_select.select_over_pool`; docs/sparse.md §3b).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import scipy.linalg as sla
from scipy.linalg.blas import dsyrk

from harsanyi.extract.solvers.dense_qp import step_length

__all__ = ["FLOOR", "STALL", "SYRK_BLOCK", "PoolDual", "PoolSelection", "pool_dual",
           "pool_selection"]

#: Dual-feasible iterates over which a dual objective that gains less than ``tol`` (relative)
#: counts as settled: on trained-MLP pools the primal residual of the normal equations stops
#: falling near a gap of 3e-6 while the dual objective has converged (docs/sparse.md §5b).
STALL = 3

#: Violation below which :func:`pool_selection` may stop for want of progress: far from the
#: optimum an interior point can gain little for a few iterates and then converge fast.
FLOOR = 1e-5

#: Atoms per block of the normal matrix's ``syrk`` (:meth:`_Lp.normal`): 59 MB at 900 masks.
SYRK_BLOCK = 8192


@dataclass
class PoolDual:
    """The result of :func:`pool_dual`.

    ``dual``: ``λ`` ``(m,)``; ``objective`` and ``dual_objective``: the primal and dual
    objectives of that iterate (the dual one is a lower bound of the LP optimum up to the
    dual residual, below ``res_tol``; the primal one is not a bound: the primal residual may
    be larger); ``iterations`` run; ``converged``: the stopping rule of :func:`pool_dual` held.

    The same iterate's primal side, for a starting basis: ``theta`` ``(k,)``, ``θ = p − n``;
    ``atom_indicator`` ``(k,)``, ``x/s`` of the larger of ``p, n``; ``row_indicator``
    ``(m,)``, ``min(u/s_u, w/v)``; ``q_upper`` ``(m,)``, ``u > w`` (``q_S`` nearer ``+ζ``).
    An indicator ``x_j/s_j`` grows without bound for a variable the optimum keeps off its
    bounds and falls to 0 for one it holds at a bound, so the largest ones name the basic
    variables of an optimal vertex (Mehrotra's indicators; docs/sparse.md §3).
    """

    dual: np.ndarray
    objective: float
    dual_objective: float
    iterations: int
    converged: bool
    theta: np.ndarray
    atom_indicator: np.ndarray
    row_indicator: np.ndarray
    q_upper: np.ndarray


class _Lp:
    """The constraint matrix ``A = [1, −1, F, −F, −I]`` of the module docstring, as products."""

    def __init__(self, features: np.ndarray) -> None:
        self.f = features
        self.m, self.k = features.shape
        self.up = slice(2 + 2 * self.k, 2 + 2 * self.k + self.m)  # the u block

    def a_x(self, x: np.ndarray) -> np.ndarray:
        k = self.k
        return x[0] - x[1] + self.f @ (x[2:2 + k] - x[2 + k:2 + 2 * k]) - x[self.up]

    def at_y(self, lam: np.ndarray) -> np.ndarray:
        ft = self.f.T @ lam
        return np.concatenate([[lam.sum(), -lam.sum()], ft, -ft, -lam])

    def normal(self, theta: np.ndarray) -> np.ndarray:
        """Return the upper triangle of ``A Θ Aᵀ`` (``syrk`` by blocks), slightly regularised.

        ``F D Fᵀ`` is summed over blocks of :data:`SYRK_BLOCK` atoms, each scaled copy passed
        transposed (Fortran order, so BLAS reads it in place): the memory beyond ``F`` is one
        block, not two copies of ``F``.
        """
        k = self.k
        root = np.sqrt(theta[2:2 + k] + theta[2 + k:2 + 2 * k])
        out = np.zeros((self.m, self.m), order="F")
        for start in range(0, k, SYRK_BLOCK):
            block = slice(start, start + SYRK_BLOCK)
            scaled = (self.f[:, block] * root[None, block]).T  # (block, m), Fortran order
            out = dsyrk(1.0, scaled, beta=1.0, c=out, trans=1, overwrite_c=1)
        out += theta[0] + theta[1]
        out[np.diag_indices(self.m)] += theta[self.up] + 1e-13 * float(out.diagonal().max())
        return out


class _BudgetLp(_Lp):
    """``A`` of :class:`_Lp` with the budget row ``[0, 0, cᵀ, cᵀ, 0, 1]`` (its slack ``t`` last)."""

    def __init__(self, features: np.ndarray, cost: np.ndarray) -> None:
        super().__init__(features)
        self.c = cost

    def a_x(self, x: np.ndarray) -> np.ndarray:
        k = self.k
        spent = self.c @ (x[2:2 + k] + x[2 + k:2 + 2 * k]) + x[-1]
        return np.append(super().a_x(x[:-1]), spent)

    def at_y(self, lam: np.ndarray) -> np.ndarray:
        k, out = self.k, super().at_y(lam[:-1])
        out[2:2 + 2 * k] += lam[-1] * np.tile(self.c, 2)
        return np.append(out, lam[-1])

    def normal(self, theta: np.ndarray) -> np.ndarray:
        """Return the upper triangle of ``A Θ Aᵀ``: :meth:`_Lp.normal` and the budget's border."""
        k, m = self.k, self.m
        d_p, d_n = theta[2:2 + k], theta[2 + k:2 + 2 * k]
        out = np.zeros((m + 1, m + 1), order="F")
        out[:m, :m] = super().normal(theta[:-1])
        out[:m, m] = self.f @ (self.c * (d_p - d_n))
        out[m, m] = (self.c ** 2) @ (d_p + d_n) + theta[-1]
        return out


@dataclass
class _Iterate:
    """An iterate: primal ``x``, ``w = box − u``; duals ``λ``, ``s ≥ 0`` (of x), ``v ≥ 0``."""

    x: np.ndarray
    w: np.ndarray
    lam: np.ndarray
    s: np.ndarray
    v: np.ndarray


def _newton(lp: _Lp, it: _Iterate, chol: tuple, theta: np.ndarray, res: tuple,
            rxs: np.ndarray, rwv: np.ndarray) -> tuple[np.ndarray, ...]:
    """Return the Newton step ``(dx, dλ, ds, dw, dv)``.

    For the residuals ``res = (r_b, r_c, r_u)`` and the complementarity targets
    ``S dx + X ds = rxs``, ``V dw + W dv = rwv``: ``dx = Θ (Aᵀdλ − r)`` with
    ``r = r_c − rxs/x`` (plus ``(rwv − v r_u)/w`` on ``u``), and ``A Θ Aᵀ dλ = r_b + A Θ r``.
    """
    rb, rc, ru = res
    r = rc - rxs / it.x
    r[lp.up] += (rwv - it.v * ru) / it.w
    dlam = sla.cho_solve(chol, rb + lp.a_x(theta * r), check_finite=False)
    dx = theta * (lp.at_y(dlam) - r)
    ds = (rxs - it.s * dx) / it.x
    dw = ru - dx[lp.up]
    return dx, dlam, ds, dw, (rwv - it.v * dw) / it.w


def _result(lp: _Lp, it: _Iterate, pobj: float, dobj: float, count: int) -> PoolDual:
    """Return the :class:`PoolDual` of an iterate (not converged; the caller may say so)."""
    k, up = lp.k, lp.up
    ratio = it.x / it.s
    return PoolDual(it.lam, pobj, dobj, count, False,
                    theta=it.x[2:2 + k] - it.x[2 + k:2 + 2 * k],
                    atom_indicator=np.maximum(ratio[2:2 + k], ratio[2 + k:2 + 2 * k]),
                    row_indicator=np.minimum(ratio[up], it.w / it.v), q_upper=it.x[up] > it.w)


@dataclass
class _State:
    """One iterate of :func:`_mehrotra` before its step, with its objectives and residuals."""

    count: int
    it: _Iterate
    pobj: float
    dobj: float
    gap: float
    res: float
    dual_res: float


def _mehrotra(lp: _Lp, cvec: np.ndarray, hdiag: np.ndarray, b: np.ndarray, box: float,
              max_iter: int, same_step: bool) -> Iterator[_State]:
    """Yield the iterates of Mehrotra's predictor-corrector for ``min cᵀx + ½ xᵀHx``.

    Subject to ``A x = b`` (``lp``), ``x ≥ 0`` and ``0 ≤ u ≤ box`` on the ``u`` block, with
    ``H = diag(hdiag)``. Each iterate is yielded before its step, so the caller stops by
    leaving the loop; it also ends after ``max_iter`` iterates or a failed factorisation.
    ``same_step``: one step length for the primal and the dual side (a QP's coupling).
    """
    up, nx = lp.up, len(cvec)
    it = _Iterate(x=np.ones(nx), w=np.full(lp.m, 0.5 * box), lam=np.zeros(len(b)),
                  s=np.ones(nx), v=np.ones(lp.m))
    it.x[up] = 0.5 * box
    total = nx + lp.m
    scale_b = 1.0 + float(np.abs(b).max())
    for count in range(1, max_iter + 1):
        hx = hdiag * it.x
        rb = b - lp.a_x(it.x)
        rc = cvec + hx - lp.at_y(it.lam) - it.s
        rc[up] += it.v
        ru = box - it.x[up] - it.w
        mu = (it.x @ it.s + it.w @ it.v) / total
        quad = 0.5 * float(it.x @ hx)
        pobj = float(cvec @ it.x) + quad
        dobj = float(b @ it.lam) - quad - box * float(it.v.sum())
        dual_res = float(np.abs(rc).max()) / (1.0 + max(float(np.abs(cvec).max()),
                                                        float(np.abs(hx).max())))
        res = max(float(np.abs(rb).max()) / scale_b, dual_res,
                  float(np.abs(ru).max()) / (1.0 + box))
        yield _State(count, it, pobj, dobj, abs(pobj - dobj) / (1.0 + abs(pobj)), res, dual_res)
        theta = 1.0 / (hdiag + it.s / it.x)
        theta[up] = 1.0 / (it.s[up] / it.x[up] + it.v / it.w)
        try:
            chol = sla.cho_factor(lp.normal(theta), lower=False, overwrite_a=True,
                                  check_finite=False)
        except np.linalg.LinAlgError:
            return
        resid = (rb, rc, ru)
        dx, dlam, ds, dw, dv = _newton(lp, it, chol, theta, resid, -it.x * it.s, -it.w * it.v)
        a_p, a_d = step_length([it.x, it.w], [dx, dw]), step_length([it.s, it.v], [ds, dv])
        if same_step:
            a_p = a_d = min(a_p, a_d)
        mu_aff = ((it.x + a_p * dx) @ (it.s + a_d * ds)
                  + (it.w + a_p * dw) @ (it.v + a_d * dv)) / total
        sigma = (mu_aff / mu) ** 3
        dx, dlam, ds, dw, dv = _newton(lp, it, chol, theta, resid,
                                       sigma * mu - it.x * it.s - dx * ds,
                                       sigma * mu - it.w * it.v - dw * dv)
        a_p = 0.99 * step_length([it.x, it.w], [dx, dw])
        a_d = 0.99 * step_length([it.s, it.v], [ds, dv])
        if same_step:
            a_p = a_d = min(a_p, a_d)
        it = _Iterate(x=it.x + a_p * dx, w=it.w + a_p * dw, lam=it.lam + a_d * dlam,
                      s=it.s + a_d * ds, v=it.v + a_d * dv)


def pool_dual(features: np.ndarray, cost: np.ndarray, y: np.ndarray, zeta: float, *,
              tol: float = 3e-6, res_tol: float = 1e-5, max_iter: int = 50) -> PoolDual:
    """Solve the LP of the module docstring to a relative gap ``tol``; return its dual.

    ``features`` ``(m, k)``: ``F``; ``cost`` ``(k,)``: ``c > 0``; ``y`` ``(m,)``; ``zeta``:
    ``ζ ≥ 0``. Converged when the relative gap is below ``tol`` and the relative residuals
    below ``res_tol``, or when the dual objective of the dual-feasible iterates (dual residual
    below ``res_tol``) has settled (:data:`STALL`); returns the best such iterate. Else it
    stops at ``max_iter`` or a failed factorisation with ``converged`` False (an infeasible
    LP ends so: its dual objective grows without bound).

    >>> f = np.array([[0.0], [1.0]])  # v(∅) = 0, v({0}) = 1, ζ = 0: I({0}) = 1
    >>> out = pool_dual(f, np.ones(1), np.array([0.0, 1.0]), 0.0, tol=1e-9)
    >>> out.converged, round(out.objective, 6), round(out.dual_objective, 6)
    (True, 1.0, 1.0)
    """
    m, _k = features.shape
    lp = _Lp(features)
    cvec = np.concatenate([[0.0, 0.0], cost, cost, np.zeros(m)])
    best: PoolDual | None = None
    dual_objs: list[float] = []
    done, count, last = False, 0, None
    for state in _mehrotra(lp, cvec, np.zeros(len(cvec)), y - zeta, _box(zeta), max_iter,
                           same_step=False):
        count, last = state.count, state
        if state.dual_res <= res_tol:
            dual_objs.append(state.dobj)
            if best is None or state.dobj > best.dual_objective:
                best = _result(lp, state.it, state.pobj, state.dobj, count)
        # a small gap, or (the primal side losing accuracy first) a dual objective that has
        # gained less than ``tol`` relative over the last STALL dual-feasible iterates
        done = (state.gap <= tol and state.res <= res_tol) or (len(dual_objs) > STALL and (
            dual_objs[-1] - dual_objs[-1 - STALL] <= tol * (1.0 + abs(state.dobj))))
        if done:
            break
    if best is None:
        assert last is not None  # max_iter >= 1
        return _result(lp, last.it, np.inf, -np.inf, count)
    best.iterations, best.converged = count, done
    return best


def _box(zeta: float) -> float:
    """``u``'s upper bound ``2ζ`` (a tiny box keeps ``ζ = 0`` well posed)."""
    return max(2.0 * zeta, 1e-12)


@dataclass
class PoolSelection:
    """The result of :func:`pool_selection`.

    ``intercept`` and ``values`` ``(k,)``: ``I_and(∅)`` and ``θ`` of the iterate with the
    smallest ``violation`` (the larger of its relative gap and residuals); ``iterations``
    run; ``converged``: that violation is below the ``tol`` of :func:`pool_selection`.
    """

    intercept: float
    values: np.ndarray
    iterations: int
    converged: bool
    violation: float


def pool_selection(features: np.ndarray, cost: np.ndarray, y: np.ndarray, zeta: float,
                   budget: float, *, tol: float = 1e-7, max_iter: int = 80) -> PoolSelection:
    """Solve the canonical selection over a whole pool by the same interior point.

    ``min I_and(∅)² + ‖θ‖²``  s.t.  ``|I_and(∅) + F θ − y| ≤ ζ``,  ``Σ_T c_T |θ_T| ≤ budget``

    written as the LP of the module docstring with ``I_and(∅)² + ‖θ‖² = a² + b² + ‖p‖² + ‖n‖²``
    (equal at the optimum, where ``p_T n_T = 0``) and the budget as one more row
    ``cᵀ(p + n) + t = budget``, ``t ≥ 0``; its normal matrix is the ``m × m`` one of
    :func:`pool_dual` bordered by that row. Stops when the violation is below ``tol / 100``,
    or below :data:`FLOOR` and not halved over :data:`STALL` iterates (the normal equations'
    accuracy: about 1e-8 on trained-MLP pools), or after ``max_iter``; returns the best
    iterate.

    >>> f = np.array([[0.0, 0.0], [1.0, 1.0]])  # two equal columns share v({0}) = 1
    >>> out = pool_selection(f, np.ones(2), np.array([0.0, 1.0]), 0.0, 1.0)
    >>> out.converged, out.values.round(6).tolist(), round(out.intercept, 6)
    (True, [0.5, 0.5], 0.0)
    """
    m, k = features.shape
    lp = _BudgetLp(features, cost)
    hdiag = np.concatenate([np.full(2 + 2 * k, 2.0), np.zeros(m + 1)])
    b = np.concatenate([y - zeta, [budget]])
    best: tuple[float, np.ndarray] | None = None
    halved = (np.inf, 0)  # the violation when it last halved, and the iterate
    count = 0
    for state in _mehrotra(lp, np.zeros(len(hdiag)), hdiag, b, _box(zeta), max_iter,
                           same_step=True):
        count = state.count
        violation = max(state.gap, state.res)
        if best is None or violation < best[0]:
            best = (violation, state.it.x)
        if violation <= 0.5 * halved[0]:
            halved = (violation, count)
        if violation <= 0.01 * tol or (violation <= FLOOR and count - halved[1] >= STALL):
            break
    assert best is not None  # max_iter >= 1
    violation, x = best
    return PoolSelection(intercept=float(x[0] - x[1]), values=x[2:2 + k] - x[2 + k:2 + 2 * k],
                         iterations=count, converged=violation <= tol, violation=violation)
