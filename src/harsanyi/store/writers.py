"""Atomic writes of a run store: its root skeleton, its checkpoints and its run-level arrays.

Each write goes to a temporary folder (``RUN/.partial/...``, or a hidden sibling for the
root), is sealed (the completion marker ``complete: true`` with the arrays' checksums, then the
manifest) and renamed into place in one ``os.rename``; so a folder in ``ckpt/`` or ``extra/``
is either finished or, on file systems without atomic rename, lacks the marker
(:func:`is_complete`). :class:`~harsanyi.store.RunStore` delegates its writes here.
"""

from __future__ import annotations

import json
import os
import shutil
import uuid
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from harsanyi.errors import StoreError
from harsanyi.store._io import checksum, os_error, remove_if_empty, stored_dtype
from harsanyi.store.config import jsonable
from harsanyi.store.verify import write_manifest, write_root_manifest

__all__ = ["PARTIAL", "checkpoint_dir", "completed_epochs", "is_complete", "write_checkpoint",
           "write_derived", "write_extra", "write_root"]

#: Folder of the writes under way (removed when empty).
PARTIAL = ".partial"


def checkpoint_dir(root: str | Path, epoch: int) -> Path:
    """Return the folder of checkpoint ``epoch`` in the store ``root`` (6-digit name).

    >>> checkpoint_dir("run", 12).as_posix()
    'run/ckpt/000012'
    """
    return Path(root) / "ckpt" / f"{int(epoch):06d}"


def is_complete(folder: str | Path) -> bool:
    """Return whether ``folder`` is a finished write (its completion marker is set).

    >>> is_complete("no/such/folder")
    False
    """
    try:
        doc = json.loads((Path(folder) / "zarr.json").read_text())
        return bool(doc["attributes"].get("complete"))
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return False


def completed_epochs(root: str | Path) -> list[int]:
    """Return the epochs of the finished checkpoints of the store ``root``, ascending."""
    ckpt = Path(root) / "ckpt"
    return sorted(int(d.name) for d in ckpt.iterdir()
                  if d.is_dir() and d.name.isdigit() and is_complete(d))


def _write_array(group: Any, name: str, data: np.ndarray) -> None:
    """Write one array into a zarr group (the single place that writes array bytes)."""
    import zarr  # heavy: zarr loads only when a store is read or written

    data = np.ascontiguousarray(data, dtype=stored_dtype(data))
    arr = group.create_array(name, shape=data.shape, dtype=data.dtype,
                             chunks=data.shape if data.size else None,
                             compressors=zarr.codecs.ZstdCodec(level=3, checksum=True))
    if data.size:
        arr[...] = data


def write_root(path: str | Path, attrs: Mapping[str, Any]) -> None:
    """Write the empty skeleton of a store at ``path`` (an absent or empty folder).

    The root group (with ``attrs``), its ``ckpt/`` group and the root manifest are written
    under a temporary name and renamed, so a half-created store never exists.

    >>> import tempfile
    >>> root = Path(tempfile.mkdtemp()) / "run"
    >>> write_root(root, {"format": "harsanyi.run/1"})
    >>> sorted(p.name for p in root.iterdir()), completed_epochs(root)
    (['ckpt', 'manifest.json', 'zarr.json'], [])
    """
    import zarr  # heavy: zarr loads only when a store is read or written

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.parent / f".{path.name}.creating-{uuid.uuid4().hex[:8]}"
    try:
        root = zarr.open_group(str(tmp), mode="w", attributes=dict(attrs))
        root.create_group("ckpt")
        write_root_manifest(tmp)
        if path.exists():
            path.rmdir()
        os.rename(tmp, path)
    except OSError as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        raise os_error(exc, f"creating the run store {path}") from exc


