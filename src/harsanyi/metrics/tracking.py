"""Tracking quality: how much a split changes between consecutive checkpoints.

The AND-OR split of a game is the solution of an optimisation problem; when the problem has
several near-equivalent solutions, a split can move between checkpoints although the network
barely did. Comparing the split's change with the change of the plain Möbius (Harsanyi)
interactions of the same games, a transform with no choice in it, tells how much of the
observed dynamics is the model's. Pure functions: arrays in, arrays out.

Two measures per pair of vectors ``a`` (earlier) and ``b`` (later), both pooled over
interactions (the last axis):

* relative L1 change ``‖b − a‖₁ / ‖a‖₁``;
* top-k overlap ``|top_k(|a|) ∩ top_k(|b|)| / k`` (ties broken by index).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from harsanyi.errors import ShapeError

__all__ = ["pooled", "relative_l1_change", "top_k_overlap", "tracking_quality"]


def pooled(and_values: Any, or_values: Any | None = None) -> np.ndarray:
    """Pool the interactions of a split into one vector: ``I_and(S≠∅)`` then ``I_or(S)``.

    The order is ``(I_and(S))_{S≠∅}`` then ``(I_or(S))_S``.

    ``I_and(∅)`` (the constant ``v(∅) + q_∅``) is dropped; ``or_values=None`` pools the AND
    side only (e.g. Möbius interactions). Shapes ``(..., 2**n)`` → ``(..., 2**n − 1)`` or
    ``(..., 2·2**n − 1)``.

    >>> pooled(np.array([5.0, 1.0]), np.array([0.0, 0.0])).tolist()
    [1.0, 0.0, 0.0]
    """
    a = np.asarray(and_values, dtype=np.float64)[..., 1:]
    if or_values is None:
        return a
    o = np.asarray(or_values, dtype=np.float64)
    if o.shape[:-1] != a.shape[:-1]:
        raise ShapeError(f"and_values {a.shape} and or_values {o.shape} differ in batch shape")
    return np.concatenate([a, o], -1)


def relative_l1_change(before: Any, after: Any) -> np.ndarray:
    """Return ``‖after − before‖₁ / ‖before‖₁`` over the last axis.

    0 when both are zero, inf when only ``before`` is.

    >>> relative_l1_change(np.array([1.0, -1.0]), np.array([1.0, 0.0])).tolist()
    0.5
    """
    a, b = _pair(before, after)
    num = np.abs(b - a).sum(-1)
    den = np.abs(a).sum(-1)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(num == 0, 0.0, num / den)


def top_k_overlap(before: Any, after: Any, k: int = 20) -> np.ndarray:
    """Return the fraction of the ``k`` largest ``|before|`` among the ``k`` largest ``|after|``.

    Over the last axis; ``k`` is capped at its length; ties go to the lower index.

    >>> top_k_overlap(np.array([3.0, 2.0, 1.0]), np.array([0.0, 2.0, 3.0]), k=2).tolist()
    0.5
    """
    a, b = _pair(before, after)
    if int(k) < 1:
        raise ValueError(f"k must be a positive number of interactions; got {k}")
    k = min(int(k), a.shape[-1])
    top_a = np.argsort(-np.abs(a), axis=-1, kind="stable")[..., :k]
    top_b = np.argsort(-np.abs(b), axis=-1, kind="stable")[..., :k]
    hit = (top_a[..., :, None] == top_b[..., None, :]).any(-1)
    return hit.sum(-1) / k


def tracking_quality(split: Any, mobius: Any, k: int = 20, axis: int = 0) -> dict[str, np.ndarray]:
    """Top-k overlap and relative L1 change between consecutive checkpoints, split vs Möbius.

    ``split``: pooled split interactions (:func:`pooled` of ``I_and``, ``I_or``), ``mobius``:
    pooled Möbius interactions ``I(S) = Σ_{T⊆S} (−1)^{|S|−|T|} v(x_T)`` of the same games, both
    with checkpoints along ``axis`` (``T`` of them). Returns arrays of shape ``(T − 1, ...)``:
    ``split_change``, ``mobius_change`` (:func:`relative_l1_change` of checkpoint ``t`` to
    ``t + 1``), ``split_overlap``, ``mobius_overlap`` (:func:`top_k_overlap`) and
    ``change_ratio`` = ``split_change / mobius_change`` (how much more the split moves than the
    network's own interactions; near 1 when the split only follows the model).

    >>> m = np.array([[1.0, 2.0, 0.0], [1.0, 2.2, 0.0]])
    >>> out = tracking_quality(m, m, k=2)
    >>> out["split_change"].round(3).tolist(), out["change_ratio"].tolist()
    ([0.067], [1.0])
    """
    s = np.moveaxis(np.asarray(split, dtype=np.float64), axis, 0)
    m = np.moveaxis(np.asarray(mobius, dtype=np.float64), axis, 0)
    if s.ndim < 2 or m.ndim < 2 or s.shape[:-1] != m.shape[:-1]:
        raise ShapeError(
            f"split {s.shape} and mobius {m.shape} need the same leading shape (checkpoints, "
            "..., interactions)"
        )
    if s.shape[0] < 2:
        raise ShapeError("tracking quality needs at least two checkpoints")
    out = {
        "split_change": relative_l1_change(s[:-1], s[1:]),
        "mobius_change": relative_l1_change(m[:-1], m[1:]),
        "split_overlap": top_k_overlap(s[:-1], s[1:], k),
        "mobius_overlap": top_k_overlap(m[:-1], m[1:], k),
    }
    with np.errstate(divide="ignore", invalid="ignore"):
        out["change_ratio"] = out["split_change"] / out["mobius_change"]
    return out


def _pair(before: Any, after: Any) -> tuple[np.ndarray, np.ndarray]:
    a = np.asarray(before, dtype=np.float64)
    b = np.asarray(after, dtype=np.float64)
    if a.shape != b.shape or a.ndim == 0:
        raise ShapeError(f"the two vectors must have the same shape (..., m); got {a.shape} "
                         f"and {b.shape}")
    return a, b
