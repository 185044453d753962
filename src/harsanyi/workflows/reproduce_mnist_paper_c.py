"""Paper C's view of one trained network: feature-component interactions over training.

For one training run (model, seed): the monitor computes, at every checkpoint from
``cfg.first_epoch`` on (paper C's networks trained after ``k = 1..K`` epochs), the AND-OR
interactions between the top ``r`` principal feature components of ``cfg.layer`` (PCA pooled
over the monitored digits and all checkpoints) of fixed training and test digits, into a
resumable run store ``RUN/run``. From it and the final model come

* Table 1: accuracy with the raw feature and with ``f̄ + Σ_{i≤r} f_i`` (PCA over the
  ``accuracy_samples`` digits of each split and all checkpoints), at the final checkpoint;
* Table 3: the five groups of each digit's ``top_k`` interactions (raw curves, and with each
  checkpoint divided by ``|v_t(N) − v_t(∅)|``, the [RECON] option of
  :func:`harsanyi.dynamics.groups.five_groups`; and under each rule of ``CALIBRATION_GRID``,
  for a calibration on one network's row that the other network's row then tests);
* Figure 4: the matching error ``E_x|g(f) − ĝ_α(f)|`` against ``α`` and ``E[α̂/2^(r+1)]``;
* Figure 3: the sparsity curve of the component interactions and of interactions between
  ``patches`` random image patches (final model; first seed only);
* the ``solver="sgd"`` comparison on a few digits of the final checkpoint.

The costly parts (Table 1, patches, SGD) are cached in ``RUN/extras.json`` once finished.
"""

from __future__ import annotations

import json
import time
import warnings
from pathlib import Path
from typing import Any

import numpy as np

from harsanyi.dynamics.groups import GROUPS, GroupRule, five_groups
from harsanyi.dynamics.monitor import Monitor
from harsanyi.errors import ExplainedInputWarning
from harsanyi.extract.interactions import Interactions
from harsanyi.extract.split import and_or
from harsanyi.games.components import capture_features, component_accuracy, fit_components
from harsanyi.games.factories import ComponentGame
from harsanyi.games.game import Game
from harsanyi.games.model_game import model_game
from harsanyi.games.patches import Patches
from harsanyi.loading import find_checkpoints, load_into
from harsanyi.metrics import alpha_hat, sparsity_curve, top_alpha_errors
from harsanyi.store import RunArrays, RunStore
from harsanyi.workflows.demo import select_samples
from harsanyi.workflows.reproduce_mnist_config import ReproConfig
from harsanyi.workflows.reproduce_mnist_train import TrainedRun
from harsanyi.zoo.datasets import Dataset

__all__ = ["CALIBRATION_GRID", "group_counts", "matching_curve", "paper_c_run", "patch_sparsity",
           "sgd_comparison", "table1_accuracy"]


def _checkpoints(run: TrainedRun, cfg: ReproConfig) -> list[Any]:
    return [c for c in find_checkpoints(run.folder) if c.epoch >= cfg.first_epoch]


def _models(run: TrainedRun, cfg: ReproConfig) -> list[Any]:
    out = []
    for ck in _checkpoints(run, cfg):
        net = run.factory.build()
        load_into(net, ck.path)
        out.append(net.eval())
    return out


#: Rules tried when calibrating on one network's row of Table 3 (smoothing, violation share).
CALIBRATION_GRID = [(smooth, violation) for smooth in (1, 3, 5) for violation in (0.1, 0.2, 0.3)]


def group_counts(arr: RunArrays, k: int, normalize: bool,
                 rule: GroupRule | None = None) -> np.ndarray:
    """Per-digit count of each group (columns in ``GROUPS`` order) among its top ``k``: ``(B, 5)``.

    ``normalize`` divides each checkpoint by ``|v_t(N) − v_t(∅)|`` before classifying;
    ``rule``: the five-group rule (default :class:`GroupRule`).
    """
    scale = None
    if normalize:
        scale = np.maximum(np.abs(arr.values[..., -1] - arr.values[..., 0]), 1e-12)
    res = five_groups(arr.and_values, arr.or_values, k=k, epochs=arr.epochs, scale=scale,
                      rule=rule)
    return np.stack([(res.labels == g).sum(axis=1) for g in GROUPS], axis=1).astype(float)


