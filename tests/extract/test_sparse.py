"""Sparse extraction on sampled games: planted recovery at n = 24, exact agreement with the
exhaustive LP when the budget covers all 2**n masks, the result type, union refits."""

import numpy as np
import pytest

import harsanyi as hs
from harsanyi.errors import StoreError
from harsanyi.extract import SparseInteractions, refit, sparse, union_support
from harsanyi.extract.sparse import Limits, _next_step, _violated
from harsanyi.extract.sparse_lp import SampledLP, atom_costs, atom_matrix, neighbours, pool_atoms
from harsanyi.extract.sparse_result import atom_features
from harsanyi.games import SampleDesign, SampledGame
from harsanyi.zoo.synthetic import planted_sparse_terms

# (is_or, players, value): distinct, non-nested supports of orders 1..3
PLANTED = [(False, (0,), 1.2), (False, (3, 4), -1.5), (True, (5, 9), 0.8),
           (False, (10, 11, 12), 2.0), (True, (13, 17, 20), -0.7), (False, (21,), 0.6),
           (True, (1, 22), 1.1), (False, (2, 14, 23), -0.9)]
NOISE = 0.005


def planted(masks, terms=PLANTED, noise=NOISE, seed=0):
    out = np.full(len(masks), 0.3)
    for is_or, t, val in terms:
        sub = masks[:, list(t)]
        out += val * (sub.any(1) if is_or else sub.all(1))
    return out + noise * np.random.default_rng(seed).uniform(-1, 1, len(masks))


def q_for(game, zeta):
    return zeta / abs(game.values[..., 1] - game.values[..., 0]).min()


@pytest.fixture(scope="module")
def recovered():
    d = SampleDesign.build(24, budget=1500, seed=0)
    g = SampledGame.from_function(planted, d)
    return g, hs.and_or(g, q_bound=q_for(g, NOISE))


def test_planted_support_is_recovered_at_n24(recovered):
    _g, res = recovered
    assert isinstance(res, SparseInteractions)
    top = res.salient(0.1)
    found = {(bool(o), t) for o, t in zip(top.is_or, top.subsets(), strict=True)}
    assert found == {(o, t) for o, t, _ in PLANTED}
    cert = res.metadata["certificate"][0]
    assert cert["optimal"] and "sampled masks" in cert["rows"] and "order <= 4" in cert["atoms"]
    assert res.residual < 1e-9  # universal matching within ζ on every fit mask
    assert res.holdout_r2 > 0.999 and res.holdout_error < 0.02


def test_planted_values_after_least_squares_refit(recovered):
    g, res = recovered
    top = res.salient(0.1)
    fitted = refit(g, top.support, top.is_or)
    keys = zip(fitted.is_or.tolist(), fitted.subsets(), strict=True)
    got = dict(zip(keys, fitted.values, strict=True))
    for is_or, t, val in PLANTED:
        assert got[(is_or, t)] == pytest.approx(val, abs=0.01)
    assert float(fitted.intercept) == pytest.approx(0.3, abs=0.01)


@pytest.mark.parametrize("seed", [0, 1])
def test_full_budget_agrees_with_the_exhaustive_lp(seed):
    rng = np.random.default_rng(seed)
    n = 5
    terms = [(False, (0, 1), 1.0), (True, (2, 3), -0.8), (False, (4,), 0.5)]
    game = hs.Game.from_function(lambda m: planted(m, terms, noise=0.0) + 0.05 * rng.normal(
        size=len(m)), n)
    exact = hs.and_or(game, q_bound=0.0, solver="exact", selection="vertex")  # the LP vertex
    sampled = SampledGame.from_game(game, SampleDesign.build(n, budget=2**n))
    res = hs.and_or(sampled, q_bound=0.0, max_order=n)
    cert = res.metadata["certificate"][0]
    assert cert["optimal"] and cert["outside_candidates"] == {
        "would_enter": 0, "exact": True, "max_price": pytest.approx(cert["outside_candidates"][
            "max_price"])}
    assert np.abs(res.values).sum() == pytest.approx(float(exact.objective), rel=1e-8)
    np.testing.assert_allclose(res.surrogate(sampled.masks), game.values, atol=1e-9)
    assert np.isnan(res.holdout_r2)  # nothing held out when every mask is used


