"""The :class:`SampledGame`: values ``v(x_S)`` on the masks of a :class:`SampleDesign` only.

A sampled game knows it is sampled: it holds the design (masks, fit / held-out split, seed),
values ``(..., m)`` in the design's row order and never anything of size ``2**n``. Build one
from a model with ``model_game(..., budget=B)``, from a function of the masks with
:meth:`SampledGame.from_function`, or by sub-sampling an exhaustive :class:`Game`
(:meth:`SampledGame.from_game`, for comparisons on small ``n``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch

from harsanyi.errors import NonFiniteOutputError, ShapeError
from harsanyi.games.design import SampleDesign
from harsanyi.games.game import Game, float64_values
from harsanyi.games.masking import MaskBuilder

__all__ = ["RowMaskBuilder", "SampledGame", "resolve_design"]


def resolve_design(n: int, budget: int | None, design: SampleDesign | int | None,
                   holdout: float = 0.1) -> SampleDesign:
    """Return the design of a sampled evaluation.

    That is ``design`` itself (checked against ``n``), or the design built from ``budget``
    with seed ``design`` (an int, default 0).

    >>> resolve_design(30, 400, 7).seed
    7
    """
    if isinstance(design, SampleDesign):
        if design.n != n:
            raise ShapeError(f"the design is for n={design.n} players, the game has n={n}")
        if budget is not None and budget != design.budget:
            raise ValueError(f"budget={budget} differs from the design's budget {design.budget}")
        return design
    if budget is None:
        raise ValueError("a sampled game needs budget=... (model calls per sample)")
    return SampleDesign.build(n, budget, seed=int(design or 0), holdout=holdout)


@dataclass
class SampledGame:
    """A game known on the ``m`` masks of ``design`` only.

    ``values[..., r] = v(x_{S_r})`` with ``S_r`` = ``design.masks[r]``; leading dims are
    samples (and checkpoints ...).

    >>> d = SampleDesign.build(30, budget=300, seed=1)
    >>> g = SampledGame.from_function(lambda m: 2.0 * (m[:, 0] & m[:, 1]), d)
    >>> g.n, g.values.shape, g.fit_values.shape[-1] + g.holdout_values.shape[-1]
    (30, (300,), 300)
    """

    values: np.ndarray
    design: SampleDesign
    players: list[str] = field(default_factory=list)
    metadata: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.values = float64_values(self.values)
        if self.values.ndim == 0 or self.values.shape[-1] != self.design.m:
            raise ShapeError(f"values must have shape (..., {self.design.m}) (one per mask of "
                             f"the design); got {self.values.shape}")
        if not np.all(np.isfinite(self.values)):
            where = np.argwhere(~np.isfinite(self.values))[0]
            raise NonFiniteOutputError(f"the sampled game has a non-finite value at index "
                                       f"{tuple(int(w) for w in where)}")
        if not self.players:
            self.players = [f"x{i}" for i in range(self.n)]
        self.players = [str(p) for p in self.players]
        if len(self.players) != self.n:
            raise ShapeError(f"{len(self.players)} player names for n={self.n} players")

    @property
    def n(self) -> int:
        """Number of players."""
        return self.design.n

    @property
    def m(self) -> int:
        """Number of evaluated masks (model calls per sample)."""
        return self.design.m

    @property
    def masks(self) -> np.ndarray:
        """The design's boolean masks ``(m, n)``."""
        return self.design.masks

    @property
    def batch_shape(self) -> tuple[int, ...]:
        """Leading dimensions (samples, checkpoints, ...)."""
        return tuple(self.values.shape[:-1])

    @property
    def fit_values(self) -> np.ndarray:
        """Values on the masks used to fit, ``(..., m_fit)``."""
        return self.values[..., self.design.fit]

    @property
    def holdout_values(self) -> np.ndarray:
        """Values on the held-out masks, ``(..., m_holdout)``."""
        return self.values[..., ~self.design.fit]

    def __getitem__(self, index: Any) -> SampledGame:
        """Select samples along the leading dims."""
        if not isinstance(index, tuple):
            index = (index,)
        if len(index) > len(self.batch_shape):
            raise IndexError("too many indices: the last axis (masks) cannot be indexed")
        key = (*index, Ellipsis)
        return SampledGame(self.values[key], self.design, list(self.players),
                           dict(self.metadata))

    @classmethod
    def from_function(cls, fn: Callable[[np.ndarray], Any], design: SampleDesign,
                      players: Sequence[str] | None = None, **metadata: Any) -> SampledGame:
        """Evaluate ``fn`` on the design's boolean masks ``(m, n)``.

        It returns ``(m,)`` or ``(m, batch...)`` values (batch dims move to the front).
        """
        out = np.asarray(fn(design.masks), dtype=np.float64)
        if out.ndim == 0 or out.shape[0] != design.m:
            raise ShapeError(f"fn must return {design.m} rows (one per mask); got {out.shape}")
        return cls(np.moveaxis(out, 0, -1), design, list(players or []), dict(metadata))

    @classmethod
    def from_game(cls, game: Game, design: SampleDesign) -> SampledGame:
        """Read the values of an exhaustive ``game`` on the design's masks (small ``n`` only)."""
        if design.n != game.n:
            raise ShapeError(f"the design is for n={design.n} players, the game has n={game.n}")
        index = (design.masks.astype(np.int64) << np.arange(game.n)).sum(axis=1)
        return cls(game.values[..., index], design, list(game.players),
                   {**game.metadata, "source": "sub-sampled Game"})


class RowMaskBuilder(MaskBuilder):
    """:class:`MaskBuilder` for the rows of a design: items are ``sample · m + row``.

    >>> d = SampleDesign.build(2, budget=4)   # exhaustive: the 4 masks in bit order
    >>> build = RowMaskBuilder(torch.tensor([[1.0, 2.0]]), torch.zeros(1, 2),
    ...                        np.array([0, 1]), d.masks, outside_present=False)
    >>> build(np.arange(4))[0].tolist()
    [[0.0, 0.0], [1.0, 0.0], [0.0, 2.0], [1.0, 2.0]]
    """

    def __init__(self, x: torch.Tensor, base: torch.Tensor, owner: np.ndarray,
                 masks: np.ndarray, outside_present: bool, method: str = "auto") -> None:
        super().__init__(x, base, owner, int(masks.shape[1]), outside_present, method)
        self.rows_of = np.concatenate(
            [masks, np.full((len(masks), 1), outside_present)], axis=1)
        self.m = int(masks.shape[0])

    def items(self, idx: np.ndarray) -> tuple[np.ndarray, torch.Tensor]:
        """Decode items ``idx = sample · m + row`` into samples and the rows' player bits."""
        sample, row = np.divmod(np.asarray(idx, dtype=np.int64), self.m)
        return sample, torch.as_tensor(self.rows_of[row], device=self.x.device)
