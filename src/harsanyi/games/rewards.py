"""Rewards: the scalar ``v(x)`` read from a model's outputs, and the target class.

Rewards (``outputs`` are logits ``(B, C)``; ``y`` the target class of each row):

* ``"log_odds"`` (default): ``v = log p_y/(1 − p_y) = z_y − log Σ_{j≠y} exp z_j``, computed
  stably from the logits ``z`` (no softmax, no ε). A 1-logit binary model
  (``p = σ(z)``) gives ``v = z`` for ``y = 1`` and ``−z`` for ``y = 0``.
* ``"log_odds_original"``: the original research code's ``log(p/(1 − p + ε) + ε)``,
  ``ε = 1e−7``, ``p = softmax(z)_y`` (docs/theory.md#reward); it saturates near ``log(1e7) ≈ 16``.
* ``"logit"``: ``z_y`` (``±z`` for a 1-logit model).
* ``"prob"``: ``p_y = softmax(z)_y`` (``σ(±z)`` for a 1-logit model).
* ``"output"``: the single output of a regression model, ``z_0`` (``C = 1``; no target).
* a callable ``reward(outputs, target) -> (B,)`` tensor.

The reward is computed in the outputs' dtype and promoted to float64.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import torch

from harsanyi.errors import ShapeError, TargetError

__all__ = ["REWARDS", "as_logits", "resolve_target", "reward_from_outputs"]

#: Names of the built-in rewards.
REWARDS = ("log_odds", "log_odds_original", "logit", "prob", "output")

_EPS_ORIGINAL = 1e-7


def as_logits(outputs: Any) -> torch.Tensor:
    """Return model outputs as a ``(B, C)`` tensor.

    Model outputs as a ``(B, C)`` tensor: takes ``.logits`` of output objects (Hugging Face),
    the first item of tuples, and makes ``(B,)`` outputs ``(B, 1)``.

    >>> as_logits(torch.zeros(4)).shape
    torch.Size([4, 1])
    """
    if hasattr(outputs, "logits"):
        outputs = outputs.logits
    elif isinstance(outputs, (tuple, list)):
        outputs = outputs[0]
    elif isinstance(outputs, dict) and "logits" in outputs:
        outputs = outputs["logits"]
    if not isinstance(outputs, torch.Tensor):
        raise ShapeError(f"the model returned {type(outputs).__name__}, not a tensor of logits")
    if outputs.dim() == 1:
        outputs = outputs[:, None]
    if outputs.dim() != 2:
        raise ShapeError(
            f"the model returned outputs of shape {tuple(outputs.shape)}; expected (batch, "
            "classes) logits: use a callable reward to read other outputs"
        )
    return outputs


def _signed_binary(z: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    return torch.where(target == 1, z[:, 0], -z[:, 0])


def reward_from_outputs(
    outputs: torch.Tensor,
    target: torch.Tensor | int | None,
    reward: str | Callable[..., Any] = "log_odds",
) -> torch.Tensor:
    """Scalar reward ``v`` per row of ``outputs`` ``(B, C)``, as float64 ``(B,)``.

    ``target`` is an int or a ``(B,)`` integer tensor (ignored by ``"output"``). See the
    module docstring for the formulas.

    >>> z = torch.tensor([[2.0, 0.0, 0.0]])
    >>> round(float(reward_from_outputs(z, 0)), 6)   # log(e^2 / (1 + 1))
    1.306853
    >>> reward_from_outputs(torch.tensor([[1.5]]), 0).tolist()
    [-1.5]
    """
    z = as_logits(outputs)
    b, c = z.shape
    if callable(reward):
        out = reward(z, target)
        out = torch.as_tensor(out)
        if out.shape != (b,):
            raise ShapeError(f"the reward callable returned shape {tuple(out.shape)}; "
                             f"expected ({b},)")
        return out.to(torch.float64)
    if reward == "output":
        if c != 1:
            raise ShapeError(f"reward='output' needs a model with one output; this one has {c}")
        return z[:, 0].to(torch.float64)
    if reward not in REWARDS:
        raise ValueError(f"unknown reward {reward!r}: use one of {REWARDS} or a callable")
    if target is None:
        raise TargetError(f"reward={reward!r} needs a target class")
    t = torch.as_tensor(target, device=z.device).long().reshape(-1).expand(b)
    if c == 1:
        zz = _signed_binary(z, t)
        if reward in ("log_odds", "logit"):
            return zz.to(torch.float64)
        p = torch.sigmoid(zz)
    else:
        z_y = z.gather(1, t[:, None])[:, 0]
        if reward == "logit":
            return z_y.to(torch.float64)
        if reward == "log_odds":
            others = z.scatter(1, t[:, None], float("-inf"))
            return (z_y - torch.logsumexp(others, dim=1)).to(torch.float64)
        p = torch.softmax(z, dim=1).gather(1, t[:, None])[:, 0]
    if reward == "prob":
        return p.to(torch.float64)
    # log_odds_original
    return torch.log(p / (1 - p + _EPS_ORIGINAL) + _EPS_ORIGINAL).to(torch.float64)


def resolve_target(
    target: Any, full_outputs: torch.Tensor, reward: str | Callable[..., Any] = "log_odds"
) -> torch.Tensor:
    """Target class per sample as a ``(B,)`` int64 tensor (on the outputs' device).

    ``target``: an int (same class for every sample), a ``(B,)`` array / tensor / list, or
    ``None``: the model's prediction on the unmasked input (``argmax_j z_j``; ``z > 0`` for a
    1-logit model). Out-of-range classes raise :class:`~harsanyi.errors.TargetError`.

    >>> resolve_target(None, torch.tensor([[0.1, 2.0], [3.0, 0.0]])).tolist()
    [1, 0]
    """
    z = as_logits(full_outputs)
    b, c = z.shape
    if target is None:
        pred = (z[:, 0] > 0).long() if c == 1 else z.argmax(dim=1)
        return pred
    if isinstance(target, torch.Tensor):
        t = target.detach().to("cpu")
    else:
        t = torch.as_tensor(np.asarray(target))
    if (t.is_floating_point() or t.is_complex() or t.dtype == torch.bool) and not (
            t.is_floating_point() and torch.equal(t, t.round())):
        raise TargetError(f"targets must be integer class indices; got dtype {t.dtype}")
    t = t.long().reshape(-1)
    if t.numel() == 1:
        t = t.expand(b)
    if t.numel() != b:
        raise TargetError(f"{t.numel()} targets for {b} samples")
    n_valid = 2 if c == 1 else c
    bad = (t < 0) | (t >= n_valid)
    if bad.any():
        i = int(torch.nonzero(bad)[0, 0])
        kind = "a 1-logit binary model (valid: 0, 1)" if c == 1 else (
            f"a model with {c} outputs (valid: 0..{c - 1})")
        raise TargetError(f"target {int(t[i])} (sample {i}) is out of range for {kind}")
    return t.to(z.device)