def _scale_growth(arr: RunArrays) -> float:
    """Median over digits of ``|v(N) − v(∅)|`` at the last checkpoint over the first."""
    span = np.abs(arr.values[..., -1] - arr.values[..., 0])
    return float(np.median(span[-1] / np.maximum(span[0], 1e-12)))


def matching_curve(arr: RunArrays) -> dict[str, Any]:
    """Figure 4 at the final checkpoint: mean ``|g(f) − ĝ_α(f)|`` for ``α = 0..2^(r+1)``, ``α̂``."""
    a, o, v = arr.and_values[-1], arr.or_values[-1], arr.values[-1]
    err = top_alpha_errors(a, o, v)
    share = alpha_hat(a, o, v, tol=0.1, share=True)
    return {"errors": err.mean(axis=0).tolist(),
            "relative": (err / np.maximum(np.abs(v[:, -1:]), 1e-12)).mean(axis=0).tolist(),
            "alpha_hat_share": float(np.nanmean(share)) if np.isfinite(share).any() else None,
            "alpha_hat_reached": int(np.isfinite(share).sum()), "n": len(share)}


def table1_accuracy(run: TrainedRun, models: list[Any], ds: Dataset,
                    cfg: ReproConfig) -> dict[str, Any]:
    """Table 1: accuracy of the final model with the raw feature and with its top ``r`` parts."""
    rng = np.random.default_rng(cfg.data_seed + 1)
    out: dict[str, Any] = {}
    for part in ("train", "test"):
        X, y = getattr(ds, f"X_{part}"), getattr(ds, f"y_{part}")
        idx = np.sort(rng.choice(len(X), min(cfg.accuracy_samples, len(X)), replace=False))
        feats = np.stack([capture_features(m, cfg.layer, X[idx]) for m in models])
        comp = fit_components(feats, r=cfg.r, mode="pooled")
        raw, top = component_accuracy(models[-1], cfg.layer, X[idx], y[idx], comp)
        out[part] = {"raw": raw, "top": top, "n": len(idx)}
    return out


def patch_sparsity(model: Any, ds: Dataset, samples: dict[str, Any], cfg: ReproConfig,
                   seed: int) -> dict[str, Any]:
    """Figure 3's patch interactions of the final model: ``patches`` random cells per digit."""
    test = [i for i, s in enumerate(samples["split"]) if s == "test"][: cfg.patch_samples]
    ands, ors, resid, cells = [], [], [], []
    for j, i in enumerate(test):
        players = Patches.random(cfg.patches, grid=cfg.patch_grid, region=cfg.patch_region,
                                 seed=1000 * seed + j)
        with warnings.catch_warnings():  # cells outside the 12 stay masked, as in the papers
            warnings.simplefilter("ignore", ExplainedInputWarning)
            game = model_game(model, samples["inputs"][i: i + 1], players=players,
                              baselines="mean", data=ds.X_train, outside="masked",
                              target=[samples["targets"][i]], progress=False)
        res = and_or(game, cfg.q_bound, cfg.solver, selection="vertex", progress=False)
        assert isinstance(res, Interactions)  # an exhaustive game gives dense interactions
        ands.append(res.and_values[0])
        ors.append(res.or_values[0])
        resid.append(float(np.max(res.residual)))
        cells.append(players.cells)
    curve = sparsity_curve(np.stack(ands), np.stack(ors))
    return {"curve": curve.tolist(), "n": len(test), "max_residual": max(resid),
            "cells": cells}


