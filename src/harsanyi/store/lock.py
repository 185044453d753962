"""One writer at a time: the writer lock of a run store.

The lock of ``RUN`` is the file ``.RUN.lock`` next to it (beside the folder, so that it exists
before the store is created and survives its replacement). It holds the holder's PID and host
and is held with ``flock``: the kernel drops the lock when the holder dies, ``kill -9``
included, so a dead holder never keeps it. A second writer is refused with
:class:`~harsanyi.errors.StoreLockedError` naming the holder's PID and host; a lock file left by
a dead holder is taken over with a warning. Where ``flock`` is unavailable (not POSIX) the
holder's PID is checked instead, on the same host.

A lock is re-entrant within one process (the monitor, a repair and a resume in one Python
session share it) and released when the last user releases it or the process exits.
"""

from __future__ import annotations

import atexit
import errno
import json
import os
import socket
import threading
import warnings
from pathlib import Path
from typing import Any

from harsanyi.errors import StoreLockedError

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

__all__ = ["WriterLock", "lock_path", "pid_alive", "read_holder"]

_HELD: dict[str, tuple[int | None, int]] = {}  # lock file -> (fd, users) in this process
_GUARD = threading.Lock()


def lock_path(store: str | Path) -> Path:
    """Return the lock file of the store folder ``store``.

    >>> lock_path("/data/runs/mlp5").as_posix()
    '/data/runs/.mlp5.lock'
    """
    p = Path(store).absolute()
    return p.parent / f".{p.name}.lock"


def pid_alive(pid: int) -> bool:
    """Whether a process ``pid`` exists on this host (zombies count as dead).

    >>> pid_alive(os.getpid())
    True
    """
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:  # a zombie is dead but still listed
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return True


def read_holder(path: str | Path) -> dict[str, Any] | None:
    """``{"pid", "host", ...}`` recorded in a lock file, or ``None`` (absent or empty)."""
    try:
        doc = json.loads(Path(path).read_text())
        return doc if isinstance(doc, dict) else None
    except (OSError, ValueError):
        return None


def _refuse(store: Path, lock: Path, holder: dict[str, Any] | None) -> StoreLockedError:
    who = (f"process {holder.get('pid')} on host {holder.get('host')}" if holder
           else "another process")
    return StoreLockedError(
        errno.EBUSY,
        f"the run store {store} is being written by {who} (lock {lock}); wait for it to "
        "finish or stop it. If that process is gone (another host), delete the lock file")


class WriterLock:
    """The writer lock of a run store folder (see the module docstring).

    >>> import tempfile
    >>> lock = WriterLock(tempfile.mkdtemp() + "/run").acquire()
    >>> read_holder(lock.path)["pid"] == os.getpid()
    True
    >>> lock.release(); lock.path.exists()
    False
    """

    def __init__(self, store: str | Path) -> None:
        self.store = Path(store)
        self.path = lock_path(store)
        self.held = False

    def acquire(self) -> WriterLock:
        """Take the lock or raise :class:`StoreLockedError` (holder's PID and host named)."""
        key = str(self.path)
        with _GUARD:
            if self.held:
                return self
            if key in _HELD:
                fd, users = _HELD[key]
                _HELD[key] = (fd, users + 1)
            else:
                _HELD[key] = (self._take(), 1)
            self.held = True
        return self

    def _take(self) -> int | None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        host, pid = socket.gethostname(), os.getpid()
        if fcntl is None:  # pragma: no cover - Windows: PID check only
            old = read_holder(self.path)
            if old and old.get("host") == host and pid_alive(int(old.get("pid", -1))):
                raise _refuse(self.store, self.path, old)
            self._write(None, host, pid, old)
            return None
        for _ in range(10):
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError as exc:
                os.close(fd)
                if exc.errno in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
                    raise _refuse(self.store, self.path, read_holder(self.path)) from None
                raise
            try:  # the file we locked must still be the one at the path (not unlinked)
                same = os.fstat(fd).st_ino == os.stat(self.path).st_ino
            except FileNotFoundError:
                same = False
            if same:
                self._write(fd, host, pid, read_holder(self.path))
                return fd
            os.close(fd)
        raise _refuse(self.store, self.path, read_holder(self.path))

    def _write(self, fd: int | None, host: str, pid: int, old: dict[str, Any] | None) -> None:
        if old and old.get("pid") is not None and (old.get("pid"), old.get("host")) != (pid, host):
            warnings.warn(f"took over the lock of {self.store} left by process {old.get('pid')} "
                          f"on host {old.get('host')}, which no longer holds it (killed?)",
                          UserWarning, stacklevel=4)
        body = json.dumps({"pid": pid, "host": host, "store": str(self.store)}).encode()
        if fd is None:  # pragma: no cover - Windows
            self.path.write_bytes(body)
            return
        os.ftruncate(fd, 0)
        os.pwrite(fd, body, 0)

    def release(self) -> None:
        """Release this user's hold; the last one removes the lock file."""
        key = str(self.path)
        with _GUARD:
            if not self.held:
                return
            self.held = False
            fd, users = _HELD[key]
            if users > 1:
                _HELD[key] = (fd, users - 1)
                return
            del _HELD[key]
            self.path.unlink(missing_ok=True)
            if fd is not None:
                os.close(fd)

    def __enter__(self) -> WriterLock:
        return self.acquire()

    def __exit__(self, *exc: Any) -> None:
        self.release()


@atexit.register
def _release_all() -> None:
    with _GUARD:
        for key, (fd, _) in list(_HELD.items()):
            Path(key).unlink(missing_ok=True)
            if fd is not None:
                os.close(fd)
        _HELD.clear()
