"""Baselines: each rule against its formula (and the original code's τ rule)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from harsanyi.errors import ShapeError
from harsanyi.games.baselines import (
    GroupCenter,
    Mean,
    PerPlayer,
    TauShrink,
    TokenBaseline,
    resolve_baseline,
)
from harsanyi.games.players import Columns, Groups, owner_map


def _resolve(spec, x, players=None, **kw):
    players = players or Columns("all")
    owner = owner_map(players, tuple(x.shape[1:]))
    return resolve_baseline(spec, x, players, owner, **kw)


def test_zero_constant_and_arrays():
    x = torch.randn(2, 3)
    assert torch.equal(_resolve("zero", x)[0], torch.zeros(2, 3))
    b, what = _resolve(1.5, x)
    assert torch.equal(b, torch.full((2, 3), 1.5)) and what == "constant=1.5"
    b, _ = _resolve(np.array([1.0, 2.0, 3.0]), x)  # one sample's shape: same for every sample
    assert b.tolist() == [[1.0, 2.0, 3.0]] * 2
    per_sample = np.array([[1.0, 2, 3], [4, 5, 6]])
    assert _resolve(per_sample, x)[0].tolist() == per_sample.tolist()
    with pytest.raises(ShapeError, match=r"shape \(3, 3\), which does not broadcast"):
        _resolve(np.zeros((3, 3)), x)


def test_mean_of_the_data():
    data = np.random.default_rng(0).normal(size=(20, 3))
    b, what = _resolve("mean", torch.zeros(2, 3, dtype=torch.float64), data=data)
    assert what == "mean" and np.allclose(b[1].numpy(), data.mean(0), atol=1e-15)
    b2, _ = _resolve(Mean(torch.as_tensor(data)), torch.zeros(1, 3, dtype=torch.float64))
    assert np.allclose(b2[0].numpy(), data.mean(0), atol=1e-15)


def test_per_player_scalars_and_arrays():
    x = torch.zeros(1, 4)
    p = Columns([0, [2, 3]])
    assert _resolve(PerPlayer([5.0, 7.0]), x, p)[0].tolist() == [[5.0, 0.0, 7.0, 7.0]]
    full = np.arange(8.0).reshape(2, 4)
    b, _ = _resolve(PerPlayer(full, outside_value=-1.0), x, p)
    assert b.tolist() == [[0.0, -1.0, 6.0, 7.0]]
    with pytest.raises(ShapeError, match=r"per-player baseline values have shape \(3,\)"):
        _resolve(PerPlayer([1.0, 2.0, 3.0]), x, p)


def original_tau_rule(data: torch.Tensor, tau: float) -> torch.Tensor:
    """The rule of sjtu-xai-lab/Learn compute_IS_*.py, written out element by element."""
    out = torch.zeros_like(data)
    for i, v in enumerate(data.reshape(-1).tolist()):
        out.view(-1)[i] = max(v - tau, 0.0) if v > 0 else min(v + tau, 0.0)
    return out


def test_tau_shrink_equals_the_original_rule():
    x = torch.randn(3, 7, dtype=torch.float64, generator=torch.Generator().manual_seed(1)) * 2
    for tau in (0.0, 0.5, 1.0, 2.0):
        b, what = _resolve(f"tau={tau}", x)
        assert torch.equal(b, original_tau_rule(x, tau)) and what == f"tau={tau:g}"
    centred, _ = _resolve(TauShrink(1.0, center=10.0), x + 10.0)
    assert torch.allclose(centred - 10.0, original_tau_rule(x, 1.0), atol=1e-12)
    with pytest.raises(ValueError, match="tau must be a finite number >= 0"):
        TauShrink(-1.0)
    with pytest.raises(ValueError, match="'tau=<number>'"):
        _resolve("tau=big", x)


def test_group_center_is_each_part_mean():
    x = torch.randn(2, 3, 9, generator=torch.Generator().manual_seed(2))
    g = Groups([[0, 1, 2], [5, 8]], axis=-1)
    b, what = _resolve("center", x, g)
    assert what == "center"
    assert torch.allclose(b[1, :, 1], x[1, :, :3].mean(1))
    assert torch.allclose(b[0, :, 8], x[0, :, [5, 8]].mean(1))
    assert torch.equal(b[:, :, 4], x[:, :, 4])  # no player: unchanged
    with pytest.raises(ValueError, match="needs Groups players"):
        GroupCenter().resolve(x, object(), None)


def test_token_baseline_uses_the_embedding():
    emb = torch.nn.Embedding(10, 4)
    x = torch.zeros(2, 5, 4)
    b, what = _resolve("token=3", x, Groups([[0]], axis=0), embed=emb)
    assert what == "token=3" and torch.equal(b[1, 2], emb.weight[3].detach())
    with pytest.raises(ValueError, match="needs an embedding function"):
        _resolve(TokenBaseline(3), x, Groups([[0]], axis=0))
