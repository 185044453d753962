"""One stored checkpoint as read back from a run store."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from harsanyi.extract.interactions import Interactions

__all__ = ["ARRAYS_1D", "ARRAYS_2D", "CheckpointRecord"]

ARRAYS_2D = ("values", "and_values", "or_values", "gamma", "q")
ARRAYS_1D = ("bound", "residual", "objective")


@dataclass
class CheckpointRecord:
    """What one stored checkpoint holds: ``arrays`` (name -> ndarray) and ``attrs``.

    >>> rec = CheckpointRecord(3, {"values": np.zeros((1, 2))}, {"train_loss": 0.5})
    >>> rec.epoch, rec.train_loss, rec.test_loss
    (3, 0.5, None)
    """

    epoch: int
    arrays: dict[str, np.ndarray]
    attrs: dict[str, Any]

    @property
    def train_loss(self) -> float | None:
        """Training loss recorded with the checkpoint (``None`` if unknown)."""
        return self.attrs.get("train_loss")

    @property
    def test_loss(self) -> float | None:
        """Testing loss recorded with the checkpoint (``None`` if unknown)."""
        return self.attrs.get("test_loss")

    def interactions(self, players: list[str] | None = None) -> Interactions:
        """Return the stored arrays as a :class:`harsanyi.Interactions` (samples as batch dim)."""
        meta = dict(self.attrs.get("metadata", {}))
        meta["epoch"] = self.epoch
        return Interactions(**{k: self.arrays[k] for k in ARRAYS_2D + ARRAYS_1D},
                            players=list(players or []), metadata=meta)
