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
  players, and paper C's feature components as a second view (:mod:`harsanyi.zoo.demo_digits`).

An interrupted demo resumes when rerun with the same settings: a complete training is reused
(an incomplete one is redone from scratch; it is deterministic and takes seconds), finished
checkpoints of the run store are kept and skipped, and the analyses and the report are
recomputed (they take seconds). The folder records the settings in ``.harsanyi-demo.json``;
other settings are refused (:class:`~harsanyi.errors.ConfigMismatchError`), and so is a
non-empty folder that is neither a demo nor a report (unless ``force``).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from harsanyi.errors import ConfigMismatchError, StoreError
from harsanyi.zoo.demo_analysis import analyse_run, findings_lines, sparsity_note, write_report

__all__ = ["DEMO_MARKER", "DemoConfig", "DemoResult", "DemoTask", "demo_config",
           "check_out_dir", "run_demo", "get_task", "measurement_groups"]

DEMO_MARKER = ".harsanyi-demo.json"
TASKS = ("tabular", "digits")


@dataclass
class DemoConfig:
    """Settings of a demo run (all JSON-serialisable; recorded in ``out/.harsanyi-demo.json``).

    ``epochs``: training epochs (checkpoints ``0..epochs``); ``samples``: monitored samples per
    split (train and test); ``players``: number of players ``n``; ``checkpoints``: how many
    checkpoints are monitored (``0``: all ``epochs + 1``), spread by :func:`epoch_schedule`
    (denser early, where the first phase happens); ``q_bound``/``solver``/``kind``: the extraction
    (:func:`harsanyi.and_or`, or ``kind="and"`` for AND-only Möbius interactions; the solver
    is ``"exact"``, the LP through HiGHS: "fast" gives the same optimum but hung on some
    samples when this was written);
    ``top_k``: interactions per sample classified into the five groups; ``warm_start``: start
    the solver at each checkpoint from the previous one (off: with the current "fast" solver a
    warm start was slower than a cold one); ``components``: the digits task's
    feature-component view (``r = players``).
    """

    task: str = "tabular"
    epochs: int = 60
    samples: int = 8
    players: int = 10
    checkpoints: int = 16
    q_bound: float = 0.02
    solver: str = "exact"
    kind: str = "and_or"
    top_k: int = 100
    warm_start: bool = False
    seed: int = 0
    components: bool = True

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

    def to_dict(self) -> dict[str, Any]:
        """Plain-dict form."""
        return asdict(self)


def demo_config(task: str = "tabular", *, quick: bool = False, **changes: Any) -> DemoConfig:
    """The default settings of ``task`` (``quick``: tiny settings for tests), with
    ``changes`` (``None`` values are ignored).

    Defaults: 8 training + 8 test samples, ``n = 10``, 16 monitored checkpoints of 60 epochs
    (tabular) or 12 of 30 (digits): sized so that the demo stays within its time budget (5 min
    tabular, 10 min digits, on 2 CPU cores) with the "fast" solver's current speed, about 1-3 s
    per (sample, checkpoint) at ``n = 10``. The papers' setting (32 + 32 samples, every epoch)
    is ``samples=32, checkpoints=0``.

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
        base = replace(base, epochs=6, samples=3, players=6, top_k=10, checkpoints=0)
    return replace(base, **{k: v for k, v in changes.items() if v is not None})


@dataclass
class DemoResult:
    """What :func:`run_demo` did: the report path, the three findings lines, the analyses and
    ``stats`` (checkpoints written/skipped, whether training was reused, seconds per stage)."""

    out: Path
    index: Path
    findings: list[str]
    phases: Any
    fit: Any
    groups: Any
    sparsity: Any
    stats: dict[str, Any] = field(default_factory=dict)


def check_out_dir(out: str | Path, config: DemoConfig, force: bool = False) -> None:
    """Accept ``out`` if it is missing, empty, a previous demo with the same settings, or a
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
    from harsanyi.report import MARKER, ReportFolderError
    from harsanyi.store import config_diff, jsonable

    out = Path(out)
    if out.exists() and not out.is_dir():
        raise ReportFolderError(f"output path {str(out)!r} exists and is not a folder; choose "
                                "another --out")
    marker = out / DEMO_MARKER
    wanted = jsonable(config.to_dict())
    if marker.is_file():
        try:
            stored = json.loads(marker.read_text())["config"]
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise StoreError(f"the demo marker {marker} is unreadable ({exc}); delete it or "
                             "choose another --out") from exc
        diff = config_diff(stored, wanted)
        if diff:
            shown = ", ".join(f"{k} (stored {stored.get(k)!r}, now {wanted.get(k)!r})"
                              for k in diff)
            raise ConfigMismatchError(
                f"{out} holds a demo run with other settings: {shown}. Rerun with the stored "
                "settings to resume it, or choose another --out.")
        return
    if out.is_dir() and any(out.iterdir()) and not (out / MARKER).is_file() and not force:
        entries = sorted(p.name for p in out.iterdir())
        shown = ", ".join(repr(e) for e in entries[:3]) + (", ..." if len(entries) > 3 else "")
        raise ReportFolderError(
            f"output folder {str(out)!r} exists and is not a harsanyi report or demo (no "
            f"{MARKER} or {DEMO_MARKER}); it holds {len(entries)} entries ({shown}). Choose "
            "another --out, or pass --force to write into it.")
    out.mkdir(parents=True, exist_ok=True)
    tmp = out / (DEMO_MARKER + ".tmp")
    tmp.write_text(json.dumps({"format": "harsanyi-demo/1", "config": wanted}, indent=1))
    tmp.replace(marker)


