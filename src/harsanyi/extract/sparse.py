"""Sparse AND-OR interactions of a :class:`SampledGame`: grow, certify, score on held-out masks.

Per sample (docs/sparse.md):

1. **normalise**: ``v ← (v − v(∅)) / s`` with ``s = max |v − v(∅)|`` on the fit masks, and
   ``ζ = q_bound · |v(N) − v(∅)|`` (both masks are in every design);
2. **grow** a candidate support by order on the fit masks (:func:`.sparse_support.grow_support`);
3. **certify**: the LP ``min Σ |I_and(T)| + |I_or(T)|`` s.t. ``|v(S) + … − h(S)| ≤ ζ`` on every
   fit mask, started from the singletons and the grown candidates, with column generation whose
   last pricing enumerates every atom up to ``max_order`` (:mod:`.sparse_lp`), or over every
   such atom at once when that pool is small or generation stops uncertified;
4. **select**: the LP's optimal vertex (``selection="vertex"``) or the canonical split over
   the ``(1 + ε)``-optimal set (``selection="canonical"``, :mod:`.sparse_select`);
5. **score** on the held-out masks (R², matching error).

The certificate (``metadata["certificate"][b]``) says what was proven: optimality over the fit
masks of the design and all AND and OR atoms of order ``≤ max_order`` when the last pricing
was exact and no slack was used, never over all ``2**n`` masks of a sampled design.
"""

from __future__ import annotations

import warnings
from collections import Counter
from dataclasses import dataclass
from typing import Any

import numpy as np

from harsanyi._version import __version__
from harsanyi.core.progress import progress_bar
from harsanyi.extract.solvers.canonical import check_selection, resolve_selection
from harsanyi.extract.sparse_ipm import PoolDual, pool_dual
from harsanyi.extract.sparse_lp import (
    PRICING_CAP,
    Atom,
    Pricing,
    SampledLP,
    atom_costs,
    atom_matrix,
    pool_atoms,
    pool_size,
    price_atoms,
    price_neighbours,
)
from harsanyi.extract.sparse_result import SparseInteractions, atom_features
from harsanyi.extract.sparse_select import ORDER_WEIGHT, select_over_pool, select_sampled
from harsanyi.extract.sparse_support import grow_support
from harsanyi.games.sampled import SampledGame

__all__ = ["refit", "sparse_and_or", "union_support"]

def _violated(x: np.ndarray, y: np.ndarray, zeta: float, lp: SampledLP,
              sol: dict[str, Any], limit: int) -> np.ndarray:
    """Fit rows off the LP matched worse than ``ζ`` by its solution, worst first."""
    nz = np.flatnonzero(np.abs(sol["values"]) > 0)
    support, is_or = atom_matrix([lp.atoms[k] for k in nz], x.shape[1])
    h = atom_features(x, support, is_or) @ sol["values"][nz] + sol["intercept"]
    excess = np.abs(h - y) - zeta
    excess[np.asarray(lp.rows, np.int64)] = 0.0
    bad = np.flatnonzero(excess > 1e-9 * max(1.0, float(np.abs(y).max())))
    return bad[np.argsort(-excess[bad], kind="stable")[:limit]]


#: Largest ``atoms × fit masks`` whose features the face method holds: float64, 8 bytes an
#: entry, plus blocks of 8,192 atoms while they are built and multiplied
#: (:data:`.sparse_result.FEATURE_BLOCK`, :data:`.sparse_ipm.SYRK_BLOCK`). The order-4 pools
#: at 900 fit masks are 23 million entries at ``n = 24`` and 75 million at ``n = 32``
#: (reached only with a larger ``pool_max``), where the face stage peaked at 309 and 714 MiB
#: (``tracemalloc``; 552 and 1,739 MiB before the blocks). Its interior point costs ``m² k``
#: flops an iteration, so larger pools go to HiGHS's interior point.
FACE_MAX_ENTRIES = 80_000_000
#: The canonical split is solved over the whole pool at once (where it fits) when the LP
#: vertex has at least this many nonzero atoms per fit mask, else by rounds: on a trained MLP
#: (865 atoms, 900 masks) the pool took 32 s against 159 s, on planted games (114–131 atoms)
#: 27–38 s against 14–27 s, on the sparse games of the tests (3–6 atoms, 270 masks) 3–6 s
#: against 0.3–2.8 s (docs/sparse.md §3b).
DENSE_VERTEX = 0.5
#: Relative reduced cost under which the face method counts an atom as tight. Any value keeps
#: the certificate (the rest are priced exactly); 1e-4 rather than 1e-6 took the pricing
#: rounds after the face's simplex from 8 to 6 on a planted game and from 4 to 2 on a trained
#: MLP (n = 24, docs/sparse.md §3), the face growing by 3% to 340%.
FACE_TOL = 1e-4
#: ``pool_max=None`` (the default) solves a pool whole by any method up to ``POOL_MAX`` atoms
#: (``n ≤ 24`` at order 4), and through its optimal face alone up to ``FACE_POOL_MAX`` atoms
#: where the face fits (:data:`FACE_MAX_ENTRIES`; ``n ≤ 32`` at order 4 and 900 fit masks).
#: HiGHS's interior point on the whole pool is the slow path (746 s at ``n = 32``), the face
#: method the fast one (71 s for a whole extraction there, 1,000 calls; docs/sparse.md §3).
POOL_MAX = 30_000
FACE_POOL_MAX = 100_000


