"""Patches of an intermediate feature map as players (papers A and B's image setting).

Papers A and B mask image patches not on the input but on a feature map: after the 2nd ReLU
of VGG-11/16 (after the 1st of AlexNet), cut into an 8×8 grid, 10 cells drawn from its central
6×6 region, masked to the baseline zero. With ``h = φ(x)`` the output of ``layer`` and
``m_S`` the indicator of the cells of ``S`` (every channel of a cell), the game is

``v(S) = reward(g(h ⊙ m_S + b ⊙ (1 − m_S)))``,

``b = 0`` by default. Cells that are not players are always masked (``outside="masked"``, the
lab's public code's ``background="baseline"``) or always kept (``"present"``). The masked map
is written back by a forward hook, so the upper layers ``g`` run unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from torch import nn

from harsanyi.errors import PlayerError
from harsanyi.games.components import find_layer
from harsanyi.games.evaluate import evaluate_masked, unmasked_outputs
from harsanyi.games.factories import describe_option
from harsanyi.games.game import Game
from harsanyi.games.patches import Patches
from harsanyi.games.rewards import resolve_target, reward_from_outputs

__all__ = ["FeatureMapGame", "feature_map_game"]


def _cell_masks(players: Patches, map_shape: tuple[int, ...], outside: str) -> np.ndarray:
    """``(2**n, *map_shape)`` float keep-masks of every subset (bit ``i`` = player ``i``)."""
    elem = players.element_masks(map_shape).astype(np.float64)  # (n, C, H, W)
    n = elem.shape[0]
    bits = ((np.arange(2**n)[:, None] >> np.arange(n)) & 1).astype(np.float64)
    keep = np.einsum("sn,n...->s...", bits, elem)
    if outside == "present":
        keep = keep + (1.0 - elem.sum(axis=0))[None]
    return np.clip(keep, 0.0, 1.0)


def feature_map_game(
    model: nn.Module, layer: str, inputs: Any, players: Patches, *, target: Any = None,
    reward: Any = "log_odds", baseline: float = 0.0, outside: str = "masked",
    batch_size: int = 256,
) -> Game:
    """Build ``v(S) = reward(g(h_S))`` with patches of ``layer``'s feature map as players.

    ``h_S = h ⊙ m_S + baseline · (1 − m_S)`` where ``h`` is the output of ``layer``
    ``(B, C, H, W)`` and ``m_S`` keeps the cells of ``S`` (see the module docstring).
    ``target``: class per sample (default: prediction on the unmasked input). Returns a
    :class:`~harsanyi.Game` ``(B, 2**n)``.

    >>> torch.manual_seed(0) and None
    >>> net = nn.Sequential(nn.Conv2d(1, 2, 3, padding=1), nn.ReLU(), nn.Flatten(),
    ...                     nn.Linear(32, 3))
    >>> g = feature_map_game(net, "1", np.ones((2, 1, 4, 4), np.float32),
    ...                      Patches([0, 3], grid=2), target=[0, 1])
    >>> g.values.shape, g.players
    ((2, 4), ['patch(0,0)', 'patch(1,1)'])
    """
    if outside not in ("masked", "present"):
        raise ValueError(f"outside must be 'masked' or 'present'; got {outside!r}")
    module = find_layer(model, layer)
    p = next(model.parameters())
    x = torch.as_tensor(np.asarray(inputs)).to(p.device, p.dtype)
    grabbed: dict[str, Any] = {}

    def grab(_m: nn.Module, _i: Any, o: torch.Tensor) -> None:
        grabbed["shape"] = tuple(o.shape[1:])

    handle = module.register_forward_hook(grab)
    was = model.training
    model.eval()
    try:
        full = unmasked_outputs(lambda b, _rows: model(b), x, batch_size)
    finally:
        handle.remove()
    map_shape = grabbed["shape"]
    if len(map_shape) != 3:
        raise PlayerError(f"layer {layer!r} outputs shape {map_shape} per sample; feature-map "
                          "patches need a (C, H, W) map")
    keep = torch.as_tensor(_cell_masks(players, map_shape, outside), device=x.device,
                           dtype=p.dtype)
    targets = resolve_target(target, full, reward)
    size, B = keep.shape[0], len(x)
    state: dict[str, torch.Tensor] = {}

    def mask_hook(_m: nn.Module, _i: Any, o: torch.Tensor) -> torch.Tensor:
        k = keep.index_select(0, state["masks"])
        return o * k + baseline * (1 - k)

    def make_batch(idx: np.ndarray) -> tuple[torch.Tensor, torch.Tensor]:
        rows, masks = np.divmod(idx, size)
        return (torch.as_tensor(rows, device=x.device), torch.as_tensor(masks, device=x.device))

    def forward(batch: tuple[torch.Tensor, torch.Tensor]) -> torch.Tensor:
        rows_t, state["masks"] = batch
        z = model(x.index_select(0, rows_t))
        return reward_from_outputs(z, targets.index_select(0, rows_t), reward)

    handle = module.register_forward_hook(mask_hook)
    try:
        values = evaluate_masked(forward, make_batch, B * size, batch_size)
    finally:
        handle.remove()
        model.train(was)
    meta = {"source": "feature_map_game", "layer": layer, "outside": outside,
            "baseline": baseline, "reward": reward if isinstance(reward, str) else "callable",
            "target": [int(t) for t in targets.tolist()]}
    return Game(values.reshape(B, size), players=list(players.names), metadata=meta)


@dataclass
class FeatureMapGame:
    """Game factory of :func:`feature_map_game` (for the monitor): fixed layer and patches.

    >>> net = nn.Sequential(nn.Conv2d(1, 2, 3, padding=1), nn.ReLU(), nn.Flatten(),
    ...                     nn.Linear(32, 3))
    >>> fg = FeatureMapGame("1", Patches([0, 3], grid=2))
    >>> fg.player_names((1, 4, 4)), fg.build(net, np.ones((1, 1, 4, 4), np.float32), [2],
    ...                                       None).values.shape
    (['patch(0,0)', 'patch(1,1)'], (1, 4))
    """

    layer: str
    players: Patches
    reward: Any = "log_odds"
    baseline: float = 0.0
    outside: str = "masked"
    batch_size: int = 256

    def player_names(self, sample_shape: tuple[int, ...]) -> list[str]:
        """Return the patches' names (the map's shape is checked when the game is built)."""
        return list(self.players.names)

    def build(self, model: nn.Module, inputs: Any, targets: Any, rows: Any = None) -> Game:
        """Build the feature-map game of ``inputs`` under ``model``."""
        return feature_map_game(model, self.layer, inputs, self.players, target=targets,
                                reward=self.reward, baseline=self.baseline,
                                outside=self.outside, batch_size=self.batch_size)

    def describe(self) -> dict[str, Any]:
        """Describe the options (JSON-safe)."""
        return {"game": "feature_map", "layer": self.layer,
                "players": describe_option(self.players), "reward": describe_option(self.reward),
                "baseline": self.baseline, "outside": self.outside,
                "batch_size": self.batch_size}
