"""Match paper A's theoretical distributions to real ones over training (choose ``σ²_t``).

For each checkpoint ``t`` the real distribution ``I_real^(k)(t)`` is compared with
``I_theo^(k)(σ²)`` computed from ``ŵ = M̂(σ²) w*``, where ``w*`` holds the salient interactions of
the final checkpoint. The paper states that a decreasing sequence of ``σ²`` is chosen "to achieve
the best match"; the concrete rule here is ours [RECON]:

1. ``σ²`` on a log grid (default ``10^-6 .. 10^1``, 200 points);
2. ``σ²_t = argmin_σ² ‖I_theo(σ²) − I_real(t)‖`` (L1 by default, or L2);
3. optionally a non-increasing constraint over ``t``: ``"isotonic"`` (isotonic regression of
   ``log σ²_t``, re-evaluated off the grid) or ``"dp"`` (exact best non-increasing path on the
   grid, by dynamic programming).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np

from harsanyi.errors import TheoryInputError
from harsanyi.theory._checks import check_distribution, check_sets, check_sigma2
from harsanyi.theory.distributions import (
    build_w_star,
    real_distribution_of,
    theoretical_distribution,
)
from harsanyi.theory.two_phase import TwoPhaseModel

__all__ = [
    "TwoPhaseFit",
    "fit_sigma2",
    "fit_two_phase",
    "isotonic_nonincreasing",
    "log_grid",
    "theoretical_curves",
]

Monotone = Literal["none", "isotonic", "dp"]


def log_grid(low: float = 1e-6, high: float = 10.0, num: int = 200) -> np.ndarray:
    """Log-spaced ``σ²`` grid (the default fitting grid, [RECON]).

    >>> log_grid(1e-2, 1.0, 3)
    array([0.01, 0.1 , 1.  ])
    """
    lo, hi = check_sigma2([low, high], positive=True, name="grid bounds")
    if hi < lo or num < 1:
        raise TheoryInputError(f"need low <= high and num >= 1; got {low}, {high}, {num}")
    return np.logspace(np.log10(lo), np.log10(hi), int(num))


def theoretical_curves(
    w_and: np.ndarray,
    w_or: np.ndarray | None,
    sigma2: np.ndarray,
    *,
    ratio: float = 0.03,
    normalize: Literal["sum", "mean"] = "sum",
    chunk: int = 1 << 22,
) -> np.ndarray:
    """``I_theo^(k)(σ²)`` for every ``σ²`` in ``sigma2``: shape ``(len(sigma2), n)``.

    ``ŵ = M̂(σ²) w*`` for every sample through the Kronecker solve of
    :class:`~harsanyi.theory.two_phase.TwoPhaseModel`; ``K⁻¹ w*`` is computed once and the
    ``σ²`` grid is processed in chunks of about ``chunk`` numbers.

    >>> w = np.array([[0.0, 1.0, 1.0, 1.0]])
    >>> curves = theoretical_curves(w, None, np.array([0.0, 10.0]))
    >>> curves.round(3)
    array([[0.667, 0.333],
           [0.839, 0.161]])
    """
    w_and_arr, n = check_sets(w_and, "w_and", min_ndim=2)
    grid = check_sigma2(sigma2).ravel()
    model = TwoPhaseModel(n)
    z_and = model.to_spectral(w_and_arr)
    z_or = None if w_or is None else model.to_spectral(check_sets(w_or, "w_or", n)[0])
    per = max(1, chunk // (z_and.size * (1 if z_or is None else 2)))
    out = []
    for start in range(0, grid.size, per):
        s2 = grid[start : start + per]
        hat_and = model.from_spectral(z_and, s2)
        hat_or = None if z_or is None else model.from_spectral(z_or, s2)
        out.append(theoretical_distribution(hat_and, hat_or, ratio=ratio, normalize=normalize))
    return np.concatenate(out, axis=0)


def isotonic_nonincreasing(y: np.ndarray, weights: np.ndarray | None = None) -> np.ndarray:
    """Least-squares non-increasing fit of ``y`` (pool-adjacent-violators).

    >>> isotonic_nonincreasing(np.array([3.0, 1.0, 2.0, 0.0]))
    array([3. , 1.5, 1.5, 0. ])
    """
    y = np.asarray(y, dtype=np.float64)
    w = np.ones_like(y) if weights is None else np.asarray(weights, dtype=np.float64)
    blocks: list[list[float]] = []  # [mean, weight, count]
    for yi, wi in zip(y, w, strict=True):
        blocks.append([yi, wi, 1])
        while len(blocks) > 1 and blocks[-2][0] < blocks[-1][0]:
            m2, w2, c2 = blocks.pop()
            m1, w1, c1 = blocks.pop()
            blocks.append([(m1 * w1 + m2 * w2) / (w1 + w2), w1 + w2, c1 + c2])
    return np.concatenate([np.full(int(c), m) for m, _, c in blocks]) if blocks else y


def _distance(a: np.ndarray, b: np.ndarray, how: str) -> np.ndarray:
    if how == "l1":
        return np.abs(a - b).sum(axis=-1)
    if how == "l2":
        return np.sqrt(((a - b) ** 2).sum(axis=-1))
    raise TheoryInputError(f"distance must be 'l1' or 'l2'; got {how!r}")


def _best_nonincreasing_path(errors: np.ndarray) -> np.ndarray:
    """Grid indices ``i_0 >= i_1 >= ...`` (σ² non-increasing) minimising ``Σ_t errors[t, i_t]``."""
    k, g = errors.shape
    cost = errors[0].copy()
    back = np.zeros((k, g), dtype=np.int64)
    for t in range(1, k):
        # best previous index j >= i: suffix minimum of cost
        suffix_arg = np.empty(g, dtype=np.int64)
        best = g - 1
        for i in range(g - 1, -1, -1):
            if cost[i] <= cost[best]:
                best = i
            suffix_arg[i] = best
        back[t] = suffix_arg
        cost = errors[t] + cost[suffix_arg]
    path = np.empty(k, dtype=np.int64)
    path[-1] = int(np.argmin(cost))
    for t in range(k - 1, 0, -1):
        path[t - 1] = back[t, path[t]]
    return path


@dataclass
class TwoPhaseFit:
    """Result of matching ``I_theo(σ²)`` to ``I_real(t)`` over checkpoints.

    Attributes: ``sigma2`` (K,) the chosen values (after the constraint); ``sigma2_raw`` (K,)
    the unconstrained grid argmins; ``error`` (K,) the distance at ``sigma2``; ``grid`` (G,);
    ``errors`` (K, G) the distance for every grid value; ``real`` (K, n); ``theo`` (K, n) at
    the chosen ``σ²``; ``theo_grid`` (G, n); plus the settings used.
    """

    sigma2: np.ndarray
    sigma2_raw: np.ndarray
    error: np.ndarray
    grid: np.ndarray
    errors: np.ndarray
    real: np.ndarray
    theo: np.ndarray
    theo_grid: np.ndarray
    monotone: str
    distance: str
    checkpoints: list[str] = field(default_factory=list)

    def as_rows(self) -> list[dict[str, float | str]]:
        """One dict per checkpoint: ``checkpoint``, ``sigma2``, ``sigma2_raw``, ``error``."""
        return [
            {"checkpoint": c, "sigma2": float(s), "sigma2_raw": float(r), "error": float(e)}
            for c, s, r, e in zip(
                self.checkpoints, self.sigma2, self.sigma2_raw, self.error, strict=True
            )
        ]


def fit_sigma2(
    real: np.ndarray,
    w_and: np.ndarray,
    w_or: np.ndarray | None = None,
    *,
    grid: np.ndarray | None = None,
    monotone: Monotone = "isotonic",
    distance: Literal["l1", "l2"] = "l1",
    ratio: float = 0.03,
    normalize: Literal["sum", "mean"] = "sum",
    checkpoints: Sequence[str] | None = None,
) -> TwoPhaseFit:
    """Choose ``σ²_t`` so that ``I_theo(σ²_t)`` best matches each row of ``real`` (paper A §3.3).

    ``real``: ``(K, n)`` real distributions (one per checkpoint, normalised like ``normalize``);
    ``w_and``/``w_or``: ``(samples, 2**n)`` targets ``w*`` (see
    :func:`~harsanyi.theory.distributions.build_w_star`). ``σ²_t = argmin ‖I_theo − I_real(t)‖``
    over ``grid``, then ``monotone`` enforces ``σ²_t`` non-increasing in ``t`` ([RECON]).

    >>> w = np.array([[0.0, 1.0, 1.0, 1.0]])
    >>> real = theoretical_curves(w, None, np.array([1.0, 0.01]))
    >>> fit = fit_sigma2(real, w, grid=log_grid(1e-3, 10.0, 41))
    >>> fit.sigma2.round(3).tolist(), bool(fit.error.max() < 1e-9)
    ([1.0, 0.01], True)
    """
    real_arr = check_distribution(real, "real distribution")
    if real_arr.ndim != 2:
        raise TheoryInputError(f"real must be (checkpoints, n); got shape {real_arr.shape}")
    w_and_arr, n = check_sets(w_and, "w_and", min_ndim=2)
    if real_arr.shape[1] != n:
        raise TheoryInputError(
            f"real has {real_arr.shape[1]} orders but w* has n={n} players (orders 1..n)"
        )
    grid_arr = np.sort(check_sigma2(log_grid() if grid is None else grid, name="grid").ravel())
    if monotone not in ("none", "isotonic", "dp"):
        raise TheoryInputError(f"monotone must be 'none', 'isotonic' or 'dp'; got {monotone!r}")
    if monotone == "isotonic":
        check_sigma2(grid_arr, positive=True, name="grid")
    theo_grid = theoretical_curves(w_and_arr, w_or, grid_arr, ratio=ratio, normalize=normalize)
    errors = _distance(real_arr[:, None, :], theo_grid[None, :, :], distance)
    raw_idx = np.argmin(errors, axis=1)
    sigma2_raw = grid_arr[raw_idx]
    if monotone == "none":
        sigma2, theo = sigma2_raw, theo_grid[raw_idx]
    elif monotone == "dp":
        idx = _best_nonincreasing_path(errors)
        sigma2, theo = grid_arr[idx], theo_grid[idx]
    else:
        logs = isotonic_nonincreasing(np.log(sigma2_raw))
        sigma2 = np.clip(np.exp(logs), grid_arr[0], grid_arr[-1])
        theo = theoretical_curves(w_and_arr, w_or, sigma2, ratio=ratio, normalize=normalize)
    labels = (
        [str(c) for c in checkpoints]
        if checkpoints is not None
        else [str(i) for i in range(real_arr.shape[0])]
    )
    if len(labels) != real_arr.shape[0]:
        raise TheoryInputError(f"{len(labels)} checkpoint labels for {real_arr.shape[0]} rows")
    return TwoPhaseFit(
        sigma2=sigma2,
        sigma2_raw=sigma2_raw,
        error=_distance(real_arr, theo, distance),
        grid=grid_arr,
        errors=errors,
        real=real_arr,
        theo=theo,
        theo_grid=theo_grid,
        monotone=monotone,
        distance=distance,
        checkpoints=labels,
    )


def fit_two_phase(
    and_values: np.ndarray,
    or_values: np.ndarray | None,
    values: np.ndarray,
    *,
    final: int = -1,
    grid: np.ndarray | None = None,
    ratio: float = 0.03,
    monotone: Monotone = "isotonic",
    distance: Literal["l1", "l2"] = "l1",
    normalize: Literal["sum", "mean"] = "sum",
    empty: Literal["and", "half"] = "and",
    checkpoints: Sequence[str] | None = None,
) -> TwoPhaseFit:
    """Fit paper A's two-phase model to interactions over training, from plain arrays.

    ``and_values``, ``or_values``, ``values``: ``(K checkpoints, samples, 2**n)`` (``or_values``
    may be ``None`` for AND-only). ``I_real(t)`` uses each checkpoint's own threshold
    ``τ_t = ratio · E_x|v_t(x_N) − v_t(x_∅)|``; ``w*`` is built from checkpoint ``final``
    (:func:`~harsanyi.theory.distributions.build_w_star`), then :func:`fit_sigma2` picks
    ``σ²_t``. Pass only the phase-2 checkpoints to reproduce the paper's matching.

    >>> rng = np.random.default_rng(0)
    >>> I = np.zeros((2, 3, 8)); I[:, :, [1, 2, 4]] = 1.0; I[1, :, 7] = 0.5
    >>> from harsanyi.core.transforms import zeta
    >>> fit = fit_two_phase(I, None, zeta(I), grid=log_grid(1e-4, 1.0, 9), monotone="none")
    >>> fit.sigma2.shape, bool(fit.sigma2[0] >= fit.sigma2[1])
    ((2,), True)
    """
    and_arr, n = check_sets(and_values, "and_values", min_ndim=3)
    v_arr, _ = check_sets(values, "values", n)
    if and_arr.ndim != 3 or v_arr.shape != and_arr.shape:
        raise TheoryInputError(
            "and_values and values must both be (checkpoints, samples, 2**n); got "
            f"{and_arr.shape} and {v_arr.shape}"
        )
    or_arr = None
    if or_values is not None:
        or_arr, _ = check_sets(or_values, "or_values", n)
        if or_arr.shape != and_arr.shape:
            raise TheoryInputError(f"or_values has shape {or_arr.shape}, expected {and_arr.shape}")
    k = and_arr.shape[0]
    if not -k <= final < k:
        raise TheoryInputError(f"final={final} is not a checkpoint index (K={k})")
    real = real_distribution_of(and_arr, or_arr, v_arr, ratio=ratio, normalize=normalize)
    w_and, w_or = build_w_star(
        and_arr[final],
        None if or_arr is None else or_arr[final],
        v_arr[final],
        ratio=ratio,
        empty=empty,
    )
    return fit_sigma2(
        real,
        w_and,
        w_or,
        grid=grid,
        monotone=monotone,
        distance=distance,
        ratio=ratio,
        normalize=normalize,
        checkpoints=checkpoints,
    )
