"""Every documented error of model_game: type and message."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from games_models import mlp

from harsanyi.errors import (
    NonFiniteOutputError,
    PlayerError,
    ShapeError,
    TargetError,
    TooManyPlayersError,
)
from harsanyi.games import Columns, Patches, model_game


@pytest.fixture
def net():
    return mlp(6, 3)


@pytest.fixture
def x():
    return torch.randn(2, 6, generator=torch.Generator().manual_seed(0))


def test_inputs_without_batch_axis(net):
    with pytest.raises(ShapeError,
                       match=r"inputs must have a batch axis.*got \(6,\).*inputs\[None\]"):
        model_game(net, torch.zeros(6), Columns("all"))


def test_inputs_the_model_cannot_take(net):
    with pytest.raises(ShapeError, match=r"the model failed on inputs of shape \(2, 5\)"):
        model_game(net, torch.zeros(2, 5), Columns("all"))


def test_baseline_shapes(net, x):
    with pytest.raises(ShapeError, match=r"the baseline has shape \(4,\), which does not "
                                         r"broadcast to the inputs \(2, 6\)"):
        model_game(net, x, Columns("all"), baselines=np.zeros(4))
    with pytest.raises(ShapeError, match=r"mean baseline has samples of shape \(5,\)"):
        model_game(net, x, Columns("all"), baselines="mean", data=np.zeros((10, 5)))
    with pytest.raises(ValueError, match="baselines='mean' needs the data"):
        model_game(net, x, Columns("all"), baselines="mean")
    with pytest.raises(ValueError, match="unknown baseline 'median'"):
        model_game(net, x, Columns("all"), baselines="median")


def test_players_overlap_or_out_of_range(net, x):
    with pytest.raises(PlayerError, match="players overlap: x0\\+x1 and x1"):
        model_game(net, x, Columns([[0, 1], 1]))
    with pytest.raises(PlayerError, match=r"uses index 6, outside 0..5"):
        model_game(net, x, Columns([0, 6]))
    with pytest.raises(ShapeError, match="patch players need images"):
        model_game(net, x, Patches([0]))
    with pytest.raises(PlayerError, match="players must be a Players object"):
        model_game(net, x, 3)


def test_too_many_players_says_memory_and_largest_n():
    net = torch.nn.Linear(40, 2).eval()
    with pytest.raises(TooManyPlayersError) as err:
        model_game(net, torch.zeros(1, 40), Columns("all"), memory_bound=2**20)
    msg = str(err.value)
    assert "n=40 players means 2**40" in msg
    assert "would need 16.0 TiB" in msg
    assert "The largest n that fits is 16" in msg


def test_nan_output_names_the_mask():
    class NaNWhenOnlyThird(torch.nn.Module):
        def forward(self, x):
            out = torch.stack([x.sum(1), -x.sum(1)], dim=1)
            bad = (x[:, 2] != 0) & (x[:, 0] == 0)
            return torch.where(bad[:, None], torch.full_like(out, float("nan")), out)

    x = torch.ones(2, 4)
    with pytest.raises(NonFiniteOutputError,
                       match=r"not finite \(nan\) on sample 0, mask 4 \(players present: c\)"):
        model_game(NaNWhenOnlyThird().eval(), x, Columns("all", column_names=list("abcd")),
                   target=0)


def test_inf_output_and_nan_on_the_unmasked_input():
    class InfWhenEmpty(torch.nn.Module):
        def forward(self, x):
            z = x.sum(1, keepdim=True) - 1.0  # 0 for sample 1 with column 1 masked;
            # inf on class 0 while the reward reads class 1
            return torch.cat([torch.where(z == 0, torch.full_like(z, float("inf")), z), -z], 1)

    with pytest.raises(NonFiniteOutputError, match=r"not finite \(inf\) on sample 1, mask 0 "
                                                   r"\(players present: none, all masked\)"):
        model_game(InfWhenEmpty().eval(), torch.tensor([[2.0, 2.0], [1.0, 4.0]]), Columns([1]),
                   target=1, reward="logit", batch_size=3, outside="present")

    class AlwaysNaN(torch.nn.Module):
        def forward(self, x):
            return x * float("nan")

    with pytest.raises(NonFiniteOutputError, match=r"sample 0 \(the unmasked input\)"):
        model_game(AlwaysNaN().eval(), torch.ones(1, 3), Columns("all"))


def test_target_out_of_range(net, x):
    with pytest.raises(TargetError, match=r"target 3 \(sample 0\) is out of range for a model "
                                          r"with 3 outputs \(valid: 0..2\)"):
        model_game(net, x, Columns("all"), target=3)
    with pytest.raises(TargetError, match=r"target -1 \(sample 1\)"):
        model_game(net, x, Columns("all"), target=[0, -1])
    with pytest.raises(TargetError, match="3 targets for 2 samples"):
        model_game(net, x, Columns("all"), target=[0, 1, 2])
    with pytest.raises(TargetError, match=r"1-logit binary model \(valid: 0, 1\)"):
        model_game(torch.nn.Linear(6, 1).eval(), x, Columns("all"), target=2)


def test_bad_options(net, x):
    with pytest.raises(ValueError, match="outside must be 'present' or 'masked'"):
        model_game(net, x, Columns("all"), outside="kept")
    with pytest.raises(ValueError, match="batch_size must be a positive integer"):
        model_game(net, x, Columns("all"), batch_size=0)
    with pytest.raises(ValueError, match="unknown reward 'odds'"):
        model_game(net, x, Columns("all"), reward="odds")


def test_token_ids_need_an_embedding():
    class NoEmbedding(torch.nn.Module):
        def forward(self, inputs_embeds):
            return inputs_embeds.sum(1)

    from harsanyi.games import Tokens

    ids = torch.tensor([[1, 2, 3]])
    with pytest.raises(ValueError, match="token ids need an embedding: pass embed=callable"):
        model_game(NoEmbedding().eval(), ids, Tokens([0, 1]))
    emb = torch.nn.Embedding(5, 2)
    game = model_game(NoEmbedding().eval(), ids, Tokens([0, 1]), embed=emb, reward="logit",
                      target=0, outside="present")
    e = emb(ids).detach()
    assert game.values[0, -1] == pytest.approx(float(e[0, :, 0].sum()), abs=1e-6)
    assert game.values[0, 0] == pytest.approx(float(e[0, 2, 0]), abs=1e-6)