def test_full_budget_unique_optimum_gives_the_same_atoms_and_values():
    terms = [(False, (0, 1), 1.0), (True, (2, 3), -0.8), (False, (4,), 0.5)]
    game = hs.Game.from_function(lambda m: planted(m, terms, noise=0.0), 5)
    exact = hs.and_or(game, q_bound=0.0, solver="exact", selection="vertex")  # the LP vertex
    res = hs.and_or(SampledGame.from_game(game, SampleDesign.build(5, budget=32)), q_bound=0.0,
                    max_order=5)
    ours = sorted((k, t, round(v, 9)) for k, t, v in res.get_top_k(10))
    theirs = sorted((k, t, round(v, 9)) for k, t, v in exact.get_top_k(10))
    assert ours == theirs


def test_batches_share_the_union_support_and_refit_across_checkpoints():
    d = SampleDesign.build(20, budget=800, seed=1)
    two = [[(False, (0, 1), 1.0), (True, (2, 3), 0.7)], [(False, (0, 1), 1.3), (False, (5,), 1.0)]]
    g = SampledGame.from_function(
        lambda m: np.stack([planted(m, t, noise=0.0) for t in two], axis=1), d)
    res = hs.and_or(g, q_bound=0.0)
    assert res.values.shape == (2, len(res.is_or)) and res.batch_shape == (2,)
    atoms = {(bool(o), t) for o, t in zip(res.is_or, res.subsets(), strict=True)}
    assert atoms == {(False, (0, 1)), (True, (2, 3)), (False, (5,))}
    assert res[1].get_top_k(5)[0][:2] == ("and", (0, 1))
    support, is_or = union_support([res[0].salient(0.1), res[1].salient(0.1)])
    both = refit(g, support, is_or)
    assert both.values.shape == (2, 3) and np.all(both.residual < 1e-9)


def test_result_frame_save_load(tmp_path, recovered):
    _, res = recovered
    frame = res.salient(0.1).to_frame()
    assert len(frame) == len(PLANTED) and set(frame["kind"]) == {"and", "or"}
    assert "x10 & x11 & x12" in set(frame["players"])
    back = SparseInteractions.load(res.save(tmp_path / "sparse"))
    np.testing.assert_array_equal(back.values, res.values)
    np.testing.assert_array_equal(back.support, res.support)
    assert back.metadata["certificate"][0]["optimal"]
    (tmp_path / "bad.npz").write_bytes(b"nope")
    with pytest.raises(StoreError, match="not a readable sparse interactions file"):
        SparseInteractions.load(tmp_path / "bad.npz")


def test_neighbours_are_subsets_and_supersets_of_both_kinds():
    near = neighbours([(True, (1, 2))], 4, 3)
    assert (False, (1,)) in near and (False, (2,)) in near
    assert (True, (0, 1, 2)) in near and (False, (1, 2, 3)) in near and (False, (1, 2)) in near
    assert (True, (1, 2)) not in near


@pytest.fixture(scope="module")
def low_budget():
    """n = 24, 12 terms, 400 calls: the grown support cannot match every fit mask, so the
    restricted LP starts with elastic slacks in use."""
    terms = planted_sparse_terms(24, 12, np.random.default_rng(3))
    game = SampledGame.from_function(lambda m: planted(m, terms, seed=7),
                                     SampleDesign.build(24, budget=400, seed=3))
    return terms, game, q_for(game, NOISE)


