"""Players: which input elements each of the ``n`` players owns.

Every player set answers one question, :meth:`Players.element_masks`: given the shape of one
sample (``inputs.shape[1:]``), return a boolean array ``(n, *element_shape)`` whose row ``i``
marks the elements of player ``i``. The masked sample ``x_S`` keeps the elements of the
players in ``S`` and replaces the others by the baseline ``b`` (docs/theory.md#masked-samples):
``(x_S)_e = x_e`` if ``e`` belongs to a player of ``S``, else ``b_e``. Elements that belong to
no player are always present or always masked (``outside=`` of :func:`~harsanyi.model_game`).

Kinds of players:

* :class:`Columns`: tabular columns (a player may be a group of columns), along the last axis.
* :class:`Patches`: cells of a grid over the last two axes of an image ``(C, H, W)``; the
  papers take 10 random cells of an 8×8 grid from its central 6×6 region
  (:meth:`Patches.random`).
* :class:`Tokens`: positions of a sequence; the model is called on embeddings
  ``(L, E)`` (``model(inputs_embeds=...)``), positions are rows.
* :class:`Groups`: arbitrary index groups along one axis (point-cloud parts: point indices).
* :class:`ElementMasks`: any boolean masks ``(n, *element_shape)`` given directly.
* :class:`~harsanyi.games.superpixels.Superpixels`: the segments of an integer
  ``feature_mask`` (captum's convention, e.g. SLIC superpixels).

Players may differ between samples (the superpixels of each image, the words of each
sentence): such a player set answers :meth:`Players.sample_element_masks` with
``(B, n, *element_shape)`` masks and names each sample's players in ``sample_names``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

from harsanyi.errors import PlayerError, ShapeError

__all__ = [
    "Columns",
    "ElementMasks",
    "Groups",
    "Patches",
    "Players",
    "Tokens",
    "as_players",
    "owner_map",
    "owner_maps",
]


def _as_groups(items: Iterable[Any], what: str) -> list[tuple[int, ...]]:
    """Normalise ``[0, [1, 2], 3]`` into ``[(0,), (1, 2), (3,)]``."""
    groups: list[tuple[int, ...]] = []
    for item in items:
        if isinstance(item, (int, np.integer)):
            groups.append((int(item),))
        else:
            try:
                group = tuple(int(i) for i in item)
            except TypeError as exc:
                raise PlayerError(f"{what} must be integers or lists of integers; got {item!r}") \
                    from exc
            groups.append(group)
    if not groups:
        raise PlayerError(f"no players: give at least one {what[:-1]}")
    for g in groups:
        if not g:
            raise PlayerError(f"player {groups.index(g)} is an empty group of {what}")
    return groups


class Players:
    """Base class of player sets: ``n`` players with names and element masks.

    Subclasses implement :meth:`element_masks`; :func:`owner_map` checks the result (no
    overlap, no empty player) and turns it into one owner index per element.
    """

    names: list[str]
    #: names of every sample's players (``B`` lists) when they differ between samples, else None
    sample_names: list[list[str]] | None = None

    @property
    def n(self) -> int:
        """Number of players."""
        return len(self.names)

    def element_masks(self, element_shape: tuple[int, ...]) -> np.ndarray:
        """Boolean ``(n, *element_shape)``: row ``i`` marks the elements of player ``i``."""
        raise NotImplementedError

    def describe(self) -> str:
        """Return a short description for metadata and reports."""
        return f"{type(self).__name__}(n={self.n})"

    def __len__(self) -> int:
        return self.n

    def sample_element_masks(self, n_samples: int,
                             element_shape: tuple[int, ...]) -> np.ndarray | None:
        """Masks ``(B, n, *element_shape)`` of players that differ between samples, or None
        (the default) when every sample has the players of :meth:`element_masks`.
        """
        return None


class Groups(Players):
    """Players as groups of indices along one axis of a sample.

    Player ``i`` owns every element whose index along ``axis`` (an axis of one sample, i.e. of
    ``inputs.shape[1:]``) is in ``groups[i]``; the other axes are covered entirely. For a point
    cloud ``(B, 3, P)``, ``Groups(parts, axis=-1)`` makes each part (a list of point indices)
    one player.

    >>> g = Groups([[0, 1], [3]], axis=-1)
    >>> g.names, g.element_masks((2, 4)).astype(int).tolist()
    (['g0', 'g1'], [[[1, 1, 0, 0], [1, 1, 0, 0]], [[0, 0, 0, 1], [0, 0, 0, 1]]])
    """

    _prefix = "g"

    def __init__(
        self, groups: Iterable[Any], axis: int = -1, names: Sequence[str] | None = None
    ) -> None:
        self.groups = _as_groups(groups, "groups")
        self.axis = int(axis)
        self.names = self._names(names)

    def _names(self, names: Sequence[str] | None) -> list[str]:
        if names is None:
            return [f"{self._prefix}{i}" for i in range(len(self.groups))]
        names = [str(x) for x in names]
        if len(names) != len(self.groups):
            raise PlayerError(f"{len(names)} names for {len(self.groups)} players")
        return names

    def element_masks(self, element_shape: tuple[int, ...]) -> np.ndarray:
        """Boolean masks ``(n, *element_shape)``: row ``i`` marks player ``i``'s elements."""
        element_shape = tuple(int(s) for s in element_shape)
        if not element_shape:
            raise ShapeError("each sample is a scalar: there is no axis to put players on")
        if not -len(element_shape) <= self.axis < len(element_shape):
            raise ShapeError(
                f"axis {self.axis} does not exist in a sample of shape {element_shape}"
            )
        axis = self.axis % len(element_shape)
        size = element_shape[axis]
        line = np.zeros((len(self.groups), size), dtype=bool)
        for i, group in enumerate(self.groups):
            bad = [j for j in group if not -size <= j < size]
            if bad:
                raise PlayerError(
                    f"player {i} ({self.names[i]}) uses index {bad[0]}, outside 0..{size - 1} "
                    f"along axis {self.axis} of a sample of shape {element_shape}"
                )
            line[i, list(group)] = True
        shape = [1] * len(element_shape)
        shape[axis] = size
        line = line.reshape(len(self.groups), *shape)
        return np.broadcast_to(line, (len(self.groups), *element_shape)).copy()

    def describe(self) -> str:
        """Short text for a run's configuration (e.g. ``"mean"``)."""
        return f"{type(self).__name__}(groups={self.groups}, axis={self.axis})"


