"""Interactions between principal feature components at every checkpoint (paper C).

A convenience over the monitor: :class:`~harsanyi.dynamics.monitor.Monitor` with a
:class:`~harsanyi.games.factories.ComponentGame`. Its first pass reads the layer's features of
the samples at every checkpoint and fits the components (pooled or per sample); then, at each
checkpoint, the component game and its AND-OR interactions (warm-started from the previous
checkpoint by default). The components are the same at every checkpoint, so interaction ``S``
(a set of component indices) is tracked through training. With ``out=`` the results stay in
a resumable :class:`~harsanyi.store.RunStore` (directions and means in ``extra/``).
"""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from harsanyi.dynamics.engine import ARRAYS
from harsanyi.dynamics.monitor import Monitor
from harsanyi.games.components import FeatureComponents
from harsanyi.games.factories import ComponentGame
from harsanyi.loading import Checkpoint, FactorySpec

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


def component_dynamics(
    checkpoints: str | Path | Sequence[Checkpoint],
    model: FactorySpec,
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
    selection: str = "auto",
    epsilon: float = 0.01,
    warm_start: bool = True,
    batch_size: int = 256,
    out: str | Path | None = None,
    resume: bool = False,
) -> ComponentRun:
    """Component interactions of ``inputs`` at every checkpoint.

    ``model`` builds the architecture (a :class:`~harsanyi.loading.FactorySpec`).
    ``mean_input`` is ``E[x]`` over the training set (one input, no batch axis): its feature
    gives the baselines ``b_i``. ``kind="and"`` gives AND-only interactions (:func:`mobius`).
    Without ``out`` the run store is temporary and ``store`` is ``None``. ``selection`` and
    ``epsilon``: which optimal AND-OR split (as :class:`~harsanyi.dynamics.monitor.Monitor`).

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
    game = ComponentGame(layer, r=r, mode=mode, mean_input=np.asarray(mean_input),
                         reward=reward, batch_size=batch_size)
    with tempfile.TemporaryDirectory() as tmp:
        mon = Monitor(Path(tmp) / "run" if out is None else out, inputs, targets=targets,
                      game=game, q_bound=q_bound, solver=solver, solver_options=solver_options,
                      kind=kind, selection=selection, epsilon=epsilon, warm_start=warm_start,
                      resume=resume, model=model,
                      samples_per_task=max(len(np.asarray(inputs)), 1),
                      source="component_dynamics")
        store = mon.run(checkpoints, executor="serial", progress=False, threads=None)
        epochs = store.completed()
        arrays = {a: store.stack(a, epochs) for a in ARRAYS}
        fitted = mon.spec.game
    assert isinstance(fitted, ComponentGame) and fitted.components is not None
    return ComponentRun(np.array(epochs), fitted.components, arrays,
                        None if out is None else store)
