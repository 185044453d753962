r"""Fast transforms of set functions stored as arrays of shape ``(..., 2**n)``.

Subset ``S`` of ``N = {0, ..., n-1}`` is the integer whose bit ``i`` is set when player ``i``
is in ``S`` (least significant bit first): index 0 is the empty set, ``2**n - 1`` is ``N``.

Every transform here is a Kronecker product of ``n`` identical 2x2 blocks, applied over any
leading batch dimensions, on numpy arrays or torch tensors (any device): up to
``n = 14`` (:data:`BLOCKED_MAX_N`) as ``⌈n/6⌉`` dense products with a Kronecker power of at
most 64 square (:func:`kron_blocked`: more arithmetic than a butterfly but a handful of fast
library calls), above it with a butterfly in ``O(n 2**n)`` operations, in place. Interaction
math is done in float64: inputs of another floating dtype are promoted unless ``inplace=True``
is requested.

The transforms:

* :func:`mobius`  (AND / Harsanyi):  ``I(S) = sum_{T subset S} (-1)^{|S|-|T|} v(T)``,
  block ``[[1, 0], [-1, 1]]``.
* :func:`zeta`    (its inverse):     ``v(S) = sum_{T subset S} I(T)``, block ``[[1, 0], [1, 1]]``.
* :func:`or_mobius` (OR):  ``I_or(S) = -sum_{T subset S} (-1)^{|S|-|T|} v_or(N \ T)``.
* :func:`or_zeta` (its inverse).
* :func:`superset_sum` (the transpose of zeta): ``w(T) = sum_{S superset T} x(S)``.
* :func:`kron_apply`: any 2x2 block, the common engine; :func:`kron_blocked` its blocked form.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any, TypeVar

import numpy as np
import torch

from harsanyi.core.orders import order_of_masks
from harsanyi.errors import ShapeError

Array = TypeVar("Array", np.ndarray, torch.Tensor)

__all__ = [
    "BLOCKED_MAX_N",
    "flip_sets",
    "kron_apply",
    "kron_blocked",
    "mobius",
    "n_players",
    "or_as_moebius",
    "or_mobius",
    "or_zeta",
    "subset_difference",
    "superset_sum",
    "zeta",
]

#: Largest ``n`` that :func:`kron_apply` handles with :func:`kron_blocked` (dense products);
#: above it the in-place butterfly is used.
BLOCKED_MAX_N = 14


def n_players(x: Any) -> int:
    """Return ``n`` for an array whose last axis has length ``2**n``.

    >>> n_players(np.zeros((3, 8)))
    3
    """
    size = int(x.shape[-1]) if getattr(x, "ndim", 0) else -1
    if size < 1 or size & (size - 1):
        raise ShapeError(
            f"the last axis must have length 2**n (one value per subset of the n players); "
            f"got shape {tuple(getattr(x, 'shape', ()))}"
        )
    return size.bit_length() - 1


def _prepare(x: Array, inplace: bool) -> Array:
    if isinstance(x, torch.Tensor):
        if inplace:
            if not x.is_floating_point():
                raise TypeError("inplace transforms need a floating-point tensor")
            if not x.is_contiguous():
                raise ValueError("inplace transforms need a contiguous tensor")
            return x
        return x.to(torch.float64).clone() if x.dtype != torch.float64 else x.clone()
    if inplace:
        if not isinstance(x, np.ndarray) or not np.issubdtype(x.dtype, np.floating):
            raise TypeError("inplace transforms need a floating-point numpy array")
        if not x.flags.c_contiguous:
            raise ValueError("inplace transforms need a C-contiguous array")
        return x
    return np.array(x, dtype=np.float64, copy=True, order="C")


def _bit_views(x: Array, n: int, i: int) -> tuple[Array, Array]:
    """Return views of ``x`` on the entries with bit ``i`` clear (``lo``) and set (``hi``)."""
    lead: tuple[int, ...] = tuple(x.shape[:-1])
    shaped = x.reshape((*lead, 1 << n - i - 1, 2, 1 << i))
    return shaped[..., 0, :], shaped[..., 1, :]


@lru_cache(maxsize=16)
def _kron_power(block: tuple, g: int) -> np.ndarray:
    b = np.asarray(block, dtype=np.float64)
    out: np.ndarray = np.ones((1, 1))
    for _ in range(g):
        out = np.kron(b, out)
    out.setflags(write=False)
    return out


@lru_cache(maxsize=32)
def _kron_power_t(block: tuple, g: int, dtype: torch.dtype, device: str) -> torch.Tensor:
    """Return the transposed Kronecker power as a torch tensor (cached per dtype and device)."""
    return torch.tensor(_kron_power(block, g).T.copy(), dtype=dtype, device=device)


def kron_blocked(x: Any, block: tuple, group: int = 6) -> Any:
    """Apply ``B ⊗ ... ⊗ B`` along the last axis, in blocks of at most ``group`` bits.

    ``(B ⊗ ... ⊗ B) x`` along the last axis (the same 2x2 ``block`` on every bit), bits in
    groups of at most ``group``: each step multiplies the lowest ``g`` bits by the
    ``2**g``-square Kronecker power (one matrix product) and rotates them to the top (one
    transpose), so after ``⌈n/group⌉`` steps every bit is done and back in place. Cost
    ``O(⌈n/group⌉ · 2**group · 2**n)`` in a handful of library calls. A new array in ``x``'s
    dtype (numpy: at least float64), numpy or torch (any device); equal to the butterfly up to
    round-off.

    >>> kron_blocked(np.array([1.0, 2.0, 3.0, 4.0]), ((1.0, 0.0), (1.0, 1.0)))
    array([ 1.,  3.,  4., 10.])
    """
    size = int(x.shape[-1])
    n = size.bit_length() - 1
    lead = tuple(x.shape[:-1])
    is_torch = isinstance(x, torch.Tensor)
    flat = x.reshape((-1, size))
    rows = flat.shape[0]
    steps = max(1, -(-n // group))
    for k in range(steps if n else 0):
        g = n // steps + (1 if k < n % steps else 0)
        y = flat.reshape(rows, size >> g, 1 << g)
        if is_torch:
            y = torch.matmul(y, _kron_power_t(block, g, x.dtype, str(x.device)))
        else:
            y = np.matmul(y, _kron_power(block, g).T)
        flat = y.swapaxes(-1, -2).reshape(rows, size)  # the done bits become the top bits
    if n == 0:
        flat = flat * 1.0
    return flat.reshape((*lead, size))


def kron_apply(x: Array, block: Any, *, inplace: bool = False) -> Array:
    """Apply ``B ⊗ B ⊗ ... ⊗ B`` (one 2x2 block per player) along the last axis.

    With ``block = [[a, b], [c, d]]`` and ``y = (⊗B) x`` this computes, bit by bit,
    ``y_lo = a x_lo + b x_hi`` and ``y_hi = c x_lo + d x_hi``. ``block`` may also be a sequence
    of ``n`` blocks, block ``i`` acting on bit ``i``. Cost ``O(n 2**n)`` per leading index
    (one block for all bits and ``n ≤`` :data:`BLOCKED_MAX_N`: :func:`kron_blocked`, whose
    result is written back into ``x`` when ``inplace``).

    >>> kron_apply(np.array([1.0, 2.0, 3.0, 4.0]), [[1, 0], [-1, 1]])
    array([1., 1., 2., 0.])
    """
    n = n_players(x)
    blocks = np.asarray(block, dtype=np.float64)
    if blocks.shape == (2, 2):
        blocks = np.broadcast_to(blocks, (n, 2, 2))
    if blocks.shape != (n, 2, 2):
        raise ShapeError(f"block must be 2x2 or ({n}, 2, 2); got shape {blocks.shape}")
    if 1 <= n <= BLOCKED_MAX_N and bool(np.all(blocks == blocks[0])):
        same = tuple(map(tuple, blocks[0].tolist()))
        if inplace:
            target = _prepare(x, inplace=True)
            out = kron_blocked(target, same)
            if isinstance(target, torch.Tensor):
                target.copy_(out)
            else:
                target[...] = out
            return target
        if isinstance(x, torch.Tensor):
            return kron_blocked(x.to(torch.float64), same)
        return kron_blocked(np.asarray(x, dtype=np.float64), same)
    y = _prepare(x, inplace)
    for i in range(n):
        (a, b), (c, d) = blocks[i].tolist()
        lo, hi = _bit_views(y, n, i)
        if (a, b, c, d) == (1.0, 0.0, 1.0, 1.0):
            hi += lo
        elif (a, b, c, d) == (1.0, 0.0, -1.0, 1.0):
            hi -= lo
        elif (a, b, c, d) == (1.0, 1.0, 0.0, 1.0):
            lo += hi
        elif (a, b, c, d) == (1.0, -1.0, 0.0, 1.0):
            lo -= hi
        else:
            new_lo = a * lo + b * hi
            hi *= d
            hi += c * lo
            lo[...] = new_lo
    return y


def mobius(values: Array, *, inplace: bool = False) -> Array:
    """AND (Harsanyi) interactions: ``I(S) = sum_{T ⊆ S} (-1)^{|S|-|T|} v(T)``.

    >>> mobius(np.array([0.0, 1.0, 2.0, 5.0]))  # v(∅)=0, v({0})=1, v({1})=2, v(N)=5
    array([0., 1., 2., 2.])
    """
    return kron_apply(values, [[1.0, 0.0], [-1.0, 1.0]], inplace=inplace)


def zeta(interactions: Array, *, inplace: bool = False) -> Array:
    """Inverse of :func:`mobius`: ``v(S) = sum_{T ⊆ S} I(T)``.

    >>> zeta(np.array([0.0, 1.0, 2.0, 2.0]))
    array([0., 1., 2., 5.])
    """
    return kron_apply(interactions, [[1.0, 0.0], [1.0, 1.0]], inplace=inplace)


def superset_sum(x: Array, *, inplace: bool = False) -> Array:
    """Transpose of :func:`zeta`: ``w(T) = sum_{S ⊇ T} x(S)``.

    >>> superset_sum(np.array([1.0, 1.0, 1.0, 1.0]))
    array([4., 2., 2., 1.])
    """
    return kron_apply(x, [[1.0, 1.0], [0.0, 1.0]], inplace=inplace)


def subset_difference(x: Array, *, inplace: bool = False) -> Array:
    """Apply the transpose of :func:`mobius` (the inverse of :func:`superset_sum`).

    Transpose of :func:`mobius` (inverse of :func:`superset_sum`):
    ``w(T) = sum_{S ⊇ T} (-1)^{|S|-|T|} x(S)``.

    >>> subset_difference(np.array([4.0, 2.0, 2.0, 1.0]))
    array([1., 1., 1., 1.])
    """
    return kron_apply(x, [[1.0, -1.0], [0.0, 1.0]], inplace=inplace)


def flip_sets(x: Array) -> Array:
    r"""Re-index a set function by complements: ``y(S) = x(N \ S)`` (a reversal of the last axis).

    >>> flip_sets(np.arange(4.0))
    array([3., 2., 1., 0.])
    """
    n_players(x)
    if isinstance(x, torch.Tensor):
        return torch.flip(x, dims=(-1,))
    return x[..., ::-1]


def or_mobius(v_or: Array) -> Array:
    r"""Compute OR interactions from the OR part of a game.

    OR interactions of the OR part of a game:
    ``I_or(S) = -sum_{T ⊆ S} (-1)^{|S|-|T|} v_or(N \ T)``.

    When ``v_or(∅) = 0`` they satisfy ``v_or(S) = sum_{T ∩ S ≠ ∅} I_or(T)`` and
    ``I_or(∅) = -sum_{T ≠ ∅} I_or(T)``.

    >>> or_mobius(np.array([0.0, 1.0, 1.0, 1.0]))  # v_or = OR of two players
    array([-1.,  0.,  0.,  1.])
    """
    y = mobius(flip_sets(v_or))
    y *= -1
    y += 0.0  # no negative zeros
    return y


def or_zeta(or_values: Array) -> Array:
    r"""Inverse of :func:`or_mobius`: ``v_or(S) = -sum_{T ⊆ N \ S} I_or(T)``.

    This equals ``sum_{T ∩ S ≠ ∅} I_or(T)`` whenever ``sum_T I_or(T) = 0`` (i.e. ``v_or(∅) = 0``).

    >>> or_zeta(np.array([-1.0, 0.0, 0.0, 1.0]))
    array([0., 1., 1., 1.])
    """
    y = zeta(or_values)
    y *= -1
    y += 0.0  # no negative zeros
    return flip_sets(y) if isinstance(y, torch.Tensor) else np.ascontiguousarray(flip_sets(y))


def or_as_moebius(or_values: np.ndarray) -> np.ndarray:
    """OR interactions written as AND (Möbius) ones: ``m(R) = (−1)^{|R|+1} Σ_{T⊇R} I_or(T)``
    for ``R ≠ ∅``, ``m(∅) = 0``.

    The OR game ``[T∩S≠∅]`` has Möbius interactions ``(−1)^{|R|+1}`` on every ``∅≠R⊆T``
    (``x0 OR x1 = x0 + x1 − x0·x1``), so ``Σ_{∅≠R⊆S} m(R) = Σ_{T∩S≠∅} I_or(T)`` for every ``S``.

    >>> or_as_moebius(np.array([0.0, 0.0, 0.0, 1.0])).tolist()
    [0.0, 1.0, 1.0, -1.0]
    """
    or_values = np.asarray(or_values, dtype=np.float64)
    sign = np.where(order_of_masks(n_players(or_values)) % 2 == 1, 1.0, -1.0)
    out = sign * superset_sum(or_values)
    out[..., 0] = 0.0
    return out
