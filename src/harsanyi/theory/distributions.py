"""Paper A's distributions over orders: real (with the papers' threshold), ``w*`` and theory.

The statistics themselves (salient threshold, strength by order, normalisation) are those of
:mod:`harsanyi.metrics`: inputs ``(..., samples, 2**n)`` in bit order, outputs indexed by
``k = 1..n`` (position ``k-1``), AND and OR pooled. Here an undefined distribution (nothing
salient) is an error, since a fit cannot use it.
"""

from __future__ import annotations

from typing import Literal

import numpy as np

from harsanyi.errors import TheoryInputError
from harsanyi.metrics import real_distribution, salient_threshold
from harsanyi.theory._checks import check_same_shape, check_sets

__all__ = [
    "build_w_star",
    "check_defined",
    "real_distribution_of",
    "theoretical_distribution",
]

Normalize = Literal["sum", "mean", "none"]


def check_defined(dist: np.ndarray, what: str) -> np.ndarray:
    """Check that a distribution over orders is defined, and return it.

    Raise :class:`TheoryInputError` if a distribution over orders has a NaN row (no salient
    interaction at any order, :func:`~harsanyi.metrics.real_distribution`); else return it.
    """
    if np.isnan(dist).any():
        raise TheoryInputError(
            f"{what}: no salient interaction at any order 1..n (the strengths sum to 0), "
            "so the distribution over orders is undefined; lower the salience ratio or check "
            "the interactions"
        )
    return dist


def check_normalize(how: str) -> None:
    """Raise :class:`TheoryInputError` unless ``how`` is ``"sum"``, ``"mean"`` or ``"none"``."""
    if how not in ("sum", "mean", "none"):
        raise TheoryInputError(f"normalize must be 'sum', 'mean' or 'none'; got {how!r}")


def real_distribution_of(
    and_values: np.ndarray,
    or_values: np.ndarray | None,
    values: np.ndarray,
    *,
    ratio: float = 0.03,
    normalize: Normalize = "sum",
) -> np.ndarray:
    """Paper A's ``I_real^(k)`` per checkpoint, ``k = 1..n``, with the papers' threshold.

    :func:`~harsanyi.metrics.real_distribution` with ``τ = ratio · E_x|v(x_N) − v(x_∅)|`` per
    leading index (checkpoint, ``reference="total"``); ``normalize="sum"`` makes
    ``Σ_k I^(k) = 1`` as in the paper's figures (our reading, [RECON]), ``"mean"`` is the
    paper's printed ``Z = E_{k'}[...]``. Arrays ``(..., samples, 2**n)``; returns ``(..., n)``
    and raises :class:`TheoryInputError` where nothing is salient.

    >>> I_and = np.array([[0.0, 1.0, 1.0, 0.0]]); I_or = np.zeros((1, 4)); I_or[0, 3] = 2.0
    >>> v = np.array([[0.0, 1.0, 1.0, 4.0]])
    >>> real_distribution_of(I_and, I_or, v)
    array([0.5, 0.5])
    """
    and_arr, n = check_sets(and_values, "and_values", min_ndim=2)
    v_arr, _ = check_sets(values, "values", n, min_ndim=2)
    check_same_shape(and_arr, v_arr, "and_values and values")
    or_arr = None
    if or_values is not None:
        or_arr, _ = check_sets(or_values, "or_values", n, min_ndim=2)
        check_same_shape(and_arr, or_arr, "and_values and or_values")
    check_normalize(normalize)
    tau = salient_threshold(v_arr, ratio)
    dist = real_distribution(and_arr, or_arr, tau, normalize=normalize)
    return check_defined(dist, "real distribution")


