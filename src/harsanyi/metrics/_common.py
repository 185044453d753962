"""Shared helpers of the metrics: unpacking inputs, per-order sums."""

from __future__ import annotations

from math import comb
from typing import Any

import numpy as np

from harsanyi.core.orders import order_of_masks
from harsanyi.core.transforms import n_players
from harsanyi.errors import ShapeError


def split(and_values: Any, or_values: Any = None) -> tuple[np.ndarray, np.ndarray | None]:
    """Return ``(and_values, or_values)`` as float64 arrays.

    ``(and_values, or_values)`` as float64 arrays; an :class:`Interactions` (or anything with
    ``and_values`` / ``or_values``) may be passed as the first argument.
    """
    if hasattr(and_values, "and_values"):
        if or_values is not None:
            raise ValueError("pass either an Interactions object or the two arrays, not both")
        obj = and_values
        and_values, or_values = obj.and_values, obj.or_values
    a = np.asarray(and_values, dtype=np.float64)
    n_players(a)
    if or_values is None:
        return a, None
    o = np.asarray(or_values, dtype=np.float64)
    if o.shape != a.shape:
        raise ShapeError(f"or_values has shape {o.shape}, and_values {a.shape}")
    return a, o


def pooled(and_values: np.ndarray, or_values: np.ndarray | None) -> np.ndarray:
    """Return the one pooled layout of AND and OR interactions.

    The one pooled layout: AND and OR concatenated along the last axis, ``I_and(∅)`` (which
    carries ``v(∅)``, not an interaction) set to 0: ``(..., 2**(n+1))`` (``(..., 2**n)``
    without OR values).
    """
    a = and_values.copy()
    a[..., 0] = 0.0
    if or_values is None:
        return a
    o = or_values.copy()
    o[..., 0] = 0.0
    return np.concatenate([a, o], axis=-1)


def order_onehot(n: int) -> np.ndarray:
    """Return the ``(2**n, n)`` one-hot matrix of the orders of the subsets.

    ``(2**n, n)`` matrix with a 1 at ``(S, |S| − 1)`` for ``S ≠ ∅``: ``x @ order_onehot(n)``
    sums over the subsets of each order ``k = 1..n`` (``∅`` is left out).
    """
    out = np.zeros((2**n, n + 1))
    out[np.arange(2**n), order_of_masks(n)] = 1.0
    return out[:, 1:]


def by_order(x: np.ndarray) -> np.ndarray:
    """Sum ``x`` ``(..., 2**n)`` over the subsets of each order ``k = 1..n``: ``(..., n)``."""
    return x @ order_onehot(n_players(x))


def binomials(n: int) -> np.ndarray:
    """``C(n, k)`` for ``k = 1..n`` (the number of subsets of each order), float64."""
    return np.array([float(comb(n, k)) for k in range(1, n + 1)])


def per_sample_tau(tau: Any, batch_shape: tuple[int, ...]) -> np.ndarray:
    """Return ``tau`` as an array that broadcasts against ``(*batch_shape, 2**n)``.

    ``tau`` (a scalar, or one value per sample broadcastable to ``batch_shape``) as an array
    ``(..., 1)`` that broadcasts against ``(*batch_shape, 2**n)``.
    """
    t = np.asarray(tau, dtype=np.float64)
    try:
        np.broadcast_shapes(t.shape, batch_shape)
    except ValueError:
        raise ValueError(f"tau has shape {t.shape}; it must be a scalar or broadcast to the "
                         f"samples' shape {batch_shape} (one threshold per sample)") from None
    if t.ndim > len(batch_shape):
        raise ValueError(f"tau has shape {t.shape}; it must be a scalar or broadcast to the "
                         f"samples' shape {batch_shape} (one threshold per sample)")
    return t[..., None]
