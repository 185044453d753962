"""The UpSet-style view of the strongest higher-order interactions of one sample."""

from __future__ import annotations

import numpy as np
from matplotlib.axes import Axes

from harsanyi.extract.interactions import Interactions
from harsanyi.plot.common import KIND_COLORS, axes_or_current, one_sample, ranked
from harsanyi.report.style import styled

__all__ = ["upset"]


@styled
def upset(interactions: Interactions, k: int = 12, *, min_order: int = 2,
          sample: int | tuple[int, ...] | None = None, ax: Axes | None = None,
          title: str | None = None) -> Axes:
    """Draw an UpSet-style view of the ``k`` strongest interactions with ``|S| ≥ min_order``.

    One column per set ``S``, a bar of its value ``I(S)`` on top (blue AND, orange OR) and below it
    a matrix with a dot for every player in ``S``, joined by a line. Rows are the players that
    appear in some shown set.

    ``ax`` becomes a frame holding two inset axes, ``ax.upset_bars`` (the bars) and
    ``ax.upset_matrix`` (the dots); it is returned.

    Example
    -------
    >>> import harsanyi as hs
    >>> v = [0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 3.0]     # AND(x0,x1) and AND(x0,x1,x2)
    >>> import matplotlib.pyplot as plt
    >>> _ = plt.figure()              # a new figure: the plot draws on its axes
    >>> ax = upset(hs.and_or(hs.Game(v, ["a", "b", "c"]), q_bound=0.0, selection="vertex"))
    >>> len(ax.upset_bars.patches), [t.get_text() for t in ax.upset_matrix.get_yticklabels()]
    (2, ['c', 'b', 'a'])
    """
    one = one_sample(interactions, sample)
    top = ranked(one, k, min_order=min_order)
    used = sorted({i for _, players, _ in top for i in players})
    row = {p: r for r, p in enumerate(used[::-1])}
    ax = axes_or_current(ax)
    ax.set_axis_off()
    bars = ax.inset_axes((0.0, 0.42, 1.0, 0.58))
    matrix = ax.inset_axes((0.0, 0.0, 1.0, 0.38), sharex=bars)
    x = np.arange(len(top))
    bars.bar(x, [v for _, _, v in top], color=[KIND_COLORS[kind] for kind, _, _ in top],
             width=0.65)
    bars.axhline(0.0, color="black", linewidth=0.8)
    bars.set_ylabel("I(S)")
    bars.tick_params(labelbottom=False)
    for r in range(len(used)):
        matrix.scatter(x, np.full(len(top), r), s=30, color="0.85", zorder=1)
    for j, (kind, players, _) in enumerate(top):
        rows = sorted(row[p] for p in players)
        matrix.plot([j, j], [rows[0], rows[-1]], color=KIND_COLORS[kind], linewidth=2, zorder=2)
        matrix.scatter([j] * len(rows), rows, s=36, color=KIND_COLORS[kind], zorder=3)
    matrix.set_yticks(range(len(used)), [one.players[p] for p in used[::-1]])
    matrix.set_xticks(x, [kind.upper() for kind, _, _ in top], fontsize=7)
    matrix.set_ylim(-0.6, len(used) - 0.4)
    matrix.grid(False)
    for side in ("top", "right", "left"):
        matrix.spines[side].set_visible(False)
    ax.upset_bars, ax.upset_matrix = bars, matrix
    if title:
        bars.set_title(title)
    return ax
