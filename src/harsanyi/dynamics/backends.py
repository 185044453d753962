"""Where the monitor's tasks run: in this process, on a local process pool, or on Dask.

Every backend has ``submit(fn, arg) -> future``, ``wait(futures) -> done``, ``close()`` and
``abort()``; the schedule (:func:`harsanyi.dynamics.engine.schedule`) is the same on all of
them, so results are identical. Pool workers die with the process that started them and leave
Ctrl-C to it (:mod:`harsanyi.dynamics.lifeline`); the Dask backend is in
:mod:`harsanyi.dynamics.dask_backend`.
"""

from __future__ import annotations

import multiprocessing as mp
import os
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor
from concurrent.futures import wait as futures_wait
from typing import Any

import torch

from harsanyi.dynamics.lifeline import ignore_interrupts, interrupts_held, watch_parent

__all__ = ["Backend", "init_worker", "make_backend"]


def init_worker(threads: int | None, parent: int | None = None) -> None:
    """Set up a worker process.

    Worker set-up: torch threads; with ``parent`` (a pool worker), die with that process
    and leave Ctrl-C to it (:mod:`harsanyi.dynamics.lifeline`).
    """
    if threads:
        torch.set_num_threads(threads)
    if parent is not None:
        ignore_interrupts()
        watch_parent(parent)


class _Done:
    def __init__(self, fn: Callable[[Any], Any], arg: Any) -> None:
        self._value, self._error = None, None
        try:
            self._value = fn(arg)
        except BaseException as exc:  # re-raised by result(), like a real future
            self._error = exc

    def result(self) -> Any:
        if self._error is not None:
            raise self._error
        return self._value


class Backend:
    """Where tasks run.

    Where tasks run: ``submit(fn, arg) -> future`` and ``wait(futures) -> done`` (at least
    one). ``name`` and ``workers`` describe it; ``close()`` releases it.
    """

    name = "serial"
    workers = 1

    def submit(self, fn: Callable[[Any], Any], arg: Any) -> Any:
        """Run ``fn(arg)`` now; the returned handle holds its result."""
        return _Done(fn, arg)

    def wait(self, futures: list[Any]) -> list[Any]:
        """Return the results of ``futures``, in order."""
        return list(futures)

    def close(self) -> None:
        """Nothing to release."""
        return None

    def abort(self) -> None:
        """Stop now (Ctrl-C or an error): running tasks are abandoned, workers stopped."""
        self.close()


class _PoolBackend(Backend):
    name = "process"

    def __init__(self, workers: int, threads: int | None) -> None:
        self.workers = workers
        self.pool = ProcessPoolExecutor(max_workers=workers, mp_context=mp.get_context("spawn"),
                                        initializer=init_worker,
                                        initargs=(threads, os.getpid()))

    def submit(self, fn: Callable[[Any], Any], arg: Any) -> Any:
        return self.pool.submit(fn, arg)

    def wait(self, futures: list[Any]) -> list[Any]:
        done, _ = futures_wait(futures, return_when=FIRST_COMPLETED)
        return list(done)

    def close(self) -> None:
        with interrupts_held():
            self.pool.shutdown(wait=True, cancel_futures=True)

    def abort(self) -> None:
        with interrupts_held():
            kill = getattr(self.pool, "kill_workers", None)  # Python >= 3.14
            if kill is not None:
                kill()
            else:  # before 3.14 there is no public way to stop running workers
                for proc in list(getattr(self.pool, "_processes", {}).values()):
                    proc.kill()
                    proc.join()
                # a worker killed while sending its result leaves half a message in the
                # result pipe; closing our copy of its write end turns the wait for the rest
                # into an EOF, which the pool's manager thread handles (else it waits forever)
                writer = getattr(getattr(self.pool, "_result_queue", None), "_writer", None)
                if writer is not None:
                    writer.close()
            self.pool.shutdown(wait=True, cancel_futures=True)


def make_backend(
    executor: str = "process",
    *,
    workers: int | None = None,
    scheduler: str | None = None,
    threads: int | None = 1,
    connect_timeout: float = 5.0,
) -> Backend:
    """Create a task backend: serial, a local process pool or Dask.

    A backend: ``"serial"``, ``"process"`` (local spawn pool of ``workers``, default the
    CPU count) or ``"dask"`` (a new ``distributed.LocalCluster`` of ``workers`` processes, or
    the existing scheduler at ``scheduler``; an unreachable one raises
    :class:`SchedulerUnreachableError` after ``connect_timeout`` seconds).

    >>> make_backend("serial").name
    'serial'
    """
    if scheduler is not None:
        executor = "dask"
    if executor == "serial":
        return Backend()
    if workers is not None and workers < 1:
        raise ValueError(f"workers must be >= 1; got {workers}")
    if executor == "process":
        return _PoolBackend(workers or max(os.cpu_count() or 1, 1), threads)
    if executor == "dask":
        # heavy: Dask loads only when a Dask backend is used
        from harsanyi.dynamics.dask_backend import dask_backend

        return dask_backend(workers=workers, scheduler=scheduler, threads=threads,
                            connect_timeout=connect_timeout)
    raise ValueError(f"executor must be 'serial', 'process' or 'dask'; got {executor!r}")
