"""The Dask worker plugin of a local cluster started by the monitor."""

from __future__ import annotations

import torch
from distributed.diagnostics.plugin import WorkerPlugin

from harsanyi.dynamics.lifeline import watch_parent

__all__ = ["LifelinePlugin"]


class LifelinePlugin(WorkerPlugin):
    """Make local Dask workers die with the monitor.

    Each worker of a local cluster, restarted ones included, uses ``threads`` torch threads
    and dies with the process that started the cluster (``parent``, see
    :mod:`harsanyi.dynamics.lifeline`). Register with
    ``client.register_plugin(LifelinePlugin(os.getpid(), 1))``.

    >>> LifelinePlugin(None, 1).name
    'harsanyi-lifeline'
    """

    name = "harsanyi-lifeline"

    def __init__(self, parent: int | None, threads: int | None) -> None:
        self.parent, self.threads = parent, threads

    def setup(self, worker: object) -> None:
        """Set the worker up (Dask calls it in each worker when it starts)."""
        if self.threads:
            torch.set_num_threads(self.threads)
        if self.parent is not None:
            watch_parent(self.parent)
