r"""The AND-OR split as a linear program, through HiGHS: the full LP and a restricted one.

Formulation (ours): the OR atom ``1(T ∩ S ≠ ∅)`` is written ``1 − 1(T ⊆ N \ S)``, so that with
one extra free variable ``s = Σ_T I_or(T)`` every row reads

``Σ_{T ⊆ S} I_and(T) + s − Σ_{T ∩ S = ∅} I_or(T) = v(S) + q(S)``,   ``|q(S)| ≤ ζ``.

This has ``~2·3^n`` nonzeros instead of the ``~4^n`` of the dense OR matrix (timings of the
formulations we compared: ``benchmarks/README.md``). ``|x|`` is split as ``x⁺ − x⁻``.

:class:`RestrictedLP` holds the same LP restricted to a set of rows and atoms, grows it in
place and re-solves warm (HiGHS simplex); :mod:`.fast` drives it by row and column generation.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import scipy.sparse as sp
from scipy.optimize import linprog

from harsanyi.core.orders import order_of_masks

__all__ = ["SIMPLEX", "RestrictedLP", "highs_core", "simplex_highs", "solve_full_lp"]


SIMPLEX = {"dual": 1, "primal": 4}  # HiGHS simplex_strategy codes


def highs_core() -> Any:
    """Return the HiGHS python binding (``highspy``, or scipy's bundled copy), or ``None``.

    >>> highs_core() is None or hasattr(highs_core(), "_Highs")
    True
    """
    try:
        from highspy import _core  # optional: HiGHS bindings, used when installed

        return _core
    except ImportError:
        pass
    try:
        from scipy.optimize._highspy import _core  # fallback: SciPy's bundled HiGHS bindings

        return _core if hasattr(_core, "_Highs") else None
    except ImportError:  # pragma: no cover - depends on the scipy build
        return None


def simplex_highs(core: Any, tol: float = 1e-9) -> Any:
    """Return a silent HiGHS instance set up for warm-started simplex re-solves.

    No presolve (a warm basis must survive), one thread, feasibility tolerances ``tol``.

    >>> core = highs_core()
    >>> core is None or simplex_highs(core).getOptionValue("presolve")[1] == "off"
    True
    """
    h = core._Highs()
    for key, val in (("output_flag", False), ("presolve", "off"), ("solver", "simplex"),
                     ("primal_feasibility_tolerance", tol),
                     ("dual_feasibility_tolerance", tol), ("threads", 1)):
        h.setOptionValue(key, val)
    return h


def _kron_power(block: list[list[float]], n: int) -> sp.csc_matrix:
    """``block^{⊗n}`` as a sparse matrix, built factor by factor (no dense ``2^n × 2^n``).

    Every factor is the same 2×2 block, so which factor is player ``i``'s does not matter.

    >>> _kron_power([[1, 0], [1, 1]], 2).toarray().astype(int).tolist()
    [[1, 0, 0, 0], [1, 1, 0, 0], [1, 0, 1, 0], [1, 1, 1, 1]]
    """
    one = sp.csr_matrix(np.asarray(block, dtype=np.float64))
    out = sp.csr_matrix(np.ones((1, 1)))
    for _ in range(n):
        out = sp.kron(out, one, format="csr")
    return out.tocsc()


def _full_block(n: int, or_cols: np.ndarray) -> sp.csc_matrix:
    """Columns ``[I_and⁺, I_and⁻, I_or⁺, I_or⁻]`` of every row (complement form).

    ``T ⊆ S`` is the Kronecker power of ``[[1,0],[1,1]]`` (rows ``S``, columns ``T``) and
    ``T ∩ S = ∅`` that of ``[[1,1],[1,0]]``: ``3^n`` nonzeros each, built sparse.
    """
    za = _kron_power([[1, 0], [1, 1]], n)
    zo = _kron_power([[1, 1], [1, 0]], n)[:, np.asarray(or_cols, np.int64)]
    return sp.hstack([za, -za, -zo, zo], format="csc")


def solve_full_lp(
    values: np.ndarray, bound: float, kind: str = "and_or", method: str = "highs-ipm"
) -> tuple[np.ndarray, np.ndarray, dict[str, Any]]:
    """Solve the whole LP of one game with ``scipy.optimize.linprog`` (HiGHS).

    ``min Σ_{S≠∅}|I_and(S)| + Σ_{|S|≥2}|I_or(S)|`` s.t. ``A x − q = v``, ``|q| ≤ ζ``. Returns
    ``x = (I_and, I_or)`` (length ``2**n``, or ``2 · 2**n`` for ``"and_or"``), the row duals
    ``λ = ∂ optimum / ∂ v`` and an info dict (``status``, ``iterations``, ``objective``).

    >>> x, lam, info = solve_full_lp(np.array([0.0, 0.0, 0.0, 1.0]), 0.0)
    >>> (np.round(x, 12) + 0.0).tolist(), info["objective"]
    ([0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0], 1.0)
    """
    size = values.shape[-1]
    n = size.bit_length() - 1
    or_cols = np.flatnonzero(order_of_masks(n) >= 2) if kind == "and_or" else np.zeros(0, int)
    m = len(or_cols)
    w = np.ones(size)
    w[0] = 0.0
    core = _full_block(n, or_cols)
    blocks = [core]
    cost = [w, w, np.ones(2 * m)]
    lower = [np.zeros(2 * size + 2 * m)]
    upper = [np.full(2 * size + 2 * m, np.inf)]
    if kind == "and_or":
        blocks.append(sp.csc_matrix(np.ones((size, 1))))
        cost.append(np.zeros(1))
        lower.append(np.full(1, -np.inf))
        upper.append(np.full(1, np.inf))
    blocks.append(-sp.identity(size, format="csc"))
    cost.append(np.zeros(size))
    lower.append(np.full(size, -bound))
    upper.append(np.full(size, bound))
    a_eq = sp.hstack(blocks, format="csc")
    b_eq = values
    if kind == "and_or":
        s_row = np.concatenate([np.zeros(2 * size), -np.ones(m), np.ones(m), [1.0], np.zeros(size)])
        a_eq = sp.vstack([a_eq, sp.csc_matrix(s_row[None, :])], format="csc")
        b_eq = np.concatenate([values, [0.0]])
    tight = {"primal_feasibility_tolerance": 1e-10, "dual_feasibility_tolerance": 1e-10}
    if method == "highs-ipm":
        tight["ipm_optimality_tolerance"] = 1e-10
    res = linprog(np.concatenate(cost), A_eq=a_eq, b_eq=b_eq,
                  bounds=np.stack([np.concatenate(lower), np.concatenate(upper)], -1),
                  method=method, options=tight)
    info = {"status": int(res.status), "message": str(res.message),
            "iterations": int(getattr(res, "nit", 0) or 0),
            "objective": float(res.fun) if res.x is not None else np.nan}
    if res.x is None:
        raise RuntimeError(f"HiGHS failed on the full LP: {res.message}")
    sol = res.x
    a = sol[:size] - sol[size:2 * size]
    x = a
    if kind == "and_or":
        o = np.zeros(size)
        o[or_cols] = sol[2 * size:2 * size + m] - sol[2 * size + m:2 * size + 2 * m]
        x = np.concatenate([a, o])
    lam = np.asarray(res.eqlin.marginals[:size], dtype=np.float64)
    return x, lam, info


class RestrictedLP:
    """The LP of one game restricted to rows ``R`` and atoms ``J``, grown in place.

    Rows are ranged (``v_S − ζ ≤ row_S ≤ v_S + ζ``) and each carries two elastic slacks of
    cost ``bigm`` so that every restriction is feasible; atoms ``x = x⁺ − x⁻`` cost 1 (0 for
    ``I_and(∅)``). After :meth:`add_rows` / :meth:`add_cols` HiGHS re-solves from the previous
    basis. ``core`` is the HiGHS binding (:func:`highs_core`).

    >>> lp = RestrictedLP(np.array([0.0, 0.0, 0.0, 1.0]), 0.0, "and_or", highs_core())
    >>> lp.add_rows([0, 1, 2, 3]); lp.add_cols([0, 3], [3])
    >>> out = lp.solve()
    >>> round(out["objective"], 9), float(out["and"][3]), out["status"]
    (1.0, 1.0, 'Optimal')
    """

    def __init__(self, values: np.ndarray, bound: float, kind: str, core: Any,
                 bigm: float = 1e6, tol: float = 1e-9) -> None:
        self.v, self.z, self.kind, self.core, self.bigm = values, float(bound), kind, core, bigm
        self.size = values.shape[-1]
        self.h = simplex_highs(core, tol)
        self.rows: list[int] = []
        self.and_col: dict[int, int] = {}
        self.or_col: dict[int, int] = {}
        self.ncol = 0
        self.slack_cols: list[int] = []
        self.offset = 0
        self.iterations = 0
        if kind == "and_or":  # row 0: s − Σ I_or = 0; column 0: s (free)
            self._add_rows_raw(np.zeros(1), np.zeros(1), [np.zeros(0, np.int32)], [np.zeros(0)])
            self._add_cols_raw(np.zeros(1), np.full(1, -np.inf), [np.zeros(1, np.int32)],
                               [np.ones(1)])
            self.offset = 1

    # -- raw HiGHS calls -------------------------------------------------------------------
    def _add_rows_raw(self, lower, upper, idx, val) -> None:
        starts = np.cumsum([0] + [len(i) for i in idx[:-1]]).astype(np.int32)
        index = np.concatenate(idx).astype(np.int32) if idx else np.zeros(0, np.int32)
        value = np.concatenate(val).astype(np.float64) if val else np.zeros(0)
        self.h.addRows(len(lower), np.asarray(lower, np.float64), np.asarray(upper, np.float64),
                       len(index), starts, index, value)

    def _add_cols_raw(self, cost, lower, idx, val) -> None:
        inf = self.core.kHighsInf
        starts = np.cumsum([0] + [len(i) for i in idx[:-1]]).astype(np.int32)
        index = np.concatenate(idx).astype(np.int32)
        value = np.concatenate(val).astype(np.float64)
        low = np.where(np.isfinite(lower), lower, -inf)
        self.h.addCols(len(cost), np.asarray(cost, np.float64), low, np.full(len(cost), inf),
                       len(index), starts, index, value)
        self.ncol += len(cost)

    # -- growing the restriction -----------------------------------------------------------
    def add_rows(self, subsets) -> None:
        """Add the rows of ``subsets`` (ignoring those present), with their two slacks."""
        new = sorted({int(s) for s in subsets} - set(self.rows))
        if not new:
            return
        ands = np.fromiter(self.and_col, np.int64, len(self.and_col))
        and_c = np.fromiter(self.and_col.values(), np.int64, len(self.and_col))
        ors = np.fromiter(self.or_col, np.int64, len(self.or_col))
        or_c = np.fromiter(self.or_col.values(), np.int64, len(self.or_col))
        idx, val = [], []
        for s in new:
            ca = and_c[(ands & ~s) == 0]
            co = or_c[(ors & s) == 0]
            head = [0] if self.kind == "and_or" else []
            idx.append(np.concatenate([head, ca, ca + 1, co, co + 1]))
            val.append(np.concatenate([np.ones(len(head)), np.ones(len(ca)), -np.ones(len(ca)),
                                       -np.ones(len(co)), np.ones(len(co))]))
        vals = self.v[new]
        self._add_rows_raw(vals - self.z, vals + self.z, idx, val)
        first = self.offset + len(self.rows)
        self.rows.extend(new)
        row_ids = np.arange(first, first + len(new))
        k = len(new)
        self.slack_cols.extend(range(self.ncol, self.ncol + 2 * k))
        self._add_cols_raw(np.full(2 * k, self.bigm), np.zeros(2 * k),
                           [np.array([r]) for r in np.concatenate([row_ids, row_ids])],
                           [np.ones(1)] * k + [-np.ones(1)] * k)

    def add_cols(self, and_atoms, or_atoms=()) -> None:
        """Add AND atoms and (for ``"and_or"``) OR atoms ``T`` (``|T| ≥ 2``), as ``±`` pairs."""
        new_and = sorted({int(t) for t in and_atoms} - set(self.and_col))
        new_or = sorted({int(t) for t in or_atoms} - set(self.or_col))
        if not new_and and not new_or:
            return
        rows = np.asarray(self.rows, np.int64)
        row_ids = np.arange(self.offset, self.offset + len(rows))
        idx, val, cost = [], [], []
        for t in new_and:
            hit = row_ids[(t & ~rows) == 0]
            idx += [hit, hit]
            val += [np.ones(len(hit)), -np.ones(len(hit))]
            cost += [0.0 if t == 0 else 1.0] * 2
        for t in new_or:
            hit = np.concatenate([[0], row_ids[(t & rows) == 0]])
            idx += [hit, hit]
            val += [-np.ones(len(hit)), np.ones(len(hit))]
            cost += [1.0, 1.0]
        start = self.ncol
        self._add_cols_raw(np.asarray(cost), np.zeros(len(cost)), idx, val)
        for k, t in enumerate(new_and):
            self.and_col[t] = start + 2 * k
        start += 2 * len(new_and)
        for k, t in enumerate(new_or):
            self.or_col[t] = start + 2 * k

    def set_guess(self, and_sign: dict, or_sign: dict, row_sign: dict) -> bool:
        """Start the next solve from a guessed basis.

        Atoms with a sign are basic (``x⁺`` for
        ``+``, ``x⁻`` for ``−``), rows with a sign sit at their upper (``+``) or lower bound.
        HiGHS repairs a guess that is not a valid basis; returns ``False`` if it refuses.
        """
        status = self.core.HighsBasisStatus
        cols = [status.kLower] * self.ncol
        row_st = [status.kBasic] * (self.offset + len(self.rows))
        if self.kind == "and_or":
            cols[0] = status.kBasic
            row_st[0] = status.kLower
        for table, signs in ((self.and_col, and_sign), (self.or_col, or_sign)):
            for t, sgn in signs.items():
                if t in table and sgn:
                    cols[table[t] + (0 if sgn > 0 else 1)] = status.kBasic
        for k, s in enumerate(self.rows):
            sgn = row_sign.get(s, 0)
            if sgn:
                row_st[self.offset + k] = status.kUpper if sgn > 0 else status.kLower
        basis = self.core.HighsBasis()
        basis.col_status = cols
        basis.row_status = row_st
        basis.alien = True
        basis.valid = False
        return self.h.setBasis(basis) != self.core.HighsStatus.kError

    def solve(self, method: str = "simplex", max_pivots: int | None = None,
              simplex: str = "dual") -> dict[str, Any]:
        """Re-solve the restricted LP within a pivot budget.

        Re-solve (``method``: ``"simplex"``, warm, or ``"ipm"`` + crossover) in at most
        ``max_pivots`` simplex pivots, with HiGHS's ``simplex`` method (``"dual"`` after rows were
        added, when the old basis stays dual feasible; ``"primal"`` after columns were added, when
        it stays primal feasible); return atoms (``"and"``, ``"or"``: full-length arrays), row duals
        ``"dual"`` (zero off the restriction), ``"objective"``, ``"slack"`` (largest elastic slack
        used), ``"iterations"`` (simplex pivots of this solve) and ``"status"`` (``"Iteration limit
        reached"`` past the limit). A pivot limit, not a time limit, so that results do not depend
        on the machine's load.
        """
        if simplex not in SIMPLEX:
            raise ValueError(f"simplex must be one of {sorted(SIMPLEX)}; got {simplex!r}")
        model = self.core.HighsModelStatus
        self.h.setOptionValue("solver", method)
        self.h.setOptionValue("simplex_strategy", SIMPLEX[simplex])
        limit = np.iinfo(np.int32).max if max_pivots is None else max(int(max_pivots), 1)
        self.h.setOptionValue("simplex_iteration_limit", int(limit))
        self.h.run()
        if self.h.getModelStatus() not in (model.kOptimal, model.kIterationLimit):
            # a warm re-solve can end in a spurious status (e.g. "Unbounded", impossible here
            # since the objective is >= 0): solve the restriction again from scratch
            self.iterations += int(self.h.getInfo().simplex_iteration_count)
            self.h.clearSolver()
            self.h.run()
        sol = self.h.getSolution()
        col = np.asarray(sol.col_value)
        dual = np.asarray(sol.row_dual)
        info = self.h.getInfo()
        self.iterations += int(info.simplex_iteration_count)
        self.iterations += max(0, int(info.ipm_iteration_count))
        a = np.zeros(self.size)
        o = np.zeros(self.size)
        for t, c in self.and_col.items():
            a[t] = col[c] - col[c + 1]
        for t, c in self.or_col.items():
            o[t] = col[c] - col[c + 1]
        lam = np.zeros(self.size)
        lam[np.asarray(self.rows, np.int64)] = dual[self.offset:self.offset + len(self.rows)]
        slack = float(col[self.slack_cols].max()) if self.slack_cols else 0.0
        return {"and": a, "or": o, "dual": lam,
                "objective": float(info.objective_function_value), "slack": slack,
                "iterations": int(info.simplex_iteration_count),
                "status": self.h.modelStatusToString(self.h.getModelStatus())}