def _face_fits(atoms: int, masks: int) -> bool:
    """Whether the features of ``atoms`` pool atoms on ``masks`` fit ``FACE_MAX_ENTRIES``."""
    return atoms * masks <= FACE_MAX_ENTRIES


@dataclass(frozen=True)
class Limits:
    """The counts that bound column generation (never seconds: results do not depend on load).

    ``max_rounds`` solves, ``max_pivots`` simplex pivots in all (one sample), fit masks added per
    round (``rows_per_round``), atoms added per round (``atoms_per_round``, or
    ``atoms_while_infeasible`` while an elastic slack is in use), the penalty schedule of the
    elastic slacks (``penalty`` first, times ``penalty_growth`` while a slack remains at an
    optimum over the candidates, up to ``max_penalty``); and the pool of all atoms of order
    ``≤ max_order``: the largest solved whole by any method (``pool_max``), the largest solved
    through its optimal face alone where the face fits (``face_pool_max``; pools between the
    two are never handed to HiGHS's interior point), the largest ``atoms × fit masks``
    solved whole from the start (``pool_first``), and the slacks' cost when such a pool is
    infeasible (``pool_penalty``).
    """

    max_order: int = 4
    max_rounds: int = 100
    max_pivots: int = 50_000
    rows_per_round: int = 500
    atoms_per_round: int = 200
    atoms_while_infeasible: int = 20
    order_cost: float = 1e-6
    penalty: float = 2.0
    penalty_growth: float = 10.0
    max_penalty: float = 1e6
    pool_max: int = POOL_MAX
    face_pool_max: int = FACE_POOL_MAX
    pool_first: int = 200_000
    pool_penalty: float = 1e4

    def solves_pool(self, atoms: int, masks: int) -> bool:
        """Whether a pool of ``atoms`` on ``masks`` fit masks is solved whole when needed."""
        return atoms <= self.pool_max or (atoms <= self.face_pool_max
                                          and _face_fits(atoms, masks))


def _next_step(x: np.ndarray, y: np.ndarray, zeta: float, lp: SampledLP, sol: dict[str, Any],
               lim: Limits, last: str = "") -> tuple[str, int]:
    """Apply the next generation step to ``lp`` after its optimum ``sol``.

    In this order: add the violated fit masks, add the candidates that price out, raise the
    penalty of a slack still in use. While a slack is in use, rows and candidates take turns
    (``last``: the previous step) unless one batch brings in every fit mask left: more rows
    cannot remove a slack (they only constrain the restriction further), and batch after batch
    of rows added to a restriction that cannot match its own rows costs thousands of dual
    simplex pivots each; candidates alone, on the other hand, fit the rows already in ever
    more closely and leave the others out (docs/sparse.md, §3). Return the step taken
    (``"rows"``, ``"atoms"``, ``"penalty"``, or the stop: ``"optimal"``, ``"slack"``) and the
    candidates priced.
    """
    infeasible = sol["slack"] > 1e-9
    last_batch = len(lp.rows) + lim.rows_per_round >= len(y)  # every fit mask left fits in
    bad = None
    if not infeasible or last_batch or last != "rows":  # with a slack: rows every other round
        bad = _violated(x, y, zeta, lp, sol, lim.rows_per_round)
        if len(bad):
            lp.add_rows(bad)
            return "rows", 0
    used = [a for a, val in zip(lp.atoms, sol["values"], strict=True) if abs(val) > 1e-9]
    hot, priced = price_neighbours(x, sol, used, lim.max_order, lp.col_of)
    if hot:
        take = lim.atoms_while_infeasible if infeasible else lim.atoms_per_round
        lp.add_atoms([a for _, a in hot[:take]])
        return "atoms", priced
    if infeasible and lp.bigm < lim.max_penalty:
        lp.set_penalty(min(lp.bigm * lim.penalty_growth, lim.max_penalty))
        return "penalty", priced
    if infeasible and bad is None:  # a slack remains at the largest penalty: rows still enter
        bad = _violated(x, y, zeta, lp, sol, lim.rows_per_round)
        if len(bad):
            lp.add_rows(bad)
            return "rows", 0
    return ("slack" if infeasible else "optimal"), priced


def _add_outside(x: np.ndarray, lp: SampledLP, sol: dict[str, Any], lim: Limits,
                 cap: int = PRICING_CAP) -> tuple[bool, Pricing]:
    """Add the atoms outside the LP that price out, best first; return whether there were any.

    Every atom of order ``≤ max_order`` is priced (at most ``atoms_per_round`` enter; ``cap``
    branches per order, :func:`~.sparse_lp.price_atoms`), and the pricing is returned too. Run
    at an optimum over the candidates, so that ``"optimal"`` means optimal over all atoms up
    to the order cap (when the pricing is exact), not only over the neighbours of those in use.
    """
    full = price_atoms(x, sol["dual"], sol["dual_or"], lim.max_order, cap=cap,
                       order_cost=lim.order_cost)
    outside = [(o, t) for _, o, t in full.entering if (o, t) not in lp.col_of]
    lp.add_atoms(outside[:lim.atoms_per_round])
    return bool(outside), full


