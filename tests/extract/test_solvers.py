"""Tests of the AND-OR split solvers against brute force, planted ground truth and each other."""

from __future__ import annotations

import itertools
import tracemalloc

import numpy as np
import pytest
import torch
from scipy.optimize import linprog

import harsanyi as hs
import harsanyi.extract.solvers.fast as fast_solver
import harsanyi.extract.solvers.lp as lp_module
import harsanyi.extract.solvers.sgd as sgd
from harsanyi.core.orders import order_of_masks
from harsanyi.core.transforms import kron_blocked, mobius, zeta
from harsanyi.errors import NonFiniteOutputError, ShapeError
from harsanyi.extract.solvers import SOLVERS, SolverResult, solve
from harsanyi.extract.solvers.base import _least_norm_change, certify, matching_error, polish
from harsanyi.extract.solvers.operators import (
    dictionary_apply,
    dictionary_gram,
    dictionary_transpose,
)
from harsanyi.extract.solvers.sgd import lr_schedule, reward_to_and, reward_to_or

# seeds whose planted game has the planted representation as its unique L1 optimum (checked:
# "exact" and "fast" both return it; seeds 1 and 5 of this generator have ties)
UNIQUE_SEEDS = [0, 2, 3, 4, 6, 7]


def dense_dictionary(n: int) -> tuple[np.ndarray, np.ndarray]:
    """Brute force: AND atoms 1(T⊆S) and OR atoms 1(T∩S≠∅), all T, as dense matrices."""
    s = np.arange(2**n)[:, None]
    t = np.arange(2**n)[None, :]
    return ((t & ~s) == 0).astype(float), ((t & s) != 0).astype(float)


def planted(n: int, seed: int, c0: float = 0.3):
    """A game with 3 AND terms (orders 1-3) and 2 OR terms (orders 2-3) at random sets."""
    rng = np.random.default_rng(seed)
    size = 2**n
    a_true, o_true = np.zeros(size), np.zeros(size)
    a_true[0] = c0
    count_a = count_o = 0
    while count_a < 3:
        t = int(sum(1 << i for i in rng.choice(n, rng.integers(1, 4), replace=False)))
        if a_true[t] == 0 and t:
            a_true[t] = rng.choice([-1, 1]) * rng.uniform(0.5, 2)
            count_a += 1
    while count_o < 2:
        t = int(sum(1 << i for i in rng.choice(n, rng.integers(2, 4), replace=False)))
        if o_true[t] == 0 and a_true[t] == 0:
            o_true[t] = rng.choice([-1, 1]) * rng.uniform(0.5, 2)
            count_o += 1
    z, o = dense_dictionary(n)
    return z @ a_true + o @ o_true, a_true, o_true


def noisy_batch(n: int, seeds, rel: float = 0.02):
    """Planted games plus uniform output noise |ε| ≤ ζ = rel·|v(N) − v(∅)|."""
    games, bounds = [], []
    for seed in seeds:
        v, _, _ = planted(n, seed)
        zeta = rel * abs(v[-1] - v[0])
        games.append(v + np.random.default_rng(100 + seed).uniform(-zeta, zeta, v.shape))
        bounds.append(zeta)
    return np.array(games), np.array(bounds)


