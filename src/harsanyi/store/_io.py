"""Small file-system helpers of the run store: checksums, OS errors, empty folders."""

from __future__ import annotations

import contextlib
import errno
import hashlib
from pathlib import Path

import numpy as np

from harsanyi.errors import StoreError

__all__ = ["checksum", "os_error", "remove_if_empty"]


def checksum(arr: np.ndarray) -> str:
    """sha256 of an array's float64 bytes (C order)."""
    return hashlib.sha256(np.ascontiguousarray(arr, dtype=np.float64).tobytes()).hexdigest()


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
