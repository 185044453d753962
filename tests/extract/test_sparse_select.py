"""The canonical split of sampled games: the global minimiser of ``I_and(∅)² + Σ |T|^p I_T²``
over the near-optimal splits (brute force on every atom), unique, continuous in the game,
near-optimal, sparse."""

from itertools import combinations

import numpy as np
import pytest

import harsanyi as hs
from harsanyi.extract import sparse
from harsanyi.extract.solvers.selection import solve_selection_qp
from harsanyi.extract.sparse_result import atom_features
from harsanyi.extract.sparse_select import order_weights
from harsanyi.games import SampleDesign, SampledGame

N = 12
# (is_or, players, value): distinct, non-nested supports
TERMS = [(False, (0,), 1.2), (False, (3, 4), -1.5), (True, (5, 9), 0.8),
         (False, (1, 6, 7), 2.0), (True, (2, 10, 11), -0.7)]
NOISE = 0.01


def _values(masks, seed=0):
    out = np.full(len(masks), 0.3)
    for is_or, t, val in TERMS:
        sub = masks[:, list(t)]
        out += val * (sub.any(1) if is_or else sub.all(1))
    return out + NOISE * np.random.default_rng(seed).uniform(-1, 1, len(masks))


@pytest.fixture(scope="module")
def game():
    return SampledGame.from_function(_values, SampleDesign.build(N, budget=400, seed=0))


def _q(game):
    v = game.values
    return NOISE / abs(v[..., game.masks.all(1)] - v[..., ~game.masks.any(1)]).item()


def _pooled(res, b=0):
    vals = np.asarray(res.values).reshape(-1, len(res.is_or))[b]
    return {(bool(o), t): float(x) for o, t, x in zip(res.is_or, res.subsets(), vals, strict=True)
            if x != 0.0}


def _change(a, b):
    keys = set(a) | set(b)
    return sum(abs(a.get(k, 0.0) - b.get(k, 0.0)) for k in keys) / sum(map(abs, a.values()))


def _salient(values):
    v = np.abs(np.asarray(list(values)))
    return int((v >= 0.05 * v.max()).sum())


@pytest.fixture(scope="module")
def both(game):
    q = _q(game)
    return (hs.and_or(game, q_bound=q, selection="vertex", max_order=3),
            hs.and_or(game, q_bound=q, selection="canonical", max_order=3))


def test_canonical_is_near_optimal_certified_and_sparse(both):
    vertex, canon = both
    info = canon.metadata["selection_info"][0]
    assert canon.metadata["selection"] == "canonical" and canon.metadata["epsilon"] == 0.01
    assert vertex.metadata["certificate"][0]["optimal"]
    assert info["lp_optimum"] <= info["objective"] <= 1.01 * info["lp_optimum"] * (1 + 1e-7)
    assert info["kkt"] < 1e-4 and info["exact"]
    assert canon.residual < 1e-6  # universal matching within ζ on every fit mask
    assert _salient(_pooled(canon).values()) <= 1.25 * _salient(_pooled(vertex).values())
    top = {(o, t) for o, t, _ in TERMS}
    assert {k for k, v in _pooled(canon).items() if abs(v) > 0.3} == top


@pytest.mark.parametrize("power", [2.0, 0.0])
def test_canonical_is_the_global_minimiser_over_every_atom(game, both, power):
    """Brute force: the same QP over all atoms of order <= 3 and every fit mask at once."""
    canon = both[1] if power == 2.0 else hs.and_or(game, q_bound=_q(game), selection="canonical",
                                                   max_order=3, order_weight=power)
    assert canon.metadata["order_weight"] == power
    info = canon.metadata["selection_info"][0]
    fit = game.design.fit
    x, v = game.masks[fit], game.values.reshape(-1)[fit]
    empty = game.values.reshape(-1)[~game.masks.any(1)][0]
    scale = np.abs(v - empty).max()
    subsets = [t for k in (1, 2, 3) for t in combinations(range(N), k)]
    atoms = [(False, t) for t in subsets] + [(True, t) for t in subsets if len(t) > 1]
    support = np.zeros((len(atoms) + 1, N), bool)
    for j, (_, t) in enumerate(atoms):
        support[j + 1, list(t)] = True
    is_or = np.array([False] + [o for o, _ in atoms])
    cost = np.array([0.0] + [1.0 + 1e-6 * (len(t) - 1) for _, t in atoms])
    zeta = NOISE / scale
    weights = np.concatenate([[1.0], order_weights(atoms, power)])
    out = solve_selection_qp(2 * np.diag(weights), np.zeros(len(cost)),
                             atom_features(x, support, is_or), (v - empty) / scale, zeta, cost,
                             1.01 * info["lp_optimum"])
    brute = {(o, t): val * scale for (o, t), val in zip(atoms, out["x"][1:], strict=True)
             if abs(val) > 1e-7}
    got = _pooled(canon)
    assert _change(brute, got) < 1e-4


