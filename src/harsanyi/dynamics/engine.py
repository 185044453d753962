"""The monitor's work: (checkpoint × sample-batch) tasks, and where they run.

One task = load one checkpoint into the model, evaluate ``v(x_S)`` on all ``2**n`` masks of a
batch of samples (:func:`harsanyi.model_game`), extract the AND-OR interactions
(:func:`harsanyi.and_or`, warm-started from the same samples at the previous checkpoint).
Tasks run in this process (``"serial"``), on a local process pool (``"process"``, spawn
context) or on a Dask cluster; the schedule is the same everywhere, so results are identical.
"""

from __future__ import annotations

import logging
import multiprocessing as mp
import os
import time
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor
from concurrent.futures import wait as futures_wait
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch

from harsanyi.dynamics.lifeline import ignore_interrupts, interrupts_held, watch_parent
from harsanyi.errors import SchedulerUnreachableError
from harsanyi.extract import Interactions, and_or, mobius
from harsanyi.games.factories import GameFactory, ModelGame
from harsanyi.loading import FactorySpec, load_into

__all__ = [
    "ARRAYS",
    "Backend",
    "BatchResult",
    "GameSpec",
    "SchedulerUnreachableError",
    "Task",
    "compute_batch",
    "make_backend",
    "resolve_device",
    "run_task",
]

ARRAYS = ("values", "and_values", "or_values", "gamma", "q", "bound", "residual", "objective")


@dataclass
class GameSpec:
    """How to turn (model, samples) into interactions; picklable, shared by all tasks.

    ``game`` builds the game of a batch (:class:`~harsanyi.games.factories.ModelGame`,
    :class:`~harsanyi.games.factories.ComponentGame`, or any
    :class:`~harsanyi.games.factories.GameFactory`); ``device`` is where the model runs.
    ``kind="and_or"`` runs :func:`harsanyi.and_or` (``q_bound``, ``solver``,
    ``solver_options``); ``kind="and"`` runs :func:`harsanyi.mobius` (AND only, paper E).
    """

    game: GameFactory = field(default_factory=ModelGame)
    device: str | None = None
    q_bound: float = 0.02
    solver: str = "fast"
    solver_options: dict[str, Any] = field(default_factory=dict)
    kind: str = "and_or"

    def __post_init__(self) -> None:
        if self.kind not in ("and_or", "and"):
            raise ValueError(f"kind must be 'and_or' or 'and'; got {self.kind!r}")
        if not isinstance(self.game, GameFactory):
            raise TypeError(f"game must be a GameFactory (ModelGame, ComponentGame, ...); got "
                            f"{type(self.game).__name__}")


def resolve_device(device: str | None) -> str | None:
    """``"auto"`` -> ``"cuda"`` when a GPU is available, else ``"cpu"``; others unchanged.

    >>> resolve_device(None), resolve_device("cpu")
    (None, 'cpu')
    """
    if device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    return device


@dataclass
class BatchResult:
    """Arrays of one (checkpoint, sample batch) task and what it cost."""

    arrays: dict[str, np.ndarray]
    metadata: dict[str, Any]
    n_forwards: int
    seconds_forward: float
    seconds_extract: float


