"""Repair of a run store: put a damaged or failed store back into a state a run continues from.

:func:`repair_store` moves every checkpoint (and run-level array) that fails verification
(:func:`harsanyi.store.verify.verify_store`) aside into ``RUN/quarantine/<epoch>-<UTC time>/``
(data is never deleted), restores damaged root metadata from its copy in the root manifest
(:func:`restore_root`) and removes the leftovers of interrupted writes (``.partial/``), so that
``harsanyi monitor --resume`` recomputes exactly the checkpoints that were moved.
:func:`holds_no_results` recognises a failed start (an empty skeleton) that a rerun replaces.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import json
import os
import shutil
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from harsanyi.errors import StoreError
from harsanyi.store._io import atomic_write, remove_if_empty
from harsanyi.store.verify import MANIFEST, check_root, read_manifest, verify_store

__all__ = ["QUARANTINE", "RepairReport", "holds_no_results", "repair_store", "restore_root"]

QUARANTINE = "quarantine"


@dataclass
class RepairReport:
    """Report of a repair.

    What :func:`repair_store` did: ``moved`` (epoch or ``extra/NAME`` -> quarantine
    folder), root files ``restored`` from their copies, ``removed`` leftovers.
    """

    moved: dict[Any, Path] = field(default_factory=dict)
    restored: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    reasons: dict[Any, str] = field(default_factory=dict)


def _quarantine(root: Path, folder: Path, label: str) -> Path:
    stamp = _dt.datetime.now(_dt.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    dest = root / QUARANTINE / f"{label}-{stamp}"
    if dest.exists():
        dest = dest.with_name(f"{dest.name}-{uuid.uuid4().hex[:6]}")
    dest.parent.mkdir(exist_ok=True)
    os.rename(folder, dest)
    return dest


def restore_root(path: str | Path) -> list[str]:
    """Restore damaged root metadata from its copies.

    Rewrite damaged root metadata files from the copies in ``RUN/manifest.json``; returns
    the files restored. Raises :class:`StoreError` when a file is damaged and no good copy
    exists.

    >>> import tempfile
    >>> from harsanyi.store import RunStore
    >>> run = RunStore.create(tempfile.mkdtemp() + "/r", {}, players=["a"])
    >>> _ = (run.path / "zarr.json").write_text("{}")
    >>> restore_root(run.path), RunStore.open(run.path).players
    (['zarr.json'], ['a'])
    """
    root = Path(path)
    bad = check_root(root)
    if not bad:
        return []
    if MANIFEST in bad:
        raise StoreError(f"the run store {root} is corrupted: its {MANIFEST} is {bad[MANIFEST]} "
                         "and cannot be used to check or restore the root metadata")
    doc = read_manifest(root)
    if doc is None:
        raise StoreError(f"the run store {root} is corrupted: zarr.json is {bad['zarr.json']} "
                         "and the store (written before schema 2) keeps no copy of it")
    for rel in bad:
        text = doc["copies"][rel]
        if hashlib.sha256(text.encode()).hexdigest() != doc["files"][rel]["sha256"]:
            raise StoreError(f"the run store {root} is corrupted: {rel} and its copy in "
                             f"{MANIFEST} are both damaged")
        atomic_write(root / rel, text)
    return sorted(bad)


def repair_store(path: str | Path) -> RepairReport:
    """Repair a run store.

    Move every checkpoint (and run-level array) that fails verification into
    ``RUN/quarantine/``, restore damaged root metadata from its copy, remove ``.partial/``
    leftovers. Finished, verified checkpoints are not touched. Take the writer lock first
    (:class:`harsanyi.store.lock.WriterLock`) when a monitor could be writing.

    >>> import tempfile, harsanyi as hs
    >>> from harsanyi.store import RunStore
    >>> run = RunStore.create(tempfile.mkdtemp() + "/r", {}, players=["a", "b"])
    >>> for e in (1, 2): _ = run.write_interactions(e, hs.mobius([[0.0, 1.0, 1.0, 3.0]]))
    >>> _ = (run.path / "ckpt/000002/values/zarr.json").write_text("{}")
    >>> rep = repair_store(run.path); sorted(rep.moved), run.completed()
    ([2], [1])
    """
    root = Path(path)
    rep = RepairReport(restored=restore_root(root))
    found = verify_store(root)
    for epoch, why in found.bad.items():
        rep.moved[epoch] = _quarantine(root, root / "ckpt" / f"{epoch:06d}", f"{epoch:06d}")
        rep.reasons[epoch] = why
    for key, why in found.other.items():
        if key.startswith("extra/"):
            rep.moved[key] = _quarantine(root, root / key, key.replace("/", "-"))
            rep.reasons[key] = why
    partial = root / ".partial"
    for p in sorted(partial.iterdir()) if partial.is_dir() else []:
        shutil.rmtree(p, ignore_errors=True)
        rep.removed.append(p.name)
    remove_if_empty(partial)
    return rep


def holds_no_results(path: str | Path) -> bool:
    """Tell whether a store holds no result yet.

    Whether ``path`` is a run store with nothing in it but its empty skeleton (no
    checkpoint, run-level array or quarantined folder): a failed start that a corrected
    rerun may replace.

    >>> import tempfile
    >>> from harsanyi.store import RunStore
    >>> holds_no_results(RunStore.create(tempfile.mkdtemp() + "/r", {}, players=["a"]).path)
    True
    """
    root = Path(path)
    if not root.is_dir() or not ((root / "zarr.json").is_file() or (root / MANIFEST).is_file()):
        return False
    for entry in root.iterdir():
        if entry.name in ("zarr.json", MANIFEST, ".partial"):
            continue
        if entry.name != "ckpt" or not entry.is_dir():
            return False
        if any(e.name != "zarr.json" for e in entry.iterdir()):
            return False
    try:  # the skeleton must be ours: the root or its manifest names the format
        fmt = json.loads((root / "zarr.json").read_text())["attributes"]["format"]
        return str(fmt).startswith("harsanyi.run/")
    except (OSError, ValueError, KeyError, TypeError):
        try:
            return read_manifest(root) is not None
        except (OSError, ValueError):
            return False
