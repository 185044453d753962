"""The ``"exact"`` solver: the whole linear program of each game through HiGHS (n ≤ 10).

It is the test oracle of the other solvers. The formulation is the complement form of
:mod:`.lp` (~2·3^n nonzeros); the problem is solved per sample after shifting ``v(∅)`` to 0
and scaling ``max |v|`` to 1 (HiGHS tolerances are absolute).
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np

from harsanyi.core.progress import progress_bar
from harsanyi.core.transforms import mobius
from harsanyi.extract.solvers.base import SolverResult, certify, finish, normalise
from harsanyi.extract.solvers.lp import solve_full_lp
from harsanyi.extract.solvers.operators import limited_threads

__all__ = ["MAX_EXACT_PLAYERS", "solve_exact"]

#: Largest ``n`` the exact LP accepts (one n = 10 game takes ~2 s; n = 11 ~4x more).
MAX_EXACT_PLAYERS = 10


def solve_exact(
    values: np.ndarray,
    bound: np.ndarray,
    kind: str = "and_or",
    warm_start: SolverResult | None = None,
    *,
    method: str = "highs-ipm",
    max_players: int = MAX_EXACT_PLAYERS,
    threads: int | None = 1,
    progress: bool | None = False,
) -> SolverResult:
    """Solve the AND-OR linear program of every game exactly with HiGHS.

    Solve ``min Σ_{S≠∅}|I_and(S)| + Σ_{|S|≥2}|I_or(S)|`` s.t. ``v + q = A(I_and, I_or)``,
    ``|q_S| ≤ ζ`` exactly (HiGHS; ``method`` is a ``scipy.optimize.linprog`` HiGHS method).

    ``warm_start`` is accepted for interface compatibility and ignored. ``info["gap"]`` is the
    certified relative optimality gap from the LP duals. ``threads`` bounds numpy's BLAS
    threads in the finishing steps (see :func:`.operators.limited_threads`). ``progress``: a
    bar over the samples (``None``: once they have run 2 s).

    >>> r = solve_exact(np.array([[0.0, 0.0, 0.0, 1.0]]), np.zeros(1))
    >>> r.and_values.round(9).tolist(), r.objective.round(9).tolist()
    ([[0.0, 0.0, 0.0, 1.0]], [1.0])
    """
    del warm_start
    _batch, size = values.shape
    n = size.bit_length() - 1
    if n > max_players:
        raise ValueError(
            f"solver='exact' solves the full linear program and is limited to n <= {max_players} "
            f"players (got n={n}); use solver='fast', which reaches the same optimum"
        )
    with limited_threads(threads):
        return _solve(values, bound, kind, method, progress)


def _solve(values: np.ndarray, bound: np.ndarray, kind: str, method: str,
           progress: bool | None) -> SolverResult:
    batch, size = values.shape
    start = time.perf_counter()
    vn, zn, scale = normalise(values, bound)
    width = size if kind == "and" else 2 * size
    xs = np.zeros((batch, width))
    lams = np.zeros((batch, size))
    iters = np.zeros(batch, np.int64)
    status = np.zeros(batch, np.int64)
    for b in progress_bar(range(batch), progress, desc="AND-OR split (LP)", unit="sample"):
        if kind == "and" and zn[b] == 0:
            xs[b] = mobius(vn[b])
            continue
        xs[b], lams[b], lp = solve_full_lp(vn[b], zn[b], kind, method=method)
        iters[b] = lp["iterations"]
        status[b] = lp["status"]
    _, gap = certify(vn, zn, xs, lams, kind)
    if kind == "and":
        gap = np.where(zn == 0, 0.0, gap)
    x = xs * scale[:, None]
    x[:, 0] += values[:, 0]
    info: dict[str, Any] = {"solver": "exact", "method": method, "iterations": iters,
                            "converged": status == 0, "gap": np.maximum(gap, 0.0),
                            "seconds": time.perf_counter() - start}
    return finish(values, bound, x, kind, info)
