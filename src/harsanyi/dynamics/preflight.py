"""Checks a monitored run passes before anything is written to its store.

A run that would fail on its first task (a factory that cannot be imported or called, a
checkpoint file that is missing or does not fit the model, players that do not fit the inputs,
targets outside the model's classes) fails here, in the calling process, with the reason, and
leaves no store behind.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from harsanyi.dynamics.engine import GameSpec, resolve_device
from harsanyi.errors import CheckpointError, HarsanyiError, RunSetupError
from harsanyi.loading import Checkpoint, FactorySpec, load_into

__all__ = ["check_run"]


def _build(factory: FactorySpec) -> Any:
    try:
        return factory.build()
    except HarsanyiError:
        raise
    except Exception as exc:  # any failure of user code: say which factory and why
        raise RunSetupError(f"the model factory {factory.target} with keyword arguments "
                            f"{factory.kwargs} failed: {type(exc).__name__}: {exc}. Nothing "
                            "was written; fix --factory / --factory-kwargs and rerun") from exc


def check_run(
    factory: FactorySpec,
    checkpoints: Sequence[Checkpoint],
    inputs: np.ndarray,
    targets: np.ndarray | None,
    spec: GameSpec,
    *,
    game: bool = True,
) -> None:
    """Check that a run can start, before anything is written.

    Raise before the run starts if it cannot run: every checkpoint has an existing file,
    ``factory`` builds a model, the first and the last checkpoint load into it strictly, and
    (with ``game``; off for a game fitted during the run) the game ``v(x_S)`` of the first
    sample, all ``2**n`` masks of it, can be built by ``spec.game``.

    >>> import tempfile, torch
    >>> from pathlib import Path
    >>> from harsanyi.games.factories import ModelGame
    >>> f = FactorySpec("harsanyi.zoo.mlp:MLP", {"in_features": 3, "n_classes": 2})
    >>> path = Path(tempfile.mkdtemp()) / "epoch_0.pt"; torch.save(f.build().state_dict(), path)
    >>> spec = GameSpec(ModelGame(players=[0, 1, 2], reward="logit"), kind="and", q_bound=0)
    >>> check_run(f, [Checkpoint(0, path)], np.ones((2, 3), np.float32), None, spec)
    >>> check_run(f, [Checkpoint(1, path.with_name("gone.pt"))], np.ones((2, 3), np.float32),
    ...           None, spec)
    Traceback (most recent call last):
    ...
    harsanyi.errors.CheckpointError: 1 checkpoint file(s) do not exist: epoch 1 (...gone.pt)
    """
    missing = [c for c in checkpoints if c.path is None or not c.path.is_file()]
    if missing:
        shown = ", ".join(f"epoch {c.epoch} ({c.path})" for c in missing[:5])
        raise CheckpointError(f"{len(missing)} checkpoint file(s) do not exist: {shown}")
    model = _build(factory)
    for ck in {checkpoints[0].epoch: checkpoints[0], checkpoints[-1].epoch: checkpoints[-1]
               }.values():
        load_into(model, ck.path)
    model.eval()
    if not game:
        return
    device = resolve_device(spec.device)
    if device is not None:
        model = model.to(device)
    spec.game.build(model, inputs[:1], None if targets is None else targets[:1], np.arange(1))
