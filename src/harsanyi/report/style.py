"""One figure style for every plot of the report: a colour-blind-safe palette and axes helpers.

The palette is Okabe & Ito's eight colours (distinguishable under the common colour-vision
deficiencies); sequential data (checkpoints, epochs) use ``cividis``, which is perceptually
uniform and readable by viewers with deuteranopia or protanopia.

>>> from harsanyi.report.style import PALETTE, GROUP_COLORS
>>> PALETTE["blue"]
'#0072B2'
>>> sorted(GROUP_COLORS) == sorted(["reliable", "withdrawn", "forgotten", "betraying",
...                                  "fluctuating"])
True
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import matplotlib as mpl
import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from harsanyi.errors import ShapeError

__all__ = [
    "GROUP_COLORS",
    "GROUP_NAMES",
    "PALETTE",
    "RC",
    "SEQUENTIAL_CMAP",
    "as_1d",
    "as_2d",
    "checkpoint_colors",
    "close_pyplot_figure",
    "new_axes",
    "new_figure",
    "styled",
]

PALETTE: dict[str, str] = {
    "black": "#000000",
    "orange": "#E69F00",
    "sky": "#56B4E9",
    "green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "purple": "#CC79A7",
    "grey": "#7F7F7F",
}

#: The five groups of paper C (Table 2), in the paper's order.
GROUP_NAMES: tuple[str, ...] = ("reliable", "withdrawn", "forgotten", "betraying", "fluctuating")

GROUP_COLORS: dict[str, str] = {
    "reliable": PALETTE["blue"],
    "withdrawn": PALETTE["orange"],
    "forgotten": PALETTE["grey"],
    "betraying": PALETTE["vermillion"],
    "fluctuating": PALETTE["purple"],
}

SEQUENTIAL_CMAP = "cividis"

#: matplotlib rc settings applied to every report figure (via :func:`new_figure`).
RC: dict[str, Any] = {
    "font.size": 9.0,
    "axes.titlesize": 10.0,
    "axes.labelsize": 9.0,
    "legend.fontsize": 8.0,
    "xtick.labelsize": 8.0,
    "ytick.labelsize": 8.0,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.alpha": 0.25,
    "grid.linewidth": 0.6,
    "figure.dpi": 100,
    "savefig.dpi": 150,
    "pdf.fonttype": 42,
}


F = TypeVar("F", bound=Callable[..., Any])


def styled(func: F) -> F:
    """Decorate a figure function so that it draws in the report style.

    Decorator: run ``func`` inside ``matplotlib.rc_context(RC)`` so that every artist it
    creates (ticks, legends, texts) gets the report style, even on axes the caller made.

    >>> @styled
    ... def size():
    ...     import matplotlib as mpl
    ...     return mpl.rcParams["legend.fontsize"]
    >>> size()
    8.0
    """

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:

        with mpl.rc_context(RC):
            return func(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


def new_figure(ncols: int = 1, nrows: int = 1, *, width: float = 6.4, height: float = 3.6,
               **subplot_kw: Any) -> tuple[Figure, np.ndarray]:
    """Create a pyplot-free :class:`~matplotlib.figure.Figure` with a grid of axes.

    No global pyplot state is touched, so figures are garbage-collected like any object and the
    Agg renderer is used when saving.

    >>> fig, axes = new_figure(3, width=9, height=3)
    >>> axes.shape
    (1, 3)
    """
    with mpl.rc_context(RC):
        fig = Figure(figsize=(width, height), layout="constrained")
        axes = fig.subplots(nrows, ncols, squeeze=False, **subplot_kw)
    return fig, axes


def new_axes(ax: Axes | None, *, width: float = 6.4, height: float = 3.6) -> Axes:
    """Return ``ax``, or the single axes of a new styled figure when ``ax`` is None.

    When the caller uses pyplot (``matplotlib.pyplot`` is imported), the new figure is made
    through pyplot and becomes its current figure, so ``plt.savefig`` and ``plt.show`` see it;
    otherwise it is pyplot-free (see :func:`new_figure`).

    >>> ax = new_axes(None)
    >>> ax.figure is not None
    True
    """
    if ax is not None:
        return ax
    plt = sys.modules.get("matplotlib.pyplot")
    if plt is None:
        _, axes = new_figure(width=width, height=height)
        return axes[0, 0]
    import matplotlib as mpl  # heavy: matplotlib loads only when a figure is drawn

    with mpl.rc_context(RC):
        fig = plt.figure(figsize=(width, height), layout="constrained")
        return fig.add_subplot()


def close_pyplot_figure(fig: Figure) -> None:
    """Forget ``fig`` in pyplot's list of open figures, if pyplot made it (:func:`new_axes`);
    the figure itself stays usable. Nothing happens for a pyplot-free figure.

    >>> fig, _ = new_figure()
    >>> close_pyplot_figure(fig)
    """
    plt = sys.modules.get("matplotlib.pyplot")
    if plt is not None and getattr(fig.canvas, "manager", None) is not None:
        plt.close(fig)


def as_1d(x: Any, name: str, length: int | None = None) -> np.ndarray:
    """``x`` as a finite-or-nan float64 vector, checking its length (``ShapeError`` otherwise).

    >>> as_1d([1, 2], "a").dtype
    dtype('float64')
    """
    arr = np.asarray(x, dtype=np.float64)
    if arr.ndim != 1:
        raise ShapeError(f"{name} must be 1-D, got shape {arr.shape}")
    if length is not None and arr.shape[0] != length:
        raise ShapeError(f"{name} must have length {length}, got {arr.shape[0]}")
    return arr


def as_2d(x: Any, name: str, shape: Sequence[int | None] = (None, None)) -> np.ndarray:
    """``x`` as a float64 matrix whose dims match ``shape`` (None = any), else ``ShapeError``.

    >>> as_2d([[1, 2, 3]], "d", (1, None)).shape
    (1, 3)
    """
    arr = np.asarray(x, dtype=np.float64)
    if arr.ndim != 2:
        raise ShapeError(f"{name} must be 2-D, got shape {arr.shape}")
    for axis, want in enumerate(shape):
        if want is not None and arr.shape[axis] != want:
            raise ShapeError(f"{name} must have shape {tuple(shape)} (None = any), "
                             f"got {arr.shape}")
    return arr


def checkpoint_colors(count: int) -> list[tuple[float, float, float, float]]:
    """``count`` colours along the sequential colormap, early checkpoints dark, late ones light.

    >>> len(checkpoint_colors(4))
    4
    """
    cmap = mpl.colormaps[SEQUENTIAL_CMAP]
    if count <= 1:
        return [cmap(0.15)]
    return [cmap(0.05 + 0.85 * i / (count - 1)) for i in range(count)]