def sgd_comparison(arr: RunArrays, cfg: ReproConfig) -> dict[str, Any]:
    """Compare the original recipe (``solver="sgd"``) with ours on the final checkpoint's games."""
    rows = [i for i, s in enumerate(arr.split) if s == "test"][: cfg.sgd_samples]
    game = Game(arr.values[-1][rows], players=list(arr.players))
    t0 = time.perf_counter()
    res = and_or(game, cfg.q_bound, "sgd", niter=cfg.sgd_iters, progress=False)
    assert isinstance(res, Interactions)  # an exhaustive game gives dense interactions
    seconds = time.perf_counter() - t0
    ours = np.concatenate([arr.and_values[-1][rows], arr.or_values[-1][rows]], axis=-1)
    sgd = np.concatenate([res.and_values, res.or_values], axis=-1)
    l1 = lambda x: np.abs(x[:, 1:]).sum(axis=-1)  # noqa: E731 - Σ_{S≠∅} of the pooled layout
    top = [len(set(np.argsort(-np.abs(a))[:10]) & set(np.argsort(-np.abs(b))[:10])) / 10
           for a, b in zip(ours, sgd, strict=True)]
    return {"n": len(rows), "iterations": cfg.sgd_iters, "seconds": seconds,
            "l1_ours": l1(ours).tolist(), "l1_sgd": l1(sgd).tolist(),
            "rel_diff": (np.abs(ours - sgd).sum(-1) / np.abs(ours).sum(-1)).tolist(),
            "top10_overlap": top, "residual_sgd": np.asarray(res.residual).tolist()}


def _monitor(run: TrainedRun, ds: Dataset, samples: dict[str, Any], cfg: ReproConfig,
             run_dir: Path, progress: bool) -> RunStore:
    game = ComponentGame(cfg.layer, r=cfg.r, mode="pooled", mean_input=ds.X_train.mean(axis=0))
    mon = Monitor(run_dir, samples["inputs"], targets=samples["targets"],
                  split=samples["split"], sample_ids=samples["index"], game=game,
                  q_bound=cfg.q_bound, solver=cfg.solver, selection="vertex", resume=True,
                  model=run.factory, samples_per_task=len(samples["inputs"]),
                  source="harsanyi reproduce mnist",
                  metadata={"model": run.model, "seed": run.seed})
    return mon.run(_checkpoints(run, cfg), executor="serial", progress=progress)


def paper_c_run(run: TrainedRun, ds: Dataset, cfg: ReproConfig, out: Path, *,
                first_seed: bool, progress: bool) -> dict[str, Any]:
    """Everything of paper C's view for one training run (see the module docstring)."""
    run_dir = out / "paperC" / f"{run.model}_s{run.seed}"
    samples = select_samples(ds, cfg.samples, cfg.data_seed)
    t0 = time.perf_counter()
    store = _monitor(run, ds, samples, cfg, run_dir / "run", progress)
    arr = store.arrays()
    t1 = time.perf_counter()
    cache = run_dir / "extras.json"
    extras = json.loads(cache.read_text()) if cache.is_file() else {}
    if "table1" not in extras or (first_seed and "patches" not in extras):
        models = _models(run, cfg)
        extras["table1"] = extras.get("table1") or table1_accuracy(run, models, ds, cfg)
        if first_seed:
            extras["patches"] = patch_sparsity(models[-1], ds, samples, cfg, run.seed)
    if first_seed and "sgd" not in extras:
        extras["sgd"] = sgd_comparison(arr, cfg)
    tmp = cache.with_suffix(".tmp")
    tmp.write_text(json.dumps(extras))
    tmp.replace(cache)
    return {"model": run.model, "seed": run.seed, "epochs": arr.epochs.tolist(),
            "split": list(arr.split), "n_checkpoints": int(arr.epochs.size),
            "scale_growth": _scale_growth(arr),
            "groups_raw": group_counts(arr, cfg.top_k, False).tolist(),
            "groups_scaled": group_counts(arr, cfg.top_k, True).tolist(),
            "groups_grid": {f"smooth={sm}, violation={vi}": group_counts(
                arr, cfg.top_k, False, GroupRule(smooth=sm, violation=vi)).tolist()
                for sm, vi in CALIBRATION_GRID},
            "matching": matching_curve(arr),
            "component_curve": sparsity_curve(arr.and_values[-1], arr.or_values[-1]).tolist(),
            "residual_max": float(np.max(np.abs(store.stack("residual", store.completed())))),
            "seconds_monitor": t1 - t0, "seconds_extras": time.perf_counter() - t1,
            **extras}