def compute_batch(
    model: Any,
    inputs: np.ndarray,
    targets: np.ndarray | None,
    spec: GameSpec,
    warm: dict[str, np.ndarray] | None = None,
    rows: np.ndarray | None = None,
) -> BatchResult:
    """Compute the values and interactions of one batch of samples under one model state.

    Values and interactions of one batch of samples (``rows`` of the monitored samples)
    under one model state.

    >>> net = torch.nn.Linear(3, 2)
    >>> spec = GameSpec(ModelGame(players=[0, 1, 2], reward="logit"), kind="and", q_bound=0.0)
    >>> r = compute_batch(net, np.ones((2, 3), np.float32), np.array([0, 1]), spec)
    >>> r.arrays["and_values"].shape, r.n_forwards
    ((2, 8), 16)
    """
    t0 = time.perf_counter()
    device = resolve_device(spec.device)
    if device is not None and hasattr(model, "to"):
        model = model.to(device)
    was_training = bool(getattr(model, "training", False))
    if was_training:
        model.eval()
    try:
        game = spec.game.build(model, inputs, targets, rows)
    finally:
        if was_training:
            model.train(True)
    t1 = time.perf_counter()
    if spec.kind == "and":
        result = mobius(game, q_bound=spec.q_bound or None, solver=spec.solver,
                           progress=False, **spec.solver_options)
    else:
        warm_i = None
        if warm is not None:
            warm_i = Interactions(**{k: warm[k] for k in ARRAYS},
                                     players=list(game.players))
        result = and_or(game, q_bound=spec.q_bound, solver=spec.solver, warm_start=warm_i,
                           progress=False, **spec.solver_options)
    t2 = time.perf_counter()
    arrays = {k: np.asarray(getattr(result, k), dtype=np.float64) for k in ARRAYS}
    return BatchResult(arrays=arrays, metadata=dict(result.metadata),
                       n_forwards=int(game.values.size), seconds_forward=t1 - t0,
                       seconds_extract=t2 - t1)


@dataclass
class Task:
    """One (checkpoint, sample batch) unit of work; picklable."""

    epoch: int
    batch: int
    checkpoint: str
    factory: FactorySpec
    inputs: np.ndarray
    targets: np.ndarray | None
    spec: GameSpec
    warm: dict[str, np.ndarray] | None = None
    threads: int | None = None
    rows: np.ndarray | None = None


_MODEL_CACHE: dict[str, Any] = {}


def run_task(task: Task) -> tuple[int, int, BatchResult]:
    """Build (once per process) the model, load the task's checkpoint, compute its batch.

    ``task.threads`` is applied here, in the thread that runs the task: Dask runs tasks in
    executor threads, and the torch/OpenMP thread count (which changes float reductions in
    the solver) must not depend on where a task runs.
    """
    if task.threads and torch.get_num_threads() != task.threads:
        torch.set_num_threads(task.threads)
    key = repr(task.factory)
    model = _MODEL_CACHE.get(key)
    if model is None:
        model = task.factory.build()
        _MODEL_CACHE.clear()
        _MODEL_CACHE[key] = model
    load_into(model, task.checkpoint)
    model.eval()
    res = compute_batch(model, task.inputs, task.targets, task.spec, task.warm, task.rows)
    return task.epoch, task.batch, res


def _init_worker(threads: int | None, parent: int | None = None) -> None:
    """Set up a worker process.

    Worker set-up: torch threads; with ``parent`` (a pool worker), die with that process
    and leave Ctrl-C to it (:mod:`harsanyi.dynamics.lifeline`).
    """
    if threads:
        torch.set_num_threads(threads)
    os.environ.setdefault("HARSANYI_WORKER", "1")
    if parent is not None:
        ignore_interrupts()
        watch_parent(parent)


# -- backends ----------------------------------------------------------------------------------
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
                                        initializer=_init_worker,
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


class _DaskBackend(Backend):
    name = "dask"

    def __init__(self, client: Any, cluster: Any = None, threads: int | None = 1,
                 plugin: Any = None) -> None:
        self.client, self.cluster = client, cluster
        self.workers = max(len(client.scheduler_info().get("workers", {})), 1)
        if plugin is not None:  # our local cluster: its workers (restarted ones too) die with us
            client.register_plugin(plugin)
        elif threads:
            client.run(_init_worker, threads)

    def submit(self, fn: Callable[[Any], Any], arg: Any) -> Any:
        return self.client.submit(fn, arg, pure=False)

    def wait(self, futures: list[Any]) -> list[Any]:
        from distributed import wait  # heavy: Dask loads only when a Dask backend is used

        with self.client.as_current():
            done, _ = wait(futures, return_when="FIRST_COMPLETED")
        return list(done)

    def close(self) -> None:
        if self.cluster is not None:
            self.client.close()
            self.cluster.close()