def brute_force_lp(v: np.ndarray, zeta: float, kind: str) -> float:
    """The paper form, solved directly: variables γ (free) and q (|q| ≤ ζ),
    min Σ_{S≠∅}|I_and| + Σ_{S≠∅}|I_or| with I_and = M(0.5(v+q)+γ), I_or = M_or(0.5(v+q)−γ)
    (AND-only: I = M(v+q)); |·| through auxiliary t ≥ ±(·). Independent of our formulation."""
    size = v.shape[0]
    m_and = reward_to_and(size.bit_length() - 1).numpy()
    m_or = reward_to_or(size.bit_length() - 1).numpy()
    blocks = [(m_and, 0.5), (m_or, 0.5)] if kind == "and_or" else [(m_and, 1.0)]
    # variables: gamma (size), q (size), t (size per block)
    nv = 2 * size + size * len(blocks)
    rows, rhs = [], []
    for k, (mat, h) in enumerate(blocks):
        g = (1.0 if k == 0 else -1.0) if kind == "and_or" else 0.0
        for sgn in (1.0, -1.0):  # sgn·(mat (h v + h q + g γ)) − t ≤ 0
            block = np.zeros((size, nv))
            block[:, :size] = sgn * g * mat
            block[:, size:2 * size] = sgn * h * mat
            block[:, 2 * size + k * size:2 * size + (k + 1) * size] = -np.eye(size)
            rows.append(block[1:])  # S = ∅ rows are not in the objective
            rhs.append((-sgn * h * (mat @ v))[1:])
    c = np.zeros(nv)
    c[2 * size:] = 1.0
    for k in range(len(blocks)):
        c[2 * size + k * size] = 0.0
    bounds = [(None, None)] * size + [(-zeta, zeta)] * size + [(0, None)] * (nv - 2 * size)
    res = linprog(c, A_ub=np.vstack(rows), b_ub=np.concatenate(rhs), bounds=bounds,
                  method="highs")
    assert res.status == 0
    return float(res.fun)


def check_conventions(values, bound, r: SolverResult) -> None:
    n = values.shape[-1].bit_length() - 1
    singles = [1 << i for i in range(n)]
    assert np.all(r.info["residual"] <= 1e-9)
    assert np.all(matching_error(values, r.and_values, r.or_values, r.q) <= 1e-9)
    assert np.all(np.abs(r.q) <= bound[:, None] + 1e-15)
    assert np.all(r.or_values[:, [0, *singles]] == 0.0)
    np.testing.assert_allclose(r.and_values[:, 0], values[:, 0] + r.q[:, 0], atol=1e-12)
    expected = np.abs(r.and_values[:, 1:]).sum(-1) + np.abs(r.or_values).sum(-1)
    np.testing.assert_allclose(r.objective, expected, rtol=1e-12)


# -- operators ------------------------------------------------------------------------------
def test_dictionary_matches_dense_matrices():
    n = 4
    z, o = dense_dictionary(n)
    o_valid = o * (np.array([bin(t).count("1") for t in range(2**n)]) >= 2)
    rng = np.random.default_rng(0)
    x = rng.normal(size=(3, 2 * 2**n))
    lam = rng.normal(size=(3, 2**n))
    full = np.hstack([z, o_valid])
    for fast in (False, True):
        np.testing.assert_allclose(dictionary_apply(x, fast=fast), x @ full.T, atol=1e-12)
        np.testing.assert_allclose(dictionary_transpose(lam, fast=fast), lam @ full, atol=1e-12)
        np.testing.assert_allclose(dictionary_apply(x[:, :16], "and", fast=fast), x[:, :16] @ z.T,
                                   atol=1e-12)
    np.testing.assert_allclose(dictionary_gram(n), full @ full.T, atol=1e-9)
    xt = torch.from_numpy(x)
    np.testing.assert_allclose(dictionary_apply(xt, fast=True).numpy(), x @ full.T, atol=1e-12)
    big = rng.normal(size=(2, 2**7))  # n = 7: two groups of bits (4 + 3)
    np.testing.assert_allclose(kron_blocked(big, ((1.0, 0.0), (-1.0, 1.0))), mobius(big),
                               atol=1e-12)


# -- exact ----------------------------------------------------------------------------------
@pytest.mark.parametrize("seed", UNIQUE_SEEDS)
def test_exact_recovers_planted_game_without_noise(seed):
    v, a_true, o_true = planted(6, seed)
    r = solve(v, 0.0, solver="exact")
    np.testing.assert_allclose(r.and_values[0], a_true, atol=1e-6)
    np.testing.assert_allclose(r.or_values[0], o_true, atol=1e-6)
    assert r.objective[0] == pytest.approx(np.abs(a_true[1:]).sum() + np.abs(o_true).sum())
    assert r.info["gap"][0] < 1e-7


