"""The AND-OR linear program restricted to sampled masks, with column generation by order.

Rows are the fit masks ``S`` of a sampled game, columns the atoms ``(kind, T)`` of a candidate
set. As in :mod:`.solvers.lp`, the OR atom ``1(T ∩ S ≠ ∅)`` is written ``1 − 1(T ⊆ N ∖ S)``
with one free variable ``s = Σ_T I_or(T)``, so each row reads

``I_and(∅) + Σ_{T ⊆ S} I_and(T) + s − Σ_{T ⊆ N∖S} I_or(T) + e⁺_S − e⁻_S ∈ [v(S) − ζ, v(S) + ζ]``

plus the row ``s − Σ_T I_or(T) = 0``; an atom costs ``c_T |I|`` (split ``x⁺ − x⁻``) with
``c_T = 1 + δ (|T| − 1)``, ``δ`` (``order_cost``, tiny) breaking ties between equally sparse
splits in favour of lower orders (``a x_i + b x_j`` and ``a·AND{i,j} + a·OR{i,j} + (b−a) x_j``
have the same L1 norm when ``a, b`` share a sign; the first is chosen); the elastic
slacks ``e^±`` cost the penalty ``M`` (``bigm``, changed by :meth:`SampledLP.set_penalty`) so
every restriction is feasible. The elastic LP is a relaxation of the LP without slacks: an
optimum of it with no slack in use is an optimum of the LP without slacks, for any ``M``; the
row duals satisfy ``|λ_S| ≤ M``. Both the rows and the atoms are generated: HiGHS simplex
re-solves warm after either is added (and after ``M`` changes).

**Pricing** (:func:`price_atoms`). With row duals ``λ`` (``Σ_S λ_S = 0`` since ``I_and(∅)`` is
free), an atom may enter when ``|Σ_{S ⊇ T} λ_S| > c_T`` (AND) or ``|Σ_{S ⊆ N∖T} λ_S| > c_T`` (OR).
Since ``w(T) = Σ_{S ⊇ T} |λ_S|`` only shrinks as ``T`` grows, the subsets are enumerated by
order and a branch is cut as soon as ``w(T) ≤ 1``: no superset of ``T`` can price out. When no
level had to be truncated (``cap``), the pricing is exact over *every* atom up to the order cap,
and an LP with no entering atom and no slack is optimal over the fit masks and all those atoms.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from math import comb
from typing import Any

import numpy as np

from harsanyi.extract.solvers.lp import SIMPLEX, highs_core, simplex_highs
from harsanyi.extract.sparse_result import atom_features

__all__ = ["PRICING_CAP", "Atom", "Pricing", "SampledLP", "atom_costs", "atom_matrix", "neighbours",
           "pool_atoms", "pool_size", "price_atoms", "price_neighbours"]

#: An atom: ``(is_or, T)`` with ``T`` a sorted tuple of players.
Atom = tuple[bool, tuple[int, ...]]

class SampledLP:
    """The LP on boolean fit masks ``(m, n)`` with values ``(m,)`` and noise bound ``ζ``.

    It is restricted to the rows added by :meth:`add_rows` and the atoms added by
    :meth:`add_atoms` (both grow in place) and re-solved warm by :meth:`solve`.

    >>> masks = np.array([[0, 0], [1, 0], [0, 1], [1, 1]], dtype=bool)
    >>> lp = SampledLP(masks, np.array([0.0, 1.0, 1.0, 1.0]), 0.0)
    >>> lp.add_rows(range(4)); lp.add_atoms([(False, (0,)), (False, (1,)), (True, (0, 1))])
    >>> out = lp.solve()
    >>> round(out["objective"], 9), out["values"].round(9).tolist()
    (1.0, [0.0, 0.0, 1.0])
    """

    def __init__(self, masks: np.ndarray, values: np.ndarray, bound: float,
                 bigm: float = 1e6, tol: float = 1e-9, order_cost: float = 0.0) -> None:
        core = highs_core()
        if core is None:  # pragma: no cover - depends on the scipy build
            raise RuntimeError("the sparse LP needs HiGHS (scipy >= 1.11 or highspy)")
        self.core, self.masks = core, np.asarray(masks, dtype=bool)
        self.v, self.z, self.bigm = np.asarray(values, np.float64), float(bound), float(bigm)
        self.m, self.order_cost = len(self.v), float(order_cost)
        self.h = h = simplex_highs(core, tol)
        inf = core.kHighsInf
        h.addRows(1, np.zeros(1), np.zeros(1), 0, np.zeros(1, np.int32),  # s − Σ I_or = 0
                  np.zeros(0, np.int32), np.zeros(0))
        self.ncol = 0
        # column 0: I_and(∅) (free); column 1: s (free)
        self._add([0.0, 0.0], [-inf, -inf], [np.zeros(0, np.int32), np.zeros(1, np.int32)],
                  [np.zeros(0), np.ones(1)])
        self.rows: list[int] = []
        self.slack_cols: list[int] = []
        self.slacks_allowed = True
        self.atoms: list[tuple[bool, tuple[int, ...]]] = []
        self.col_of: dict[tuple[bool, tuple[int, ...]], int] = {}
        self.iterations = 0

    def _add(self, cost, lower, idx, val) -> None:
        starts = np.cumsum([0] + [len(i) for i in idx[:-1]]).astype(np.int32)
        index = np.concatenate(idx).astype(np.int32)
        value = np.concatenate(val).astype(np.float64)
        k = len(cost)
        self.h.addCols(k, np.asarray(cost, np.float64), np.asarray(lower, np.float64),
                       np.full(k, self.core.kHighsInf), len(index), starts, index, value)
        self.ncol += k

    def _hits(self, rows: np.ndarray, atom: tuple[bool, tuple[int, ...]]) -> np.ndarray:
        """Return the positions in ``rows`` where the atom's column is nonzero.

        That is ``T ⊆ S`` for AND, ``T ⊆ N ∖ S`` for OR in complement form.
        """
        sub = self.masks[rows][:, list(atom[1])]
        return np.flatnonzero(~sub.any(axis=1) if atom[0] else sub.all(axis=1))

    def add_rows(self, rows) -> None:
        """Add the fit masks ``rows`` (indices; those present are ignored), with two slacks."""
        new = np.array(sorted(set(int(r) for r in rows) - set(self.rows)), dtype=np.int64)
        if not len(new):
            return
        per_row: list[list[int]] = [[0, 1] for _ in new]
        per_val: list[list[float]] = [[1.0, 1.0] for _ in new]
        for atom in self.atoms:
            col, sign = self.col_of[atom], (-1.0 if atom[0] else 1.0)
            for k in self._hits(new, atom):
                per_row[k] += [col, col + 1]
                per_val[k] += [sign, -sign]
        idx = [np.array(r, np.int32) for r in per_row]
        starts = np.cumsum([0] + [len(i) for i in idx[:-1]]).astype(np.int32)
        self.h.addRows(len(new), self.v[new] - self.z, self.v[new] + self.z,
                       int(sum(len(i) for i in idx)), starts, np.concatenate(idx),
                       np.concatenate([np.array(v) for v in per_val]))
        first = 1 + len(self.rows)
        self.rows.extend(int(r) for r in new)
        ids = np.arange(first, first + len(new))
        self.slack_cols.extend(range(self.ncol, self.ncol + 2 * len(new)))
        self._add(np.full(2 * len(new), self.bigm), np.zeros(2 * len(new)),
                  [np.array([r]) for r in np.concatenate([ids, ids])],
                  [np.ones(1)] * len(new) + [-np.ones(1)] * len(new))
        if not self.slacks_allowed:
            self.set_slacks(False)

    def set_penalty(self, bigm: float) -> None:
        """Set the cost ``M`` of every elastic slack, present and future.

        Re-solve warm with the primal simplex (the basis stays primal feasible).
        """
        self.bigm = float(bigm)
        cols = np.asarray(self.slack_cols, dtype=np.int32)
        if len(cols):
            self.h.changeColsCost(len(cols), cols, np.full(len(cols), self.bigm))

    def add_atoms(self, atoms) -> None:
        """Add the atoms ``(is_or, T)`` not yet present, as ``x⁺, x⁻`` column pairs.

        ``T`` is a sorted tuple; OR atoms need ``|T| ≥ 2``.
        """
        new = [(bool(o), tuple(int(i) for i in t)) for o, t in atoms]
        new = [a for a in dict.fromkeys(new) if a not in self.col_of]
        if not new:
            return
        rows = np.asarray(self.rows, dtype=np.int64)
        idx, val = [], []
        for atom in new:
            hit = self._hits(rows, atom) + 1
            sign = -1.0 if atom[0] else 1.0
            if atom[0]:
                hit = np.concatenate([[0], hit])
            idx += [hit, hit]
            val += [np.full(len(hit), sign), np.full(len(hit), -sign)]
        start = self.ncol
        cost = np.repeat(atom_costs(new, self.order_cost), 2)
        self._add(cost, np.zeros(2 * len(new)), idx, val)
        for k, a in enumerate(new):
            self.col_of[a] = start + 2 * k
            self.atoms.append(a)

    def set_slacks(self, allowed: bool) -> None:
        """Allow the elastic slacks of every row, present and future (``≥ 0``), or fix them at 0.

        Fixed at 0 this is the LP without slacks, whose solve ends ``"Infeasible"`` when no
        split over the atoms matches every row within ``ζ``.
        """
        self.slacks_allowed = allowed
        cols = np.asarray(self.slack_cols, dtype=np.int32)
        if len(cols):
            upper = self.core.kHighsInf if allowed else 0.0
            self.h.changeColsBounds(len(cols), cols, np.zeros(len(cols)),
                                    np.full(len(cols), upper))

    def start_from(self, basic_atoms: dict[Atom, bool], basic_rows: set[int],
                   upper_rows: set[int]) -> bool:
        """Give the simplex a starting basis; return whether HiGHS accepted it.

        Basic: the intercept, ``s``, the atoms of ``basic_atoms`` (the ``x⁺`` column where
        the value is ``True``, i.e. positive, else ``x⁻``) and the fit rows ``basic_rows``
        (``q_S`` strictly inside its box). Every other column sits at 0, every other fit row
        at the bound ``v(S) + ζ`` for ``upper_rows`` and ``v(S) − ζ`` otherwise. HiGHS
        repairs a singular guess by swapping in row slacks, so a near-optimal guess only
        shortens the next :meth:`solve` (the guess need not be a basis: it is passed as an
        *alien* one, as in :meth:`.solvers.lp.RestrictedLP.set_guess`).
        """
        status = self.core.HighsBasisStatus
        cols = [status.kLower] * self.ncol
        cols[0] = cols[1] = status.kBasic
        for atom, positive in basic_atoms.items():
            cols[self.col_of[atom] + (0 if positive else 1)] = status.kBasic
        rows = [status.kLower] * (1 + len(self.rows))
        for k, r in enumerate(self.rows, start=1):
            rows[k] = (status.kBasic if r in basic_rows else
                       status.kUpper if r in upper_rows else status.kLower)
        basis = self.core.HighsBasis()
        basis.col_status, basis.row_status, basis.alien, basis.valid = cols, rows, True, False
        return self.h.setBasis(basis) != self.core.HighsStatus.kError

    def solve(self, max_pivots: int | None = None, simplex: str = "dual",
              method: str = "simplex") -> dict[str, Any]:
        """Re-solve and return the solution.

        ``method="simplex"`` re-solves warm with HiGHS's ``simplex`` (``"dual"`` after rows
        were added, ``"primal"`` after atoms were added); ``"ipm"`` runs HiGHS's interior point
        and its crossover to an optimal vertex (no warm start: for one large solve). Return
        ``values`` (one per atom, in :attr:`atoms` order), ``intercept``, row duals ``dual``
        ``(m,)`` (zero off the restriction; ``dual_or`` of the ``s`` row), ``objective`` (atoms
        only), ``slack`` (largest elastic slack), ``status``, ``ipm_iterations`` and
        ``crossover_iterations``.
        """
        if method not in ("simplex", "ipm"):
            raise ValueError(f"method must be 'simplex' or 'ipm'; got {method!r}")
        limit = np.iinfo(np.int32).max if max_pivots is None else max(int(max_pivots), 1)
        self.h.setOptionValue("solver", method)
        self.h.setOptionValue("simplex_iteration_limit", int(limit))
        self.h.setOptionValue("simplex_strategy", SIMPLEX[simplex])
        self.h.run()
        model = self.core.HighsModelStatus
        if self.h.getModelStatus() not in (model.kOptimal, model.kIterationLimit):
            self.h.clearSolver()  # a warm re-solve can end in a spurious status: start over
            self.h.run()
        sol = self.h.getSolution()
        col = np.asarray(sol.col_value)
        row_dual = np.asarray(sol.row_dual)
        info = self.h.getInfo()
        self.iterations += int(info.simplex_iteration_count)
        cols = np.array([self.col_of[a] for a in self.atoms], dtype=np.int64)
        values = col[cols] - col[cols + 1] if len(cols) else np.zeros(0)
        dual = np.zeros(self.m)
        dual[np.asarray(self.rows, np.int64)] = row_dual[1:1 + len(self.rows)]
        return {"values": values, "intercept": float(col[0]), "dual": dual,
                "dual_or": float(row_dual[0]), "objective": float(np.abs(values).sum()),
                "order_cost": self.order_cost,
                "slack": float(col[self.slack_cols].max()) if self.slack_cols else 0.0,
                "status": self.h.modelStatusToString(self.h.getModelStatus()),
                "ipm_iterations": max(0, int(info.ipm_iteration_count)),
                "crossover_iterations": max(0, int(info.crossover_iteration_count))}


@dataclass
class Pricing:
    """The outcome of pricing the atoms.

    Atoms that price out (``entering``: ``(|price|, is_or, T)``, best first), the largest
    ``|price|``, the number of subsets examined and whether the enumeration was exact.
    """

    entering: list[tuple[float, bool, tuple[int, ...]]]
    max_price: float
    examined: int
    complete: bool


#: Branches kept per order by :func:`price_atoms` (beyond them the pricing is truncated).
PRICING_CAP = 20000


def _price_kind(rows: np.ndarray, lam: np.ndarray, shift: float, max_order: int,
                min_order: int, tol: float, cap: int, delta: float = 0.0
                ) -> tuple[list, float, int, bool]:
    """Enumerate subsets of the players by order with the ``w(T) ≤ 1`` cut (module doc)."""
    _r, n = rows.shape
    base = rows.astype(np.float64)
    weight = np.abs(lam) @ base
    price = lam @ base + shift
    enter, examined, complete, top = [], n, True, 0.0
    if min_order <= 1:
        hot = np.flatnonzero(np.abs(price) > 1 + tol)
        enter += [(float(abs(price[i])), (int(i),)) for i in hot]
        top = float(np.abs(price).max(initial=0.0))
    cut = 1 + tol - abs(shift)  # |price| ≤ w(T) + |shift|
    alive = np.flatnonzero(weight > cut)
    parents: list[tuple[int, ...]] = [(int(i),) for i in alive]
    ind = base[:, alive]
    for order in range(2, max_order + 1):
        if not parents:
            break
        w = (ind * np.abs(lam)[:, None]).T @ base  # (P, n)
        p = (ind * lam[:, None]).T @ base + shift
        last = np.array([t[-1] for t in parents])
        valid = np.arange(n)[None, :] > last[:, None]
        examined += int(valid.sum())
        pv = np.where(valid, np.abs(p), 0.0)
        top = max(top, float(pv.max(initial=0.0)))
        for b, j in zip(*np.nonzero(pv > 1 + delta * (order - 1) + tol), strict=True):
            enter.append((float(pv[b, j]), parents[b] + (int(j),)))
        bb, jj = np.nonzero(valid & (w > cut))
        if len(bb) > cap:
            keep = np.argsort(-w[bb, jj], kind="stable")[:cap]
            bb, jj = bb[keep], jj[keep]
            complete = False
        if order < max_order:
            parents = [parents[b] + (int(j),) for b, j in zip(bb, jj, strict=True)]
            ind = ind[:, bb] * base[:, jj]
    return enter, top, examined, complete


def price_atoms(masks: np.ndarray, dual: np.ndarray, dual_or: float, max_order: int,
                tol: float = 1e-7, cap: int = PRICING_CAP, order_cost: float = 0.0) -> Pricing:
    """Find the atoms of order ``≤ max_order`` whose reduced cost is negative.

    Reduced costs are for the row duals ``dual`` of the fit masks (rule and cut in the module
    docstring); at most ``cap`` branches are kept per order (else ``complete`` is False).

    >>> masks = np.array([[0, 0], [1, 0], [0, 1], [1, 1]], dtype=bool)
    >>> p = price_atoms(masks, np.array([1.0, -1.0, -1.0, 1.0]) * 1.5, 0.0, 2)
    >>> [(o, t) for _, o, t in p.entering], p.complete
    ([(False, (0, 1)), (True, (0, 1))], True)
    """
    live = np.flatnonzero(np.abs(dual) > 1e-12)
    rows, lam = np.asarray(masks, bool)[live], np.asarray(dual, np.float64)[live]
    found, top, examined, complete = [], 0.0, 0, True
    for is_or, sub, sign, min_order in ((False, rows, 1.0, 1), (True, ~rows, -1.0, 2)):
        enter, t, e, c = _price_kind(sub, sign * lam, -dual_or if is_or else 0.0,
                                     min(max_order, rows.shape[1]), min_order, tol, cap,
                                     order_cost)
        found += [(s, is_or, tt) for s, tt in enter]
        top, examined, complete = max(top, t), examined + e, complete and c
    found.sort(key=lambda f: -f[0])
    return Pricing(found, top, examined, complete)


def _down(atoms: list[Atom]) -> list[Atom]:
    """List each atom's subsets ``T ∖ {i}`` and ``T`` itself, of both kinds.

    Order-1 atoms are AND atoms: singletons of both kinds are one and the same.
    """
    out: dict[Atom, None] = {}
    for _, t in atoms:
        near = [t[:i] + t[i + 1:] for i in range(len(t))] if len(t) > 1 else []
        for u in [*near, t]:
            for is_or in (False, True):
                out.setdefault((is_or and len(u) > 1, u), None)
    return list(out)


def neighbours(atoms: list[Atom], n: int, max_order: int) -> list[Atom]:
    """Return the candidates next to the atoms in use.

    For an atom ``(kind, T)``: the subsets ``T ∖ {i}`` and the supersets ``T ∪ {j}`` (order
    ``≤ max_order``) of both kinds, and ``T`` of the other kind.

    >>> neighbours([(False, (0, 1))], 3, 3)
    [(False, (1,)), (False, (0,)), (True, (0, 1)), (False, (0, 1, 2)), (True, (0, 1, 2))]
    """
    up = [(is_or, tuple(sorted((*t, j)))) for _, t in atoms if len(t) < max_order
          for j in range(n) if j not in t for is_or in (False, True)]
    return [a for a in dict.fromkeys(_down(atoms) + up) if a not in set(atoms)]


def pool_size(n: int, max_order: int) -> int:
    """Return the number of atoms of order ``≤ max_order``.

    AND atoms of orders ``1 … k`` and OR atoms of orders ``2 … k`` (``k = min(max_order, n)``).

    >>> pool_size(24, 4), pool_size(3, 5)
    (25876, 11)
    """
    k = min(max_order, n)
    return sum(comb(n, j) for j in range(1, k + 1)) + sum(comb(n, j) for j in range(2, k + 1))


def pool_atoms(n: int, max_order: int) -> list[Atom]:
    """Return every atom of order ``≤ max_order``, by order, AND before OR (see :func:`pool_size`).

    >>> pool_atoms(3, 2)
    [(False, (0,)), (False, (1,)), (False, (2,)), (False, (0, 1)), (False, (0, 2)), \
(False, (1, 2)), (True, (0, 1)), (True, (0, 2)), (True, (1, 2))]
    """
    out: list[Atom] = []
    for order in range(1, min(max_order, n) + 1):
        subsets = list(itertools.combinations(range(n), order))
        out += [(False, t) for t in subsets]
        if order >= 2:
            out += [(True, t) for t in subsets]
    return out


def atom_costs(atoms: list[Atom], order_cost: float) -> np.ndarray:
    """Return the LP's costs ``c_T = 1 + δ (|T| − 1)`` of the atoms (``δ``: ``order_cost``).

    >>> atom_costs([(False, (0,)), (True, (0, 1, 2))], 0.5).tolist()
    [1.0, 2.0]
    """
    return np.array([1.0 + order_cost * (len(t) - 1) for _, t in atoms], dtype=np.float64)


def atom_matrix(atoms: list[Atom], n: int) -> tuple[np.ndarray, np.ndarray]:
    """Return ``(support, is_or)``: the atoms as boolean rows ``(k, n)`` and their kinds.

    >>> atom_matrix([(True, (0, 2))], 3)[0].astype(int).tolist()
    [[1, 0, 1]]
    """
    support = np.zeros((len(atoms), n), dtype=bool)
    for k, (_, t) in enumerate(atoms):
        support[k, list(t)] = True
    return support, np.array([o for o, _ in atoms], dtype=bool)


def price_neighbours(x: np.ndarray, sol: dict[str, Any], used: list[Atom], max_order: int,
                      skip: dict) -> tuple[list[tuple[float, Atom]], int]:
    """Price the :func:`neighbours` of the atoms in use against the row duals of ``sol``.

    The price of an AND atom is ``Σ_{S ⊇ T} λ_S``, of an OR atom in complement form
    ``−Σ_{S ⊆ N∖T} λ_S − λ_s``. Return ``(|price|, atom)`` of those that price out (above their
    cost ``1 + δ (|T| − 1)``), best first, and the number of candidates priced. The supersets
    ``T ∪ {j}`` of all atoms are priced at once by one product per kind.
    """
    live = np.flatnonzero(np.abs(sol["dual"]) > 1e-12)
    if not used or not len(live):
        return [], 0
    lam, rows = sol["dual"][live], x[live].astype(np.float64)
    n, priced, delta = x.shape[1], 0, sol["order_cost"]
    found: list[tuple[float, Atom]] = []
    low = [u for u in used if len(u[1]) < max_order]
    if low:
        sup, _ = atom_matrix(low, n)
        hits = rows @ sup.T.astype(np.float64)  # |T ∩ S|, (r, U)
        p_and = ((hits == sup.sum(1)) * lam[:, None]).T @ rows  # (U, n): T ∪ {j}, AND
        p_or = -(((hits == 0) * lam[:, None]).T @ (1.0 - rows)) - sol["dual_or"]
        cost = 1.0 + delta * sup.sum(1) + 1e-7  # the order of T ∪ {j} is |T| + 1
        for is_or, price in ((False, p_and), (True, p_or)):
            price = np.where(sup, 0.0, np.abs(price))
            priced += int((~sup).sum())
            found += [(float(price[u, j]), (is_or, tuple(sorted(low[u][1] + (int(j),)))))
                      for u, j in zip(*np.nonzero(price > cost[:, None]), strict=True)]
    small = [a for a in _down(used) if a not in skip]
    if small:
        sup, or_kind = atom_matrix(small, n)
        inside = atom_features(x[live], sup, np.zeros(len(small), bool))
        empty = 1.0 - atom_features(x[live], sup, np.ones(len(small), bool))
        price = np.abs(np.where(or_kind, -(lam @ empty) - sol["dual_or"], lam @ inside))
        priced += len(small)
        cost = 1.0 + delta * (sup.sum(1) - 1) + 1e-7
        found += [(float(price[k]), small[k]) for k in np.flatnonzero(price > cost)]
    best: dict[Atom, float] = {}
    for val, atom in found:
        if atom not in skip:
            best[atom] = max(val, best.get(atom, 0.0))
    return sorted(((v, a) for a, v in best.items()), key=lambda va: -va[0]), priced
