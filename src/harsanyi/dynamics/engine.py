"""The monitor's work: (checkpoint × sample-batch) tasks, and where they run.

One task = load one checkpoint into the model, evaluate ``v(x_S)`` on all ``2**n`` masks of a
batch of samples (:func:`harsanyi.model_game`), extract the AND-OR interactions
(:func:`harsanyi.and_or`, warm-started from the same samples at the previous checkpoint).
Tasks run in this process (``"serial"``), on a local process pool (``"process"``, spawn
context) or on a Dask cluster; the schedule is the same everywhere, so results are identical.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch

from harsanyi.dynamics.backends import Backend, make_backend
from harsanyi.errors import SchedulerUnreachableError
from harsanyi.extract import Interactions, and_or, mobius
from harsanyi.extract.solvers.canonical import stored_order_weight, stored_selection
from harsanyi.extract.sparse_result import SparseInteractions
from harsanyi.games.factories import GameFactory, ModelGame
from harsanyi.games.sampled import SampledGame
from harsanyi.loading import FactorySpec, load_into
from harsanyi.store.sampled import sparse_arrays

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
    ``solver_options``; options without a ``selection`` are a vertex run, see
    :meth:`split_options`); ``kind="and"`` runs :func:`harsanyi.mobius` (AND only, paper E).
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

    def split_options(self, sampled: bool = False) -> dict[str, Any]:
        """Return the options of :func:`harsanyi.and_or`, the selection spelt out.

        A run's options name the selection only for the canonical split
        (:func:`~harsanyi.extract.solvers.canonical.stored_selection`), so that runs stored
        before the option existed resume unchanged; ``and_or``'s own default is ``"auto"``.
        For the same reason the canonical split of a ``sampled`` run stored without an
        ``order_weight`` keeps the plain norm it was computed with
        (:func:`~harsanyi.extract.solvers.canonical.stored_order_weight`).

        >>> GameSpec().split_options(), GameSpec(solver_options={"selection": "canonical",
        ...                                                      "epsilon": 0.01}).split_options()
        ({'selection': 'vertex'}, {'selection': 'canonical', 'epsilon': 0.01})
        >>> GameSpec(solver_options={"selection": "canonical"}).split_options(sampled=True)
        {'selection': 'canonical', 'order_weight': 0.0}
        """
        options = {"selection": stored_selection(self.solver_options), **self.solver_options}
        if sampled and options["selection"] == "canonical":
            options["order_weight"] = stored_order_weight(self.solver_options)
        return options


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
    if isinstance(game, SampledGame):
        return _sampled_batch(game, spec, t1 - t0)
    if spec.kind == "and":
        result = mobius(game, q_bound=spec.q_bound or None, solver=spec.solver,
                           progress=False, **spec.solver_options)
    else:
        warm_i = None
        if warm is not None:
            warm_i = Interactions(**{k: warm[k] for k in ARRAYS},
                                     players=list(game.players))
        result = and_or(game, q_bound=spec.q_bound, solver=spec.solver, warm_start=warm_i,
                           progress=False, **spec.split_options())
    t2 = time.perf_counter()
    arrays = {k: np.asarray(getattr(result, k), dtype=np.float64) for k in ARRAYS}
    return BatchResult(arrays=arrays, metadata=dict(result.metadata),
                       n_forwards=int(game.values.size), seconds_forward=t1 - t0,
                       seconds_extract=t2 - t1)


def _sampled_batch(game: SampledGame, spec: GameSpec, seconds_forward: float) -> BatchResult:
    """Sparse AND-OR interactions of a sampled game (:func:`harsanyi.and_or`), as stored arrays.

    The arrays are those of :func:`harsanyi.store.sampled.sparse_arrays` (atoms as bitmasks,
    the game's values on the design's masks, the certificate's flags).
    """
    t1 = time.perf_counter()
    if spec.kind != "and_or":
        raise ValueError("a sampled game (budget=...) is extracted by the sparse AND-OR path; "
                         "kind='and' needs all 2**n masks")
    result = and_or(game, q_bound=spec.q_bound, progress=False,
                    **spec.split_options(sampled=True))
    assert isinstance(result, SparseInteractions)  # a sampled game gives a sparse result
    return BatchResult(arrays=sparse_arrays(result, game.values),
                       metadata=dict(result.metadata), n_forwards=int(game.values.size),
                       seconds_forward=seconds_forward,
                       seconds_extract=time.perf_counter() - t1)


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
