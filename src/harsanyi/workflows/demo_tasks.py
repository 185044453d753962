"""Settings and tasks of the demo.

Settings and tasks of the demo (:mod:`harsanyi.workflows.demo`): :class:`DemoConfig`, the
checkpoint schedule, and the tabular task (the digits task is in
:mod:`harsanyi.workflows.demo_digits`).

The tabular task: MLP-5 on breast cancer (30 standardised features) with 5% of the training
labels flipped (:func:`harsanyi.zoo.recipes.overfitting_recipe`). The 30 features are 10
measurements (radius, texture, ...) each reported three times (mean, standard error, worst
value): the **10 players are these 10 measurements, each owning its 3 columns**, so every
feature belongs to a player. A masked player's columns take their training mean.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from harsanyi.extract.solvers.canonical import (
    check_selection,
    resolve_selection,
    stored_selection,
)
from harsanyi.games.players import Columns
from harsanyi.loading import FactorySpec, find_checkpoints
from harsanyi.zoo.recipes import overfitting_recipe
from harsanyi.zoo.registry import get_dataset, get_model
from harsanyi.zoo.training import TrainConfig

__all__ = [
    "TASKS",
    "DemoConfig",
    "DemoTask",
    "demo_config",
    "epoch_schedule",
    "measurement_groups",
    "monitored_checkpoints",
    "resolve_demo_selection",
    "tabular_task",
]

TASKS = ("tabular", "digits")


@dataclass
class DemoConfig:
    """Settings of a demo run (all JSON-serialisable; recorded in ``out/.harsanyi-demo.json``).

    ``epochs``: training epochs (checkpoints ``0..epochs``); ``samples``: monitored samples per
    split (train and test); ``players``: number of players ``n``; ``checkpoints``: how many
    checkpoints are monitored (``0``: all ``epochs + 1``), spread by :func:`epoch_schedule`
    (denser early, where the first phase happens); ``q_bound``/``solver``/``kind``: the extraction
    (:func:`harsanyi.and_or`, or ``kind="and"`` for AND-only Möbius interactions; the default
    ``"fast"`` returns the LP optimum, certified);
    ``top_k``: interactions per sample classified into the five groups; ``warm_start``: start
    the solver at each checkpoint from the previous one (off: with the current "fast" solver a
    warm start was slower than a cold one); ``components``: the digits task's
    feature-component view (``r = players``); ``selection``/``epsilon``: which optimal split
    (:func:`harsanyi.and_or`; docs/selection.md): ``"auto"`` is resolved by
    :func:`resolve_demo_selection` before the run (the canonical split, or the selection of
    the demo already in the output folder).
    """

    task: str = "tabular"
    epochs: int = 60
    samples: int = 16
    players: int = 10
    checkpoints: int = 16
    q_bound: float = 0.02
    solver: str = "fast"
    kind: str = "and_or"
    top_k: int = 100
    warm_start: bool = False
    seed: int = 0
    components: bool = True
    selection: str = "auto"
    epsilon: float = 0.01

    def __post_init__(self) -> None:
        if self.task not in TASKS:
            raise ValueError(f"task must be one of {TASKS}; got {self.task!r}")
        if self.epochs < 2 or self.samples < 1 or not (self.checkpoints == 0
                                                        or self.checkpoints >= 3):
            raise ValueError(f"need epochs >= 2, samples >= 1 and checkpoints 0 (all) or >= 3; "
                             f"got epochs={self.epochs}, samples={self.samples}, "
                             f"checkpoints={self.checkpoints}")
        if not 2 <= self.players <= 10:
            raise ValueError(f"players must be in 2..10 (the demo tasks have 10); got "
                             f"{self.players}")
        if self.kind not in ("and_or", "and"):
            raise ValueError(f"kind must be 'and_or' or 'and'; got {self.kind!r}")
        check_selection(self.selection, self.epsilon)

    def to_dict(self) -> dict[str, Any]:
        """Return the plain-dict form.

        A vertex run records no selection, as before the option existed, so that earlier demo
        folders still resume.
        """
        out = asdict(self)
        if self.selection == "vertex":
            del out["selection"], out["epsilon"]
        return out


def resolve_demo_selection(config: DemoConfig, stored: dict[str, Any] | None) -> DemoConfig:
    """Resolve ``selection="auto"`` of ``config``, given the settings ``stored`` in the folder.

    The selection of the demo already in the folder (its marker's settings; a marker without
    one is a vertex run, as before the option existed), so that a rerun resumes it; else
    :func:`~harsanyi.extract.solvers.canonical.resolve_selection` (the canonical split at the
    demo's ``n ≤ 10``). An explicit selection is kept.

    >>> resolve_demo_selection(DemoConfig(), None).selection
    'canonical'
    >>> resolve_demo_selection(DemoConfig(), {"task": "tabular"}).selection
    'vertex'
    """
    if config.selection != "auto":
        return config
    if stored is not None:
        return replace(config, selection=stored_selection(stored),
                       epsilon=float(stored.get("epsilon", config.epsilon)))
    return replace(config, selection=resolve_selection("auto", config.players))


def demo_config(task: str = "tabular", *, quick: bool = False, **changes: Any) -> DemoConfig:
    """Return the default settings of ``task``, with ``changes``.

    The default settings of ``task`` (``quick``: tiny settings for tests), with
    ``changes`` (``None`` values are ignored).

    Defaults: 16 training + 16 test samples, ``n = 10``, 16 monitored checkpoints of 60 epochs
    (tabular) or 12 of 30 (digits): sized so that the demo stays within its time budget (5 min
    tabular, 10 min digits, on 2 CPU cores) on the canonical split, about 0.8 s CPU per
    (sample, checkpoint) at ``n = 10`` (measured: 3 min 50 s and 8 min 37 s on an idle 2-core
    machine; the vertex, ``selection="vertex"``, takes 0.5-0.8 s). The papers' setting
    (32 + 32 samples, every epoch) is ``samples=32, checkpoints=0``.

    >>> demo_config().epochs, demo_config("digits").checkpoints, demo_config(quick=True).samples
    (60, 12, 3)
    >>> demo_config(epochs=None, samples=32).samples
    32
    """
    if task == "digits":
        base = DemoConfig(task=task, epochs=30, checkpoints=12)
    else:
        base = DemoConfig(task=task)
    if quick:
        base = replace(base, epochs=6, samples=3, players=6, top_k=10, checkpoints=4)
    return replace(base, **{k: v for k, v in changes.items() if v is not None})


def epoch_schedule(epochs: int, count: int) -> list[int]:
    """Return ``count`` epochs of ``0..epochs``, dense early.

    ``count`` distinct epochs of ``0..epochs`` spread quadratically, ``round(epochs·u²)``
    for ``u`` uniform in ``[0, 1]``: dense early (the first phase is short), first and last
    always included; ``count = 0`` or ``count > epochs`` gives every epoch.

    >>> epoch_schedule(60, 16)
    [0, 1, 2, 4, 6, 8, 11, 15, 19, 23, 28, 34, 40, 46, 53, 60]
    >>> epoch_schedule(4, 0)
    [0, 1, 2, 3, 4]
    """
    if count == 0 or count > epochs:
        return list(range(epochs + 1))
    m = count
    while True:
        chosen = np.unique(np.round(epochs * np.linspace(0.0, 1.0, m) ** 2).astype(int))
        if chosen.size >= count:
            return [int(e) for e in chosen[: count - 1]] + [epochs]
        m += 1


# -- tasks -----------------------------------------------------------------------------------
@dataclass
class DemoTask:
    """What a demo task provides.

    What a demo task provides: the dataset, the model (before training), its training
    settings and its factory (to rebuild it per checkpoint), the players, texts for the report,
    ``image(samples) -> (image, patch boxes)`` (``(None, None)`` without images) and
    ``extra_view(out, samples, config, echo) -> notes``: a second view (``extra`` names it;
    ``None``: no second view), run beside the monitor in its own process when there are
    ``workers >= 2``.
    """

    dataset: Any
    model: Any
    train_config: Any
    factory: Any
    players: Any
    description: str
    title: str
    header: Callable[[DemoConfig], dict[str, Any]]
    image: Callable[[dict[str, Any]], tuple[Any, Any]] = lambda _s: (None, None)
    extra_view: Callable[..., list[str]] = lambda *_a, **_k: []
    extra: str | None = None


def measurement_groups(feature_names: list[str]) -> tuple[list[list[int]], list[str]]:
    """Group the breast-cancer columns by measurement.

    Columns of breast cancer grouped by measurement: ``"mean radius"``, ``"radius error"``
    and ``"worst radius"`` form the player ``"radius"`` (in order of first appearance).

    >>> measurement_groups(["mean radius", "mean area", "radius error", "worst area"])
    ([[0, 2], [1, 3]], ['radius', 'area'])
    """
    groups: dict[str, list[int]] = {}
    for j, name in enumerate(feature_names):
        base = name.removeprefix("mean ").removeprefix("worst ").removesuffix(" error")
        groups.setdefault(base, []).append(j)
    return list(groups.values()), list(groups)


def tabular_task(cfg: DemoConfig) -> DemoTask:
    """Build the tabular task of the demo.

    MLP-5 on breast cancer with 5% label noise (the zoo's over-fitting recipe); the first
    ``cfg.players`` measurements (3 columns each) are the players.

    >>> task = tabular_task(demo_config())
    >>> task.players.names[:3], task.players.groups[0], task.train_config.epochs
    (['radius', 'texture', 'perimeter'], (0, 10, 20), 60)
    """
    r = overfitting_recipe(model_seed=cfg.seed, noise_seed=cfg.seed)
    ds = get_dataset(r.dataset, label_noise=r.label_noise, noise_seed=r.noise_seed,
                     **r.dataset_kwargs)
    model = get_model(r.model, dataset=ds, seed=r.model_seed, **r.model_kwargs)
    tc = TrainConfig(**{**r.train, "epochs": cfg.epochs})
    groups, names = measurement_groups(ds.feature_names)
    players = Columns(groups[: cfg.players], names=names[: cfg.players])

    def header(c: DemoConfig) -> dict[str, Any]:
        return {"task": "tabular", "model": "MLP-5 (width 100), Adam lr 5e-3, full batch",
                "dataset": f"breast cancer, {r.label_noise:.0%} training labels flipped",
                "players": f"{c.players} measurements (mean, error, worst columns each); "
                           "masked = training mean",
                "samples": f"{c.samples} train + {c.samples} test", "epochs": c.epochs,
                "extraction": f"{c.kind}, q_bound {c.q_bound}, solver {c.solver}"}

    return DemoTask(ds, model, tc, FactorySpec("zoo:" + r.model, model.zoo_spec["kwargs"]),
                    players, "MLP-5 on breast cancer (5% label noise)",
                    "Demo: interactions of an over-fitting MLP-5 (breast cancer)", header)


def monitored_checkpoints(ckpt_dir: Path, count: int) -> list[Any]:
    """Return the checkpoints of a training folder at :func:`epoch_schedule` epochs.

    >>> import tempfile, torch
    >>> d = Path(tempfile.mkdtemp())
    >>> for e in range(5): torch.save({"w": torch.zeros(1)}, d / f"epoch_{e}.pt")
    >>> [c.epoch for c in monitored_checkpoints(d, 3)]
    [0, 1, 4]
    """
    ckpts = find_checkpoints(ckpt_dir)
    wanted = set(epoch_schedule(ckpts[-1].epoch, count))
    return [c for c in ckpts if c.epoch in wanted]