def write_checkpoint(root: str | Path, epoch: int, arrays: Mapping[str, np.ndarray],
                     attrs: Mapping[str, Any] | None = None) -> Path:
    """Atomically add checkpoint ``epoch`` to the store ``root``; returns its folder.

    Arrays are stored as float64 (bool, int and uint arrays, such as bitmasks, in their own
    dtype) with their sha256 in the attributes (``checksums``);
    ``attrs`` must be JSON-safe. Append-only: a finished checkpoint is never overwritten
    (:class:`StoreError`). Disk full (``ENOSPC``) or any other OS error leaves the finished
    checkpoints untouched and raises :class:`StoreError` (with the original ``errno``).

    >>> import tempfile
    >>> root = Path(tempfile.mkdtemp()) / "run"; write_root(root, {})
    >>> write_checkpoint(root, 3, {"values": np.zeros((1, 4))}).name, completed_epochs(root)
    ('000003', [3])
    """
    import zarr  # heavy: zarr loads only when a store is read or written

    root, epoch = Path(root), int(epoch)
    final = checkpoint_dir(root, epoch)
    if is_complete(final):
        raise StoreError(f"checkpoint {epoch} is already stored in {root} "
                         "(the store is append-only)")
    tmp = root / PARTIAL / f"{epoch:06d}-{os.getpid()}-{uuid.uuid4().hex[:8]}"
    body = {"epoch": epoch, **jsonable(dict(attrs or {})), "complete": False}
    try:
        tmp.parent.mkdir(exist_ok=True)
        group = zarr.open_group(str(tmp), mode="w", attributes=body)
        sums = {}
        for name, data in arrays.items():
            data = np.asarray(data, dtype=stored_dtype(np.asarray(data)))
            _write_array(group, name, data)
            sums[name] = checksum(data)
        group.attrs.update({"complete": True, "checksums": sums})  # the completion marker
        write_manifest(tmp)
        if final.exists():  # a group without marker: half-written, redo it
            shutil.rmtree(final)
        os.rename(tmp, final)
    except OSError as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        raise os_error(exc, f"writing checkpoint {epoch} to {root}",
                       kept=len(completed_epochs(root))) from exc
    remove_if_empty(root / PARTIAL)
    return final


def write_extra(root: str | Path, name: str, data: np.ndarray) -> Path:
    """Atomically store a run-level array at ``root/extra/<name>``; returns its folder.

    The array (float64) is the group's one array ``data``; ``name`` is an identifier, and an
    array already stored under it is never overwritten (:class:`StoreError`).

    >>> import tempfile
    >>> root = Path(tempfile.mkdtemp()) / "run"; write_root(root, {})
    >>> write_extra(root, "directions", np.eye(2)).relative_to(root).as_posix()
    'extra/directions'
    """
    import zarr  # heavy: zarr loads only when a store is read or written

    root = Path(root)
    if not name.isidentifier():
        raise ValueError(f"array names are identifiers; got {name!r}")
    final = root / "extra" / name
    if final.exists():
        raise StoreError(f"array {name!r} is already stored in {root}")
    tmp = root / PARTIAL / f"extra-{name}-{uuid.uuid4().hex[:8]}"
    try:
        tmp.parent.mkdir(exist_ok=True)
        extra = root / "extra"
        if not (extra / "zarr.json").exists():
            zarr.open_group(str(extra), mode="a")
        group = zarr.open_group(str(tmp), mode="w")
        _write_array(group, "data", np.asarray(data))
        group.attrs.update({"complete": True,
                            "checksums": {"data": checksum(np.asarray(data))}})
        write_manifest(tmp)
        os.rename(tmp, final)
    except OSError as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        raise os_error(exc, f"writing array {name!r} to {root}") from exc
    remove_if_empty(root / PARTIAL)
    return final


def write_derived(root: str | Path, name: str, arrays: Mapping[str, np.ndarray],
                  attrs: Mapping[str, Any] | None = None) -> Path:
    """Write a group of arrays derived from the checkpoints at ``root/<name>``, replacing it.

    Unlike checkpoints and run-level arrays, a derived group (e.g. the curves refitted on the
    union of the supports, recomputed when checkpoints are added) is replaced: the new group
    is sealed under ``.partial/``, the old one is moved aside, the new one renamed into place
    and the old one removed. A reader sees the old group, the new one, or (killed in between)
    none, and then recomputes it.

    >>> import tempfile
    >>> root = Path(tempfile.mkdtemp()) / "run"; write_root(root, {})
    >>> _ = write_derived(root, "union", {"a": np.zeros(2)}, {"epochs": [1]})
    >>> write_derived(root, "union", {"a": np.ones(2)}, {"epochs": [1, 2]}).name
    'union'
    """
    import zarr  # heavy: zarr loads only when a store is read or written

    root = Path(root)
    if not name.isidentifier():
        raise ValueError(f"group names are identifiers; got {name!r}")
    final = root / name
    tag = uuid.uuid4().hex[:8]
    tmp, old = root / PARTIAL / f"{name}-{tag}", root / PARTIAL / f"{name}-old-{tag}"
    try:
        tmp.parent.mkdir(exist_ok=True)
        group = zarr.open_group(str(tmp), mode="w", attributes=jsonable(dict(attrs or {})))
        sums = {}
        for key, data in arrays.items():
            _write_array(group, key, np.asarray(data))
            sums[key] = checksum(np.asarray(data))
        group.attrs.update({"complete": True, "checksums": sums})
        write_manifest(tmp)
        if final.exists():
            os.rename(final, old)
        os.rename(tmp, final)
        shutil.rmtree(old, ignore_errors=True)
    except OSError as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        raise os_error(exc, f"writing {name!r} to {root}") from exc
    remove_if_empty(root / PARTIAL)
    return final
