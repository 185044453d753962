"""Distributions of interactions over orders ``|S|``: strengths, signed sums, ``I_real^(k)``.

Index ``k`` of every ``(..., n+1)`` result is the order ``k``; index 0 is always 0 (``∅``
carries ``v(∅)``, not an interaction). Singletons are on the AND side (OR singletons are 0).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from harsanyi.metrics._common import by_order, split

__all__ = ["mean_abs_by_order", "real_distribution", "signed_strength_by_order"]


def _tau(tau: Any, batch_ndim: int) -> np.ndarray:
    t = np.asarray(tau, dtype=np.float64)
    if t.ndim > batch_ndim:
        raise ValueError(f"tau has shape {t.shape}; it must be a scalar or one per sample")
    return t[..., None]


def signed_strength_by_order(
    and_values: Any, or_values: Any = None, tau: Any = 0.0
) -> tuple[np.ndarray, np.ndarray]:
    """Salient positive and negative strength per order, AND and OR pooled, per sample.

    ``pos^(k) = Σ_type Σ_{|S|=k, |I_type(S)| ≥ τ} max(I_type(S), 0)`` and
    ``neg^(k) = Σ_type Σ_{|S|=k, |I_type(S)| ≥ τ} min(I_type(S), 0)``: paper D's ``A^(m),±``
    (with ``τ = 0``) and paper B's ``J_pos^(k)``, ``J_neg^(k)`` (with the salient threshold
    ``τ = 0.03 E_x|v(x) − v(x_∅)|``, see :func:`~harsanyi.metrics.salient_threshold`). Average
    over samples (``E_x``) is left to the caller. ``tau``: scalar or one per sample.

    Returns ``(pos, neg)``, each ``(..., n+1)``.

    >>> a = np.array([5.0, 1.0, -2.0, 0.5]); o = np.array([0.0, 0.0, 0.0, -3.0])
    >>> pos, neg = signed_strength_by_order(a, o, tau=0.6)
    >>> pos.tolist(), neg.tolist()
    ([0.0, 1.0, 0.0], [0.0, -2.0, -3.0])
    """
    a, o = split(and_values, or_values)
    t = _tau(tau, a.ndim - 1)
    pos = np.zeros((*a.shape[:-1], a.shape[-1].bit_length()))
    neg = np.zeros_like(pos)
    for arr in (a,) if o is None else (a, o):
        x = arr.copy()
        x[..., 0] = 0.0
        x = np.where(np.abs(x) >= t, x, 0.0)
        pos += by_order(np.maximum(x, 0.0))
        neg += by_order(np.minimum(x, 0.0))
    return pos, neg


def mean_abs_by_order(and_values: Any, or_values: Any = None) -> np.ndarray:
    """Mean strength per order: ``E_{|S|=k} (|I_and(S)| + |I_or(S)|)`` per sample.

    Without ``or_values`` this is paper E's ``I_str^(k) = E_{|S|=k} |I(S)|``. Returns
    ``(..., n+1)`` (index 0 is 0).

    >>> mean_abs_by_order(np.array([9.0, 1.0, -3.0, 0.5])).tolist()
    [0.0, 2.0, 0.5]
    """
    a, o = split(and_values, or_values)
    strength = np.abs(a) if o is None else np.abs(a) + np.abs(o)
    strength[..., 0] = 0.0
    n = a.shape[-1].bit_length() - 1
    return by_order(strength) / _binomials(n)


def _binomials(n: int) -> np.ndarray:
    from math import comb

    return np.array([float(comb(n, k)) for k in range(n + 1)])


def real_distribution(and_values: Any, or_values: Any = None, tau: Any = 0.0) -> np.ndarray:
    """Normalised distribution of salient strength over orders, paper A's ``I_real^(k)``.

    ``I_real^(k) = E_x[J_pos^(k) − J_neg^(k)] / Σ_{k'} E_x[J_pos^(k') − J_neg^(k')]`` for
    ``k = 1..n``: the mean over all leading dims (samples, ...) of the salient strength
    ``Σ_{|S|=k, |I| ≥ τ} |I(S)|`` (AND and OR pooled), normalised to sum 1. Raises
    :class:`ValueError` when no interaction is salient.

    >>> real_distribution(np.array([0.0, 1.0, 1.0, 2.0])).tolist()
    [0.5, 0.5]
    """
    pos, neg = signed_strength_by_order(and_values, or_values, tau)
    total = (pos - neg).reshape(-1, pos.shape[-1]).mean(axis=0)[1:]
    s = total.sum()
    if not s > 0:
        raise ValueError(
            f"no interaction reaches the salient threshold tau={np.asarray(tau).max():g}: "
            "the distribution over orders is undefined"
        )
    return total / s
