"""A run store's arrays over its finished checkpoints, read once: :class:`RunArrays`."""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from harsanyi.errors import StoreError
from harsanyi.store.verify import readable_checkpoints

if TYPE_CHECKING:
    from harsanyi.store.runstore import RunStore

__all__ = ["SPLITS", "RunArrays", "RunHeader", "Split", "is_run_store", "read_arrays",
           "split_rows"]

Split = Literal["all", "train", "test", "auto"]
#: Sample selections: every sample, the train or the test ones, or ``"auto"`` (the test
#: samples when the store has some, else all).
SPLITS: tuple[str, ...] = ("all", "train", "test", "auto")


def split_rows(splits: np.ndarray, split: Split, path: Path) -> np.ndarray | None:
    """Return the samples of ``split`` as a boolean mask over ``splits`` (``None``: all).

    ``"auto"`` is ``"test"`` when the run has test samples, else ``"all"``. Raises
    ``ValueError`` for an unknown split or one without samples.

    >>> split_rows(np.array(["train", "test"]), "auto", Path("run")).tolist()
    [False, True]
    """
    if split not in SPLITS:
        raise ValueError(f"split must be 'all', 'train', 'test' or 'auto'; got {split!r}")
    if split == "auto":
        split = "test" if (splits == "test").any() else "all"
    if split == "all":
        return None
    keep = splits == split
    if not keep.any():
        raise ValueError(f"the run store {path} has no {split!r} samples "
                         f"(splits: {sorted(set(splits.tolist()))})")
    return keep


@dataclass(frozen=True, kw_only=True)
class RunHeader:
    """What the arrays of every run carry besides its values, over its ``K`` checkpoints.

    ``epochs`` ``(K,)`` int; ``train_loss``, ``test_loss`` ``(K,)`` (NaN where not recorded);
    ``split`` ``(B,)`` labels of the kept samples (``"all"`` when the store has none);
    ``players``; ``path`` the store folder; ``config`` the run's configuration.
    """

    epochs: np.ndarray
    train_loss: np.ndarray
    test_loss: np.ndarray
    split: np.ndarray
    players: list[str]
    path: Path
    config: dict[str, Any] = field(default_factory=dict)

    @property
    def n(self) -> int:
        """Number of players."""
        return len(self.players)


@dataclass(frozen=True, kw_only=True)
class RunArrays(RunHeader):
    """A run store's arrays over its ``K`` finished checkpoints, for a selection of samples.

    ``and_values``, ``or_values``, ``values``: ``(K, B, 2**n)`` float64; the rest as in
    :class:`RunHeader`.
    """

    and_values: np.ndarray
    or_values: np.ndarray
    values: np.ndarray

    def select(self, split: Split = "all") -> RunArrays:
        """Return the same arrays for the ``"train"`` or ``"test"`` samples.

        The same arrays for the ``"train"`` or ``"test"`` samples (``"all"``: unchanged;
        ``"auto"``: the test samples when there are any, else all).

        >>> zeros = np.zeros((1, 2, 4))
        >>> arr = RunArrays(epochs=np.arange(1), and_values=zeros, or_values=zeros, values=zeros,
        ...                 train_loss=np.ones(1), test_loss=np.ones(1),
        ...                 split=np.array(["train", "test"]), players=["a", "b"], path=Path("run"))
        >>> arr.select("auto").split.tolist(), arr.select("train").values.shape
        (['test'], (1, 1, 4))
        """
        keep = split_rows(self.split, split, self.path)
        if keep is None:
            return self
        return replace(self, and_values=self.and_values[:, keep],
                       or_values=self.or_values[:, keep], values=self.values[:, keep],
                       split=self.split[keep])


def read_arrays(store: RunStore, split: Split = "all") -> RunArrays:
    """Stack a store's finished checkpoints into a :class:`RunArrays`.

    Stack ``store``'s finished checkpoints into a :class:`RunArrays` (see
    :meth:`RunArrays.select` for ``split``). Raises :class:`StoreError` without any finished
    checkpoint. A checkpoint that fails verification is skipped with a
    :class:`~harsanyi.errors.DamagedCheckpointWarning` naming it and the repair.
    """
    epochs = readable_checkpoints(store)
    if not epochs:
        raise StoreError(f"the run store {store.path} has no finished checkpoint yet; run "
                         f"`harsanyi monitor` to fill it")
    recs = [store.read(e).arrays for e in epochs]
    a, o, v = (np.stack([r[k] for r in recs]).astype(np.float64)
               for k in ("and_values", "or_values", "values"))
    labels = np.asarray(store.samples.get("split") or ["all"] * a.shape[1])
    if labels.shape != (a.shape[1],):
        raise StoreError(f"the run store {store.path} lists {labels.size} splits for "
                         f"{a.shape[1]} samples")
    losses = store.losses(epochs)
    arr = RunArrays(epochs=np.asarray(epochs), and_values=a, or_values=o, values=v,
                    train_loss=losses["train_loss"], test_loss=losses["test_loss"], split=labels,
                    players=list(store.players), path=Path(store.path), config=dict(store.config))
    return arr.select(split)


def is_run_store(path: str | Path) -> bool:
    """Whether ``path`` is a folder holding a harsanyi run store (``zarr.json`` of its format).

    >>> is_run_store("/nonexistent/run")
    False
    """
    meta = Path(path) / "zarr.json"
    if not meta.is_file():
        return False
    try:
        return str(json.loads(meta.read_text())["attributes"]["format"]).startswith(
            "harsanyi.run/")
    except (OSError, ValueError, KeyError, TypeError):
        return False
