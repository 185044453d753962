"""Figures of interaction strength over orders: per checkpoint, over training, real vs theory.

All functions take plain numpy arrays, draw on ``ax`` (a new styled figure when None) and
return the axes, like shapiq's plots. Interaction strength is in the units of the game's
output ``v`` (log-odds by default).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from matplotlib.axes import Axes

from harsanyi.metrics import mean_order
from harsanyi.report.style import (
    PALETTE,
    SEQUENTIAL_CMAP,
    as_1d,
    as_2d,
    checkpoint_colors,
    new_axes,
    styled,
)

__all__ = [
    "default_selection",
    "plot_decay_spindle",
    "plot_decay_spindle_profile",
    "plot_distribution_over_checkpoints",
    "plot_order_distribution",
    "plot_real_vs_theory",
]

STRENGTH_LABEL = "strength (log-odds units)"


def _orders(orders: Any, n: int) -> np.ndarray:
    if orders is None:
        return np.arange(1, n + 1, dtype=np.float64)
    return as_1d(orders, "orders", n)


def default_selection(epochs: Sequence[float] | np.ndarray, count: int = 6) -> list[float]:
    """Up to ``count`` epochs spread evenly over ``epochs``, always with the first and last.

    >>> default_selection([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 3)
    [0.0, 5.0, 10.0]
    """
    ep = np.asarray(epochs, dtype=np.float64)
    if ep.size == 0:
        return []
    idx = np.unique(np.round(np.linspace(0, ep.size - 1, min(count, ep.size))).astype(int))
    return [float(ep[i]) for i in idx]


def _indices_of(epochs: np.ndarray, selected: Sequence[float]) -> list[int]:
    out = []
    for e in selected:
        hits = np.flatnonzero(np.isclose(epochs, float(e)))
        if hits.size == 0:
            raise ValueError(f"selected epoch {e!r} is not one of the checkpoints' epochs "
                             f"{epochs.tolist()}")
        out.append(int(hits[0]))
    return out


@styled
def plot_order_distribution(pos: Any, neg: Any, orders: Any = None, ax: Axes | None = None, *,
                            title: str | None = None, ylabel: str = STRENGTH_LABEL) -> Axes:
    """Bars of the positive and negative interaction strength of each order (papers B and D).

    For each order ``k`` the bar above zero is ``J_pos^(k) = A^(k)+ = E_x Σ_type Σ_{|S|=k,
    |I|≥τ} max(I_type(S|x), 0)`` and the bar below zero is ``J_neg^(k) = A^(k)−`` (the same
    sum of ``min(I, 0)``). ``neg`` may be given as those (≤ 0) sums or as magnitudes: it is
    always drawn below zero.

    >>> ax = plot_order_distribution([3.0, 1.0, 0.2], [-1.0, -0.5, -0.1])
    >>> len(ax.patches), ax.get_xlabel()
    (6, 'interaction order k')
    """
    p = as_1d(pos, "pos")
    q = -np.abs(as_1d(neg, "neg", p.size))
    k = _orders(orders, p.size)
    ax = new_axes(ax)
    ax.bar(k, p, width=0.8, color=PALETTE["blue"], label="positive  $A^{(k)+}$")
    ax.bar(k, q, width=0.8, color=PALETTE["vermillion"], label="negative  $A^{(k)-}$")
    ax.axhline(0.0, color=PALETTE["black"], linewidth=0.6)
    ax.set_xticks(k)
    ax.set_xlabel("interaction order k")
    ax.set_ylabel(ylabel)
    if title:
        ax.set_title(title)
    ax.legend(loc="upper right", frameon=False)
    return ax


@styled
def plot_distribution_over_checkpoints(
    dist: Any,
    epochs: Any,
    selected: Sequence[float] | None = None,
    ax: Axes | None = None,
    *,
    style: str = "lines",
    orders: Any = None,
) -> Axes:
    """Plot the normalised distribution ``I_real^(k)(t)`` over orders, across checkpoints.

    ``dist[t, k-1] = I_real^(k)`` at ``epochs[t]``, normalised so that ``Σ_k I_real^(k) = 1``
    (paper A §3.2). ``style="lines"`` draws one line per selected epoch (default: six spread
    over training), coloured from dark (early) to light (late); ``style="heatmap"`` draws all
    checkpoints as an epoch × order map with the mean order ``k̄(t) = Σ_k k I_real^(k)(t)``
    (:func:`harsanyi.metrics.mean_order`) overlaid as a line. A NaN row (nothing salient at
    that checkpoint) is left blank.

    >>> d = np.array([[.5, .3, .2], [.8, .15, .05], [.6, .25, .15]])
    >>> ax = plot_distribution_over_checkpoints(d, [0, 5, 10])
    >>> len(ax.lines)
    3
    >>> ax = plot_distribution_over_checkpoints(d, [0, 5, 10], style="heatmap")
    >>> len(ax.collections), len(ax.lines)
    (1, 1)
    """
    ep = as_1d(epochs, "epochs")
    d = as_2d(dist, "dist", (ep.size, None))
    k = _orders(orders, d.shape[1])
    ax = new_axes(ax)
    if style == "lines":
        chosen = default_selection(ep) if selected is None else list(selected)
        idx = _indices_of(ep, chosen)
        for color, i in zip(checkpoint_colors(len(idx)), idx, strict=True):
            ax.plot(k, d[i], marker="o", markersize=3.5, color=color, label=f"epoch {ep[i]:g}")
        ax.set_xticks(k)
        ax.set_xlabel("interaction order k")
        ax.set_ylabel("normalised strength $I^{(k)}_{real}$")
        ax.legend(frameon=False, ncols=2)
    elif style == "heatmap":
        if ep.size > 1:
            mid = (ep[1:] + ep[:-1]) / 2
            edges = np.concatenate([[ep[0] - (mid[0] - ep[0])], mid, [ep[-1] + (ep[-1] - mid[-1])]])
        else:
            edges = np.array([ep[0] - 0.5, ep[0] + 0.5])
        k_edges = np.concatenate([k - 0.5, [k[-1] + 0.5]])
        mesh = ax.pcolormesh(edges, k_edges, d.T, cmap=SEQUENTIAL_CMAP, shading="flat")
        ax.plot(ep, mean_order(d), color="white", linewidth=1.5, label="mean order $\\bar k(t)$")
        ax.figure.colorbar(mesh, ax=ax, label="$I^{(k)}_{real}$", pad=0.01)
        ax.set_xlabel("epoch")
        ax.set_ylabel("interaction order k")
        ax.grid(False)
        ax.legend(loc="upper right", frameon=False, labelcolor="white")
    else:
        raise ValueError(f"style must be 'lines' or 'heatmap', got {style!r}")
    return ax


@styled
def plot_real_vs_theory(real: Any, theo: Any, sigma2: float, ax: Axes | None = None, *,
                        orders: Any = None, epoch: float | None = None) -> Axes:
    """Real distribution (bars) against the two-phase model's theoretical one (line), paper A.

    ``I_real^(k)`` from the network, ``I_theo^(k)`` from ``ŵ = (JᵀJ + 2^n diag(c))⁻¹ JᵀJ w*``
    with ``c_T = 2^{|T|} σ²`` at the fitted ``σ²`` (A, Theorem 3), both normalised to sum 1.

    >>> ax = plot_real_vs_theory([.8, .15, .05], [.78, .17, .05], 1e-2, epoch=12)
    >>> len(ax.patches), len(ax.lines)
    (3, 1)
    """
    r = as_1d(real, "real")
    t = as_1d(theo, "theo", r.size)
    k = _orders(orders, r.size)
    ax = new_axes(ax, width=3.6, height=3.0)
    ax.bar(k, r, width=0.75, color=PALETTE["sky"], label="real $I^{(k)}_{real}$")
    ax.plot(k, t, marker="o", markersize=4, color=PALETTE["vermillion"],
            label=f"theory, $\\sigma^2$ = {sigma2:.2g}")
    ax.set_xticks(k)
    ax.set_xlabel("interaction order k")
    ax.set_ylabel("normalised strength")
    if epoch is not None:
        ax.set_title(f"epoch {epoch:g}")
    ax.legend(frameon=False)
    return ax


@styled
def plot_decay_spindle(decay: Any, spindle: Any, epochs: Any, ax: Axes | None = None, *,
                       real: Any = None) -> Axes:
    """Total strength of the decay-shaped and spindle-shaped parts over training (paper D).

    Draws ``Σ_m |A^(m)_decay(t)|`` and ``Σ_m |A^(m)_spindle(t)|`` against the epoch (and
    ``Σ_m |A^(m)_real(t)|`` when ``real`` is given), where ``A_real ≈ A_decay + A_spindle`` is
    the per-checkpoint fit of the two families.

    >>> dec = np.array([[1., .5], [2., .6]]); spi = np.array([[.1, .2], [.3, .5]])
    >>> len(plot_decay_spindle(dec, spi, [1, 2]).lines)
    2
    """
    ep = as_1d(epochs, "epochs")
    dec = as_2d(decay, "decay", (ep.size, None))
    spi = as_2d(spindle, "spindle", dec.shape)
    ax = new_axes(ax)
    ax.plot(ep, np.abs(dec).sum(axis=1), marker="o", markersize=3, color=PALETTE["blue"],
            label="decay part (generalisable)")
    ax.plot(ep, np.abs(spi).sum(axis=1), marker="s", markersize=3, color=PALETTE["orange"],
            label="spindle part (non-generalisable)")
    if real is not None:
        rl = as_2d(real, "real", dec.shape)
        ax.plot(ep, np.abs(rl).sum(axis=1), color=PALETTE["black"], linestyle=":",
                label="real (total)")
    ax.set_xlabel("epoch")
    ax.set_ylabel("total strength $\\sum_m |A^{(m)}|$")
    ax.legend(frameon=False)
    return ax


@styled
def plot_decay_spindle_profile(decay: Any, spindle: Any, real: Any = None,
                               ax: Axes | None = None, *, orders: Any = None,
                               epoch: float | None = None) -> Axes:
    """Decay and spindle parts by order at one checkpoint, stacked, with the real strength.

    Bars: ``|A^(m)_decay|`` and ``|A^(m)_spindle|`` stacked on top; markers: ``|A^(m)_real|``.

    >>> ax = plot_decay_spindle_profile([2., 1., .3], [.1, .4, .2], real=[2.1, 1.4, .5])
    >>> len(ax.patches), len(ax.lines)
    (6, 1)
    """
    dec = np.abs(as_1d(decay, "decay"))
    spi = np.abs(as_1d(spindle, "spindle", dec.size))
    k = _orders(orders, dec.size)
    ax = new_axes(ax, width=3.6, height=3.0)
    ax.bar(k, dec, width=0.75, color=PALETTE["blue"], label="decay")
    ax.bar(k, spi, bottom=dec, width=0.75, color=PALETTE["orange"], label="spindle")
    if real is not None:
        ax.plot(k, np.abs(as_1d(real, "real", dec.size)), linestyle="none", marker="D",
                markersize=4, color=PALETTE["black"], label="real")
    ax.set_xticks(k)
    ax.set_xlabel("interaction order m")
    ax.set_ylabel("$|A^{(m)}|$ (log-odds units)")
    if epoch is not None:
        ax.set_title(f"epoch {epoch:g}")
    ax.legend(frameon=False)
    return ax