def test_exact_recovers_planted_game_to_noise_level():
    seeds = UNIQUE_SEEDS[:4]
    values, bound = noisy_batch(6, seeds)
    r = solve(values, bound, solver="exact")
    check_conventions(values, bound, r)
    for b, seed in enumerate(seeds):
        _, a_true, o_true = planted(6, seed)
        err_and = np.abs(r.and_values[b, 1:] - a_true[1:]).max()
        err_or = np.abs(r.or_values[b] - o_true).max()
        assert max(err_and, err_or) <= 4 * bound[b]
        found = np.abs(np.concatenate([r.and_values[b, 1:], r.or_values[b]])) > 4 * bound[b]
        truth = np.concatenate([a_true[1:], o_true]) != 0
        assert np.array_equal(found, truth)
        # q = −ε is feasible with the planted atoms, so the optimum is at most their L1 norm
        assert r.objective[b] <= np.abs(a_true[1:]).sum() + np.abs(o_true).sum() + 1e-9


@pytest.mark.parametrize("kind", ["and_or", "and"])
def test_exact_equals_independent_brute_force_lp(kind):
    rng = np.random.default_rng(3)
    values = rng.normal(size=(3, 8))
    values[1] = planted(3, 0)[0]
    bound = np.array([0.0, 0.05, 0.3])
    r = solve(values, bound, solver="exact", kind=kind)
    check_conventions(values, bound, r)
    for b in range(3):
        assert r.objective[b] == pytest.approx(brute_force_lp(values[b], bound[b], kind),
                                               rel=1e-7, abs=1e-9)


def test_and_kind_optimality_conditions_and_zero_bound():
    rng = np.random.default_rng(4)
    values = rng.normal(size=(4, 16))
    bound = np.array([0.0, 0.01, 0.1, 1.0])
    for solver in ("exact", "fast"):
        r = solve(values, bound, solver=solver, kind="and")
        check_conventions(values, bound, r)
        assert np.all(r.or_values == 0)
        np.testing.assert_allclose(r.and_values[0], mobius(values[0]), atol=1e-12)  # ζ = 0
        np.testing.assert_allclose(r.and_values, mobius(values + r.q), atol=1e-9)
        for b in range(1, 4):
            assert r.objective[b] == pytest.approx(brute_force_lp(values[b], bound[b], "and"),
                                                   rel=1e-7)


def test_exact_refuses_too_many_players():
    with pytest.raises(ValueError, match="solver='fast'"):
        solve(np.zeros((1, 2**11)), 0.0, solver="exact")


# -- fast -----------------------------------------------------------------------------------
def test_fast_equals_exact_on_noisy_and_dense_games():
    values, bound = noisy_batch(8, [0, 1, 2, 3])
    rng = np.random.default_rng(7)
    x = rng.normal(size=(2, 8))  # two smooth non-sparse games: a small random MLP of 8 inputs
    masks = (np.arange(256)[:, None] >> np.arange(8)) & 1
    w1, w2 = rng.normal(size=(8, 16)), rng.normal(size=(16,))
    mlp = np.array([np.tanh((masks * xi) @ w1) @ w2 for xi in x])
    values = np.vstack([values, mlp])
    bound = np.concatenate([bound, 0.02 * np.abs(mlp[:, -1] - mlp[:, 0])])
    exact = solve(values, bound, solver="exact")
    fast = solve(values, bound, solver="fast")
    check_conventions(values, bound, fast)
    assert np.all(fast.objective <= exact.objective * 1.01)
    np.testing.assert_allclose(fast.objective, exact.objective, rtol=1e-6)
    assert np.all(fast.info["gap"] < 1e-6)
    lower, _ = certify(values, bound, np.hstack([exact.and_values, exact.or_values]),
                       np.zeros_like(values))
    assert np.all(lower <= fast.objective + 1e-9)  # the trivial dual bound is a lower bound


