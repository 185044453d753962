"""Interactions between principal feature components at every checkpoint (paper C).

Two passes over the checkpoints: (1) read the layer's features of the samples and of the mean
training input at each checkpoint and fit the components (:func:`fit_components`, pooled or per
sample); (2) at each checkpoint, the component game (:func:`component_game`) and its AND-OR
interactions, warm-started from the previous checkpoint. The components are the same at every
checkpoint, so interaction ``S`` (a set of component indices) is tracked through training.
With ``out=`` the results go to a :class:`~harsanyi.store.RunStore` (directions and means in
``extra/``), resumable like the monitor.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from torch import nn

from harsanyi.dynamics.components import (
    FeatureComponents,
    capture_features,
    component_game,
    fit_components,
)
from harsanyi.dynamics.engine import ARRAYS
from harsanyi.dynamics.sources import Checkpoint, FactorySpec, find_checkpoints, load_into
from harsanyi.errors import CheckpointError, StoreError

__all__ = ["ComponentRun", "component_dynamics"]


@dataclass
class ComponentRun:
    """Result of :func:`component_dynamics`.

    Result of :func:`component_dynamics`: ``epochs`` ``(K,)``, the fitted ``components``,
    ``arrays`` (name -> ``(K, B, 2**r)`` / ``(K, B)``) and the ``store`` (or ``None``).
    """

    epochs: np.ndarray
    components: FeatureComponents
    arrays: dict[str, np.ndarray]
    store: Any = None


def _build(model: FactorySpec | Callable[[], nn.Module]) -> nn.Module:
    return model.build() if isinstance(model, FactorySpec) else model().eval()


def component_dynamics(
    checkpoints: str | Path | Sequence[Checkpoint],
    model: FactorySpec | Callable[[], nn.Module],
    layer: str,
    inputs: Any,
    mean_input: Any,
    *,
    targets: Any = None,
    r: int = 10,
    mode: str = "pooled",
    reward: Any = "log_odds",
    q_bound: float = 0.02,
    solver: str = "fast",
    solver_options: dict[str, Any] | None = None,
    kind: str = "and_or",
    warm_start: bool = True,
    batch_size: int = 256,
    out: str | Path | None = None,
    resume: bool = False,
) -> ComponentRun:
    """Component interactions of ``inputs`` at every checkpoint.

    ``mean_input`` is ``E[x]`` over the training set (one input, no batch axis): its feature
    gives the baselines ``b_i``. ``kind="and"`` gives AND-only interactions (:func:`mobius`).

    >>> import tempfile, torch
    >>> from harsanyi.zoo.mlp import MLP
    >>> d = Path(tempfile.mkdtemp())
    >>> for e in range(4):
    ...     _ = torch.manual_seed(e); torch.save(MLP(3, 2, 3, 8).state_dict(), d / f"epoch_{e}.pt")
    >>> spec = FactorySpec("harsanyi.zoo.mlp:MLP", {"in_features": 3, "n_classes": 2,
    ...                                             "n_layers": 3, "width": 8})
    >>> x = np.random.default_rng(0).normal(size=(2, 3)).astype(np.float32)
    >>> res = component_dynamics(d, spec, "feature", x, x.mean(0), r=2, kind="and", q_bound=0)
    >>> res.arrays["and_values"].shape, res.epochs.tolist()
    ((4, 2, 4), [0, 1, 2, 3])
    """
    from harsanyi.extract import Interactions, and_or, mobius
    from harsanyi.store import RunStore

    ckpts = find_checkpoints(checkpoints) if isinstance(checkpoints, (str, Path)) \
        else sorted(checkpoints, key=lambda c: c.epoch)
    net = _build(model)
    x = np.asarray(inputs)
    xm = np.asarray(mean_input)[None].astype(x.dtype)
    feats, base = [], []
    for ck in ckpts:  # pass 1: features at every checkpoint
        load_into(net, _path(ck))
        net.eval()
        feats.append(capture_features(net, layer, x, batch_size=batch_size))
        base.append(capture_features(net, layer, xm)[0])
    comp = fit_components(np.stack(feats), r=r, mode=mode)
    store = None
    if out is not None:
        config = {"format": 1, "kind": f"components/{kind}", "layer": layer, "r": r,
                  "mode": mode, "model": model.describe() if isinstance(model, FactorySpec)
                  else getattr(model, "__qualname__", "callable"),
                  "epochs": [c.epoch for c in ckpts], "inputs": x.tolist() if x.size <= 64
                  else {"shape": list(x.shape), "sum": float(np.sum(x))},
                  "q_bound": q_bound, "solver": solver, "solver_options": solver_options or {},
                  "reward": str(reward), "warm_start": warm_start, "batch_size": batch_size}
        store = RunStore.open_or_create(out, config, resume=resume,
                                        players=[f"c{i}" for i in range(r)],
                                        metadata={"source": "component_dynamics"})
        _check_components(store, comp)
    results: dict[int, dict[str, np.ndarray]] = {}
    prev: dict[str, np.ndarray] | None = None
    for k, ck in enumerate(ckpts):  # pass 2: games and interactions
        if store is not None and store.has(ck.epoch):
            rec = store.read(ck.epoch)
            prev = results[ck.epoch] = {a: rec.arrays[a] for a in ARRAYS}
            continue
        load_into(net, _path(ck))
        net.eval()
        game = component_game(net, layer, x, comp, base[k], target=targets, reward=reward,
                              batch_size=batch_size)
        if kind == "and":
            inter = mobius(game, q_bound=q_bound or None, solver=solver,
                           **(solver_options or {}))
        else:
            warm = None if (prev is None or not warm_start) else Interactions(
                **{a: prev[a] for a in ARRAYS}, players=list(game.players))
            inter = and_or(game, q_bound=q_bound, solver=solver, warm_start=warm,
                           **(solver_options or {}))
        prev = results[ck.epoch] = {a: np.asarray(getattr(inter, a)) for a in ARRAYS}
        if store is not None:
            store.write_checkpoint(ck.epoch, prev, {"train_loss": ck.train_loss,
                                                    "test_loss": ck.test_loss,
                                                    "metadata": game.metadata})
    arrays = {a: np.stack([results[c.epoch][a] for c in ckpts]) for a in ARRAYS}
    return ComponentRun(np.array([c.epoch for c in ckpts]), comp, arrays, store)


def _path(ck: Checkpoint) -> Path:
    if ck.path is None:
        raise CheckpointError(f"checkpoint {ck.epoch} has no file")
    return ck.path


def _check_components(store: Any, comp: FeatureComponents) -> None:
    stored = store.read_array("directions")
    if stored is None:
        store.write_array("directions", comp.directions)
        store.write_array("mean", comp.mean)
        store.write_array("eigenvalues", comp.eigenvalues)
        return
    if stored.shape != comp.directions.shape or not np.allclose(stored, comp.directions,
                                                                atol=1e-8):
        raise StoreError(f"the feature components recomputed from the checkpoints differ from "
                         f"those stored in {store.path}: the checkpoints changed since the run "
                         "started; use another --out")