def test_low_budget_is_certified_within_a_pivot_count(low_budget):
    # before the penalty continuation: 20,535 pivots (one solve hit its cap), uncertified
    terms, game, q = low_budget
    res = hs.and_or(game, q_bound=q)
    cert = res.metadata["certificate"][0]
    assert cert["optimal"] and cert["stop"] == "optimal" and cert["slack"] <= 1e-9
    assert cert["simplex_iterations"] <= 12_000
    top = res.salient(0.1)
    assert set(zip(top.is_or.tolist(), top.subsets(), strict=True)) == {
        (o, t) for o, t, _ in terms}


def test_generation_stopped_by_a_count_returns_a_sound_uncertified_result(low_budget):
    _, game, q = low_budget
    # pool_max=0: no whole-pool solve after the stop (tested below)
    with pytest.warns(RuntimeWarning, match=r"1 of 1 sample\(s\) are not certified optimal "
                      r"\(stop: max_rounds x1.*above pool_max=0: raise pool_max"):
        rounds = hs.and_or(game, q_bound=q, max_rounds=5, pool_max=0)  # stops after atoms came in
    cert = rounds.metadata["certificate"][0]
    assert cert["stop"] == "max_rounds" and not cert["optimal"] and "pool" not in cert
    assert rounds.values.shape == (len(rounds.is_or),) and np.isfinite(rounds.residual)
    with pytest.warns(RuntimeWarning, match=r"stop: max_pivots x1"):
        pivots = hs.and_or(game, q_bound=q, max_pivots=50, pool_max=0)
    cert = pivots.metadata["certificate"][0]
    assert cert["stop"] == "max_pivots" and not cert["optimal"]
    assert cert["simplex_iterations"] <= 50 + 1 and np.isfinite(pivots.holdout_r2)
    with pytest.raises(ValueError, match="positive counts"):
        hs.and_or(game, q_bound=q, max_pivots=0)


def test_penalty_rises_until_no_slack_is_used():
    # interpolating noise exactly (q = 0) needs row duals above the first penalty 2
    rng = np.random.default_rng(0)
    game = hs.Game.from_function(lambda m: 0.05 * rng.normal(size=len(m)), 5)
    res = hs.and_or(SampledGame.from_game(game, SampleDesign.build(5, budget=32)),
                    q_bound=0.0, max_order=5, pool_max=0)  # by generation, not the whole pool
    cert = res.metadata["certificate"][0]
    assert cert["optimal"] and cert["penalty"] > 2.0
    exact = hs.and_or(game, q_bound=0.0, solver="exact", selection="vertex")  # the LP vertex
    assert np.abs(res.values).sum() == pytest.approx(float(exact.objective), rel=1e-8)


def test_rows_and_atoms_take_turns_while_a_slack_is_in_use(low_budget):
    """With a slack in use, a round of fit masks is followed by a round of candidates, and the
    other way round (rows alone cannot remove a slack, atoms alone overfit the rows already
    in), unless one batch brings in every fit mask left (docs/sparse.md, section 3)."""
    _, game, q = low_budget
    x, v = game.masks[game.design.fit], game.values[game.design.fit]
    y, zeta = v - game.values[0], q * abs(game.values[1] - game.values[0])
    steps = []
    for last, per_round in (("rows", 100), ("atoms", 100), ("", 100), ("rows", len(y))):
        lp = SampledLP(x, y, zeta, bigm=2.0)
        lp.add_rows(range(100))
        lp.add_atoms([(False, (i,)) for i in range(24)])  # singletons cannot match the pairs
        sol = lp.solve()
        assert sol["slack"] > 1e-3 and len(_violated(x, y, zeta, lp, sol, len(y)))
        steps.append(_next_step(x, y, zeta, lp, sol, Limits(rows_per_round=per_round), last)[0])
    assert steps == ["atoms", "rows", "rows", "rows"]


