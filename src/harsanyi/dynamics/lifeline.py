"""Worker processes that die with the process that started them, ``kill -9`` included.

A ``multiprocessing`` or Dask worker whose parent is killed is re-parented (to PID 1 or a
sub-reaper) and would keep computing for nobody. :func:`watch_parent`, run in each worker when
it starts, checks every ``interval`` seconds that the worker's parent is still the process
that started it and kills the worker otherwise. A thread that polls ``getppid`` is used rather
than Linux's ``PR_SET_PDEATHSIG``, which fires when the *thread* that forked the worker exits
(pools and Dask nannies spawn workers from short-lived threads), and which does not exist on
macOS. Pool workers also ignore SIGINT: Ctrl-C in a terminal reaches the whole foreground
process group, and it is the parent that decides to stop (keeping every finished checkpoint)
and then stops its workers.
"""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["WATCH_INTERVAL", "ignore_interrupts", "interrupts_held", "watch_parent"]

WATCH_INTERVAL = 0.25


def _die() -> None:
    if hasattr(signal, "SIGKILL"):
        os.kill(os.getpid(), signal.SIGKILL)
    os._exit(1)  # pragma: no cover - Windows


def _watch(parent: int, interval: float) -> None:
    while True:
        time.sleep(interval)
        if os.getppid() != parent:
            _die()


def watch_parent(parent: int | None = None, interval: float = WATCH_INTERVAL) -> None:
    """Kill this process once its parent is gone.

    Kill this process as soon as its parent is no longer ``parent`` (default: the current
    parent), i.e. once the process that started it has died. Starts one daemon thread; calling
    it again in the same process does nothing.

    >>> watch_parent()  # in a worker process: dies with its parent
    """
    parent = os.getppid() if parent is None else int(parent)
    if os.getppid() != parent:  # the parent died before this worker got here
        _die()
    if any(t.name == "harsanyi-lifeline" for t in threading.enumerate()):
        return
    threading.Thread(target=_watch, args=(parent, float(interval)), daemon=True,
                     name="harsanyi-lifeline").start()


def ignore_interrupts() -> None:
    """Ignore SIGINT in this (worker) process: the parent handles Ctrl-C and stops workers."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


@contextmanager
def interrupts_held() -> Iterator[None]:
    """Hold Ctrl-C while the block runs.

    Hold SIGINT (Ctrl-C) in the main thread while the block runs; a Ctrl-C pressed
    meanwhile is delivered when it ends. Used around a pool's shutdown: a KeyboardInterrupt
    raised inside ``Thread.join`` can leave the joined thread's lock taken, and the join at
    interpreter exit then waits forever. Elsewhere (other threads, no ``pthread_sigmask``) a
    plain block.

    >>> with interrupts_held():
    ...     pass
    """
    block = (hasattr(signal, "pthread_sigmask")
             and threading.current_thread() is threading.main_thread())
    if block:
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        if block:
            signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
