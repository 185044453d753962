"""Faithfulness of a few interactions: matching error of the top-α surrogate and ``α̂``.

Paper C (docs/theory.md#matching-error): ``Ω_α`` = the ``α`` interactions with the largest
``|I|`` (AND and OR pooled),
``ĝ_α(x_S) = I_and(∅) + Σ_{L∈Ω_α, ∅≠L⊆S} I_and(L) + Σ_{L∈Ω_α, L∩S≠∅} I_or(L)``.
The paper writes ``g(x_∅)`` for the constant; we use ``I_and(∅) = v(∅) + q_∅`` (the original
code's sum of the stored AND and OR ``∅`` terms); the two differ by ``|q_∅| ≤`` the q bound.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from harsanyi.extract.interactions import Interactions
from harsanyi.extract.matching import matching_residual
from harsanyi.metrics._common import pooled, split

__all__ = ["alpha_hat", "matching_error", "matching_residual", "top_alpha_errors"]


def matching_error(
    interactions: Interactions, alpha: int, *, masks: str = "full", signed: bool = False
) -> np.ndarray:
    """Error of the top-``alpha`` surrogate ``ĝ_α`` against the model's values ``g = v``.

    ``masks="full"``: ``|g(x) − ĝ_α(x)|`` on the unmasked input ``x = x_N``, shape ``(...)``
    (average over samples for paper C's ``E_x|g(x) − ĝ_α(x)|``). ``masks="all"``:
    ``Δg_α(x_S) = g(x_S) − ĝ_α(x_S)`` on all ``2**n`` masks, shape ``(..., 2**n)``.
    Absolute values unless ``signed=True``.

    >>> import harsanyi as hs
    >>> I = hs.mobius(hs.Game([0.0, 1.0, 2.0, 3.5]))     # I = [0, 1, 2, 0.5]
    >>> float(matching_error(I, 1)), matching_error(I, 2, masks="all").tolist()
    (1.5, [0.0, 0.0, 0.0, 0.5])
    """
    if int(alpha) < 0:
        raise ValueError(f"alpha must be >= 0; got {alpha}")
    if masks not in ("full", "all"):
        raise ValueError(f"masks must be 'full' or 'all'; got {masks!r}")
    approx = interactions.surrogate(top_k=int(alpha))
    delta = np.asarray(interactions.values, dtype=np.float64) - approx
    if masks == "full":
        delta = delta[..., -1]
    return delta if signed else np.abs(delta)


def top_alpha_errors(and_values: Any, or_values: Any = None, values: Any = None) -> np.ndarray:
    """``|g(x) − ĝ_α(x)|`` on the full input for every ``α = 0, 1, ..., 2**(n+1)``.

    ``ĝ_α(x) = I_and(∅) + Σ`` of the ``α`` largest ``|I|`` in the pooled layout (all of which
    count on the full input); ``g(x) = v(x_N)``. Inputs ``(..., 2**n)`` (or an
    :class:`Interactions`, whose ``values`` are used); returns ``(..., 2**(n+1) + 1)``
    (``(..., 2**n + 1)`` without OR values).

    >>> import harsanyi as hs
    >>> top_alpha_errors(hs.mobius(hs.Game([0.0, 1.0, 2.0, 3.5]))).tolist()
    [3.5, 1.5, 0.5, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0]
    """
    v = getattr(and_values, "values", None) if values is None else values
    if v is None:
        raise ValueError("give the game values v(x_S) (values=...) or an Interactions")
    a, o = split(and_values, or_values)
    g = np.asarray(v, dtype=np.float64)[..., -1:]
    flat = pooled(a, o)
    order = np.argsort(-np.abs(flat), axis=-1, kind="stable")
    partial = np.cumsum(np.take_along_axis(flat, order, axis=-1), axis=-1)
    base = a[..., :1]
    return np.abs(g - np.concatenate([base, base + partial], axis=-1))


def alpha_hat(and_values: Any, or_values: Any = None, values: Any = None, *, tol: float = 0.1,
              share: bool = False) -> np.ndarray:
    """Paper C's ``α̂ = min{α : |g(x) − ĝ_α(x)| / |g(x)| ≤ tol}`` per sample (``tol = 0.1``).

    ``ĝ_α(x)`` adds the ``α`` largest ``|I|`` (:func:`top_alpha_errors`). ``share=True``
    returns ``α̂ / 2**(n+1)`` (paper C reports ``E_x[α̂/2^(n+1)]``). Float array ``(...)``;
    NaN where no ``α`` reaches the tolerance (e.g. ``g(x) = 0``).

    >>> import harsanyi as hs
    >>> I = hs.mobius(hs.Game([0.0, 1.0, 2.0, 3.5]))
    >>> float(alpha_hat(I)), float(alpha_hat(I, tol=0.15)), float(alpha_hat(I, share=True))
    (3.0, 2.0, 0.375)
    """
    if not tol >= 0:
        raise ValueError(f"tol must be >= 0; got {tol}")
    err = top_alpha_errors(and_values, or_values, values)
    v = getattr(and_values, "values", None) if values is None else values
    g = np.abs(np.asarray(v, dtype=np.float64)[..., -1:])
    ok = (err <= tol * g) & (g > 0)
    out = np.where(ok.any(axis=-1), ok.argmax(axis=-1).astype(np.float64), np.nan)
    if share:
        out = out / (2 * np.shape(split(and_values, or_values)[0])[-1])
    return out if out.ndim else np.float64(out)
