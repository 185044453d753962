"""Baselines ``b``: the values that replace masked elements, ``(x_S)_e = b_e`` for ``e ∉ S``.

:func:`resolve_baseline` turns a user's choice into a tensor ``(B, *element_shape)`` (one
baseline per sample). Choices:

* ``"zero"``: ``b = 0`` (papers A, B on feature maps and images).
* ``"mean"`` / :class:`Mean`: the dataset mean ``b_e = E_data[x_e]`` (needs ``data=``).
* a number, or an array / tensor broadcastable to ``(B, *element_shape)``: used as is.
* :class:`PerPlayer`: one value per player (a scalar, or a full sample-shaped array, each).
* :class:`TauShrink` (``"tau=2.0"``): the τ baseline of the lab's code, every element moved
  by ``τ`` towards a centre and clipped there (soft-thresholding).
* :class:`GroupCenter` (``"center"``): each group of :class:`~harsanyi.games.players.Groups`
  replaced by its mean along the group axis (a point-cloud part by its mean coordinate).
* :class:`TokenBaseline` (``"token=103"``): the embedding of one token id (e.g. ``[MASK]``)
  at every position.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from harsanyi.errors import ShapeError
from harsanyi.games.players import Groups, Players

__all__ = [
    "Baseline",
    "GroupCenter",
    "Mean",
    "PerPlayer",
    "TauShrink",
    "TokenBaseline",
    "resolve_baseline",
]


def _tensor_like(value: Any, like: torch.Tensor) -> torch.Tensor:
    if isinstance(value, torch.Tensor):
        return value.detach().to(device=like.device, dtype=like.dtype)
    return torch.as_tensor(np.asarray(value, dtype=np.float64), dtype=like.dtype,
                           device=like.device)


def _broadcast(b: torch.Tensor, x: torch.Tensor, what: str) -> torch.Tensor:
    """Broadcast ``b`` to ``x.shape``.

    Broadcast ``b`` to ``x.shape`` (``(B, *element_shape)``); a sample-shaped ``b`` gets a
    leading batch axis.
    """
    given = tuple(b.shape)
    if b.dim() == x.dim() - 1:
        b = b.unsqueeze(0)
    try:
        return torch.broadcast_to(b, x.shape)
    except RuntimeError:
        raise ShapeError(
            f"{what} has shape {given}, which does not broadcast to the inputs "
            f"{tuple(x.shape)} (batch, *sample shape)"
        ) from None


class Baseline:
    """A rule that gives the baseline of a batch: ``resolve(x, players) -> (B, *elem)``."""

    def resolve(self, x: torch.Tensor, players: Players, owner: np.ndarray) -> torch.Tensor:
        """Baseline tensor for inputs ``x`` ``(B, *elem)``; ``owner`` is the owner map."""
        raise NotImplementedError

    def describe(self) -> str:
        """Short description for metadata."""
        return type(self).__name__


@dataclass
class Mean(Baseline):
    """Dataset mean ``b_e = (1/M) Σ_m data[m, e]`` of ``data`` ``(M, *element_shape)``.

    >>> x = torch.zeros(2, 3)
    >>> Mean(np.array([[1.0, 2, 3], [3, 4, 5]])).resolve(x, None, None)[0].tolist()
    [2.0, 3.0, 4.0]
    """

    data: Any

    def resolve(self, x: torch.Tensor, players: Players, owner: np.ndarray) -> torch.Tensor:
        """Baseline tensor ``b`` of the shape of ``x`` (see :meth:`Baseline.resolve`)."""
        data = self.data
        if isinstance(data, torch.Tensor):
            data = data.detach().to("cpu", torch.float64).numpy()
        data = np.asarray(data, dtype=np.float64)
        if data.shape[1:] != tuple(x.shape[1:]):
            raise ShapeError(
                f"the data for the mean baseline has samples of shape {data.shape[1:]}, the "
                f"inputs {tuple(x.shape[1:])}: pass data of shape (M, *sample shape)"
            )
        return _broadcast(_tensor_like(data.mean(axis=0), x), x, "the mean baseline")

    def describe(self) -> str:
        """Short text for a run's configuration (e.g. ``"mean"``)."""
        return "mean"