def _basis_guess(ipm: PoolDual, atoms: list[Atom], tight: np.ndarray
                 ) -> tuple[dict[Atom, bool], set[int], set[int]]:
    """Guess an optimal basis of the face LP from the interior point's indicators.

    Of the tight atoms and the fit rows, the ``m − 1`` with the largest indicators ``x/s``
    (:class:`~.sparse_ipm.PoolDual`) are basic: with the intercept and ``s`` that is one basic
    variable per row of the LP. Returns the basic atoms (``True``: positive), the basic rows
    and the rows at their upper bound, for :meth:`SampledLP.start_from`. From this guess the
    simplex took 191 pivots on the trained MLP of docs/sparse.md §5b (``n = 24``) instead of
    2,121 from HiGHS's own start.
    """
    m = len(ipm.row_indicator)
    scores = np.concatenate([ipm.atom_indicator[tight], ipm.row_indicator])
    top = np.argsort(-scores, kind="stable")[:max(m - 1, 0)]
    basic_atoms = {atoms[tight[j]]: bool(ipm.theta[tight[j]] > 0) for j in top if j < len(tight)}
    basic_rows = {int(j - len(tight)) for j in top if j >= len(tight)}
    return basic_atoms, basic_rows, set(np.flatnonzero(ipm.q_upper).tolist())


def _pool_by_face(x: np.ndarray, y: np.ndarray, zeta: float, lim: Limits
                  ) -> tuple[SampledLP, dict[str, Any], dict[str, Any]] | None:
    """Certify the pool's optimum through its optimal face, or return ``None``.

    The dual of the LP over every atom by the dense interior point of :mod:`.sparse_ipm`
    (to a relative gap ``3e-6``); the atoms it prices as tight (``c_T − |F_Tᵀλ| ≤ FACE_TOL·c_T``)
    go into a :class:`SampledLP` without slacks, solved by the simplex from the basis that
    :func:`_basis_guess` reads off the same iterate; every atom of order
    ``≤ max_order`` is then priced exactly against its duals, and those that price out enter
    (``atoms_per_round`` a round) until none does. ``None`` (the caller then solves the pool
    whole) when the pool does not fit ``FACE_MAX_ENTRIES``, the interior point does not
    converge (an infeasible pool, whose dual is unbounded), the restricted LP is not optimal
    within ``max_pivots``, or a pricing is truncated.
    """
    m, n = x.shape
    atoms = pool_atoms(n, lim.max_order)
    if not _face_fits(len(atoms), m):
        return None
    feats = atom_features(x, *atom_matrix(atoms, n))
    cost = atom_costs(atoms, lim.order_cost)
    ipm = pool_dual(feats, cost, y, zeta)
    if not ipm.converged:
        return None
    tight = np.flatnonzero(cost - np.abs(feats.T @ ipm.dual) <= FACE_TOL * cost)
    del feats
    lp = SampledLP(x, y, zeta, bigm=lim.pool_penalty, order_cost=lim.order_cost)
    lp.set_slacks(False)
    lp.add_rows(range(m))
    lp.add_atoms([atoms[j] for j in tight])
    lp.start_from(*_basis_guess(ipm, atoms, tight))
    face, simplex = len(lp.atoms), "dual"
    for _ in range(lim.max_rounds):
        sol = lp.solve(max_pivots=max(1, lim.max_pivots - lp.iterations), simplex=simplex)
        if sol["status"] != "Optimal":
            return None
        added, priced = _add_outside(x, lp, sol, lim, cap=len(atoms))  # never truncated
        if not priced.complete:
            return None
        if not added:
            return lp, sol, {"atoms": len(atoms), "status": "Optimal", "method": "face",
                             "ipm_iterations": ipm.iterations, "face_atoms": face,
                             "lp_atoms": len(lp.atoms), "simplex_iterations": lp.iterations,
                             "max_price": priced.max_price}
        simplex = "primal"
    return None


def _solve_pool(x: np.ndarray, y: np.ndarray, zeta: float, lim: Limits, elastic: bool
                ) -> tuple[SampledLP, dict[str, Any], dict[str, Any]]:
    """Solve the LP over every fit mask and every atom of order ``≤ max_order`` at once.

    First through its optimal face (:func:`_pool_by_face`: an interior point for the dual,
    a simplex over the atoms it prices as tight, an exact pricing of every other atom); else
    whole, without slacks, by HiGHS's interior point and its crossover to an optimal vertex:
    every atom the certificate covers is a column, so an optimum is certified without
    pricing. Its status is ``"Infeasible"`` when no split of order ``≤ max_order`` matches
    every fit mask within ``ζ`` (a proof, not a stop); then, with ``elastic``, the slacks are
    allowed at the penalty ``pool_penalty`` and it is solved again: the elastic fit over every
    atom, uncertified. Returns the LP, its solution and a report (``method``: ``"face"`` or
    ``"whole"``).
    """
    by_face = _pool_by_face(x, y, zeta, lim)
    if by_face is not None:
        return by_face
    lp = SampledLP(x, y, zeta, bigm=lim.pool_penalty, order_cost=lim.order_cost)
    lp.set_slacks(False)
    lp.add_rows(range(len(y)))
    lp.add_atoms(pool_atoms(x.shape[1], lim.max_order))
    sol = lp.solve(method="ipm")
    report: dict[str, Any] = {"atoms": len(lp.atoms), "status": sol["status"], "method": "whole",
                              "ipm_iterations": sol["ipm_iterations"],
                              "crossover_iterations": sol["crossover_iterations"]}
    if sol["status"] == "Infeasible":
        report["says"] = (f"no split over the atoms of order <= {lim.max_order} matches every "
                          "fit mask within the bound: raise max_order or q_bound")
        if elastic:
            lp.set_slacks(True)
            sol = lp.solve(method="ipm")
            report["elastic"] = {"penalty": lp.bigm, "status": sol["status"],
                                 "ipm_iterations": sol["ipm_iterations"]}
    return lp, sol, report


