"""The digits demo (``harsanyi demo --task digits``): a tiny VGG-11 on 8×8 digits.

Players are 2×2-pixel patches: the 8×8 image is cut into a 4×4 grid of cells and the ``n``
cells whose pixels vary most over the training set (summed pixel variance; corners are nearly
always blank) are the players; a masked patch takes the training mean image's pixels. A
second view follows paper C: the top ``r = n`` principal components of the network's feature
after its 4th convolution, fitted over all monitored checkpoints (pooled PCA), are the players
of a second run store (``out/components_run``) with its own report (``out/components/``).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from harsanyi.dynamics.component_dynamics import component_dynamics
from harsanyi.games.patches import Patches
from harsanyi.loading import FactorySpec
from harsanyi.workflows.demo_analysis import analyse_run, findings_lines, write_report
from harsanyi.workflows.demo_tasks import DemoConfig, DemoTask, monitored_checkpoints
from harsanyi.zoo.registry import get_dataset, get_model
from harsanyi.zoo.training import TrainConfig

__all__ = ["GRID", "cell_boxes", "component_view", "digits_task", "variance_cells"]

GRID = (4, 4)


def variance_cells(images: np.ndarray, n: int, grid: tuple[int, int] = GRID) -> list[int]:
    """Return the ``n`` grid cells of largest pixel variance.

    The ``n`` grid cells (flat indices ``r·cols + c``, ascending) whose pixels have the
    largest summed variance over ``images`` ``(N, C, H, W)``.

    >>> x = np.zeros((2, 1, 4, 4)); x[1, 0, 2:, :2] = 1.0      # only cell (1, 0) varies
    >>> variance_cells(x, 1, (2, 2))
    [2]
    """
    var = np.asarray(images, dtype=np.float64).var(axis=0).sum(axis=0)  # (H, W)
    rows, cols = grid
    h, w = var.shape
    cell = (np.arange(h)[:, None] * rows // h) * cols + (np.arange(w)[None, :] * cols // w)
    per_cell = np.bincount(cell.ravel(), weights=var.ravel(), minlength=rows * cols)
    return sorted(int(c) for c in np.argsort(-per_cell, kind="stable")[:n])


def cell_boxes(cells: list[int], image_hw: tuple[int, int] = (8, 8),
               grid: tuple[int, int] = GRID) -> list[tuple[int, int, int, int]]:
    """``(y0, x0, y1, x1)`` pixel boxes of grid cells (for the report's patch maps).

    >>> cell_boxes([0, 5])
    [(0, 0, 2, 2), (2, 2, 4, 4)]
    """
    (h, w), (rows, cols) = image_hw, grid
    out = []
    for c in cells:
        r, k = divmod(int(c), cols)
        out.append((r * h // rows, k * w // cols, (r + 1) * h // rows, (k + 1) * w // cols))
    return out


def digits_task(cfg: DemoConfig) -> DemoTask:
    """Build the digits task of the demo.

    VGG-11 (width 1/8: 8-64 channels) on digits as images with 5% label noise, Adam
    (lr 3e-3, batch 128); ``cfg.players`` patches of a 4×4 grid as players.
    """
    ds = get_dataset("digits", as_image=True, label_noise=0.05, noise_seed=cfg.seed, seed=0)
    model = get_model("vgg11", dataset=ds, width=0.125, seed=cfg.seed)
    tc = TrainConfig(epochs=cfg.epochs, lr=3e-3, optimizer="adam", batch_size=128,
                     seed=cfg.seed, num_threads=1)
    cells = variance_cells(ds.X_train, cfg.players)
    players = Patches(cells, grid=GRID)
    stats = ds.metadata.get("standardization") or {}
    mean, std = (stats.get("mean") or [0.0])[0], (stats.get("std") or [1.0])[0]

    def header(c: DemoConfig) -> dict[str, Any]:
        return {"task": "digits", "model": "VGG-11 (width 1/8), Adam lr 3e-3, batch 128",
                "dataset": "scikit-learn digits 8×8, 5% training labels flipped",
                "players": f"{c.players} patches of 2×2 pixels (4×4 grid, most varying "
                           "cells); masked = training mean image",
                "samples": f"{c.samples} train + {c.samples} test", "epochs": c.epochs,
                "extraction": f"{c.kind}, q_bound {c.q_bound}, solver {c.solver}"}

    def image(samples: dict[str, Any]) -> tuple[Any, Any]:
        img = np.clip(samples["inputs"][0, 0] * std + mean, 0.0, 1.0)
        return img, cell_boxes(cells)

    def extra(out: Path, samples: dict[str, Any], c: DemoConfig,
              echo: Callable[[str], None]) -> list[str]:
        return component_view(out, samples, c, FactorySpec("zoo:vgg11",
                              model.zoo_spec["kwargs"]), ds.X_train.mean(axis=0), echo)

    return DemoTask(ds, model, tc, FactorySpec("zoo:vgg11", model.zoo_spec["kwargs"]), players,
                    "VGG-11 (width 1/8) on 8×8 digits (5% label noise)",
                    "Demo: interactions of an over-fitting VGG-11 (8×8 digits)", header,
                    image, extra,
                    f"feature components: top {cfg.players} principal components of the layer "
                    "'feature' as players (paper C)" if cfg.components else None)


def component_view(out: Path, samples: dict[str, Any], cfg: DemoConfig, factory: Any,
                   mean_input: np.ndarray, echo: Callable[[str], None]) -> list[str]:
    """Run paper C's view on feature components and report it.

    Paper C's view: interactions between the top ``r = cfg.players`` feature components
    (layer ``feature``) at every monitored checkpoint, into ``out/components_run``, analysed
    and reported in ``out/components/``; returns notes for the main report.
    """
    run_dir = out / "components_run"
    ckpts = monitored_checkpoints(out / "train", cfg.checkpoints)
    component_dynamics(ckpts, factory, "feature", samples["inputs"], mean_input,
                       targets=np.asarray(samples["targets"]), r=cfg.players, mode="pooled",
                       q_bound=cfg.q_bound, solver=cfg.solver, kind=cfg.kind,
                       selection=cfg.selection, epsilon=cfg.epsilon,
                       warm_start=cfg.warm_start, out=run_dir, resume=True)
    ana = analyse_run(run_dir, cfg.top_k)
    header = {"task": "digits, feature components (paper C)",
              "players": f"top {cfg.players} principal components of the feature after the "
                         "4th convolution, pooled PCA over samples and checkpoints",
              "samples": f"{cfg.samples} train + {cfg.samples} test", "epochs": cfg.epochs}
    index = write_report(out / "components", run_dir,
                         "Demo: interactions between feature components (8×8 digits)", header,
                         ana.notes, analyses=ana)
    lines = findings_lines(ana)
    return [f"Second view, feature components as players (paper C): report in "
            f"`{index.relative_to(out)}`. " + " ".join(lines)]