def smooth_game(n, budget, seed=0):
    """A sampled game with interactions of every order (no sparse truth)."""
    rng = np.random.default_rng(seed)
    w, u = rng.normal(size=n), rng.normal(size=n)
    return SampledGame.from_function(lambda m: np.tanh(m @ w) + 0.5 * np.tanh(m @ u) ** 2,
                                     SampleDesign.build(n, budget=budget, seed=seed))


def pool_optimum(game, q_bound, max_order, order_cost=1e-6):
    """Brute force: the LP over the fit masks and every atom of order <= max_order (dense)."""
    from scipy.optimize import linprog

    x, v = game.masks[game.design.fit], game.values[game.design.fit]
    zeta = q_bound * abs(game.values[game.masks.all(1)][0] - game.values[~game.masks.any(1)][0])
    atoms = pool_atoms(game.n, max_order)
    feats = atom_features(x, *atom_matrix(atoms, game.n))
    cost = atom_costs(atoms, order_cost)
    k = len(atoms)
    a = np.hstack([feats, -feats, np.ones((len(v), 1))])
    res = linprog(np.concatenate([cost, cost, [0.0]]), A_ub=np.vstack([a, -a]),
                  b_ub=np.concatenate([v + zeta, zeta - v]),
                  bounds=[(0, None)] * (2 * k) + [(None, None)], method="highs")
    return res.fun


def l1(res, order_cost=1e-6):
    atoms = [(bool(o), tuple(np.flatnonzero(t))) for t, o in zip(res.support, res.is_or,
                                                                  strict=True)]
    return float(atom_costs(atoms, order_cost) @ np.abs(res.values))


def test_optimal_means_optimal_over_every_atom_up_to_the_order_cap():
    """Generation ends only when no atom of order <= max_order prices out, not only its
    candidates: on this game the candidates' optimum had an L1 norm 70% above the LP's."""
    game = smooth_game(12, 300)
    res = hs.and_or(game, q_bound=0.02, max_order=3, selection="vertex", pool_first=0)
    cert = res.metadata["certificate"][0]
    assert cert["optimal"] and cert["stop"] == "optimal" and "pool" not in cert
    assert cert["outside_candidates"] == {**cert["outside_candidates"], "would_enter": 0,
                                          "exact": True}
    assert l1(res) == pytest.approx(pool_optimum(game, 0.02, 3), rel=1e-7)


def test_a_small_pool_is_solved_whole_and_certified(recwarn):
    game = smooth_game(12, 300)
    res = hs.and_or(game, q_bound=0.02, max_order=3, selection="vertex")
    assert not [w for w in recwarn if "certified" in str(w.message)]  # certified: no warning
    cert = res.metadata["certificate"][0]
    assert cert["optimal"] and cert["stop"] == "pool" and cert["rounds"] == 0
    assert cert["pool"]["status"] == "Optimal" and cert["pool"]["atoms"] == 584
    assert cert["pool"]["method"] == "face" and "every other one priced exactly" in cert["atoms"]
    assert cert["pool"]["lp_atoms"] < 584 and cert["outside_candidates"]["exact"]
    assert cert["outside_candidates"]["would_enter"] == 0
    assert l1(res) == pytest.approx(pool_optimum(game, 0.02, 3), rel=1e-7)


def test_a_starting_basis_is_taken_and_an_optimal_one_needs_no_pivot():
    game = smooth_game(10, 200)
    x, v = game.masks[game.design.fit], game.values[game.design.fit]
    atoms = pool_atoms(10, 3)

    def fresh():
        lp = SampledLP(x, v - v[0], 0.02, order_cost=1e-6)
        lp.set_slacks(False)
        lp.add_rows(range(len(v)))
        lp.add_atoms(atoms)
        return lp

    cold = fresh()
    first = cold.solve()
    assert first["status"] == "Optimal" and cold.iterations > 50
    col = np.asarray(cold.h.getSolution().col_value)
    basic = {a: bool(col[cold.col_of[a]] > 0) for a, val in zip(atoms, first["values"],
                                                                strict=True) if val != 0}
    h = atom_features(x, *atom_matrix(list(basic), 10)) @ first["values"][first["values"] != 0]
    q = v - v[0] - h - first["intercept"]  # rows strictly inside the band are basic
    inside = {int(r) for r in np.flatnonzero(np.abs(q) < 0.02 - 1e-9)}
    warm = fresh()
    assert warm.start_from(basic, inside, {int(r) for r in np.flatnonzero(q < 0)})
    again = warm.solve()
    assert warm.iterations <= 2  # the optimal basis (up to degenerate ties) needs no search
    assert again["objective"] == pytest.approx(first["objective"], rel=1e-10)