@pytest.mark.parametrize("seed", UNIQUE_SEEDS[:3])
def test_fast_recovers_planted_game_without_noise(seed):
    v, a_true, o_true = planted(6, seed)
    r = solve(v, 0.0, solver="fast")
    np.testing.assert_allclose(r.and_values[0], a_true, atol=1e-6)
    np.testing.assert_allclose(r.or_values[0], o_true, atol=1e-6)


def test_batching_invariance():
    values, bound = noisy_batch(6, UNIQUE_SEEDS[:4])
    for solver, tol in (("exact", 1e-8), ("fast", 1e-7)):
        batch = solve(values, bound, solver=solver)
        alone = solve(values[2:3], bound[2:3], solver=solver)
        np.testing.assert_allclose(alone.and_values[0], batch.and_values[2], atol=tol)
        np.testing.assert_allclose(alone.or_values[0], batch.or_values[2], atol=tol)
        np.testing.assert_allclose(alone.q[0], batch.q[2], atol=tol)
        assert alone.objective[0] == pytest.approx(batch.objective[2], rel=1e-9)


def test_warm_start_reaches_same_optimum_with_fewer_iterations():
    values, bound = noisy_batch(8, [0, 2, 3])
    first = solve(values, bound)
    # the next checkpoint: the game drifts a little (a smooth change plus a little noise)
    drift = np.random.default_rng(5).normal(scale=0.01, size=values.shape) * bound[:, None]
    later = 1.01 * values + 0.05 * np.sin(np.arange(values.shape[1])) * bound[:, None] + drift
    bound = 0.02 * np.abs(later[:, -1] - later[:, 0])
    cold = solve(later, bound)
    warm = solve(later, bound, warm_start=first)
    check_conventions(later, bound, warm)
    np.testing.assert_allclose(warm.objective, cold.objective, rtol=1e-7)
    assert np.all(warm.info["warm_used"]) and not np.any(cold.info["warm_used"])
    assert np.all(warm.info["iterations"] < cold.info["iterations"])
    assert np.all(warm.info["admm_iterations"] == 0) and np.all(cold.info["admm_iterations"] > 0)
    # a solution that no longer fits the game is not used as the guess
    far = solve(np.roll(later, 1, 0), np.roll(bound, 1), warm_start=first)
    assert not np.any(far.info["warm_used"])
    np.testing.assert_allclose(far.objective, np.roll(cold.objective, 1), rtol=1e-7)


def test_fast_solves_dense_games_as_a_whole():
    """v(N) = v(∅) makes ζ = 0: nearly every atom is needed, so "fast" skips the restriction
    and solves the full LP (the demo game where the restricted simplex crawled was like this)."""
    values = np.random.default_rng(3).normal(size=(1, 2**7))  # noise: no sparse structure
    values[:, -1] = values[:, 0]
    bound = 0.02 * np.abs(values[:, -1] - values[:, 0])
    fast = solve(values, bound, solver="fast")
    exact = solve(values, bound, solver="exact")
    assert bound[0] == 0.0 and fast.info["fallback"][0] and fast.info["rounds"][0] == 0
    np.testing.assert_allclose(fast.objective, exact.objective, rtol=1e-9)
    check_conventions(values, bound, fast)


def test_a_dense_first_guess_gets_more_admm_iterations(monkeypatch):
    """Above the dense-projector size, a sample whose first ADMM guess spans at least
    DENSE_GUESS of the rows runs DENSE_EXTRA_ITERS more iterations; a sparse one does not, and
    both end at the certified optimum. The size threshold is lowered so that n = 8 counts."""
    monkeypatch.setattr(fast_solver, "DENSE_PROJECTOR_MAX", 6)
    n = 8
    masks = (np.arange(2**n)[:, None] >> np.arange(n)) & 1
    rng = np.random.default_rng(0)
    dense = np.tanh(masks @ rng.normal(size=n) + 0.3 * (masks[:, :6] @ rng.normal(size=6))**2)
    planted = 2.0 * masks[:, 0] * masks[:, 1] + 1.0 * (masks[:, 2] | masks[:, 3])
    values = np.stack([dense, planted.astype(float)])
    bound = 0.02 * np.abs(values[:, -1] - values[:, 0])
    fast = solve(values, bound, solver="fast")
    assert fast.info["admm_iterations"].tolist() == [100 + fast_solver.DENSE_EXTRA_ITERS, 100]
    exact = solve(values, bound, solver="exact")
    np.testing.assert_allclose(fast.objective, exact.objective, rtol=1e-9)
    assert np.all(fast.info["gap"] < 1e-8)
    explicit = solve(values, bound, solver="fast", admm_iters=100)  # an explicit count is kept
    assert explicit.info["admm_iterations"].tolist() == [100, 100]


