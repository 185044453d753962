"""The one reader and writer of ``RUN/analysis/``, the results stored next to a run store.

Schema (plain files, any writer will do; every file is optional):

- ``boundaries.json``: ``{"phase_boundary": epoch | null, "gap_onset": epoch | null,
  "distance": epochs | null, "rule": str}`` — the phase boundary and the loss-gap onset
  (:func:`~harsanyi.analysis.analyse_phases`);
- ``theory.npz``: ``epochs`` (J,), ``real`` (J, n), ``theo`` (J, n), ``sigma2`` (J,), optional
  ``error`` (J,) — paper A's σ² fit (:func:`~harsanyi.analysis.analyse_fit`); or
  ``theory.json``, what ``harsanyi theory fit FOLDER --json FILE`` writes (epochs are read
  from its checkpoint labels: their last integer, ``"epoch_12.npz"`` -> 12);
- ``groups.npz``: ``labels`` (m,) str, ``curves`` (m, K), optional ``counts_by_order``
  (5, n) for orders ``1..n``, optional ``names`` (m,) str — paper C's five groups
  (:func:`~harsanyi.analysis.analyse_groups`);
- ``decay_spindle.npz``: ``decay`` (K, n), ``spindle`` (K, n), optional ``real`` (K, n) and
  ``epochs`` (K,) — paper D's split (:func:`~harsanyi.analysis.analyse_decay_spindle`).

Files are written atomically (a temporary file renamed into place).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from harsanyi.errors import StoreError

__all__ = ["ANALYSIS_DIR", "AnalysisFolder", "BoundariesRecord", "DecaySpindleRecord",
           "GroupsRecord", "TheoryRecord"]

#: Name of the folder next to a run store's arrays that holds the analysis results.
ANALYSIS_DIR = "analysis"


@dataclass(frozen=True)
class BoundariesRecord:
    """``boundaries.json``: epochs of the phase boundary and the gap onset, their distance."""

    phase_boundary: float | None = None
    gap_onset: float | None = None
    distance: float | None = None
    rule: str = "harsanyi.dynamics.phases (our rules)"


@dataclass(frozen=True)
class TheoryRecord:
    """``theory.npz``: paper A's σ² fit at ``J`` checkpoints (arrays as in the schema)."""

    epochs: np.ndarray
    real: np.ndarray
    theo: np.ndarray
    sigma2: np.ndarray
    error: np.ndarray | None = None


@dataclass(frozen=True)
class GroupsRecord:
    """The ``groups.npz`` record.

    ``groups.npz``: the group and curve of every tracked interaction (``per_sample``: how
    many samples they come from, not stored).
    """

    labels: np.ndarray
    curves: np.ndarray
    counts_by_order: np.ndarray | None = None
    names: np.ndarray | None = None
    per_sample: int | None = None


@dataclass(frozen=True)
class DecaySpindleRecord:
    """``decay_spindle.npz``: magnitudes of the decay and spindle parts by order."""

    decay: np.ndarray
    spindle: np.ndarray
    real: np.ndarray | None = None
    epochs: np.ndarray | None = None


def _npz(path: Path) -> dict[str, np.ndarray] | None:
    if not path.is_file():
        return None
    try:
        with np.load(path, allow_pickle=False) as z:
            return {k: z[k] for k in z.files}
    except (OSError, ValueError) as exc:
        raise StoreError(f"analysis file {path} cannot be read ({exc})") from exc


