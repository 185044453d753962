"""Small file-system helpers of the run store: checksums, atomic files, OS errors, empty folders."""

from __future__ import annotations

import contextlib
import errno
import hashlib
import os
import uuid
from pathlib import Path

import numpy as np

from harsanyi.errors import StoreError

__all__ = ["EXACT_KINDS", "atomic_write", "checksum", "os_error", "remove_if_empty", "sha256_file",
           "stored_dtype"]


#: Array kinds stored exactly in their own dtype (bitmasks, counts, flags); others as float64.
EXACT_KINDS = "biu"


def stored_dtype(arr: np.ndarray) -> np.dtype:
    """Return the dtype an array is stored with: its own for bool/int/uint, else float64.

    >>> str(stored_dtype(np.zeros(2, np.uint64))), str(stored_dtype(np.zeros(2, np.float32)))
    ('uint64', 'float64')
    """
    arr = np.asarray(arr)
    return arr.dtype if arr.dtype.kind in EXACT_KINDS else np.dtype(np.float64)


def checksum(arr: np.ndarray) -> str:
    """sha256 of an array's stored bytes (C order): float64, or its own bool/int/uint dtype."""
    return hashlib.sha256(np.ascontiguousarray(arr, dtype=stored_dtype(arr)).tobytes()
                          ).hexdigest()


def sha256_file(path: Path) -> str:
    """sha256 of a file's bytes, read in blocks of 1 MiB."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def atomic_write(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` atomically: a synced temporary file, then one rename."""
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}")
    try:
        with open(tmp, "w") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def remove_if_empty(path: Path) -> None:
    """Remove a folder if it exists and is empty."""
    with contextlib.suppress(OSError):
        path.rmdir()


def os_error(exc: OSError, what: str, kept: int | None = None) -> StoreError:
    """Return a :class:`StoreError` (same errno) saying what failed; disk full is named."""
    keep = (f"; the {kept} checkpoints already stored are intact" if kept is not None else "")
    if exc.errno == errno.ENOSPC:
        return StoreError(errno.ENOSPC,
                          f"disk full (no space left on device) while {what}{keep}. Free some "
                          "space and rerun with --resume to continue")
    return StoreError(exc.errno or errno.EIO, f"{type(exc).__name__} while {what}: {exc}{keep}")
