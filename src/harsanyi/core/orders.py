"""Helpers on subsets as bitmasks: orders |S|, members, and the masks of each order."""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache

import numpy as np

__all__ = ["mask_of", "masks_matrix", "members", "order_of_masks", "orders_index"]


@lru_cache(maxsize=32)
def _orders(n: int) -> np.ndarray:
    masks = np.arange(2**n, dtype=np.int64)
    counts = np.zeros(2**n, dtype=np.int64)
    for i in range(n):
        counts += (masks >> i) & 1
    counts.setflags(write=False)
    return counts


def order_of_masks(n: int) -> np.ndarray:
    """``|S|`` for every mask ``S = 0 .. 2**n - 1`` (read-only int64 array).

    >>> order_of_masks(2).tolist()
    [0, 1, 1, 2]
    """
    return _orders(n)


def members(mask: int, n: int | None = None) -> tuple[int, ...]:
    """Players in ``mask``, ascending: ``members(0b101) == (0, 2)``."""
    n = int(mask).bit_length() if n is None else n
    return tuple(i for i in range(n) if (int(mask) >> i) & 1)


def mask_of(players: Iterable[int]) -> int:
    """Bitmask of a set of players: ``mask_of((0, 2)) == 5``."""
    out = 0
    for i in players:
        out |= 1 << int(i)
    return out


@lru_cache(maxsize=32)
def _orders_index(n: int) -> tuple[np.ndarray, ...]:
    orders = _orders(n)
    out = []
    for k in range(n + 1):
        idx = np.flatnonzero(orders == k)
        idx.setflags(write=False)
        out.append(idx)
    return tuple(out)


def orders_index(n: int) -> tuple[np.ndarray, ...]:
    """``orders_index(n)[k]``: the masks of order ``k``, ascending.

    >>> [ix.tolist() for ix in orders_index(2)]
    [[0], [1, 2], [3]]
    """
    return _orders_index(n)


def masks_matrix(n: int, masks: np.ndarray | None = None) -> np.ndarray:
    """Boolean matrix ``(len(masks), n)``: row ``r`` says which players mask ``r`` keeps.

    >>> masks_matrix(2).astype(int).tolist()
    [[0, 0], [1, 0], [0, 1], [1, 1]]
    """
    masks = np.arange(2**n, dtype=np.int64) if masks is None else np.asarray(masks, np.int64)
    return ((masks[:, None] >> np.arange(n)) & 1).astype(bool)