class AnalysisFolder:
    """``RUN/analysis/`` of the run store at ``run`` (see the module docstring for the schema).

    >>> import tempfile
    >>> folder = AnalysisFolder(tempfile.mkdtemp())
    >>> _ = folder.write_boundaries(BoundariesRecord(4, 11, 7))
    >>> doc = folder.read_boundaries()
    >>> doc["phase_boundary"], doc["gap_onset"], doc["distance"]
    (4, 11, 7)
    """

    def __init__(self, run: str | Path) -> None:
        self.path = Path(run) / ANALYSIS_DIR

    def _file(self, name: str) -> Path:
        self.path.mkdir(exist_ok=True)
        return self.path / name

    def _save_npz(self, name: str, **arrays: Any) -> Path:
        out = self._file(name)
        tmp = self.path / f".{name}.tmp.npz"
        np.savez(tmp, **{k: v for k, v in arrays.items() if v is not None})
        tmp.replace(out)
        return out

    def write_boundaries(self, rec: BoundariesRecord) -> Path:
        """Write ``boundaries.json``."""
        out = self._file("boundaries.json")
        doc = {"phase_boundary": rec.phase_boundary, "gap_onset": rec.gap_onset,
               "distance": rec.distance, "rule": rec.rule}
        out.write_text(json.dumps(doc, indent=1))
        return out

    def write_theory(self, rec: TheoryRecord) -> Path:
        """Write ``theory.npz``."""
        return self._save_npz("theory.npz", epochs=np.asarray(rec.epochs, np.float64),
                              real=rec.real, theo=rec.theo, sigma2=rec.sigma2, error=rec.error)

    def write_groups(self, rec: GroupsRecord) -> Path:
        """Write ``groups.npz``."""
        return self._save_npz("groups.npz", labels=np.asarray(rec.labels).astype(str),
                              curves=rec.curves, counts_by_order=rec.counts_by_order,
                              names=None if rec.names is None else np.asarray(rec.names))

    def write_decay_spindle(self, rec: DecaySpindleRecord) -> Path:
        """Write ``decay_spindle.npz``."""
        return self._save_npz("decay_spindle.npz", decay=rec.decay, spindle=rec.spindle,
                              real=rec.real, epochs=None if rec.epochs is None
                              else np.asarray(rec.epochs, np.float64))

    def read_boundaries(self) -> dict[str, Any] | None:
        """``boundaries.json`` as a dict (either epoch may be missing), or None."""
        path = self.path / "boundaries.json"
        if not path.is_file():
            return None
        try:
            return dict(json.loads(path.read_text()))
        except (ValueError, TypeError) as exc:
            raise StoreError(f"analysis file {path} is not valid JSON ({exc})") from exc

    def read_theory(self) -> TheoryRecord | None:
        """``theory.npz`` (or else ``theory.json``) as a :class:`TheoryRecord`, or None."""
        th = _npz(self.path / "theory.npz")
        if th is not None:
            return TheoryRecord(th["epochs"], th["real"], th["theo"], th["sigma2"],
                                th.get("error"))
        path = self.path / "theory.json"
        if not path.is_file():
            return None
        try:
            doc = json.loads(path.read_text())
            labels = [str(c) for c in doc["checkpoints"]]
            epochs = np.array([float(re.findall(r"\d+", c)[-1]) for c in labels])
            error = doc.get("error")
            return TheoryRecord(epochs, np.asarray(doc["real"], np.float64),
                                np.asarray(doc["theo"], np.float64),
                                np.asarray(doc["sigma2"], np.float64),
                                None if error is None else np.asarray(error, np.float64))
        except (ValueError, KeyError, IndexError, TypeError) as exc:
            raise StoreError(f"analysis file {path} is not a theory fit written by "
                             f"`harsanyi theory fit --json` ({type(exc).__name__}: {exc})"
                             ) from exc

    def read_groups(self) -> GroupsRecord | None:
        """``groups.npz`` as a :class:`GroupsRecord`, or None."""
        gr = _npz(self.path / "groups.npz")
        if gr is None:
            return None
        return GroupsRecord(gr["labels"], gr["curves"], gr.get("counts_by_order"),
                            gr.get("names"))

    def read_decay_spindle(self) -> DecaySpindleRecord | None:
        """``decay_spindle.npz`` as a :class:`DecaySpindleRecord`, or None."""
        ds = _npz(self.path / "decay_spindle.npz")
        if ds is None:
            return None
        return DecaySpindleRecord(ds["decay"], ds["spindle"], ds.get("real"), ds.get("epochs"))