def build_w_star(
    and_values: np.ndarray,
    or_values: np.ndarray | None,
    values: np.ndarray,
    *,
    ratio: float = 0.03,
    tau: float | None = None,
    empty: Literal["and", "half"] = "and",
) -> tuple[np.ndarray, np.ndarray | None]:
    """Targets ``w*`` of paper A from the final model's salient interactions.

    ``w*_S = I(S|x)`` for ``S ∈ Ω = {S ≠ ∅ : |I(S|x)| ≥ τ}`` and 0 otherwise, with
    ``τ = ratio · E_x|v(x_N) − v(x_∅)|``; the bias ``w*_∅ = v(x_∅)`` goes to the AND vector
    (``empty="and"``) or half to each type (``"half"``) — both [RECON]. Inputs are
    ``(samples, 2**n)``; returns ``(w_and, w_or)`` of the same shape (``w_or`` is ``None``
    when ``or_values`` is). Raises :class:`TheoryInputError` if ``Ω`` is empty for every sample.

    >>> w_and, w_or = build_w_star(np.array([[0.3, 1.0, 0.001, 0.0]]), None,
    ...                            np.array([[0.3, 1.3, 0.3, 1.3]]), ratio=0.03)
    >>> w_and
    array([[0.3, 1. , 0. , 0. ]])
    """
    and_arr, n = check_sets(and_values, "and_values", min_ndim=2)
    v_arr, _ = check_sets(values, "values", n, min_ndim=2)
    check_same_shape(and_arr, v_arr, "and_values and values")
    if and_arr.ndim != 2:
        raise TheoryInputError(
            f"w* is built from one model: expected (samples, 2**n); got shape {and_arr.shape}"
        )
    if empty not in ("and", "half"):
        raise TheoryInputError(f"empty must be 'and' or 'half'; got {empty!r}")
    if tau is None:
        tau = float(salient_threshold(v_arr, ratio)[0])
    arrays = [and_arr] + ([] if or_values is None else [check_sets(or_values, "or_values", n)[0]])
    outs = []
    n_salient = 0
    for arr in arrays:
        check_same_shape(and_arr, arr, "and_values and or_values")
        keep = np.abs(arr) >= tau
        keep[..., 0] = False
        n_salient += int(keep.sum())
        outs.append(np.where(keep, arr, 0.0))
    if n_salient == 0:
        raise TheoryInputError(
            f"no salient interaction (|I(S)| >= tau = {tau:.4g}, S non-empty) in any sample of "
            "the final model: w* would be empty; lower the salience ratio"
        )
    v_empty = v_arr[..., 0]
    if empty == "and" or len(outs) == 1:
        outs[0][..., 0] = v_empty
    else:
        outs[0][..., 0] = 0.5 * v_empty
        outs[1][..., 0] = 0.5 * v_empty
    return outs[0], (outs[1] if len(outs) == 2 else None)


def theoretical_distribution(
    w_and: np.ndarray,
    w_or: np.ndarray | None = None,
    *,
    ratio: float = 0.03,
    normalize: Normalize = "sum",
) -> np.ndarray:
    """``I_theo^(k)`` for ``k = 1..n`` from analytic interactions ``ŵ`` (paper A §3.3).

    ``I_theo^(k) = (1/Z_theo) E_x [ Σ_{|S|=k, |ŵ_S| ≥ τ_theo} |ŵ_S| ]``, with a per-sample
    ``τ_theo = ratio · |v_theo(x) − ŵ_∅|`` and ``v_theo(x) = Σ_S ŵ_S``. With AND and OR
    vectors both are pooled and ``v_theo − ŵ_∅ = Σ_{S≠∅} (ŵ_and(S) + ŵ_or(S))`` (universal
    matching at ``S = N``; [RECON]). Inputs ``(..., samples, 2**n)``; returns ``(..., n)``.

    >>> theoretical_distribution(np.array([[1.0, 1.0, 1.0, 2.0]]))
    array([0.5, 0.5])
    """
    and_arr, n = check_sets(w_and, "w_and", min_ndim=2)
    arrays = [and_arr]
    if w_or is not None:
        or_arr, _ = check_sets(w_or, "w_or", n, min_ndim=2)
        check_same_shape(and_arr, or_arr, "w_and and w_or")
        arrays.append(or_arr)
    check_normalize(normalize)
    gain = sum(a[..., 1:].sum(axis=-1) for a in arrays)
    tau = ratio * np.abs(gain)
    dist = real_distribution(and_arr, None if w_or is None else arrays[1], tau,
                             normalize=normalize)
    return check_defined(dist, "theoretical distribution")