def test_canonical_is_unique_and_continuous(game, both):
    _vertex, canon = both
    q = _q(game)
    span = abs(float(np.ptp(game.values)))
    rng = np.random.default_rng(3)
    # the batch does not matter: the same game next to another, in either order
    other = _values(game.masks, seed=5)
    pair = SampledGame(np.stack([other, game.values.reshape(-1)]), game.design)
    twice = hs.and_or(pair, q_bound=q, selection="canonical", max_order=3)
    assert _change(_pooled(canon), _pooled(twice, 1)) < 1e-9
    # a 1e-6 relative perturbation moves the split by far less than 1e-2
    bumped = SampledGame(game.values + 1e-6 * span * rng.standard_normal(game.values.shape),
                         game.design)
    moved = hs.and_or(bumped, q_bound=q, selection="canonical", max_order=3)
    assert _change(_pooled(canon), _pooled(moved)) < 1e-2
    top = sorted(_pooled(canon).items(), key=lambda kv: -abs(kv[1]))[:5]
    top_moved = sorted(_pooled(moved).items(), key=lambda kv: -abs(kv[1]))[:5]
    assert [k for k, _ in top] == [k for k, _ in top_moved]


def test_canonical_is_skipped_with_a_reason_when_the_lp_uses_a_slack():
    # an AND pair cannot be matched by singletons: max_order=1 leaves the LP infeasible
    design = SampleDesign.build(6, budget=64, seed=0)
    g = SampledGame.from_function(lambda m: 1.0 * (m[:, 0] & m[:, 1]), design)
    with pytest.warns(RuntimeWarning, match="not certified optimal"):
        res = hs.and_or(g, q_bound=0.0, selection="canonical", max_order=1, max_rounds=3)
    info = res.metadata["selection_info"][0]
    assert info["selection"] == "vertex" and "elastic slack" in info["skipped"]


@pytest.mark.parametrize(("selection", "epsilon", "match"), [
    ("centre", 0.01, "choose one of"), ("canonical", -0.1, "epsilon must be"),
    ("canonical", float("nan"), "epsilon must be")])
def test_bad_selection_options_are_refused(game, selection, epsilon, match):
    with pytest.raises(ValueError, match=match):
        hs.and_or(game, selection=selection, epsilon=epsilon)


@pytest.mark.parametrize("power", [-1.0, float("inf")])
def test_a_bad_order_weight_is_refused(game, power):
    with pytest.raises(ValueError, match="order_weight must be a finite number >= 0"):
        hs.and_or(game, selection="canonical", order_weight=power)


def test_order_weights_keep_more_of_the_largest_value_on_a_dense_game():
    """``‖θ‖²`` (p = 0) splits the largest value among atoms with nearly the same outputs;
    ``Σ |T|² I_T²`` (the default) makes the move to higher orders expensive."""
    game = _dense_game()
    largest = np.abs(hs.and_or(game, q_bound=0.02, selection="vertex", max_order=3).values).max()
    kept = {p: np.abs(hs.and_or(game, q_bound=0.02, selection="canonical", max_order=3,
                                order_weight=p).values).max() / largest for p in (0.0, 2.0)}
    assert kept[0.0] < 0.45 and kept[2.0] > 0.55  # measured: 0.37 and 0.60


def _dense_game():
    """A game with interactions of every order: its LP vertex uses most of its fit masks."""
    rng = np.random.default_rng(0)
    w, u = rng.normal(size=N), rng.normal(size=N)
    return SampledGame.from_function(lambda m: np.tanh(m @ w) + 0.5 * np.tanh(m @ u) ** 2,
                                     SampleDesign.build(N, budget=300, seed=0))


def test_a_dense_vertex_gets_the_selection_over_the_whole_pool(monkeypatch):
    """Where the vertex is dense and the pool fits, the selection is one interior point over
    every atom; the rounds of atom and row generation reach the same split."""
    game = _dense_game()
    pool = hs.and_or(game, q_bound=0.02, selection="canonical", max_order=3)
    info = pool.metadata["selection_info"][0]
    vertex = pool.metadata["certificate"][0]
    assert info["method"] == "pool" and info["rounds"] == 1 and info["priced"] == 584
    assert vertex["optimal"] and info["objective"] <= 1.01 * info["lp_optimum"] * (1 + 1e-7)
    monkeypatch.setattr(sparse, "DENSE_VERTEX", np.inf)  # rounds whatever the vertex
    rounds = hs.and_or(game, q_bound=0.02, selection="canonical", max_order=3)
    other = rounds.metadata["selection_info"][0]
    assert other["method"] == "rounds" and other["exact"]
    assert _change(_pooled(pool), _pooled(rounds)) < 1e-5
    assert other["objective"] == pytest.approx(info["objective"], rel=1e-7)


def test_a_sparse_vertex_gets_the_rounds_and_the_pool_agrees(game, both, monkeypatch):
    _vertex, canon = both
    assert canon.metadata["selection_info"][0]["method"] == "rounds"
    monkeypatch.setattr(sparse, "DENSE_VERTEX", 0.0)  # the pool whatever the vertex
    pool = hs.and_or(game, q_bound=_q(game), selection="canonical", max_order=3)
    assert pool.metadata["selection_info"][0]["method"] == "pool"
    assert _change(_pooled(canon), _pooled(pool)) < 1e-5
