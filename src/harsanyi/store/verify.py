"""Manifests and verification of a run store: what is damaged, never what to do about it.

Every finished checkpoint holds a **manifest** (``ckpt/<epoch>/manifest.json``): the SHA-256
and size of every file of the checkpoint group, written after the data and the completion
marker, atomically (temporary file + rename), before the group is renamed into ``ckpt/``.
The store root has one too (``RUN/manifest.json``) with copies of the root metadata
(``zarr.json``, ``ckpt/zarr.json``), so that a damaged root can be restored. Stores written
before manifests existed (``schema_version`` 1) are verified by reading every array back and
comparing it with the SHA-256 stored in the checkpoint's attributes.

:func:`verify_store` names the bad checkpoints (the repair that moves them aside is
:func:`harsanyi.store.repair.repair_store`). :func:`readable_checkpoints` is what analyses
call: the good epochs, with a :class:`~harsanyi.errors.DamagedCheckpointWarning` for each bad
one naming the repair.
"""

from __future__ import annotations

import hashlib
import json
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from harsanyi.errors import DamagedCheckpointWarning
from harsanyi.store._io import atomic_write, checksum, sha256_file

__all__ = [
    "MANIFEST",
    "SCHEMA_VERSION",
    "VerifyReport",
    "check_folder",
    "check_root",
    "damage_message",
    "read_manifest",
    "readable_checkpoints",
    "schema_version",
    "verify_store",
    "write_manifest",
    "write_root_manifest",
]

MANIFEST = "manifest.json"
SCHEMA_VERSION = 2
_ROOT_FILES = ("zarr.json", "ckpt/zarr.json")
_KIND = "harsanyi.manifest/1"


def schema_version(attrs: dict[str, Any]) -> int:
    """Return the schema version in root attributes (1 when not recorded).

    >>> schema_version({"format": "harsanyi.run/1"}), schema_version({"schema_version": 2})
    (1, 2)
    """
    return int(attrs.get("schema_version", 1))


def write_manifest(folder: str | Path) -> dict[str, Any]:
    """Write ``folder/manifest.json``: SHA-256 and size of every file below ``folder``.

    Call it last, once every file of the folder is written; the manifest itself is written
    atomically. Returns the manifest.

    >>> import tempfile
    >>> d = Path(tempfile.mkdtemp()); _ = (d / "a").write_bytes(b"abc")
    >>> write_manifest(d)["files"]["a"]["bytes"], check_folder(d)
    (3, None)
    """
    folder = Path(folder)
    files = {}
    for p in sorted(folder.rglob("*")):
        rel = p.relative_to(folder).as_posix()
        if p.is_file() and rel != MANIFEST and not p.name.startswith(f".{MANIFEST}."):
            files[rel] = {"sha256": sha256_file(p), "bytes": p.stat().st_size}
    doc = {"kind": _KIND, "files": files}
    atomic_write(folder / MANIFEST, json.dumps(doc, indent=1, sort_keys=True))
    return doc


def write_root_manifest(root: str | Path) -> None:
    """Write ``root/manifest.json`` with checksums and copies of the root metadata files."""
    root = Path(root)
    files, copies = {}, {}
    for rel in _ROOT_FILES:
        text = (root / rel).read_text()
        files[rel] = {"sha256": hashlib.sha256(text.encode()).hexdigest(),
                      "bytes": len(text.encode())}
        copies[rel] = text
    atomic_write(root / MANIFEST, json.dumps({"kind": _KIND, "files": files,
                                               "copies": copies}, indent=1))


def read_manifest(folder: Path) -> dict[str, Any] | None:
    """Read the manifest of ``folder`` (``None`` when absent; ValueError when unreadable).

    >>> import tempfile
    >>> d = Path(tempfile.mkdtemp()); _ = write_manifest(d)
    >>> read_manifest(d)["files"], read_manifest(d / "absent")
    ({}, None)
    """
    path = folder / MANIFEST
    if not path.exists():
        return None
    doc = json.loads(path.read_text())
    if not isinstance(doc, dict) or doc.get("kind") != _KIND or not isinstance(
            doc.get("files"), dict):
        raise ValueError("not a harsanyi manifest")
    return doc


def _check_files(folder: Path, files: dict[str, Any]) -> str | None:
    for rel, want in files.items():
        p = folder / rel
        if not p.is_file():
            return f"{rel} is missing"
        size = p.stat().st_size
        if size != want["bytes"]:
            return f"{rel} has {size} bytes instead of {want['bytes']} (truncated or altered)"
        if sha256_file(p) != want["sha256"]:
            return f"{rel} fails its SHA-256 checksum"
    return None


def _check_legacy(folder: Path) -> str | None:
    """Check a checkpoint without manifest: read every array, compare its checksum."""
    import zarr  # heavy: zarr loads only when a store is read or written

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            group = zarr.open_group(str(folder), mode="r")
            sums = dict(group.attrs)["checksums"]
            for name, want in sums.items():
                if checksum(np.asarray(group[name][...])) != want:
                    return f"array {name!r} fails its checksum"
    except Exception as exc:  # zarr/codec/json errors all mean a damaged checkpoint
        return f"cannot be read ({type(exc).__name__}: {str(exc)[:200]})"
    return None


