"""Figures of faithfulness and of single interactions: sparsity, matching error, patch maps.

Functions take plain numpy arrays, draw on ``ax`` (a new styled figure when None) and return
the axes.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np
from matplotlib.axes import Axes
from matplotlib.patches import Rectangle

from harsanyi.errors import ShapeError
from harsanyi.report.style import PALETTE, as_1d, checkpoint_colors, new_axes, styled

__all__ = ["plot_matching_error", "plot_patch_map", "plot_sparsity_curves"]

Box = tuple[int, int, int, int]


def _as_curves(curves: Mapping[str, Any] | Any, name: str) -> dict[str, np.ndarray]:
    if isinstance(curves, Mapping):
        return {str(k): as_1d(v, f"{name}[{k!r}]") for k, v in curves.items()}
    return {"": as_1d(curves, name)}


@styled
def plot_sparsity_curves(curves: Mapping[str, Any] | Any, ax: Axes | None = None, *,
                         logy: bool = True, floor: float = 1e-6) -> Axes:
    """Plot sparsity curves (paper C).

    Sparsity curves (paper C): strengths ``|I_and| ⧺ |I_or|`` divided by their maximum,
    sorted in descending order and averaged over samples, one curve per label.

    A sparse explanation drops by orders of magnitude within the first few percent of ranks.
    Exact zeros are not drawn on the log scale, whose bottom is cut at ``floor`` (strengths
    below ``1e-6`` of the largest are round-off for float64 extraction).

    >>> ax = plot_sparsity_curves({"epoch 1": [1., .5, .1, .01], "epoch 9": [1., .1, .01, 0.]})
    >>> len(ax.lines), ax.get_yscale()
    (2, 'log')
    """
    cs = _as_curves(curves, "curves")
    ax = new_axes(ax)
    for color, (label, y) in zip(checkpoint_colors(len(cs)), cs.items(), strict=True):
        shown = np.where(y > 0, y, np.nan) if logy else y
        ax.plot(np.arange(1, y.size + 1), shown, color=color, label=label or None)
    if logy:
        ax.set_yscale("log")
        smallest = min((float(y[y > 0].min()) for y in cs.values() if (y > 0).any()),
                       default=1.0)
        ax.set_ylim(bottom=max(floor, smallest * 0.5))
    ax.set_xlabel("rank of interaction (AND and OR pooled)")
    ax.set_ylabel("$|I| / \\max |I|$")
    if any(cs):
        ax.legend(frameon=False)
    return ax


@styled
def plot_matching_error(alphas: Any, errors: Mapping[str, Any] | Any, ax: Axes | None = None,
                        *, alpha_hat: float | None = None, logx: bool = False,
                        logy: bool = False) -> Axes:
    """Plot the matching error of the top-``α`` surrogate against ``α`` (paper C).

    ``error(α) = E_x |v(N) − v̂_α(N)|`` with ``v̂_α(N) = v(∅) + Σ_{S∈Ω_α} I_and(S) + I_or(S)``
    and ``Ω_α`` the ``α`` strongest interactions. ``alpha_hat`` (the smallest ``α`` with
    relative error ≤ 10%) is drawn as a vertical line.

    >>> ax = plot_matching_error([1, 2, 4, 8], [1.0, .5, .2, .05], alpha_hat=4)
    >>> len(ax.lines)
    2
    """
    a = as_1d(alphas, "alphas")
    es = _as_curves(errors, "errors")
    for label, e in es.items():
        if e.size != a.size:
            raise ShapeError(f"errors{'[' + repr(label) + ']' if label else ''} has length "
                             f"{e.size}, alphas has {a.size}")
    ax = new_axes(ax, width=4.4, height=3.2)
    colors = [PALETTE["blue"]] if len(es) == 1 else checkpoint_colors(len(es))
    for color, (label, e) in zip(colors, es.items(), strict=True):
        ax.plot(a, e, marker="o", markersize=3.5, color=color, label=label or None)
    if alpha_hat is not None:
        ax.axvline(float(alpha_hat), color=PALETTE["vermillion"], linestyle=":",
                   label=f"$\\hat\\alpha$ = {float(alpha_hat):g}")
    if logx:
        ax.set_xscale("log")
    if logy:
        ax.set_yscale("log")
    ax.set_xlabel("α (number of interactions kept)")
    ax.set_ylabel("matching error (log-odds units)")
    if len(es) > 1 or alpha_hat is not None:
        ax.legend(frameon=False)
    return ax


def _display_image(image: np.ndarray) -> np.ndarray:
    img = np.asarray(image, dtype=np.float64)
    if img.ndim == 3 and img.shape[0] in (1, 3) and img.shape[-1] not in (1, 3):
        img = np.moveaxis(img, 0, -1)  # CHW -> HWC
    if img.ndim == 3 and img.shape[-1] == 1:
        img = img[..., 0]
    if img.ndim not in (2, 3) or (img.ndim == 3 and img.shape[-1] != 3):
        raise ShapeError(f"image must be (H, W), (H, W, 3) or (3, H, W), got {image.shape}")
    lo, hi = np.nanmin(img), np.nanmax(img)
    if lo < 0.0 or hi > 1.0:
        img = (img - lo) / (hi - lo if hi > lo else 1.0)
    return img


@styled
def plot_patch_map(image: Any, boxes: Sequence[Box], highlight: Iterable[int] = (),
                   ax: Axes | None = None, *, labels: Sequence[str] | None = None,
                   title: str | None = None, dim: float = 0.55,
                   color: str = PALETTE["vermillion"]) -> Axes:
    """Draw ``image`` with the patches (players) of one interaction ``S`` highlighted.

    ``boxes[i] = (y0, x0, y1, x1)`` is player ``i``'s patch in pixels, ``image[y0:y1, x0:x1]``.
    Players in ``highlight`` (the members of ``S``) are outlined in ``color``; the rest of the
    image is dimmed by ``dim`` (0 = off) and the other patches get a thin dashed outline with
    their index (or ``labels[i]``).

    >>> img = np.zeros((8, 8)); boxes = [(0, 0, 4, 4), (0, 4, 4, 8), (4, 0, 8, 4)]
    >>> ax = plot_patch_map(img, boxes, highlight=[0, 2])
    >>> sum(isinstance(p, Rectangle) for p in ax.patches), len(ax.images)
    (3, 2)
    """
    img = _display_image(np.asarray(image))
    h, w = img.shape[:2]
    chosen = {int(i) for i in highlight}
    bad = sorted(i for i in chosen if not 0 <= i < len(boxes))
    if bad:
        raise IndexError(f"highlight names players {bad}, but there are {len(boxes)} boxes")
    if labels is not None and len(labels) != len(boxes):
        raise ShapeError(f"labels has {len(labels)} names for {len(boxes)} boxes")
    ax = new_axes(ax, width=3.0, height=3.0)
    ax.imshow(img, cmap="gray" if img.ndim == 2 else None, vmin=0.0, vmax=1.0,
              interpolation="nearest")
    if dim > 0 and chosen:
        shade = np.zeros((h, w, 4))
        shade[..., 3] = dim
        for i in chosen:
            y0, x0, y1, x1 = (int(v) for v in boxes[i])
            shade[max(y0, 0):y1, max(x0, 0):x1, 3] = 0.0
        ax.imshow(shade, interpolation="nearest")
    for i, box in enumerate(boxes):
        y0, x0, y1, x1 = (float(v) for v in box)
        if y1 <= y0 or x1 <= x0:
            raise ShapeError(f"box {i} = {tuple(box)} is empty; boxes are (y0, x0, y1, x1)")
        on = i in chosen
        ax.add_patch(Rectangle((x0 - 0.5, y0 - 0.5), x1 - x0, y1 - y0, fill=False,
                               edgecolor=color if on else "white",
                               linewidth=2.2 if on else 0.8,
                               linestyle="-" if on else "--", alpha=1.0 if on else 0.8))
        ax.text(x0 + 0.5, y0 + 0.5, labels[i] if labels is not None else str(i),
                color="white", fontsize=6, ha="left", va="top",
                fontweight="bold" if on else "normal")
    ax.set_xlim(-0.5, w - 0.5)
    ax.set_ylim(h - 0.5, -0.5)
    ax.set_xticks([])
    ax.set_yticks([])
    ax.grid(False)
    if title:
        ax.set_title(title, fontsize=8)
    return ax
