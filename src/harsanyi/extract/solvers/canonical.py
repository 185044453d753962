"""The canonical selection stage: from certified LP vertices to the canonical split.

``select_canonical`` takes the result of an LP solver (``"fast"`` or ``"exact"``: an optimal
vertex and its certified optimum ``OPT``) and returns, per game, the unique minimiser of the
strictly convex selection problem of :mod:`.selection` over the ``(1 + ε)``-optimal set. The
vertex only seeds the restriction; the answer does not depend on which vertex it was.
"""

from __future__ import annotations

import math
import time
from collections.abc import Mapping
from typing import Any

import numpy as np

from harsanyi.extract.solvers.base import SolverResult, check_warm_start, finish, normalise
from harsanyi.extract.solvers.fast import candidates_from_result, warm_candidates
from harsanyi.extract.solvers.operators import limited_threads
from harsanyi.extract.solvers.selection import select_one
from harsanyi.extract.sparse_select import ORDER_WEIGHT

__all__ = ["CANONICAL_PRACTICAL_MAX", "SEED_OVERLAP", "SELECTIONS", "check_selection",
           "resolve_selection", "select_canonical", "selection_options", "stored_order_weight",
           "stored_selection", "vertex_info"]

#: The selections :func:`harsanyi.and_or` offers: ``"auto"`` (the default, see
#: :func:`resolve_selection`), the canonical split, and the raw LP vertex the solver's path
#: happens to end at.
SELECTIONS = ("auto", "canonical", "vertex")
#: A warm start seeds a game's selection where it nearly fits the new game or its support holds
#: at least this share of the game's own vertex support. Measured shares (and the seed's effect
#: on the selection stage): 0.92–0.95 on an over-fitted MLP's checkpoints 50 epochs apart at
#: n = 10 (a seed made 11 of 12 games faster, up to 4.3×), 0.26–0.75 on the first ten epochs of
#: ``benchmarks/monitor.py`` (46 of 72 games slower, up to 2.8×); at n = 12 the over-fitted
#: checkpoints had 0.81–0.85 but nearly fit (docs/selection.md).
SEED_OVERLAP = 0.9

#: Largest n at which the canonical split has been practical: at n = 16 one planted game ran
#: past 30 minutes at 4–7 GiB (dense restricted QPs; docs/selection.md).
CANONICAL_PRACTICAL_MAX = 12


def resolve_selection(selection: str, n: int, *, sampled: bool = False) -> str:
    """Return the selection that ``selection`` stands for on a game of ``n`` players.

    ``"auto"`` is the canonical split for a game of all ``2**n`` masks with
    ``n ≤ CANONICAL_PRACTICAL_MAX`` (12), and the LP vertex above (the canonical split is not
    practical there yet) and for a sampled game (there it costs 1.6× the vertex on a trained
    MLP at ``n = 24`` but 36–39× on planted games, docs/sparse.md §3b). Every result records the
    selection it got (``metadata["selection"]``).
    Other selections are returned unchanged (checked).

    >>> resolve_selection("auto", 10), resolve_selection("auto", 14)
    ('canonical', 'vertex')
    >>> resolve_selection("auto", 24, sampled=True), resolve_selection("canonical", 14)
    ('vertex', 'canonical')
    """
    check_selection(selection, 0.0)
    if selection != "auto":
        return selection
    return "vertex" if sampled or n > CANONICAL_PRACTICAL_MAX else "canonical"


def stored_selection(solver_options: Mapping[str, Any] | None) -> str:
    """Return the selection recorded in a run's solver options.

    A run records ``selection`` only for the canonical split (:func:`selection_options`);
    options without it are a vertex run, as every run stored before the option existed.

    >>> stored_selection({"selection": "canonical", "epsilon": 0.01}), stored_selection({})
    ('canonical', 'vertex')
    """
    return str((solver_options or {}).get("selection", "vertex"))


def stored_order_weight(solver_options: Mapping[str, Any] | None) -> float:
    """Return the ``order_weight`` of a sampled canonical run's solver options.

    A sampled canonical run records it (:func:`selection_options`); options without it were
    stored before the option existed, when the norm was the plain one: ``0``.

    >>> stored_order_weight({"selection": "canonical", "order_weight": 2.0})
    2.0
    >>> stored_order_weight({"selection": "canonical", "epsilon": 0.01})
    0.0
    """
    return float((solver_options or {}).get("order_weight", 0.0))


