"""The Dask backend of the monitor: a new local cluster, or a running scheduler to join.

Loaded only when a Dask backend is asked for (Dask is heavy to import).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from typing import Any

import dask.config
from distributed import Client, LocalCluster, wait

from harsanyi.dynamics.backends import Backend, init_worker
from harsanyi.dynamics.dask_plugin import LifelinePlugin
from harsanyi.errors import SchedulerUnreachableError

__all__ = ["DaskBackend", "dask_backend", "local_cluster_config"]


class DaskBackend(Backend):
    """Tasks on a Dask cluster (a local one we started, or a running scheduler)."""

    name = "dask"

    def __init__(self, client: Any, cluster: Any = None, threads: int | None = 1,
                 plugin: Any = None) -> None:
        self.client, self.cluster = client, cluster
        self.workers = max(len(client.scheduler_info().get("workers", {})), 1)
        if plugin is not None:  # our local cluster: its workers (restarted ones too) die with us
            client.register_plugin(plugin)
        elif threads:
            client.run(init_worker, threads)

    def submit(self, fn: Callable[[Any], Any], arg: Any) -> Any:
        """Submit ``fn(arg)`` to the cluster."""
        return self.client.submit(fn, arg, pure=False)

    def wait(self, futures: list[Any]) -> list[Any]:
        """Return the futures that are done (at least one)."""
        with self.client.as_current():
            done, _ = wait(futures, return_when="FIRST_COMPLETED")
        return list(done)

    def close(self) -> None:
        """Close the client and the local cluster we started (a joined one stays)."""
        if self.cluster is not None:
            self.client.close()
            self.cluster.close()


def local_cluster_config() -> dict[str, Any]:
    """Return the Dask settings of the local cluster we start.

    Dask settings for the local cluster we start: its workers skip Dask's statistical
    profiler (it wakes every 10 ms) and the ``MALLOC_TRIM_THRESHOLD_`` that nannies set by
    default (the rest of ``pre-spawn-environ`` is kept). With them a worker took ~13x the minor
    page faults of a pool process on the same tasks (2.4 M vs 0.18 M; 5.2 s vs 0.8 s of system
    time for 8 checkpoints of ``benchmarks/monitor.py``).
    """
    environ = dict(dask.config.get("distributed.nanny.pre-spawn-environ", default={}))
    environ.pop("MALLOC_TRIM_THRESHOLD_", None)
    return {"distributed.worker.profile.enabled": False,
            "distributed.nanny.pre-spawn-environ": environ}


def dask_backend(*, workers: int | None, scheduler: str | None, threads: int | None,
                 connect_timeout: float) -> DaskBackend:
    """Join the scheduler at ``scheduler``, or start a local cluster of ``workers`` processes.

    An unreachable scheduler raises :class:`~harsanyi.errors.SchedulerUnreachableError` after
    ``connect_timeout`` seconds.
    """
    if scheduler is not None:
        try:
            client = Client(scheduler, timeout=f"{connect_timeout}s",
                            set_as_default=False)
        except (OSError, TimeoutError) as exc:
            raise SchedulerUnreachableError(
                f"cannot reach the Dask scheduler at {scheduler!r} within "
                f"{connect_timeout:g} s ({type(exc).__name__}: {exc}). Check the address "
                "(tcp://host:port) and that the scheduler is running, or use --workers N "
                "to start a local cluster"
            ) from exc
        return DaskBackend(client, None, threads)
    with dask.config.set(local_cluster_config()):
        cluster = LocalCluster(n_workers=workers or 2, threads_per_worker=1,
                               processes=True, dashboard_address=None,
                               silence_logs=logging.ERROR)
    client = Client(cluster, set_as_default=False)
    return DaskBackend(client, cluster, threads, LifelinePlugin(os.getpid(), threads))