class Columns(Groups):
    """Tabular players: columns of the last axis (a player may be a group of columns).

    ``columns="all"`` makes every column a player (resolved on the first call with the data's
    shape). Default names are ``x{j}`` (``x0+x3`` for a group); pass ``names=`` (one per
    player) or ``column_names=`` (one per column of the data, e.g. a CSV header).

    >>> c = Columns([0, [1, 2]], column_names=["age", "income", "debt"])
    >>> c.names, c.element_masks((3,)).astype(int).tolist()
    (['age', 'income+debt'], [[1, 0, 0], [0, 1, 1]])
    """

    _prefix = "x"

    def __init__(
        self,
        columns: Iterable[Any] | str = "all",
        names: Sequence[str] | None = None,
        column_names: Sequence[str] | None = None,
    ) -> None:
        self.column_names = None if column_names is None else [str(c) for c in column_names]
        self._explicit_names = None if names is None else list(names)
        self.all_columns = isinstance(columns, str)
        if self.all_columns:
            if columns != "all":
                raise PlayerError(f"columns must be 'all' or a list of columns; got {columns!r}")
            if self.column_names is None:
                self.groups, self.names, self.axis = [], [], -1
                return
            columns = range(len(self.column_names))
        super().__init__(columns, axis=-1, names=names)

    def _names(self, names: Sequence[str] | None) -> list[str]:
        if names is not None:
            return super()._names(names)
        if self.column_names is None:
            return ["+".join(f"x{j}" for j in group) for group in self.groups]
        out = []
        for group in self.groups:
            bad = [j for j in group if not 0 <= j < len(self.column_names)]
            if bad:
                raise PlayerError(
                    f"column {bad[0]} is outside the {len(self.column_names)} named columns"
                )
            out.append("+".join(self.column_names[j] for j in group))
        return out

    def element_masks(self, element_shape: tuple[int, ...]) -> np.ndarray:
        """Boolean masks ``(n, *element_shape)``: row ``i`` marks player ``i``'s elements."""
        if self.all_columns and not self.groups:
            if not element_shape:
                raise ShapeError("tabular inputs must have shape (batch, columns)")
            self.groups = [(j,) for j in range(int(element_shape[-1]))]
            self.names = self._names(self._explicit_names)
        return super().element_masks(element_shape)

    @property
    def n(self) -> int:
        """Number of players."""
        if self.all_columns and not self.groups:
            raise PlayerError("columns='all' has no size until it sees the data")
        return len(self.names)