def test_the_face_method_starts_its_simplex_from_the_interior_points_guess(monkeypatch):
    game = smooth_game(12, 300)
    res = hs.and_or(game, q_bound=0.02, max_order=3, selection="vertex")
    guessed = res.metadata["certificate"][0]["pool"]
    monkeypatch.setattr(sparse, "_basis_guess", lambda ipm, atoms, tight: ({}, set(), set()))
    plain = hs.and_or(game, q_bound=0.02, max_order=3, selection="vertex")
    cold = plain.metadata["certificate"][0]["pool"]
    assert guessed["method"] == cold["method"] == "face"
    assert guessed["simplex_iterations"] < 0.85 * cold["simplex_iterations"]
    assert l1(res) == pytest.approx(l1(plain), rel=1e-9)


def test_the_pool_is_solved_whole_when_its_face_cannot_be_used(monkeypatch):
    monkeypatch.setattr(sparse, "FACE_MAX_ENTRIES", 0)  # too large for the face method
    game = smooth_game(12, 300)
    res = hs.and_or(game, q_bound=0.02, max_order=3, selection="vertex")
    cert = res.metadata["certificate"][0]
    assert cert["optimal"] and cert["stop"] == "pool" and cert["pool"]["method"] == "whole"
    assert cert["atoms"].endswith("(584, all in the LP)")
    assert l1(res) == pytest.approx(pool_optimum(game, 0.02, 3), rel=1e-7)


def test_a_stopped_generation_is_certified_by_the_whole_pool():
    game = smooth_game(10, 200)
    res = hs.and_or(game, q_bound=0.02, max_order=3, selection="vertex", pool_first=0,
                    max_pivots=5)
    cert = res.metadata["certificate"][0]
    assert cert["optimal"] and cert["stop"] == "pool"
    assert cert["generation"]["stop"] == "max_pivots"
    assert l1(res) == pytest.approx(pool_optimum(game, 0.02, 3), rel=1e-7)
    with pytest.warns(RuntimeWarning, match=r"stop: max_pivots x1"):
        off = hs.and_or(game, q_bound=0.02, max_order=3, selection="vertex", pool_first=0,
                        max_pivots=5, pool_max=0)
    cert = off.metadata["certificate"][0]
    assert not cert["optimal"] and cert["stop"] == "max_pivots" and "pool" not in cert


def test_an_infeasible_pool_says_so_and_gives_its_elastic_fit():
    """180 fit masks, 100 atoms of order <= 2: no split matches every mask within the bound."""
    game = smooth_game(10, 200, seed=2)
    with pytest.warns(RuntimeWarning, match=r"stop: pool_infeasible x1.*raise max_order"):
        res = hs.and_or(game, q_bound=0.02, max_order=2, selection="vertex")
    cert = res.metadata["certificate"][0]
    assert not cert["optimal"] and cert["stop"] == "pool_infeasible" and cert["slack"] > 0
    assert cert["pool"]["status"] == "Infeasible" and "raise max_order" in cert["pool"]["says"]
    assert cert["pool"]["method"] == "whole"  # the face method's interior point cannot converge
    assert cert["pool"]["elastic"]["status"] == "Optimal" and cert["simplex_iterations"] == 0
    assert np.isfinite(res.residual) and res.values.shape == (len(res.is_or),)
    # after generation, an infeasible pool keeps generation's last optimum
    with pytest.warns(RuntimeWarning, match=r"stop: max_pivots x1.*raise max_order"):
        late = hs.and_or(game, q_bound=0.02, max_order=2, selection="vertex", pool_first=0,
                         max_pivots=500)
    cert = late.metadata["certificate"][0]
    assert not cert["optimal"] and cert["stop"] == "max_pivots"
    assert cert["pool"]["status"] == "Infeasible" and "elastic" not in cert["pool"]