def test_without_a_full_lp_to_fall_back_to_generation_gets_more_rounds(monkeypatch):
    """Up to FULL_LP_MAX_PLAYERS the generation stops after MAX_ROUNDS (the full LP follows);
    above, after MAX_ROUNDS_NO_FULL_LP (a stop there leaves the sample uncertified); an
    explicit count is kept. The limits are resolved by ``generate`` itself, so a direct call
    gets the same. The size threshold is lowered so that n = 8 counts, and MAX_ROUNDS is 1 (this
    game takes 7 rounds)."""
    values, bound = noisy_batch(8, [0])
    rounds = []
    real = fast_solver.generate

    def spy(*args, **kw):
        out = real(*args, **kw)
        rounds.append((out[2]["rounds"], out[2]["fallback"]))
        return out

    monkeypatch.setattr(fast_solver, "generate", spy)
    monkeypatch.setattr(fast_solver, "MAX_ROUNDS", 1)
    below = solve(values, bound, solver="fast")
    monkeypatch.setattr(fast_solver, "FULL_LP_MAX_PLAYERS", 7)
    above = solve(values, bound, solver="fast")
    solve(values, bound, solver="fast", max_rounds=2)
    assert rounds[0] == (1, True)  # one round, then the full LP
    assert rounds[1][0] > 2 and not rounds[1][1]
    assert rounds[2][0] == 2
    assert below.info["converged"].all() and above.info["converged"].all()
    np.testing.assert_allclose(above.objective, below.objective, rtol=1e-9)
    monkeypatch.setattr(fast_solver, "MAX_ROUNDS_NO_FULL_LP", 3)
    v = (values[0] - values[0, 0]) / np.abs(values[0] - values[0, 0]).max()
    cand = {"atoms": np.array([0]), "rows": np.array([0]), "atom_sign": {}, "row_sign": {}}
    *_, direct = real(v, 0.02, "and_or", cand, lp_module.highs_core())
    assert direct["rounds"] == 3 and direct["stopped"]


def test_fast_falls_back_to_the_full_lp_past_its_pivot_budget(monkeypatch):
    from harsanyi.extract.solvers import lp as lp_module

    values, bound = noisy_batch(7, [0, 2])
    normal = solve(values, bound, solver="fast")
    seen = []
    real_solve = lp_module.RestrictedLP.solve

    def slow_solve(self, method="simplex", max_pivots=None, **kw):
        out = real_solve(self, method, max_pivots, **kw)
        seen.append(self.h.getOptionValue("simplex_iteration_limit")[1])
        return {**out, "status": "Iteration limit reached"}

    monkeypatch.setattr(lp_module.RestrictedLP, "solve", slow_solve)
    timed_out = solve(values, bound, solver="fast", max_pivots=70)
    assert seen and all(0 < t <= 70 for t in seen)  # HiGHS got the remaining pivots
    assert np.all(timed_out.info["fallback"]) and not np.any(normal.info["fallback"])
    np.testing.assert_allclose(timed_out.objective, normal.objective, rtol=1e-7)
    check_conventions(values, bound, timed_out)


