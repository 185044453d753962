"""Sparsity: salient thresholds, salient counts and sparsity curves.

Two threshold conventions are in use:

* papers A and B: one global ``τ = 0.03 · E_x |v(x) − v(x_∅)|`` (:func:`salient_threshold`);
* paper E: ``τ = fraction · max_S |I(S)|`` per sample (0.05 for LLMs, 0.1 for tabular MLPs)
  (``salient_count(..., fraction=...)``).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from harsanyi.core.transforms import n_players
from harsanyi.metrics._common import by_order, pooled, split

__all__ = ["salient_count", "salient_threshold", "sparsity_curve"]


def salient_threshold(values: Any, fraction: float = 0.03) -> float:
    """``τ = fraction · E_x |v(x_N) − v(x_∅)|`` over all the given samples (papers A, B).

    ``values``: the game values ``(..., 2**n)`` (an array, a :class:`~harsanyi.Game` or an
    :class:`~harsanyi.Interactions`, whose ``values`` are used).

    >>> salient_threshold(np.array([[0.0, 0, 0, 2.0], [1.0, 0, 0, -3.0]]), fraction=0.5)
    1.5
    """
    v = np.asarray(getattr(values, "values", values), dtype=np.float64)
    n_players(v)
    if not np.isfinite(fraction) or fraction < 0:
        raise ValueError(f"fraction must be a finite number >= 0; got {fraction}")
    return float(fraction * np.mean(np.abs(v[..., -1] - v[..., 0])))


def salient_count(
    and_values: Any,
    or_values: Any = None,
    *,
    tau: Any = None,
    fraction: float | None = None,
    by_order: bool = False,
) -> np.ndarray:
    """Count the salient interactions per sample, AND and OR pooled, ``S ≠ ∅``.

    Salient means ``I(S) ≠ 0`` and ``|I(S)| ≥ τ`` with either an absolute ``tau`` (a scalar or
    one per sample, e.g. :func:`salient_threshold`) or ``τ = fraction · max_S |I(S)|`` per
    sample (paper E). ``by_order=True`` gives paper E's ``R^(k)`` per order, ``(..., n+1)``;
    otherwise the total, ``(...)``.

    >>> a = np.array([9.0, 1.0, -0.05, 0.5]); o = np.array([0.0, 0.0, 0.0, 0.2])
    >>> int(salient_count(a, o, tau=0.1)), int(salient_count(a, o, fraction=0.5))
    (3, 2)
    >>> salient_count(a, o, tau=0.1, by_order=True).tolist()
    [0, 1, 2]
    """
    a, o = split(and_values, or_values)
    if (tau is None) == (fraction is None):
        raise ValueError("give exactly one of tau= (absolute) and fraction= (of max |I|)")
    size = a.shape[-1]
    strength = np.abs(pooled(a, o))
    if fraction is not None:
        thr = fraction * strength.max(axis=-1, keepdims=True)
    else:
        thr = np.asarray(tau, dtype=np.float64)[..., None]
    hit = ((strength >= thr) & (strength > 0)).astype(np.float64)
    if not by_order:
        return hit.sum(axis=-1).astype(np.int64)
    per_kind = hit.reshape((*hit.shape[:-1], -1, size)).sum(axis=-2)
    return _by_order(per_kind).round().astype(np.int64)


_by_order = by_order


def sparsity_curve(and_values: Any, or_values: Any = None, *, average: bool = True) -> np.ndarray:
    """Compute paper C's sparsity curve.

    Paper C's sparsity curve: ``|I|`` of all AND and OR interactions concatenated
    (``2**(n+1)`` values, ``2**n`` without ``or_values``; ``∅`` counts as 0), divided by
    their max per sample, sorted in descending order, and averaged over all leading dims
    (``average=False`` keeps them).

    >>> sparsity_curve(np.array([7.0, 2.0, -1.0, 0.5]), np.array([0.0, 0, 0, -4.0])).tolist()
    [1.0, 0.5, 0.25, 0.125, 0.0, 0.0, 0.0, 0.0]
    """
    a, o = split(and_values, or_values)
    strength = np.abs(pooled(a, o))
    top = strength.max(axis=-1, keepdims=True)
    normed = np.divide(strength, top, out=np.zeros_like(strength), where=top > 0)
    curve = -np.sort(-normed, axis=-1)
    if average:
        return curve.reshape(-1, curve.shape[-1]).mean(axis=0)
    return curve
