"""Training stage of the MNIST reproduction: data, models, one training run per model and seed.

Paper C's view trains each model of the config on the 28×28 digits (by default with paper A's
recipe, SGD with momentum 0.9, lr 0.01, batch 128: paper C's is unpublished; a checkpoint every
epoch, until the training loss is near zero and the test loss rises). Paper A's view trains
VGG-11 on the digits resized to 32×32 with 1% of the training labels flipped, with paper A's
optimiser (SGD, momentum 0.9, lr 0.01, batch 128). A finished training with the same settings
is reused (:func:`harsanyi.workflows.demo.train_stage`); an interrupted one is redone (it is
deterministic).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from torch import nn

from harsanyi.games.components import find_layer
from harsanyi.loading import FactorySpec
from harsanyi.workflows.demo import train_stage
from harsanyi.workflows.reproduce_mnist_config import ReproConfig
from harsanyi.zoo.datasets import Dataset
from harsanyi.zoo.registry import get_dataset, get_model
from harsanyi.zoo.training import TrainConfig, read_manifest

__all__ = ["TrainedRun", "check_layers", "paper_a_dataset", "paper_c_dataset", "train_all",
           "train_one"]


@dataclass
class TrainedRun:
    """One finished training: its folder, model factory and summary numbers."""

    view: str
    model: str
    seed: int
    folder: Path
    factory: FactorySpec
    reused: bool
    summary: dict[str, Any]


def paper_c_dataset(cfg: ReproConfig) -> Dataset:
    """Load the 28×28 digits of paper C's view (stratified split seeded by ``cfg.data_seed``).

    >>> from harsanyi.workflows.reproduce_mnist_config import reproduce_config
    >>> paper_c_dataset(reproduce_config(quick=True)).X_train.shape
    (150, 1, 28, 28)
    """
    return get_dataset("mnist5k", seed=cfg.data_seed, test_size=cfg.test_size,
                       per_class=cfg.per_class)


def paper_a_dataset(cfg: ReproConfig, seed: int) -> Dataset:
    """Paper A's digits: resized to 32×32, ``cfg.a_label_noise`` of the training labels flipped.

    >>> from harsanyi.workflows.reproduce_mnist_config import reproduce_config
    >>> ds = paper_a_dataset(reproduce_config(quick=True, a_label_noise=0.02), 0)
    >>> ds.X_train.shape, int(ds.flipped.sum())
    ((150, 1, 32, 32), 3)
    """
    return get_dataset("mnist5k", seed=cfg.data_seed, test_size=cfg.test_size,
                       per_class=cfg.per_class, image_size=32, label_noise=cfg.a_label_noise,
                       noise_seed=seed)


def _model(name: str, ds: Dataset, width: float, seed: int) -> nn.Module:
    return get_model(name, dataset=ds, width=width, seed=seed)


def check_layers(cfg: ReproConfig) -> None:
    """Fail early on a layer name that a model does not have (close matches are listed).

    >>> from harsanyi.workflows.reproduce_mnist_config import reproduce_config
    >>> try:
    ...     check_layers(reproduce_config(quick=True, layer="featuer"))
    ... except Exception as exc:
    ...     print(type(exc).__name__, "'feature'" in str(exc))
    PlayerError True
    """
    for name in cfg.models:
        net = get_model(name, in_channels=1, n_classes=10, image_size=28,
                        width=cfg.widths.get(name, 0.25))
        find_layer(net, cfg.layer)
    find_layer(get_model("vgg11", in_channels=1, n_classes=10, image_size=32,
                         width=cfg.widths.get("vgg11", 0.125)), cfg.a_layer)


def train_one(folder: Path, view: str, name: str, seed: int, ds: Dataset, tc: TrainConfig,
              width: float, progress: bool) -> TrainedRun:
    """Train (or reuse) one model into ``folder``; summary: epochs, final accuracies, losses."""
    model = _model(name, ds, width, seed)
    reused = train_stage(folder, ds, model, tc, progress)
    recs = read_manifest(folder)["epochs"]
    last = recs[-1]
    best = min(recs, key=lambda r: r["test_loss"])
    summary = {"epochs": last["epoch"], "train_acc": last["train_acc"],
               "test_acc": last["test_acc"], "train_loss": last["train_loss"],
               "test_loss": last["test_loss"], "best_test_loss_epoch": best["epoch"],
               "test_loss_rise": last["test_loss"] - best["test_loss"],
               "seconds": sum(float(r["seconds"]) for r in recs),
               "n_train": len(ds.y_train), "n_test": len(ds.y_test)}
    spec: dict[str, Any] = getattr(model, "zoo_spec")  # noqa: B009 - set by zoo.get_model
    return TrainedRun(view, name, seed, folder, FactorySpec(f"zoo:{name}", dict(spec["kwargs"])),
                      reused, summary)


def train_all(out: Path, cfg: ReproConfig, progress: bool,
              echo: Any = None) -> tuple[list[TrainedRun], list[TrainedRun]]:
    """Train every model and seed of paper C's view and paper A's VGG-11; returns both lists."""
    say = echo or (lambda _m: None)
    ds_c = paper_c_dataset(cfg)
    runs_c = []
    for name in cfg.models:
        for seed in cfg.seeds:
            say(f"      paper C: {name} (width {cfg.widths[name]}), seed {seed}, "
                f"{cfg.epochs} epochs")
            tc = TrainConfig(epochs=cfg.epochs, lr=cfg.lr, optimizer=cfg.optimizer,
                             momentum=0.9, batch_size=cfg.batch_size, seed=seed, num_threads=1)
            runs_c.append(train_one(out / "train" / f"{name}_s{seed}", "C", name, seed, ds_c,
                                    tc, cfg.widths[name], progress))
    seed = cfg.seeds[0]
    say(f"      paper A: vgg11 on 32×32 digits, {cfg.a_label_noise:.0%} labels flipped, seed "
        f"{seed}, {cfg.a_epochs} epochs")
    tc_a = TrainConfig(epochs=cfg.a_epochs, lr=cfg.a_lr, optimizer="sgd", momentum=0.9,
                       batch_size=128, seed=seed, num_threads=1)
    run_a = train_one(out / "train" / f"paperA_vgg11_s{seed}", "A", "vgg11", seed,
                      paper_a_dataset(cfg, seed), tc_a, cfg.widths.get("vgg11", 0.125),
                      progress)
    return runs_c, [run_a]
