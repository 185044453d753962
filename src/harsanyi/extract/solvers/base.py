"""Result type, input checks and the shared finishing steps of the AND-OR solvers.

The problem every solver answers, per sample, written as a linear program
(docs/theory.md#and-or-split):

``min Σ_{S≠∅} |I_and(S)| + Σ_{|S|≥2} |I_or(S)|``  subject to  ``v + q = A (I_and, I_or)``,
``|q_S| ≤ ζ``, where ``A`` is the AND-OR dictionary of :mod:`.operators`. Its LP dual is
``max ⟨v, λ⟩ − ζ ‖λ‖₁`` subject to ``|Aᵀλ| ≤ 1`` on every atom and ``Σ_S λ_S = 0``; any ``λ``
scaled into that set gives a lower bound, hence a certified optimality gap (:func:`certify`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import scipy.linalg as sla

from harsanyi.core.transforms import n_players
from harsanyi.errors import NonFiniteOutputError, ShapeError
from harsanyi.extract.solvers.operators import (
    KINDS,
    dictionary_apply,
    dictionary_transpose,
    weights,
)

__all__ = [
    "SolverResult",
    "certify",
    "check_inputs",
    "check_warm_start",
    "finish",
    "matching_error",
    "normalise",
    "objective_of",
    "polish",
]


@dataclass
class SolverResult:
    """What a solver returns for a batch of ``B`` games on ``n`` players.

    ``and_values``, ``or_values``, ``q``: arrays ``(B, 2**n)`` float64 in our bit order, with
    ``or_values`` zero at ∅ and at singletons and ``and_values[:, 0] = v(∅) + q(∅)``;
    ``objective``: ``(B,)``, ``Σ_{S≠∅} |I_and(S)| + Σ |I_or(S)|``; ``info``: a dict of
    diagnostics (``solver``, ``iterations``, ``converged``, ``gap``, ``residual``, ``seconds``
    ... each per sample where it makes sense).

    >>> r = SolverResult(np.zeros((1, 2)), np.zeros((1, 2)), np.zeros((1, 2)), np.zeros(1))
    >>> r.and_values.shape, r.info
    ((1, 2), {})
    """

    and_values: np.ndarray
    or_values: np.ndarray
    q: np.ndarray
    objective: np.ndarray
    info: dict[str, Any] = field(default_factory=dict)


def check_inputs(values: Any, bound: Any, kind: str) -> tuple[np.ndarray, np.ndarray, int]:
    """Validate and convert the inputs of a solver.

    Validate and convert ``values`` (``(B, 2**n)`` or ``(2**n,)``) and ``bound`` (scalar or
    ``(B,)``, absolute ``ζ ≥ 0``); return float64 ``(B, 2**n)``, ``(B,)`` and ``n``.

    >>> v, z, n = check_inputs([0.0, 1.0], 0.5, "and_or")
    >>> v.shape, z.tolist(), n
    ((1, 2), [0.5], 1)
    """
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}; got {kind!r}")
    arr = np.asarray(values, dtype=np.float64)
    if arr.ndim == 1:
        arr = arr[None, :]
    if arr.ndim != 2:
        raise ShapeError(f"values must have shape (B, 2**n); got {arr.shape}")
    n = n_players(arr)
    if not np.all(np.isfinite(arr)):
        bad = int(np.count_nonzero(~np.isfinite(arr)))
        raise NonFiniteOutputError(f"values contain {bad} NaN or inf entries")
    zeta_b = np.asarray(bound, dtype=np.float64)
    if zeta_b.ndim == 0:
        zeta_b = np.full(arr.shape[0], float(zeta_b))
    if zeta_b.shape != (arr.shape[0],):
        raise ShapeError(
            f"bound must be a scalar or have shape ({arr.shape[0]},) (one ζ per sample); "
            f"got {zeta_b.shape}"
        )
    if not np.all(np.isfinite(zeta_b)) or np.any(zeta_b < 0):
        raise ValueError("bound (the absolute noise bound ζ) must be finite and >= 0")
    return np.ascontiguousarray(arr), zeta_b, n


def check_warm_start(warm_start: SolverResult | None, shape: tuple[int, ...]) -> None:
    """Raise :class:`ShapeError` unless ``warm_start`` (if any) holds arrays of ``shape``.

    >>> z = np.zeros((1, 4))
    >>> check_warm_start(SolverResult(z, z, z, np.zeros(1)), (2, 4))
    Traceback (most recent call last):
    ...
    harsanyi.errors.ShapeError: warm_start must hold arrays of shape (2, 4) like values; ...
    """
    if warm_start is None:
        return
    shapes = {warm_start.and_values.shape, warm_start.or_values.shape, warm_start.q.shape}
    if shapes != {tuple(shape)}:
        raise ShapeError(f"warm_start must hold arrays of shape {tuple(shape)} like values; got "
                         f"{sorted(shapes)}")


def normalise(values: np.ndarray, bound: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Shift and scale each game so that ``v(∅) = 0`` and ``max |v| = 1``.

    The split is equivariant: ``v → (v − c)/s`` maps solutions to solutions with
    ``I → I/s`` (``I_and(∅)`` shifted by ``c``). Returns ``(v', ζ', s)``; ``s = 1`` for a
    constant game.

    >>> v, z, s = normalise(np.array([[1.0, 3.0]]), np.array([0.5]))
    >>> v.tolist(), z.tolist(), s.tolist()
    ([[0.0, 1.0]], [0.25], [2.0])
    """
    shifted = values - values[:, :1]
    scale = np.abs(shifted).max(-1)
    scale = np.where(scale > 0, scale, 1.0)
    return shifted / scale[:, None], bound / scale, scale


