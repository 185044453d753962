"""The canonical split of a sampled game: the minimum-norm split among the near-optimal ones.

On a sampled game (the LP of :mod:`.sparse_lp`: rows the fit masks ``S`` of the design,
columns the atoms ``(kind, T)`` of order ``≤ max_order``, costs ``c_T = 1 + δ (|T| − 1)``,
optimum ``OPT``), the selection is, with ``θ = (I_and(∅), I_T …)``,

``min I_and(∅)² + Σ_T |T|^p I_T²``  s.t.  ``|F θ − v| ≤ ζ`` on every fit mask,
``Σ_T c_T |I_T| ≤ (1 + ε) · OPT``

(``F``: the atom columns on the fit masks; ``p``: ``order_weight``, 2 by default). Strictly
convex in ``θ`` whatever the design, so the minimiser is unique, and continuous in the game.

Why the order weights ``|T|^p`` ([RECON]): with ``p = 0`` (plain ``‖θ‖²``) the ``ε·OPT`` of
L1 slack is spent on splitting the largest values among atoms that produce nearly the same
outputs on the fit masks (moving ``a`` of a value ``v`` onto higher-order atoms lowers ``v²``
by about ``2av``): a trained MLP at ``n = 24`` kept half of its largest value and had 3.7× the
LP vertex's salient atoms. Weights that grow with the order make that move expensive, the
lower orders win, as the LP's ``order_cost`` makes them win among equally sparse splits
(docs/sparse.md §3b has the measurements for ``p`` = 0, 1, 2 and 3).

Why not the exhaustive path's ``‖γ‖² + ‖q‖²/ζ²`` (docs/selection.md): ``q`` is known on the
fit masks only, and an estimate of ``‖q‖²`` there rewards fitting the noise of those masks with
many tiny atoms, which costs almost no L1 on a sampled design; the budget then does not bind,
every candidate may enter and the result is dense and path-dependent. Measured on planted
games at n = 24, 1,000 calls (docs/sparse.md): 1,600 atoms and a relative change of 5e-3
under a 1e-10 perturbation, against about 300 atoms and 5e-6 for ``‖θ‖²`` ([RECON]).

Solved by atom and row generation from the LP optimum's support and tight rows: the restricted
QP (:func:`~harsanyi.extract.solvers.selection.solve_selection_qp`), then the full KKT check on
every fit mask (the box) and on *every* atom of order ``≤ max_order``: off the support the
gradient of ``‖θ‖²`` vanishes, so an atom violates the KKT conditions when
``|F_Tᵀ ν| > μ c_T``, the LP's own pricing rule with duals ``ν / μ``
(:func:`~harsanyi.extract.sparse_lp.price_atoms`, exact unless its enumeration was capped).
The selection's certificate thus covers the fit masks and all atoms up to the order cap.
Values below ``1e-9·max|θ|`` (interior-point round-off off the support) are set to zero.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from harsanyi.extract.solvers.selection import solve_selection_qp
from harsanyi.extract.sparse_ipm import pool_selection
from harsanyi.extract.sparse_lp import (
    Atom,
    Pricing,
    atom_costs,
    atom_matrix,
    pool_atoms,
    price_atoms,
)
from harsanyi.extract.sparse_result import atom_features

__all__ = ["ORDER_WEIGHT", "order_weights", "select_over_pool", "select_sampled"]

#: ``p`` of the norm ``Σ_T |T|^p I_T²`` by default (module docstring; docs/sparse.md §3b).
ORDER_WEIGHT = 2.0
#: Relative size below which a selected value is interior-point round-off (set to zero).
ROUND_OFF = 1e-9
#: Up to this many fit masks the restricted QP has all of them from the start (the selection
#: makes most of them tight; row generation would add them over many rounds).
ALL_ROWS = 4000


def order_weights(atoms: list[Atom], power: float) -> np.ndarray:
    """Return ``w_T = |T|^p``, the weight of each atom in the selection's ``Σ_T w_T I_T²``.

    >>> order_weights([(False, (0,)), (True, (0, 1)), (False, (0, 1, 2))], 2.0).tolist()
    [1.0, 4.0, 9.0]
    """
    return np.array([len(t) for _, t in atoms], dtype=float) ** power


def _round_off(theta: np.ndarray) -> np.ndarray:
    """Zero the values below ``ROUND_OFF·max|θ|``: interior-point round-off off the support."""
    return np.where(np.abs(theta) > ROUND_OFF * np.abs(theta).max(), theta, 0.0)


def _atoms_with_empty(atoms: list[Atom], n: int) -> tuple[np.ndarray, np.ndarray]:
    """Return ``(support, is_or)`` of ``I_and(∅)`` followed by ``atoms``."""
    support, is_or = atom_matrix(atoms, n)
    return (np.concatenate([np.zeros((1, n), bool), support]),
            np.concatenate([[False], is_or]))


def _solve(feats: np.ndarray, y: np.ndarray, zeta: float, rows: np.ndarray, cost: np.ndarray,
           weights: np.ndarray, budget: float, start: np.ndarray
           ) -> tuple[np.ndarray, np.ndarray, float, int]:
    """Solve ``min Σ w θ²`` over the columns ``feats`` and the fit rows ``rows``.

    ``I_and(∅)`` comes first, with weight 1; the atoms follow with ``weights``. From
    ``start`` (the last round's ``θ``, zero on atoms that entered since). Returns ``θ``, ``ν``
    on every fit mask (zero off ``rows``), ``μ`` and the interior-point iterations.
    """
    k = feats.shape[1]
    out = solve_selection_qp(2.0 * np.diag(np.concatenate([[1.0], weights])), np.zeros(k),
                             feats[rows], y[rows], zeta,
                             np.concatenate([[0.0], cost]), budget, start)
    nu = np.zeros(len(y))
    nu[rows] = out["nu"]
    return np.asarray(out["x"]), nu, float(out["mu"]), int(out["iterations"])


def _violations(x: np.ndarray, feats: np.ndarray, y: np.ndarray, zeta: float, atoms: list[Atom],
                rows: np.ndarray, theta: np.ndarray, nu: np.ndarray, mu: float, max_order: int,
                order_cost: float) -> tuple[np.ndarray, list[Atom], float, Pricing]:
    """Return the violations of the full KKT conditions at ``(θ, ν, μ)``.

    The fit rows off the box (worst first), the atoms of order ``≤ max_order`` outside the
    restriction that price out (best first: ``|F_Tᵀ ν| > μ c_T``, enumerated by
    :func:`~harsanyi.extract.sparse_lp.price_atoms` with ``λ = ν / μ``), the largest relative
    violation and the pricing.
    """
    q = feats @ theta - y
    excess = np.abs(q) - zeta
    worst = float(excess.max(initial=0.0)) / (zeta if zeta > 0 else 1.0)
    excess[rows] = -np.inf  # constraints of the restricted QP: met up to its tolerance
    bad = np.flatnonzero(excess > 1e-7 * max(zeta, 1e-3))
    bad = bad[np.argsort(-excess[bad], kind="stable")]
    lam = nu / max(mu, 1e-12)
    pricing = price_atoms(x, lam, -float(lam.sum()), max_order, order_cost=order_cost)
    inside = set(atoms)
    hot = [(o, t) for _, o, t in pricing.entering if (o, t) not in inside]
    price = np.array([p for p, o, t in pricing.entering if (o, t) not in inside])
    over = float((price / atom_costs(hot, order_cost) - 1.0).max(initial=0.0))
    return bad, hot, max(worst, over, 0.0), pricing


def _drop_inactive(feats: np.ndarray, atoms: list[Atom], theta: np.ndarray, nu: np.ndarray,
                   mu: float, order_cost: float) -> tuple[list[Atom], np.ndarray]:
    """Drop the atoms the restricted optimum does not use.

    Those with ``|θ_T| ≤ 1e-6·max|θ|`` and a price ``|F_Tᵀ ν| < 0.99 μ c_T``: zero at the
    optimum, which stays the optimum without them. The interior point leaves them small but
    nonzero; they re-enter if they price out later. ``feats``: the columns, ``I_and(∅)`` first.
    """
    if not atoms:
        return atoms, theta
    ratio = np.abs(feats[:, 1:].T @ nu) / (max(mu, 1e-12) * atom_costs(atoms, order_cost))
    small = np.abs(theta[1:]) <= 1e-6 * max(float(np.abs(theta).max()), 1e-300)
    keep = ~(small & (ratio < 0.99))
    return ([a for a, k in zip(atoms, keep, strict=True) if k],
            np.concatenate([theta[:1], theta[1:][keep]]))


def select_sampled(x: np.ndarray, y: np.ndarray, zeta: float, atoms: list[Atom],
                   values: np.ndarray, intercept: float, *, epsilon: float, max_order: int,
                   order_cost: float, order_weight: float = ORDER_WEIGHT, max_rounds: int = 30,
                   max_add: int = 500) -> tuple[list[Atom], np.ndarray, float, dict[str, Any]]:
    """Canonical split of one normalised sampled game from an optimum of its LP.

    ``x`` ``(m, n)`` bool: the fit masks; ``y``: ``v − v(∅)`` on them (normalised); ``zeta``:
    ``ζ`` in the same units; ``atoms``, ``values``, ``intercept``: the LP's atoms and its
    optimum; ``order_weight``: ``p`` of the norm (module docstring). The restriction starts from
    the optimum's support; atoms of order ``≤ max_order`` enter when they price out (the
    weights do not change the pricing: the norm's gradient vanishes off the support) and leave
    when unused. Returns the atoms of the selection, their values, the intercept and an info
    dict: ``lp_optimum`` (``OPT``, weighted), ``objective`` (the selection's weighted L1
    norm, ``≤ (1 + ε)·OPT``), ``rounds``, ``qp_iterations``, ``kkt`` (largest relative KKT
    violation left on the fit masks and the atoms; 0 when exact), ``priced`` (subsets the last
    pricing examined) and ``exact`` (whether it covered every atom up to the order cap).

    >>> x = np.array([[0, 0], [1, 0], [0, 1], [1, 1]], dtype=bool)  # x0 OR x1, ζ = 0
    >>> atoms = [(False, (0,)), (False, (1,)), (True, (0, 1))]
    >>> sel, vals, c, info = select_sampled(x, np.array([0.0, 1, 1, 1]), 0.0, atoms,
    ...                                     np.array([0.0, 0.0, 1.0]), 0.0, epsilon=0.01,
    ...                                     max_order=2, order_cost=0.0, order_weight=0.0)
    >>> sorted(zip(sel, vals.round(4).tolist()))  # doctest: +NORMALIZE_WHITESPACE
    [((False, (0,)), 0.005), ((False, (0, 1)), -0.005), ((False, (1,)), 0.005),
     ((True, (0, 1)), 0.995)]
    >>> round(info["objective"], 9), info["kkt"] < 1e-6, info["exact"]
    (1.01, True, True)
    """
    opt = float(atom_costs(atoms, order_cost) @ np.abs(values))
    budget = (1.0 + epsilon) * opt
    h = atom_features(x, *atom_matrix(atoms, x.shape[1])) @ values + intercept
    tight = np.abs(h - y) >= zeta * (1 - 1e-7)
    rows = np.arange(len(y)) if zeta == 0 or len(y) <= ALL_ROWS else np.flatnonzero(tight)
    chosen = [a for a, val in zip(atoms, values, strict=True) if val != 0.0]
    info: dict[str, Any] = {"lp_optimum": opt, "rounds": 0, "qp_iterations": 0,
                            "method": "rounds"}
    theta = np.concatenate([[intercept], values[values != 0.0]])  # the LP optimum
    kkt, pricing = np.inf, None
    for _ in range(max_rounds):
        info["rounds"] += 1
        feats = atom_features(x, *_atoms_with_empty(chosen, x.shape[1]))
        start = np.pad(theta, (0, len(chosen) + 1 - len(theta)))
        theta, nu, mu, its = _solve(feats, y, zeta, rows, atom_costs(chosen, order_cost),
                                    order_weights(chosen, order_weight), budget, start)
        info["qp_iterations"] += its
        theta = _round_off(theta)
        bad, hot, kkt, pricing = _violations(x, feats, y, zeta, chosen, rows, theta, nu, mu,
                                             max_order, order_cost)
        chosen, theta = _drop_inactive(feats, chosen, theta, nu, mu, order_cost)
        if not len(bad) and not hot:
            break
        rows = np.union1d(rows, bad[:max(max_add, len(rows))])  # at most doubles per round
        chosen = chosen + hot[:max_add]
    theta = np.pad(theta, (0, len(chosen) + 1 - len(theta)))  # atoms added in the last round
    info.update(objective=float(atom_costs(chosen, order_cost) @ np.abs(theta[1:])), kkt=float(kkt),
                priced=pricing.examined if pricing else 0,
                exact=bool(pricing.complete) if pricing else False)
    return chosen, theta[1:], float(theta[0]), info


def select_over_pool(x: np.ndarray, y: np.ndarray, zeta: float, atoms: list[Atom],
                     values: np.ndarray, *, epsilon: float, max_order: int, order_cost: float,
                     order_weight: float = ORDER_WEIGHT
                     ) -> tuple[list[Atom], np.ndarray, float, dict[str, Any]] | None:
    """Canonical split of one normalised sampled game over every atom of order ``≤ max_order``.

    The same problem as :func:`select_sampled`, with every atom of the pool a column from the
    start: one interior point (:func:`~harsanyi.extract.sparse_ipm.pool_selection`), no rounds
    and no pricing, so nothing outside the problem is left to check; the weights enter by
    scaling each column ``F_T`` and cost ``c_T`` by ``w_T^(−½)``, so that ``w_T^(½) I_T`` has
    the plain norm. Its cost is fixed by the pool (``m² k`` flops an iteration, ~40
    iterations) where the rounds of
    :func:`select_sampled` grow with the near-optimal set: on a trained MLP at ``n = 24``
    (1,000 calls) 32 s instead of 159 s, on planted games there 27–38 s instead of 14–27 s,
    so :func:`~harsanyi.extract.sparse.sparse_and_or` uses it for dense LP vertices only
    (docs/sparse.md §3b). Returns ``None`` when the interior point does not reach its
    tolerance (the caller then runs the rounds). Arguments and info as :func:`select_sampled`
    (``rounds`` 1, ``priced`` the pool's size, ``exact`` True, ``method`` ``"pool"``).

    >>> x = np.array([[0, 0], [1, 0], [0, 1], [1, 1]], dtype=bool)  # x0 OR x1, ζ = 0
    >>> sel, vals, c, info = select_over_pool(x, np.array([0.0, 1, 1, 1]), 0.0,
    ...                                       [(True, (0, 1))], np.array([1.0]), epsilon=0.01,
    ...                                       max_order=2, order_cost=0.0, order_weight=0.0)
    >>> sorted(zip(sel, vals.round(4).tolist()))  # doctest: +NORMALIZE_WHITESPACE
    [((False, (0,)), 0.005), ((False, (0, 1)), -0.005), ((False, (1,)), 0.005),
     ((True, (0, 1)), 0.995)]
    """
    opt = float(atom_costs(atoms, order_cost) @ np.abs(values))
    pool = pool_atoms(x.shape[1], max_order)
    cost = atom_costs(pool, order_cost)
    scale = order_weights(pool, order_weight) ** -0.5
    feats = atom_features(x, *atom_matrix(pool, x.shape[1]))
    feats *= scale
    out = pool_selection(feats, cost * scale, y, zeta, (1.0 + epsilon) * opt)
    del feats
    if not out.converged:
        return None
    theta = _round_off(np.concatenate([[out.intercept], out.values * scale]))
    used = np.flatnonzero(theta[1:])
    info = {"lp_optimum": opt, "rounds": 1, "qp_iterations": out.iterations,
            "objective": float(cost[used] @ np.abs(theta[1:][used])), "kkt": out.violation,
            "priced": len(pool), "exact": True, "method": "pool"}
    return [pool[j] for j in used], theta[1:][used], float(theta[0]), info
