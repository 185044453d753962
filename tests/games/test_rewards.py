"""Rewards from logits and target resolution, against float64 brute force."""

from __future__ import annotations

import math

import pytest
import torch

from harsanyi.errors import ShapeError, TargetError
from harsanyi.games.rewards import as_logits, resolve_target, reward_from_outputs


def brute_log_odds(z: torch.Tensor, y: int) -> float:
    p = torch.softmax(z.double(), 0)[y].item()
    return math.log(p / (1 - p))


def test_log_odds_matches_definition():
    z = torch.randn(6, 5, dtype=torch.float64, generator=torch.Generator().manual_seed(0)) * 3
    t = torch.tensor([0, 1, 2, 3, 4, 0])
    got = reward_from_outputs(z, t, "log_odds")
    assert got.dtype == torch.float64
    for b in range(6):
        assert abs(got[b].item() - brute_log_odds(z[b], int(t[b]))) < 1e-12


def test_log_odds_is_stable_where_the_original_saturates():
    z = torch.tensor([[200.0, 0.0, 0.0], [-200.0, 0.0, 0.0]], dtype=torch.float64)
    got = reward_from_outputs(z, 0, "log_odds")
    assert got[0].item() == pytest.approx(200.0 - math.log(2.0), abs=1e-12)
    assert got[1].item() == pytest.approx(-200.0 - math.log(2.0), abs=1e-12)
    orig = reward_from_outputs(z, 0, "log_odds_original")
    assert orig[0].item() == pytest.approx(math.log(1 / 1e-7 + 1e-7), rel=1e-9)  # p = 1
    assert orig[1].item() == pytest.approx(math.log(1e-7), rel=1e-6)  # p ~ 0


def test_log_odds_original_formula_at_moderate_logits():
    z = torch.tensor([[1.0, 2.0, -1.0]], dtype=torch.float64)
    p = torch.softmax(z[0], 0)[1].item()
    want = math.log(p / (1 - p + 1e-7) + 1e-7)
    assert reward_from_outputs(z, 1, "log_odds_original").item() == pytest.approx(want, abs=1e-14)


def test_two_classes_and_one_logit():
    z2 = torch.tensor([[0.3, 1.7]], dtype=torch.float64)
    assert reward_from_outputs(z2, 1).item() == pytest.approx(1.4, abs=1e-14)
    z1 = torch.tensor([[1.5], [-0.5]], dtype=torch.float64)
    assert reward_from_outputs(z1, torch.tensor([1, 0])).tolist() == [1.5, 0.5]
    assert reward_from_outputs(z1, 0, "logit").tolist() == [-1.5, 0.5]
    prob = reward_from_outputs(z1, 1, "prob")
    assert prob[0].item() == pytest.approx(1 / (1 + math.exp(-1.5)), abs=1e-15)
    assert reward_from_outputs(torch.tensor([2.5, -1.0]), None, "output").tolist() == [2.5, -1.0]


def test_logit_prob_and_callable():
    z = torch.tensor([[1.0, 2.0, 3.0]], dtype=torch.float64)
    assert reward_from_outputs(z, 2, "logit").item() == 3.0
    assert reward_from_outputs(z, 0, "prob").item() == pytest.approx(
        math.exp(1) / (math.exp(1) + math.exp(2) + math.exp(3)), abs=1e-15)
    got = reward_from_outputs(z, 1, lambda logits, t: logits[:, 0] * 10)
    assert got.tolist() == [10.0] and got.dtype == torch.float64


def test_reward_in_model_dtype_then_promoted():
    z = torch.tensor([[0.1, 0.2, 0.7]], dtype=torch.float32)
    got = reward_from_outputs(z, 2)
    manual32 = z[0, 2] - torch.logsumexp(z[0, :2], 0)
    assert got.dtype == torch.float64 and got.item() == float(manual32)


def test_as_logits_unwraps_common_outputs():
    class Out:
        logits = torch.zeros(2, 3)

    assert as_logits(Out()).shape == (2, 3)
    assert as_logits((torch.zeros(2, 4), "aux")).shape == (2, 4)
    with pytest.raises(ShapeError, match=r"outputs of shape \(2, 3, 4\)"):
        as_logits(torch.zeros(2, 3, 4))


def test_reward_errors():
    z = torch.zeros(2, 3)
    with pytest.raises(ValueError, match="unknown reward 'odds'"):
        reward_from_outputs(z, 0, "odds")
    with pytest.raises(ShapeError, match="reward='output' needs a model with one output"):
        reward_from_outputs(z, 0, "output")
    with pytest.raises(ShapeError, match=r"reward callable returned shape \(3,\)"):
        reward_from_outputs(z, 0, lambda logits, t: torch.zeros(3))


def test_resolve_target():
    z = torch.tensor([[0.1, 2.0, 0.3], [3.0, 0.0, 0.2]])
    assert resolve_target(None, z).tolist() == [1, 0]
    assert resolve_target(2, z).tolist() == [2, 2]
    assert resolve_target([0, 2], z).tolist() == [0, 2]
    assert resolve_target(torch.tensor([1.0, 2.0]), z).tolist() == [1, 2]
    assert resolve_target(None, torch.tensor([[0.5], [-0.5]])).tolist() == [1, 0]
    with pytest.raises(TargetError, match="targets must be integer class indices"):
        resolve_target([0.5, 1.0], z)
    with pytest.raises(TargetError, match=r"target 3 \(sample 1\) is out of range for a model "
                                          r"with 3 outputs \(valid: 0..2\)"):
        resolve_target([0, 3], z)
    with pytest.raises(TargetError, match=r"1 targets for 2 samples|3 targets for 2 samples"):
        resolve_target([0, 1, 2], z)