def objective_of(and_values: np.ndarray, or_values: np.ndarray) -> np.ndarray:
    """``Σ_{S≠∅} |I_and(S)| + Σ_S |I_or(S)|`` per sample.

    >>> objective_of(np.array([[5.0, -1.0]]), np.zeros((1, 2))).tolist()
    [1.0]
    """
    return np.abs(and_values[..., 1:]).sum(-1) + np.abs(or_values).sum(-1)


def matching_error(values, and_values, or_values, q) -> np.ndarray:
    """Relative universal-matching residual ``max_S |v + q − A x| / max(1, max_S |v|)``.

    >>> matching_error(np.array([[0.0, 1.0]]), np.array([[0.0, 1.0]]), np.zeros((1, 2)),
    ...                np.zeros((1, 2))).tolist()
    [0.0]
    """
    x = np.concatenate([and_values, or_values], -1)
    fit = dictionary_apply(x, "and_or")
    err = np.abs(values + q - fit).max(-1)
    return err / np.maximum(1.0, np.abs(values).max(-1))


def certify(values, bound, x, lam, kind: str = "and_or") -> tuple[np.ndarray, np.ndarray]:
    """Lower bound of the optimum and relative gap of ``x`` from a dual guess ``λ``.

    ``λ`` is projected onto ``Σλ = 0`` and scaled into ``|Aᵀλ| ≤ 1``; then
    ``⟨v, λ⟩ − ζ‖λ‖₁ ≤ optimum ≤ objective(x)``. Returns ``(lower, gap)`` with
    ``gap = (objective − lower) / max(objective, 1e-300)`` (``x`` assumed feasible).

    >>> v = np.array([[0.0, 1.0]])
    >>> lower, gap = certify(v, np.zeros(1), np.array([[0.0, 1.0, 0.0, 0.0]]),
    ...                      np.array([[-1.0, 1.0]]))
    >>> lower.tolist(), gap.tolist()
    ([1.0], [0.0])
    """
    lam = lam - lam.mean(-1, keepdims=True)
    n = n_players(values)
    prices = np.abs(dictionary_transpose(lam, kind)) * (weights(n, kind) > 0)
    scale = np.maximum(1.0, prices.max(-1))
    lam = lam / scale[:, None]
    lower = (lam * values).sum(-1) - bound * np.abs(lam).sum(-1)
    primal = (np.abs(x) * weights(n, kind)).sum(-1)
    return lower, (primal - lower) / np.maximum(primal, 1e-300)


def _atom_columns(atoms: np.ndarray, rows: np.ndarray, size: int) -> np.ndarray:
    """Return the dense columns ``A[rows][:, atoms]`` of the dictionary.

    Dense ``A[rows][:, atoms]`` (atom ``j < size``: AND ``1(j ⊆ S)``; else OR
    ``1((j − size) ∩ S ≠ ∅)``).
    """
    r = rows[:, None]
    is_and = atoms[None, :] < size
    t = np.where(is_and, atoms[None, :], atoms[None, :] - size)
    return np.where(is_and, (t & ~r) == 0, (t & r) != 0).astype(np.float64)