@dataclass
class PerPlayer(Baseline):
    """One baseline per player.

    One baseline per player: ``b_e = values[i]`` (scalar) or ``values[i][e]`` (an array of
    the sample's shape) for the elements ``e`` of player ``i``; ``outside_value`` elsewhere.

    >>> from harsanyi.games.players import Columns, owner_map
    >>> p = Columns([0, 2])
    >>> PerPlayer([5.0, 7.0]).resolve(torch.zeros(1, 3), p, owner_map(p, (3,))).tolist()
    [[5.0, 0.0, 7.0]]
    """

    values: Any
    outside_value: float = 0.0

    def resolve(self, x: torch.Tensor, players: Players, owner: np.ndarray) -> torch.Tensor:
        """Baseline tensor ``b`` of the shape of ``x`` (see :meth:`Baseline.resolve`)."""
        vals = np.asarray(self.values, dtype=np.float64)
        n, elem = players.n, tuple(x.shape[1:])
        if vals.shape == (n,):
            full = np.where(owner >= 0, vals[np.maximum(owner, 0)], self.outside_value)
        elif vals.shape == (n, *elem):
            picked = np.take_along_axis(vals, np.maximum(owner, 0)[None], axis=0)[0]
            full = np.where(owner >= 0, picked, self.outside_value)
        else:
            raise ShapeError(
                f"per-player baseline values have shape {vals.shape}; expected ({n},) or "
                f"({n}, *{elem}) for {n} players"
            )
        return _broadcast(_tensor_like(full, x), x, "the per-player baseline")

    def describe(self) -> str:
        """Short text for a run's configuration (e.g. ``"mean"``)."""
        return "per_player"


@dataclass
class TauShrink(Baseline):
    """The τ baseline of the lab's code: every element moved by τ towards a centre.

    The τ baseline of the lab's code (``sjtu-xai-lab/Learn``, ``compute_IS_image.py`` and
    ``compute_IS_tabular.py``, ``--tau``, default 2 for images and 1 for tabular data):

    ``b_e = c + sign(x_e − c) · max(|x_e − c| − τ, 0)``,

    i.e. every element moves by ``τ`` towards the centre ``c`` and stops there. The original
    code uses ``c = 0`` on standardised data ("the mean value of the whole dataset"); a
    non-zero ``center`` (scalar or sample-shaped array) is our generalisation [RECON].

    >>> TauShrink(1.0).resolve(torch.tensor([[2.5, -0.5, 0.0, -3.0]]), None, None).tolist()
    [[1.5, 0.0, 0.0, -2.0]]
    """

    tau: float
    center: Any = 0.0

    def __post_init__(self) -> None:
        if not np.isfinite(self.tau) or self.tau < 0:
            raise ValueError(f"tau must be a finite number >= 0; got {self.tau}")

    def resolve(self, x: torch.Tensor, players: Players, owner: np.ndarray) -> torch.Tensor:
        """Baseline tensor ``b`` of the shape of ``x`` (see :meth:`Baseline.resolve`)."""
        c = _broadcast(_tensor_like(self.center, x), x, "the centre of the tau baseline")
        d = x - c
        return c + torch.sign(d) * torch.clamp(d.abs() - self.tau, min=0.0)

    def describe(self) -> str:
        """Short text for a run's configuration (e.g. ``"mean"``)."""
        return f"tau={self.tau:g}"


class GroupCenter(Baseline):
    """Each group replaced by its own mean along the group axis.

    Each group replaced by its own mean along the group axis (paper A on point clouds:
    "each cluster's mean coordinate"): for :class:`Groups` on axis ``a``, every element of
    group ``i`` takes ``mean_{j ∈ group i} x[..., j, ...]`` (per position of the other axes).
    Elements of no player keep their own value.

    >>> g = Groups([[0, 1], [2]], axis=-1)
    >>> x = torch.tensor([[[0.0, 2.0, 5.0]]])
    >>> GroupCenter().resolve(x, g, None).tolist()
    [[[1.0, 1.0, 5.0]]]
    """

    def resolve(self, x: torch.Tensor, players: Players, owner: np.ndarray) -> torch.Tensor:
        """Baseline tensor ``b`` of the shape of ``x`` (see :meth:`Baseline.resolve`)."""
        if not isinstance(players, Groups):
            raise ValueError("the 'center' baseline needs Groups players (index groups)")
        axis = players.axis % (x.dim() - 1) + 1
        out = x.clone()
        for group in players.groups:
            idx = torch.as_tensor(group, device=x.device)
            mean = x.index_select(axis, idx).mean(dim=axis, keepdim=True)
            out.index_copy_(axis, idx, mean.expand_as(x.index_select(axis, idx)).contiguous())
        return out

    def describe(self) -> str:
        """Short text for a run's configuration (e.g. ``"mean"``)."""
        return "center"


