"""Salience and sparsity: the salient threshold, salient counts and sparsity curves.

The salient threshold ``τ = ratio · reference`` has one parameter name, ``ratio``, and an
explicit ``reference`` (each analysis keeps its paper's definition,
docs/theory.md#salient):

* ``reference="total"``: ``τ = ratio · E_x |v(x_N) − v(x_∅)|``, one value per checkpoint, the
  mean over its samples (papers A and B, ``ratio = 0.03``);
* ``reference="max"``: ``τ = ratio · max_{S≠∅} |I(S)|`` per sample, AND and OR pooled (papers
  C and E, ``ratio = 0.05`` for language models, ``0.1`` for tabular MLPs).

Thresholds are returned per sample (``(...)`` for inputs ``(..., 2**n)``), so that every
statistic takes ``tau`` the same way.
"""

from __future__ import annotations

from typing import Any, Literal

import numpy as np

from harsanyi.core.transforms import n_players
from harsanyi.metrics._common import by_order, pooled, split

__all__ = [
    "REFERENCES",
    "Reference",
    "salient_count",
    "salient_threshold",
    "sparsity_comparison",
    "sparsity_curve",
]

Reference = Literal["total", "max"]
#: The two references of the salient threshold ``τ = ratio · reference``.
REFERENCES: tuple[str, ...] = ("total", "max")


def _check_ratio(ratio: float, reference: str) -> None:
    if reference not in REFERENCES:
        raise ValueError(f"reference must be 'total' (E|v(N) − v(∅)|, papers A and B) or "
                         f"'max' (max |I| per sample, papers C and E); got {reference!r}")
    if not np.isfinite(ratio) or ratio < 0:
        raise ValueError(f"the salient ratio must be a finite number >= 0; got {ratio}")


def salient_threshold(
    x: Any, ratio: float = 0.03, *, reference: Reference = "total", or_values: Any = None
) -> np.ndarray:
    """Salient threshold ``τ = ratio · reference`` for every sample, shape ``x.shape[:-1]``.

    ``reference="total"``: ``x`` are game values ``v(x_S)`` ``(..., samples, 2**n)`` (an array,
    a :class:`~harsanyi.Game` or an :class:`~harsanyi.Interactions`, whose ``values`` are
    used) and ``τ = ratio · E_x |v(x_N) − v(x_∅)|``, the mean over the samples axis (``-2``;
    a 1-d input is one sample), repeated for each sample (papers A, B).
    ``reference="max"``: ``x`` are AND interactions (or an :class:`~harsanyi.Interactions`;
    ``or_values`` pooled with them) and ``τ = ratio · max_{S≠∅} |I(S)|`` per sample (papers
    C, E).

    >>> v = np.array([[0.0, 0, 0, 2.0], [1.0, 0, 0, -3.0]])
    >>> salient_threshold(v, 0.5).tolist()
    [1.5, 1.5]
    >>> salient_threshold(np.array([9.0, 1.0, -0.4, 0.5]), 0.5, reference="max").tolist()
    0.5
    """
    _check_ratio(ratio, reference)
    if reference == "max":
        a, o = split(x, or_values)
        return ratio * np.abs(pooled(a, o)).max(axis=-1)
    v = np.asarray(getattr(x, "values", x), dtype=np.float64)
    n_players(v)
    gain = np.abs(v[..., -1] - v[..., 0])
    if gain.ndim == 0:
        return ratio * gain
    return np.broadcast_to(ratio * gain.mean(axis=-1, keepdims=True), gain.shape).copy()


def salient_count(
    and_values: Any, or_values: Any = None, *, tau: Any, by_order: bool = False
) -> np.ndarray:
    """Count the salient interactions per sample, AND and OR pooled, ``S ≠ ∅``.

    Salient means ``I(S) ≠ 0`` and ``|I(S)| ≥ τ`` with ``tau`` a scalar or one value per sample
    (:func:`salient_threshold`). ``by_order=True`` gives paper E's ``R^(k)`` for ``k = 1..n``,
    ``(..., n)``; otherwise the total, ``(...)``.

    >>> a = np.array([9.0, 1.0, -0.05, 0.5]); o = np.array([0.0, 0.0, 0.0, 0.2])
    >>> int(salient_count(a, o, tau=0.1))
    3
    >>> tau = salient_threshold(a, 0.5, reference="max", or_values=o)
    >>> salient_count(a, o, tau=tau, by_order=True).tolist()
    [1, 1]
    """
    a, o = split(and_values, or_values)
    size = a.shape[-1]
    strength = np.abs(pooled(a, o))
    thr = np.asarray(tau, dtype=np.float64)[..., None]
    hit = ((strength >= thr) & (strength > 0)).astype(np.float64)
    if not by_order:
        return hit.sum(axis=-1).astype(np.int64)
    per_kind = hit.reshape((*hit.shape[:-1], -1, size)).sum(axis=-2)
    return _by_order(per_kind).round().astype(np.int64)


_by_order = by_order


def sparsity_curve(and_values: Any, or_values: Any = None, *, average: bool = True) -> np.ndarray:
    """Compute paper C's sparsity curve.

    Paper C's sparsity curve: ``|I|`` of all AND and OR interactions in the pooled layout
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


def sparsity_comparison(component: Any, raw: Any, *, threshold: float = 0.05) -> dict[str, Any]:
    """Compare the sparsity of component and raw-input interactions (paper C, Fig. 3).

    Paper C's Fig. 3: the sparsity curves (``|I|`` normalised by the max, sorted, averaged
    over samples) of component interactions and raw-input interactions, and the fraction of
    interactions above ``threshold`` of the max in each (lower = sparser).

    >>> a = np.array([[0.0, 1.0, 0.0, 0.0]]); b = np.array([[0.0, 1.0, 1.0, 1.0]])
    >>> res = sparsity_comparison((a, np.zeros_like(a)), (b, np.zeros_like(b)))
    >>> res["component_fraction"], res["raw_fraction"]
    (0.125, 0.375)
    """
    out: dict[str, Any] = {}
    for name, obj in (("component", component), ("raw", raw)):
        a, o = obj if isinstance(obj, tuple) else (obj.and_values, obj.or_values)
        curve = sparsity_curve(a, o)
        out[f"{name}_curve"] = curve
        out[f"{name}_fraction"] = float((curve >= threshold).mean())
    return out
