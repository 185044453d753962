"""One writer at a time: the writer lock of a run store."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time

import pytest

from harsanyi.errors import StoreLockedError
from harsanyi.store.lock import WriterLock, lock_path, read_holder

HOLD = ("import sys, time; from harsanyi.store.lock import WriterLock; "
        "WriterLock(sys.argv[1]).acquire(); print('held', flush=True); time.sleep(60)")


def _holder(store):
    proc = subprocess.Popen([sys.executable, "-c", HOLD, str(store)], stdout=subprocess.PIPE,
                            text=True)
    assert proc.stdout.readline().strip() == "held"
    return proc


def test_second_writer_is_refused_with_pid_and_host(tmp_path):
    store = tmp_path / "run"
    proc = _holder(store)
    try:
        with pytest.raises(StoreLockedError) as info:
            WriterLock(store).acquire()
        msg = str(info.value)
        assert f"process {proc.pid} on host {socket.gethostname()}" in msg
        assert str(lock_path(store)) in msg
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    # the holder was killed (-9): the kernel dropped its lock; the stale file is taken over
    with pytest.warns(UserWarning, match=f"left by process {proc.pid} .*no longer holds it"):
        lock = WriterLock(store).acquire()
    assert read_holder(lock.path)["pid"] == os.getpid()
    lock.release()
    assert not lock.path.exists()


def test_stale_lock_file_of_a_dead_process_is_taken_over(tmp_path):
    store = tmp_path / "run"
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True).stdout.strip()
    lock_path(store).write_text(json.dumps({"pid": int(dead), "host": socket.gethostname()}))
    with pytest.warns(UserWarning, match=f"left by process {dead}"), WriterLock(store) as lock:
        assert read_holder(lock.path)["pid"] == os.getpid()
    assert not lock_path(store).exists()


def test_lock_is_reentrant_within_a_process(tmp_path):
    a = WriterLock(tmp_path / "run").acquire()
    b = WriterLock(tmp_path / "run").acquire()
    b.release()
    assert a.path.exists()  # still held by a
    proc = subprocess.run([sys.executable, "-c",
                           "import sys; from harsanyi.store.lock import WriterLock; "
                           "WriterLock(sys.argv[1]).acquire()", str(tmp_path / "run")],
                          capture_output=True, text=True)
    assert proc.returncode != 0 and f"process {os.getpid()}" in proc.stderr
    a.release()
    start = time.monotonic()
    with WriterLock(tmp_path / "run"):
        pass
    assert time.monotonic() - start < 1