def check_selection(selection: str, epsilon: float) -> None:
    """Raise ``ValueError`` for an unknown selection or an ``ε`` that is not a finite ``≥ 0``.

    >>> check_selection("canonical", 0.01)
    >>> check_selection("centre", 0.01)
    Traceback (most recent call last):
    ...
    ValueError: unknown selection 'centre'; choose one of ('auto', 'canonical', 'vertex')
    """
    if selection not in SELECTIONS:
        raise ValueError(f"unknown selection {selection!r}; choose one of {SELECTIONS}")
    if isinstance(epsilon, bool) or not isinstance(epsilon, int | float | np.floating) or \
            not math.isfinite(float(epsilon)) or epsilon < 0:
        raise ValueError(
            f"epsilon must be a finite number >= 0 (the relative slack of the L1 optimum the "
            f"canonical split may use, e.g. 0.01); got {epsilon!r}"
        )


def selection_options(selection: str, epsilon: float, *, solver: str = "fast",
                      kind: str = "and_or", sampled: bool = False,
                      order_weight: float = ORDER_WEIGHT) -> dict[str, Any]:
    """Return the :func:`harsanyi.and_or` options that ask for ``selection`` (checked).

    Empty for the raw vertex, for ``solver="sgd"`` (no LP optimum to select around) and for
    AND-only interactions, so that a stored vertex run's configuration is the same as before
    the option existed (:func:`stored_selection` reads it back). ``"auto"`` is kept as it is:
    :func:`harsanyi.and_or` resolves it per game, the monitor once per run. The canonical split
    of a ``sampled`` game also names its ``order_weight`` (a run stored before that option
    existed has none: it used ``0``, :func:`stored_order_weight`).

    >>> selection_options("canonical", 0.01), selection_options("vertex", 0.01)
    ({'selection': 'canonical', 'epsilon': 0.01}, {})
    >>> selection_options("canonical", 0.01, sampled=True)
    {'selection': 'canonical', 'epsilon': 0.01, 'order_weight': 2.0}
    """
    check_selection(selection, epsilon)
    if selection == "vertex" or solver == "sgd" or kind == "and":
        return {}
    if sampled and selection == "canonical":
        return {"selection": selection, "epsilon": float(epsilon),
                "order_weight": float(order_weight)}
    return {"selection": selection, "epsilon": float(epsilon)}


def select_canonical(values: np.ndarray, bound: np.ndarray, kind: str, vertex: SolverResult,
                     epsilon: float = 0.01, *, warm_start: SolverResult | None = None,
                     max_rounds: int = 30, max_add: int = 100,
                     threads: int | None = 1) -> SolverResult:
    """Canonical split of each game, from LP vertices ``vertex`` of the same games.

    Per game: ``min ‖γ‖² + ‖q‖²/ζ²`` over ``|A x − v| ≤ ζ``, ``‖x‖_w1 ≤ (1 + ε)·OPT`` with
    ``OPT`` = ``vertex.objective`` (the certified LP optimum), ``γ = ½ A D x``, ``q = A x − v``.
    ``info`` keeps the vertex solver's entries and adds ``selection``, ``epsilon``,
    ``lp_optimum`` (per game, original units), ``selected`` (per game: ``False`` where the
    vertex solver stopped without a certificate, ``info["converged"]``; there is no certified
    ``OPT`` to select around, so the vertex is kept), ``polished`` (the exact active-set solve
    passed the full KKT check), ``kkt`` (largest relative KKT violation), ``selection_rounds``,
    ``qp_iterations``, ``equality_qps`` (the polish's), ``seeded`` (per game: a warm start
    seeded its restriction) and ``selection_seconds``.
    ``threads``: BLAS threads (one by default, as the LP solvers; see
    :func:`.operators.limited_threads`).

    ``warm_start``: a split of nearby games of the same shape (e.g. the canonical split of the
    previous checkpoint). Where it nearly fits a game (its box excess at most ``ζ``, the LP's
    warm-start rule) or its support holds at least ``SEED_OVERLAP`` (90%) of the game's vertex
    support, that support and the rows where its ``|q|`` is at its bound join the game's first
    restriction (:func:`.selection.select_one`'s seed; ``info["seeded"]``), which
    saves the rounds that would find them: on consecutive checkpoints of an over-fitted MLP
    the selection stage took about half the time (docs/selection.md). The answer does not
    change.

    >>> from harsanyi.extract.solvers import solve
    >>> v = np.array([[0.0, 1.0, 1.0, 1.0]])
    >>> r = select_canonical(v, np.zeros(1), "and_or", solve(v, 0.0, "exact"), 0.01)
    >>> r.or_values[0, 3].round(6), r.objective.round(6).tolist(), bool(r.info["polished"][0])
    (np.float64(0.995), [1.01], True)
    """
    check_selection("canonical", epsilon)
    check_warm_start(warm_start, values.shape)
    with limited_threads(threads):
        return _select(values, bound, kind, vertex, float(epsilon), warm_start, max_rounds,
                       max_add)