def test_generation_adds_atoms_with_primal_and_rows_with_dual_simplex(monkeypatch):
    """Each round adds one kind and re-solves with the simplex that keeps the old basis
    feasible: primal after new atoms (columns), dual after new rows."""
    from harsanyi.extract.solvers import lp as lp_module

    logs: list[list[str]] = []  # one per restricted LP
    cls = lp_module.RestrictedLP
    real = {name: getattr(cls, name) for name in ("__init__", "add_rows", "add_cols", "solve")}

    def spy(name):
        def method(self, *args, **kw):
            if name == "__init__":
                logs.append([])
            else:
                logs[-1].append(kw.get("simplex", "dual") if name == "solve" else name)
            return real[name](self, *args, **kw)
        return method

    for name in real:
        monkeypatch.setattr(cls, name, spy(name))
    values, bound = noisy_batch(7, [0, 2, 3])
    fast = solve(values, bound, solver="fast")
    monkeypatch.undo()
    np.testing.assert_allclose(fast.objective, solve(values, bound, solver="exact").objective,
                               rtol=1e-7)
    pairs = [(a, b) for log in logs for a, b in itertools.pairwise(log[3:])
             if b in ("primal", "dual")]  # after the candidates' add_rows, add_cols, solve
    assert {a for a, _ in pairs} == {"add_rows", "add_cols"}
    assert all((a == "add_cols") == (b == "primal") for a, b in pairs)
    with pytest.raises(ValueError, match="simplex must be one of"):
        cls(values[0], float(bound[0]), "and_or", lp_module.highs_core()).solve(simplex="barrier")


def test_fast_runs_on_torch_device_option():
    values, bound = noisy_batch(5, [0])
    r = solve(values, bound, device="cpu", admm_iters=50)
    check_conventions(values, bound, r)


# -- sgd ------------------------------------------------------------------------------------
def test_sgd_schedule_and_decreasing_objective():
    eta = lr_schedule(1e-5, 1000)
    assert eta[0] == pytest.approx(1e-5) and eta[-1] == pytest.approx(1e-6)
    np.testing.assert_allclose(np.diff(np.log10(eta)), -1 / 999)
    values, bound = noisy_batch(6, [0, 2])
    r = solve(values, bound, solver="sgd", niter=400, lr=1e-3, backend="transform")
    check_conventions(values, bound, r)
    loss = r.info["loss"]
    assert loss.shape == (21, 2) and np.all(loss[-1] < 0.8 * loss[0])
    start = solve(values, bound, solver="sgd", niter=1)  # p = q = 0: plain Möbius split
    assert np.all(r.objective < start.objective)
    np.testing.assert_allclose(r.info["lr"], lr_schedule(1e-3, 400))


@pytest.mark.parametrize("kind", ["and_or", "and"])
def test_sgd_dense_backend_equals_transform_backend(kind):
    values, bound = noisy_batch(4, [0, 3])
    dense = solve(values, bound, solver="sgd", kind=kind, niter=60, lr=1e-3, backend="dense")
    fast = solve(values, bound, solver="sgd", kind=kind, niter=60, lr=1e-3, backend="transform")
    np.testing.assert_allclose(dense.and_values, fast.and_values, atol=1e-9)
    np.testing.assert_allclose(dense.q, fast.q, atol=1e-12)
    check_conventions(values, bound, dense)


def test_sgd_auto_backend_builds_no_dense_matrix_above_its_threshold(monkeypatch):
    values, bound = noisy_batch(4, [0, 3])
    dense = solve(values, bound, solver="sgd", niter=30, lr=1e-3)  # n = 4: the original's way

    def refuse(n):
        raise AssertionError("a dense 2**n x 2**n matrix was built")

    monkeypatch.setattr(sgd, "DENSE_SGD_MAX", 3)
    monkeypatch.setattr(sgd, "reward_to_and", refuse)
    auto = solve(values, bound, solver="sgd", niter=30, lr=1e-3)
    np.testing.assert_allclose(auto.and_values, dense.and_values, atol=1e-9)


def test_sgd_is_not_better_than_the_optimum():
    values, bound = noisy_batch(5, [0, 2])
    exact = solve(values, bound, solver="exact")
    sgd = solve(values, bound, solver="sgd", niter=300, lr=1e-3, backend="transform")
    assert np.all(sgd.objective >= exact.objective * (1 - 1e-9))


