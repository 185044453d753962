"""Sampled games: the design (structured + size-stratified + held-out masks), reuse of the same
masks at every checkpoint, model_game(budget=...) values, and the budget errors."""

from math import comb

import numpy as np
import pytest
import torch

import harsanyi as hs
from harsanyi.errors import BudgetError, TooManyPlayersError
from harsanyi.games import Columns, SampleDesign, SampledGame, minimum_budget


def test_design_masks_are_distinct_structured_and_stratified():
    d = SampleDesign.build(40, budget=3000, seed=3)
    assert d.masks.shape == (3000, 40) and d.masks.dtype == bool
    keys = {row.tobytes() for row in d.masks}
    assert len(keys) == 3000  # no mask evaluated twice
    assert not d.masks[0].any() and d.masks[1].all()
    assert (d.masks[2:42].sum(1) == 1).all() and (d.masks[42:82].sum(1) == 39).all()
    sizes = np.bincount(d.masks[82:].sum(1), minlength=41)
    assert sizes[[0, 1, 39, 40]].sum() == 0  # those are all structured already
    assert sizes[2:39].max() - sizes[2:39].min() <= 1  # stratified evenly over the others
    assert int((~d.fit).sum()) == 300 and (d.kind[~d.fit] == "holdout").all()
    assert d.packed.shape == (3000, 1) and d.packed.dtype == np.uint64
    assert int(d.packed[1, 0]) == 2**40 - 1


def test_small_sizes_are_capped_by_the_number_of_subsets():
    d = SampleDesign.build(10, budget=1000, seed=0)
    sizes = np.bincount(d.masks.sum(1), minlength=11)
    assert all(sizes[k] <= comb(10, k) for k in range(11))
    assert len({row.tobytes() for row in d.masks}) == 1000


def test_budget_covering_all_masks_is_exhaustive_in_bit_order():
    d = SampleDesign.build(5, budget=32)
    assert d.exhaustive and d.fit.all()
    index = (d.masks.astype(int) << np.arange(5)).sum(1)
    assert index.tolist() == list(range(32))


def test_same_arguments_same_masks_other_seed_other_masks():
    a = SampleDesign.build(32, budget=500, seed=7)
    b = SampleDesign.build(32, budget=500, seed=7)
    c = SampleDesign.build(32, budget=500, seed=8)
    assert a == b and np.array_equal(a.masks, b.masks) and a.fingerprint == b.fingerprint
    assert a != c and not np.array_equal(a.masks, c.masks)


def test_budget_below_the_minimum_names_it():
    low = minimum_budget(30)
    assert low == 122
    with pytest.raises(BudgetError, match=r"budget=50 is below the minimum of 122 .* n=30"):
        SampleDesign.build(30, budget=50)
    SampleDesign.build(30, budget=low)  # the minimum itself is accepted
    net = torch.nn.Linear(30, 2).eval()
    with pytest.raises(BudgetError, match="pass budget >= 122"):
        hs.model_game(net, torch.zeros(1, 30), Columns("all"), budget=100)


def test_exhaustive_memory_check_points_to_budget():
    net = torch.nn.Linear(40, 2).eval()
    with pytest.raises(TooManyPlayersError, match=r"model_game\(\.\.\., budget=B\)"):
        hs.model_game(net, torch.zeros(1, 40), Columns("all"))


def _checkpoint(seed):
    torch.manual_seed(seed)
    return torch.nn.Sequential(torch.nn.Linear(30, 8), torch.nn.Tanh(),
                               torch.nn.Linear(8, 2)).double().eval()


def test_model_game_with_budget_reuses_the_masks_at_every_checkpoint():
    x = torch.randn(2, 30, dtype=torch.float64)
    games = [hs.model_game(_checkpoint(s), x, Columns("all"), reward="logit", target=0,
                           budget=400, design=5) for s in range(3)]
    assert all(isinstance(g, SampledGame) for g in games)
    assert all(g.design == games[0].design for g in games)
    assert games[0].values.shape == (2, 400)
    assert not np.allclose(games[0].values, games[1].values)  # other weights, same masks
    again = hs.model_game(_checkpoint(1), x, Columns("all"), reward="logit", target=0,
                          design=games[0].design)
    np.testing.assert_array_equal(again.values, games[1].values)
    assert again.metadata["design"]["fingerprint"] == games[0].design.fingerprint


def test_model_game_sampled_values_are_the_masked_forward_passes():
    net = _checkpoint(0)
    x = torch.randn(1, 30, dtype=torch.float64)
    g = hs.model_game(net, x, Columns("all"), reward="logit", target=1, budget=300,
                      batch_size=64)
    masks = torch.as_tensor(g.masks)
    direct = net(torch.where(masks, x, torch.zeros_like(x)))[:, 1].detach().numpy()
    np.testing.assert_allclose(g.values[0], direct, rtol=0, atol=1e-12)


def test_exhaustive_budget_gives_the_values_of_the_exhaustive_game():
    net = _checkpoint(1)
    x = torch.randn(2, 30, dtype=torch.float64)
    players = Columns([0, 3, 5, 7, 11])
    full = hs.model_game(net, x, players, reward="logit", target=0)
    sampled = hs.model_game(net, x, players, reward="logit", target=0, budget=32)
    np.testing.assert_array_equal(sampled.values, full.values)
    sub = SampledGame.from_game(full, SampleDesign.build(5, budget=32))
    np.testing.assert_array_equal(sub.values, full.values)
