"""Ready-made training settings: an MLP that clearly over-fits within about a minute on a CPU.

The demo and the training-dynamics monitor need a run whose test loss first falls and then
rises while the training loss keeps falling (the two phases of the interaction papers). Label
noise (a few percent of the training labels flipped) makes the second phase appear quickly.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from harsanyi.zoo.registry import get_dataset, get_model
from harsanyi.zoo.training import TrainConfig, TrainRun, train

__all__ = ["OverfittingRecipe", "overfitting_recipe", "overfitting_summary", "run_recipe"]


@dataclass
class OverfittingRecipe:
    """Dataset, model and training settings of a fast over-fitting run (JSON-serialisable).

    Default: MLP-5 (width 100) on breast cancer (426 training samples, 30 standardised
    features) with 5% of the training labels flipped, full-batch Adam (lr 5e-3) for 60 epochs.
    The test loss reaches its minimum around epoch 20-25 and then rises while the training
    loss keeps falling; a run takes about a second on one CPU core (see
    ``benchmarks/bench_zoo_overfitting.py``). Over 10 seeds of the split, noise and
    initialisation, 9 of 10 runs over-fitted (test-loss rise > 0.05 after its minimum).
    Training uses one CPU thread: on a busy 2-core machine two threads were ~20× slower for
    this tiny model.

    ``dataset_kwargs`` go to ``zoo.get_dataset``, ``model_kwargs`` to ``zoo.get_model`` and
    ``train`` to :class:`~harsanyi.zoo.training.TrainConfig`.
    """

    dataset: str = "breast_cancer"
    dataset_kwargs: dict[str, Any] = field(default_factory=lambda: {"seed": 0})
    label_noise: float = 0.05
    noise_seed: int = 0
    model: str = "mlp5"
    model_kwargs: dict[str, Any] = field(default_factory=lambda: {"width": 100})
    model_seed: int = 0
    train: dict[str, Any] = field(default_factory=lambda: {
        "epochs": 60, "lr": 5e-3, "batch_size": 0, "optimizer": "adam", "seed": 0,
        "num_threads": 1,
    })

    def to_dict(self) -> dict[str, Any]:
        """Plain-dict form (for manifests and reports)."""
        return asdict(self)


def overfitting_recipe(**changes: Any) -> OverfittingRecipe:
    """Return the default over-fitting recipe, with any field replaced by ``changes``.

    >>> r = overfitting_recipe()
    >>> r.dataset, r.model, r.label_noise
    ('breast_cancer', 'mlp5', 0.05)
    >>> overfitting_recipe(label_noise=0.1).label_noise
    0.1
    """
    recipe = OverfittingRecipe()
    unknown = sorted(set(changes) - set(OverfittingRecipe.__dataclass_fields__))
    if unknown:
        raise TypeError(f"unknown recipe fields {unknown}; known: "
                        f"{sorted(OverfittingRecipe.__dataclass_fields__)}")
    for k, v in changes.items():
        setattr(recipe, k, v)
    return recipe


def run_recipe(
    recipe: OverfittingRecipe | None = None,
    out_dir: str | Path | None = None,
    callback: Any = None,
    **train_overrides: Any,
) -> tuple[Any, Any, TrainRun]:
    """Build the recipe's dataset and model and train it; returns ``(model, dataset, run)``.

    ``train_overrides`` replace training settings (e.g. ``epochs=5``, ``device="cuda"``).

    >>> model, ds, run = run_recipe(epochs=1)
    >>> run.epochs
    [0, 1]
    """
    r = recipe if recipe is not None else overfitting_recipe()
    ds = get_dataset(r.dataset, label_noise=r.label_noise, noise_seed=r.noise_seed,
                     **r.dataset_kwargs)
    model = get_model(r.model, dataset=ds, seed=r.model_seed, **r.model_kwargs)
    cfg = TrainConfig(**{**r.train, **train_overrides})
    run = train(model, ds, out_dir, config=cfg, callback=callback, overwrite=True)
    return model, ds, run


def overfitting_summary(run: TrainRun) -> dict[str, float]:
    """Numbers that say whether and how clearly a run over-fitted.

    ``best_epoch``: epoch of the lowest test loss; ``test_rise``: final test loss minus the
    lowest one; ``train_drop_after_best``: training loss at ``best_epoch`` minus the final one.
    A run over-fits when both are positive.

    >>> run = TrainRun(records=[{"epoch": e, "train_loss": tl, "test_loss": te}
    ...     for e, tl, te in [(0, 0.7, 0.7), (1, 0.3, 0.2), (2, 0.1, 0.4)]])
    >>> overfitting_summary(run)["best_epoch"], round(overfitting_summary(run)["test_rise"], 3)
    (1, 0.2)
    """
    te, tr = run.test_losses, run.train_losses
    best = int(np.argmin(te))
    return {
        "best_epoch": run.epochs[best],
        "min_test_loss": float(te[best]),
        "final_test_loss": float(te[-1]),
        "test_rise": float(te[-1] - te[best]),
        "final_train_loss": float(tr[-1]),
        "train_drop_after_best": float(tr[best] - tr[-1]),
    }