def _generate(x: np.ndarray, y: np.ndarray, zeta: float, seeds: list[Atom], lim: Limits
              ) -> tuple[SampledLP, dict[str, Any], dict[str, Any]]:
    """Run row and column generation on the elastic LP.

    Returns the LP, its last optimum and a report (``stop``, ``rounds``,
    ``simplex_iterations``, ``penalty``, ``priced``).
    """
    m, n = x.shape
    lp = SampledLP(x, y, zeta, bigm=lim.penalty, order_cost=lim.order_cost)
    lp.add_rows(range(min(m, lim.rows_per_round)))  # structured masks first, then random ones
    lp.add_atoms([(False, (i,)) for i in range(n)] + seeds)
    best: dict[str, Any] | None = None
    step, priced, simplex, rounds = "", 0, "dual", 0
    for rounds in range(1, lim.max_rounds + 1):  # noqa: B007 - the count is reported
        sol = lp.solve(max_pivots=max(1, lim.max_pivots - lp.iterations), simplex=simplex)
        if sol["status"] != "Optimal":
            step = "max_pivots"
            best = best or sol  # the first solve ran out of pivots: what HiGHS has
            break
        best = sol
        step, priced = _next_step(x, y, zeta, lp, sol, lim, step)
        if step == "optimal" and _add_outside(x, lp, sol, lim)[0]:
            step = "atoms"
        if step in ("optimal", "slack"):
            break
        simplex = "dual" if step == "rows" else "primal"
    else:
        step = "max_rounds"
    assert best is not None  # max_rounds >= 1
    sol = {**best, "values": np.pad(best["values"], (0, len(lp.atoms) - len(best["values"])))}
    return lp, sol, {"stop": step, "rounds": rounds, "simplex_iterations": lp.iterations,
                     "penalty": lp.bigm, "priced": priced}


def _column_generation(x: np.ndarray, y: np.ndarray, zeta: float, seeds: list[Atom],
                       lim: Limits) -> tuple[list[Atom], dict[str, Any], dict[str, Any]]:
    """Solve the LP over the fit rows and the atoms of order ``≤ max_order``.

    A small pool (``pool_size ≤ pool_max`` and ``pool_size · m ≤ pool_first``) is solved whole
    first (:func:`_solve_pool`); when it is infeasible, its elastic fit at ``pool_penalty`` is
    returned (uncertified, ``stop: "pool_infeasible"``).
    Otherwise by row and column generation on the elastic LP (:func:`_generate`), its penalty
    raised only when a slack remains at an optimum over the candidates (each step in
    :func:`_next_step`; rows are followed by the dual simplex, atoms and penalties by the
    primal simplex). A small penalty keeps the duals ``|λ_S| ≤ M`` meaningful for pricing
    (with ``M = 10⁶`` every atom prices out by the infeasibility it removes, and the restricted
    LP fills with dense atoms). When generation stops uncertified (``max_rounds``,
    ``max_pivots``, or a slack left at the largest penalty) and the pool has at most
    ``pool_max`` atoms, the pool is solved whole instead; with at most ``face_pool_max`` and
    features that fit, through its optimal face alone (:func:`_pool_by_face`). Returns the
    LP's atoms (for a pool, those in use), the solution and the certificate.
    """
    m, n = x.shape
    size = pool_size(n, lim.max_order)
    generated: dict[str, Any] | None = None
    pool: dict[str, Any] | None = None
    if size <= lim.pool_max and size * m <= lim.pool_first:
        lp, sol, pool = _solve_pool(x, y, zeta, lim, elastic=True)
    if pool is None or sol["status"] != "Optimal":  # no pool, or its elastic solve failed
        lp, sol, generated = _generate(x, y, zeta, seeds, lim)
        if pool is None and generated["stop"] != "optimal" and size <= lim.pool_max:
            pool_lp, pool_sol, pool = _solve_pool(x, y, zeta, lim, elastic=False)
            if pool["status"] == "Optimal":
                lp, sol = pool_lp, pool_sol
        elif pool is None and generated["stop"] != "optimal" and lim.solves_pool(size, m):
            by_face = _pool_by_face(x, y, zeta, lim)  # above pool_max: the face alone
            if by_face is None:
                pool = {"atoms": size, "status": "not solved", "method": "face",
                        "says": "the face method did not certify this pool, and a pool above "
                                f"pool_max={lim.pool_max} is not solved whole by HiGHS"}
            else:
                lp, sol, pool = by_face
    whole = pool is not None and (pool["status"] == "Optimal" or generated is None)
    if whole and pool is not None and pool["method"] == "face":  # the rest priced exactly
        step = "pool"
        atoms_text = (f"every atom of order <= {lim.max_order} ({size}: {len(lp.atoms)} in the "
                      "LP, every other one priced exactly)")
        priced_out: dict[str, Any] = {"would_enter": 0, "exact": True,
                                      "max_price": pool["max_price"]}
    elif whole:  # every atom is a column of the LP: nothing outside it to price
        assert pool is not None
        step = "pool" if pool["status"] == "Optimal" else "pool_infeasible"
        atoms_text = f"every atom of order <= {lim.max_order} ({size}, all in the LP)"
        priced_out = {"would_enter": 0, "exact": True, "max_price": None}
    else:
        assert generated is not None
        step = generated["stop"]
        atoms_text = (f"the {len(lp.atoms)} atoms of the LP and the {generated['priced']} "
                      f"candidates of order <= {lim.max_order} next to those in use (subsets "
                      "and supersets by one player, both kinds)")
        full = price_atoms(x, sol["dual"], sol["dual_or"], lim.max_order,
                           order_cost=lim.order_cost)
        priced_out = {"would_enter": sum((o, t) not in lp.col_of for _, o, t in full.entering),
                      "exact": full.complete, "max_price": full.max_price}
    cert = {"optimal": step in ("optimal", "pool"),
            "rows": f"the {m} sampled masks used to fit ({len(lp.rows)} of them in the LP, "
                    "the others checked)",
            "atoms": atoms_text,
            "outside_candidates": priced_out,
            "stop": step, "slack": sol["slack"], "penalty": lp.bigm,
            "rounds": generated["rounds"] if generated else 0,
            "simplex_iterations": generated["simplex_iterations"] if generated else 0,
            "lp_atoms": len(lp.atoms), "lp_rows": len(lp.rows), "status": sol["status"]}
    if pool is not None:
        cert["pool"] = pool
        if generated is not None:
            cert["generation"] = {k: v for k, v in generated.items() if k != "priced"}
    used = np.flatnonzero(sol["values"] != 0.0) if whole else np.arange(len(lp.atoms))
    return [lp.atoms[k] for k in used], {**sol, "values": sol["values"][used]}, cert


