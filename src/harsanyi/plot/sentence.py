"""The sentence view: words coloured by their strongest interaction, top interactions listed."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from matplotlib.axes import Axes

from harsanyi.extract.interactions import Interactions
from harsanyi.plot.common import (
    KIND_COLORS,
    axes_or_current,
    one_sample,
    ranked,
    set_label,
    strongest_per_player,
    text_color,
)
from harsanyi.report.style import styled

__all__ = ["sentence"]


@styled
def sentence(interactions: Interactions, k: int = 5, *,
             sample: int | tuple[int, ...] | None = None, words: Sequence[str] | None = None,
             ax: Axes | None = None, width: int = 60, title: str | None = None) -> Axes:
    """The players of one sample (the words of a sentence, in order) on a line, each on a
    background coloured by the strongest interaction that contains it (blue: ``I > 0``, red:
    ``I < 0``, white: none; the colour scale is the largest ``|I|``), and below them the ``k``
    strongest interactions as ``AND  good & movie  +1.23``.

    Parameters
    ----------
    interactions : the result of ``hs.and_or`` on a text model (players named by their words).
    k : number of interactions listed.
    sample : which sample of a batch.
    words : names to show instead of the players' names.
    ax : axes to draw on (default: pyplot's current axes).
    width : characters per line before the sentence wraps.

    Example
    -------
    >>> import harsanyi as hs
    >>> g = hs.Game([0.0, 0.0, 0.0, 2.0, 0.0, 0.0, 0.0, 2.0], ["not", "bad", "film"])
    >>> import matplotlib.pyplot as plt
    >>> _ = plt.figure()              # a new figure: the plot draws on its axes
    >>> ax = sentence(hs.and_or(g, q_bound=0.0, solver="exact"), k=2)
    >>> [t.get_text() for t in ax.texts][:4]
    ['not', 'bad', 'film', 'AND  not & bad  +2']
    """
    one = one_sample(interactions, sample)
    names = list(one.players if words is None else words)
    if len(names) != one.n:
        raise ValueError(f"words has {len(names)} entries for {one.n} players")
    strength = strongest_per_player(one)
    scale = float(np.max(np.abs(strength))) if one.n else 0.0
    ax = axes_or_current(ax)
    ax.set_axis_off()
    line_start = previous = None
    col = 0
    for name, value in zip(names, strength, strict=True):
        dark = scale > 0 and abs(value) > 0.6 * scale
        style = {"fontsize": 11, "family": "monospace", "color": "white" if dark else "black",
                 "bbox": {"boxstyle": "round,pad=0.25", "facecolor": text_color(value, scale),
                          "edgecolor": "none"}}
        if previous is None:  # words are chained: each placed after the previous one's box
            previous = line_start = ax.text(0.0, 1.0, name, transform=ax.transAxes,
                                            va="top", ha="left", **style)
        elif col + len(name) > width:
            previous = line_start = ax.annotate(name, xy=(0, 0), xycoords=line_start,
                                                xytext=(0, -8), textcoords="offset points",
                                                va="top", ha="left", **style)
            col = 0
        else:
            previous = ax.annotate(name, xy=(1, 0), xycoords=previous, xytext=(6, 0),
                                   textcoords="offset points", va="bottom", ha="left", **style)
        col += len(name) + 1
    for j, (kind, players, value) in enumerate(ranked(one, k)):
        ax.annotate(f"{kind.upper()}  {set_label(kind, players, names)}  {value:+.3g}",
                    xy=(0, 0), xycoords=line_start, xytext=(0, -12 - 14 * j),
                    textcoords="offset points", va="top", ha="left", fontsize=9,
                    color=KIND_COLORS[kind])
    if title:
        ax.set_title(title)
    return ax
