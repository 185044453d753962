"""Distributions of interaction strength over orders (papers A and B).

Conventions: inputs are set-function arrays ``(..., samples, 2**n)`` in bit order; every
"per order" output here is indexed by ``k = 1..n`` (position ``k-1``); order 0 (the bias
``v(x_∅)``) is never part of a distribution. AND and OR interactions are pooled.
"""

from __future__ import annotations

from typing import Literal

import numpy as np

from harsanyi.core.orders import order_of_masks
from harsanyi.errors import TheoryInputError
from harsanyi.theory._checks import check_same_shape, check_sets, normalise

__all__ = [
    "build_w_star",
    "real_distribution",
    "salient_threshold",
    "strength_by_order",
    "theoretical_distribution",
]

Normalize = Literal["sum", "mean", "none"]


def _order_onehot(n: int) -> np.ndarray:
    """``(2**n, n)`` matrix: column ``k-1`` selects the masks of order ``k``."""
    orders = order_of_masks(n)
    return (orders[:, None] == np.arange(1, n + 1)[None, :]).astype(np.float64)


def salient_threshold(values: np.ndarray, ratio: float = 0.03) -> np.ndarray | float:
    """Paper A/B's threshold ``τ = ratio · E_x |v(x_N) - v(x_∅)|`` (``ratio = 0.03``).

    ``values``: game values ``(..., samples, 2**n)``; the mean is over the samples axis, so the
    result has the leading shape (one threshold per model / checkpoint).

    >>> salient_threshold(np.array([[0.0, 1.0, 1.0, 2.0], [1.0, 0.0, 0.0, 5.0]]))
    0.09
    """
    arr, _ = check_sets(values, "values", min_ndim=2)
    if not np.isfinite(ratio) or ratio < 0:
        raise TheoryInputError(f"the salience ratio must be finite and >= 0; got {ratio}")
    tau = ratio * np.abs(arr[..., -1] - arr[..., 0]).mean(axis=-1)
    return float(tau) if np.ndim(tau) == 0 else tau


def strength_by_order(
    interactions: np.ndarray,
    tau: float | np.ndarray = 0.0,
    sign: Literal["abs", "pos", "neg"] = "abs",
) -> np.ndarray:
    """Per-sample strength of salient interactions of each order ``k = 1..n``.

    ``sign="abs"``: ``Σ_{|S|=k, |I(S)| ≥ τ} |I(S)|``; ``"pos"``/``"neg"``: the sum of
    ``max(I, 0)`` / ``min(I, 0)`` over the same salient sets. ``tau`` broadcasts against the
    leading shape of ``interactions`` ``(..., 2**n)``; output ``(..., n)``.

    >>> strength_by_order(np.array([0.0, 1.0, -2.0, 0.5]))   # orders 1 and 2
    array([3. , 0.5])
    >>> strength_by_order(np.array([0.0, 1.0, -2.0, 0.5]), tau=0.8, sign="neg")
    array([-2.,  0.])
    """
    arr, n = check_sets(interactions, "interactions")
    tau_arr = np.asarray(tau, dtype=np.float64)
    keep = np.abs(arr) >= tau_arr[..., None]
    if sign == "abs":
        vals = np.abs(arr)
    elif sign == "pos":
        vals = np.maximum(arr, 0.0)
    elif sign == "neg":
        vals = np.minimum(arr, 0.0)
    else:
        raise TheoryInputError(f"sign must be 'abs', 'pos' or 'neg'; got {sign!r}")
    return np.where(keep, vals, 0.0) @ _order_onehot(n)


def real_distribution(
    and_values: np.ndarray,
    or_values: np.ndarray | None,
    values: np.ndarray,
    *,
    ratio: float = 0.03,
    tau: float | np.ndarray | None = None,
    normalize: Normalize = "sum",
) -> np.ndarray:
    """``I_real^(k)`` for ``k = 1..n`` (paper A §3.2, following paper B).

    ``I_real^(k) = (1/Z) E_x [ Σ_{type∈{and,or}} Σ_{|S|=k, |I_type(S|x)| ≥ τ} |I_type(S|x)| ]``
    with ``τ = ratio · E_x|v(x_N) − v(x_∅)|`` computed per leading index (checkpoint).
    ``normalize="sum"`` makes ``Σ_k I^(k) = 1`` as in the paper's figures (our reading, [RECON]);
    ``"mean"`` is the paper's printed ``Z = E_{k'}[...]`` (``Σ_k I^(k) = n``).

    Arrays have shape ``(..., samples, 2**n)``; ``or_values=None`` gives the AND-only variant
    (paper A, App. J.4). Returns ``(..., n)``.

    >>> I_and = np.array([[0.0, 1.0, 1.0, 0.0]]); I_or = np.zeros((1, 4)); I_or[0, 3] = 2.0
    >>> v = np.array([[0.0, 1.0, 1.0, 4.0]])
    >>> real_distribution(I_and, I_or, v)
    array([0.5, 0.5])
    """
    and_arr, n = check_sets(and_values, "and_values", min_ndim=2)
    v_arr, _ = check_sets(values, "values", n, min_ndim=2)
    check_same_shape(and_arr, v_arr, "and_values and values")
    if tau is None:
        tau = salient_threshold(v_arr, ratio)
    tau_arr = np.asarray(tau, dtype=np.float64)[..., None]  # broadcast over samples
    total = strength_by_order(and_arr, tau_arr)
    if or_values is not None:
        or_arr, _ = check_sets(or_values, "or_values", n, min_ndim=2)
        check_same_shape(and_arr, or_arr, "and_values and or_values")
        total = total + strength_by_order(or_arr, tau_arr)
    return normalise(total.mean(axis=-2), normalize, "real distribution")


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
        tau = float(salient_threshold(v_arr, ratio))
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
    gain = sum(a[..., 1:].sum(axis=-1) for a in arrays)
    tau = ratio * np.abs(gain)
    total = sum(strength_by_order(a, tau) for a in arrays)
    return normalise(total.mean(axis=-2), normalize, "theoretical distribution")