def _scores(y_true: np.ndarray, y_hat: np.ndarray) -> tuple[float, float]:
    if not len(y_true):
        return float("nan"), float("nan")
    err = y_true - y_hat
    ss = float(((y_true - y_true.mean()) ** 2).sum())
    r2 = 1.0 - float(err @ err) / ss if ss > 0 else float("nan")
    return r2, float(np.abs(err).max() / max(1.0, np.abs(y_true).max()))


def _residual(v: np.ndarray, h: np.ndarray, zeta: float) -> float:
    q = np.clip(h - v, -zeta, zeta)
    return float(np.abs(v + q - h).max() / max(1.0, np.abs(v).max()))


def _package(game: SampledGame, atoms: list[Atom], values: np.ndarray, intercept: np.ndarray,
             zetas: np.ndarray, meta: dict[str, Any]) -> SparseInteractions:
    """Build the result and score it: fit residual and held-out R², error per sample."""
    n, shape = game.n, game.batch_shape
    support, is_or = atom_matrix(atoms, n)
    flat_v = game.values.reshape(-1, game.m)
    feats = atom_features(game.masks, support, is_or)
    h = values @ feats.T + intercept[:, None]
    fit = game.design.fit
    residual = np.array([_residual(flat_v[b, fit], h[b, fit], zetas[b])
                         for b in range(len(flat_v))])
    held = np.array([_scores(flat_v[b, ~fit], h[b, ~fit]) for b in range(len(flat_v))])
    held = held.reshape(len(flat_v), 2)
    return SparseInteractions(
        support, is_or, values.reshape(*shape, len(atoms)), intercept.reshape(shape),
        residual.reshape(shape), held[:, 0].reshape(shape), held[:, 1].reshape(shape),
        list(game.players),
        {**game.metadata, **meta, "design": game.design.describe(),
         "package_version": __version__})


def _select(x: np.ndarray, y: np.ndarray, zeta: float, atoms: list[Atom], sol: dict[str, Any],
            selection: str, epsilon: float, order_weight: float, lim: Limits, stop: str
            ) -> tuple[list[Atom], np.ndarray, float, dict[str, Any]]:
    """Return the atoms, values and intercept of the chosen split of one normalised sample.

    The canonical split over the whole pool at once for a dense vertex (:data:`DENSE_VERTEX`)
    whose pool fits, else by rounds (docs/sparse.md §3b).
    """
    opt = float(atom_costs(atoms, lim.order_cost) @ np.abs(sol["values"]))
    vertex = {"selection": "vertex", "lp_optimum": opt}
    if selection == "vertex":
        return atoms, sol["values"], sol["intercept"], vertex
    if sol["slack"] > 1e-9:
        return atoms, sol["values"], sol["intercept"], {
            **vertex, "skipped": f"the LP's last optimum (stop: {stop}) still uses an elastic "
                                 "slack: no split over its atoms matches every fit mask within "
                                 "the bound, so there is no near-optimal set to select from; "
                                 "the vertex is kept"}
    size = pool_size(x.shape[1], lim.max_order)
    dense = np.count_nonzero(sol["values"]) >= DENSE_VERTEX * len(y)
    whole = None
    if dense and lim.solves_pool(size, len(y)) and _face_fits(size, len(y)):  # at once
        whole = select_over_pool(x, y, zeta, atoms, sol["values"], epsilon=epsilon,
                                 max_order=lim.max_order, order_cost=lim.order_cost,
                                 order_weight=order_weight)
    chosen, vals, icpt, info = whole or select_sampled(
        x, y, zeta, atoms, sol["values"], sol["intercept"], epsilon=epsilon,
        max_order=lim.max_order, order_cost=lim.order_cost, order_weight=order_weight)
    return chosen, vals, icpt, {"selection": "canonical", **info}