def _local_cluster_config() -> dict[str, Any]:
    """Return the Dask settings of the local cluster we start.

    Dask settings for the local cluster we start: its workers skip Dask's statistical
    profiler (it wakes every 10 ms) and the ``MALLOC_TRIM_THRESHOLD_`` that nannies set by
    default (the rest of ``pre-spawn-environ`` is kept). With them a worker took ~13x the minor
    page faults of a pool process on the same tasks (2.4 M vs 0.18 M; 5.2 s vs 0.8 s of system
    time for 8 checkpoints of ``benchmarks/monitor.py``).
    """
    import dask.config  # heavy: Dask loads only when a Dask backend is used

    environ = dict(dask.config.get("distributed.nanny.pre-spawn-environ", default={}))
    environ.pop("MALLOC_TRIM_THRESHOLD_", None)
    return {"distributed.worker.profile.enabled": False,
            "distributed.nanny.pre-spawn-environ": environ}


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
        import dask.config
        from distributed import Client, LocalCluster

        from harsanyi.dynamics.dask_plugin import LifelinePlugin  # imports distributed

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
            return _DaskBackend(client, None, threads)
        with dask.config.set(_local_cluster_config()):
            cluster = LocalCluster(n_workers=workers or 2, threads_per_worker=1,
                                   processes=True, dashboard_address=None,
                                   silence_logs=logging.ERROR)
        client = Client(cluster, set_as_default=False)
        return _DaskBackend(client, cluster, threads, LifelinePlugin(os.getpid(), threads))
    raise ValueError(f"executor must be 'serial', 'process' or 'dask'; got {executor!r}")


# -- the schedule ------------------------------------------------------------------------------
def schedule(
    backend: Backend,
    epochs: list[int],
    n_batches: int,
    make_task: Callable[[int, int, dict[str, np.ndarray] | None], Task],
    first_warm: Callable[[int, int], dict[str, np.ndarray] | None],
    *,
    warm_start: bool,
    max_inflight: int | None = None,
) -> Iterator[tuple[int, int, BatchResult]]:
    """Run the tasks ``(epoch, batch)`` for ``epochs`` (ascending) × ``range(n_batches)``.

    With ``warm_start``, each batch is a chain over the epochs: ``(t, b)`` starts from the
    result of ``(t_prev, b)`` (``first_warm(epoch, b)`` for the first epoch of the chain, e.g.
    read from the store), so the results do not depend on the backend or on interruptions.
    Ready tasks are submitted earliest epoch first. Yields results as they complete.
    """
    limit = max_inflight or max(2 * backend.workers, 1)
    ready: list[tuple[int, int, dict[str, np.ndarray] | None]] = []
    if warm_start:
        ready = [(0, b, first_warm(epochs[0], b)) for b in range(n_batches)] if epochs else []
    else:
        ready = [(i, b, None) for i in range(len(epochs)) for b in range(n_batches)]
    inflight: dict[Any, tuple[int, int]] = {}
    try:
        while ready or inflight:
            ready.sort(key=lambda r: (r[0], r[1]))
            while ready and len(inflight) < limit:
                i, b, warm = ready.pop(0)
                fut = backend.submit(run_task, make_task(epochs[i], b, warm))
                inflight[fut] = (i, b)
            for fut in backend.wait(list(inflight)):
                i, b = inflight.pop(fut)
                epoch, batch, res = fut.result()
                if warm_start and i + 1 < len(epochs):
                    ready.append((i + 1, b, res.arrays))
                yield epoch, batch, res
    finally:
        for fut in inflight:
            cancel = getattr(fut, "cancel", None)
            if cancel is not None:
                cancel()
