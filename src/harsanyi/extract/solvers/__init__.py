"""Solvers of the sparse AND-OR split (a linear program), behind one entry point :func:`solve`.

``SOLVERS`` maps a name to a function ``(values, bound, kind, warm_start, **options)``:

* ``"fast"`` (default): batched ADMM on the fast transforms finds the support, then a
  certified row/column-generation LP (HiGHS) returns the exact optimum; warm-startable.
* ``"exact"``: the whole LP through HiGHS (n ≤ 10); the test oracle.
* ``"sgd"``: the original research recipe (SGD + momentum, 10× log-decayed learning rate).

All return a :class:`SolverResult` in our conventions (bit order, ``or_values`` zero at ∅ and
singletons, ``and_values[:, 0] = v(∅) + q(∅)``) with universal matching restored exactly.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from harsanyi.extract.solvers.base import (
    SolverResult,
    check_inputs,
    check_warm_start,
    objective_of,
)
from harsanyi.extract.solvers.exact import solve_exact
from harsanyi.extract.solvers.fast import solve_fast
from harsanyi.extract.solvers.sgd import solve_sgd

__all__ = ["SOLVERS", "SolverResult", "objective_of", "solve"]

#: Name -> solver function ``(values, bound, kind, warm_start, **options) -> SolverResult``.
SOLVERS: dict[str, Callable[..., SolverResult]] = {
    "fast": solve_fast,
    "exact": solve_exact,
    "sgd": solve_sgd,
}


def solve(
    values: Any,
    bound: Any,
    solver: str = "fast",
    kind: str = "and_or",
    warm_start: SolverResult | None = None,
    **options: Any,
) -> SolverResult:
    """Sparsest AND-OR (``kind="and_or"``) or AND-only (``kind="and"``) split of each game.

    Per sample ``b``: ``min Σ_{S≠∅}|I_and(S)| + Σ_{|S|≥2}|I_or(S)|`` over ``q`` with
    ``|q_S| ≤ ζ_b = bound[b]`` and universal matching
    ``v(S) + q(S) = I_and(∅) + Σ_{∅≠T⊆S} I_and(T) + Σ_{T∩S≠∅} I_or(T)``
    (equivalently ``v_and = 0.5 (v+q) + γ``, ``v_or = 0.5 (v+q) − γ``, γ free). ``values``:
    ``(B, 2**n)`` (or ``(2**n,)``), ``bound``: absolute ζ, scalar or ``(B,)``, 0 for no noise
    term. ``options`` go to the solver (see ``SOLVERS[solver]``).

    >>> r = solve(np.array([[0.0, 1.0, 1.0, 1.0]]), 0.0, solver="exact")
    >>> r.or_values.round(9).tolist(), r.objective.round(9).tolist()
    ([[0.0, 0.0, 0.0, 1.0]], [1.0])
    """
    if solver not in SOLVERS:
        raise ValueError(f"unknown solver {solver!r}; choose one of {sorted(SOLVERS)}")
    arr, zeta_b, _ = check_inputs(values, bound, kind)
    check_warm_start(warm_start, arr.shape)
    if arr.shape[-1] == 1:  # no players: v(∅) is all there is
        zeros = np.zeros_like(arr)
        return SolverResult(arr.copy(), zeros, zeros.copy(), np.zeros(arr.shape[0]),
                            {"solver": solver, "residual": np.zeros(arr.shape[0])})
    return SOLVERS[solver](arr, zeta_b, kind, warm_start, **options)
