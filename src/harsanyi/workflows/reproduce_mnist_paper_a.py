"""Paper A's two-phase view: VGG-11 on 32×32 digits with 1% noisy labels, feature-map patches.

Paper A's image setting: ``a_players`` cells of an 8×8 grid drawn (seeded) from its central
6×6 region of the feature map after the 2nd ReLU of VGG-11 (``features.6``), masked to zero;
the cells that are not players stay masked (the lab's default background). The same cells
serve every digit. At ``a_checkpoints`` checkpoints (denser early), the monitor computes the
AND-OR interactions of ``a_samples`` training and test digits into ``RUN/run`` (resumable);
then the distribution over orders ``I_real^(k)`` per checkpoint, the phase boundary (mean
order's minimum) beside the loss-gap onset (our rules, :mod:`harsanyi.dynamics.phases`) and
paper A's σ² per checkpoint from the boundary on (:func:`harsanyi.analysis.analyse_fit`).
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import numpy as np

from harsanyi.analysis.fit import analyse_fit
from harsanyi.analysis.phases import analyse_phases
from harsanyi.dynamics.monitor import Monitor
from harsanyi.errors import HarsanyiError
from harsanyi.games.feature_map import FeatureMapGame
from harsanyi.games.patches import Patches
from harsanyi.workflows.demo import select_samples
from harsanyi.workflows.demo_tasks import monitored_checkpoints
from harsanyi.workflows.reproduce_mnist_config import ReproConfig
from harsanyi.workflows.reproduce_mnist_train import TrainedRun, paper_a_dataset

__all__ = ["paper_a_run"]


def paper_a_run(run: TrainedRun, cfg: ReproConfig, out: Path, *,
                progress: bool) -> dict[str, Any]:
    """Monitor and analyse paper A's view of ``run`` (see the module docstring)."""
    ds = paper_a_dataset(cfg, run.seed)
    samples = select_samples(ds, cfg.a_samples, cfg.data_seed)
    players = Patches.random(cfg.a_players, grid=8, region=6, seed=run.seed)
    game = FeatureMapGame(cfg.a_layer, players)
    t0 = time.perf_counter()
    mon = Monitor(out / "paperA" / "run", samples["inputs"], targets=samples["targets"],
                  split=samples["split"], sample_ids=samples["index"],
                  groups={"flipped": samples["flipped"]}, game=game, q_bound=cfg.q_bound,
                  solver=cfg.solver, selection="vertex", resume=True, model=run.factory,
                  samples_per_task=8,
                  source="harsanyi reproduce mnist (paper A)")
    store = mon.run(monitored_checkpoints(run.folder, cfg.a_checkpoints), executor="serial",
                    progress=progress)
    arr = store.arrays()
    seconds = time.perf_counter() - t0
    phases = analyse_phases(arr)
    prof = phases.profiles.get("test") or next(iter(phases.profiles.values()))
    result: dict[str, Any] = {
        "epochs": arr.epochs.tolist(), "cells": players.cells, "layer": cfg.a_layer,
        "real": np.nan_to_num(prof.real).tolist(), "mean_order": prof.mean_order.tolist(),
        "train_loss": arr.train_loss.tolist(), "test_loss": arr.test_loss.tolist(),
        "boundary_epoch": phases.boundary_epoch, "onset_epoch": phases.onset_epoch,
        "residual_max": float(np.max(np.abs(store.stack("residual", store.completed())))),
        "seconds_monitor": seconds, "train": run.summary, "fit": None, "fit_note": None,
    }
    try:
        fit = analyse_fit(arr, phases=phases)
        result["fit"] = {"checkpoints": fit.checkpoints, "sigma2": fit.sigma2.tolist(),
                         "error": fit.error.tolist(), "real": fit.real.tolist(),
                         "theo": fit.theo.tolist()}
    except (HarsanyiError, ValueError) as exc:
        result["fit_note"] = f"the σ² fit could not be computed: {exc}"
    return result
