"""Superpixels: the segments of an integer ``feature_mask`` as players (captum's convention).

A ``feature_mask`` labels every pixel of an image, e.g. the superpixels of
``skimage.segmentation.slic``; each segment is one player. One map may serve all images, or
each image has its own (the players then differ between samples; see
:meth:`~harsanyi.games.players.Players.sample_element_masks`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

from harsanyi.errors import PlayerError, ShapeError
from harsanyi.games.players import Players

__all__ = ["Superpixels"]


class Superpixels(Players):
    """The segments of an integer ``feature_mask`` as players (captum's ``feature_mask``).

    ``feature_mask`` labels every pixel of the last two axes of an image ``(C, H, W)``: one
    map ``(H, W)`` for all images, or one per image ``(B, H, W)`` (singleton axes as in
    ``(B, 1, H, W)`` are dropped), e.g. ``skimage.segmentation.slic(img)``. Player ``i`` owns
    every pixel (all channels) whose label is the ``i``-th of ``segments`` (default: every
    label of the map, ascending; with one map per image, the ``i``-th label of each image, so
    all images need the same number of segments). Pixels of other labels follow ``outside=``
    of ``model_game``. Names are ``seg{label}`` (or ``names=``).

    >>> sp = Superpixels([[0, 0, 1], [2, 2, 1]])
    >>> sp.names, sp.element_masks((1, 2, 3))[1].astype(int).tolist()
    (['seg0', 'seg1', 'seg2'], [[[0, 0, 1], [0, 0, 1]]])
    >>> per_image = Superpixels([[[1, 2]], [[7, 5]]])      # two 1x2 images, own labels
    >>> per_image.sample_element_masks(2, (3, 1, 2)).shape, per_image.sample_names
    ((2, 2, 3, 1, 2), [['seg1', 'seg2'], ['seg5', 'seg7']])
    """

    def __init__(self, feature_mask: Any, segments: Iterable[int] | None = None,
                 names: Sequence[str] | None = None) -> None:
        fm = np.asarray(feature_mask.detach().cpu() if hasattr(feature_mask, "detach")
                        else feature_mask)
        if fm.ndim < 2 or not np.issubdtype(fm.dtype, np.integer):
            raise PlayerError(f"feature_mask must be an integer map (H, W) or (B, H, W); got "
                              f"dtype {fm.dtype} and shape {fm.shape}")
        while fm.ndim > 3 and 1 in fm.shape[1:-2]:
            fm = np.squeeze(fm, axis=1 + fm.shape[1:-2].index(1))
        if fm.ndim == 3 and fm.shape[0] == 1:
            fm = fm[0]
        if fm.ndim > 3:
            raise PlayerError(f"feature_mask must be (H, W) or (B, H, W); got {fm.shape}")
        self.feature_mask = fm
        maps = fm[None] if fm.ndim == 2 else fm
        if segments is not None:
            chosen = [int(v) for v in segments]
            if not chosen or len(set(chosen)) != len(chosen):
                raise PlayerError(f"segments must be distinct labels; got {chosen}")
            self.labels = [chosen] * len(maps)
        else:
            self.labels = [sorted(int(v) for v in np.unique(m)) for m in maps]
        for b, labs in enumerate(self.labels):
            if len(labs) != len(self.labels[0]):
                raise PlayerError(
                    f"image {b} has {len(labs)} segment(s), image 0 has {len(self.labels[0])}: "
                    "every image needs the same number of players (explain the images one at a "
                    "time, or pass segments=[...])")
        per = [[f"seg{v}" for v in labs] for labs in self.labels]
        if names is not None:
            per = [[str(x) for x in names]] * len(maps)
            if len(per[0]) != len(self.labels[0]):
                raise PlayerError(f"{len(per[0])} names for {len(self.labels[0])} segments")
        same = all(p == per[0] for p in per)
        self.names = per[0] if same else [f"seg#{i}" for i in range(len(per[0]))]
        self.sample_names = None if same else per

    def _masks(self, fm: np.ndarray, labels: list[int], element_shape: tuple[int, ...]
               ) -> np.ndarray:
        if len(element_shape) < 2 or tuple(element_shape[-2:]) != fm.shape:
            raise ShapeError(f"feature_mask covers {fm.shape[0]}x{fm.shape[1]} pixels, the "
                             f"samples have shape {tuple(element_shape)} (..., H, W)")
        masks = np.stack([fm == v for v in labels])
        lead = tuple(int(s) for s in element_shape[:-2])
        masks = masks.reshape(len(labels), *([1] * len(lead)), *fm.shape)
        return np.broadcast_to(masks, (len(labels), *element_shape)).copy()

    def element_masks(self, element_shape: tuple[int, ...]) -> np.ndarray:
        if self.feature_mask.ndim == 3:
            raise PlayerError("this feature_mask has one map per image: use "
                              "sample_element_masks (model_game does)")
        return self._masks(self.feature_mask, self.labels[0], tuple(element_shape))

    def sample_element_masks(self, n_samples: int,
                             element_shape: tuple[int, ...]) -> np.ndarray | None:
        if self.feature_mask.ndim == 2:
            return None
        if self.feature_mask.shape[0] != n_samples:
            raise ShapeError(f"feature_mask has maps for {self.feature_mask.shape[0]} images, "
                             f"the inputs have {n_samples}")
        return np.stack([self._masks(m, labs, tuple(element_shape))
                         for m, labs in zip(self.feature_mask, self.labels, strict=True)])

    def describe(self) -> str:
        return f"Superpixels(labels={self.labels[0] if len(self.labels) == 1 else self.labels})"
