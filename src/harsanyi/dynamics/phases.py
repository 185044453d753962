"""Two-phase dynamics over checkpoints (papers A, B, D).

Two-phase dynamics (papers A, B, D): distributions over orders per checkpoint, the phase
boundary, the loss-gap onset, train-vs-test similarity by order, and groups of samples.

Per checkpoint ``t`` and order ``k = 1..n`` (docs/theory.md#orders), all computed by
:mod:`harsanyi.metrics`:

* ``A^(k)±(t) = E_x Σ_type Σ_{|S|=k, |I| ≥ τ} max/min(I_type(S|x), 0)`` (``J_pos`` / ``J_neg``
  of paper B with the salient threshold ``τ = 0.03 E_x|v(x) − v(x_∅)|``, ``reference="total"``;
  paper D's ``A^(m),±`` with ``τ = 0``);
* ``I_real^(k)(t)``: ``A^(k)+ − A^(k)−`` normalised to sum 1 over ``k = 1..n`` (NaN at a
  checkpoint where nothing is salient);
* the mean order ``k̄(t) = Σ_k k I_real^(k)(t)`` (NaN where ``I_real`` is NaN or 0).

The rules for the phase boundary and the gap onset are **our reconstruction** ([RECON],
docs/theory.md#phases, parameters in :class:`PhaseRule`):

1. phase-2 start ``t* = argmin_{t ≥ t_0} k̄(t)`` (``method="mean_order"``), or the first
   ``t ≥ t_0`` after which the high-order mass ``H(t) = Σ_{k ≥ high_order} I_real^(k)``
   increases over ``rise_steps`` consecutive checkpoints (``method="high_order_mass"``);
2. gap onset ``t_gap = min{t : gap(t) − min_{s≤t} gap(s) > ε}`` with ``gap = test loss −
   train loss`` and ``ε = gap_eps · |gap(final)|`` (``anchor="min"`` reports instead the
   last minimum ``argmin_{s ≤ t_gap} gap(s)``, where the rise starts);
3. their distance ``|epoch(t*) − epoch(t_gap)|`` in epochs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from harsanyi.core.orders import orders_index
from harsanyi.core.transforms import n_players
from harsanyi.errors import ShapeError
from harsanyi.metrics import (
    distribution_from_strength,
    mean_order,
    salient_threshold,
    signed_strength_by_order,
)

__all__ = [
    "OrderProfile",
    "PhaseAnalysis",
    "PhaseRule",
    "distribution_by_group",
    "gap_onset",
    "order_profile",
    "phase_boundary",
    "train_test_similarity",
    "two_phase",
]


@dataclass(frozen=True)
class PhaseRule:
    """Parameters of the phase-boundary and gap-onset rules (our reconstruction).

    >>> PhaseRule().method, PhaseRule(burn_in=0).burn_in
    ('mean_order', 0)
    """

    burn_in: int = 1
    method: str = "mean_order"
    high_order: int = 3
    rise_steps: int = 3
    gap_eps: float = 0.05
    anchor: str = "exceed"
    ratio: float = 0.03

    def __post_init__(self) -> None:
        if self.method not in ("mean_order", "high_order_mass"):
            raise ValueError(f"method must be 'mean_order' or 'high_order_mass'; got "
                             f"{self.method!r}")
        if self.anchor not in ("exceed", "min"):
            raise ValueError(f"anchor must be 'exceed' or 'min'; got {self.anchor!r}")
        if self.burn_in < 0 or self.rise_steps < 1 or self.gap_eps < 0:
            raise ValueError("burn_in >= 0, rise_steps >= 1 and gap_eps >= 0 are required")


@dataclass
class OrderProfile:
    """Distributions over orders of one group of samples at each of ``K`` checkpoints.

    ``pos``/``neg`` ``(K, n)``: salient ``A^(k)±`` for ``k = 1..n`` averaged over the samples;
    ``strength_pos``/``strength_neg``: the same with ``τ = 0`` (paper D); ``real`` ``(K, n)``:
    ``I_real^(k)`` for ``k = 1..n`` (NaN rows where nothing is salient); ``mean_order`` ``(K,)``;
    ``tau`` ``(K,)``: the thresholds used.
    """

    pos: np.ndarray
    neg: np.ndarray
    strength_pos: np.ndarray
    strength_neg: np.ndarray
    real: np.ndarray
    mean_order: np.ndarray
    tau: np.ndarray


def _check(and_values: Any, or_values: Any) -> tuple[np.ndarray, np.ndarray]:
    a = np.asarray(and_values, dtype=np.float64)
    o = np.zeros_like(a) if or_values is None else np.asarray(or_values, dtype=np.float64)
    if a.ndim != 3 or o.shape != a.shape:
        raise ShapeError(f"interactions must be (K checkpoints, samples, 2**n); got "
                         f"{a.shape} and {o.shape}")
    n_players(a)
    return a, o


def order_profile(
    and_values: Any, or_values: Any, tau: Any,
) -> OrderProfile:
    """Compute the :class:`OrderProfile` of interactions over checkpoints.

    :class:`OrderProfile` of ``(K, B, 2**n)`` interactions, with one salient threshold per
    checkpoint (``tau`` scalar or ``(K,)``).

    >>> a = np.zeros((2, 1, 4)); a[0, 0, 1] = 1.0; a[1, 0, 3] = 1.0
    >>> p = order_profile(a, None, 0.5)
    >>> p.real.tolist(), p.mean_order.tolist()
    ([[1.0, 0.0], [0.0, 1.0]], [1.0, 2.0])
    """
    a, o = _check(and_values, or_values)
    K = a.shape[0]
    taus = np.broadcast_to(np.asarray(tau, dtype=np.float64), (K,)).copy()
    pos, neg = signed_strength_by_order(a, o, taus[:, None])
    spos, sneg = signed_strength_by_order(a, o, 0.0)
    real = distribution_from_strength((pos - neg).mean(1))
    return OrderProfile(pos=pos.mean(1), neg=neg.mean(1), strength_pos=spos.mean(1),
                        strength_neg=sneg.mean(1), real=real, mean_order=mean_order(real),
                        tau=taus)


def phase_boundary(real: np.ndarray, rule: PhaseRule | None = None) -> int | None:
    """Index of the phase-2 start from ``I_real`` ``(K, n)`` (see the module docstring).

    A checkpoint without salient interactions (a NaN row, or an all-zero one) has no mean
    order and is never the boundary.

    >>> real = np.array([[.2, .3, .5], [.8, .2, 0], [.9, .1, 0], [.7, .2, .1], [.5, .3, .2]])
    >>> phase_boundary(real), phase_boundary(real, PhaseRule(method="high_order_mass",
    ...                                                      high_order=2, rise_steps=2))
    (2, 2)
    """
    rule = rule or PhaseRule()
    real = np.asarray(real, dtype=np.float64)
    K, n = real.shape
    if rule.burn_in >= K:
        return None
    if rule.method == "mean_order":
        kbar = mean_order(real)
        tail = kbar[rule.burn_in:]
        if np.isnan(tail).all():
            return None
        return int(rule.burn_in + np.nanargmin(tail))
    H = real[:, rule.high_order - 1:].sum(axis=1) if rule.high_order <= n else np.zeros(K)
    for t in range(rule.burn_in, K - rule.rise_steps):
        steps = np.diff(H[t: t + rule.rise_steps + 1])
        if np.all(steps > 0):
            return t
    return None


def gap_onset(train_loss: Any, test_loss: Any, rule: PhaseRule | None = None) -> int | None:
    """Return the index where the loss gap starts to grow.

    Index where the loss gap ``test − train`` starts to grow (see the module docstring);
    ``None`` if it never rises by more than ``ε``.

    >>> train, test = [1, .8, .6, .5, .4, .3], [1.2, .9, .65, .55, .6, .8]  # gap min at t=2
    >>> gap_onset(train, test), gap_onset(train, test, PhaseRule(anchor="min"))
    (4, 2)
    """
    rule = rule or PhaseRule()
    gap = np.asarray(test_loss, dtype=np.float64) - np.asarray(train_loss, dtype=np.float64)
    if gap.ndim != 1 or gap.size == 0:
        raise ShapeError(f"losses must be 1-d and non-empty; got gap shape {gap.shape}")
    if np.isnan(gap).any():
        raise ValueError("the train/test losses are missing (NaN) at some checkpoints: the "
                         "loss gap needs both at every checkpoint")
    eps = rule.gap_eps * abs(gap[-1])
    rise = gap - np.minimum.accumulate(gap)
    hits = np.flatnonzero(rise > eps)
    if hits.size == 0:
        return None
    t = int(hits[0])
    if rule.anchor == "min":
        t = int(np.argmin(gap[: t + 1]))
    return t


@dataclass
class PhaseAnalysis:
    """Result of :func:`two_phase`.

    Result of :func:`two_phase`: per-split :class:`OrderProfile` s, the losses, the phase
    boundary and the gap onset (indices and epochs) and their distance in epochs.
    """

    epochs: np.ndarray
    profiles: dict[str, OrderProfile]
    train_loss: np.ndarray
    test_loss: np.ndarray
    boundary: int | None
    onset: int | None
    rule: PhaseRule = field(default_factory=PhaseRule)

    @property
    def gap(self) -> np.ndarray:
        """``test_loss − train_loss`` per checkpoint."""
        return self.test_loss - self.train_loss

    @property
    def boundary_epoch(self) -> int | None:
        """Epoch of the phase-2 start."""
        return None if self.boundary is None else int(self.epochs[self.boundary])

    @property
    def onset_epoch(self) -> int | None:
        """Epoch of the gap onset."""
        return None if self.onset is None else int(self.epochs[self.onset])

    @property
    def distance(self) -> int | None:
        """``|epoch(t*) − epoch(t_gap)|`` in epochs (``None`` if either is undefined)."""
        if self.boundary is None or self.onset is None:
            return None
        return abs(self.boundary_epoch - self.onset_epoch)


def two_phase(
    and_values: Any,
    or_values: Any,
    values: Any,
    *,
    epochs: Any = None,
    split: Any = None,
    train_loss: Any = None,
    test_loss: Any = None,
    rule: PhaseRule | None = None,
    boundary_split: str = "test",
) -> PhaseAnalysis:
    """Two-phase analysis of interactions ``(K, B, 2**n)`` over ``K`` checkpoints.

    ``values`` ``(K, B, 2**n)`` give ``τ(t) = ratio · E_x|v(x) − v(x_∅)|`` over all samples at
    checkpoint ``t`` (``rule.ratio``, ``reference="total"``); ``split`` (``"train"``/``"test"``
    per sample) gives profiles ``"train"``, ``"test"`` and ``"all"``; the boundary uses
    ``boundary_split`` (``"all"`` when that split is empty). For a run store:
    :func:`harsanyi.analysis.analyse_phases`.

    >>> a = np.zeros((3, 2, 4)); a[:, :, 3] = np.array([.5, .1, .9])[:, None]
    >>> a[:, :, 1] = 1.0; v = np.zeros((3, 2, 4)); v[..., 3] = 2.0
    >>> res = two_phase(a, None, v, train_loss=[1, .5, .2], test_loss=[1.1, .55, .9])
    >>> res.boundary_epoch, res.onset_epoch, res.distance
    (1, 2, 1)
    """
    rule = rule or PhaseRule()
    a, o = _check(and_values, or_values)
    v = np.asarray(values, dtype=np.float64)
    if v.shape != a.shape:
        raise ShapeError(f"values have shape {v.shape}, interactions {a.shape}")
    K, B = a.shape[:2]
    ep = np.arange(K) if epochs is None else np.asarray(epochs)
    labels = np.asarray(["all"] * B if split is None else list(split))
    if ep.shape != (K,) or labels.shape != (B,):
        raise ShapeError(f"epochs must be ({K},) and split ({B},); got {ep.shape}, "
                         f"{labels.shape}")
    taus = salient_threshold(v, rule.ratio)[:, 0]
    profiles = {"all": order_profile(a, o, taus)}
    for name in ("train", "test"):
        sel = labels == name
        if sel.any():
            profiles[name] = order_profile(a[:, sel], o[:, sel], taus)
    prof = profiles.get(boundary_split, profiles["all"])
    boundary = phase_boundary(prof.real, rule)
    tr = np.full(K, np.nan) if train_loss is None else np.asarray(train_loss, np.float64)
    te = np.full(K, np.nan) if test_loss is None else np.asarray(test_loss, np.float64)
    onset = None if (np.isnan(tr).any() or np.isnan(te).any()) else gap_onset(tr, te, rule)
    return PhaseAnalysis(epochs=ep, profiles=profiles, train_loss=tr, test_loss=te,
                         boundary=boundary, onset=onset, rule=rule)


def _nonneg(a: np.ndarray, o: np.ndarray, k: int) -> np.ndarray:
    idx = orders_index(n_players(a))[k]
    parts = [np.maximum(a[..., idx], 0), -np.minimum(a[..., idx], 0),
             np.maximum(o[..., idx], 0), -np.minimum(o[..., idx], 0)]
    return np.concatenate(parts, axis=-1)


def train_test_similarity(
    and_values: Any, or_values: Any, split: Any, classes: Any,
) -> np.ndarray:
    """Compare the interactions of training and test samples by order (paper B).

    Paper B's generalisation of interactions by order: ``E_c[Sim(Ī_c,train^(k),
    Ī_c,test^(k))]`` for ``k = 1..n``, per checkpoint.

    ``Ī = E_{x∈c}[max(I,0); −min(I,0)]`` over all order-``k`` subsets (AND and OR concatenated;
    players must mean the same thing in every sample) and ``Sim(a, b) = ‖min(a,b)‖₁ /
    ‖max(a,b)‖₁`` ([RECON], following Zhou et al. 2024). Inputs ``(K, B, 2**n)`` (or
    ``(B, 2**n)``); returns ``(K, n)`` (or ``(n,)``), NaN where no class has both splits.

    >>> a = np.zeros((2, 4)); a[:, 1] = 1.0; a[0, 3] = 1.0
    >>> train_test_similarity(a, None, ["train", "test"], [0, 0]).tolist()
    [1.0, 0.0]
    """
    a = np.asarray(and_values, dtype=np.float64)
    single = a.ndim == 2
    if single:
        a = a[None]
        or_values = None if or_values is None else np.asarray(or_values)[None]
    a, o = _check(a, or_values)
    split, classes = np.asarray(split), np.asarray(classes)
    K, B = a.shape[:2]
    if split.shape != (B,) or classes.shape != (B,):
        raise ShapeError(f"split and classes need one entry per sample ({B})")
    n = n_players(a)
    out = np.full((K, n), np.nan)
    for k in range(1, n + 1):
        sims = []
        for c in np.unique(classes):
            tr = (classes == c) & (split == "train")
            te = (classes == c) & (split == "test")
            if not tr.any() or not te.any():
                continue
            x = _nonneg(a[:, tr], o[:, tr], k).mean(axis=1)
            y = _nonneg(a[:, te], o[:, te], k).mean(axis=1)
            den = np.maximum(x, y).sum(-1)
            sims.append(np.divide(np.minimum(x, y).sum(-1), den, out=np.full(K, np.nan),
                                  where=den > 0))
        if sims:
            stack = np.stack(sims)
            count = (~np.isnan(stack)).sum(axis=0)
            total = np.nansum(stack, axis=0)
            out[:, k - 1] = np.divide(total, count, out=np.full(K, np.nan), where=count > 0)
    return out[0] if single else out


def distribution_by_group(
    and_values: Any, or_values: Any, labels: Any, tau: Any,
) -> dict[Any, OrderProfile]:
    """Compute an :class:`OrderProfile` per group of samples.

    :class:`OrderProfile` of each group of samples side by side (e.g. samples with flipped
    labels vs clean ones: papers A/B find the former rely on higher orders). Inputs
    ``(K, B, 2**n)``, ``labels`` ``(B,)``, ``tau`` scalar or ``(K,)`` (use one threshold for
    all groups so that they compare).

    >>> a = np.zeros((1, 2, 4)); a[0, 0, 1] = 1.0; a[0, 1, 3] = 1.0
    >>> prof = distribution_by_group(a, None, [False, True], 0.5)
    >>> prof[False].mean_order.tolist(), prof[True].mean_order.tolist()
    ([1.0], [2.0])
    """
    a, o = _check(and_values, or_values)
    labels = np.asarray(labels)
    if labels.shape != (a.shape[1],):
        raise ShapeError(f"labels need one entry per sample ({a.shape[1]}); got {labels.shape}")
    out = {}
    for g in np.unique(labels):
        sel = labels == g
        out[g.item() if hasattr(g, "item") else g] = order_profile(a[:, sel], o[:, sel], tau)
    return out
