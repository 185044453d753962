"""The monitor: interactions of fixed samples at every checkpoint of a training run.

Used three ways, all writing the same :class:`~harsanyi.store.RunStore`:

* offline, on a folder of checkpoints: :func:`monitor_checkpoints` / :meth:`Monitor.run`
  (tasks of (checkpoint × sample batch) on a process pool or a Dask cluster);
* from a plain PyTorch loop: ``monitor.on_epoch_end(model, epoch, train_loss=..., test_loss=...)``;
* from PyTorch Lightning: :class:`harsanyi.dynamics.lightning.InteractionCallback`.

A killed run resumes with ``resume=True`` (``harsanyi monitor --resume``): finished
checkpoints are kept and skipped, half-written ones are redone, damaged ones (failing their
checksums) are moved to ``RUN/quarantine/`` and redone; another configuration is refused
(:class:`~harsanyi.errors.ConfigMismatchError`) unless the store holds no result yet. One
monitor writes a store at a time (:class:`~harsanyi.store.lock.WriterLock`), and an offline
run checks its factory, checkpoints, players and data before it writes anything
(:func:`~harsanyi.dynamics.preflight.check_run`).
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from harsanyi.dynamics.engine import ARRAYS, Backend, BatchResult, GameSpec, compute_batch
from harsanyi.dynamics.first_pass import needs_fit
from harsanyi.dynamics.offline import Execution, run_pending
from harsanyi.dynamics.preflight import check_run
from harsanyi.dynamics.sampled_run import merge_sampled, store_design
from harsanyi.errors import CheckpointError, ShapeError
from harsanyi.extract.solvers.canonical import (
    resolve_selection,
    selection_options,
    stored_selection,
)
from harsanyi.extract.sparse_select import ORDER_WEIGHT
from harsanyi.games.design import SampleDesign
from harsanyi.games.factories import GameFactory, ModelGame, digest
from harsanyi.loading import Checkpoint, FactorySpec, find_checkpoints
from harsanyi.store import RunStore, stored_config
from harsanyi.store.lock import WriterLock
from harsanyi.store.sampled import check_sampling
from harsanyi.store.union import write_union

__all__ = ["Monitor", "monitor_checkpoints"]

#: Metadata of an extraction with one entry per sample (v(x_N) and the model's f(x), the
#: certified LP optimum of each game): concatenated over a checkpoint's batches in sample order.
PER_SAMPLE_METADATA = ("v_full", "f_x", "lp_optimum")


class Monitor:
    """Computes and stores interactions of fixed samples at each checkpoint.

    Parameters
    ----------
    out : folder of the run store.
    inputs : samples ``(B, *sample_shape)`` (numpy or torch), the same at every checkpoint.
    targets : class of each sample (default: the model's prediction at each checkpoint).
    split : ``"train"`` / ``"test"`` per sample (for train-vs-test analyses).
    sample_ids : index of each sample in its dataset; ``groups``: extra per-sample labels,
        e.g. ``{"flipped": bool array}``; both stored in the store's ``samples``.
    players, baselines, reward, batch_size, outside : as :func:`harsanyi.model_game`
        (``baselines="mean"`` uses ``baseline_data``); ignored when ``game`` is given.
    game : the game of each batch, any :class:`~harsanyi.games.factories.GameFactory`
        (default: :class:`~harsanyi.games.factories.ModelGame` of the options above). A
        :class:`~harsanyi.games.factories.ComponentGame` (paper C's feature components) is
        fitted by a first pass over all checkpoints in :meth:`run`, and its components are
        stored (``extra/directions``, ``mean``, ``eigenvalues``) and checked on resume.
    device : where the model runs (``"auto"``: a GPU when available).
    q_bound, solver, solver_options, kind : extraction (:func:`harsanyi.and_or`, or
        ``kind="and"`` for :func:`harsanyi.mobius`).
    selection, epsilon : which optimal AND-OR split (:func:`harsanyi.and_or`): ``"auto"``
        (default) is resolved once for the run
        (:func:`~harsanyi.extract.solvers.canonical.resolve_selection`: the canonical split up
        to 12 players, else the LP vertex) and recorded in its configuration; resuming a run
        with ``"auto"`` keeps the selection the run was stored with (a run stored before the
        option existed is a vertex run). A ``selection`` in ``solver_options`` takes
        precedence.
    warm_start : start the solver of each batch from its result at the previous checkpoint:
        the LP's guess for the vertex; for the canonical split, a seed of its selection stage
        where the previous split nearly fits the new game or its support holds most of the new
        vertex's (:func:`~harsanyi.extract.solvers.canonical.select_canonical`). The results
        are the same. Off by default: cold tasks are independent of each other (a process
        pool runs checkpoints side by side), and it pays only once the supports settle: the
        canonical split's selection stage halved on an over-fitted MLP's checkpoints 50
        epochs apart, while the first epochs of ``benchmarks/monitor.py`` change too much for
        a seed (docs/selection.md, "Warm starts across checkpoints").
    samples_per_task : samples per (checkpoint × sample batch) task.
    resume : continue the run stored at ``out`` (its configuration must match).
    model : a :class:`FactorySpec` (recorded in the configuration; needed by :meth:`run`).
    budget, design_seed : evaluate ``budget`` masks per sample and checkpoint, chosen by
        the :class:`~harsanyi.games.design.SampleDesign` of ``(n, budget, design_seed)``
        (the same at every checkpoint), instead of all ``2**n``; the sparse AND-OR extraction
        runs (``solver_options`` go to :func:`~harsanyi.extract.sparse.sparse_and_or`) and
        the store holds sparse results (:mod:`harsanyi.dynamics.sampled_run`,
        docs/sampled-runs.md).
    source : what the checkpoints are (recorded in the configuration).

    Example
    -------
    >>> import tempfile, torch
    >>> from harsanyi.games.players import Columns
    >>> mon = Monitor(tempfile.mkdtemp() + "/run", np.ones((2, 3), np.float32),
    ...               targets=[0, 1], players=Columns([0, 1, 2]), kind="and", q_bound=0.0)
    >>> net = torch.nn.Linear(3, 2)
    >>> I = mon.on_epoch_end(net, 0, train_loss=0.7, test_loss=0.8)
    >>> I.and_values.shape, mon.store.completed()
    ((2, 8), [0])
    """

    def __init__(
        self,
        out: str | Path,
        inputs: Any,
        *,
        targets: Any = None,
        split: Sequence[str] | None = None,
        sample_ids: Sequence[int] | None = None,
        groups: dict[str, Any] | None = None,
        players: Any = "all",
        baselines: Any = "zero",
        reward: Any = "log_odds",
        batch_size: int = 256,
        outside: str = "masked",
        device: str | None = None,
        q_bound: float = 0.02,
        solver: str = "fast",
        solver_options: dict[str, Any] | None = None,
        kind: str = "and_or",
        selection: str = "auto",
        epsilon: float = 0.01,
        baseline_data: Any = None,
        warm_start: bool = False,
        samples_per_task: int = 8,
        resume: bool = False,
        model: FactorySpec | None = None,
        source: str = "callback",
        metadata: dict[str, Any] | None = None,
        game: GameFactory | None = None,
        budget: int | None = None,
        design_seed: int = 0,
    ) -> None:
        x = inputs.detach().cpu().numpy() if hasattr(inputs, "detach") else np.asarray(inputs)
        if x.ndim < 2 or len(x) == 0:
            raise ShapeError(f"inputs must be a non-empty batch (B, *sample_shape); got "
                             f"shape {x.shape}")
        self.inputs = x
        B = len(x)
        self.targets = None if targets is None else np.asarray(targets).reshape(-1)
        if self.targets is not None and len(self.targets) != B:
            raise ShapeError(f"{len(self.targets)} targets for {B} samples")
        self.split = list(split) if split is not None else ["train"] * B
        self.sample_ids = list(sample_ids) if sample_ids is not None else list(range(B))
        self.groups = {k: np.asarray(v).reshape(-1) for k, v in (groups or {}).items()}
        for name, arr in [("split", self.split), ("sample_ids", self.sample_ids),
                          *self.groups.items()]:
            if len(arr) != B:
                raise ShapeError(f"{name} has {len(arr)} entries for {B} samples")
        if samples_per_task < 1:
            raise ValueError(f"samples_per_task must be >= 1; got {samples_per_task}")
        if game is None:
            game = ModelGame(players=players, baselines=baselines, reward=reward,
                             batch_size=batch_size, outside=outside,
                             data=None if baseline_data is None else np.asarray(baseline_data),
                             budget=budget, design_seed=design_seed)
        elif budget is not None:
            raise ValueError("pass budget= to the game factory (e.g. ModelGame(budget=...)) "
                             "when you give game=")
        if getattr(game, "budget", None) is not None and (warm_start or kind != "and_or"):
            raise ValueError("a sampled run (budget=...) uses the sparse AND-OR extraction: "
                             "warm_start and kind='and' need all 2**n masks")
        self.players = game.player_names(tuple(x.shape[1:]))
        #: the sampling design of every checkpoint (``None``: all ``2**n`` masks)
        self.design: SampleDesign | None = getattr(game, "design", None)
        options = dict(solver_options or {})
        if "selection" in options:  # given with the solver options: it takes precedence
            selection = options.pop("selection")
            epsilon = options.pop("epsilon", epsilon)
        #: whether the selection was left to "auto" (a resumed run then keeps its own)
        self.selection_auto = selection == "auto"
        sampled = self.design is not None
        chosen = resolve_selection(selection, len(self.players), sampled=sampled)
        weight = options.pop("order_weight", ORDER_WEIGHT) if sampled else ORDER_WEIGHT
        options.update(selection_options(chosen, epsilon, solver=solver, kind=kind,
                                         sampled=sampled, order_weight=weight))
        self.spec = GameSpec(game, device=device, q_bound=q_bound, solver=solver,
                             solver_options=options, kind=kind)
        self.warm_start = bool(warm_start)
        self.samples_per_task = int(samples_per_task)
        self.out, self.resume = Path(out), bool(resume)
        self.model, self.source = model, source
        self.metadata = dict(metadata or {})
        self.stats = {"n_forwards": 0, "seconds_forward": 0.0, "seconds_extract": 0.0,
                      "tasks": 0, "checkpoints_written": 0, "checkpoints_skipped": 0,
                      "checkpoints_repaired": []}
        self._store: RunStore | None = None
        self._lock = WriterLock(self.out)
        self._last: tuple[int, dict[str, np.ndarray]] | None = None

    # -- configuration and store -------------------------------------------------------------
    @property
    def n_batches(self) -> int:
        """Number of sample batches (tasks per checkpoint)."""
        return -(-len(self.inputs) // self.samples_per_task)

    def batch_slice(self, b: int) -> slice:
        """Return the samples of batch ``b`` (task ``b`` of each checkpoint) as a slice."""
        return slice(b * self.samples_per_task, (b + 1) * self.samples_per_task)

    def batch_rows(self, b: int) -> np.ndarray:
        """Return the sample indices (rows of ``inputs``) of batch ``b``."""
        return np.arange(len(self.inputs))[self.batch_slice(b)]

    def config(self) -> dict[str, Any]:
        """Return what determines the stored numbers (hashed into the store; compared on resume)."""
        s = self.spec
        return {
            "format": 1, "source": self.source,
            "model": self.model.describe() if self.model is not None else None,
            "inputs": {"shape": list(self.inputs.shape), "dtype": str(self.inputs.dtype),
                       "sha256": digest(self.inputs)},
            "targets_sha256": digest(self.targets), "sample_ids": self.sample_ids,
            "split": self.split, **s.game.describe(), "kind": s.kind,
            "q_bound": s.q_bound, "solver": s.solver, "solver_options": s.solver_options,
            "warm_start": self.warm_start, "samples_per_task": self.samples_per_task,
        }

    @property
    def store(self) -> RunStore:
        """Return the run store, opened under the writer lock.

        The run store (created, or reopened and repaired when resuming, on first use,
        under the store's writer lock: a store another live process writes is refused).
        """
        if self._store is None:
            samples = {"index": self.sample_ids, "split": self.split,
                       "target": None if self.targets is None else self.targets.tolist(),
                       **{k: v.tolist() for k, v in self.groups.items()}}
            self._lock.acquire()
            try:
                stored = stored_config(self.out) if self.resume else None
                if stored is not None:  # before anything is opened: keep its selection under
                    self._keep_stored_selection(stored)  # "auto", refuse another design
                    check_sampling(stored, self.config(), self.out)
                store = RunStore.open_or_create(
                    self.out, self.config(), resume=self.resume, players=self.players,
                    samples=samples, metadata=self.metadata)
                if self.design is not None:
                    store_design(store, self.design)
            except BaseException:
                self._lock.release()
                raise
            if store.repaired is not None:
                self.stats["checkpoints_repaired"] += sorted(
                    k for k in store.repaired.moved if isinstance(k, int))
            self._store = store
            self.resume = True  # from now on, reopening this store continues it
        return self._store

    def _keep_stored_selection(self, stored: dict[str, Any]) -> None:
        """Resuming with ``selection="auto"``: continue with the selection the run was stored with.

        ``stored``: the run's stored configuration. An explicit selection is left to the
        store's configuration check (:class:`~harsanyi.errors.ConfigMismatchError` when it
        differs).
        """
        if not self.selection_auto:
            return
        keys = ("selection", "epsilon", "order_weight")
        theirs = dict(stored.get("solver_options") or {})
        ours = self.spec.solver_options
        if stored_selection(theirs) != stored_selection(ours):
            warnings.warn(f"resuming {self.out}: it was stored with the "
                          f"{stored_selection(theirs)} split and continues with it (selection "
                          "'auto'); pass selection explicitly to start another run",
                          UserWarning, stacklevel=3)
        self.spec.solver_options = {**{k: v for k, v in ours.items() if k not in keys},
                                    **{k: theirs[k] for k in keys if k in theirs}}

    def close(self) -> None:
        """Release the store's writer lock (the next use of :attr:`store` takes it again)."""
        self._store = None
        self._lock.release()

    def record(self, res: BatchResult) -> None:
        """Add the work of one finished task to :attr:`stats`."""
        self.stats["n_forwards"] += res.n_forwards
        self.stats["seconds_forward"] += res.seconds_forward
        self.stats["seconds_extract"] += res.seconds_extract
        self.stats["tasks"] += 1

    def write_batches(self, epoch: int, parts: dict[int, BatchResult], train_loss: Any,
                      test_loss: Any) -> dict[str, np.ndarray]:
        """Store checkpoint ``epoch`` from the results of its batches (batch -> result).

        The batches' arrays are concatenated in sample order; returns them.
        """
        if self.design is not None:
            arrays, meta = merge_sampled(parts, self.n_batches, self.design.fingerprint)
        else:
            arrays, meta = self._merge_dense(parts)
        self.store.write_checkpoint(epoch, arrays, {
            "train_loss": train_loss, "test_loss": test_loss, "metadata": meta,
            "seconds_forward": sum(p.seconds_forward for p in parts.values()),
            "seconds_extract": sum(p.seconds_extract for p in parts.values()),
        })
        self.stats["checkpoints_written"] += 1
        return arrays

    def _merge_dense(self, parts: dict[int, BatchResult]
                     ) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
        arrays = {k: np.concatenate([parts[b].arrays[k] for b in range(self.n_batches)])
                  for k in ARRAYS}
        meta = {k: v for k, v in parts[0].metadata.items() if k not in ("target", "solver_info")}
        meta["solver_info"] = [p.metadata.get("solver_info") for p in parts.values()]
        for key in PER_SAMPLE_METADATA:  # lists with one entry per sample of the batch
            lists = [parts[b].metadata.get(key) for b in range(self.n_batches)]
            if key != "lp_optimum" or any(x is not None for x in lists):
                meta[key] = [x for part in lists for x in part or []]
        return arrays, meta

    def refit_union(self) -> Path | None:
        """Refit each sample's union of supports at every stored checkpoint (sampled runs).

        Writes ``RUN/union/`` (:mod:`harsanyi.store.union`) and returns its folder; ``None``
        for an exhaustive run or an empty store. :meth:`run` calls it after its checkpoints;
        call it after the last :meth:`on_epoch_end` (readers recompute it otherwise).
        """
        if self.design is None or not self.store.completed():
            return None
        return write_union(self.store)

    def warm_from_store(self, epoch: int | None, b: int) -> dict[str, np.ndarray] | None:
        """Return batch ``b``'s stored result at ``epoch`` to warm-start from (or ``None``)."""
        if not self.warm_start or epoch is None or not self.store.has(epoch):
            return None
        rec = self.store.read(epoch)
        return {k: rec.arrays[k][self.batch_slice(b)] for k in ARRAYS}

    # -- callback use ------------------------------------------------------------------------
    def on_epoch_end(
        self, model: Any, epoch: int, *, train_loss: float | None = None,
        test_loss: float | None = None,
    ) -> Any:
        """Compute and store the interactions of the samples under ``model`` now.

        Call it after each epoch of a training loop. Returns the interactions as
        :class:`harsanyi.Interactions`; an epoch already stored (when resuming) is read back
        instead of recomputed.
        """
        if needs_fit(self.spec.game):
            raise ValueError(f"{type(self.spec.game).__name__} is fitted over all checkpoints "
                             "first: use Monitor.run(checkpoints), not on_epoch_end")
        store = self.store
        epoch = int(epoch)
        if store.has(epoch):
            self.stats["checkpoints_skipped"] += 1
            inter = store.read_interactions(epoch)
            if self.warm_start:
                self._last = (epoch, {k: np.asarray(getattr(inter, k)) for k in ARRAYS})
            return inter
        prev = None
        if self.warm_start:
            if self._last is not None:
                prev = self._last[1]
            else:
                done = [e for e in store.completed() if e < epoch]
                if done:
                    rec = store.read(done[-1])
                    prev = {k: rec.arrays[k] for k in ARRAYS}
        was_training = bool(getattr(model, "training", False))
        if hasattr(model, "eval"):
            model.eval()
        try:
            parts = {}
            for b in range(self.n_batches):
                sl = self.batch_slice(b)
                warm = None if prev is None else {k: v[sl] for k, v in prev.items()}
                tg = None if self.targets is None else self.targets[sl]
                parts[b] = compute_batch(model, self.inputs[sl], tg, self.spec, warm,
                                         self.batch_rows(b))
                self.record(parts[b])
        finally:
            if was_training and hasattr(model, "train"):
                model.train(True)
        arrays = self.write_batches(epoch, parts, train_loss, test_loss)
        self._last = (epoch, arrays)
        return store.read_interactions(epoch)

    # -- offline use -------------------------------------------------------------------------
    def run(
        self,
        checkpoints: Sequence[Checkpoint] | str | Path,
        *,
        executor: str | Backend = "process",
        workers: int | None = None,
        scheduler: str | None = None,
        threads: int | None = 1,
        progress: bool = True,
        connect_timeout: float = 5.0,
    ) -> RunStore:
        """Compute every checkpoint not yet stored.

        Tasks run on ``executor`` (``"serial"``, ``"process"``, ``"dask"``, or a
        :class:`Backend`); returns the store.

        ``threads``: torch threads per worker, and in this process during a serial run
        (restored afterwards); 1 avoids over-subscribing the cores. ``None`` leaves them.
        """
        if self.model is None:
            raise ValueError("Monitor.run needs model=FactorySpec(...) to rebuild the model")
        ckpts = find_checkpoints(checkpoints) if isinstance(checkpoints, (str, Path)) \
            else list(checkpoints)
        if not ckpts:
            raise CheckpointError("no checkpoints to monitor")
        ckpts = sorted(ckpts, key=lambda c: c.epoch)
        check_run(self.model, ckpts, self.inputs, self.targets, self.spec,
                  game=not needs_fit(self.spec.game))
        try:
            execution = Execution(executor, workers, scheduler, threads, connect_timeout)
            store = run_pending(self, ckpts, execution, progress=progress)
            self.refit_union()
            return store
        finally:
            self.close()


def monitor_checkpoints(
    checkpoints: str | Path | Sequence[Checkpoint],
    model: FactorySpec | str,
    inputs: Any,
    out: str | Path,
    *,
    executor: str | Backend = "process",
    workers: int | None = None,
    scheduler: str | None = None,
    progress: bool = True,
    **options: Any,
) -> RunStore:
    """Interactions of ``inputs`` at every checkpoint of a folder, into the store ``out``.

    ``model`` builds the architecture (a :class:`FactorySpec`, ``"module:function"`` or
    ``"zoo:NAME"``); ``options`` are :class:`Monitor`'s (targets, split, players, q_bound,
    resume, ...). Returns the :class:`~harsanyi.store.RunStore`.
    """
    spec = model if isinstance(model, FactorySpec) else FactorySpec(str(model))
    source = f"folder:{Path(checkpoints).resolve()}" if isinstance(checkpoints, (str, Path)) \
        else "checkpoints"
    mon = Monitor(out, inputs, model=spec, source=source, **options)
    return mon.run(checkpoints, executor=executor, workers=workers, scheduler=scheduler,
                   progress=progress)