def _least_norm_change(cols: np.ndarray, change: np.ndarray) -> np.ndarray:
    """``δ`` of least norm with ``cols δ = change`` (least squares where none fits exactly).

    As ``colsᵀ y`` with ``(cols colsᵀ) y = change`` (QR with column pivoting on the rows' Gram
    matrix): the rows are the few past the box, the columns the many atoms, so this is 2.3×
    faster than an SVD of ``cols`` (1,206 rows × 2,391 atoms on an over-fitted n = 12 game,
    docs/selection.md), and the changes are ~1e-11, far above its loss of accuracy.

    >>> _least_norm_change(np.array([[1.0, 1.0]]), np.array([2.0])).tolist()
    [1.0, 1.0]
    """
    y = sla.lstsq(cols @ cols.T, change, lapack_driver="gelsy")[0]
    return cols.T @ y


def polish(values: np.ndarray, bound: float, x: np.ndarray, kind: str,
           tol: float = 1e-12) -> np.ndarray:
    """Move an LP solution back into the box ``|A x − v| ≤ ζ``.

    Move an LP solution ``x`` of one game back into the box if a solver tolerance left it
    (``|A x − v| > ζ`` by more than ``tol·max(1, max|v|)``): the rows past the bound are put
    on it by the least-norm change of the nonzero atoms (repeated, keeping those rows, if
    others got pushed out). Returns ``x`` unchanged when it is inside, or when this fails.

    >>> v = np.array([0.0, 1.0])
    >>> x = polish(v, 0.1, np.array([0.0, 1.1 + 1e-9]), "and")  # |q({0})| = 0.1 + 1e-9
    >>> bool(np.abs(dictionary_apply(x, "and") - v).max() <= 0.1 + 1e-15), x.round(6).tolist()
    (True, [-0.0, 1.1])
    """
    size = values.shape[-1]
    scale = max(1.0, float(np.abs(values).max()))
    limit = bound + tol * scale
    fixed = x
    raw = dictionary_apply(fixed, kind) - values
    rows = np.zeros(0, np.int64)
    atoms = np.union1d(np.flatnonzero(x), [0])
    for _ in range(8):  # put the rows past the bound on it; repeat if others got pushed out
        out = np.flatnonzero(np.abs(raw) > limit)
        if not len(out):
            return fixed
        rows = np.union1d(rows, out)
        target = np.clip(raw[rows], -bound, bound)
        delta = _least_norm_change(_atom_columns(atoms, rows, size), target - raw[rows])
        fixed = fixed.copy()
        fixed[atoms] += delta
        raw = dictionary_apply(fixed, kind) - values
    return fixed if np.max(np.abs(raw)) <= limit else x


def finish(values, bound, x, kind: str, info: dict[str, Any]) -> SolverResult:
    """Turn coefficients ``x`` of the original (unscaled) games into a :class:`SolverResult`.

    Universal matching is restored exactly: ``q = A x − v`` is recomputed with the exact
    transforms (after :func:`polish`) and clipped into ``[−ζ, ζ]``; the clipped amount (a
    solver's leftover infeasibility) is reported as ``info["box_excess"]`` and the matching
    residual as ``info["residual"]``.

    >>> r = finish(np.array([[0.0, 1.0]]), np.zeros(1), np.array([[0.0, 1.0, 0.0, 0.0]]),
    ...            "and_or", {})
    >>> r.and_values.tolist(), r.objective.tolist(), r.info["residual"].tolist()
    ([[0.0, 1.0]], [1.0], [0.0])
    """
    size = values.shape[-1]
    x = np.array([polish(values[b], bound[b], x[b], kind) for b in range(len(x))])
    if kind == "and":
        and_v = np.array(x[:, :size], dtype=np.float64)
        or_v = np.zeros_like(and_v)
    else:
        n = n_players(values)
        and_v = np.array(x[:, :size], dtype=np.float64)
        or_v = np.array(x[:, size:], dtype=np.float64) * (weights(n)[size:] > 0)
    fit = dictionary_apply(np.concatenate([and_v, or_v], -1), "and_or")
    raw_q = fit - values
    q = np.clip(raw_q, -bound[:, None], bound[:, None])
    info = dict(info)
    info["box_excess"] = np.abs(raw_q - q).max(-1)
    info["residual"] = matching_error(values, and_v, or_v, q)
    and_v += 0.0  # no negative zeros
    or_v += 0.0
    return SolverResult(and_v, or_v, q + 0.0, objective_of(and_v, or_v), info)
