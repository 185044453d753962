"""The five groups of interaction dynamics of paper C.

Reliable, withdrawn, forgotten, betraying and fluctuating interactions.

Paper C (Table 2) defines the groups through ``I_t = I(S | x, θ_t)`` and its slope ``∇_t I``:

* reliable:    ``∀t: I_t ∇_t I_t ≥ 0``  (learned and kept)
* withdrawn:   ``∃t_mid``: ``I_t ∇_t I_t ≥ 0`` before ``t_mid``, ``≤ 0`` after (learned, then
  removed)
* forgotten:   ``∀t: I_t ∇_t I_t ≤ 0``  (present at initialisation, then removed)
* betraying:   ``∃t_mid: ∀t_1 < t_mid < t_2: I_{t_1} I_{t_2} ≤ 0`` (changes sign)
* fluctuating: ``I_t`` and ``∇_t I_t`` oscillate around zero.

The paper's thresholds are not public: :class:`GroupRule` is **our reconstruction** ([RECON],
docs/theory.md#five-groups), with every tolerance a parameter:

1. optionally smooth the curve with a centred moving average (``smooth`` points);
2. ``s = max_t |I_t|``; values with ``|I_t| < value_band·s`` count as zero;
3. ``d_t = I_{t+1} − I_t``; ``p_t = sign(I_t d_t)``, 0 when ``|I_t| < value_band·s`` or
   ``|d_t| < slope_band·s``;
4. every "for all" test tolerates a fraction ``violation`` of offending points;
5. the first group that matches wins: betraying (one sign before a split, the other after, with
   ``max |I| ≥ betray_min·s`` on both sides), reliable (``p ≥ 0`` and ``|I_K| ≥ final_min·s``),
   forgotten (``p ≤ 0`` and ``|I_1| ≥ initial_min·s``), withdrawn (``p ≥ 0`` then ``p ≤ 0`` and
   ``|I_K| ≤ withdrawn_max·s``), fluctuating (everything else).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from harsanyi.core.orders import members, order_of_masks
from harsanyi.core.transforms import n_players
from harsanyi.errors import ShapeError

__all__ = [
    "GROUPS",
    "FiveGroups",
    "GroupRule",
    "classify_curve",
    "classify_curves",
    "five_groups",
    "top_interactions",
]

GROUPS = ("reliable", "withdrawn", "forgotten", "betraying", "fluctuating")


@dataclass(frozen=True)
class GroupRule:
    """Tolerances of the five-group rule (our reconstruction; see the module docstring).

    >>> GroupRule().violation, GroupRule(smooth=1).smooth
    (0.1, 1)
    """

    smooth: int = 3
    value_band: float = 0.05
    slope_band: float = 0.02
    violation: float = 0.10
    betray_min: float = 0.3
    final_min: float = 0.5
    initial_min: float = 0.5
    withdrawn_max: float = 0.5

    def __post_init__(self) -> None:
        if int(self.smooth) < 1:
            raise ValueError(f"smooth must be >= 1 (1 = no smoothing); got {self.smooth}")
        for name in ("value_band", "slope_band", "violation", "betray_min", "final_min",
                     "initial_min", "withdrawn_max"):
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0:
                raise ValueError(f"{name} is a fraction in [0, 1]; got {value}")


def _smooth(curve: np.ndarray, width: int) -> np.ndarray:
    if width <= 1 or curve.size < 3:
        return curve
    half = width // 2
    csum = np.concatenate([[0.0], np.cumsum(curve)])
    idx = np.arange(curve.size)
    lo, hi = np.maximum(idx - half, 0), np.minimum(idx + half + 1, curve.size)
    return (csum[hi] - csum[lo]) / (hi - lo)


def _allowed(count: int, rule: GroupRule) -> int:
    return int(np.floor(rule.violation * count + 1e-9))


def classify_curve(curve: np.ndarray, rule: GroupRule | None = None) -> str:
    """Return the group of one interaction's curve ``I_1, ..., I_K`` over checkpoints.

    >>> t = np.linspace(0, 1, 20)
    >>> classify_curve(1 - np.exp(-5 * t)), classify_curve(np.exp(-5 * t))
    ('reliable', 'forgotten')
    >>> classify_curve(10 * t * np.exp(-5 * t)), classify_curve(np.cos(np.pi * t))
    ('withdrawn', 'betraying')
    >>> classify_curve(np.sin(6 * np.pi * t))
    'fluctuating'
    """
    rule = rule or GroupRule()
    raw = np.asarray(curve, dtype=np.float64)
    if raw.ndim != 1 or raw.size < 2:
        raise ShapeError(f"a curve is a 1-d array of >= 2 checkpoints; got shape {raw.shape}")
    I = _smooth(raw, int(rule.smooth))
    s = float(np.abs(I).max())
    if not np.isfinite(s):
        raise ValueError("the curve has non-finite values")
    if s == 0.0:
        return "fluctuating"
    K = I.size
    eps_i, eps_d = rule.value_band * s, rule.slope_band * s
    sig = np.where(np.abs(I) < eps_i, 0, np.sign(I)).astype(int)
    d = np.diff(I)
    p = np.sign(I[:-1] * d).astype(int)
    p[(np.abs(I[:-1]) < eps_i) | (np.abs(d) < eps_d)] = 0
    # betraying: one sign before a split, the opposite after
    for m in range(1, K):
        for s0 in (1, -1):
            viol = int((sig[:m] == -s0).sum() + (sig[m:] == s0).sum())
            if (viol <= _allowed(K, rule) and (s0 * I[:m]).max() >= rule.betray_min * s
                    and (-s0 * I[m:]).max() >= rule.betray_min * s):
                return "betraying"
    L = p.size
    if (p < 0).sum() <= _allowed(L, rule) and abs(I[-1]) >= rule.final_min * s:
        return "reliable"
    if (p > 0).sum() <= _allowed(L, rule) and abs(I[0]) >= rule.initial_min * s:
        return "forgotten"
    if abs(I[-1]) <= rule.withdrawn_max * s:
        for m in range(1, L):
            if ((p[:m] < 0).sum() <= _allowed(m, rule)
                    and (p[m:] > 0).sum() <= _allowed(L - m, rule)
                    and (p[:m] > 0).any() and (p[m:] < 0).any()):
                return "withdrawn"
    return "fluctuating"


def classify_curves(curves: np.ndarray, rule: GroupRule | None = None) -> np.ndarray:
    """Classify many curves: ``curves`` ``(..., K)`` -> array of group names ``(...)``.

    >>> classify_curves(np.array([[0.0, 0.5, 1.0, 1.0], [1.0, 0.5, 0.1, 0.0]])).tolist()
    ['reliable', 'forgotten']
    """
    curves = np.asarray(curves, dtype=np.float64)
    flat = curves.reshape(-1, curves.shape[-1])
    out = np.array([classify_curve(c, rule) for c in flat], dtype=object)
    return out.reshape(curves.shape[:-1])


def top_interactions(
    and_values: np.ndarray, or_values: np.ndarray, k: int = 100
) -> tuple[np.ndarray, np.ndarray]:
    """Select the ``k`` interactions of each sample with the largest ``max_t |I|``.

    The ``k`` interactions of each sample with the largest ``max_t |I(S | x, θ_t)|``, AND and
    OR pooled (paper C). ``and_values``/``or_values``: ``(K, B, 2**n)`` (checkpoints, samples,
    subsets). Returns ``(kinds, masks)``, each ``(B, k')`` with ``k' = min(k, #candidates)``;
    ``kinds`` is 0 for AND, 1 for OR. ``I_and(∅)`` (= ``v(∅)``) and OR at ``|S| ≤ 1`` (reported
    on the AND side) are not candidates.

    >>> a = np.zeros((2, 1, 4)); a[1, 0, 3] = 2.0; o = np.zeros((2, 1, 4)); o[0, 0, 3] = -3.0
    >>> kinds, masks = top_interactions(a, o, k=2)
    >>> kinds.tolist(), masks.tolist()
    ([[1, 0]], [[3, 3]])
    """
    a, o = np.asarray(and_values, np.float64), np.asarray(or_values, np.float64)
    if a.shape != o.shape or a.ndim != 3:
        raise ShapeError(f"and_values and or_values must both be (K, B, 2**n); got {a.shape} "
                         f"and {o.shape}")
    n = n_players(a)
    size = 2**n
    strength = np.concatenate([np.abs(a).max(0), np.abs(o).max(0)], axis=-1)  # (B, 2*size)
    orders = order_of_masks(n)
    strength[:, 0] = -np.inf
    strength[:, size:][:, orders <= 1] = -np.inf
    n_cand = size - 1 + int((orders >= 2).sum())
    kk = min(int(k), n_cand)
    top = np.argsort(-strength, axis=-1, kind="stable")[:, :kk]
    return (top >= size).astype(np.int64), top % size


@dataclass
class FiveGroups:
    """Result of :func:`five_groups` for ``B`` samples and the top ``k`` interactions each.

    Attributes: ``curves`` ``(B, k, K)`` (raw ``I_t``), ``kinds`` (0 AND / 1 OR), ``masks``,
    ``orders`` and ``labels`` (group names), each ``(B, k)``; ``epochs`` ``(K,)``; ``n`` the
    number of players.
    """

    curves: np.ndarray
    kinds: np.ndarray
    masks: np.ndarray
    orders: np.ndarray
    labels: np.ndarray
    epochs: np.ndarray
    rule: GroupRule = field(default_factory=GroupRule)
    n: int | None = None

    def counts(self) -> dict[str, float]:
        """Mean number per sample of each group among the top ``k`` (paper C, Table 3)."""
        B = max(self.labels.shape[0], 1)
        return {g: float((self.labels == g).sum()) / B for g in GROUPS}

    def counts_by_order(self) -> np.ndarray:
        """Count each group's interactions per order (paper C, Fig. 7).

        ``(5, n)``: mean count per sample of each group (rows in :data:`GROUPS` order)
        at each order ``k = 1..n`` (paper C, Fig. 7; ``n`` is the highest tracked order when
        the number of players is unknown).
        """
        n = self.n if self.n is not None else max(int(self.orders.max(initial=1)), 1)
        out = np.zeros((len(GROUPS), n))
        for gi, g in enumerate(GROUPS):
            sel = self.labels == g
            out[gi] = np.bincount(self.orders[sel], minlength=n + 1)[1: n + 1]
        return out / max(self.labels.shape[0], 1)

    def curves_of(self, group: str, *, normalize: bool = False) -> np.ndarray:
        """Curves ``(m, K)`` of one group; ``normalize`` divides each by its ``max_t |I_t|``."""
        if group not in GROUPS:
            raise ValueError(f"unknown group {group!r}; choose from {GROUPS}")
        c = self.curves[self.labels == group]
        if normalize and c.size:
            c = c / np.maximum(np.abs(c).max(axis=-1, keepdims=True), 1e-300)
        return c

    def to_frame(self, players: list[str] | None = None) -> Any:
        """Tidy :class:`pandas.DataFrame`: sample, rank, kind, mask, players, order, group."""
        import pandas as pd  # heavy: pandas loads only for tables

        rows = []
        for b, r in np.ndindex(*self.labels.shape):
            m = int(self.masks[b, r])
            who = members(m)
            names = [players[i] for i in who] if players else list(who)
            rows.append((b, r, "or" if self.kinds[b, r] else "and", m, tuple(names),
                         int(self.orders[b, r]), str(self.labels[b, r])))
        return pd.DataFrame(rows, columns=["sample", "rank", "kind", "mask", "players", "order",
                                           "group"])


def five_groups(
    and_values: np.ndarray,
    or_values: np.ndarray,
    *,
    k: int = 100,
    rule: GroupRule | None = None,
    epochs: np.ndarray | None = None,
    scale: np.ndarray | None = None,
) -> FiveGroups:
    """Classify each sample's top interactions into the five groups.

    Classify each sample's top ``k`` interactions (by ``max_t |I|``, AND and OR pooled) into
    the five groups. Inputs ``(K, B, 2**n)``: checkpoints, samples, subsets.

    ``scale`` ``(K, B)`` (optional, [RECON], docs/theory.md#five-groups): the interactions are
    selected on the raw values, then each checkpoint's curve point is divided by
    ``scale[t, b]`` before it is classified, e.g. ``|v_t(N) − v_t(∅)|`` so that the game's
    growing output scale does not hide interactions that fade relative to it.

    >>> t = np.linspace(0, 1, 12)[:, None, None]
    >>> a = np.zeros((12, 1, 4)); a[..., 3:] = 1 - np.exp(-5 * t)
    >>> res = five_groups(a, np.zeros_like(a), k=1)
    >>> res.labels.tolist(), res.counts()["reliable"]
    ([['reliable']], 1.0)
    """
    rule = rule or GroupRule()
    a, o = np.asarray(and_values, np.float64), np.asarray(or_values, np.float64)
    kinds, masks = top_interactions(a, o, k)
    K, B = a.shape[:2]
    both = np.stack([a, o])  # (2, K, B, size)
    b_idx = np.arange(B)[:, None]
    curves = both[kinds, :, b_idx, masks]  # advanced indices first: (B, k, K)
    if scale is not None:
        sc = np.asarray(scale, np.float64)
        if sc.shape != (K, B) or not (sc > 0).all():
            raise ShapeError(f"scale must be positive with shape ({K}, {B}); got {sc.shape}")
        curves = curves / sc.T[:, None, :]
    labels = classify_curves(curves, rule)
    n = n_players(a)
    orders = order_of_masks(n)[masks]
    ep = np.arange(K) if epochs is None else np.asarray(epochs)
    if ep.shape != (K,):
        raise ShapeError(f"epochs has shape {ep.shape}; expected ({K},)")
    return FiveGroups(curves=curves, kinds=kinds, masks=masks, orders=orders, labels=labels,
                      epochs=ep, rule=rule, n=n)
