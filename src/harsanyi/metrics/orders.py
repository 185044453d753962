"""Statistics over orders ``|S|``: salient strength, ``I_real^(k)``, the mean order.

One convention for every per-order result: index ``k − 1`` is the order ``k = 1..n`` (``∅``
carries ``v(∅)``, not an interaction, and is never part of a distribution); AND and OR are
pooled (singletons are on the AND side, OR singletons are 0); a checkpoint where nothing is
salient gives NaN, not 0. ``tau`` is a scalar or one threshold per sample, from
:func:`~harsanyi.metrics.salient_threshold`.
"""

from __future__ import annotations

from typing import Any, Literal, cast

import numpy as np

from harsanyi.metrics._common import binomials, by_order, per_sample_tau, split

__all__ = [
    "distribution_from_strength",
    "mean_abs_by_order",
    "mean_order",
    "real_distribution",
    "signed_strength_by_order",
    "strength_by_order",
]

Normalize = Literal["sum", "mean", "none"]


def signed_strength_by_order(
    and_values: Any, or_values: Any = None, tau: Any = 0.0
) -> tuple[np.ndarray, np.ndarray]:
    """Salient positive and negative strength per order, AND and OR pooled, per sample.

    ``pos^(k) = Σ_type Σ_{|S|=k, |I_type(S)| ≥ τ} max(I_type(S), 0)`` and
    ``neg^(k) = Σ_type Σ_{|S|=k, |I_type(S)| ≥ τ} min(I_type(S), 0)``: paper D's ``A^(m),±``
    (with ``τ = 0``) and paper B's ``J_pos^(k)``, ``J_neg^(k)`` (with ``τ`` from
    ``salient_threshold(values, 0.03)``). The mean over samples (``E_x``) is left to the
    caller. Returns ``(pos, neg)``, each ``(..., n)`` for orders ``1..n``.

    >>> a = np.array([5.0, 1.0, -2.0, 0.5]); o = np.array([0.0, 0.0, 0.0, -3.0])
    >>> pos, neg = signed_strength_by_order(a, o, tau=0.6)
    >>> pos.tolist(), neg.tolist()
    ([1.0, 0.0], [-2.0, -3.0])
    """
    a, o = split(and_values, or_values)
    t = per_sample_tau(tau, a.shape[:-1])
    pos = np.zeros((*a.shape[:-1], a.shape[-1].bit_length() - 1))
    neg = np.zeros_like(pos)
    for arr in (a,) if o is None else (a, o):
        x = np.where(np.abs(arr) >= t, arr, 0.0)
        pos += by_order(np.maximum(x, 0.0))
        neg += by_order(np.minimum(x, 0.0))
    return pos, neg


def strength_by_order(and_values: Any, or_values: Any = None, tau: Any = 0.0) -> np.ndarray:
    """Return the salient strength per order, per sample.

    Salient strength per order ``Σ_type Σ_{|S|=k, |I_type(S)| ≥ τ} |I_type(S)|`` per sample,
    ``(..., n)`` (``pos − neg`` of :func:`signed_strength_by_order`, summed per type).

    >>> strength_by_order(np.array([0.0, 1.0, -2.0, 0.5])).tolist()
    [3.0, 0.5]
    """
    a, o = split(and_values, or_values)
    t = per_sample_tau(tau, a.shape[:-1])
    total = sum(by_order(np.where(np.abs(arr) >= t, np.abs(arr), 0.0))
                for arr in ((a,) if o is None else (a, o)))
    return cast(np.ndarray, total)  # a sum of one or two arrays, never the start value 0


def mean_abs_by_order(and_values: Any, or_values: Any = None) -> np.ndarray:
    """Mean strength per order: ``E_{|S|=k} (|I_and(S)| + |I_or(S)|)`` per sample.

    Without ``or_values`` this is paper E's ``I_str^(k) = E_{|S|=k} |I(S)|``. Returns
    ``(..., n)`` for orders ``1..n``.

    >>> mean_abs_by_order(np.array([9.0, 1.0, -3.0, 0.5])).tolist()
    [2.0, 0.5]
    """
    a, o = split(and_values, or_values)
    strength = np.abs(a) if o is None else np.abs(a) + np.abs(o)
    return by_order(strength) / binomials(a.shape[-1].bit_length() - 1)


def distribution_from_strength(strength: Any, normalize: Normalize = "sum") -> np.ndarray:
    """Normalise strengths by order to a distribution over orders.

    Normalise strengths by order ``(..., n)`` to a distribution over orders: divided by
    their sum (``"sum"``, ``Σ_k = 1``), by their mean (``"mean"``, paper A's printed
    ``Z = E_{k'}[...]``, ``Σ_k = n``) or left as they are (``"none"``). Rows that sum to 0
    (nothing salient) are NaN.

    >>> distribution_from_strength(np.array([[1.0, 3.0], [0.0, 0.0]])).tolist()
    [[0.25, 0.75], [nan, nan]]
    """
    s = np.asarray(strength, dtype=np.float64)
    if normalize not in ("sum", "mean", "none"):
        raise ValueError(f"normalize must be 'sum', 'mean' or 'none'; got {normalize!r}")
    total = s.sum(axis=-1, keepdims=True)
    if normalize == "none":
        return np.where(total > 0, s, np.nan)
    if normalize == "mean":
        total = total / s.shape[-1]
    return np.divide(s, total, out=np.full(s.shape, np.nan), where=total > 0)


def real_distribution(
    and_values: Any, or_values: Any = None, tau: Any = 0.0, *, normalize: Normalize = "sum"
) -> np.ndarray:
    """Paper A's ``I_real^(k)`` for ``k = 1..n`` (papers A §3.2 and B).

    ``I_real^(k) = (1/Z) E_x [Σ_type Σ_{|S|=k, |I_type(S|x)| ≥ τ} |I_type(S|x)|]``: the salient
    strength (AND and OR pooled) averaged over the samples axis (``-2``; a 1-d input is one
    sample), normalised by :func:`distribution_from_strength`. Inputs
    ``(..., samples, 2**n)``, output ``(..., n)``, NaN where nothing is salient.

    >>> real_distribution(np.array([[0.0, 1.0, 1.0, 2.0]])).tolist()
    [0.5, 0.5]
    >>> real_distribution(np.array([[0.0, 1.0, 1.0, 2.0]]), tau=5.0).tolist()
    [nan, nan]
    """
    total = strength_by_order(and_values, or_values, tau)
    if total.ndim > 1:
        total = total.mean(axis=-2)
    return distribution_from_strength(total, normalize)


def mean_order(distribution: Any) -> np.ndarray:
    """Return the mean order of distributions over orders.

    Mean order ``k̄ = Σ_k k · I^(k) / Σ_k I^(k)`` of distributions over orders ``(..., n)``;
    NaN where a row is NaN or sums to 0 (nothing salient).

    >>> mean_order(np.array([[0.5, 0.5], [0.0, 0.0]])).tolist()
    [1.5, nan]
    """
    d = np.asarray(distribution, dtype=np.float64)
    z = d.sum(axis=-1)
    k = np.arange(1, d.shape[-1] + 1, dtype=np.float64)
    return np.divide(d @ k, z, out=np.full(z.shape, np.nan), where=z > 0)