def sparse_and_or(
    game: SampledGame,
    q_bound: float = 0.02,
    *,
    max_order: int = 4,
    beam: int = 24,
    max_rounds: int = 100,
    atoms_per_round: int = 200,
    atoms_while_infeasible: int = 20,
    rows_per_round: int = 500,
    order_cost: float = 1e-6,
    max_pivots: int = 50_000,
    penalty: float = 2.0,
    pool_max: int | None = None,
    pool_first: int = 200_000,
    selection: str = "auto",
    epsilon: float = 0.01,
    order_weight: float = ORDER_WEIGHT,
    progress: bool | None = None,
) -> SparseInteractions:
    """Sparse AND-OR interactions of a sampled game (steps in the module docstring).

    Per sample: ``min Σ_T |I_and(T)| + |I_or(T)|`` over atoms of order ``≤ max_order``
    subject to ``|v(S) + q_S − h(S)| = 0``, ``|q_S| ≤ ζ = q_bound·|v(N) − v(∅)|`` on the fit
    masks ``S`` of the design, ``h(S) = I_and(∅) + Σ_{T⊆S} I_and(T) + Σ_{T∩S≠∅} I_or(T)``.

    Parameters
    ----------
    game : a :class:`SampledGame` (e.g. ``model_game(..., budget=B)``).
    q_bound : relative noise bound (as in :func:`~harsanyi.extract.split.and_or`).
    max_order : order cap of the atoms (the certificate covers atoms up to it).
    beam : parents kept per order and kind while growing candidates.
    max_rounds, atoms_per_round, rows_per_round : generation rounds, and the atoms and fit
        masks added to the LP per round (the first ``rows_per_round`` fit masks start it).
    atoms_while_infeasible : atoms added per round while an elastic slack is in use (the
        restricted LP does not yet match every fit mask within ``ζ``): small batches keep the
        restricted LP sparse, hence its simplex pivots cheap.
    order_cost : ``δ``: an atom of order ``k`` costs ``1 + δ (k − 1)`` in the LP, so that among
        equally sparse splits the lower orders win (:mod:`.sparse_lp`); the L1 norm of the
        result is within a factor ``1 + δ (max_order − 1)`` of the L1 optimum.
    max_pivots : simplex pivots allowed in all (per sample); past them generation stops with
        the last restricted optimum and the certificate says ``optimal: False`` (a bound on
        time that does not depend on the load).
    penalty : first cost ``M`` of the elastic slacks, multiplied by 10 (up to 10⁶) while a
        slack stays in use at an optimum over the candidates. The row duals obey
        ``|λ_S| ≤ M``, so a small ``M`` keeps the pricing selective while the restricted LP
        cannot yet match every fit mask; ``penalty=1e6`` is the plain big-M start.
    pool_max, pool_first : the *pool* is every atom of order ``≤ max_order`` (``n = 24``,
        order 4: 25,876 atoms). A pool of at most ``pool_max`` atoms is solved as one LP:
        through its optimal face (a dense interior point for its dual, a simplex over the
        atoms that dual prices as tight, an exact pricing of the others; :mod:`.sparse_ipm`)
        or else whole, by HiGHS's interior point and crossover. ``None`` (the default) means
        30,000 atoms for both methods (``n ≤ 24`` at order 4) and up to 100,000 through the
        face alone where ``atoms × fit masks ≤ FACE_MAX_ENTRIES`` (``n ≤ 32`` at order 4 and
        900 fit masks: a trained MLP at ``n = 28``, 1,000 calls, took 68.6 s certified
        against 25.7 s uncertified with ``pool_max=30_000``); an integer bounds both methods
        alike. The pool is solved from the start when ``atoms ×
        fit masks ≤ pool_first`` (a small LP, faster than generation), else when generation
        stops uncertified (``max_rounds``, ``max_pivots``, or a slack left at the largest
        penalty). It certifies what generation could not, at the cost of one large solve
        (about 20 s after generation for a trained MLP at ``n = 24``, 1,000 calls;
        docs/sparse.md §3), or proves
        that no split of order ``≤ max_order`` matches the fit masks within ``ζ`` (a pool
        solved first then gives its elastic fit, slacks at penalty 10⁴, uncertified).
        ``metadata["certificate"][b]["pool"]`` says that it ran and how it ended;
        ``pool_max=0`` turns it off. The same bounds decide whether the canonical split of a
        dense vertex is solved over the whole pool at once (``selection_info["method"]``).
    selection : ``"auto"`` (default) and ``"vertex"``: the LP's optimal vertex (the
        canonical split costs 1.6× the vertex on a trained MLP at ``n = 24`` but 36–39× on
        planted games, whose vertex takes 0.6–1.1 s; §3b of docs/sparse.md); or
        ``"canonical"``: the unique
        minimiser of ``I_and(∅)² + Σ_T |T|^p I_T²`` (``p``: ``order_weight``) over the splits
        that match the fit masks within ``ζ`` and lie within ``(1 + ε)`` of the LP optimum
        (:mod:`.sparse_select`; not the exhaustive path's ``‖γ‖² + ‖q‖²/ζ²``, which ``q``
        known on the fit masks only would make dense); skipped, with the reason in
        ``metadata["selection_info"]``, for a sample whose LP still uses an elastic slack.
    epsilon : ``ε ≥ 0`` of the canonical selection (0.01, as on the exhaustive path).
    order_weight : ``p ≥ 0`` of the canonical selection's norm. The ``ε·OPT`` of L1 slack can
        lower a plain ``‖θ‖²`` (``p = 0``) by splitting the largest values among atoms of
        higher orders with nearly the same outputs: at ``n = 24`` the MLP of docs/sparse.md
        §5b kept half of its largest value and had 232 salient atoms against the vertex's 62.
        With ``p = 2`` (the default) the move to higher orders costs more than it saves: 84%
        of the largest value, 53 salient atoms, a third less change under a 1e-6 perturbation;
        planted games kept their 20 salient atoms either way, at 2.3–2.4× the time (§3b).
    progress : a tqdm bar over the samples: ``None`` (default) shows it once the work has run
        2 s, ``True`` at once, ``False`` never.

    A sample whose LP is not certified optimal (``metadata["certificate"][b]["optimal"]`` is
    False: generation stopped at ``max_rounds`` or ``max_pivots`` or with an elastic slack,
    and the pool was too large or infeasible) raises one ``RuntimeWarning`` for the call,
    with the count, the stops and what to change: their splits are not proven L1-minimal.

    >>> from harsanyi.games.design import SampleDesign
    >>> d = SampleDesign.build(24, budget=600, seed=0)
    >>> g = SampledGame.from_function(
    ...     lambda m: 1.5 * (m[:, 3] & m[:, 7]) - 1.0 * (m[:, 1] | m[:, 2] | m[:, 9]), d)
    >>> I = sparse_and_or(g, q_bound=0.0)
    >>> [(k, t, round(v, 9)) for k, t, v in I.get_top_k(3)]
    [('and', (3, 7), 1.5), ('or', (1, 2, 9), -1.0)]
    >>> I.metadata["certificate"][0]["optimal"], float(I.holdout_r2) > 0.999
    (True, True)
    """
    check_selection(selection, epsilon)
    selection = resolve_selection(selection, game.n, sampled=True)
    if not np.isfinite(q_bound) or q_bound < 0:
        raise ValueError(f"q_bound must be a finite number >= 0; got {q_bound}")
    if not np.isfinite(order_weight) or order_weight < 0:
        raise ValueError(f"order_weight must be a finite number >= 0; got {order_weight}")
    if min(max_rounds, max_pivots, atoms_per_round, atoms_while_infeasible, rows_per_round) < 1:
        raise ValueError("max_rounds, max_pivots, atoms_per_round, atoms_while_infeasible and "
                         "rows_per_round must be positive counts")
    if (pool_max is not None and pool_max < 0) or pool_first < 0:
        raise ValueError("pool_max and pool_first must be counts >= 0 (pool_max=0: never solve "
                         f"the pool whole); got {pool_max}, {pool_first}")
    pool_limits = ({"pool_max": POOL_MAX, "face_pool_max": FACE_POOL_MAX} if pool_max is None
                   else {"pool_max": pool_max, "face_pool_max": pool_max})
    if not 0.0 < penalty <= Limits.max_penalty:
        raise ValueError(f"penalty must be in (0, {Limits.max_penalty:g}]; got {penalty}")
    lim = Limits(max_order=max_order, max_rounds=max_rounds, max_pivots=max_pivots,
                 rows_per_round=rows_per_round, atoms_per_round=atoms_per_round,
                 atoms_while_infeasible=atoms_while_infeasible, order_cost=order_cost,
                 penalty=penalty, pool_first=pool_first, **pool_limits)
    masks, fit = game.masks, game.design.fit
    empty = int(np.flatnonzero(~masks.any(axis=1))[0])
    full = int(np.flatnonzero(masks.all(axis=1))[0])
    flat = game.values.reshape(-1, game.m)
    x = masks[fit]
    per_sample, zetas, certs, infos = [], [], [], []
    for v in progress_bar(flat, progress, desc="AND-OR split (sampled)", unit="sample"):
        zeta = q_bound * abs(v[full] - v[empty])
        y = v[fit] - v[empty]
        scale = max(float(np.abs(y).max()), 1e-300) if np.abs(y).max() > 0 else 1.0
        grown = grow_support(x, y / scale, zeta / scale, max_order, beam=beam)
        seeds = [(bool(o), tuple(np.flatnonzero(s).tolist()))
                 for s, o in zip(grown.support, grown.is_or, strict=True)]
        lp_atoms, sol, cert = _column_generation(x, y / scale, zeta / scale, seeds, lim)
        atoms_b, vals, icpt, info = _select(x, y / scale, zeta / scale, lp_atoms, sol,
                                            selection, epsilon, order_weight, lim, cert["stop"])
        vals = np.where(np.abs(vals) > 1e-9, vals, 0.0) * scale
        cert["growth"] = {"stop": grown.stop, "rounds": grown.rounds, "atoms": len(seeds)}
        per_sample.append((atoms_b, vals, icpt * scale + v[empty]))
        zetas.append(zeta)
        certs.append(cert)
        infos.append(info)
    atoms = sorted({a for atoms_b, vals_b, _ in per_sample
                    for a, val in zip(atoms_b, vals_b, strict=True) if val != 0.0},
                   key=lambda a: (len(a[1]), a[0], a[1]))
    index = {a: k for k, a in enumerate(atoms)}
    values = np.zeros((len(flat), len(atoms)))
    for b, (atoms_b, vals_b, _) in enumerate(per_sample):
        for a, val in zip(atoms_b, vals_b, strict=True):
            if val != 0.0:
                values[b, index[a]] = val
    intercept = np.array([c for _, _, c in per_sample])
    _warn_uncertified(certs, pool_size(game.n, max_order), len(x), lim)
    meta = {"kind": "and_or", "solver": "sparse", "q_bound": q_bound, "max_order": max_order,
            "certificate": certs, "selection": selection,
            "epsilon": epsilon if selection == "canonical" else 0.0, "selection_info": infos}
    if selection == "canonical":
        meta["order_weight"] = order_weight
    return _package(game, atoms, values, intercept, np.array(zetas), meta)


