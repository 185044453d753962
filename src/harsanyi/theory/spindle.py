"""The spindle-shaped distribution of random interactions (paper B; docs/theory.md#spindle).

If the outputs on the ``2**n`` masked samples are i.i.d. noise ``v(x_S) ~ N(0, σ²)``, each
Harsanyi interaction ``I(S) = Σ_{T⊆S} (-1)^{|S|-|T|} v(x_T)`` is a sum of ``2^{|S|}`` independent
terms of variance ``σ²``, so ``I(S) ~ N(0, 2^{|S|} σ²)`` (paper A, Lemma 1; paper E, Scenario 1).
With ``s_k = σ 2^{k/2}`` and ``X ~ N(0, s_k²)``,
``E[X·1(X ≥ τ)] = s_k φ(τ/s_k)`` (``φ`` the standard normal density), which is ``s_k/√(2π)``
at ``τ = 0``; summing over the ``C(n,k)`` sets of order ``k`` gives the symmetric spindle

    E Σ_{|S|=k, |I(S)|≥τ} max(I(S), 0) = C(n,k) σ 2^{k/2} φ(τ / (σ 2^{k/2})) = −(same for min).
"""

from __future__ import annotations

from math import comb

import numpy as np

from harsanyi.errors import TheoryInputError
from harsanyi.theory._checks import check_n, check_sigma2

__all__ = ["spindle_family", "spindle_profile"]


def _comb_row(n: int) -> np.ndarray:
    return np.array([comb(n, k) for k in range(1, n + 1)], dtype=np.float64)


def spindle_profile(
    n: int, sigma: float = 1.0, *, tau: float = 0.0, normalize: bool = False
) -> np.ndarray:
    """Compute the expected positive strength per order of i.i.d. output noise (paper B).

    ``E Σ_{|S|=k, |I(S)|≥τ} max(I(S), 0) = C(n,k) s_k φ(τ/s_k)``, ``s_k = σ 2^{k/2}``
    (``= C(n,k) 2^{k/2} σ/√(2π)`` at ``τ = 0``); the negative strength is its opposite.
    This is for one interaction type; pooled AND+OR of two independent noise games doubles it.
    ``normalize=True`` divides by the sum over ``k``.

    >>> spindle_profile(10, normalize=True).round(3).tolist()
    [0.002, 0.013, 0.05, 0.125, 0.212, 0.25, 0.202, 0.107, 0.034, 0.005]
    """
    n = check_n(n)
    sig = float(check_sigma2(sigma, name="sigma"))
    t = float(check_sigma2(tau, name="tau"))
    k = np.arange(1, n + 1)
    scale = sig * np.exp2(k / 2.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        dens = np.where(scale > 0, np.exp(-0.5 * (t / np.where(scale > 0, scale, 1.0)) ** 2), 0.0)
    out = _comb_row(n) * scale * dens / np.sqrt(2.0 * np.pi)
    if normalize:
        total = out.sum()
        if total <= 0:
            raise TheoryInputError(
                "the spindle profile is 0 at every order (sigma = 0 or tau too "
                "large): it cannot be normalised"
            )
        out = out / total
    return out


def spindle_family(n: int, base: float = np.sqrt(2.0)) -> np.ndarray:
    """Shape ``C(n,m) β^m`` for ``m = 1..n`` (paper D's spindle family, [RECON]).

    ``β = √2`` is the i.i.d.-noise spindle: ``A^(m),± = ±κ C(n,m) 2^{m/2}`` with
    ``κ = σ/√(2π)``. A free base ``β`` is a relaxation of ours (docs/theory.md#decay-spindle).

    >>> spindle_family(3, base=2.0)
    array([ 6., 12.,  8.])
    """
    n = check_n(n)
    if not np.isfinite(base) or base <= 0:
        raise TheoryInputError(f"the spindle base must be finite and > 0; got {base}")
    return _comb_row(n) * float(base) ** np.arange(1, n + 1)
