"""What every plot of one explanation shares: the sample, the ranked interactions, the axes.

An interaction is a triple ``(kind, S, I)``: ``kind`` is ``"and"`` or ``"or"``, ``S`` the
tuple of its players (ascending) and ``I`` its value ``I_and(S)`` or ``I_or(S)`` (the
singletons are on the AND side; ``I_and(∅)`` is ``v(∅) + q_∅``, never ranked).
"""

from __future__ import annotations

from typing import Any

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes

from harsanyi.core.orders import members, order_of_masks
from harsanyi.extract.interactions import Interactions
from harsanyi.report.style import PALETTE

__all__ = ["KIND_COLORS", "axes_or_current", "one_sample", "ranked", "set_label",
           "strongest_per_player", "text_color"]

#: Colour of each kind: AND interactions blue, OR interactions orange.
KIND_COLORS: dict[str, str] = {"and": PALETTE["blue"], "or": PALETTE["orange"]}


def axes_or_current(ax: Axes | None) -> Axes:
    """``ax``, or pyplot's current axes (so ``plt.savefig`` saves what was drawn).

    >>> axes_or_current(None) is plt.gca()
    True
    """
    return plt.gca() if ax is None else ax


def one_sample(interactions: Interactions, sample: int | tuple[int, ...] | None) -> Interactions:
    """Return the interactions of one sample, ``interactions[sample]``.

    A batch of one needs no index.

    >>> import harsanyi as hs
    >>> I = hs.and_or([[0.0, 0.0, 0.0, 1.0]], q_bound=0.0, solver="exact")
    >>> one_sample(I, None).batch_shape
    ()
    """
    if not isinstance(interactions, Interactions):
        raise TypeError(f"plots take an Interactions result (hs.and_or or hs.mobius); got "
                        f"{type(interactions).__name__}")
    if sample is not None:
        return interactions[sample]
    shape = interactions.batch_shape
    if not shape:
        return interactions
    if int(np.prod(shape)) == 1:
        return interactions[(0,) * len(shape)]
    raise ValueError(f"these interactions hold a batch of shape {shape}: pass sample=<index>")


def ranked(interactions: Interactions, k: int | None = None, *, kinds: tuple[str, ...] = (
        "and", "or"), min_order: int = 1) -> list[tuple[str, tuple[int, ...], float]]:
    """Return the ``k`` strongest interactions ``(kind, S, I)`` of one sample.

    Only sets with ``|S| ≥ min_order``, by ``|I|`` descending (ties: AND first, then by mask);
    exact zeros are left out.

    >>> import harsanyi as hs
    >>> I = hs.and_or([0.0, 1.0, 1.0, 1.0], q_bound=0.0, solver="exact", selection="vertex")
    >>> ranked(I, 2)
    [('or', (0, 1), 1.0)]
    """
    n = interactions.n
    order = order_of_masks(n)
    rows = []
    for kind in kinds:
        values = interactions.and_values if kind == "and" else interactions.or_values
        values = np.asarray(values, dtype=np.float64).reshape(-1)
        if values.size != 2**n:
            raise ValueError("ranked() takes one sample: use one_sample(I, sample) first")
        for m in np.flatnonzero((values != 0.0) & (order >= max(min_order, 1))):
            rows.append((-abs(values[m]), kind != "and", int(m), kind, float(values[m])))
    rows.sort()
    return [(kind, members(m, n), value) for _, _, m, kind, value in rows[:k]]


def set_label(kind: str, players: tuple[int, ...], names: list[str]) -> str:
    """``"good & movie"`` for an AND interaction, ``"good | movie"`` for an OR one.

    >>> set_label("or", (0, 2), ["a", "b", "c"])
    'a | c'
    """
    return (" & " if kind == "and" else " | ").join(names[i] for i in players)


def strongest_per_player(interactions: Interactions) -> np.ndarray:
    """Return, for each player, the value of its strongest interaction.

    For player ``i``, the value ``I`` of the strongest interaction (AND or OR) whose set
    contains ``i`` (0 when there is none).

    >>> import harsanyi as hs
    >>> I = hs.and_or([0.0, 0.0, 0.5, 2.0], q_bound=0.0, solver="exact")
    >>> strongest_per_player(I).tolist()
    [1.5, 1.5]
    """
    out = np.zeros(interactions.n)
    best = np.zeros(interactions.n)
    for _, players, value in ranked(interactions):
        for i in players:
            if abs(value) > best[i]:
                best[i], out[i] = abs(value), value
    return out


def text_color(value: float, scale: float) -> Any:
    """Return the background colour of a word of value ``I`` on the scale ``max |I|``.

    Blue for positive, red for negative, white at zero (matplotlib's ``RdBu``).

    >>> [round(c, 2) for c in text_color(0.0, 1.0)[:3]] == [round(c, 2) for c in
    ...                                                    text_color(0.0, 0.0)[:3]]
    True
    """
    cmap = plt.get_cmap("RdBu")
    return cmap(0.5 + 0.5 * np.clip(value / scale, -1.0, 1.0) if scale > 0 else 0.5)