def _warn_uncertified(certs: list[dict[str, Any]], pool: int, masks: int, lim: Limits
                      ) -> None:
    """Warn once when some samples' LPs are not certified optimal (see :func:`sparse_and_or`)."""
    stops = Counter(c["stop"] for c in certs if not c["optimal"])
    if not stops:
        return
    said = ", ".join(f"{k} x{v}" for k, v in sorted(stops.items()))
    if any(c.get("pool", {}).get("status") == "Infeasible" for c in certs):
        hint = ("no split of order <= max_order matches every fit mask within the bound: raise "
                "max_order or q_bound")
    elif any(c.get("pool", {}).get("status") == "not solved" for c in certs):
        hint = (f"the face method did not certify the pool of {pool} atoms: pass pool_max="
                f"{pool} to solve it whole by HiGHS's interior point (many minutes), or raise "
                "max_pivots")
    elif not lim.solves_pool(pool, masks):
        hint = (f"the pool of {pool} atoms is above pool_max={lim.pool_max}: raise pool_max to "
                "solve it as one LP (a minute or more), or max_pivots")
    else:
        hint = "raise max_pivots or max_rounds"
    warnings.warn(
        f"{sum(stops.values())} of {len(certs)} sample(s) are not certified optimal (stop: "
        f"{said}; metadata['certificate'][b] says what was proven): their split is not "
        f"proven L1-minimal on the fit masks; {hint}", RuntimeWarning, stacklevel=3)


