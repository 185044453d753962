"""Conversions between our layout (player ``i`` = bit ``i``) and others.

* MSB-first: the original research code (``np.binary_repr``), where player 0 is the most
  significant bit, i.e. position ``j`` holds the subset whose binary string reads
  ``player0 player1 ... player(n-1)``.
* by-order: all order-0 subsets, then order-1, ... (within an order: ascending in our mask
  value), the layout assumed by the sparsity paper's scripts.
* ``{tuple: value}`` dicts, keyed by the sorted tuple of players.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from harsanyi.core.orders import members, orders_index
from harsanyi.core.transforms import n_players

__all__ = [
    "by_order_permutation",
    "from_by_order",
    "from_dict",
    "from_msb_first",
    "msb_permutation",
    "to_by_order",
    "to_dict",
    "to_msb_first",
]


@lru_cache(maxsize=32)
def msb_permutation(n: int) -> np.ndarray:
    """``perm[j]``: our mask at MSB-first position ``j`` (bit reversal; an involution)."""
    j = np.arange(2**n, dtype=np.int64)
    out = np.zeros_like(j)
    for i in range(n):
        out |= ((j >> i) & 1) << (n - 1 - i)
    out.setflags(write=False)
    return out


def to_msb_first(x: np.ndarray) -> np.ndarray:
    """Reorder ``(..., 2**n)`` from our layout to the original code's MSB-first layout.

    >>> to_msb_first(np.array([0.0, 1.0, 2.0, 3.0]))  # player 0 alone moves to position 2
    array([0., 2., 1., 3.])
    """
    return np.asarray(x)[..., msb_permutation(n_players(x))]


def from_msb_first(x: np.ndarray) -> np.ndarray:
    """Inverse of :func:`to_msb_first` (bit reversal is its own inverse)."""
    return np.asarray(x)[..., msb_permutation(n_players(x))]


@lru_cache(maxsize=32)
def by_order_permutation(n: int) -> np.ndarray:
    """``perm[j]``: our mask at by-order position ``j``."""
    out = np.concatenate(orders_index(n))
    out.setflags(write=False)
    return out


def to_by_order(x: np.ndarray) -> np.ndarray:
    """Reorder ``(..., 2**n)`` so subsets come grouped by order (∅, singletons, pairs, ...).

    >>> to_by_order(np.arange(8.0)).tolist()
    [0.0, 1.0, 2.0, 4.0, 3.0, 5.0, 6.0, 7.0]
    """
    return np.asarray(x)[..., by_order_permutation(n_players(x))]


def from_by_order(x: np.ndarray) -> np.ndarray:
    """Inverse of :func:`to_by_order`."""
    x = np.asarray(x)
    perm = by_order_permutation(n_players(x))
    out = np.empty_like(x)
    out[..., perm] = x
    return out


def to_dict(x: np.ndarray, *, skip_zeros: bool = False) -> dict[tuple[int, ...], float]:
    """``{players tuple: value}`` for a 1-D set function.

    >>> to_dict(np.array([0.0, 1.0, 0.0, 2.0]), skip_zeros=True)
    {(0,): 1.0, (0, 1): 2.0}
    """
    x = np.asarray(x)
    if x.ndim != 1:
        raise ValueError(f"to_dict takes one set function (1-D array); got shape {x.shape}")
    n = n_players(x)
    return {
        members(m, n): float(x[m]) for m in range(2**n) if not (skip_zeros and x[m] == 0)
    }


def from_dict(d: dict[tuple[int, ...], float], n: int) -> np.ndarray:
    """Dense float64 array of length ``2**n`` from ``{players tuple: value}`` (missing = 0).

    >>> from_dict({(0, 1): 2.0}, 2).tolist()
    [0.0, 0.0, 0.0, 2.0]
    """
    out = np.zeros(2**n, dtype=np.float64)
    for players, value in d.items():
        mask = 0
        for i in players:
            if not 0 <= int(i) < n:
                raise ValueError(f"player {i} is out of range for n={n}")
            mask |= 1 << int(i)
        out[mask] += value
    return out
