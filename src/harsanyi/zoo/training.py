"""A small, deterministic training loop that checkpoints every epoch.

The run folder holds ``checkpoints/epoch_XXXX.pt`` (plain state dicts on the CPU) and
``manifest.json``, rewritten atomically after each epoch::

    {"format": "harsanyi-training-run", "version": 1, "complete": true,
     "model": {"class": "MLP", "zoo_name": "mlp5", "kwargs": {...}},
     "dataset": {"name": "breast_cancer", "n_train": 426, "n_test": 143, "n_flipped": 21},
     "config": {"epochs": 60, "lr": 0.01, ...},
     "epochs": [{"epoch": 0, "path": "checkpoints/epoch_0000.pt", "train_loss": 0.69,
                 "test_loss": 0.69, "train_acc": 0.5, "test_acc": 0.5,
                 "train_loss_running": null, "seconds": 0.0}, ...]}

Epoch 0 is the model before training. ``train_loss``/``test_loss`` are mean cross-entropies
over the whole split in eval mode (the training split with its possibly noisy labels);
``train_loss_running`` is the mean loss of the epoch's mini-batches during training.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from harsanyi.errors import StoreError
from harsanyi.loading.checkpoints import load_into
from harsanyi.zoo.datasets import Dataset

__all__ = [
    "MANIFEST",
    "TrainConfig",
    "TrainRun",
    "evaluate",
    "load_checkpoint",
    "read_manifest",
    "train",
]

MANIFEST = "manifest.json"
Callback = Callable[..., Any]


@dataclass
class TrainConfig:
    """Settings of :func:`train` (all JSON-serialisable; saved in the manifest).

    ``optimizer`` is ``"sgd"`` (with ``momentum``) or ``"adam"``. ``batch_size=0`` means full
    batch. ``seed`` fixes the shuffling and any randomness inside the model's forward.
    ``num_threads`` sets torch's intra-op CPU threads for the duration of :func:`train`
    (callbacks included; restored afterwards); ``None`` leaves them alone. One thread is
    fastest for tiny models, and much faster on a busy machine.
    """

    epochs: int = 10
    lr: float = 0.01
    batch_size: int = 64
    optimizer: str = "sgd"
    momentum: float = 0.9
    weight_decay: float = 0.0
    seed: int = 0
    device: str = "cpu"
    eval_batch_size: int = 1024
    save_initial: bool = True
    num_threads: int | None = None

    def __post_init__(self) -> None:
        if self.epochs < 0:
            raise ValueError(f"epochs must be >= 0, got {self.epochs}")
        if not self.lr > 0:
            raise ValueError(f"lr must be positive, got {self.lr}")
        if self.batch_size < 0 or self.eval_batch_size < 1:
            raise ValueError("batch_size must be >= 0 (0 = full batch), eval_batch_size >= 1")
        if self.optimizer not in ("sgd", "adam"):
            raise ValueError(f"optimizer must be 'sgd' or 'adam', got {self.optimizer!r}")
        if self.num_threads is not None and self.num_threads < 1:
            raise ValueError(f"num_threads must be >= 1 or None, got {self.num_threads}")


@dataclass
class TrainRun:
    """What :func:`train` returns: the per-epoch records (as in the manifest) and the folder."""

    records: list[dict[str, Any]] = field(default_factory=list)
    out_dir: Path | None = None

    @property
    def epochs(self) -> list[int]:
        """Epoch numbers with a record (0 = before training)."""
        return [r["epoch"] for r in self.records]

    @property
    def train_losses(self) -> np.ndarray:
        """Training-set cross-entropy per recorded epoch."""
        return np.array([r["train_loss"] for r in self.records])

    @property
    def test_losses(self) -> np.ndarray:
        """Test-set cross-entropy per recorded epoch."""
        return np.array([r["test_loss"] for r in self.records])

    def checkpoint(self, epoch: int) -> Path:
        """Path of the checkpoint saved after ``epoch``."""
        if self.out_dir is None:
            raise StoreError("this run was trained without out_dir: no checkpoints were saved")
        for r in self.records:
            if r["epoch"] == epoch:
                return self.out_dir / r["path"]
        raise KeyError(f"no checkpoint for epoch {epoch}; epochs are {self.epochs}")


def _tensor(x: np.ndarray, device: torch.device) -> torch.Tensor:
    t = torch.from_numpy(np.ascontiguousarray(x))
    t = t.long() if np.issubdtype(x.dtype, np.integer) else t.float()
    return t.to(device)


@torch.no_grad()
def evaluate(
    model: nn.Module, X: torch.Tensor, y: torch.Tensor, batch_size: int = 1024
) -> tuple[float, float]:
    """Return the mean cross-entropy and the accuracy of ``model`` on ``(X, y)``.

    Mean cross-entropy ``-(1/N) Σ log softmax(f(x_i))_{y_i}`` and accuracy of ``model`` on
    ``(X, y)``, in eval mode (the previous mode is restored).

    >>> net = nn.Linear(2, 2)
    >>> loss, acc = evaluate(net, torch.zeros(4, 2), torch.tensor([0, 1, 0, 1]))
    >>> 0.0 <= acc <= 1.0 and loss > 0
    True
    """
    was_training = model.training
    model.eval()
    total, correct = 0.0, 0
    for i in range(0, len(X), batch_size):
        out = model(X[i : i + batch_size])
        yb = y[i : i + batch_size]
        total += float(nn.functional.cross_entropy(out.double(), yb, reduction="sum"))
        correct += int((out.argmax(dim=1) == yb).sum())
    model.train(was_training)
    n = max(len(X), 1)
    return total / n, correct / n


def _write_manifest(out_dir: Path, manifest: dict[str, Any]) -> None:
    tmp = out_dir / (MANIFEST + ".tmp")
    with open(tmp, "w") as fh:
        json.dump(manifest, fh, indent=1)
    os.replace(tmp, out_dir / MANIFEST)


def train(
    model: nn.Module,
    dataset: Dataset,
    out_dir: str | Path | None = None,
    *,
    config: TrainConfig | None = None,
    callback: Callback | None = None,
    overwrite: bool = False,
    progress: bool = False,
    **overrides: Any,
) -> TrainRun:
    """Train ``model`` on ``dataset`` with cross-entropy, recording every epoch.

    After epoch ``t`` (and at ``t = 0`` before training, if ``save_initial``): evaluate the
    train and test losses and accuracies, save the state dict to
    ``out_dir/checkpoints/epoch_{t:04d}.pt``, rewrite ``out_dir/manifest.json``, then call
    ``callback(model, t, train_loss=..., test_loss=...)`` with the model in eval mode (its
    training mode is restored afterwards). Settings come from ``config`` and keyword
    ``overrides`` (any :class:`TrainConfig` field). With ``out_dir=None`` nothing is written.
    The run is deterministic given ``seed`` (the model's initial weights are the caller's: see
    ``zoo.get_model(..., seed=...)``).

    >>> from harsanyi.zoo.synthetic import make_and_or_task
    >>> from harsanyi.zoo.mlp import MLP
    >>> torch.manual_seed(0) and None
    >>> run = train(MLP(10, 2, n_layers=3, width=16), make_and_or_task(300), epochs=3, lr=0.05)
    >>> run.epochs, bool(run.train_losses[-1] < run.train_losses[0])
    ([0, 1, 2, 3], True)
    """
    cfg = config if config is not None else TrainConfig()
    if overrides:
        unknown = sorted(set(overrides) - set(TrainConfig.__dataclass_fields__))
        if unknown:
            raise TypeError(f"unknown training settings {unknown}; known: "
                            f"{sorted(TrainConfig.__dataclass_fields__)}")
        cfg = TrainConfig(**{**asdict(cfg), **overrides})
    device = torch.device(cfg.device)
    out = Path(out_dir) if out_dir is not None else None
    if out is not None:
        if (out / MANIFEST).exists() and not overwrite:
            raise FileExistsError(
                f"{out / MANIFEST} exists; pass overwrite=True to replace the run"
            )
        (out / "checkpoints").mkdir(parents=True, exist_ok=True)
    model.to(device)
    Xtr, ytr = _tensor(dataset.X_train, device), _tensor(dataset.y_train, device)
    Xte, yte = _tensor(dataset.X_test, device), _tensor(dataset.y_test, device)
    if cfg.optimizer == "sgd":
        opt: torch.optim.Optimizer = torch.optim.SGD(
            model.parameters(), lr=cfg.lr, momentum=cfg.momentum, weight_decay=cfg.weight_decay
        )
    else:
        opt = torch.optim.Adam(model.parameters(), lr=cfg.lr, weight_decay=cfg.weight_decay)
    spec = getattr(model, "zoo_spec", None)
    manifest: dict[str, Any] = {
        "format": "harsanyi-training-run", "version": 1, "complete": False,
        "model": {"class": type(model).__name__, **(spec or {})},
        "dataset": {"name": dataset.name, "n_train": len(ytr), "n_test": len(yte),
                    "n_flipped": int(dataset.flipped.sum()) if dataset.flipped is not None else 0,
                    "label_noise": dataset.metadata.get("label_noise")},
        "config": asdict(cfg), "epochs": [],
    }
    run = TrainRun(records=manifest["epochs"], out_dir=out)
    gen = torch.Generator().manual_seed(cfg.seed)
    bs = cfg.batch_size or len(ytr)
    iterator = range(1, cfg.epochs + 1)
    if progress:
        from tqdm.auto import tqdm  # progress bars load only when shown

        iterator = tqdm(iterator, desc="epochs")

    def record(epoch: int, running: float | None, seconds: float) -> None:
        tr_loss, tr_acc = evaluate(model, Xtr, ytr, cfg.eval_batch_size)
        te_loss, te_acc = evaluate(model, Xte, yte, cfg.eval_batch_size)
        if not np.isfinite(tr_loss):
            raise FloatingPointError(f"the training loss is {tr_loss} after epoch {epoch}; "
                                     "lower the learning rate")
        rec = {"epoch": epoch, "path": None, "train_loss": tr_loss, "test_loss": te_loss,
               "train_acc": tr_acc, "test_acc": te_acc, "train_loss_running": running,
               "seconds": seconds}
        if out is not None:
            rel = f"checkpoints/epoch_{epoch:04d}.pt"
            state = {k: v.detach().to("cpu").clone() for k, v in model.state_dict().items()}
            torch.save(state, out / rel)
            rec["path"] = rel
        manifest["epochs"].append(rec)
        if out is not None:
            _write_manifest(out, manifest)
        if callback is not None:
            was_training = model.training
            model.eval()
            try:
                callback(model, epoch, train_loss=tr_loss, test_loss=te_loss)
            finally:
                model.train(was_training)

    threads = torch.get_num_threads()
    if cfg.num_threads is not None:
        torch.set_num_threads(cfg.num_threads)
    try:
        _loop(model, opt, cfg, device, iterator, gen, bs, Xtr, ytr, record)
    finally:
        torch.set_num_threads(threads)
    manifest["complete"] = True
    if out is not None:
        _write_manifest(out, manifest)
    return run


def _loop(model: nn.Module, opt: torch.optim.Optimizer, cfg: TrainConfig, device: torch.device,
          iterator: Any, gen: torch.Generator, bs: int, Xtr: torch.Tensor, ytr: torch.Tensor,
          record: Callable[[int, float | None, float], None]) -> None:
    """Run the epochs of :func:`train` (seeded RNG, one optimiser pass per epoch, then record)."""
    with torch.random.fork_rng(devices=[device] if device.type == "cuda" else []):
        torch.manual_seed(cfg.seed)
        model.train()
        if cfg.save_initial:
            record(0, None, 0.0)
        for epoch in iterator:
            t0 = time.perf_counter()
            model.train()
            perm = torch.randperm(len(ytr), generator=gen).to(device)
            total, count = 0.0, 0
            for i in range(0, len(perm), bs):
                idx = perm[i : i + bs]
                loss = nn.functional.cross_entropy(model(Xtr[idx]), ytr[idx])
                opt.zero_grad(set_to_none=True)
                loss.backward()
                opt.step()
                total += float(loss.detach()) * len(idx)
                count += len(idx)
            record(epoch, total / max(count, 1), time.perf_counter() - t0)


def read_manifest(run_dir: str | Path) -> dict[str, Any]:
    """Read the manifest of a run folder written by :func:`train`.

    The manifest of a run folder written by :func:`train` (raises :class:`StoreError` when
    it is missing or unreadable).
    """
    path = Path(run_dir) / MANIFEST
    if not path.is_file():
        raise StoreError(f"no training manifest at {path}")
    try:
        with open(path) as fh:
            manifest = json.load(fh)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise StoreError(f"{path} is not valid JSON ({exc})") from exc
    if manifest.get("format") != "harsanyi-training-run" or "epochs" not in manifest:
        raise StoreError(f"{path} is not a harsanyi training manifest")
    return manifest


def load_checkpoint(model: nn.Module, path: str | Path, *, epoch: int | None = None) -> nn.Module:
    """Load a checkpoint into ``model`` (in place; returned for chaining).

    ``path`` is a checkpoint file, or a run folder together with ``epoch`` (the last recorded
    epoch when omitted). Raises :class:`CheckpointError` when keys or shapes do not fit.
    """
    path = Path(path)
    if path.is_dir():
        records = read_manifest(path)["epochs"]
        if not records:
            raise StoreError(f"the run in {path} has no checkpoints yet")
        chosen = records[-1] if epoch is None else next(
            (r for r in records if r["epoch"] == epoch), None)
        if chosen is None:
            raise KeyError(f"no checkpoint for epoch {epoch} in {path}; epochs are "
                           f"{[r['epoch'] for r in records]}")
        path = path / chosen["path"]
    if not path.is_file():
        raise FileNotFoundError(f"checkpoint not found: {path}")
    load_into(model, path)
    return model