# -- conventions and errors -------------------------------------------------------------------
@pytest.mark.parametrize("solver", sorted(SOLVERS))
def test_conventions_every_solver(solver):
    values, bound = noisy_batch(5, [0, 1, 2])
    opts = {"niter": 50, "backend": "transform"} if solver == "sgd" else {}
    r = solve(values, bound, solver=solver, **opts)
    assert r.and_values.shape == r.or_values.shape == r.q.shape == values.shape
    assert r.objective.shape == (3,) and r.info["solver"] == solver
    check_conventions(values, bound, r)
    one = solve(values[0], bound[0], solver=solver, **opts)  # a single game, 1-D
    assert one.and_values.shape == (1, 32)


def test_no_players_and_constant_games():
    r = solve(np.array([[2.5]]), 0.0)
    assert r.and_values.tolist() == [[2.5]] and r.objective.tolist() == [0.0]
    r = solve(np.full((2, 8), 1.5), 0.1)
    np.testing.assert_allclose(r.and_values[:, 0], 1.5)
    assert np.all(r.objective == 0)


def test_errors():
    good = np.zeros((2, 8))
    with pytest.raises(ValueError, match="unknown solver 'lbfgs'"):
        solve(good, 0.0, solver="lbfgs")
    with pytest.raises(ValueError, match="kind must be one of"):
        solve(good, 0.0, kind="xor")
    with pytest.raises(ValueError, match="must be finite and >= 0"):
        solve(good, -0.1)
    with pytest.raises(ShapeError, match="one ζ per sample"):
        solve(good, np.zeros(3))
    with pytest.raises(ShapeError, match=r"shape \(B, 2\*\*n\)"):
        solve(np.zeros((2, 2, 8)), 0.0)
    with pytest.raises(ShapeError, match="2\\*\\*n"):
        solve(np.zeros((2, 6)), 0.0)
    bad = good.copy()
    bad[1, 3] = np.nan
    with pytest.raises(NonFiniteOutputError, match="1 NaN or inf"):
        solve(bad, 0.0)
    warm = SolverResult(np.zeros((1, 8)), np.zeros((1, 8)), np.zeros((1, 8)), np.zeros(1))
    with pytest.raises(ShapeError, match="warm_start must hold arrays of shape"):
        solve(good, 0.0, warm_start=warm)
    with pytest.raises(ValueError, match="backend must be"):
        solve(good, 0.0, solver="sgd", backend="gpu")


def test_fast_above_the_full_lp_limit_returns_the_restricted_optimum(monkeypatch):
    """Past its limits "fast" falls back to the full LP only up to FULL_LP_MAX_PLAYERS; above,
    the full LP is never built (n = 16 needed 32 GiB) and the last restricted optimum comes back
    uncertified (converged False)."""
    rng = np.random.default_rng(0)
    v = rng.normal(size=(1, 2**10))  # noise: generation needs more than one round
    bound = 0.02 * np.abs(v[:, -1] - v[:, 0])
    kept = solve(v, bound, "fast", max_rounds=1)
    assert kept.info["fallback"][0] and kept.info["converged"][0] and kept.info["gap"][0] < 1e-7

    def refuse(*args, **kwargs):
        raise AssertionError("the full LP must not be built above FULL_LP_MAX_PLAYERS")

    monkeypatch.setattr(fast_solver, "FULL_LP_MAX_PLAYERS", 9)
    monkeypatch.setattr(fast_solver, "solve_full_lp", refuse)
    stopped = solve(v, bound, "fast", max_rounds=1)
    assert not stopped.info["fallback"][0] and not stopped.info["converged"][0]
    assert stopped.info["rounds"][0] == 1


def test_and_or_warns_when_a_sample_is_left_uncertified(monkeypatch):
    monkeypatch.setattr(fast_solver, "FULL_LP_MAX_PLAYERS", 9)
    game = hs.Game(np.random.default_rng(0).normal(size=2**10))
    with pytest.warns(RuntimeWarning, match="1 of 1 sample.*without a certificate"):
        res = hs.and_or(game, q_bound=0.02, max_rounds=1)
    assert not res.metadata["solver_info"]["converged"][0]


