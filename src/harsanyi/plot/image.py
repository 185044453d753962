"""The image overlay: the pixels of the top AND and OR interactions drawn on the image."""

from __future__ import annotations

from typing import Any

import numpy as np
from matplotlib.axes import Axes
from matplotlib.lines import Line2D

from harsanyi.errors import ShapeError
from harsanyi.extract.interactions import Interactions
from harsanyi.games.players import ElementMasks, Players
from harsanyi.games.superpixels import Superpixels
from harsanyi.plot.common import KIND_COLORS, axes_or_current, one_sample, ranked, set_label
from harsanyi.report.style import styled

__all__ = ["display_image", "image", "player_pixels"]


def display_image(img: Any) -> np.ndarray:
    """An image as ``(H, W)`` or ``(H, W, 3)`` floats in ``[0, 1]``: channels-first images are
    moved last, one channel is dropped, values outside ``[0, 1]`` are rescaled (min to max).

    >>> display_image(np.zeros((3, 4, 5))).shape
    (4, 5, 3)
    """
    arr = np.asarray(img.detach().cpu() if hasattr(img, "detach") else img, dtype=np.float64)
    if arr.ndim == 3 and arr.shape[0] in (1, 3) and arr.shape[-1] not in (1, 3):
        arr = np.moveaxis(arr, 0, -1)
    if arr.ndim == 3 and arr.shape[-1] == 1:
        arr = arr[..., 0]
    if arr.ndim not in (2, 3) or (arr.ndim == 3 and arr.shape[-1] != 3):
        raise ShapeError(f"image must be (H, W), (H, W, C) or (C, H, W) with C = 1 or 3; got "
                         f"shape {np.shape(img)}")
    lo, hi = float(np.min(arr)), float(np.max(arr))
    if lo < 0.0 or hi > 1.0:
        arr = (arr - lo) / (hi - lo if hi > lo else 1.0)
    return arr


def player_pixels(players: Any, shape: tuple[int, int], sample: int | None = None
                  ) -> np.ndarray:
    """Boolean ``(n, H, W)``: the pixels of each player of an image of ``shape = (H, W)``.

    ``players`` is the player set given to ``model_game`` (:class:`Patches`,
    :class:`Superpixels`, :class:`ElementMasks` of images) or a ``feature_mask`` array; with
    one superpixel map per image, ``sample`` picks the image.

    >>> player_pixels(np.array([[0, 1], [1, 1]]), (2, 2)).astype(int).tolist()
    [[[1, 0], [0, 0]], [[0, 1], [1, 1]]]
    """
    if not isinstance(players, Players):
        players = Superpixels(players)
    shape = (int(shape[0]), int(shape[1]))
    if isinstance(players, ElementMasks):
        masks = players.masks
        return masks.reshape(masks.shape[0], -1, *masks.shape[-2:]).any(axis=1)
    if isinstance(players, Superpixels) and players.feature_mask.ndim == 3:
        all_masks = players.sample_element_masks(players.feature_mask.shape[0], shape)
        if sample is None and len(all_masks) > 1:
            raise ValueError("one superpixel map per image: pass sample=<index>")
        return all_masks[sample or 0]
    return players.element_masks(shape)


@styled
def image(interactions: Interactions, img: Any, players: Any, *,
          sample: int | None = None, rank: int = 0, kinds: tuple[str, ...] = ("and", "or"),
          ax: Axes | None = None, veil_alpha: float = 0.6, title: str | None = None) -> Axes:
    """The image with the players of its strongest AND interaction outlined in blue (solid) and
    of its strongest OR interaction in orange (dashed), the other pixels veiled in white
    (``veil_alpha``, 0 = off); ``rank=r`` shows the ``r``-th strongest of each
    kind instead (0 = the strongest), ``kinds`` chooses the kinds. The legend gives each set and
    its value ``I(S)``.

    Parameters
    ----------
    interactions : the result of ``hs.and_or`` on an image model.
    img : the image ``(H, W)``, ``(H, W, C)`` or ``(C, H, W)`` (array or tensor).
    players : the players given to ``model_game`` (:class:`Patches`, :class:`Superpixels`,
        image :class:`ElementMasks`) or the ``feature_mask``.
    sample : which sample of a batch, and which map of per-image superpixels (also when
        ``interactions`` already holds that one sample).
    ax : axes to draw on (default: pyplot's current axes).
    veil_alpha : opacity of the white veil over the pixels of no shown set.

    Example
    -------
    >>> import harsanyi as hs
    >>> from harsanyi.games import Patches
    >>> I = hs.and_or(hs.Game([0.0, 0.0, 0.0, 1.0]), q_bound=0.0, solver="exact")
    >>> import matplotlib.pyplot as plt
    >>> _ = plt.figure()              # a new figure: the plot draws on its axes
    >>> ax = image(I, np.ones((4, 4)), Patches([0, 3], grid=2))
    >>> len(ax.images), ax.get_legend().get_texts()[0].get_text()   # the image and the veil
    (2, 'AND x0 & x1: +1')
    """
    one = one_sample(interactions, sample if interactions.batch_shape else None)
    shown = display_image(img)
    pixels = player_pixels(players, shown.shape[:2], sample)
    if pixels.shape[0] != one.n:
        raise ShapeError(f"{pixels.shape[0]} players in the image, {one.n} in the interactions")
    ax = axes_or_current(ax)
    ax.imshow(shown, cmap="gray" if shown.ndim == 2 else None, vmin=0.0, vmax=1.0,
              interpolation="nearest")
    shown_sets = []
    for kind in kinds:
        top = ranked(one, rank + 1, kinds=(kind,))
        if len(top) > rank:
            shown_sets.append((kind, *top[rank][1:]))
    union = np.zeros(shown.shape[:2], dtype=bool)
    for _, members, _ in shown_sets:
        union |= pixels[list(members)].any(axis=0)
    veil = np.zeros((*union.shape, 4))
    veil[~union] = (1.0, 1.0, 1.0, veil_alpha)  # pixels of no shown set are veiled
    ax.imshow(veil, interpolation="nearest")
    handles = []
    for kind, members, value in shown_sets:
        area = pixels[list(members)].any(axis=0)
        if area.any() and not area.all():
            ax.contour(area.astype(float), levels=[0.5], colors=[KIND_COLORS[kind]],
                       linewidths=2.5 if kind == "or" else 1.8,
                       linestyles="-" if kind == "and" else "--")
        handles.append(Line2D([], [], color=KIND_COLORS[kind],
                              linestyle="-" if kind == "and" else "--",
                              label=f"{kind.upper()} {set_label(kind, members, one.players)}: "
                                    f"{value:+.3g}"))
    if handles:
        ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, -0.02),
                  frameon=False, fontsize=7)
    ax.set_xticks([])
    ax.set_yticks([])
    ax.grid(False)
    if title:
        ax.set_title(title)
    return ax
