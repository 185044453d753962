"""The demo experiment behind ``harsanyi demo`` (``make demo``): train, monitor, analyse, report.

``run_demo(out)`` trains a network that over-fits (label noise), computes the AND-OR
interactions of fixed training and test samples at every checkpoint into a run store
(``out/run``), analyses them (phase boundary vs loss-gap onset, paper A's σ² fit, paper D's
decay/spindle parts, paper C's five groups, paper E's sparsity bound) and writes the report
(``out/index.html``). Two tasks:

* ``"tabular"`` (default): MLP-5 on breast cancer (30 standardised features) with 5% of the
  training labels flipped (:func:`harsanyi.zoo.recipes.overfitting_recipe`). The 30 features
  are 10 measurements (radius, texture, ...) each reported three times (mean, standard error,
  worst value): the **10 players are these 10 measurements, each owning its 3 columns**, so
  every feature belongs to a player. A masked player's columns take their training mean.
* ``"digits"``: a tiny VGG-11 on scikit-learn's 8×8 digits with 10 patches of 2×2 pixels as
  players, and paper C's feature components as a second view
  (:mod:`harsanyi.workflows.demo_digits`).

An interrupted demo resumes when rerun with the same settings: a complete training is reused
(an incomplete one is redone from scratch; it is deterministic and takes seconds), finished
checkpoints of the run store are kept and skipped, and the analyses and the report are
recomputed (they take seconds). The folder records the settings in ``.harsanyi-demo.json``;
other settings are refused (:class:`~harsanyi.errors.ConfigMismatchError`), and so is a
non-empty folder that is neither a demo nor a report (unless ``force``).
"""

from __future__ import annotations

import multiprocessing as mp
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch

from harsanyi.dynamics.monitor import Monitor
from harsanyi.errors import StoreError
from harsanyi.report import MARKER, ReportFolderError
from harsanyi.store import jsonable
from harsanyi.workflows.demo_analysis import (
    analyse_run,
    findings_lines,
    sparsity_note,
    write_report,
)
from harsanyi.workflows.demo_digits import digits_task
from harsanyi.workflows.demo_tasks import (
    DemoConfig,
    DemoTask,
    demo_config,
    epoch_schedule,
    measurement_groups,
    monitored_checkpoints,
    resolve_demo_selection,
    tabular_task,
)
from harsanyi.workflows.marker import check_marker, read_marker, write_marker
from harsanyi.zoo.training import read_manifest, train

__all__ = [
    "DEMO_MARKER",
    "DemoConfig",
    "DemoResult",
    "DemoTask",
    "check_out_dir",
    "demo_config",
    "epoch_schedule",
    "get_task",
    "measurement_groups",
    "monitor_stage",
    "monitored_checkpoints",
    "run_demo",
    "select_samples",
    "tabular_task",
    "train_stage",
]

DEMO_MARKER = ".harsanyi-demo.json"


@dataclass
class DemoResult:
    """What :func:`run_demo` did.

    What :func:`run_demo` did: the report path, the three findings lines, the analyses and
    ``stats`` (checkpoints written/skipped, whether training was reused, seconds per stage).
    """

    out: Path
    index: Path
    findings: list[str]
    phases: Any
    fit: Any
    groups: Any
    sparsity: Any
    stats: dict[str, Any] = field(default_factory=dict)


def check_out_dir(out: str | Path, config: DemoConfig, force: bool = False) -> None:
    """Check the output folder of the demo, and mark it.

    Accept ``out`` if it is missing, empty, a previous demo with the same settings, or a
    harsanyi report; refuse anything else unless ``force``
    (:class:`~harsanyi.report.ReportFolderError`). Writes the demo marker.

    >>> import tempfile
    >>> d = Path(tempfile.mkdtemp()); (d / "notes.txt").write_text("mine") and None
    >>> try:
    ...     check_out_dir(d, demo_config(quick=True))
    ... except FileExistsError as exc:
    ...     print(type(exc).__name__, "--force" in str(exc))
    ReportFolderError True
    """
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise ReportFolderError(f"output path {str(out)!r} exists and is not a folder; choose "
                                "another --out")
    if check_marker(out, DEMO_MARKER, config.to_dict(), "a demo run"):
        return
    if out.is_dir() and any(out.iterdir()) and not (out / MARKER).is_file() and not force:
        entries = sorted(p.name for p in out.iterdir())
        shown = ", ".join(repr(e) for e in entries[:3]) + (", ..." if len(entries) > 3 else "")
        raise ReportFolderError(
            f"output folder {str(out)!r} exists and is not a harsanyi report or demo (no "
            f"{MARKER} or {DEMO_MARKER}); it holds {len(entries)} entries ({shown}). Choose "
            "another --out, or pass --force to write into it.")
    write_marker(out, DEMO_MARKER, "harsanyi-demo/1", config.to_dict())