def union_support(results: list[SparseInteractions]) -> tuple[np.ndarray, np.ndarray]:
    """Return the union of the atoms of several results (e.g. checkpoints): ``(support, is_or)``.

    >>> a = SparseInteractions(np.array([[1, 1, 0]]), [False], [1.0], np.array(0.0), 0.0)
    >>> b = SparseInteractions(np.array([[0, 1, 1]]), [True], [1.0], np.array(0.0), 0.0)
    >>> union_support([a, b, a])[0].astype(int).tolist()
    [[1, 1, 0], [0, 1, 1]]
    """
    seen: dict[tuple[bool, bytes], tuple[np.ndarray, bool]] = {}
    for res in results:
        for row, o in zip(res.support, res.is_or, strict=True):
            seen.setdefault((bool(o), row.tobytes()), (row, bool(o)))
    rows = [r for r, _ in seen.values()]
    n = results[0].n if results else 0
    return (np.array(rows, dtype=bool).reshape(-1, n),
            np.array([o for _, o in seen.values()], dtype=bool))


def refit(game: SampledGame, support: np.ndarray, is_or: np.ndarray) -> SparseInteractions:
    """Fit least-squares values of the atoms ``(support, is_or)`` on the fit masks of every sample.

    No noise term (``q = 0``): ``min Σ_S (v(S) − h(S))²``. Use it to compare values, and across
    checkpoints on :func:`union_support` so that an atom missed at one checkpoint is not a
    false zero.

    >>> from harsanyi.games.design import SampleDesign
    >>> d = SampleDesign.build(20, budget=300, seed=0)
    >>> g = SampledGame.from_function(lambda m: 0.5 + 2.0 * (m[:, 0] & m[:, 4]), d)
    >>> r = refit(g, np.eye(20, dtype=bool)[[0]] | np.eye(20, dtype=bool)[[4]], [False])
    >>> r.values.round(9).tolist(), float(r.intercept.round(9))
    ([2.0], 0.5)
    """
    support = np.asarray(support, dtype=bool).reshape(-1, game.n)
    is_or = np.asarray(is_or, dtype=bool)
    fit = game.design.fit
    feats = atom_features(game.masks[fit], support, is_or)
    design = np.concatenate([np.ones((len(feats), 1)), feats], axis=1)
    flat = game.values.reshape(-1, game.m)[:, fit]
    coef = np.linalg.lstsq(design, flat.T, rcond=None)[0].T
    atoms = [(bool(o), tuple(np.flatnonzero(s).tolist())) for s, o in zip(support, is_or,
                                                                            strict=True)]
    return _package(game, atoms, coef[:, 1:], coef[:, 0], np.zeros(len(flat)),
                    {"kind": "and_or", "solver": "least_squares_refit"})
