"""Feature-map patches as players (papers A, B): values against a brute-force masked forward."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

from harsanyi.errors import PlayerError
from harsanyi.games.feature_map import FeatureMapGame, feature_map_game
from harsanyi.games.patches import Patches
from harsanyi.games.rewards import reward_from_outputs


def _net() -> nn.Sequential:
    torch.manual_seed(0)
    return nn.Sequential(nn.Conv2d(1, 2, 3, padding=1), nn.ReLU(),
                         nn.Conv2d(2, 3, 3, padding=1), nn.ReLU(), nn.Flatten(),
                         nn.Linear(48, 4)).double().eval()


def _brute(net, x, cells, grid, target, outside):
    h = net[:2](x)  # the map after the 1st ReLU: (B, 2, 4, 4)
    H = h.shape[-1]
    cell_of = (torch.arange(H) * grid // H)
    out = []
    for s in range(2 ** len(cells)):
        keep = torch.zeros(H, H, dtype=torch.bool)
        for i, (r, c) in enumerate(cells):
            if (s >> i) & 1:
                keep |= (cell_of[:, None] == r) & (cell_of[None, :] == c)
        if outside == "present":
            owned = torch.zeros(H, H, dtype=torch.bool)
            for r, c in cells:
                owned |= (cell_of[:, None] == r) & (cell_of[None, :] == c)
            keep |= ~owned
        z = net[2:](h * keep.double())
        out.append(reward_from_outputs(z, torch.as_tensor(target), "log_odds"))
    return torch.stack(out, dim=1).detach().numpy()


@pytest.mark.parametrize("outside", ["masked", "present"])
def test_values_match_a_brute_force_masked_forward(outside):
    net = _net()
    x = torch.as_tensor(np.random.default_rng(0).normal(size=(3, 1, 4, 4)))
    players = Patches([(0, 0), (1, 1), (0, 1)], grid=2)
    game = feature_map_game(net, "1", x.numpy(), players, target=[0, 1, 3], outside=outside,
                            batch_size=5)
    want = _brute(net, x, players.cells, 2, [0, 1, 3], outside)
    np.testing.assert_allclose(game.values, want, rtol=0, atol=1e-12)
    assert game.metadata["layer"] == "1" and game.players == players.names


def test_factory_describes_itself_and_checks_the_layer():
    net = _net()
    fg = FeatureMapGame("3", Patches([0, 3], grid=2))
    assert fg.describe()["layer"] == "3" and fg.player_names((1, 4, 4)) == fg.players.names
    with pytest.raises(PlayerError, match="did you mean"):
        FeatureMapGame("33", Patches([0], grid=2)).build(net, np.zeros((1, 1, 4, 4)), [0])
    with pytest.raises(PlayerError, match=r"\(C, H, W\) map"):
        FeatureMapGame("4", Patches([0], grid=2)).build(net, np.zeros((1, 1, 4, 4)), [0])