class Tokens(Groups):
    """Token positions of a sequence as players, for models called on embeddings.

    A sample is ``(L, E)`` (``L`` positions, embedding size ``E``); player ``i`` owns the rows of
    ``positions[i]`` (a position or a list of positions, e.g. a multi-token word). Names are the
    token texts when ``tokens=`` (the text of every position: one list for all samples, or one
    list per sample) is given, else ``tok{p}``. Other positions follow ``outside=`` of
    ``model_game`` ("masked" by default, or "present"). For a tokenizer's output, pass the
    mapping itself to ``model_game`` (see :mod:`harsanyi.games.text`).

    >>> t = Tokens([0, 2], tokens=["a", "good", "movie"])
    >>> t.names, t.element_masks((3, 2)).astype(int).tolist()
    (['a', 'movie'], [[[1, 1], [0, 0], [0, 0]], [[0, 0], [0, 0], [1, 1]]])
    >>> Tokens([1], tokens=[["a", "good", "movie"], ["a", "bad", "one"]]).sample_names
    [['good'], ['bad']]
    """

    def __init__(
        self,
        positions: Iterable[Any],
        names: Sequence[str] | None = None,
        tokens: Sequence[str] | Sequence[Sequence[str]] | None = None,
    ) -> None:
        per_sample = tokens is not None and len(tokens) > 0 and not isinstance(tokens[0], str)
        self.sample_tokens = [[str(t) for t in row] for row in tokens] if per_sample else None
        self.tokens = None if tokens is None or per_sample else [str(t) for t in tokens]
        super().__init__(positions, axis=0, names=names)
        if self.sample_tokens is not None and names is None:
            self.sample_names = [self._token_names(row) for row in self.sample_tokens]
            same = all(row == self.sample_names[0] for row in self.sample_names)
            self.names = list(self.sample_names[0]) if same else self._token_names(None)
            self.sample_names = None if same else self.sample_names

    def _names(self, names: Sequence[str] | None) -> list[str]:
        if names is not None:
            return super()._names(names)
        return self._token_names(self.tokens)

    def _token_names(self, tokens: list[str] | None) -> list[str]:
        if tokens is None:
            return ["+".join(f"tok{p}" for p in g) for g in self.groups]
        out = []
        for g in self.groups:
            bad = [p for p in g if not 0 <= p < len(tokens)]
            if bad:
                raise PlayerError(f"position {bad[0]} is outside the {len(tokens)} tokens")
            out.append(" ".join(tokens[p] for p in g))
        return out

    def element_masks(self, element_shape: tuple[int, ...]) -> np.ndarray:
        """Boolean masks ``(n, *element_shape)``: row ``i`` marks player ``i``'s elements."""
        if len(element_shape) < 1:
            raise ShapeError("token players need samples of shape (length, embedding)")
        return super().element_masks(element_shape)

    def sample_element_masks(self, n_samples: int,
                             element_shape: tuple[int, ...]) -> np.ndarray | None:
        if self.sample_tokens is not None and len(self.sample_tokens) != n_samples:
            raise PlayerError(f"tokens= has {len(self.sample_tokens)} token lists for "
                              f"{n_samples} samples: give one list per sample (or one for all)")
        return None


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


