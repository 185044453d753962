"""Figures over training: loss curves with phase boundaries, the five groups, fitted σ².

Functions take plain numpy arrays, draw on ``ax`` (a new styled figure when None) and return
the axes.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from matplotlib.axes import Axes
from matplotlib.lines import Line2D

from harsanyi.report.style import (
    GROUP_COLORS,
    GROUP_NAMES,
    PALETTE,
    as_1d,
    as_2d,
    new_axes,
    styled,
)

__all__ = [
    "plot_group_counts_by_order",
    "plot_group_curves",
    "plot_losses",
    "plot_sigma2",
]


@styled
def plot_losses(epochs: Any, train: Any, test: Any, phase_boundary: float | None = None,
                gap_onset: float | None = None, ax: Axes | None = None, *,
                show_gap: bool = True, ylabel: str = "loss (nats)") -> Axes:
    """Training and testing loss, their gap ``test − train``, and the detected boundaries.

    The phase boundary ``t* = argmin_t k̄(t)`` (start of the second phase, paper B) and the gap
    onset ``t_gap = min{t : gap(t) − min_{s≤t} gap(s) > ε}`` are drawn as vertical lines; in
    the papers they coincide.

    >>> ax = plot_losses([0, 1, 2, 3], [2., 1., .5, .2], [2., 1.1, .9, 1.], 1, 2)
    >>> len(ax.lines)  # train, test, gap, two boundaries
    5
    """
    ep = as_1d(epochs, "epochs")
    tr = as_1d(train, "train", ep.size)
    te = as_1d(test, "test", ep.size)
    ax = new_axes(ax)
    ax.plot(ep, tr, color=PALETTE["blue"], label="training loss")
    ax.plot(ep, te, color=PALETTE["orange"], label="testing loss")
    if show_gap:
        ax.plot(ep, te - tr, color=PALETTE["black"], linestyle="--", linewidth=1.2,
                label="gap (test − train)")
    if phase_boundary is not None:
        ax.axvline(float(phase_boundary), color=PALETTE["vermillion"], linewidth=1.4,
                   label=f"phase-2 start (epoch {float(phase_boundary):g})")
    if gap_onset is not None:
        ax.axvline(float(gap_onset), color=PALETTE["green"], linewidth=1.4, linestyle="-.",
                   label=f"gap onset (epoch {float(gap_onset):g})")
    ax.set_xlabel("epoch")
    ax.set_ylabel(ylabel)
    ax.legend(frameon=False, loc="best")
    return ax


@styled
def plot_group_curves(curves: Any, groups: Sequence[str], epochs: Any, ax: Axes | None = None,
                      *, normalize: bool = True, alpha: float = 0.55) -> Axes:
    """Curves ``I(S | x, θ_t)`` over checkpoints, coloured by their group (paper C, Table 2).

    With ``normalize`` each curve is divided by ``max_t |I_t|`` so that curves of different
    strength share one scale. The legend gives each group's number of curves.

    >>> c = np.array([[0., .5, 1.], [1., .5, 0.], [0., 1., .2]])
    >>> ax = plot_group_curves(c, ["reliable", "forgotten", "withdrawn"], [1, 2, 3])
    >>> len(ax.lines)  # three curves and the zero line
    4
    """
    ep = as_1d(epochs, "epochs")
    c = as_2d(curves, "curves", (None, ep.size))
    labels = [str(g) for g in groups]
    if len(labels) != c.shape[0]:
        raise ValueError(f"groups has {len(labels)} labels for {c.shape[0]} curves")
    if normalize:
        scale = np.abs(c).max(axis=1, keepdims=True)
        c = c / np.where(scale > 0, scale, 1.0)
    ax = new_axes(ax)
    for row, g in zip(c, labels, strict=True):
        ax.plot(ep, row, color=GROUP_COLORS.get(g, PALETTE["black"]), alpha=alpha,
                linewidth=1.0)
    handles = [Line2D([], [], color=GROUP_COLORS.get(g, PALETTE["black"]),
                      label=f"{g} ({labels.count(g)})")
               for g in list(GROUP_NAMES) + sorted(set(labels) - set(GROUP_NAMES))
               if g in labels]
    ax.axhline(0.0, color=PALETTE["black"], linewidth=0.5)
    ax.set_xlabel("epoch")
    ax.set_ylabel("$I_t / \\max_t |I_t|$" if normalize else "interaction (log-odds units)")
    if handles:
        ax.legend(handles=handles, frameon=False, fontsize=7)
    return ax


@styled
def plot_group_counts_by_order(counts: Any, ax: Axes | None = None, *,
                               groups: Sequence[str] = GROUP_NAMES, orders: Any = None) -> Axes:
    """Stacked bars: how many of the tracked interactions of each order fall in each group.

    ``counts[g, k-1]`` = average number (over samples) of top interactions of order ``k``
    classified in group ``g`` (paper C, Fig. 7: high orders are mostly withdrawn/fluctuating).

    >>> ax = plot_group_counts_by_order(np.ones((5, 4)))
    >>> len(ax.patches)
    20
    """
    names = [str(g) for g in groups]
    cnt = as_2d(counts, "counts", (len(names), None))
    k = (np.arange(1, cnt.shape[1] + 1, dtype=np.float64) if orders is None
         else as_1d(orders, "orders", cnt.shape[1]))
    ax = new_axes(ax)
    bottom = np.zeros(cnt.shape[1])
    for name, row in zip(names, cnt, strict=True):
        ax.bar(k, row, bottom=bottom, width=0.8, color=GROUP_COLORS.get(name, PALETTE["grey"]),
               label=name)
        bottom += row
    ax.set_xticks(k)
    ax.set_xlabel("interaction order k")
    ax.set_ylabel("interactions per sample (count)")
    ax.legend(frameon=False, fontsize=7)
    return ax


@styled
def plot_sigma2(epochs: Any, sigma2: Any, ax: Axes | None = None) -> Axes:
    """Plot the fitted noise level ``σ²_t`` per epoch (log y).

    The fitted noise level ``σ²_t = argmin_σ² ‖I_theo(σ²) − I_real(t)‖₁`` per epoch (log y).

    Paper A models the second phase as ``σ²`` decreasing during training.

    >>> ax = plot_sigma2([10, 20, 30], [1e-1, 1e-2, 1e-3])
    >>> ax.get_yscale()
    'log'
    """
    ep = as_1d(epochs, "epochs")
    s2 = as_1d(sigma2, "sigma2", ep.size)
    ax = new_axes(ax, width=4.0, height=3.0)
    ax.plot(ep, s2, marker="o", markersize=4, color=PALETTE["blue"])
    ax.set_yscale("log")
    ax.set_xlabel("epoch")
    ax.set_ylabel("fitted $\\sigma^2$ (dimensionless)")
    return ax
