"""The monitor's offline run: every checkpoint not yet stored, as tasks on a backend.

:meth:`~harsanyi.dynamics.monitor.Monitor.run` checks its inputs, then calls
:func:`run_pending`: a game fitted over the whole run gets its first pass
(:mod:`harsanyi.dynamics.first_pass`), the checkpoints already stored are skipped, and the
others run as (checkpoint × sample batch) tasks on the serial, process-pool or Dask backend
(:mod:`harsanyi.dynamics.engine`), in chains of consecutive checkpoints when warm starts are on.
A checkpoint is stored as soon as all its batches are back; an error or Ctrl-C stops the
workers and keeps what is stored.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

import numpy as np
import torch
from tqdm.auto import tqdm

from harsanyi.dynamics.engine import Backend, BatchResult, Task, make_backend, schedule
from harsanyi.dynamics.first_pass import fit_over_checkpoints, needs_fit, warm_chains
from harsanyi.errors import CheckpointError
from harsanyi.loading import Checkpoint
from harsanyi.store import RunStore

if TYPE_CHECKING:
    from harsanyi.dynamics.monitor import Monitor

__all__ = ["Execution", "run_pending"]


@dataclass(frozen=True)
class Execution:
    """Where the tasks of an offline run execute.

    ``executor``: ``"serial"``, ``"process"``, ``"dask"`` (a backend made for the run, closed
    after it) or a :class:`Backend` (the caller's: neither closed nor aborted by the run).
    ``workers``, ``scheduler``, ``connect_timeout``: as :func:`make_backend`. ``threads``:
    torch threads per worker, and in this process during a serial run (restored afterwards);
    ``None`` leaves them.

    >>> run = Execution("serial"); run.owns_backend, run.backend().name
    (True, 'serial')
    """

    executor: str | Backend = "process"
    workers: int | None = None
    scheduler: str | None = None
    threads: int | None = 1
    connect_timeout: float = 5.0

    @property
    def owns_backend(self) -> bool:
        """Whether the run makes (and so closes or aborts) its backend."""
        return not isinstance(self.executor, Backend)

    def backend(self) -> Backend:
        """Return ``executor`` when it is a :class:`Backend`, else a new one of that name."""
        if isinstance(self.executor, Backend):
            return self.executor
        return make_backend(self.executor, workers=self.workers, scheduler=self.scheduler,
                            threads=self.threads, connect_timeout=self.connect_timeout)


def run_pending(mon: Monitor, ckpts: list[Checkpoint], execution: Execution, *,
                progress: bool = True) -> RunStore:
    """Compute and store every checkpoint of ``ckpts`` (sorted by epoch) not yet in the store.

    Tasks run as :class:`Execution` says, with a progress bar when ``progress``. The stored
    checkpoints are counted in ``mon.stats["checkpoints_skipped"]``; returns the store.
    ``mon.model`` must be set (:meth:`~harsanyi.dynamics.monitor.Monitor.run` checks it).
    """
    if mon.model is None:
        raise ValueError("an offline run needs model=FactorySpec(...) to rebuild the model")
    store = mon.store
    if needs_fit(mon.spec.game):
        mon.spec = replace(mon.spec, game=fit_over_checkpoints(
            mon.spec.game, mon.model, ckpts, mon.inputs, store))
    done = set(store.completed())
    todo = [c.epoch for c in ckpts if c.epoch not in done]
    mon.stats["checkpoints_skipped"] += len(ckpts) - len(todo)
    if not todo:
        return store
    order = [c.epoch for c in ckpts]
    prev_of = {e: (order[i - 1] if i else None) for i, e in enumerate(order)}
    # warm starts chain over consecutive checkpoints; a gap (stored prev) reads the store
    chains = warm_chains(todo, prev_of) if mon.warm_start else [todo]
    backend = execution.backend()
    bar = _progress(len(todo) * mon.n_batches, progress, backend.name)
    old_threads = torch.get_num_threads()
    if backend.name == "serial" and execution.threads:
        torch.set_num_threads(execution.threads)
    own = execution.owns_backend
    by_epoch = {c.epoch: c for c in ckpts}
    try:
        for chain in chains:
            _run_chain(mon, chain, by_epoch, prev_of, backend, bar, execution.threads)
    except BaseException:  # Ctrl-C or an error: stop the workers now, keep what is stored
        if own:
            own = False
            backend.abort()
        raise
    finally:
        torch.set_num_threads(old_threads)
        if bar is not None:
            bar.close()
        if own:
            backend.close()
    return store


def _run_chain(mon: Monitor, epochs: list[int], by_epoch: dict[int, Checkpoint],
               prev_of: dict[int, int | None], backend: Backend, bar: Any,
               threads: int | None) -> None:
    """Run the tasks of ``epochs`` and store each checkpoint once its batches are back."""
    factory, spec = mon.model, mon.spec
    assert factory is not None

    def make_task(epoch: int, b: int, warm: dict[str, np.ndarray] | None) -> Task:
        sl = mon.batch_slice(b)
        path = by_epoch[epoch].path
        if path is None:
            raise CheckpointError(f"checkpoint {epoch} has no file")
        return Task(epoch, b, str(path), factory, mon.inputs[sl],
                    None if mon.targets is None else mon.targets[sl], spec, warm,
                    threads, mon.batch_rows(b))

    pending: dict[int, dict[int, BatchResult]] = {}
    for epoch, b, res in schedule(
        backend, epochs, mon.n_batches, make_task,
        lambda e, b: mon.warm_from_store(prev_of[e], b), warm_start=mon.warm_start,
    ):
        mon.record(res)
        pending.setdefault(epoch, {})[b] = res
        if bar is not None:
            bar.update(1)
        if len(pending[epoch]) == mon.n_batches:
            ck = by_epoch[epoch]
            mon.write_batches(epoch, pending.pop(epoch), ck.train_loss, ck.test_loss)
            if bar is not None:
                bar.set_postfix(stored=f"epoch {epoch}", refresh=False)


def _progress(total: int, show: bool, backend: str) -> Any:
    if not show:
        return None
    return tqdm(total=total, desc=f"monitor ({backend})", unit="task")
