"""Reading back from a run store: one checkpoint (:class:`CheckpointRecord`), one extra array."""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from harsanyi.errors import StoreError
from harsanyi.extract.interactions import Interactions
from harsanyi.store._io import checksum
from harsanyi.store.writers import checkpoint_dir, completed_epochs, is_complete

__all__ = ["ARRAYS_1D", "ARRAYS_2D", "CheckpointRecord", "read_checkpoint", "read_derived",
           "read_extra"]

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


def read_checkpoint(root: str | Path, epoch: int, *, verify: bool = False) -> CheckpointRecord:
    """Read checkpoint ``epoch`` of the store ``root``; ``verify=True`` also checks checksums.

    A checkpoint that is not finished, or whose arrays cannot be read or (with ``verify``)
    fail their sha256, raises :class:`~harsanyi.errors.StoreError` naming the repair.

    >>> import tempfile
    >>> from harsanyi.store.writers import write_checkpoint, write_root
    >>> root = Path(tempfile.mkdtemp()) / "run"; write_root(root, {})
    >>> _ = write_checkpoint(root, 2, {"values": np.ones((1, 2))}, {"train_loss": 0.5})
    >>> rec = read_checkpoint(root, 2, verify=True); rec.train_loss, rec.arrays["values"].tolist()
    (0.5, [[1.0, 1.0]])
    """
    import zarr  # heavy: zarr loads only when a store is read or written

    if not is_complete(checkpoint_dir(root, epoch)):
        raise StoreError(f"checkpoint {epoch} is not (completely) stored in {root}; "
                         f"stored: {completed_epochs(root)}")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            group = zarr.open_group(str(checkpoint_dir(root, epoch)), mode="r")
            attrs = dict(group.attrs)
            arrays = {name: np.asarray(group[name][...]) for name in attrs["checksums"]}
    except Exception as exc:  # zarr/codec/json errors all mean a damaged checkpoint
        raise StoreError(f"the run store {root} is corrupted: checkpoint {epoch} "
                         f"cannot be read ({type(exc).__name__}: {exc}); "
                         f"`harsanyi store verify {root}` lists the damaged "
                         "checkpoints, resuming the monitor recomputes them") from exc
    if verify:
        for name, data in arrays.items():
            if checksum(data) != attrs["checksums"][name]:
                raise StoreError(f"the run store {root} is corrupted: array {name!r} "
                                 f"of checkpoint {epoch} fails its checksum")
    return CheckpointRecord(epoch, arrays, attrs)


def read_extra(root: str | Path, name: str) -> np.ndarray | None:
    """Read the run-level array ``root/extra/<name>`` (``None`` if absent).

    >>> import tempfile
    >>> from harsanyi.store.writers import write_extra, write_root
    >>> root = Path(tempfile.mkdtemp()) / "run"; write_root(root, {})
    >>> _ = write_extra(root, "mean", np.arange(2.0))
    >>> read_extra(root, "mean").tolist(), read_extra(root, "absent")
    ([0.0, 1.0], None)
    """
    import zarr  # heavy: zarr loads only when a store is read or written

    d = Path(root) / "extra" / name
    if not d.is_dir():
        return None
    try:
        return np.asarray(zarr.open_group(str(d), mode="r")["data"][...])
    except Exception as exc:
        raise StoreError(f"the run store {root} is corrupted: array {name!r} cannot "
                         f"be read ({exc})") from exc


def read_derived(root: str | Path, name: str
                 ) -> tuple[dict[str, np.ndarray], dict[str, Any]] | None:
    """Read a derived group ``root/<name>`` (:func:`~harsanyi.store.writers.write_derived`).

    Returns ``(arrays, attrs)``, or ``None`` when it is absent or unfinished (it is then
    recomputed by whoever needs it).

    >>> import tempfile
    >>> from harsanyi.store.writers import write_derived, write_root
    >>> root = Path(tempfile.mkdtemp()) / "run"; write_root(root, {})
    >>> _ = write_derived(root, "union", {"a": np.arange(2, dtype=np.uint64)}, {"epochs": [3]})
    >>> arrays, attrs = read_derived(root, "union"); str(arrays["a"].dtype), attrs["epochs"]
    ('uint64', [3])
    """
    import zarr  # heavy: zarr loads only when a store is read or written

    folder = Path(root) / name
    if not is_complete(folder):
        return None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            group = zarr.open_group(str(folder), mode="r")
            attrs = dict(group.attrs)
            arrays = {k: np.asarray(group[k][...]) for k in attrs["checksums"]}
    except Exception as exc:
        raise StoreError(f"the run store {root} is corrupted: {name!r} cannot be read "
                         f"({type(exc).__name__}: {exc}); delete {folder} and it is "
                         "recomputed") from exc
    return arrays, attrs
