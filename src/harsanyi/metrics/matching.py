"""Faithfulness of a few interactions: matching error of the top-α surrogate and ``α̂``.

Paper C (docs/theory.md#matching-error): ``Ω_α`` = the ``α`` interactions with the largest
``|I|`` (AND and OR pooled),
``ĝ_α(x_S) = I_and(∅) + Σ_{L∈Ω_α, ∅≠L⊆S} I_and(L) + Σ_{L∈Ω_α, L∩S≠∅} I_or(L)``.
The paper writes ``g(x_∅)`` for the constant; we use ``I_and(∅) = v(∅) + q_∅`` (the original
code's sum of the stored AND and OR ``∅`` terms); the two differ by ``|q_∅| ≤`` the q bound.
"""

from __future__ import annotations

import numpy as np

from harsanyi.extract.interactions import Interactions
from harsanyi.extract.matching import matching_residual
from harsanyi.metrics._common import pooled

__all__ = ["alpha_hat", "matching_error", "matching_residual"]


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


def alpha_hat(interactions: Interactions, tol: float = 0.1, *, ratio: bool = False) -> np.ndarray:
    """Paper C's ``α̂ = min{α : |g(x) − ĝ_α(x)| / |g(x)| ≤ tol}`` per sample (``tol = 0.1``).

    ``ĝ_α(x)`` adds the ``α`` largest ``|I|`` (pooled, all of which count on the full input).
    ``ratio=True`` returns ``α̂ / 2**(n+1)`` (paper C reports ``E_x[α̂/2^(n+1)]``). Float array
    ``(...)``; NaN where no ``α`` reaches the tolerance (e.g. ``g(x) = 0``).

    >>> import harsanyi as hs
    >>> I = hs.mobius(hs.Game([0.0, 1.0, 2.0, 3.5]))
    >>> float(alpha_hat(I)), float(alpha_hat(I, tol=0.15)), float(alpha_hat(I, ratio=True))
    (3.0, 2.0, 0.375)
    """
    if not tol >= 0:
        raise ValueError(f"tol must be >= 0; got {tol}")
    a = np.asarray(interactions.and_values, dtype=np.float64)
    o = np.asarray(interactions.or_values, dtype=np.float64)
    flat = pooled(a, o).reshape(-1, 2 * a.shape[-1])
    g = np.asarray(interactions.values, dtype=np.float64)[..., -1].reshape(-1)
    order = np.argsort(-np.abs(flat), axis=-1, kind="stable")
    partial = np.cumsum(np.take_along_axis(flat, order, axis=-1), axis=-1)
    base = a.reshape(-1, a.shape[-1])[:, :1]
    approx = np.concatenate([base, base + partial], axis=-1)  # α = 0, 1, ..., 2**(n+1)
    ok = np.abs(g[:, None] - approx) <= tol * np.abs(g[:, None])
    ok &= np.abs(g[:, None]) > 0
    first = np.where(ok.any(axis=-1), ok.argmax(axis=-1).astype(np.float64), np.nan)
    out = first.reshape(a.shape[:-1])
    if ratio:
        out = out / (2 * a.shape[-1])
    return out if out.ndim else np.float64(out)
