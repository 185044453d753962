"""Input checks shared by the theory modules (all raise :class:`TheoryInputError`)."""

from __future__ import annotations

from typing import Any

import numpy as np

from harsanyi.errors import TheoryInputError


def check_n(n: Any, *, low: int = 1, high: int = 30) -> int:
    """Return ``n`` as an int in ``[low, high]`` or raise :class:`TheoryInputError`."""
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)):
        raise TheoryInputError(f"n must be an integer number of players; got {n!r}")
    if not low <= int(n) <= high:
        raise TheoryInputError(f"n must be between {low} and {high}; got n={int(n)}")
    return int(n)


def check_sigma2(sigma2: Any, *, positive: bool = False, name: str = "sigma2") -> np.ndarray:
    """Return ``sigma2`` as a float64 array (any shape); it must be finite and ``>= 0``."""
    arr = np.asarray(sigma2, dtype=np.float64)
    if arr.size == 0:
        raise TheoryInputError(f"{name} is empty")
    if not np.all(np.isfinite(arr)):
        raise TheoryInputError(f"{name} must be finite; got {arr[~np.isfinite(arr)].ravel()[0]}")
    if np.any(arr < 0):
        raise TheoryInputError(
            f"{name} is a noise variance and must be >= 0; got {arr[arr < 0].ravel()[0]}"
        )
    if positive and np.any(arr == 0):
        raise TheoryInputError(f"{name} must be > 0 here (it is used on a log scale); got 0")
    return arr


def check_sets(
    x: Any, name: str, n: int | None = None, min_ndim: int = 1
) -> tuple[np.ndarray, int]:
    """Return ``(float64 array, n)`` for a set-function array of shape ``(..., 2**n)``.

    Raises :class:`TheoryInputError` if the last axis is not a power of two, if it disagrees
    with ``n``, if there are fewer than ``min_ndim`` axes, or if a value is not finite.
    """
    arr = np.asarray(x, dtype=np.float64)
    if arr.ndim < min_ndim:
        raise TheoryInputError(f"{name} needs at least {min_ndim} axes; got shape {arr.shape}")
    size = arr.shape[-1] if arr.ndim else 0
    if size < 2 or size & (size - 1):
        raise TheoryInputError(
            f"{name} must have a last axis of length 2**n (one value per subset); "
            f"got shape {arr.shape}"
        )
    got = int(size).bit_length() - 1
    if n is not None and got != n:
        raise TheoryInputError(
            f"{name} has 2**{got} = {size} values per sample (n={got}) but n={n} was expected"
        )
    if not np.all(np.isfinite(arr)):
        raise TheoryInputError(f"{name} contains NaN or inf values")
    return arr, got


def check_same_shape(a: np.ndarray, b: np.ndarray, names: str) -> None:
    """Raise :class:`TheoryInputError` if two arrays differ in shape."""
    if a.shape != b.shape:
        raise TheoryInputError(f"{names} must have the same shape; got {a.shape} and {b.shape}")


def check_distribution(d: Any, name: str = "distribution") -> np.ndarray:
    """Return ``d`` (float64, ``(..., n)``) if it is finite, ``>= 0`` and sums to ``> 0``."""
    arr = np.asarray(d, dtype=np.float64)
    if arr.ndim == 0 or arr.shape[-1] == 0:
        raise TheoryInputError(f"{name} must have one value per order; got shape {arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise TheoryInputError(f"{name} contains NaN or inf values")
    if np.any(arr < 0):
        raise TheoryInputError(f"{name} has negative entries; strengths per order are >= 0")
    if np.any(arr.sum(axis=-1) <= 0):
        raise TheoryInputError(
            f"{name} does not sum to a positive value (all orders are 0): it cannot be normalised"
        )
    return arr