class ElementMasks(Players):
    """Players given directly as boolean masks ``(n, *element_shape)``.

    >>> m = ElementMasks([[True, False], [False, True]], names=["left", "right"])
    >>> m.element_masks((2,)).tolist()
    [[True, False], [False, True]]
    """

    def __init__(self, masks: Any, names: Sequence[str] | None = None) -> None:
        self.masks = np.asarray(masks, dtype=bool)
        if self.masks.ndim < 2:
            raise ShapeError(f"masks must have shape (n, *element_shape); got {self.masks.shape}")
        n = self.masks.shape[0]
        self.names = [f"m{i}" for i in range(n)] if names is None else [str(x) for x in names]
        if len(self.names) != n:
            raise PlayerError(f"{len(self.names)} names for {n} players")

    def element_masks(self, element_shape: tuple[int, ...]) -> np.ndarray:
        """Boolean masks ``(n, *element_shape)``: row ``i`` marks player ``i``'s elements."""
        if tuple(self.masks.shape[1:]) != tuple(element_shape):
            raise ShapeError(
                f"player masks have element shape {tuple(self.masks.shape[1:])}, the samples "
                f"{tuple(element_shape)}"
            )
        return self.masks


def owner_map(players: Players, element_shape: tuple[int, ...]) -> np.ndarray:
    """Map every element to the player that owns it.

    Owner of every element: an int array of ``element_shape`` with values in ``0..n−1``, or
    ``−1`` for elements of no player. Raises :class:`PlayerError` when players overlap or a
    player owns no element.

    >>> owner_map(Columns([2, 0]), (4,)).tolist()
    [1, -1, 0, -1]
    """
    masks = np.asarray(players.element_masks(tuple(element_shape)), dtype=bool)
    return _owner_of(masks, players, tuple(element_shape), players.names)


def owner_maps(players: Players, n_samples: int, element_shape: tuple[int, ...]) -> np.ndarray:
    """:func:`owner_map` of every sample: shape ``element_shape`` when all samples share their
    players, ``(B, *element_shape)`` when the players differ between samples
    (:meth:`Players.sample_element_masks`).

    >>> owner_maps(Columns([2, 0]), 5, (4,)).tolist()
    [1, -1, 0, -1]
    """
    element_shape = tuple(int(s) for s in element_shape)
    masks = players.sample_element_masks(int(n_samples), element_shape)
    if masks is None:
        return owner_map(players, element_shape)
    masks = np.asarray(masks, dtype=bool)
    if masks.shape[0] != n_samples:
        raise ShapeError(f"{type(players).__name__} has players for {masks.shape[0]} samples, "
                         f"the inputs have {n_samples}")
    names = players.sample_names or [players.names] * n_samples
    return np.stack([_owner_of(masks[b], players, element_shape, names[b])
                     for b in range(n_samples)])


def _owner_of(masks: np.ndarray, players: Players, element_shape: tuple[int, ...],
              names: Sequence[str]) -> np.ndarray:
    n = players.n
    if masks.shape != (n, *element_shape):
        raise ShapeError(
            f"{type(players).__name__}.element_masks returned shape {masks.shape}, expected "
            f"{(n, *tuple(element_shape))}"
        )
    counts = masks.sum(axis=0)
    if (counts > 1).any():
        where = np.argwhere(counts > 1)[0]
        column = (slice(None), *where)
        both = [names[i] for i in np.flatnonzero(masks[column])]
        raise PlayerError(
            f"players overlap: {' and '.join(both)} both own element {tuple(int(w) for w in where)}"
        )
    empty = np.flatnonzero(~masks.reshape(n, -1).any(axis=1))
    if empty.size:
        raise PlayerError(f"player {int(empty[0])} ({names[empty[0]]}) owns no element")
    owner = np.full(tuple(element_shape), -1, dtype=np.int64)
    for i in range(n):
        owner[masks[i]] = i
    return owner


def as_players(players: Any) -> Players:
    """Return ``players`` as a :class:`Players`.

    ``players`` as a :class:`Players`: a Players object as is, ``"all"`` or a list of
    columns as :class:`Columns`.

    >>> as_players([0, 2]).names
    ['x0', 'x2']
    """
    if isinstance(players, Players):
        return players
    if isinstance(players, str):
        return Columns(players)
    if isinstance(players, (Sequence, np.ndarray)):
        return Columns(list(players))
    raise PlayerError(
        f"players must be a Players object (Columns, Patches, Tokens, Groups, ElementMasks), "
        f"'all' or a list of columns; got {type(players).__name__}"
    )