def test_fast_with_a_zero_bound_above_the_full_lp_limit_uses_generation(monkeypatch):
    """ζ = 0 goes to the full LP only where it can be built; above FULL_LP_MAX_PLAYERS the
    sample runs ADMM and row/column generation like any other and reaches the same optimum."""
    rng = np.random.default_rng(3)
    and_x = np.zeros(2**10)
    and_x[rng.choice(np.arange(1, 2**10), 6, replace=False)] = rng.uniform(0.5, 2.0, 6)
    v = zeta(and_x)[None, :]  # a pure AND game: v = Σ_{T⊆S} I(T)
    oracle = solve(v, np.zeros(1), "exact")

    def refuse(*args, **kwargs):
        raise AssertionError("the full LP must not be built above FULL_LP_MAX_PLAYERS")

    monkeypatch.setattr(fast_solver, "FULL_LP_MAX_PLAYERS", 9)
    monkeypatch.setattr(fast_solver, "solve_full_lp", refuse)
    res = solve(v, np.zeros(1), "fast")
    assert not res.info["fallback"][0] and res.info["admm_iterations"][0] > 0
    assert res.info["converged"][0] and res.info["gap"][0] < 1e-7
    assert res.objective[0] == pytest.approx(oracle.objective[0], rel=1e-7)


def test_the_full_lp_matrix_is_built_sparse():
    """The full LP's matrix has 2·3^n + OR nonzeros and is built without a dense 2^n x 2^n
    array (the old construction peaked at 150 MiB at n = 12, a 32 GiB MemoryError at n = 16)."""
    n = 12
    or_cols = np.flatnonzero(order_of_masks(n) >= 2)
    tracemalloc.start()
    try:
        block = lp_module._full_block(n, or_cols)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 80 * 2**20
    masks = np.arange(2**n)
    rows = np.random.default_rng(0).choice(masks, 40, replace=False)
    dense = block[rows].toarray()
    subset = ((masks[None, :] & ~rows[:, None]) == 0).astype(float)
    disjoint = ((or_cols[None, :] & rows[:, None]) == 0).astype(float)
    assert np.array_equal(dense, np.hstack([subset, -subset, -disjoint, disjoint]))


def test_the_polish_moves_rows_onto_the_box_by_the_least_norm_change():
    """``polish``'s step: the least-norm ``δ`` with ``C δ = r``, through the rows' Gram
    matrix, equals the SVD's least-squares solution, also with dependent (repeated) rows; and
    a split a solver left past the box is moved back onto it."""
    rng = np.random.default_rng(0)
    cols = (rng.random((40, 120)) < 0.3).astype(float)
    cols = np.vstack([cols, cols[:5]])  # dependent rows, as tight rows of 0/1 games are
    change = cols @ rng.normal(size=120)  # consistent
    ours = _least_norm_change(cols, change)
    np.testing.assert_allclose(ours, np.linalg.lstsq(cols, change, rcond=None)[0], atol=1e-10)
    np.testing.assert_allclose(cols @ ours, change, atol=1e-10)
    v = rng.normal(size=2**5)
    r = solve(v[None], np.array([0.1]), solver="exact")
    x = np.concatenate([r.and_values[0], r.or_values[0]])
    x[0] -= v[0]  # in the solver's units, v(∅) = 0
    v0 = v - v[0]
    x[np.flatnonzero(x)[1:4]] *= 1 + 1e-6  # a solver's tolerance: some rows past the box
    past = np.abs(dictionary_apply(x) - v0) - 0.1
    assert past.max() > 1e-9
    fixed = polish(v0, 0.1, x, "and_or")
    assert (np.abs(dictionary_apply(fixed) - v0) - 0.1).max() <= 1e-12 * max(1.0, np.abs(v0).max())
    assert set(np.flatnonzero(fixed)) <= set(np.flatnonzero(x)) | {0}