def check_folder(folder: str | Path) -> str | None:
    """Say why a checkpoint folder is damaged.

    Why a finished checkpoint (or run-level array) folder is damaged, or ``None`` if it
    verifies: against its manifest, else (schema 1) by reading its arrays back.
    """
    folder = Path(folder)
    try:
        marker = json.loads((folder / "zarr.json").read_text())["attributes"]["complete"]
    except (OSError, ValueError, KeyError, TypeError):
        marker = None
    try:
        doc = read_manifest(folder)
    except (OSError, ValueError) as exc:
        return f"{MANIFEST} is unreadable ({exc})"
    if doc is not None:
        return _check_files(folder, doc["files"])
    if marker is not True:
        return "zarr.json is unreadable or has no completion marker"
    return _check_legacy(folder)


@dataclass
class VerifyReport:
    """Report of a store's verification.

    What :func:`verify_store` found: ``good`` epochs, ``bad`` epochs with the reason,
    damaged root files / run-level arrays (``other``) and leftovers of interrupted writes.
    """

    path: Path
    good: list[int] = field(default_factory=list)
    bad: dict[int, str] = field(default_factory=dict)
    other: dict[str, str] = field(default_factory=dict)
    partial: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """Whether nothing is damaged (leftovers of interrupted writes are not damage)."""
        return not self.bad and not self.other


def check_root(root: Path) -> dict[str, str]:
    """Say which root metadata files of the store ``root`` are damaged (file -> why).

    Checked against the root manifest; a store without one (schema 1) only needs a
    readable ``zarr.json``.

    >>> import tempfile
    >>> from harsanyi.store import RunStore
    >>> run = RunStore.create(tempfile.mkdtemp() + "/r", {}, players=["a"])
    >>> _ = (run.path / "zarr.json").write_text("{}")
    >>> check_root(run.path)
    {'zarr.json': 'zarr.json has 2 bytes instead of ...'}
    """
    out: dict[str, str] = {}
    try:
        doc = read_manifest(root)
    except (OSError, ValueError) as exc:
        return {MANIFEST: f"unreadable ({exc})"}
    if doc is None:  # schema 1: no copies; the root must at least parse
        try:
            json.loads((root / "zarr.json").read_text())["attributes"]["format"]
        except (OSError, ValueError, KeyError, TypeError) as exc:
            out["zarr.json"] = f"unreadable ({type(exc).__name__}: {exc})"
        return out
    for rel, want in doc["files"].items():
        bad = _check_files(root, {rel: want})
        if bad:
            out[rel] = bad
    return out


def verify_store(path: str | Path) -> VerifyReport:
    """Check every checkpoint (and run-level array) of the store at ``path``.

    >>> import tempfile, harsanyi as hs
    >>> from harsanyi.store import RunStore
    >>> run = RunStore.create(tempfile.mkdtemp() + "/r", {}, players=["a", "b"])
    >>> _ = run.write_interactions(3, hs.mobius([[0.0, 1.0, 1.0, 3.0]]))
    >>> rep = verify_store(run.path); rep.good, rep.bad, rep.ok
    ([3], {}, True)
    """
    root = Path(path)
    rep = VerifyReport(root, other=check_root(root))
    ckpt = root / "ckpt"
    for d in sorted(ckpt.iterdir()) if ckpt.is_dir() else []:
        if d.is_dir() and d.name.isdigit():
            why = check_folder(d)
            if why is None:
                rep.good.append(int(d.name))
            else:
                rep.bad[int(d.name)] = why
    extra = root / "extra"
    for d in sorted(extra.iterdir()) if extra.is_dir() else []:
        if d.is_dir():
            why = check_folder(d)
            if why is not None:
                rep.other[f"extra/{d.name}"] = why
    partial = root / ".partial"
    rep.partial = sorted(p.name for p in partial.iterdir()) if partial.is_dir() else []
    return rep


def readable_checkpoints(store: Any) -> list[int]:
    """Return the epochs of the checkpoints that verify.

    Epochs of the checkpoints of ``store`` (a :class:`~harsanyi.store.RunStore`) that
    verify, ascending; each damaged one is skipped with a
    :class:`~harsanyi.errors.DamagedCheckpointWarning` naming it and the repair.

    >>> import tempfile, harsanyi as hs
    >>> from harsanyi.store import RunStore
    >>> run = RunStore.create(tempfile.mkdtemp() + "/r", {}, players=["a", "b"])
    >>> for e in (1, 2): _ = run.write_interactions(e, hs.mobius([[0.0, 1.0, 1.0, 3.0]]))
    >>> with open(run.path / "ckpt/000001/values/c/0/0", "r+b") as f: _ = f.write(b"XXXX")
    >>> with warnings.catch_warnings(record=True) as w:
    ...     warnings.simplefilter("always"); good = readable_checkpoints(run)
    >>> good, "checkpoint 1" in str(w[0].message)
    ([2], True)
    """
    rep = verify_store(store.path)
    for epoch, why in rep.bad.items():
        warnings.warn(damage_message(store.path, epoch, why), DamagedCheckpointWarning,
                      stacklevel=2)
    return rep.good


def damage_message(path: str | Path, epoch: int, why: str) -> str:
    """Return the warning of a damaged checkpoint: what is wrong, what repairs it."""
    return (f"checkpoint {epoch} of the run store {path} is damaged ({why}) and is skipped. "
            f"`harsanyi store repair {path}` moves it aside; rerun the `harsanyi monitor` "
            "command of this run with --resume to recompute it (resuming also repairs)")