# -- stages ----------------------------------------------------------------------------------
def train_stage(folder: Path, dataset: Any, model: Any, train_config: Any,
                progress: bool) -> bool:
    r"""Train the demo's network into ``folder``, or reuse a finished run.

    Train into ``folder`` unless a complete run with the same settings is there; returns
    whether the stored training was reused (an incomplete one is redone from scratch: the zoo's
    training is deterministic, so its checkpoints come out identical).

    >>> import tempfile
    >>> task = tabular_task(demo_config(quick=True))
    >>> d = Path(tempfile.mkdtemp())
    >>> train_stage(d, task.dataset, task.model, task.train_config, False), \
    ...     train_stage(d, task.dataset, task.model, task.train_config, False)
    (False, True)
    """
    try:
        man = read_manifest(folder)
        if man.get("complete") and man.get("config") == jsonable(asdict(train_config)):
            return True
    except StoreError:
        pass
    train(model, dataset, folder, config=train_config, overwrite=True, progress=progress)
    return False


def select_samples(dataset: Any, per_split: int, seed: int) -> dict[str, Any]:
    """Draw the demo's training and test samples.

    ``per_split`` random training and test samples (seeded): inputs, targets (the label
    the network was trained on for training samples, the true label for test samples), split,
    index in its split and whether the training label was flipped.

    >>> from harsanyi.zoo import get_dataset
    >>> s = select_samples(get_dataset("wine"), 2, 0)
    >>> s["inputs"].shape, s["split"]
    ((4, 13), ['train', 'train', 'test', 'test'])
    """
    rng = np.random.default_rng(seed)
    out: dict[str, list[Any]] = {"inputs": [], "targets": [], "split": [], "index": [],
                                 "flipped": []}
    for part in ("train", "test"):
        X, y = getattr(dataset, f"X_{part}"), getattr(dataset, f"y_{part}")
        if per_split > len(X):
            raise ValueError(f"asked for {per_split} {part} samples; the dataset has {len(X)}")
        idx = np.sort(rng.choice(len(X), per_split, replace=False))
        flipped = dataset.flipped if part == "train" and dataset.flipped is not None \
            else np.zeros(len(X), bool)
        out["inputs"].append(X[idx])
        out["targets"] += [int(v) for v in y[idx]]
        out["split"] += [part] * per_split
        out["index"] += [int(i) for i in idx]
        out["flipped"] += [bool(f) for f in flipped[idx]]
    return {**out, "inputs": np.concatenate(out["inputs"]).astype(np.float32)}


def monitor_stage(run_dir: Path, ckpt_dir: Path, factory: Any, samples: dict[str, Any],
                  players: Any, baseline_data: np.ndarray, config: DemoConfig,
                  workers: int, progress: bool) -> tuple[Any, dict[str, Any]]:
    """Compute the interactions of the samples at the scheduled checkpoints.

    Interactions of the samples at the ``config.checkpoints`` scheduled checkpoints,
    into the resumable run store ``run_dir`` (:class:`harsanyi.dynamics.monitor.Monitor`,
    baseline = training mean, no warm start by default); returns the store and the monitor's
    stats (``checkpoints_written``, ``checkpoints_skipped``, seconds...).

    >>> task = tabular_task(demo_config(quick=True))
    >>> store, stats = monitor_stage(Path("out/run"), Path("out/train"), task.factory,
    ...                              select_samples(task.dataset, 3, 0), task.players,
    ...                              task.dataset.X_train, demo_config(quick=True), 1,
    ...                              False)  # doctest: +SKIP
    """
    keep = monitored_checkpoints(ckpt_dir, config.checkpoints)
    mon = Monitor(run_dir, samples["inputs"], targets=samples["targets"],
                  split=samples["split"], sample_ids=samples["index"],
                  groups={"flipped": samples["flipped"]}, players=players, baselines="mean",
                  baseline_data=baseline_data, q_bound=config.q_bound, solver=config.solver,
                  selection=config.selection, epsilon=config.epsilon, kind=config.kind,
                  warm_start=config.warm_start, samples_per_task=8,
                  resume=True,
                  model=factory, source="harsanyi demo",
                  metadata={"demo": config.to_dict()})
    store = mon.run(keep, executor="serial" if workers <= 1 else "process",
                    workers=max(workers, 1), progress=progress)
    return store, dict(mon.stats)


