"""Checkpoints: folders of checkpoints, reading one, and loading it into a model.

The one home of checkpoint I/O: the monitor, the zoo's training runs and the CLI all read
checkpoints through this module.

A checkpoint folder is either

* a training run written by ``harsanyi.zoo.train`` (or anything alike): ``manifest.json``
  with a list ``epochs`` (or ``checkpoints``) of ``{"epoch", "path", "train_loss",
  "test_loss"}``, paths relative to the folder; or
* a plain folder of ``*.pt`` / ``*.pth`` / ``*.ckpt`` files whose names carry the epoch
  (``epoch_0012.pt``, ``model-epoch=3.pt``, ``epoch=3-step=120.ckpt``); losses are read from
  the file when it is a dict with ``train_loss`` / ``test_loss`` entries.

A checkpoint file may hold a state dict, a whole pickled model, or a dict wrapping a state
dict (``state_dict`` as in Lightning, ``model_state_dict``, ``model``).
"""

from __future__ import annotations

import json
import pickle
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch
from torch import nn

from harsanyi.errors import CheckpointError

__all__ = ["Checkpoint", "epoch_from_name", "find_checkpoints", "load_into", "read_checkpoint"]

_EXTS = (".pt", ".pth", ".ckpt")
_EPOCH_RE = re.compile(r"epoch[^0-9a-zA-Z]{0,2}(\d+)", re.IGNORECASE)


@dataclass(frozen=True)
class Checkpoint:
    """One checkpoint: its ``epoch``, file ``path`` and the losses recorded with it.

    >>> Checkpoint(3, Path("epoch_3.pt"), train_loss=0.4).test_loss is None
    True
    """

    epoch: int
    path: Path | None = None
    train_loss: float | None = None
    test_loss: float | None = None
    extra: dict[str, Any] = field(default_factory=dict, compare=False)


def epoch_from_name(name: str) -> int | None:
    """Return the epoch written in a checkpoint file name, or ``None``.

    >>> epoch_from_name("model_epoch_0012.pt"), epoch_from_name("epoch=3-step=9.ckpt")
    (12, 3)
    >>> epoch_from_name("final.pt") is None
    True
    """
    m = _EPOCH_RE.search(name)
    return int(m.group(1)) if m else None


def _loss(value: Any) -> float | None:
    try:
        return None if value is None else float(value)
    except (TypeError, ValueError):
        return None


