"""The run store: a Zarr v3 directory with one group per checkpoint of a monitored training run.

Layout (readable with plain ``zarr`` / any Zarr v3 reader, no harsanyi needed)::

    RUN_DIR/
      zarr.json                 root group; attributes:
                                  format        "harsanyi.run/1"
                                  schema_version 2 (absent: 1, stores without manifests)
                                  config        the run's configuration (JSON object)
                                  config_hash   sha256 of the canonical JSON of ``config``
                                  players       names of the n players;  n
                                  samples       per-sample lists (index, split, target, ...)
                                  metadata      free-form (seeds, model, ...)
                                  package_version, created
      ckpt/
        zarr.json               group
        000012/                 one group per checkpoint, named by its epoch (6 digits)
          zarr.json             attributes: epoch, train_loss, test_loss, complete (= true),
                                checksums (sha256 of each array's float64 bytes), ...
          manifest.json         sha256 and size of every file of the group (written last)
          values                (samples, 2**n) float64: v(x_S), subset S in bit order
          and_values            (samples, 2**n) I_and(S)   (I_and(∅) = v(∅) + q_∅)
          or_values             (samples, 2**n) I_or(S)    (0 at ∅ and singletons)
          gamma, q              (samples, 2**n) the split γ_S and the noise term q_S
          bound, residual, objective   (samples,)
                                (a sampled run, ``config["sampling"]``, holds instead the
                                sparse arrays of :mod:`harsanyi.store.sampled`: nothing of
                                size 2**n)
      extra/<name>/             run-level arrays (e.g. feature-component directions), group
                                with one array ``data``
      union/                    sampled runs only: curves refitted on each sample's union of
                                supports (:mod:`harsanyi.store.union`), replaced as a whole
      .partial/                 checkpoints being written (removed when empty)
      manifest.json             checksums and copies of zarr.json and ckpt/zarr.json
      quarantine/               checkpoints that failed verification, moved aside by a repair

Writes are **append-only and atomic per checkpoint**: a checkpoint is written into
``.partial/<epoch>-<random>/``, its completion marker (attribute ``complete: true`` with the
array checksums) is written last, and the whole group is renamed to ``ckpt/<epoch>`` in one
``os.rename``. A process killed at any moment leaves either a finished checkpoint or a
leftover under ``.partial/`` (or, on file systems without atomic rename, a group without the
marker), which :meth:`RunStore.clean_partial` removes so that the checkpoint is redone.
Resuming (:meth:`RunStore.open_or_create` with ``resume=True``) also verifies every checkpoint
against its manifest and moves the damaged ones aside (:mod:`harsanyi.store.verify`,
:mod:`harsanyi.store.repair`). The writes themselves are :mod:`harsanyi.store.writers`, the
reads of one checkpoint or array :mod:`harsanyi.store.record`.
"""

from __future__ import annotations

import datetime as _dt
import json
import shutil
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from harsanyi._version import __version__
from harsanyi.errors import ConfigMismatchError, StoreError
from harsanyi.games.design import SampleDesign
from harsanyi.store._io import remove_if_empty
from harsanyi.store.arrays import RunArrays, Split, read_arrays
from harsanyi.store.config import config_diff, config_hash, get_dotted, jsonable
from harsanyi.store.record import (
    ARRAYS_1D,
    ARRAYS_2D,
    CheckpointRecord,
    read_checkpoint,
    read_extra,
)
from harsanyi.store.repair import RepairReport, holds_no_results, repair_store, restore_root
from harsanyi.store.sampled import design_from_arrays, sampling_of, sparse_from_arrays
from harsanyi.store.union import SampledRunArrays, read_sampled_arrays
from harsanyi.store.verify import MANIFEST, SCHEMA_VERSION
from harsanyi.store.writers import (
    PARTIAL,
    checkpoint_dir,
    completed_epochs,
    is_complete,
    write_checkpoint,
    write_extra,
    write_root,
)

__all__ = ["FORMAT", "CheckpointRecord", "RunStore", "config_diff", "config_hash",
           "stored_config"]


def stored_config(path: str | Path) -> dict[str, Any] | None:
    """Return the configuration stored at ``path``, or ``None`` if there is none to read.

    Reads the root's ``zarr.json`` only (nothing is opened, locked or repaired), so that a
    caller can look before it resumes; an unreadable root is left to
    :meth:`RunStore.open_or_create` to report.

    >>> stored_config("/nonexistent/run") is None
    True
    """
    try:
        config = json.loads((Path(path) / "zarr.json").read_text())["attributes"]["config"]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return config if isinstance(config, dict) else None

