"""Image patches as players: the cells of a grid over the last two axes of an image.

The papers' image experiments take 10 (or 12) random cells of an 8×8 (or 7×7) grid from its
central region (:meth:`Patches.random`); every channel of a cell belongs to its player.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

from harsanyi.errors import PlayerError, ShapeError
from harsanyi.games.players import Players

__all__ = ["Patches"]


class Patches(Players):
    """Cells of a ``grid = (rows, cols)`` over the last two axes of an image as players.

    Pixel ``(y, x)`` of an ``H × W`` image lies in cell ``(⌊y·rows/H⌋, ⌊x·cols/W⌋)`` (nearest
    up-sampling of the grid, as in the original code); a cell covers every channel. ``cells``
    are ``(r, c)`` pairs or flat indices ``r·cols + c``. Names are ``patch(r,c)``.

    >>> p = Patches([(0, 0), 3], grid=(2, 2))
    >>> p.names, p.element_masks((1, 2, 2)).astype(int).tolist()
    (['patch(0,0)', 'patch(1,1)'], [[[[1, 0], [0, 0]]], [[[0, 0], [0, 1]]]])
    """

    def __init__(
        self,
        cells: Iterable[Any],
        grid: int | tuple[int, int] = (8, 8),
        names: Sequence[str] | None = None,
    ) -> None:
        self.grid = (grid, grid) if isinstance(grid, (int, np.integer)) else tuple(grid)
        if len(self.grid) != 2 or min(self.grid) < 1:
            raise PlayerError(f"grid must be (rows, cols) >= 1; got {grid!r}")
        rows, cols = (int(g) for g in self.grid)
        self.grid = (rows, cols)
        self.cells: list[tuple[int, int]] = []
        for cell in cells:
            if isinstance(cell, (int, np.integer)):
                r, c = divmod(int(cell), cols)
                if not 0 <= int(cell) < rows * cols:
                    raise PlayerError(f"cell {int(cell)} is outside the {rows}x{cols} grid")
            else:
                r, c = (int(v) for v in cell)
            if not (0 <= r < rows and 0 <= c < cols):
                raise PlayerError(f"cell ({r},{c}) is outside the {rows}x{cols} grid")
            self.cells.append((r, c))
        if not self.cells:
            raise PlayerError("no players: give at least one cell")
        if len(set(self.cells)) != len(self.cells):
            dup = next(c for c in self.cells if self.cells.count(c) > 1)
            raise PlayerError(f"cell {dup} is given twice: players must not overlap")
        self.names = (
            [f"patch({r},{c})" for r, c in self.cells] if names is None else [str(x) for x in names]
        )
        if len(self.names) != len(self.cells):
            raise PlayerError(f"{len(self.names)} names for {len(self.cells)} patches")

    @classmethod
    def random(
        cls,
        n: int = 10,
        grid: int | tuple[int, int] = 8,
        region: int | tuple[int, int] | None = 6,
        seed: int | None = 0,
    ) -> Patches:
        """``n`` distinct cells drawn at random from the central ``region`` of the grid.

        The papers (A, B) take 10 cells of an 8×8 grid from the central 6×6 region. The region
        is centred (offset ``(rows − region_rows) // 2``); cells are drawn with
        ``numpy.random.default_rng(seed)`` and listed in ascending flat order.

        >>> Patches.random(3, grid=8, region=6, seed=0).names
        ['patch(4,1)', 'patch(4,5)', 'patch(5,5)']
        """
        rows, cols = (grid, grid) if isinstance(grid, (int, np.integer)) else tuple(grid)
        reg = (rows, cols) if region is None else (
            (region, region) if isinstance(region, (int, np.integer)) else tuple(region))
        if not (0 < reg[0] <= rows and 0 < reg[1] <= cols):
            raise PlayerError(f"region {reg} does not fit in the {rows}x{cols} grid")
        if not 0 < n <= reg[0] * reg[1]:
            raise PlayerError(f"cannot draw n={n} distinct cells from a {reg[0]}x{reg[1]} region")
        r0, c0 = (rows - reg[0]) // 2, (cols - reg[1]) // 2
        pool = [(r0 + r) * cols + (c0 + c) for r in range(reg[0]) for c in range(reg[1])]
        chosen = np.random.default_rng(seed).choice(pool, size=n, replace=False)
        return cls(sorted(int(c) for c in chosen), grid=(rows, cols))

    def element_masks(self, element_shape: tuple[int, ...]) -> np.ndarray:
        """Boolean masks ``(n, *element_shape)``: row ``i`` marks player ``i``'s elements."""
        if len(element_shape) < 2:
            raise ShapeError(
                f"patch players need images of shape (..., H, W); got a sample of shape "
                f"{tuple(element_shape)}"
            )
        h, w = int(element_shape[-2]), int(element_shape[-1])
        rows, cols = self.grid
        if h < rows or w < cols:
            raise PlayerError(f"a {rows}x{cols} grid does not fit an image of {h}x{w} pixels")
        cell_r = (np.arange(h) * rows) // h
        cell_c = (np.arange(w) * cols) // w
        masks = np.zeros((len(self.cells), h, w), dtype=bool)
        for i, (r, c) in enumerate(self.cells):
            masks[i] = (cell_r[:, None] == r) & (cell_c[None, :] == c)
        lead = tuple(int(s) for s in element_shape[:-2])
        masks = masks.reshape(len(self.cells), *([1] * len(lead)), h, w)
        return np.broadcast_to(masks, (len(self.cells), *lead, h, w)).copy()

    def describe(self) -> str:
        """Short text for a run's configuration (e.g. ``"mean"``)."""
        return f"Patches(cells={self.cells}, grid={self.grid})"
