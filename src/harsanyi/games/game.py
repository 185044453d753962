"""The :class:`Game`: values ``v(x_S)`` of one or more samples on all ``2**n`` masks."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch

from harsanyi.core.orders import masks_matrix
from harsanyi.core.transforms import n_players
from harsanyi.errors import NonFiniteOutputError, ShapeError

__all__ = ["Game", "float64_values", "select_players"]


def float64_values(values: Any) -> np.ndarray:
    """Return a game's values as a contiguous float64 array (a tensor is detached to the CPU).

    >>> float64_values(torch.tensor([1.0, 2.0])).dtype
    dtype('float64')
    """
    if isinstance(values, torch.Tensor):
        values = values.detach().to("cpu", torch.float64).numpy()
    return np.ascontiguousarray(np.asarray(values, dtype=np.float64))


def select_players(players: Sequence[str], metadata: dict[str, Any], index: tuple[Any, ...]
                   ) -> tuple[list[str], dict[str, Any]]:
    """Return the player names and metadata of ``result[index]``.

    When the players differ between samples (``metadata["sample_players"]``, one list of names
    per sample along the first axis), one sample gets its own names and a slice keeps its
    samples' lists.

    >>> meta = {"sample_players": [["a", "good"], ["so", "bad"]]}
    >>> select_players(["p0", "p1"], meta, (1,))
    (['so', 'bad'], {})
    """
    rows = metadata.get("sample_players")
    if not rows or not index:
        return list(players), dict(metadata)
    meta = dict(metadata)
    first = index[0]
    if isinstance(first, (int, np.integer)):
        del meta["sample_players"]
        return list(rows[int(first)]), meta
    picked = np.empty(len(rows), dtype=object)
    picked[:] = [list(r) for r in rows]
    meta["sample_players"] = [list(r) for r in np.atleast_1d(picked[first])]
    return list(players), meta


@dataclass
class Game:
    """A cooperative game ``v: 2^N -> R`` per sample, in our bit order.

    ``values`` has shape ``(..., 2**n)``: leading dims are samples (and checkpoints, ...);
    ``values[..., S]`` is ``v(x_S)`` with player ``i`` present iff bit ``i`` of ``S`` is set.

    Attributes
    ----------
    values : float64 array ``(..., 2**n)``
    players : names of the ``n`` players (default ``"x0", "x1", ...``)
    metadata : free-form description (model, baseline, reward, target, ...), saved with results

    Example
    -------
    >>> g = Game([0.0, 1.0, 1.0, 3.0])      # v(∅)=0, v({0})=v({1})=1, v(N)=3
    >>> g.n, g.v_empty, g.v_full
    (2, 0.0, 3.0)
    """

    values: np.ndarray
    players: list[str] = field(default_factory=list)
    metadata: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.values = float64_values(self.values)
        if self.values.ndim == 0:
            raise ShapeError("a game needs one value per subset: shape (..., 2**n)")
        n = n_players(self.values)
        bad = ~np.isfinite(self.values)
        if bad.any():
            where = np.argwhere(bad)[0]
            raise NonFiniteOutputError(
                f"the game has a non-finite value {self.values[tuple(where)]} at index "
                f"{tuple(int(w) for w in where)} (mask {int(where[-1]):#0{n + 2}b} in bit order)"
            )
        if not self.players:
            self.players = [f"x{i}" for i in range(n)]
        self.players = [str(p) for p in self.players]
        if len(self.players) != n:
            raise ShapeError(f"{len(self.players)} player names for n={n} players")

    @property
    def n(self) -> int:
        """Number of players."""
        return n_players(self.values)

    @property
    def batch_shape(self) -> tuple[int, ...]:
        """Leading dimensions (samples, checkpoints, ...)."""
        return tuple(self.values.shape[:-1])

    @property
    def v_empty(self) -> np.ndarray | float:
        """``v(x_∅)``, all players masked."""
        out = self.values[..., 0]
        return float(out) if out.ndim == 0 else out

    @property
    def v_full(self) -> np.ndarray | float:
        """``v(x_N)``, the unmasked input."""
        out = self.values[..., -1]
        return float(out) if out.ndim == 0 else out

    def __getitem__(self, index: Any) -> Game:
        """Select samples: ``game[0]``, ``game[2:5]`` (the subset axis is kept)."""
        if not isinstance(index, tuple):
            index = (index,)
        if len(index) > len(self.batch_shape):
            raise IndexError("too many indices: the last axis (subsets) cannot be indexed")
        players, metadata = select_players(self.players, self.metadata, index)
        key = (*index, Ellipsis)
        return Game(self.values[key], players, metadata)

    def __len__(self) -> int:
        if not self.batch_shape:
            raise TypeError("a single-sample game has no len()")
        return self.batch_shape[0]

    @classmethod
    def from_function(
        cls,
        fn: Callable[[np.ndarray], Any],
        n: int,
        players: Sequence[str] | None = None,
        **metadata: Any,
    ) -> Game:
        """Build a game by evaluating ``fn`` on the boolean mask matrix ``(2**n, n)``.

        ``fn`` returns ``(2**n,)`` or ``(2**n, batch...)`` values; batch dims move to the front.

        >>> Game.from_function(lambda m: m[:, 0] & m[:, 1], 2).values.tolist()
        [0.0, 0.0, 0.0, 1.0]
        """
        out = np.asarray(fn(masks_matrix(n)), dtype=np.float64)
        if out.shape[0] != 2**n:
            raise ShapeError(f"fn must return 2**n = {2**n} rows; got shape {out.shape}")
        return cls(np.moveaxis(out, 0, -1), list(players or []), dict(metadata))
