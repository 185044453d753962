"""Generalizable (decay-shaped) vs non-generalizable (spindle-shaped) interactions (paper D).

Paper D's full text is not public; everything here is our reconstruction ([RECON],
docs/theory.md#decay-spindle):

* ``A^(m),+ = E_x Σ_type Σ_{|S|=m} max(I_type(S|x), 0)`` and ``A^(m),−`` with ``min``
  (optionally only salient ``|I| ≥ τ``): the sample mean of
  :func:`harsanyi.metrics.signed_strength_by_order`; ``ΔA^(m),± = A^(m),±(t2) − A^(m),±(t1)``.
* spindle family ``±κ C(n,m) β^m`` (``β = √2``: i.i.d. output noise, ``κ = σ/√(2π)``);
* decay family: ``"rownorm"`` ``d ‖m̂_(m)(σ_g²)‖`` (paper A, Theorem 4), ``"exp"`` ``d e^{−λm}``,
  or ``"target"``: the ± parts of ``M̂(σ_g²) w*`` by order (needs ``w*``);
* disentangling: for each sign, ``|A^(m)| ≈ d·decay_m(θ) + κ·spindle_m(β)`` by non-negative
  least squares over ``m = 1..n``, with ``θ`` (and optionally ``β``) on a grid.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import scipy.optimize

from harsanyi.errors import TheoryInputError
from harsanyi.metrics import signed_strength_by_order
from harsanyi.theory._checks import check_n, check_sets
from harsanyi.theory.spindle import spindle_family
from harsanyi.theory.two_phase import TwoPhaseModel

__all__ = [
    "Disentangled",
    "SignFit",
    "decay_family",
    "disentangle",
    "strength_change",
]

DecayKind = Literal["rownorm", "exp", "target"]


def strength_change(
    before: tuple[np.ndarray, np.ndarray], after: tuple[np.ndarray, np.ndarray]
) -> tuple[np.ndarray, np.ndarray]:
    """Newly emerged strength ``ΔA^(m),± = A^(m),±(t2) − A^(m),±(t1)`` (paper D, Fig. 2).

    >>> strength_change((np.array([1.0]), np.array([-1.0])), (np.array([3.0]), np.array([-2.0])))
    (array([2.]), array([-1.]))
    """
    (p1, n1), (p2, n2) = before, after
    pos = np.asarray(p2, dtype=np.float64) - np.asarray(p1, dtype=np.float64)
    neg = np.asarray(n2, dtype=np.float64) - np.asarray(n1, dtype=np.float64)
    return pos, neg


def decay_family(n: int, kind: Literal["rownorm", "exp"], param: float) -> np.ndarray:
    """Return the decay shape for ``m = 1..n`` (paper D's candidates, [RECON]).

    Decay shape for ``m = 1..n``: ``‖m̂_(m)(σ_g²)‖`` (``"rownorm"``, ``param = σ_g²``) or
    ``e^{−λm}`` (``"exp"``, ``param = λ``) — paper D's decay candidates (b) and (c), [RECON].

    >>> decay_family(3, "exp", 0.0)
    array([1., 1., 1.])
    >>> bool(np.all(np.diff(decay_family(6, "rownorm", 0.1)) < 0))
    True
    """
    n = check_n(n)
    if not np.isfinite(param) or param < 0:
        raise TheoryInputError(f"the decay parameter must be finite and >= 0; got {param}")
    if kind == "rownorm":
        return TwoPhaseModel(n).row_norms(float(param))[1:]
    if kind == "exp":
        return np.exp(-float(param) * np.arange(1, n + 1))
    raise TheoryInputError(f"decay kind must be 'rownorm' or 'exp' here; got {kind!r}")


@dataclass
class SignFit:
    """NNLS fit of one sign: ``|A^(m)| ≈ decay_scale·decay_m + spindle_scale·spindle_m``.

    ``decay_part`` and ``spindle_part`` carry the sign of the data (``A^−`` parts are ``≤ 0``).
    ``rel_error = ‖y − fit‖/‖y‖``; ``r2 = 1 − SS_res/SS_tot``.
    """

    decay_scale: float
    spindle_scale: float
    decay_param: float
    spindle_base: float
    decay_part: np.ndarray
    spindle_part: np.ndarray
    rel_error: float
    r2: float


@dataclass
class Disentangled:
    """Decay + spindle decomposition of ``A^(m),+`` (``pos``) and ``A^(m),−`` (``neg``)."""

    pos: SignFit
    neg: SignFit
    decay: str

    def as_dict(self) -> dict[str, float]:
        """Scalars of both fits, e.g. ``{"pos_spindle_scale": ..., "neg_r2": ...}``."""
        out: dict[str, float] = {}
        for name, fit in (("pos", self.pos), ("neg", self.neg)):
            for key in (
                "decay_scale",
                "spindle_scale",
                "decay_param",
                "spindle_base",
                "rel_error",
                "r2",
            ):
                out[f"{name}_{key}"] = float(getattr(fit, key))
        return out


def _target_shapes(w_star: Sequence[np.ndarray | None], grid: np.ndarray) -> dict[str, np.ndarray]:
    arrays = [check_sets(w, "w_star", min_ndim=2)[0] for w in w_star if w is not None]
    if not arrays:
        raise TheoryInputError("decay='target' needs w_star=(w_and, w_or) arrays")
    n = int(arrays[0].shape[-1]).bit_length() - 1
    model = TwoPhaseModel(n)
    hats = [model.w_hat(arr, grid) for arr in arrays]
    pos, neg = signed_strength_by_order(hats[0], hats[1] if len(hats) > 1 else None)
    return {"pos": pos.mean(axis=-2), "neg": -neg.mean(axis=-2)}


def _fit_sign(
    y: np.ndarray,
    decays: np.ndarray,
    params: np.ndarray,
    spindles: np.ndarray,
    bases: np.ndarray,
    weights: np.ndarray,
) -> SignFit:
    best: tuple[float, int, int, np.ndarray] | None = None
    for i, d in enumerate(decays):
        for j, s in enumerate(spindles):
            cols = np.stack([d, s], axis=1) * weights[:, None]
            norms = np.where(np.linalg.norm(cols, axis=0) > 0, np.linalg.norm(cols, axis=0), 1.0)
            coef, wres = scipy.optimize.nnls(cols / norms, y * weights)
            if best is None or wres < best[0] - 1e-15:
                best = (wres, i, j, coef / norms)
    assert best is not None
    _, i, j, coef = best
    decay_part = coef[0] * decays[i]
    spindle_part = coef[1] * spindles[j]
    res = float(np.linalg.norm(y - decay_part - spindle_part))
    ynorm = float(np.linalg.norm(y))
    sstot = float(((y - y.mean()) ** 2).sum())
    return SignFit(
        decay_scale=float(coef[0]),
        spindle_scale=float(coef[1]),
        decay_param=float(params[i]),
        spindle_base=float(bases[j]),
        decay_part=decay_part,
        spindle_part=spindle_part,
        rel_error=float(res / ynorm) if ynorm > 0 else 0.0,
        r2=float(1.0 - res**2 / sstot) if sstot > 0 else 1.0,
    )


def disentangle(
    pos: np.ndarray,
    neg: np.ndarray,
    *,
    decay: DecayKind = "rownorm",
    decay_grid: np.ndarray | None = None,
    spindle_base: float | Sequence[float] = np.sqrt(2.0),
    w_star: Sequence[np.ndarray | None] | None = None,
    weights: Literal["none", "noise"] = "none",
) -> Disentangled:
    """Split ``A^(m),±`` (or ``ΔA^(m),±``) into decay and spindle parts (paper D, [RECON]).

    For each sign, ``|A^(m)| ≈ d·decay_m(θ) + κ·C(n,m) β^m`` with ``d, κ ≥ 0`` by NNLS over
    ``m = 1..n``; ``θ`` (``σ_g²`` for ``"rownorm"``/``"target"``, ``λ`` for ``"exp"``) and ``β``
    (a float or a grid) are chosen by least (weighted) residual. ``pos``/``neg``: ``(n,)``.
    ``weights="noise"`` ([RECON]) weights order ``m`` by ``1/sqrt(C(n,m) 2^m)``, the inverse
    standard deviation of i.i.d.-noise strength at that order, so that noisy high orders do not
    drive the decay fit; ``rel_error`` and ``r2`` are always unweighted.
    With ``β = √2`` the fitted ``κ`` of i.i.d. noise ``N(0, σ²)`` on the outputs is
    ``σ/√(2π)`` per interaction type.

    >>> from harsanyi.theory.spindle import spindle_family
    >>> y = 2.0 * decay_family(8, "exp", 1.0) + 0.01 * spindle_family(8)
    >>> out = disentangle(y, -y, decay="exp", decay_grid=np.linspace(0.5, 1.5, 11))
    >>> round(out.pos.decay_scale, 6), round(out.pos.spindle_scale, 6), out.pos.decay_param
    (2.0, 0.01, 1.0)
    """
    pos_arr = np.asarray(pos, dtype=np.float64)
    neg_arr = np.asarray(neg, dtype=np.float64)
    if pos_arr.ndim != 1 or pos_arr.shape != neg_arr.shape or pos_arr.size < 1:
        raise TheoryInputError(
            f"pos and neg must be 1-D arrays over orders 1..n of equal length; got "
            f"{pos_arr.shape} and {neg_arr.shape}"
        )
    if not (np.all(np.isfinite(pos_arr)) and np.all(np.isfinite(neg_arr))):
        raise TheoryInputError("pos/neg strengths contain NaN or inf")
    n = pos_arr.size
    bases = np.atleast_1d(np.asarray(spindle_base, dtype=np.float64))
    spindles = np.stack([spindle_family(n, float(b)) for b in bases])
    if decay == "target":
        params = np.logspace(-6, 1, 60) if decay_grid is None else np.asarray(decay_grid, float)
        if w_star is None:
            raise TheoryInputError("decay='target' needs w_star=(w_and, w_or) arrays")
        shapes = _target_shapes(w_star, params)
        if shapes["pos"].shape[1] != n:
            raise TheoryInputError(f"w_star has n={shapes['pos'].shape[1]} but pos has {n} orders")
        decays = {"pos": shapes["pos"], "neg": shapes["neg"]}
    elif decay in ("rownorm", "exp"):
        default = np.logspace(-6, 1, 60) if decay == "rownorm" else np.linspace(0.0, 5.0, 101)
        params = default if decay_grid is None else np.asarray(decay_grid, dtype=np.float64)
        table = np.stack([decay_family(n, decay, float(p)) for p in params])
        decays = {"pos": table, "neg": table}
    else:
        raise TheoryInputError(f"decay must be 'rownorm', 'exp' or 'target'; got {decay!r}")
    if weights == "none":
        w = np.ones(n)
    elif weights == "noise":
        w = 1.0 / np.sqrt(spindle_family(n, 2.0))
    else:
        raise TheoryInputError(f"weights must be 'none' or 'noise'; got {weights!r}")
    fit_pos = _fit_sign(pos_arr, decays["pos"], params, spindles, bases, w)
    fit_neg = _fit_sign(-neg_arr, decays["neg"], params, spindles, bases, w)
    fit_neg.decay_part = -fit_neg.decay_part
    fit_neg.spindle_part = -fit_neg.spindle_part
    return Disentangled(pos=fit_pos, neg=fit_neg, decay=decay)