def _seeds(values: np.ndarray, bound: np.ndarray, warm: SolverResult | None, kind: str,
           vertex_x: np.ndarray) -> list[dict[str, Any]]:
    """Per game, seed atoms and rows from a nearby split, where it is near enough.

    Its support and the rows where its ``|q|`` is at its bound
    (:func:`.fast.candidates_from_result`; no rows where it has no noise at all, which would
    be every row), where it nearly fits the new game (:func:`.fast.warm_candidates`, the rule
    of the LP's warm start) or its support holds at least ``SEED_OVERLAP`` of the game's own
    vertex support ``vertex_x`` (``I_and(∅)`` aside); else nothing.
    """
    if warm is None:
        return [{} for _ in range(len(values))]
    out: list[dict[str, Any]] = []
    for b, cand in enumerate(warm_candidates(values, bound, warm, kind, 1.0)):
        if cand is None:  # does not nearly fit: seed only where it covers the vertex's support
            x = warm.and_values[b] if kind == "and" else np.concatenate([warm.and_values[b],
                                                                         warm.or_values[b]])
            cand = candidates_from_result(np.asarray(x, np.float64),
                                          np.asarray(warm.q[b], np.float64), kind)
            own = np.flatnonzero(vertex_x[b, 1:]) + 1
            if len(own) and np.isin(own, cand["atoms"]).mean() < SEED_OVERLAP:
                out.append({})
                continue
        rows = cand["rows"] if len(cand["rows"]) < len(warm.q[b]) else None
        out.append({"seed_atoms": cand["atoms"], "seed_rows": rows})
    return out


def _select(values, bound, kind, vertex, epsilon, warm, max_rounds, max_add) -> SolverResult:
    start = time.perf_counter()
    batch, _size = values.shape
    vn, zn, scale = normalise(values, bound)
    xv = np.concatenate([vertex.and_values, vertex.or_values], -1)
    if kind == "and":
        xv = vertex.and_values.copy()
    xv = xv / scale[:, None]
    xv[:, 0] = (vertex.and_values[:, 0] - values[:, 0]) / scale
    opt = np.asarray(vertex.objective, dtype=np.float64)
    certified = np.broadcast_to(np.asarray(vertex.info.get("converged", True), bool)
                                .reshape(-1), (batch,))
    xs = xv.copy()
    polished = np.ones(batch, bool)
    kkt = np.zeros(batch)
    rounds = np.zeros(batch, np.int64)
    qp_iters = np.zeros(batch, np.int64)
    equality_qps = np.zeros(batch, np.int64)
    seeded = np.zeros(batch, bool)
    seeds = _seeds(values, bound, warm, kind, xv)
    for b in range(batch):
        if kind == "and" and zn[b] == 0:
            continue  # the Möbius transform: the only feasible point
        if not certified[b]:  # no certified optimum to select around: the vertex is kept
            polished[b] = False
            continue
        seed = seeds[b]
        seeded[b] = bool(seed)
        xs[b], info = select_one(vn[b], float(zn[b]), kind, float(opt[b] / scale[b]), epsilon,
                                 xv[b], max_rounds=max_rounds, max_add=max_add, **seed)
        polished[b], kkt[b] = info["polished"], info["kkt"]
        rounds[b], qp_iters[b] = info["rounds"], info["qp_iterations"]
        equality_qps[b] = info["equality_qps"]
    x = xs * scale[:, None]
    x[:, 0] += values[:, 0]
    info = {**vertex.info, "selection": "canonical", "epsilon": float(epsilon),
            "lp_optimum": opt, "selected": certified.copy(), "polished": polished, "kkt": kkt,
            "selection_rounds": rounds,
            "qp_iterations": qp_iters, "equality_qps": equality_qps, "seeded": seeded,
            "selection_seconds": time.perf_counter() - start}
    return finish(values, bound, x, kind, info)


def vertex_info(vertex: SolverResult) -> dict[str, Any]:
    """Return the info of a raw LP vertex in the same terms as the canonical split.

    ``selection="vertex"``, ``ε = 0``, ``lp_optimum`` = its own objective.

    >>> r = SolverResult(np.zeros((1, 2)), np.zeros((1, 2)), np.zeros((1, 2)), np.ones(1))
    >>> vertex_info(r)["lp_optimum"].tolist()
    [1.0]
    """
    return {**vertex.info, "selection": "vertex", "epsilon": 0.0,
            "lp_optimum": np.asarray(vertex.objective, dtype=np.float64)}
