"""The canonical split: one strictly convex selection over the near-optimal set of the LP.

The L1 problem of the split (``min ‖x‖_w1`` s.t. ``|A x − v| ≤ ζ``, see :mod:`.base`) often has
a whole face of optimal solutions, and which vertex a simplex returns is an accident of its
path. The canonical split is instead the unique minimiser of

``f(x) = ‖γ‖² + ‖q‖² / ζ²``  subject to  ``|A x − v| ≤ ζ`` and ``‖x‖_w1 ≤ (1 + ε) · OPT``,

with ``q = A x − v`` the noise term, ``γ = ½ A D x`` (``D`` = +1 on AND atoms, −1 on OR atoms,
so that ``v_and = ½ (v + q) + γ``) and ``OPT`` the certified LP optimum (docs/theory.md, "The
canonical split"). ``x ↦ (γ, q)`` is affine and injective, so ``f`` is strictly convex in
``x`` and the minimiser is unique: it depends on the game alone, not on how it was reached.

Solved in the normalised units of :func:`.base.normalise` (``ζ = 0``: ``q = 0`` and
``f = ‖γ‖²``) by atom and row generation around the LP vertex: a restricted QP over atoms
``J`` and rows ``R`` (the dense interior point of :mod:`.dense_qp`; Clarabel at ``ζ = 0`` or
where that one does not converge), then a matrix-free check of the full KKT
conditions with the fast transforms (an atom outside ``J`` is priced ``|∇f_j + (Aᵀν)_j|``
against ``μ·w_j``; a row outside ``R`` must satisfy the box), then an *active-set polish*:
the equality-constrained QP on the identified support, signs and tight rows is solved
directly, and accepted only when it passes the full KKT check. The returned point is thus the
exact KKT point of the full problem up to rounding, whatever restricted problem led to it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import Any, NamedTuple

import clarabel
import numpy as np
import scipy.linalg as sla
import scipy.sparse as sp
from scipy.linalg.blas import dsyrk
from scipy.linalg.lapack import dpocon
from scipy.optimize import linprog, nnls

from harsanyi.extract.solvers.base import _atom_columns
from harsanyi.extract.solvers.dense_qp import DenseQP, solve_dense_qp
from harsanyi.extract.solvers.gram import WeightedGram, atom_gram, lookup_pays
from harsanyi.extract.solvers.operators import dictionary_apply, dictionary_transpose, weights

__all__ = ["COMPLEMENTARITY_TARGET", "Hessians", "kkt_multipliers", "select_one",
           "selection_gradient", "solve_selection_qp"]

#: Relative complementarity the restricted QP's interior point aims for once converged (at
#: ``1e-10``; it keeps the last converged iterate if it stalls first). Its objective
#: ``½ xᵀPx + cᵀx`` leaves out the constant ``‖v‖²`` of ``‖q‖²``, so ``|obj|`` is large (~200
#: in normalised units) and ``1e-10`` alone left atoms of ``1e-4`` with dual slacks of the
#: same size: the polish could not tell the support, and failed on 1 planted game in 4 at
#: ``n = 10`` (docs/selection.md).
COMPLEMENTARITY_TARGET = 1e-16
#: A restriction's row is released for the next round when at least this fraction of its band
#: ``ζ`` away from both bounds, without a multiplier (:func:`_keep_rows`).
RELEASE = 0.01
#: Most steps of the polish's second, stepped attempt (:func:`active_set`): where it succeeded
#: on float32 games it took 3–4, where it failed it ran to any limit (docs/selection.md).
STEPPED_STEPS = 10
#: The polish's first attempt (atoms and rows dropped all at once) gives up once its support
#: has shrunk below this fraction of the support it started from: there it had collapsed
#: (to 29–83% of its start on the benchmark's MLP and over-fitted games at ``n = 10``) and
#: never recovered, while every successful first attempt kept at least 85% (docs/selection.md).
COLLAPSE = 0.8
#: Most atoms whose ``P`` :class:`Hessians` keeps (8 bytes each squared: 128 MiB).
P_CACHE_MAX = 4096
#: Largest relative KKT violation (:func:`kkt_violation`) of a polished point.
KKT_TOL = 1e-7
#: Reciprocal condition number (LAPACK ``dpocon``) above which the polish solves its Schur
#: complement ``C P⁻¹ Cᵀ`` by Cholesky; below (dependent tight rows make it singular) by least
#: squares, a minimum-norm solution (:func:`_schur_solve`).
SCHUR_RCOND = 1e-10
#: Most active sets of a failed polish on which :func:`kkt_multipliers` looks for certifying
#: multipliers (those revisited by a cycle, the smallest relative overshoot of a price first).
KKT_LP_POINTS = 3
#: Off the support, :func:`kkt_multipliers` bounds the prices of the atoms whose least-squares
#: price is at least this fraction of ``μ w_j`` (the full KKT check then covers every atom).
KKT_LP_NEAR = 0.5
#: Most atoms, as a fraction of the support, that an equality QP of the polish holds at zero
#: by constraints to reuse the factor and rows of the step before (:meth:`Hessians.superset`).
ZERO_ATOMS_MAX = 0.1
#: An atom of a polish step's equality QP whose value is at most this times the largest
#: interaction's (``I_and(∅)`` aside) is zero there: it leaves the support like an atom whose
#: sign flipped. Its sign is rounding, and a decision on it would make the polish's path
#: depend on the order of sums (reused rows, the machine's BLAS). On 144 random-MLP games
#: (n = 8, 9) such atoms sat at most 2.7e-14 of the largest, all others at least 8.5e-8.
ZERO_ATOM_RTOL = 1e-12
#: An atom of the restriction that its optimum leaves at zero with a dual slack above this
#: (its price below 80% of ``μ w_j``) is released for the next round (:func:`_keep_atoms`).
ATOM_RELEASE = 0.2


def _signs(n: int, kind: str) -> np.ndarray:
    d = np.ones(2**n)
    return d if kind == "and" else np.concatenate([d, -d])


def _weights_fq(z: float, kind: str) -> tuple[float, float]:
    """Return the weights of ``‖γ‖²`` and ``‖q‖²`` in ``ζ²·f`` (well scaled).

    ``(ζ², 1)``; ``(1, 0)`` at ``ζ = 0``; ``γ`` does not exist for ``kind="and"``.
    """
    wg = 0.0 if kind == "and" else (z * z if z > 0 else 1.0)
    return wg, (1.0 if z > 0 else 0.0)


class Hessians:
    """The restricted QPs' ``P_J`` and ``c_J`` of one game, and Cholesky factors of ``P_J``.

    ``ζ²·f = ½ xᵀ P x + cᵀ x + const`` with ``P = ½ wg D Aᵀ A D + 2 wq Aᵀ A`` and
    ``c = −2 wq Aᵀ v`` (:func:`_weights_fq`). The restricted QPs of the generation rounds and
    the equality QPs of the polish's steps work on atom sets that overlap almost entirely, so
    ``P`` of every atom seen so far is kept (up to ``P_CACHE_MAX`` atoms, then computed
    per call from the closed-form Gram matrix) and grown by the new atoms' blocks only;
    the Cholesky factor of the last ``P_J`` is kept for the next step with the same support.
    So are the polish's tight rows on it, ``G = R⁻ᵀ A_{R,J}ᵀ`` and their Gram matrix ``GᵀG``
    (:meth:`tight_rows`): most of its steps add or drop a few rows on one support.
    ``equality_qps`` counts the polish's equality QPs solved with them (a measure of work).
    """

    def __init__(self, v: np.ndarray, z: float, kind: str) -> None:
        self.n = v.shape[-1].bit_length() - 1
        self.wg, self.wq = _weights_fq(z, kind)
        self.signs = _signs(self.n, kind)
        self.c_full = -2.0 * self.wq * dictionary_transpose(v, kind)
        self.atoms = np.empty(0, np.int64)
        self.p = np.empty((0, 0))
        self._order = np.empty(0, np.int64)
        self._factor: tuple[bytes, Any] | None = None
        self._rows: tuple[bytes, np.ndarray, np.ndarray, np.ndarray] | None = None
        self.rows_reused = False
        self.equality_qps = 0

    def _block(self, rows: np.ndarray, cols: np.ndarray | None = None) -> np.ndarray:
        """``P`` on atoms ``rows`` × ``cols`` (default ``rows``), from their Gram matrix."""
        cols = rows if cols is None else cols
        gram = atom_gram(rows, self.n, cols)
        d, e = self.signs[rows], self.signs[cols]
        return 0.5 * self.wg * (d[:, None] * gram * e[None, :]) + 2.0 * self.wq * gram

    def p_c(self, atoms: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Return ``(P_J, c_J)`` of atoms ``J``."""
        new = np.setdiff1d(atoms, self.atoms)
        if len(self.atoms) + len(new) > P_CACHE_MAX:
            return self._block(atoms), self.c_full[atoms]
        if len(new):
            cross = self._block(new, self.atoms)
            self.p = np.block([[self.p, cross.T], [cross, self._block(new)]])
            self.atoms = np.concatenate([self.atoms, new])
            self._order = np.argsort(self.atoms, kind="stable")
        where = self._order[np.searchsorted(self.atoms, atoms, sorter=self._order)]
        return self.p[np.ix_(where, where)], self.c_full[atoms]

    def factor(self, atoms: np.ndarray, p: np.ndarray) -> Any:
        """Return the Cholesky factor of ``P_J`` (``p``), or ``None`` if it is not definite."""
        key = np.asarray(atoms, np.int64).tobytes()
        if self._factor is None or self._factor[0] != key:
            try:
                chol = sla.cho_factor(p)
            except np.linalg.LinAlgError:
                chol = None
            self._factor = (key, chol)
        return self._factor[1]

    def superset(self, atoms: np.ndarray) -> np.ndarray:
        """Return the atoms of the last :meth:`tight_rows` if they can stand for ``atoms``.

        They can where they hold all of ``atoms`` (sorted) and at most ``ZERO_ATOMS_MAX`` of
        their number more; else ``atoms`` is returned.

        An equality QP on fewer atoms than the step before is the same QP on that step's
        atoms with ``x_j = 0`` for the ones left out: one constraint row each instead of a
        new factor of ``P`` and new rows for every tight row (:func:`_eq_solve`).
        """
        if self._rows is None:
            return atoms
        known = np.frombuffer(self._rows[0], np.int64)
        extra = len(known) - len(atoms)
        if 0 < extra <= ZERO_ATOMS_MAX * len(atoms) and np.isin(atoms, known).all():
            return known
        return atoms

    def tight_rows(self, atoms: np.ndarray, rows: np.ndarray, chol: Any, reuse: bool = True
                   ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Return ``(order, Gᵀ, GᵀG)`` of constraint rows ``R`` on atoms ``J``, ``G = R⁻ᵀ Cᵀ``.

        ``rows``: tight rows ``S ≥ 0`` (``C``'s row ``A_{S,J}``) and atoms ``−1 − i``
        (``x_{J[i]} = 0``: the unit row ``e_i``); ``chol``: the Cholesky factor ``Rᵀ R`` of
        ``P_J`` (:meth:`factor`); the rows of ``Gᵀ`` and ``GᵀG`` are those of ``rows[order]``.
        With ``reuse``, the rows of the last call on the same atoms are taken from it (first,
        in their order) and only the new ones solved for: ``k²`` flops each, and ``k m`` for
        their column of ``GᵀG``, instead of ``k² m + m² k`` for all. The sums then differ from
        a fresh computation in their rounding only, and :func:`active_set` computes its
        accepted point afresh where it came from reused rows (``rows_reused``). Each call
        keeps its rows for the next.
        """
        factor, lower = chol
        key = np.asarray(atoms, np.int64).tobytes()
        known, gt, gram = np.empty(0, np.int64), np.empty((0, len(atoms))), np.empty((0, 0))
        if reuse and self._rows is not None and self._rows[0] == key:
            known, gt, gram = self._rows[1:]
            kept = np.flatnonzero(np.isin(known, rows))
            if len(kept) < len(known):
                known, gt, gram = known[kept], gt[kept], gram[np.ix_(kept, kept)]
        new = rows[~np.isin(rows, known)]
        self.rows_reused = len(known) > 0
        if len(new):
            c_new = np.zeros((len(new), len(atoms)))
            tight = new >= 0
            c_new[tight] = _atom_columns(atoms, new[tight], 2**self.n)
            c_new[np.flatnonzero(~tight), -1 - new[~tight]] = 1.0
            g_new = sla.solve_triangular(factor, c_new.T, trans=0 if lower else 1,
                                         lower=lower, check_finite=False).T
            if len(known):
                cross = gt @ g_new.T
                gram = np.block([[gram, cross], [cross.T, g_new @ g_new.T]])
            else:
                upper = dsyrk(1.0, g_new, trans=0)
                gram = np.triu(upper) + np.triu(upper, 1).T
            known, gt = np.concatenate([known, new]), np.vstack([gt, g_new])
        self._rows = (key, known, gt, gram)
        sorter = np.argsort(rows, kind="stable")
        return sorter[np.searchsorted(rows, known, sorter=sorter)], gt, gram


def selection_gradient(x: np.ndarray, v: np.ndarray, z: float, kind: str = "and_or"
                       ) -> np.ndarray:
    """``∇(ζ²·f)(x) = ½ ζ² D Aᵀ A D x + 2 Aᵀ (A x − v)`` on every atom, matrix-free.

    >>> x = np.zeros(8); x[3] = 1.0
    >>> selection_gradient(x, np.array([0.0, 0.0, 0.0, 1.0]), 0.1)[:4].round(4).tolist()
    [0.005, 0.005, 0.005, 0.005]
    """
    n = v.shape[-1].bit_length() - 1
    wg, wq = _weights_fq(z, kind)
    d = _signs(n, kind)
    grad = 2.0 * wq * dictionary_transpose(dictionary_apply(x, kind) - v, kind)
    if wg:
        grad = grad + 0.5 * wg * d * dictionary_transpose(dictionary_apply(d * x, kind), kind)
    return grad


def _restricted_qp(v, z, kind, atoms, rows, budget, hess: Hessians, x0: np.ndarray
                   ) -> dict[str, Any]:
    """Solve ``min ½ xᵀPx + cᵀx`` over atoms ``J``, rows ``R``, from ``x0`` (on ``J``).

    ``v_R − ζ ≤ A_R x ≤ v_R + ζ``, ``Σ w |x| ≤ B``: by the dense interior point of
    :mod:`.dense_qp` when ``ζ > 0``, else by Clarabel (rows are equalities).
    """
    size = v.shape[-1]
    p, c = hess.p_c(atoms)
    w = weights(hess.n, kind)[atoms]
    gram = WeightedGram(atoms, rows, hess.n) if lookup_pays(hess.n, len(atoms), len(rows)) \
        else None
    return solve_selection_qp(p, c, _atom_columns(atoms, rows, size), v[rows], z, w, budget,
                              x0, gram)


def solve_selection_qp(p: np.ndarray, c: np.ndarray, a_r: np.ndarray, v_r: np.ndarray, z: float,
                       w: np.ndarray, budget: float, x0: np.ndarray | None = None,
                       gram: Callable[[np.ndarray], np.ndarray] | None = None
                       ) -> dict[str, Any]:
    """Solve ``min ½ xᵀPx + cᵀx`` s.t. ``|A_R x − v_R| ≤ ζ``, ``Σ w |x| ≤ B`` (``w = 0``: free).

    By the dense interior point of :mod:`.dense_qp` when ``ζ > 0``; by Clarabel when ``ζ = 0``
    (rows are equalities) or when the dense interior point stalls before convergence (an
    ill-conditioned ``P``: its best iterate can leave the budget 0.6% short of binding, a
    different point; docs/selection.md); ``x0``: the dense interior point's start; ``gram``:
    its weighted Gram matrices ``A_Rᵀ diag(ω) A_R`` in closed form (:class:`.gram.WeightedGram`;
    ``None``: BLAS over ``a_r``). Returns
    ``x``, the row multipliers ``nu``
    (``> 0`` at the upper bound), the budget multiplier ``mu`` and the ``iterations``.

    >>> out = solve_selection_qp(np.eye(2), np.array([-1.0, -1.0]), np.array([[1.0, 1.0]]),
    ...                          np.array([0.5]), 0.0, np.ones(2), 1.0)
    >>> np.round(out["x"], 6).tolist()
    [0.25, 0.25]
    """
    if z > 0:
        sol = solve_dense_qp(DenseQP(p, c, a_r, v_r - z, v_r + z, w, budget, gram),
                             target=COMPLEMENTARITY_TARGET, x0=x0)
        if sol.converged:
            return {"x": sol.x, "nu": sol.nu, "mu": sol.mu, "iterations": sol.iterations,
                    "dual_slack": sol.dual_slack}
        out = _clarabel_qp(p, c, a_r, v_r, z, w, budget)
        return {**out, "iterations": out["iterations"] + sol.iterations}
    return _clarabel_qp(p, c, a_r, v_r, z, w, budget)


def _clarabel_qp(p, c, a_r, v_r, z, w, budget) -> dict[str, Any]:
    """Solve the restricted QP with Clarabel (a conic interior point with iterative refinement).

    Variables ``(x_J, t)``, ``t ≥ ±x`` on weighted atoms, ``Σ w t ≤ B``; rows
    ``v_R − ζ ≤ A_R x ≤ v_R + ζ`` (equalities at ``ζ = 0``).
    """
    lw = np.flatnonzero(w > 0)
    k, nl, m = len(w), len(lw), len(v_r)
    a_r = sp.csc_matrix(a_r)
    e = sp.csc_matrix((np.ones(nl), (np.arange(nl), lw)), shape=(nl, k))
    eye = sp.identity(nl, format="csc")
    pad = sp.csc_matrix((m, nl))
    blocks = [sp.hstack([e, -eye]), sp.hstack([-e, -eye]),
              sp.hstack([sp.csc_matrix((1, k)), sp.csc_matrix(w[lw][None, :])])]
    if z > 0:  # A x ≤ v + ζ and −A x ≤ −(v − ζ): nonnegative slacks
        blocks += [sp.hstack([a_r, pad]), sp.hstack([-a_r, pad])]
        rhs = np.concatenate([np.zeros(2 * nl), [budget], v_r + z, z - v_r])
        cones = [clarabel.NonnegativeConeT(2 * nl + 1 + 2 * m)]
    else:
        blocks.append(sp.hstack([a_r, pad]))
        rhs = np.concatenate([np.zeros(2 * nl), [budget], v_r])
        cones = [clarabel.NonnegativeConeT(2 * nl + 1), clarabel.ZeroConeT(m)]
    hess = sp.block_diag([sp.csc_matrix(np.triu(p)), sp.csc_matrix((nl, nl))]).tocsc()
    settings = clarabel.DefaultSettings()
    settings.verbose = False
    for key in ("tol_gap_abs", "tol_gap_rel", "tol_feas", "tol_ktratio"):
        setattr(settings, key, 1e-10)
    sol = clarabel.DefaultSolver(hess, np.concatenate([c, np.zeros(nl)]),
                                 sp.vstack(blocks).tocsc(), rhs, cones, settings).solve()
    dual = np.asarray(sol.z)
    rows = dual[2 * nl + 1:]
    nu = rows[:m] - rows[m:] if z > 0 else rows
    return {"x": np.asarray(sol.x)[:k], "nu": nu, "mu": float(dual[2 * nl]),
            "iterations": int(sol.iterations)}


def _full_x(atoms: np.ndarray, xj: np.ndarray, width: int) -> np.ndarray:
    x = np.zeros(width)
    x[atoms] = xj
    return x


def _prices(x, nu_full, v, z, kind) -> np.ndarray:
    """Return ``∇(ζ²f)(x) + Aᵀν`` on every atom.

    ``−μ w_j sign(x_j)`` on the support at a KKT point, within ``[−μ w_j, μ w_j]`` off it.
    """
    return selection_gradient(x, v, z, kind) + dictionary_transpose(nu_full, kind)


def kkt_violation(x, nu_full, mu, v, z, kind, budget) -> dict[str, float]:
    """Return the largest violations of the full problem's KKT conditions at ``(x, ν, μ)``.

    Relative: ``row`` (box, over ``max(ζ, 1e-300)`` or absolute at ``ζ = 0``), ``budget``
    (over ``B``), ``price`` (``|∇f + Aᵀν|`` over ``μ w``, minus 1, off the support; distance to
    ``−μ w sign x`` on it, over ``μ``), ``dual`` (wrong-signed row multipliers, over ``μ``).
    The prices are first allowed their rounding error (:func:`_price_rounding`): where ``μ``
    is tiny, a price error of float64 rounding alone is a large fraction of it.
    """
    n = v.shape[-1].bit_length() - 1
    w = weights(n, kind)
    q = dictionary_apply(x, kind) - v
    price = _prices(x, nu_full, v, z, kind)
    tau = _price_rounding(x, nu_full, v, z, kind)
    scale = max(mu, 1e-12)
    on = (x != 0) & (w > 0)
    off = (x == 0) & (w > 0)
    fixed = w == 0  # I_and(∅): free, so its price must vanish
    fixed[len(w) // 2 if kind == "and_or" else len(w):] = False
    wrong = np.where(z > 0, np.maximum(-nu_full * np.sign(q), 0.0), 0.0)
    wrong = np.where(np.abs(q) >= z - 1e-9, wrong, np.abs(nu_full))

    def beyond(err: np.ndarray) -> np.ndarray:
        return np.maximum(err - tau, 0.0)

    return {
        "row": float(np.max(np.abs(q) - z) / (z if z > 0 else 1.0)),
        "budget": float((np.abs(x) * w).sum() / budget - 1.0),
        "price": float(max(np.max(beyond(np.abs(price[off]) - scale * w[off]) / (scale * w[off]),
                                  initial=-1.0),
                           np.max(beyond(np.abs(price[on] + mu * w[on] * np.sign(x[on]))) / scale,
                                  initial=0.0),
                           np.max(beyond(np.abs(price[fixed])) / scale, initial=0.0))),
        "dual": float(max(np.max(wrong) / scale, -min(mu, 0.0) / scale)),
    }


def _price_rounding(x, nu_full, v, z, kind) -> float:
    """Return a bound on the float64 rounding error of the prices ``∇(ζ²f)(x) + Aᵀν``.

    Each price sums up to ``2^n`` entries of ``q = A x − v``, ``A D x`` and ``ν``, computed by
    fast transforms of ``n`` butterfly stages: with ``u`` the unit roundoff, the error is at
    most about ``n 2^n u (2 w_q (‖x‖₁ + ‖v‖_∞) + ½ w_g ‖x‖₁ + ‖ν‖₁)``. It matters only where
    ``μ`` is tiny: on a game whose ``v(N) − v(∅)`` is small against ``max|v|`` (``ζ`` of 1e-4
    after normalisation) the multiplier was 1.2e-7 and the prices of the exact KKT point were
    off by 6e-13, 5e-6 of ``μ``.

    >>> _price_rounding(np.zeros(8), np.zeros(4), np.array([0.0, 1.0, 1.0, 1.0]), 0.1, "and_or")
    ... # doctest: +ELLIPSIS
    np.float64(3.5...e-15)
    """
    n = v.shape[-1].bit_length() - 1
    wg, wq = _weights_fq(z, kind)
    size = np.abs(x).sum()
    return n * 2.0 ** n * np.finfo(np.float64).eps * (
        2.0 * wq * (size + np.abs(v).max()) + 0.5 * wg * size + np.abs(nu_full).sum())


def _kkt_holds(x, nu, mu, v, z, kind, budget) -> bool:
    """Whether ``(x, ν, μ)`` meets the full problem's KKT conditions to ``KKT_TOL``."""
    return max(kkt_violation(x, nu, mu, v, z, kind, budget).values()) <= KKT_TOL


def _equality_qp(p, c, cmat, dvec, chol, rows: tuple[np.ndarray, np.ndarray] | None = None
                 ) -> tuple[np.ndarray, np.ndarray, bool]:
    """Solve ``min ½ xᵀPx + cᵀx`` s.t. ``C x = d``.

    Returns ``(x, y, unique)`` with ``P x + c + Cᵀ y = 0``; by the Schur complement
    ``C P⁻¹ Cᵀ = GᵀG``, ``G = R⁻ᵀ Cᵀ``, when ``P ≻ 0`` (``chol``: its Cholesky factor ``Rᵀ R``,
    at ``ζ > 0``), else (``chol`` None) least squares on the KKT matrix (``ζ = 0``:
    ``P = ½ D Aᵀ A D`` is only definite on ``{A x = 0}``). ``rows``: ``(Gᵀ, GᵀG)`` of the
    first rows of the constraints, already known (:meth:`Hessians.tight_rows`); ``cmat`` then
    holds only the others, which are solved for here, and ``dvec`` all. ``unique``: the
    constraints are independent (the Schur complement is well conditioned), so ``y`` is the
    only multiplier vector; False where that is not known.
    """
    if chol is None:
        k, m = p.shape[0], cmat.shape[0]
        kkt = np.block([[p, cmat.T], [cmat, np.zeros((m, m))]])
        sol = sla.lstsq(kkt, np.concatenate([-c, dvec]), lapack_driver="gelsd")[0]
        return sol[:k], sol[k:], False
    factor, lower = chol  # P = Rᵀ R (R = Lᵀ when the factor is lower)
    half = {"lower": lower, "check_finite": False}
    known_t, known_gram = rows if rows is not None else (np.empty((0, len(c))), np.empty((0, 0)))
    m = len(known_t)
    rest = sla.solve_triangular(factor, cmat.T, trans=0 if lower else 1, **half)  # R⁻ᵀ Cᵀ
    gc = sla.solve_triangular(factor, c, trans=0 if lower else 1, **half)  # R⁻ᵀ c
    cross = known_t @ rest
    schur = np.block([[known_gram, cross], [cross.T, rest.T @ rest]])
    y, unique = _schur_solve(schur, -np.concatenate([known_t @ gc, rest.T @ gc]) - dvec)
    step = gc + known_t.T @ y[:m] + rest @ y[m:]
    return -sla.solve_triangular(factor, step, trans=1 if lower else 0, **half), y, unique


def _schur_solve(schur: np.ndarray, rhs: np.ndarray) -> tuple[np.ndarray, bool]:
    """Solve the polish's Schur system ``C P⁻¹ Cᵀ y = r``; also say if it was well conditioned.

    By Cholesky when its reciprocal condition number is above ``SCHUR_RCOND`` (4× fewer flops
    than least squares); else by least squares (LAPACK ``gelsy``), whose minimum-norm ``y`` is
    defined when dependent tight rows make the system singular.
    """
    try:
        factor = sla.cho_factor(schur, check_finite=False)
    except np.linalg.LinAlgError:
        factor = None
    if factor is not None:
        rcond, info = dpocon(factor[0], float(np.linalg.norm(schur, 1)),
                             uplo="L" if factor[1] else "U")
        if info == 0 and rcond > SCHUR_RCOND:
            return sla.cho_solve(factor, rhs, check_finite=False), True
    return sla.lstsq(schur, rhs, lapack_driver="gelsy")[0], False


def _eq_solve(v, z, kind, budget, sup, sign, tight, side, hess: Hessians, reuse: bool = True):
    """Solve the equality-constrained QP of one active set: ``(x, ν, μ)`` on all indices.

    Also returns whether these multipliers are the only ones (:func:`_equality_qp`).
    ``reuse``: take the factor of ``P`` and the tight rows of the step before where its
    support holds this one (:meth:`Hessians.superset`; the atoms left out are held at zero
    by constraints) and the same tight rows (:meth:`Hessians.tight_rows`); else solve on
    ``sup`` afresh. Where the rows then turn out dependent (not ``unique``), the step is
    solved afresh all the same: the least-squares multipliers of dependent rows, and so
    which rows the next step drops, would depend on the rounding of the reused sums.
    """
    size = v.shape[-1]
    w = weights(hess.n, kind)
    hess.equality_qps += 1
    if z <= 0:
        p, c = hess.p_c(sup)
        budget_row = (sign * w[sup])[None, :]
        cmat = np.vstack([_atom_columns(sup, tight, size), budget_row])
        dvec = np.concatenate([v[tight], [budget]])
        xj, y, unique = _equality_qp(p, c, cmat, dvec, None)
        x = np.zeros(2 * size if kind == "and_or" else size)
        x[sup] = xj
        nu = np.zeros(size)
        nu[tight] = y[:-1]
        return x, nu, float(y[-1]), unique
    atoms = hess.superset(sup) if reuse else sup
    at = np.searchsorted(atoms, sup)
    zero = np.setdiff1d(np.arange(len(atoms)), at)
    p, c = hess.p_c(atoms)
    chol = hess.factor(atoms, p)
    keys = np.concatenate([tight, -1 - zero])
    order, gt, gram = hess.tight_rows(atoms, keys, chol, reuse)
    hess.rows_reused |= len(zero) > 0  # not the QP on ``sup`` alone either: not afresh
    keys = keys[order]
    is_row = keys >= 0
    rows = np.full(len(keys), -1, np.int64)
    rows[is_row] = keys[is_row]
    sides = np.zeros(len(keys))
    sides[is_row] = side[np.searchsorted(tight, keys[is_row], sorter=np.argsort(tight))] \
        if len(tight) else 0.0
    budget_row = np.zeros((1, len(atoms)))
    budget_row[0, at] = sign * w[sup]
    dvec = np.concatenate([np.where(is_row, v[rows] + z * sides, 0.0), [budget]])
    xj, y, unique = _equality_qp(p, c, budget_row, dvec, chol, (gt, gram))
    if hess.rows_reused and not unique:  # dependent rows: least squares' choice among the
        # multipliers turns on rounding, and the steps after it on that choice
        return _eq_solve(v, z, kind, budget, sup, sign, tight, side, hess, reuse=False)
    x = np.zeros(2 * size if kind == "and_or" else size)
    x[sup] = xj[at]
    nu = np.zeros(size)
    nu[keys[is_row]] = y[:-1][is_row]
    return x, nu, float(y[-1]), unique


class PricedOut(NamedTuple):
    """A point of the polish where only the pricing failed.

    In the box, signs and multipliers consistent, an atom priced past ``μ w_j`` by the
    relative ``overshoot``; ``sup``, ``sgn``: the support and its signs, ``tight``, ``sides``:
    the tight rows and their sides.
    """

    overshoot: float
    x: np.ndarray
    nu: np.ndarray
    mu: float
    sup: np.ndarray
    sgn: np.ndarray
    tight: np.ndarray
    sides: np.ndarray


def polish_selection(x, v, z, kind, budget, rows, nu, mu, max_steps: int = 100,
                     dual_slack: np.ndarray | None = None, hess: Hessians | None = None
                     ) -> tuple[np.ndarray, np.ndarray, float] | None:
    """Return the exact KKT point from an approximate one ``(x, ν, μ)``.

    By active-set steps on equality QPs.

    Start: an atom is in the support when ``|x_j| / max|x| > (μ w_j − |price_j|) / (μ w_j)``
    (primal size beats dual slack; sign ``s_j``; ``dual_slack``, where not NaN, gives
    ``(μ w_j − |price_j|) / (μ w_j)`` from the interior point's own duals, which are more
    accurate than prices recomputed from ``ν``), a row of ``rows`` is tight when
    ``(ζ − |q_S|) / ζ < |ν_S| / max|ν|`` (side ``σ_S``), the budget is tight. Each step solves
    ``min ½ xᵀPx + cᵀx`` s.t. ``A_{R,J} x = v_R + ζ σ``, ``sᵀ x_J = B`` (Schur complement of
    ``P ≻ 0``), then drops atoms whose sign flipped and rows whose multiplier has the wrong
    sign, or else adds the row furthest past the box or the atom priced furthest past ``μ w``
    (matrix-free, on the full problem); where that fails, again by primal active-set steps
    (:func:`active_set`, ``stepped``); where that fails too, the points where only an atom's
    price was past its bound are checked for other multipliers that certify them
    (:func:`kkt_multipliers`, at ``ζ > 0``). Returns ``(x, ν, μ)`` once nothing changes and
    the full KKT check passes to ``1e-7``, else ``None``.
    """
    size = v.shape[-1]
    hess = hess if hess is not None else Hessians(v, z, kind)
    w = weights(size.bit_length() - 1, kind)
    q = dictionary_apply(x, kind) - v
    price = _prices(x, nu, v, z, kind)
    big = max(float(np.abs(x).max()), 1e-300)
    mu_w = np.maximum(mu, 1e-300) * w
    gap = np.where(w > 0, (mu_w - np.abs(price)) / np.where(w > 0, mu_w, 1.0), 0.0)
    if dual_slack is not None:
        gap = np.where(np.isnan(dual_slack), gap, dual_slack)
    keep = (np.abs(x) / big > gap) & (w > 0)
    keep[0] = True
    if np.count_nonzero(keep & (x == 0)) > max(10, 0.2 * np.count_nonzero(x)):
        return None  # far from the full problem's optimum: generate more atoms first
    sup = np.flatnonzero(keep)
    # atoms the restricted QP did not have but the full problem prices out enter with the
    # sign that lowers the objective
    sign = dict(zip(sup.tolist(), np.where(x[sup] != 0, np.sign(x[sup]),
                                           -np.sign(price[sup])).tolist(), strict=True))
    if z > 0:
        nu_big = max(float(np.abs(nu).max()), 1e-300)
        tight = rows[(z - np.abs(q[rows])) / z < np.abs(nu[rows]) / nu_big]
    else:
        tight = rows
    side = dict(zip(tight.tolist(), (np.sign(q[tight]) if z > 0 else 0 * tight).tolist(),
                    strict=True))
    start = np.where(keep, x, 0.0)
    priced_out: list[PricedOut] = []
    for stepped in (False, True):  # the primal steps only where dropping all at once failed
        exact = active_set(v, z, kind, budget, dict(sign), dict(side), start,
                           max_steps=min(max_steps, STEPPED_STEPS) if stepped else max_steps,
                           grow=0.1, hess=hess, stepped=stepped, priced_out=priced_out)
        if exact is not None:
            return exact
    return _certified(priced_out, v, z, kind, budget, hess) if z > 0 else None


def _certified(priced_out: list[PricedOut], v, z, kind, budget, hess: Hessians
               ) -> tuple[np.ndarray, np.ndarray, float] | None:
    """Return the first point that :func:`kkt_multipliers` certifies, with its multipliers.

    Only points whose active set (support and tight rows) the polish reached at least twice
    are tried, the cycle of degenerate multipliers: on the float64 games of
    ``benchmarks/extraction.py`` the polish fails because atoms or rows are still missing,
    without revisiting an active set, and the linear problem never certified a point there.
    At most ``KKT_LP_POINTS`` such active sets, the least priced-out first; ``None`` when none
    is certified. Each point is computed afresh from its active set first (as an accepted
    point of :func:`active_set` is).
    """
    keys = [(p.sup.tobytes(), p.tight.tobytes()) for p in priced_out]
    visits = Counter(keys)
    seen: set[tuple[bytes, bytes]] = set()
    for key, p in sorted(zip(keys, priced_out, strict=True), key=lambda kp: kp[1].overshoot):
        if key in seen or visits[key] < 2:  # visited once: not a cycle
            continue
        if len(seen) == KKT_LP_POINTS:
            break
        seen.add(key)
        x = _eq_solve(v, z, kind, budget, p.sup, p.sgn, p.tight, p.sides, hess,
                      reuse=False)[0]
        cert = kkt_multipliers(x, v, z, kind, budget, p.sup, p.sgn, p.tight, p.sides, p.nu,
                               p.mu)
        if cert is not None:
            return x, cert[0], cert[1]
    return None


def signed_multipliers(x, v, z, kind, sup, sgn, tight, sides
                       ) -> tuple[np.ndarray, float] | None:
    """Return multipliers of the right signs for ``x``, when the tight rows are degenerate.

    With linearly dependent tight rows the multipliers of the equality QP are not unique and
    the least-squares ones may have wrong signs although valid ones exist. Solves
    ``min ‖∇(ζ²f)_J + A_{R,J}ᵀ ν + μ (w∘s)_J‖`` over ``σ_r ν_r ≥ 0``, ``μ ≥ 0`` (non-negative
    least squares) and returns ``(ν, μ)`` when the residual vanishes (to ``1e-9``), else None.
    """
    grad, mat = _stationarity(x, v, z, kind, sup, sgn, tight, sides)
    y, rnorm = nnls(mat, -grad[sup], maxiter=20 * mat.shape[1])
    if rnorm > 1e-9 * max(1.0, float(np.linalg.norm(grad[sup]))):
        return None
    return _multipliers(v.shape[-1], tight, sides, y)


def _stationarity(x, v, z, kind, sup, sgn, tight, sides) -> tuple[np.ndarray, np.ndarray]:
    """Return ``∇(ζ²f)(x)`` on every atom and the matrix ``M`` of the support's stationarity.

    ``∇(ζ²f)_J + M (σ∘ν_R, μ) = 0`` reads ``∇(ζ²f)_J + A_{R,J}ᵀ ν + μ (w∘s)_J = 0``, so
    that sign-correct multipliers are the non-negative ``(σ∘ν_R, μ)``.
    """
    size = v.shape[-1]
    w = weights(size.bit_length() - 1, kind)
    cols = _atom_columns(sup, tight, size).T * sides[None, :]
    return selection_gradient(x, v, z, kind), np.hstack([cols, (sgn * w[sup])[:, None]])


def _multipliers(size: int, tight: np.ndarray, sides: np.ndarray, y: np.ndarray
                 ) -> tuple[np.ndarray, float]:
    """Return ``(ν, μ)`` on every row from ``y = (σ∘ν_R, μ)`` (see :func:`_stationarity`)."""
    nu = np.zeros(size)
    nu[tight] = sides * y[:-1]
    return nu, float(y[-1])


def kkt_multipliers(x, v, z, kind, budget, sup, sgn, tight, sides, nu, mu
                    ) -> tuple[np.ndarray, float] | None:
    """Return multipliers that certify ``x`` where the least-squares ones price an atom out.

    With linearly dependent tight rows the multipliers ``(ν, μ)`` of ``x`` are not unique, and
    those of the equality QP (least squares) can price an atom past ``μ w_j`` although other
    valid ones price none out: the polish then cycles, the atom entering, flipping its sign at
    once and leaving (float32 network outputs). Seeks, by a linear feasibility problem (HiGHS),

    ``∇(ζ²f)_J + A_{R,J}ᵀ ν + μ (w∘s)_J = 0``,  ``σ_r ν_r ≥ 0``,  ``μ ≥ 0``,
    ``|∇(ζ²f)_j + A_{R,j}ᵀ ν| ≤ μ w_j`` off the support,

    the last for the atoms whose price under ``(nu, mu)`` is at least ``KKT_LP_NEAR·μ w_j``
    (the others are far from their bound). Returns ``(ν, μ)`` on all rows when it is feasible
    and the full problem's KKT check passes at ``(x, ν, μ)`` to ``1e-7``, else ``None``.
    ``sup``, ``sgn``: the support and its signs (``I_and(∅)``, of weight 0, among them);
    ``tight``, ``sides``: the tight rows and their sides ``σ``.
    """
    size = v.shape[-1]
    w = weights(size.bit_length() - 1, kind)
    grad, on_support = _stationarity(x, v, z, kind, sup, sgn, tight, sides)
    price = grad + dictionary_transpose(nu, kind)
    near = np.abs(price) >= KKT_LP_NEAR * max(mu, 1e-12) * w
    near[sup] = False
    off = np.flatnonzero(near & (w > 0))
    off_cols = _atom_columns(off, tight, size).T * sides[None, :]
    bound = -w[off][:, None]  # price_j − μ w_j ≤ 0 and −price_j − μ w_j ≤ 0
    res = linprog(np.zeros(len(tight) + 1),
                  A_ub=np.vstack([np.hstack([off_cols, bound]), np.hstack([-off_cols, bound])]),
                  b_ub=np.concatenate([-grad[off], grad[off]]),
                  A_eq=on_support, b_eq=-grad[sup], bounds=(0, None), method="highs",
                  options={"primal_feasibility_tolerance": 1e-10,
                           "dual_feasibility_tolerance": 1e-10})
    if res.status != 0:
        return None
    nu_lp, mu_lp = _multipliers(size, tight, sides, res.x)
    return (nu_lp, mu_lp) if _kkt_holds(x, nu_lp, mu_lp, v, z, kind, budget) else None


def _inconsistent_row(x, v, z, kind, budget, sup, sgn, tight, side, hess: Hessians
                      ) -> int | None:
    """Return the tight row to release when the tight rows' bounds disagree, else ``None``.

    Tight rows that are linearly dependent on the support need consistent bounds; when they
    disagree (by ~1e-9, e.g. float32 model outputs), least squares leaves several of them off
    their bound and the KKT check fails. At the optimum one of them is slack: release the first
    (smallest ``|ν|`` first is not enough: its release can push it out of the box) whose
    release leaves it inside the box.
    """
    off = np.abs(np.abs(dictionary_apply(x, kind)[tight] - v[tight]) - z)
    far = off > 1e-9 * z
    for r in tight[far][np.argsort(-off[far], kind="stable")]:
        rest = tight[tight != r]
        xs = _eq_solve(v, z, kind, budget, sup, sgn, rest,
                       np.array([side[int(t)] for t in rest], dtype=np.float64), hess)[0]
        if abs(dictionary_apply(xs, kind)[r] - v[r]) <= z * (1 + 1e-12):
            return int(r)
    return None


def active_set(v, z, kind, budget, sign: dict, side: dict, start: np.ndarray, *,
               max_steps: int = 40, grow: float = 0.0, hess: Hessians | None = None,
               stepped: bool = False, priced_out: list[PricedOut] | None = None
               ) -> tuple[np.ndarray, np.ndarray, float] | None:
    """Run active-set steps from atoms ``sign`` and tight rows ``side`` (both changed in place).

    ``sign``: index → sign, ``side``: index → side; see :func:`polish_selection`; ``start``:
    a point with the signs of ``sign`` (zero off it); ``grow``: fraction of the support added
    per step (at least one atom or row); ``hess``: the game's :class:`Hessians` (a new one by
    default).

    When the equality QP's solution ``x_s`` flips the signs of some atoms (or leaves them at
    zero, ``ZERO_ATOM_RTOL``), every such atom and every row with a wrong-signed multiplier
    leaves at once; with ``stepped``, the step goes from ``start`` towards ``x_s`` only as far
    as the first sign change, ``α = min_j start_j / (start_j − x_s,j)``, only the atoms that
    change sign there leave, and the row multipliers are looked at only once a full step is
    taken (a primal active-set step). The first is faster where it works; on degenerate games
    (float32 network outputs) it can cycle where the second does not (docs/selection.md); the
    first gives up once its support has shrunk below ``COLLAPSE`` of its start.
    ``priced_out``: a list to which every :class:`PricedOut` point is appended.
    """
    size = v.shape[-1]
    hess = hess if hess is not None else Hessians(v, z, kind)
    w = weights(size.bit_length() - 1, kind)
    start_size = len(sign)
    for _ in range(max_steps):
        if not stepped and len(sign) < COLLAPSE * start_size:
            return None  # collapsed: dropping at once has taken it far from the optimum
        sup = np.array(sorted(sign), np.int64)
        tight = np.array(sorted(side), np.int64)
        sgn = np.array([sign[j] for j in sup])
        xs, nu_s, mu_s, unique = _eq_solve(
            v, z, kind, budget, sup, sgn, tight,
            np.array([side[r] for r in tight], dtype=np.float64), hess)
        weighted = w[sup] > 0  # all but I_and(∅), whose scale is v(∅)'s
        tiny = ZERO_ATOM_RTOL * float(np.abs(xs[sup[weighted]]).max(initial=0.0))
        flipped = sup[weighted & ((xs[sup] * sgn < 0) | (np.abs(xs[sup]) <= tiny))]
        if len(flipped) and stepped:  # the blocking atoms leave at the first sign change
            change = start[flipped] - xs[flipped]  # 0 only for an atom at zero throughout
            ratio = np.divide(start[flipped], change, out=np.zeros_like(change), where=change != 0)
            alpha = float(ratio.min())
            flipped = flipped[ratio <= alpha + 1e-12]
            start = start + alpha * (xs - start)
            start[flipped] = 0.0
        sides = np.array([side[r] for r in tight], dtype=np.float64)
        wrong = tight[nu_s[tight] * sides < 0] if z > 0 and not (stepped and len(flipped)) \
            else []
        if len(wrong) and not len(flipped) and not unique:  # unique ones cannot be re-signed
            signed = signed_multipliers(xs, v, z, kind, sup, sgn, tight, sides)
            if signed is not None:  # degenerate rows: other multipliers of the right sign
                nu_s, mu_s, wrong = signed[0], signed[1], []
        for j in flipped:
            del sign[int(j)]
        for r in wrong:
            del side[int(r)]
        if len(flipped) or len(wrong):
            continue
        start = xs
        qs = np.abs(dictionary_apply(xs, kind) - v) - z
        qs[tight] = -np.inf  # equalities of this step: met up to rounding
        over = np.abs(_prices(xs, nu_s, v, z, kind)) - max(mu_s, 1e-12) * w * (1 + 1e-9)
        over[(xs != 0) | (w == 0)] = -np.inf
        count = max(1, int(grow * len(sign)))
        if qs.max() > 1e-11:
            fit = dictionary_apply(xs, kind) - v
            for r in np.argsort(-qs, kind="stable")[:count]:
                if qs[r] > 1e-11:
                    side[int(r)] = float(np.sign(fit[r])) if z > 0 else 0.0
        elif over.max() > 0:
            if priced_out is not None:
                worst = float(np.max(over / np.maximum(max(mu_s, 1e-12) * w, 1e-300)))
                priced_out.append(PricedOut(worst, xs, nu_s, mu_s, sup, sgn, tight, sides))
            price = _prices(xs, nu_s, v, z, kind)
            for j in np.argsort(-over, kind="stable")[:count]:
                if over[j] > 0:
                    sign[int(j)] = -float(np.sign(price[j]))
        else:
            if _kkt_holds(xs, nu_s, mu_s, v, z, kind, budget):
                if not hess.rows_reused:
                    return xs, nu_s, mu_s
                return _afresh(v, z, kind, budget, sup, sgn, tight, sides, hess,
                               (xs, nu_s, mu_s))
            slack_row = _inconsistent_row(xs, v, z, kind, budget, sup, sgn, tight, side,
                                          hess) if z > 0 and len(tight) else None
            if slack_row is None:
                return None
            del side[slack_row]
    return None


def _afresh(v, z, kind, budget, sup, sgn, tight, sides, hess: Hessians,
            accepted: tuple[np.ndarray, np.ndarray, float]
            ) -> tuple[np.ndarray, np.ndarray, float]:
    """Return the point of an accepted active set computed afresh, without reused rows.

    Reused rows (:meth:`Hessians.tight_rows`) change sums in their rounding, so the
    ``accepted`` point ``(x, ν, μ)`` would carry bits of the steps that led to it; the fresh
    one is the same whatever they were. With its own multipliers, or else with the
    ``accepted`` ones (sign-corrected where the tight rows are degenerate); ``accepted``
    itself where neither passes the KKT check (rounding at the edge of ``KKT_TOL``).
    """
    x, nu, mu = _eq_solve(v, z, kind, budget, sup, sgn, tight, sides, hess, reuse=False)[:3]
    for nu_k, mu_k in ((nu, mu), accepted[1:]):
        if _kkt_holds(x, nu_k, mu_k, v, z, kind, budget):
            return x, nu_k, mu_k
    return accepted


def _keep_rows(x, v, z, kind, rows, nu, released) -> np.ndarray:
    """Return the rows of the restriction worth keeping for its next solve.

    The LP vertex seeds the restriction with all its tight rows (about one per atom), but at
    the selection's optimum only about a third of them bind; each of them costs a rank-one
    term of every Newton matrix. A row at least ``RELEASE·ζ`` away from either bound,
    with no multiplier, is released for the next round (and marked in ``released``, so that
    a row that comes back after a release stays). The row check of the next round adds back
    any released row that the new point violates, so the answer does not change: it is the
    polished KKT point of the full problem.
    """
    if z <= 0:
        return rows
    slack = z - np.abs(dictionary_apply(x, kind)[rows] - v[rows])
    free = (slack > RELEASE * z) & (np.abs(nu[rows]) <= 1e-9 * max(1.0, np.abs(nu).max())) \
        & ~released[rows]
    released[rows[free]] = True
    return rows[~free]


def _keep_atoms(x, atoms, dual_slack, w, released) -> np.ndarray:
    """Return the atoms of the restriction worth keeping for its next solve.

    Each atom costs a row and a column of every dense Newton matrix (``k³/3 + k² m`` flops):
    the restriction grows from the vertex's support and keeps every atom it ever held, while
    the canonical support drops some of them. An atom the restricted optimum leaves at zero
    (``|x_j| ≤ 1e-9·max|x|``) whose dual slack (:func:`.dense_qp.solve_dense_qp`'s, ``(μ w_j
    − |price_j|) / (μ w_j)``) is above ``ATOM_RELEASE`` is released, once (marked in
    ``released``; one that comes back stays): it is zero at the restricted optimum, which
    stays the optimum without it, and the pricing of the next round adds it back if the new
    point prices it out, so the answer does not change.
    """
    small = np.abs(x[atoms]) <= 1e-9 * max(float(np.abs(x).max()), 1e-300)
    free = small & (dual_slack[atoms] > ATOM_RELEASE) & ~released[atoms] & (w[atoms] > 0)
    released[atoms[free]] = True
    return atoms[~free]


def select_one(v: np.ndarray, z: float, kind: str, opt: float, epsilon: float,
               x_start: np.ndarray, *, max_rounds: int = 30, max_add: int = 100,
               polish_steps: int = 30, release_atoms: bool = True,
               seed_atoms: np.ndarray | None = None, seed_rows: np.ndarray | None = None
               ) -> tuple[np.ndarray, dict[str, Any]]:
    """Compute the canonical split of one normalised game (``v(∅) = 0``, ``max|v| = 1``).

    ``opt``: the certified LP optimum, ``x_start``: a feasible point of L1 norm ``opt`` (the
    LP vertex) whose support and tight rows seed the restriction. Returns ``x`` and an info
    dict (``rounds``, ``qp_iterations``, ``equality_qps`` of the polish, ``polished``,
    ``kkt``: the largest relative KKT violation on the full problem). ``release_atoms``:
    atoms the restricted optimum does not use leave the restriction (:func:`_keep_atoms`);
    where the polish then fails, the whole computation is done again without that (the
    polish's success depends on the interior point it starts from; the counts add up).
    ``seed_atoms``, ``seed_rows``: more atoms (indices into ``x``) and rows for the first
    restriction, e.g. the support and tight rows of a nearby game's canonical split (the
    previous checkpoint's): the rounds that would find them are saved. The answer is the same
    unique minimiser; a seed far from it only makes the first restricted QP larger (what the
    optimum leaves unused is released as usual).

    >>> v = np.array([0.0, 1.0, 1.0, 1.0])  # x0 OR x1: the vertex is the OR atom
    >>> x, info = select_one(v, 0.0, "and_or", 1.0, 0.01, np.array([0, 0, 0, 0, 0, 0, 0, 1.0]))
    >>> x.round(4).tolist(), info["polished"]
    ([0.0, 0.005, 0.005, -0.005, 0.0, 0.0, 0.0, 0.995], True)
    """
    size = v.shape[-1]
    budget = (1.0 + epsilon) * opt
    q0 = dictionary_apply(x_start, kind) - v
    rows = np.flatnonzero(np.abs(q0) >= z * (1 - 1e-7)) if z > 0 else np.arange(size)
    atoms = np.union1d(np.flatnonzero(x_start), [0])
    if seed_atoms is not None:
        atoms = np.union1d(atoms, np.asarray(seed_atoms, np.int64))
    if seed_rows is not None and z > 0:
        rows = np.union1d(rows, np.asarray(seed_rows, np.int64))
    info: dict[str, Any] = {"rounds": 0, "qp_iterations": 0, "polished": False}
    w = weights(size.bit_length() - 1, kind)
    released = np.zeros(size, bool)  # rows released once are kept from then on (no cycling)
    dropped = np.zeros(len(x_start), bool)  # atoms released once, likewise
    hess = Hessians(v, z, kind)
    x = np.asarray(x_start, dtype=np.float64)  # each restricted QP starts at the last point
    for _ in range(max_rounds):
        info["rounds"] += 1
        res = _restricted_qp(v, z, kind, atoms, rows, budget, hess, x[atoms])
        info["qp_iterations"] += res["iterations"]
        x = _full_x(atoms, res["x"], len(x_start))
        nu = np.zeros(size)
        nu[rows] = res["nu"]
        mu = res["mu"]
        dual_slack = np.full(len(x_start), np.nan)
        if "dual_slack" in res:
            dual_slack[atoms] = res["dual_slack"]
        excess = np.abs(dictionary_apply(x, kind) - v) - z
        excess[rows] = -np.inf
        new_rows = np.flatnonzero(excess > 1e-7 * max(z, 1e-3))
        grow = max(max_add, len(atoms))  # the restriction at most doubles per round
        new_rows = new_rows[np.argsort(-excess[new_rows], kind="stable")][:grow]
        over = np.abs(_prices(x, nu, v, z, kind)) - mu * (1 + 1e-6) * w
        over[atoms] = -np.inf
        over[w == 0] = -np.inf
        new_atoms = np.flatnonzero(over > 1e-9)
        new_atoms = new_atoms[np.argsort(-over[new_atoms], kind="stable")][:grow]
        missing = len(new_rows) + len(new_atoms)
        if missing <= max(20, 0.05 * len(atoms)):
            # the restricted optimum is nearly the full one: the active-set steps finish it
            exact = polish_selection(x, v, z, kind, budget, rows, nu, mu, max_steps=polish_steps,
                                     dual_slack=dual_slack, hess=hess)
            if exact is not None:
                x, nu, mu = exact
                info["polished"] = True
                break
            if not missing:
                break
        rows = np.union1d(_keep_rows(x, v, z, kind, rows, nu, released), new_rows)
        if release_atoms:
            atoms = _keep_atoms(x, atoms, dual_slack, w, dropped)
        atoms = np.union1d(atoms, new_atoms)
    viol = kkt_violation(x, nu, mu, v, z, kind, budget)
    info["kkt"] = max(viol.values())
    info["equality_qps"] = hess.equality_qps
    if not info["polished"] and dropped.any():
        x, again = select_one(v, z, kind, opt, epsilon, x_start, max_rounds=max_rounds,
                              max_add=max_add, polish_steps=polish_steps, release_atoms=False,
                              seed_atoms=seed_atoms, seed_rows=seed_rows)
        for key in ("rounds", "qp_iterations", "equality_qps"):
            again[key] += info[key]
        info = again
    return x, info