def find_checkpoints(folder: str | Path) -> list[Checkpoint]:
    """List the checkpoints of a folder, ascending by epoch (see the module docstring).

    >>> import tempfile
    >>> d = Path(tempfile.mkdtemp())
    >>> for e in (10, 2): torch.save({"w": torch.zeros(1)}, d / f"epoch_{e}.pt")
    >>> [c.epoch for c in find_checkpoints(d)]
    [2, 10]
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise CheckpointError(f"checkpoint folder {folder} does not exist")
    manifest = folder / "manifest.json"
    if manifest.is_file():
        return _from_manifest(folder, manifest)
    found: dict[int, Path] = {}
    for path in sorted(folder.rglob("*")):
        if path.suffix not in _EXTS or not path.is_file():
            continue
        epoch = epoch_from_name(path.name)
        if epoch is None:
            continue
        if epoch in found:
            raise CheckpointError(f"two checkpoints for epoch {epoch}: {found[epoch]} and {path}")
        found[epoch] = path
    if not found:
        raise CheckpointError(
            f"no checkpoints in {folder}: expected manifest.json or files named like "
            f"'epoch_12.pt' ({', '.join(_EXTS)})"
        )
    return [Checkpoint(e, p, *_losses_in_file(p)) for e, p in sorted(found.items())]


def _losses_in_file(path: Path) -> tuple[float | None, float | None]:
    try:
        obj = torch.load(path, map_location="cpu", weights_only=True)
    except Exception:  # whole models (pickles) or unreadable files: no losses to read here
        return None, None
    if isinstance(obj, Mapping):
        return _loss(obj.get("train_loss")), _loss(obj.get("test_loss"))
    return None, None


def _from_manifest(folder: Path, manifest: Path) -> list[Checkpoint]:
    try:
        doc = json.loads(manifest.read_text())
    except (OSError, ValueError) as exc:
        raise CheckpointError(f"{manifest} is not readable JSON: {exc}") from exc
    entries = doc if isinstance(doc, list) else doc.get("epochs", doc.get("checkpoints"))
    if not isinstance(entries, list):
        raise CheckpointError(f"{manifest} has no list of checkpoints ('epochs' or "
                              "'checkpoints')")
    out: dict[int, Checkpoint] = {}
    for i, entry in enumerate(entries):
        if not isinstance(entry, Mapping) or "epoch" not in entry or not entry.get("path"):
            raise CheckpointError(f"{manifest}: entry {i} needs 'epoch' and 'path'; got {entry!r}")
        epoch = int(entry["epoch"])
        path = folder / str(entry["path"])
        if epoch in out:
            raise CheckpointError(f"{manifest}: epoch {epoch} is listed twice")
        extra = {k: v for k, v in entry.items()
                 if k not in ("epoch", "path", "train_loss", "test_loss")}
        out[epoch] = Checkpoint(epoch, path, _loss(entry.get("train_loss")),
                                _loss(entry.get("test_loss")), extra)
    if not out:
        raise CheckpointError(f"{manifest} lists no checkpoints yet")
    return [out[e] for e in sorted(out)]


def read_checkpoint(path: str | Path, *, allow_pickle: bool = True) -> dict[str, torch.Tensor]:
    """Read the state dict stored in a checkpoint file (state dict, wrapped dict or model).

    Whole pickled models need ``allow_pickle=True`` (``torch.load(weights_only=False)``: only
    for files you trust).
    """
    path = Path(path)
    if not path.is_file():
        raise CheckpointError(f"checkpoint file {path} does not exist")
    try:
        obj = torch.load(path, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as exc:
        if not allow_pickle:
            raise CheckpointError(f"{path} holds pickled objects (a whole model?) and "
                                  "allow_pickle=False") from exc
        try:
            obj = torch.load(path, map_location="cpu", weights_only=False)
        except Exception as exc2:
            raise CheckpointError(f"{path} is not a readable torch checkpoint: {exc2}") from exc2
    except Exception as exc:
        raise CheckpointError(f"{path} is not a readable torch checkpoint: {exc}") from exc
    return _state_of(obj, path)


def _state_of(obj: Any, path: Path | str) -> dict[str, torch.Tensor]:
    if isinstance(obj, nn.Module):
        return dict(obj.state_dict())
    if isinstance(obj, Mapping):
        for key in ("state_dict", "model_state_dict", "model"):
            inner = obj.get(key)
            if isinstance(inner, (Mapping, nn.Module)):
                return _state_of(inner, path)
        tensors = {k: v for k, v in obj.items() if isinstance(v, torch.Tensor)}
        if tensors:
            return tensors
    raise CheckpointError(f"{path} holds no state dict (got {type(obj).__name__})")


def load_into(model: nn.Module, state: Mapping[str, torch.Tensor] | str | Path,
              *, where: str = "the checkpoint") -> nn.Module:
    """Load a state dict (or a checkpoint file) into ``model``, strictly.

    A common key prefix (``model.`` of a Lightning module, ``module.`` of DataParallel) is
    stripped when that makes the keys fit. Keys that do not fit raise
    :class:`~harsanyi.errors.CheckpointError` naming the missing and the unexpected keys.

    >>> net = nn.Linear(2, 1)
    >>> _ = load_into(net, {"model.weight": torch.ones(1, 2), "model.bias": torch.zeros(1)})
    >>> net.weight.tolist()
    [[1.0, 1.0]]
    """
    if isinstance(state, (str, Path)):
        where = str(state)
        state = read_checkpoint(state)
    state = dict(state)
    expected = model.state_dict()
    state = _strip_prefix(state, set(expected))
    missing = sorted(set(expected) - set(state))
    unexpected = sorted(set(state) - set(expected))
    shapes = [f"{k} {tuple(state[k].shape)} vs {tuple(v.shape)}" for k, v in expected.items()
              if k in state and tuple(state[k].shape) != tuple(v.shape)]
    if missing or unexpected or shapes:
        parts = []
        if missing:
            parts.append(f"missing keys {_short(missing)}")
        if unexpected:
            parts.append(f"unexpected keys {_short(unexpected)}")
        if shapes:
            parts.append(f"shape mismatches {_short(shapes)} (checkpoint vs model)")
        raise CheckpointError(f"{where} does not fit {type(model).__name__}: "
                              + "; ".join(parts))
    model.load_state_dict(state, strict=True)
    return model


def _short(items: list[str], k: int = 6) -> str:
    shown = ", ".join(items[:k])
    return f"[{shown}{', ...' if len(items) > k else ''}] ({len(items)})"


def _strip_prefix(state: dict[str, Any], expected: set[str]) -> dict[str, Any]:
    if set(state) == expected or not state:
        return state
    heads = {k.split(".", 1)[0] for k in state}
    if len(heads) == 1 and all("." in k for k in state):
        head = next(iter(heads)) + "."
        stripped = {k[len(head):]: v for k, v in state.items()}
        if set(stripped) == expected:
            return stripped
    return state