def _extra_view_job(out: Path, samples: dict[str, Any], config: dict[str, Any]) -> list[str]:
    """Run the task's second view in a worker process (one torch thread)."""
    torch.set_num_threads(1)
    cfg = DemoConfig(**config)
    return get_task(cfg).extra_view(Path(out), samples, cfg, lambda _msg: None)


def get_task(cfg: DemoConfig) -> DemoTask:
    """Return the :class:`DemoTask` of ``cfg.task``.

    >>> get_task(demo_config("digits")).players.names[:2]
    ['patch(0,1)', 'patch(0,2)']
    """
    if cfg.task == "digits":
        return digits_task(cfg)
    return tabular_task(cfg)


def _background(fn: Callable[..., Any], *args: Any) -> tuple[Any, Any]:
    pool = ProcessPoolExecutor(max_workers=1, mp_context=mp.get_context("spawn"))
    return pool, pool.submit(fn, *args)


def _stop(pool: Any, kill: bool = False) -> None:
    """Shut a background pool down.

    Shut a background pool down; with ``kill`` (after an error) its running job is
    terminated instead of awaited.
    """
    if kill:
        for proc in list((getattr(pool, "_processes", None) or {}).values()):
            if proc.is_alive():
                proc.terminate()
    pool.shutdown(wait=True, cancel_futures=True)


def run_demo(
    out: str | Path,
    config: DemoConfig | None = None,
    *,
    force: bool = False,
    workers: int = 2,
    progress: bool = True,
    echo: Callable[[str], None] | None = None,
) -> DemoResult:
    r"""Run the demo into ``out`` (see the module docstring); returns a :class:`DemoResult`.

    ``workers``: processes computing the interactions (1 = in this process). ``echo``
    prints stage messages (default: nothing).

    >>> res = run_demo("report", demo_config(quick=True), workers=1)  # doctest: +SKIP
    >>> print(res.index, *res.findings, sep="\n")                    # doctest: +SKIP
    """
    out = Path(out)
    cfg = resolve_demo_selection(config or demo_config(), read_marker(out, DEMO_MARKER))
    say = echo or (lambda _msg: None)
    check_out_dir(out, cfg, force)
    task = get_task(cfg)
    stats: dict[str, Any] = {}
    t0 = time.perf_counter()
    say(f"[1/4] training {task.description} for {cfg.epochs} epochs")
    stats["training_reused"] = train_stage(out / "train", task.dataset, task.model,
                                           task.train_config, progress)
    t1 = time.perf_counter()
    say(f"[2/4] interactions of {2 * cfg.samples} samples, n = {cfg.players} players, at each "
        "checkpoint" + (" (resuming)" if (out / "run" / "zarr.json").exists() else ""))
    samples = select_samples(task.dataset, cfg.samples, cfg.seed)
    side = None
    if task.extra is not None and workers >= 2:  # the second view runs beside the monitor
        say(f"      {task.extra}: in a background process")
        side = _background(_extra_view_job, out, samples, asdict(cfg))
    try:
        _, mstats = monitor_stage(out / "run", out / "train", task.factory, samples,
                                  task.players, task.dataset.X_train, cfg, workers, progress)
        stats.update({f"monitor_{k}": v for k, v in mstats.items()})
        t2 = time.perf_counter()
        say("[3/4] analyses: phases, σ² fit, five groups, decay/spindle, sparsity bound")
        ana = analyse_run(out / "run", cfg.top_k)
        notes = list(ana.notes)
        if ana.sparsity is not None:
            notes.append(sparsity_note(ana.sparsity))
        if side is not None:
            notes += side[1].result()
        elif task.extra is not None:
            say(f"      {task.extra}")
            notes += task.extra_view(out, samples, cfg, say)
    except BaseException:
        if side is not None:
            _stop(side[0], kill=True)
        raise
    if side is not None:
        _stop(side[0])
    t3 = time.perf_counter()
    say("[4/4] report")
    index = write_report(out, out / "run", task.title, task.header(cfg), notes,
                         *task.image(samples), analyses=ana)
    t4 = time.perf_counter()
    stats.update({"seconds_train": t1 - t0, "seconds_monitor": t2 - t1,
                  "seconds_analysis": t3 - t2, "seconds_report": t4 - t3,
                  "seconds_total": t4 - t0})
    return DemoResult(out=out, index=index, findings=findings_lines(ana), phases=ana.phases,
                      fit=ana.fit, groups=ana.groups, sparsity=ana.sparsity, stats=stats)