# -- tasks -----------------------------------------------------------------------------------
@dataclass
class DemoTask:
    """What a demo task provides: the dataset, the model (before training), its training
    settings and its factory (to rebuild it per checkpoint), the players, texts for the report,
    ``image(samples) -> (image, patch boxes)`` (``(None, None)`` without images) and
    ``extra_view(out, samples, config, workers, progress, echo) -> notes`` (a second view)."""

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


def measurement_groups(feature_names: list[str]) -> tuple[list[list[int]], list[str]]:
    """Columns of breast cancer grouped by measurement: ``"mean radius"``, ``"radius error"``
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
    """MLP-5 on breast cancer with 5% label noise (the zoo's over-fitting recipe); the first
    ``cfg.players`` measurements (3 columns each) are the players.

    >>> task = tabular_task(demo_config())
    >>> task.players.names[:3], task.players.groups[0], task.train_config.epochs
    (['radius', 'texture', 'perimeter'], (0, 10, 20), 60)
    """
    from harsanyi.dynamics.sources import FactorySpec
    from harsanyi.games.players import Columns
    from harsanyi.zoo.recipes import overfitting_recipe
    from harsanyi.zoo.registry import get_dataset, get_model
    from harsanyi.zoo.training import TrainConfig

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


def get_task(cfg: DemoConfig) -> DemoTask:
    """The :class:`DemoTask` of ``cfg.task``.

    >>> get_task(demo_config("digits")).players.names[:2]
    ['patch(0,1)', 'patch(0,2)']
    """
    if cfg.task == "digits":
        from harsanyi.zoo.demo_digits import digits_task

        return digits_task(cfg)
    return tabular_task(cfg)


# -- stages ----------------------------------------------------------------------------------
def train_stage(folder: Path, dataset: Any, model: Any, train_config: Any,
                progress: bool) -> bool:
    """Train into ``folder`` unless a complete run with the same settings is there; returns
    whether the stored training was reused (an incomplete one is redone from scratch: the zoo's
    training is deterministic, so its checkpoints come out identical).

    >>> import tempfile
    >>> task = tabular_task(demo_config(quick=True))
    >>> d = Path(tempfile.mkdtemp())
    >>> train_stage(d, task.dataset, task.model, task.train_config, False), \\
    ...     train_stage(d, task.dataset, task.model, task.train_config, False)
    (False, True)
    """
    from harsanyi.store import jsonable
    from harsanyi.zoo.training import read_manifest, train

    try:
        man = read_manifest(folder)
        if man.get("complete") and man.get("config") == jsonable(asdict(train_config)):
            return True
    except StoreError:
        pass
    train(model, dataset, folder, config=train_config, overwrite=True, progress=progress)
    return False


def select_samples(dataset: Any, per_split: int, seed: int) -> dict[str, Any]:
    """``per_split`` random training and test samples (seeded): inputs, targets (the label
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


def epoch_schedule(epochs: int, count: int) -> list[int]:
    """``count`` distinct epochs of ``0..epochs`` spread quadratically, ``round(epochs·u²)``
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


def monitored_checkpoints(ckpt_dir: Path, count: int) -> list[Any]:
    """The checkpoints of a training folder at :func:`epoch_schedule` epochs.

    >>> import tempfile, torch
    >>> d = Path(tempfile.mkdtemp())
    >>> for e in range(5): torch.save({"w": torch.zeros(1)}, d / f"epoch_{e}.pt")
    >>> [c.epoch for c in monitored_checkpoints(d, 3)]
    [0, 1, 4]
    """
    from harsanyi.dynamics.sources import find_checkpoints

    ckpts = find_checkpoints(ckpt_dir)
    wanted = set(epoch_schedule(ckpts[-1].epoch, count))
    return [c for c in ckpts if c.epoch in wanted]


def monitor_stage(run_dir: Path, ckpt_dir: Path, factory: Any, samples: dict[str, Any],
                  players: Any, baseline_data: np.ndarray, config: DemoConfig,
                  workers: int, progress: bool) -> tuple[Any, dict[str, Any]]:
    """Interactions of the samples at the ``config.checkpoints`` scheduled checkpoints,
    into the resumable run store ``run_dir`` (:class:`harsanyi.dynamics.monitor.Monitor`,
    baseline = training mean, no warm start by default); returns the store and the monitor's
    stats (``checkpoints_written``, ``checkpoints_skipped``, seconds...).

    >>> task = tabular_task(demo_config(quick=True))
    >>> store, stats = monitor_stage(Path("out/run"), Path("out/train"), task.factory,
    ...                              select_samples(task.dataset, 3, 0), task.players,
    ...                              task.dataset.X_train, demo_config(quick=True), 1,
    ...                              False)  # doctest: +SKIP
    """
    from harsanyi.dynamics.monitor import Monitor

    keep = monitored_checkpoints(ckpt_dir, config.checkpoints)
    mon = Monitor(run_dir, samples["inputs"], targets=samples["targets"],
                  split=samples["split"], sample_ids=samples["index"],
                  groups={"flipped": samples["flipped"]}, players=players, baselines="mean",
                  baseline_data=baseline_data, q_bound=config.q_bound, solver=config.solver,
                  kind=config.kind, warm_start=config.warm_start, samples_per_task=8,
                  resume=True,
                  model=factory, source="harsanyi demo",
                  metadata={"demo": config.to_dict()})
    store = mon.run(keep, executor="serial" if workers <= 1 else "process",
                    workers=max(workers, 1), progress=progress)
    return store, dict(mon.stats)


def run_demo(
    out: str | Path,
    config: DemoConfig | None = None,
    *,
    force: bool = False,
    workers: int = 2,
    progress: bool = True,
    echo: Callable[[str], None] | None = None,
) -> DemoResult:
    """Run the demo into ``out`` (see the module docstring); returns a :class:`DemoResult`.

    ``workers``: processes computing the interactions (1 = in this process). ``echo``
    prints stage messages (default: nothing).

    >>> res = run_demo("report", demo_config(quick=True), workers=1)  # doctest: +SKIP
    >>> print(res.index, *res.findings, sep="\\n")                    # doctest: +SKIP
    """
    cfg = config or demo_config()
    say = echo or (lambda _msg: None)
    out = Path(out)
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
    _, mstats = monitor_stage(out / "run", out / "train", task.factory, samples, task.players,
                              task.dataset.X_train, cfg, workers, progress)
    stats.update({f"monitor_{k}": v for k, v in mstats.items()})
    t2 = time.perf_counter()
    say("[3/4] analyses: phases, σ² fit, five groups, decay/spindle, sparsity bound")
    ana = analyse_run(out / "run", cfg.top_k)
    notes = list(ana.notes)
    if ana.sparsity is not None:
        notes.append(sparsity_note(ana.sparsity))
    notes += task.extra_view(out, samples, cfg, workers, progress, say)
    t3 = time.perf_counter()
    say("[4/4] report")
    index = write_report(out, out / "run", task.title, task.header(cfg), notes,
                         *task.image(samples))
    t4 = time.perf_counter()
    stats.update({"seconds_train": t1 - t0, "seconds_monitor": t2 - t1,
                  "seconds_analysis": t3 - t2, "seconds_report": t4 - t3,
                  "seconds_total": t4 - t0})
    return DemoResult(out=out, index=index, findings=findings_lines(ana), phases=ana.phases,
                      fit=ana.fit, groups=ana.groups, sparsity=ana.sparsity, stats=stats)