def test_pool_limits_must_be_counts():
    with pytest.raises(ValueError, match="pool_max and pool_first"):
        hs.and_or(smooth_game(6, 40), q_bound=0.02, pool_max=-1)


def test_uncertified_samples_warn_once_per_call_with_the_count_and_the_way_out():
    game = smooth_game(10, 200)
    batch = SampledGame(np.stack([game.values, 2.0 * game.values]), game.design)
    with pytest.warns(RuntimeWarning) as caught:
        hs.and_or(batch, q_bound=0.02, max_order=3, selection="vertex", pool_first=0,
                  max_pivots=5, pool_max=100)
    said = [str(w.message) for w in caught if "certified" in str(w.message)]
    assert len(said) == 1 and said[0].startswith("2 of 2 sample(s) are not certified optimal")
    assert "stop: max_pivots x2" in said[0] and "pool of 340 atoms is above pool_max=100" in said[0]


def test_the_sampled_path_shows_a_progress_bar_over_samples(capsys):
    game = smooth_game(6, 40)
    hs.and_or(game, q_bound=0.02, progress=True)
    assert "AND-OR split (sampled)" in capsys.readouterr().err
    hs.and_or(game, q_bound=0.02, progress=False)
    assert "AND-OR split" not in capsys.readouterr().err


def test_by_default_a_pool_above_pool_max_is_solved_through_its_face_alone(monkeypatch):
    """``pool_max=None``: pools between ``POOL_MAX`` and ``FACE_POOL_MAX`` atoms whose features
    fit go to the face method only, never to HiGHS's interior point on the whole pool."""
    monkeypatch.setattr(sparse, "POOL_MAX", 50)  # the 340-atom pool is above it
    monkeypatch.setattr(sparse, "FACE_POOL_MAX", 1_000)
    game = smooth_game(10, 200)
    res = hs.and_or(game, q_bound=0.02, max_order=3, selection="vertex", pool_first=0,
                    max_rounds=2)
    cert = res.metadata["certificate"][0]
    assert cert["optimal"] and cert["stop"] == "pool" and cert["pool"]["method"] == "face"
    assert l1(res) == pytest.approx(pool_optimum(game, 0.02, 3), rel=1e-7)
    # an explicit pool_max bounds both methods alike
    with pytest.warns(RuntimeWarning, match=r"pool of 340 atoms is above pool_max=50"):
        hs.and_or(game, q_bound=0.02, max_order=3, selection="vertex", pool_first=0,
                  max_rounds=2, pool_max=50)
    # where the face method fails (an infeasible pool: its dual is unbounded), no whole solve
    infeasible = smooth_game(10, 200, seed=2)
    with pytest.warns(RuntimeWarning, match=r"face method did not certify the pool of 100 "
                      r"atoms: pass pool_max=100"):
        late = hs.and_or(infeasible, q_bound=0.02, max_order=2, selection="vertex",
                         pool_first=0, max_pivots=500)
    cert = late.metadata["certificate"][0]
    assert not cert["optimal"] and cert["stop"] == "max_pivots"
    assert cert["pool"] == {"atoms": 100, "status": "not solved", "method": "face",
                            "says": "the face method did not certify this pool, and a pool "
                                    "above pool_max=50 is not solved whole by HiGHS"}