FORMAT = "harsanyi.run/1"


class RunStore:
    """A persistent, append-only store of per-checkpoint values and interactions.

    Create with :meth:`create`, reopen with :meth:`open` (pass ``config`` to refuse a store
    written with another configuration: :class:`~harsanyi.errors.ConfigMismatchError` names the
    differing keys). See the module docstring for the on-disk layout.

    Example
    -------
    >>> import tempfile, harsanyi as hs
    >>> run = RunStore.create(tempfile.mkdtemp() + "/run", {"q_bound": 0.0}, players=["a", "b"])
    >>> I = hs.mobius([[0.0, 1.0, 1.0, 3.0]])
    >>> _ = run.write_interactions(5, I, train_loss=0.7, test_loss=0.9)
    >>> run.completed(), run.read(5).test_loss, run.read(5).arrays["and_values"].tolist()
    ([5], 0.9, [[0.0, 1.0, 1.0, 1.0]])
    """

    def __init__(self, path: str | Path, attrs: dict[str, Any]) -> None:
        self.path = Path(path)
        self.attrs = attrs
        self.repaired: RepairReport | None = None  # what resuming moved aside or restored

    # -- opening -----------------------------------------------------------------------------
    @classmethod
    def create(
        cls,
        path: str | Path,
        config: Mapping[str, Any],
        *,
        players: list[str],
        samples: Mapping[str, Any] | None = None,
        metadata: Mapping[str, Any] | None = None,
    ) -> RunStore:
        """Create an empty run store.

        Create an empty store at ``path`` (which must not exist or be an empty folder; a
        store that holds no results, the leftover of a failed start, is replaced).

        The root is written under a temporary name and renamed, so a half-created store
        never exists.
        """
        path = Path(path)
        if holds_no_results(path):
            shutil.rmtree(path)
        if path.exists() and (not path.is_dir() or any(path.iterdir())):
            raise StoreError(
                f"{path} already exists and is not empty; pass resume=True (--resume) to "
                "continue the run stored there, or choose another --out"
            )
        attrs = {
            "format": FORMAT,
            "schema_version": SCHEMA_VERSION,
            "config": jsonable(dict(config)),
            "config_hash": config_hash(config),
            "players": [str(p) for p in players],
            "n": len(players),
            "samples": jsonable(dict(samples or {})),
            "metadata": jsonable(dict(metadata or {})),
            "package_version": __version__,
            "created": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
        }
        write_root(path, attrs)
        return cls(path, attrs)

    @classmethod
    def open(cls, path: str | Path, config: Mapping[str, Any] | None = None) -> RunStore:
        """Open an existing store; with ``config``, refuse one made with another config."""
        path = Path(path)
        meta = path / "zarr.json"
        if not path.is_dir():
            raise StoreError(f"no run store at {path}: the folder does not exist")
        try:
            doc = json.loads(meta.read_text())
            attrs = doc["attributes"]
            fmt = attrs.get("format")
        except FileNotFoundError as exc:
            raise StoreError(f"{path} is not a run store: {meta.name} is missing") from exc
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            hint = (f"; `harsanyi store repair {path}` restores it from its copy"
                    if (path / MANIFEST).is_file() else "")
            raise StoreError(f"the run store {path} is corrupted: unreadable {meta}: "
                             f"{exc}{hint}") from exc
        if fmt != FORMAT:
            raise StoreError(f"{path} holds format {fmt!r}, not a harsanyi run ({FORMAT!r})")
        for key in ("config", "config_hash", "players", "n"):
            if key not in attrs:
                raise StoreError(f"the run store {path} is corrupted: root attribute {key!r} "
                                 "is missing")
        if not (path / "ckpt").is_dir():
            raise StoreError(f"the run store {path} is corrupted: the ckpt/ group is missing")
        store = cls(path, attrs)
        if config is not None:
            store.check_config(config)
        return store

    @classmethod
    def open_or_create(
        cls,
        path: str | Path,
        config: Mapping[str, Any],
        *,
        resume: bool,
        players: list[str],
        samples: Mapping[str, Any] | None = None,
        metadata: Mapping[str, Any] | None = None,
    ) -> RunStore:
        """Open a run store, or create it.

        ``resume=True``: open (checking ``config``) if it exists, else create; ``False``:
        create (an existing non-empty folder is refused). Resuming repairs the store
        (:func:`~harsanyi.store.verify.repair_store`: damaged checkpoints are moved to
        ``quarantine/`` and will be redone; see ``store.repaired``). A store holding no
        results (a failed start) is replaced in both cases, whatever its configuration.
        """
        path = Path(path)
        found = (path / "zarr.json").exists() or (path / MANIFEST).exists()
        if resume and found and not holds_no_results(path):
            restored = restore_root(path)
            store = cls.open(path, config)
            store.repaired = repair_store(path)
            store.repaired.restored[:0] = restored
            return store
        return cls.create(path, config, players=players, samples=samples, metadata=metadata)

    def check_config(self, config: Mapping[str, Any]) -> None:
        """Raise :class:`ConfigMismatchError` naming the keys where ``config`` differs."""
        if config_hash(config) == self.attrs["config_hash"]:
            return
        diff = config_diff(self.attrs["config"], config)
        if not diff:  # hash of a config we cannot reproduce (e.g. edited by hand)
            raise StoreError(f"the run store {self.path} is corrupted: its config_hash does "
                             "not match its config")
        shown = ", ".join(
            f"{k} (stored {get_dotted(self.attrs['config'], k)!r}, "
            f"now {get_dotted(jsonable(config), k)!r})"
            for k in diff[:8]
        )
        raise ConfigMismatchError(
            f"the run store {self.path} was made with another configuration; differing keys: "
            f"{shown}. Use another --out, or rerun with the stored configuration."
        )

    # -- properties --------------------------------------------------------------------------
    @property
    def config(self) -> dict[str, Any]:
        """The configuration the store was created with."""
        return self.attrs["config"]

    @property
    def players(self) -> list[str]:
        """Player names."""
        return list(self.attrs["players"])

    @property
    def n(self) -> int:
        """Number of players."""
        return int(self.attrs["n"])

    @property
    def sampled(self) -> bool:
        """Whether the run was evaluated on a sampling design (``--budget``), not on 2**n masks."""
        return sampling_of(self.config) is not None

    def design(self) -> SampleDesign:
        """Return the :class:`~harsanyi.games.design.SampleDesign` of a sampled run (checked)."""
        sampling = sampling_of(self.config)
        if sampling is None:
            raise StoreError(f"the run store {self.path} is not sampled: it holds all 2**n "
                             "masks of every game")
        return design_from_arrays(sampling, self.read_array("design_masks"),
                                  self.read_array("design_fit"))

    @property
    def samples(self) -> dict[str, Any]:
        """Per-sample lists stored at creation (``index``, ``split``, ``target``, ...)."""
        return dict(self.attrs.get("samples", {}))

    # -- listing -----------------------------------------------------------------------------
    def completed(self) -> list[int]:
        """Epochs of the finished checkpoints, ascending."""
        return completed_epochs(self.path)

    def has(self, epoch: int) -> bool:
        """Whether checkpoint ``epoch`` is stored and finished."""
        return is_complete(checkpoint_dir(self.path, epoch))

    def incomplete(self) -> list[Path]:
        """Leftovers of interrupted writes: partial folders and checkpoints without marker."""
        out = []
        partial = self.path / PARTIAL
        if partial.is_dir():
            out += sorted(partial.iterdir())
        out += [d for d in sorted((self.path / "ckpt").iterdir())
                if d.is_dir() and not is_complete(d)]
        return out

    def clean_partial(self) -> list[Path]:
        """Remove the leftovers of interrupted writes (their checkpoints will be redone)."""
        removed = self.incomplete()
        for d in removed:
            shutil.rmtree(d, ignore_errors=True)
        remove_if_empty(self.path / PARTIAL)
        return removed

    # -- writing -----------------------------------------------------------------------------
    def write_checkpoint(
        self, epoch: int, arrays: Mapping[str, np.ndarray], attrs: Mapping[str, Any] | None = None
    ) -> Path:
        """Atomically add checkpoint ``epoch`` (arrays of float64; attrs JSON-safe).

        Append-only: a finished checkpoint is never overwritten (:class:`StoreError`). Disk full
        (``ENOSPC``) or any other OS error leaves the finished checkpoints untouched and raises
        :class:`StoreError` (with the original ``errno``).
        """
        return write_checkpoint(self.path, epoch, arrays, attrs)

    def write_interactions(
        self,
        epoch: int,
        interactions: Any,
        *,
        train_loss: float | None = None,
        test_loss: float | None = None,
        **attrs: Any,
    ) -> Path:
        """Store a :class:`harsanyi.Interactions` (samples as batch dim) and the losses."""
        arrays = {k: np.asarray(getattr(interactions, k)) for k in ARRAYS_2D + ARRAYS_1D}
        if arrays["values"].ndim == 1:
            arrays = {k: v[None] for k, v in arrays.items()}
        meta = {"train_loss": train_loss, "test_loss": test_loss,
                "metadata": interactions.metadata, **attrs}
        return self.write_checkpoint(epoch, arrays, meta)

    def write_array(self, name: str, data: np.ndarray) -> Path:
        """Store a run-level array atomically at ``RUN_DIR/extra/<name>``.

        Atomically store a run-level array at ``RUN_DIR/extra/<name>`` (e.g. the principal
        directions of feature components); refuses to overwrite.

        >>> import tempfile
        >>> run = RunStore.create(tempfile.mkdtemp() + "/r", {}, players=["a"])
        >>> _ = run.write_array("directions", np.eye(2))
        >>> run.read_array("directions").tolist()
        [[1.0, 0.0], [0.0, 1.0]]
        """
        return write_extra(self.path, name, data)

    def read_array(self, name: str) -> np.ndarray | None:
        """Read a run-level array written by :meth:`write_array` (``None`` if absent)."""
        return read_extra(self.path, name)

    # -- reading -----------------------------------------------------------------------------
    def read(self, epoch: int, *, verify: bool = False) -> CheckpointRecord:
        """Read checkpoint ``epoch``; ``verify=True`` also checks the sha256 checksums."""
        return read_checkpoint(self.path, epoch, verify=verify)

    def read_interactions(self, epoch: int) -> Any:
        """Checkpoint ``epoch`` as a :class:`harsanyi.Interactions`.

        A sampled run gives a :class:`~harsanyi.extract.sparse_result.SparseInteractions`.
        """
        rec = self.read(epoch)
        if self.sampled:
            return sparse_from_arrays(rec.arrays, self.players,
                                      {**rec.attrs.get("metadata", {}), "epoch": epoch})
        return rec.interactions(self.players)

    def stack(self, name: str, epochs: list[int] | None = None) -> np.ndarray:
        """One array over checkpoints: shape ``(K, *array_shape)`` in epoch order."""
        epochs = self.completed() if epochs is None else epochs
        return np.stack([self.read(e).arrays[name] for e in epochs])

    def arrays(self, split: Split = "all") -> RunArrays | SampledRunArrays:
        """Return every finished checkpoint stacked once, as typed arrays.

        Every finished checkpoint stacked once, as typed arrays (:class:`RunArrays`);
        ``split``: ``"all"``, ``"train"``, ``"test"`` or ``"auto"`` (test when there are any).
        A sampled run gives its curves on the union of supports
        (:class:`~harsanyi.store.union.SampledRunArrays`, nothing of size ``2**n``).
        """
        if self.sampled:
            return read_sampled_arrays(self, split)
        return read_arrays(self, split)

    def losses(self, epochs: list[int] | None = None) -> dict[str, np.ndarray]:
        """Return the losses over finished checkpoints.

        ``{"epoch", "train_loss", "test_loss"}`` arrays over finished checkpoints (or over
        ``epochs``), NaN when a loss was not recorded.
        """
        epochs = self.completed() if epochs is None else list(epochs)
        out: dict[str, list[float]] = {"train_loss": [], "test_loss": []}
        for e in epochs:
            attrs = self._read_attrs(e)
            for k in out:
                v = attrs.get(k)
                out[k].append(np.nan if v is None else float(v))
        return {"epoch": np.asarray(epochs, dtype=np.int64),
                **{k: np.asarray(v, dtype=np.float64) for k, v in out.items()}}

    def _read_attrs(self, epoch: int) -> dict[str, Any]:
        try:
            doc = json.loads((checkpoint_dir(self.path, epoch) / "zarr.json").read_text())
            return doc["attributes"]
        except (OSError, ValueError, KeyError) as exc:
            raise StoreError(f"the run store {self.path} is corrupted: checkpoint {epoch} "
                             f"has unreadable attributes ({exc})") from exc

    def verify(self) -> list[int]:
        """Read every finished checkpoint and check its checksums; returns the epochs."""
        epochs = self.completed()
        for e in epochs:
            self.read(e, verify=True)
        return epochs

    def __repr__(self) -> str:
        return (f"RunStore({str(self.path)!r}, n={self.n}, "
                f"checkpoints={len(self.completed())})")