@dataclass
class TokenBaseline(Baseline):
    """The embedding of one token at every position.

    The embedding of ``token_id`` (e.g. ``[MASK]`` = 103 for BERT, paper A) at every
    position: ``b[l] = embed(token_id)``. ``embed`` defaults to the model's embedding
    (``"token=<id>"`` as a string).

    >>> emb = torch.nn.Embedding(5, 2)
    >>> b = TokenBaseline(4, emb).resolve(torch.zeros(1, 3, 2), None, None)
    >>> torch.equal(b[0, 1], emb.weight[4].detach())
    True
    """

    token_id: int
    embed: Callable[[torch.Tensor], torch.Tensor] | None = None

    def resolve(self, x: torch.Tensor, players: Players, owner: np.ndarray) -> torch.Tensor:
        """Baseline tensor ``b`` of the shape of ``x`` (see :meth:`Baseline.resolve`)."""
        if self.embed is None:
            raise ValueError("TokenBaseline needs an embedding function (embed=...)")
        ids = torch.tensor([[int(self.token_id)]], device=x.device)
        with torch.inference_mode():
            vec = self.embed(ids)
        vec = vec.reshape(-1).to(x.dtype)
        if vec.shape[0] != x.shape[-1]:
            raise ShapeError(f"token embedding has size {vec.shape[0]}, the inputs {x.shape[-1]}")
        return vec.expand(x.shape).clone()

    def describe(self) -> str:
        """Short text for a run's configuration (e.g. ``"mean"``)."""
        return f"token={self.token_id}"


def resolve_baseline(
    baselines: Any,
    x: torch.Tensor,
    players: Players,
    owner: np.ndarray,
    *,
    data: Any = None,
    embed: Callable[[torch.Tensor], torch.Tensor] | None = None,
) -> tuple[torch.Tensor, str]:
    """Resolve any accepted form of baseline into a tensor and a description.

    The baseline tensor ``(B, *element_shape)`` (dtype and device of ``x``) and a short
    description of it, from any accepted form (see the module docstring).

    >>> b, what = resolve_baseline("tau=1", torch.tensor([[3.0, -0.2]]), None, None)
    >>> b.tolist(), what
    ([[2.0, 0.0]], 'tau=1')
    """
    if isinstance(baselines, str):
        key = baselines.strip().lower()
        if key == "zero":
            return torch.zeros_like(x), "zero"
        if key == "mean":
            if data is None:
                raise ValueError("baselines='mean' needs the data: pass data=array (M, *sample)")
            rule: Baseline = Mean(data)
        elif key == "center":
            rule = GroupCenter()
        elif key.startswith("token="):
            try:
                rule = TokenBaseline(int(key[6:]), embed)
            except ValueError:
                raise ValueError(f"the token baseline is written 'token=<id>'; got {baselines!r}")\
                    from None
        elif key.startswith("tau"):
            _, _, tau = key.partition("=")
            try:
                rule = TauShrink(float(tau))
            except ValueError:
                raise ValueError(f"the tau baseline is written 'tau=<number>'; got {baselines!r}")\
                    from None
        else:
            raise ValueError(
                f"unknown baseline {baselines!r}: use 'zero', 'mean', 'center', 'tau=<number>', "
                "'token=<id>', a number, an array or a Baseline object"
            )
    elif isinstance(baselines, Baseline):
        rule = baselines
        if isinstance(rule, TokenBaseline) and rule.embed is None:
            rule = TokenBaseline(rule.token_id, embed)
    elif isinstance(baselines, (int, float, np.number)):
        return torch.full_like(x, float(baselines)), f"constant={float(baselines):g}"
    else:
        value = _tensor_like(baselines, x)
        return _broadcast(value, x, "the baseline").clone(), f"array{tuple(value.shape)}"
    out = rule.resolve(x, players, owner)
    if tuple(out.shape) != tuple(x.shape):
        raise ShapeError(f"{rule.describe()} baseline has shape {tuple(out.shape)}, "
                         f"the inputs {tuple(x.shape)}")
    return out.to(dtype=x.dtype, device=x.device), rule.describe()
