"""Bar charts of one explanation: the top-k interactions and the strength of every order."""

from __future__ import annotations

import numpy as np
from matplotlib.axes import Axes
from matplotlib.patches import Patch

from harsanyi.extract.interactions import Interactions
from harsanyi.plot.common import KIND_COLORS, axes_or_current, one_sample, ranked, set_label
from harsanyi.report.figures import plot_order_distribution
from harsanyi.report.style import styled

__all__ = ["bar", "orders"]


@styled
def bar(interactions: Interactions, k: int = 10, *, sample: int | tuple[int, ...] | None = None,
        ax: Axes | None = None, title: str | None = None) -> Axes:
    """Horizontal bars of the ``k`` strongest interactions of one sample, AND and OR pooled.

    Bar ``j`` is ``I_and(S)`` (blue, labelled ``a & b``) or ``I_or(S)`` (orange, ``a | b``), in
    the units of the game ``v`` (log-odds by default); the strongest is at the top.

    Parameters
    ----------
    interactions : the result of ``hs.and_or`` (or ``hs.mobius``).
    k : number of bars.
    sample : which sample of a batch (needed unless the batch holds one sample).
    ax : axes to draw on (default: pyplot's current axes).
    title : axes title (default: none).

    Example
    -------
    >>> import harsanyi as hs
    >>> I = hs.and_or(hs.Game([0.0, 1.0, 1.0, 1.0], ["rain", "sprinkler"]), q_bound=0.0,
    ...               solver="exact", selection="vertex")
    >>> import matplotlib.pyplot as plt
    >>> _ = plt.figure()              # a new figure: the plot draws on its axes
    >>> ax = bar(I)
    >>> [t.get_text() for t in ax.get_yticklabels()], len(ax.patches)
    (['OR: rain | sprinkler'], 1)
    """
    one = one_sample(interactions, sample)
    top = ranked(one, k)
    ax = axes_or_current(ax)
    y = np.arange(len(top))[::-1]
    ax.barh(y, [v for _, _, v in top], color=[KIND_COLORS[kind] for kind, _, _ in top],
            height=0.7)
    ax.set_yticks(y, [f"{kind.upper()}: {set_label(kind, s, one.players)}"
                      for kind, s, _ in top])
    ax.axvline(0.0, color="black", linewidth=0.8)
    ax.set_xlabel("interaction I(S)")
    kinds = {kind for kind, _, _ in top}
    ax.legend(handles=[Patch(color=KIND_COLORS[kd], label=kd.upper())
                       for kd in ("and", "or") if kd in kinds], frameon=False,
              loc="lower right")
    if title:
        ax.set_title(title)
    return ax


@styled
def orders(interactions: Interactions, *, sample: int | tuple[int, ...] | None = None,
           ax: Axes | None = None, title: str | None = None) -> Axes:
    """Draw the order distribution of one sample.

    For every order ``k``, the sum of the positive interactions ``Σ_{|S|=k} max(I(S), 0)``
    above zero and of the negative ones below zero, AND and OR together (``S ≠ ∅``).

    Example
    -------
    >>> import harsanyi as hs
    >>> I = hs.and_or([0.0, 1.0, 1.0, 3.0], q_bound=0.0, solver="exact")
    >>> import matplotlib.pyplot as plt
    >>> _ = plt.figure()              # a new figure: the plot draws on its axes
    >>> ax = orders(I)
    >>> len(ax.patches), ax.get_xlabel()
    (4, 'interaction order k')
    """
    one = one_sample(interactions, sample)
    pos, neg = np.zeros(one.n), np.zeros(one.n)
    for _, players, value in ranked(one):
        target = pos if value > 0 else neg
        target[len(players) - 1] += value
    ax = axes_or_current(ax)
    plot_order_distribution(pos, neg, np.arange(1, one.n + 1), ax=ax, title=title,
                            ylabel="sum of I(S) of order k")
    return ax
