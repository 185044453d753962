"""Tests of the canonical split: uniqueness, continuity, near-optimality, sparsity, vertex mode."""

from __future__ import annotations

import warnings

import clarabel
import numpy as np
import pytest
import scipy.linalg as sla
import scipy.sparse as sp
import torch

import harsanyi as hs
import harsanyi.extract.solvers.canonical as canonical_module
import harsanyi.extract.solvers.dense_qp as dense_qp
import harsanyi.extract.solvers.selection as selection_module
from harsanyi.core.orders import masks_matrix
from harsanyi.errors import ShapeError
from harsanyi.extract.solvers import solve
from harsanyi.extract.solvers.base import _atom_columns
from harsanyi.extract.solvers.canonical import select_canonical
from harsanyi.extract.solvers.gram import atom_gram
from harsanyi.extract.solvers.operators import dictionary_apply, or_mask, weights
from harsanyi.extract.solvers.selection import Hessians, selection_gradient, solve_selection_qp
from harsanyi.zoo.synthetic import box_noise_planted_games, noisy_planted_games


def mlp_games(n: int, count: int, seed: int = 0, dtype: torch.dtype = torch.float64
              ) -> np.ndarray:
    """Games of a random (untrained, so dense in interactions) ReLU MLP on n inputs, computed
    in ``dtype`` (float32 outputs carry rounding of ~1e-7)."""
    torch.manual_seed(seed)
    net = torch.nn.Sequential(torch.nn.Linear(n, 32), torch.nn.ReLU(), torch.nn.Linear(32, 1))
    x = torch.randn(count, n, dtype=dtype)
    masks = torch.as_tensor(masks_matrix(n), dtype=dtype)
    with torch.no_grad():
        return net.to(dtype)(x[:, None, :] * masks[None]).squeeze(-1).double().numpy()


GAMES = {"planted": noisy_planted_games(6, 4), "mlp": mlp_games(6, 4)}


def bounds(games: np.ndarray, rel: float = 0.02) -> np.ndarray:
    return rel * np.abs(games[:, -1] - games[:, 0])


def pooled(r) -> np.ndarray:
    return np.concatenate([r.and_values[..., 1:], r.or_values], -1)


def canonical(games: np.ndarray, **kw) -> hs.Interactions:
    return hs.and_or(games, q_bound=0.02, **{"selection": "canonical", **kw})


@pytest.fixture(scope="module")
def results():
    return {name: canonical(g) for name, g in GAMES.items()}


def brute_force_selection(v: np.ndarray, zeta: float, opt: float, eps: float) -> np.ndarray:
    """The selection problem on the dense dictionary, through Clarabel directly:
    min ‖γ‖² + ‖q‖²/ζ² with γ = ½ A D x, q = A x − v, s.t. |q| ≤ ζ, ‖x‖_w1 ≤ (1+ε)·OPT."""
    size = v.shape[0]
    n = size.bit_length() - 1
    atoms = np.concatenate([np.arange(size), size + np.flatnonzero(or_mask(n))])
    a = _atom_columns(atoms, np.arange(size), size)
    d = np.where(atoms < size, 1.0, -1.0)
    g = 0.5 * a * d[None, :]
    k = len(atoms)
    p = 2 * (g.T @ g + a.T @ a / zeta**2)
    c = -2 * a.T @ v / zeta**2
    w = weights(n)[atoms]
    lw = np.flatnonzero(w > 0)
    e = np.eye(k)[lw]
    mat = np.block([[e, -np.eye(len(lw))], [-e, -np.eye(len(lw))],
                    [np.zeros((1, k)), w[lw][None, :]],
                    [a, np.zeros((size, len(lw)))], [-a, np.zeros((size, len(lw)))]])
    rhs = np.concatenate([np.zeros(2 * len(lw)), [(1 + eps) * opt], v + zeta, zeta - v])
    hess = sp.csc_matrix(np.triu(np.block([[p, np.zeros((k, len(lw)))],
                                           [np.zeros((len(lw), k + len(lw)))]])))
    st = clarabel.DefaultSettings()
    st.verbose = False
    for key in ("tol_gap_abs", "tol_gap_rel", "tol_feas"):
        setattr(st, key, 1e-10)
    sol = clarabel.DefaultSolver(hess, np.concatenate([c, np.zeros(len(lw))]),
                                 sp.csc_matrix(mat), rhs,
                                 [clarabel.NonnegativeConeT(mat.shape[0])], st).solve()
    x = np.zeros(2 * size)
    x[atoms] = np.asarray(sol.x)[:k]
    return x


def test_atom_gram_and_gradient_match_dense_formulas():
    n, size = 4, 16
    rng = np.random.default_rng(0)
    atoms = np.sort(rng.choice(np.concatenate([np.arange(size),
                                               size + np.flatnonzero(or_mask(n))]), 12, False))
    a = _atom_columns(atoms, np.arange(size), size)
    np.testing.assert_array_equal(atom_gram(atoms, n), a.T @ a)
    np.testing.assert_array_equal(atom_gram(atoms[:5], n, atoms[3:]), a[:, :5].T @ a[:, 3:])
    hess = Hessians(rng.normal(size=size), 0.3, "and_or")  # grown block by block, any order
    for part in (atoms[:4], atoms[2:9], atoms[::-1], atoms[5:]):
        np.testing.assert_array_equal(hess.p_c(part)[0],
                                      0.5 * 0.09 * (atom_gram(part, n) * np.outer(
                                          *(2 * [np.where(part < size, 1.0, -1.0)])))
                                      + 2.0 * atom_gram(part, n))
    x = np.zeros(2 * size)
    x[atoms] = rng.normal(size=len(atoms))
    v, z = rng.normal(size=size), 0.3
    full = np.concatenate([np.arange(size), size + np.flatnonzero(or_mask(n))])
    af = _atom_columns(full, np.arange(size), size)
    d = np.where(full < size, 1.0, -1.0)
    f = lambda y: z**2 * np.sum((0.5 * af @ (d * y)) ** 2) + np.sum((af @ y - v) ** 2)  # noqa: E731
    y = x[full]
    num = np.array([(f(y + 1e-6 * e) - f(y - 1e-6 * e)) / 2e-6 for e in np.eye(len(full))])
    np.testing.assert_allclose(selection_gradient(x, v, z)[full], num, atol=1e-6)


@pytest.mark.parametrize("name", sorted(GAMES))
def test_equals_brute_force_selection_and_is_certified(name, results):
    games, r = GAMES[name], results[name]
    info = r.metadata["solver_info"]
    assert info["polished"].all() and info["kkt"].max() < 1e-7
    vn = games - games[:, :1]
    scale = np.abs(vn).max(-1)
    d = np.concatenate([np.ones(2**6), -np.ones(2**6)])
    for b in range(2):
        v, z = vn[b] / scale[b], bounds(games)[b] / scale[b]
        brute = brute_force_selection(v, z, r.metadata["lp_optimum"][b] / scale[b], 0.01)
        ours = np.concatenate([r.and_values[b], r.or_values[b]]) / scale[b]
        ours[0] = (r.and_values[b, 0] - games[b, 0]) / scale[b]
        np.testing.assert_allclose(ours, brute, atol=2e-3)  # the interior point's accuracy

        def f(x, v=v, z=z):
            return (np.sum((0.5 * dictionary_apply(d * x)) ** 2)
                    + np.sum((dictionary_apply(x) - v) ** 2) / z**2)

        assert f(ours) <= f(brute) * (1 + 1e-9)  # ours is the exact KKT point: never worse


@pytest.mark.parametrize("name", sorted(GAMES))
def test_near_optimal_against_the_exact_lp(name, results):
    games, r = GAMES[name], results[name]
    exact = solve(games, bounds(games), solver="exact").objective
    np.testing.assert_allclose(r.metadata["lp_optimum"], exact, rtol=1e-7)
    assert np.all(r.objective <= 1.01 * exact * (1 + 1e-9))
    assert np.all(r.objective >= exact * (1 - 1e-9))
    assert np.all(r.residual < 1e-9)
    assert np.all(np.abs(r.q) <= r.bound[:, None] * (1 + 1e-12))


def test_unique_whatever_the_batch_warm_start_and_workers(results):
    games = np.concatenate([GAMES["planted"], GAMES["mlp"]])
    ref = pooled(canonical(games))
    scale = np.abs(ref).max(-1, keepdims=True)
    perm = np.random.default_rng(1).permutation(len(games))
    permuted = pooled(canonical(games[perm]))[np.argsort(perm)]
    halves = np.concatenate([pooled(canonical(games[:3], threads=2)),  # a "second worker"
                             pooled(canonical(games[3:]))])
    other = canonical(games * 1.001 + 0.01)  # a warm start from other games
    warm = pooled(canonical(games, warm_start=other))
    exact_vertex = pooled(canonical(games, solver="exact"))  # another LP path, another vertex
    for alt in (permuted, halves, warm, exact_vertex):
        assert np.max(np.abs(alt - ref) / scale) < 1e-9


def test_a_warm_start_seeds_the_selection_and_saves_its_rounds(monkeypatch):
    # dense games (white noise, like an over-fitted network's) whose supports barely move
    rng = np.random.default_rng(0)
    games = rng.standard_normal((4, 2**7))
    near = games + 1e-2 * rng.standard_normal(games.shape)  # the "previous checkpoint"
    cold = canonical(games)
    warm = canonical(games, warm_start=canonical(near))
    ci, wi = cold.metadata["solver_info"], warm.metadata["solver_info"]
    assert wi["seeded"].all() and not ci["seeded"].any()
    assert np.all(wi["selection_rounds"] < ci["selection_rounds"])  # 1-2 rounds instead of 2-3
    assert np.all(wi["qp_iterations"] < ci["qp_iterations"])
    assert not wi["warm_used"].any()  # the LP starts cold: a canonical support is a poor basis
    scale = np.abs(pooled(cold)).max(-1, keepdims=True)
    assert np.max(np.abs(pooled(warm) - pooled(cold)) / scale) < 1e-9
    # a sparse split of other games holds too little of each vertex's support: no seed
    far = canonical(games, warm_start=canonical(noisy_planted_games(7, 4)))
    assert not far.metadata["solver_info"]["seeded"].any()
    assert np.max(np.abs(pooled(far) - pooled(cold)) / scale) < 1e-9
    # a seed without noise at its bound (q = 0 everywhere) seeds atoms only: the same answer
    flat = solve(games, bounds(games))
    prev = canonical(near)
    quiet = type(flat)(prev.and_values, prev.or_values, np.zeros_like(prev.q), prev.objective, {})
    again = select_canonical(games, bounds(games), "and_or", flat, 0.01, warm_start=quiet)
    assert again.info["seeded"].all()
    assert np.max(np.abs(pooled(again) - pooled(cold)) / scale) < 1e-9
    with pytest.raises(ShapeError, match="warm_start must hold arrays of shape"):
        select_canonical(games[:2], bounds(games[:2]), "and_or", solve(games[:2], bounds(
            games[:2])), 0.01, warm_start=quiet)  # four games' split for two games
    # a split that nearly fits (here: the game's own) seeds even where its support covers
    # less than SEED_OVERLAP of the vertex's, as on the over-fitted n = 12 checkpoints
    monkeypatch.setattr(canonical_module, "SEED_OVERLAP", 2.0)  # the coverage rule off
    sparse = GAMES["mlp"]
    own = canonical(sparse, warm_start=canonical(sparse)).metadata["solver_info"]
    assert own["seeded"].all()
    assert not canonical(games, warm_start=canonical(near)).metadata["solver_info"][
        "seeded"].all()  # moved by ~ζ: some games only through the coverage rule
    monkeypatch.undo()
    # the vertex keeps taking a warm start as its LP's guess where it nearly fits
    vertex = hs.and_or(games, q_bound=0.02, selection="vertex")
    assert hs.and_or(games, q_bound=0.02, selection="vertex",
                     warm_start=vertex).metadata["solver_info"]["warm_used"].all()


@pytest.mark.parametrize("name", sorted(GAMES))
def test_continuous_under_tiny_perturbations(name, results):
    games, r = GAMES[name], results[name]
    rng = np.random.default_rng(7)
    noise = 1e-6 * np.abs(games[:, -1:] - games[:, :1]) * rng.standard_normal(games.shape)
    rp = canonical(games + noise)
    a, b = pooled(r), pooled(rp)
    assert np.abs(b - a).sum() / np.abs(a).sum() <= 1e-2
    for i in range(len(games)):
        order = np.argsort(-np.abs(a[i]), kind="stable")
        if abs(a[i, order[19]]) > 1.01 * abs(a[i, order[20]]):
            top_b = set(np.argsort(-np.abs(b[i]), kind="stable")[:20])
            assert set(order[:20]) == top_b


def salient(p: np.ndarray) -> np.ndarray:
    return (np.abs(p) >= 0.05 * np.abs(p).max(-1, keepdims=True)).sum(-1)


def test_as_sparse_as_a_vertex_within_25_percent(results):
    ratios = []
    for name, games in GAMES.items():
        vertex = canonical(games, selection="vertex")
        ratios += list(salient(pooled(results[name])) / salient(pooled(vertex)))
    assert np.median(ratios) <= 1.25


def test_vertex_mode_reproduces_the_lp_solver():
    games = GAMES["planted"]
    r = canonical(games, selection="vertex")
    raw = solve(games, bounds(games), solver="fast")
    np.testing.assert_array_equal(r.objective, raw.objective)
    np.testing.assert_array_equal(r.and_values, raw.and_values)
    assert r.metadata["selection"] == "vertex" and r.metadata["epsilon"] == 0.0
    assert r.metadata["lp_optimum"] == raw.objective.tolist()


def test_zero_bound_and_epsilon_zero_and_metadata():
    v = np.array([0.0, 1.0, 1.0, 1.0])  # x0 OR x1, q = 0
    r = hs.and_or(v, q_bound=0.0)  # the default "auto": the canonical split at n <= 12
    assert r.metadata["selection"] == "canonical" and r.metadata["epsilon"] == 0.01
    assert abs(float(r.objective) - 1.01) < 1e-9
    r = hs.and_or(v, q_bound=0.0, epsilon=0.0, selection="canonical")
    assert r.metadata["selection"] == "canonical" and r.metadata["lp_optimum"] == 1.0
    np.testing.assert_allclose(r.or_values[3], 1.0, atol=1e-9)
    r = hs.and_or(v, q_bound=0.0, epsilon=0.5, selection="canonical")
    assert abs(float(r.objective) - 1.5) < 1e-9 and float(r.residual) < 1e-12
    sgd = hs.and_or(v, q_bound=0.0, solver="sgd", niter=10)
    assert sgd.metadata["selection"] is None


@pytest.mark.parametrize("bad", [-0.1, float("nan"), float("inf"), "0.01", True])
def test_bad_epsilon(bad):
    with pytest.raises(ValueError, match="epsilon must be a finite number >= 0"):
        hs.and_or([0.0, 1.0], epsilon=bad)


def test_unknown_selection_lists_the_valid_ones():
    with pytest.raises(ValueError, match=r"choose one of \('auto', 'canonical', 'vertex'\)"):
        hs.and_or([0.0, 1.0], selection="centre")


def test_select_canonical_keeps_a_feasible_point_inside_the_box():
    games = GAMES["mlp"][:2]
    r = select_canonical(games, bounds(games), "and_or", solve(games, bounds(games)), 0.05)
    fit = dictionary_apply(np.concatenate([r.and_values, r.or_values], -1))
    assert np.all(np.abs(fit - games) <= bounds(games)[:, None] * (1 + 1e-9))
    assert np.all(r.objective <= 1.05 * r.info["lp_optimum"] * (1 + 1e-9))


@pytest.fixture(scope="module")
def ill_conditioned():
    # the first planted game of benchmarks/extraction.py: ~300 tiny atoms in its canonical
    # support, restricted QPs with cond(P) ~ 1e12
    game = box_noise_planted_games(10, 1)
    return game, canonical(game)


def test_continuous_where_the_restricted_qps_are_ill_conditioned(ill_conditioned):
    """The interior point used to stop three iterations after its residuals first rose, with
    the budget 0.6% short of binding: the split moved by 1e-2 under a 1e-6 perturbation."""
    game, r = ill_conditioned
    noise = 1e-6 * np.abs(game[:, -1:] - game[:, :1])
    rng = np.random.default_rng(5)
    for _ in range(2):
        moved = canonical(game + noise * rng.standard_normal(game.shape))
        change = np.abs(pooled(moved) - pooled(r)).sum() / np.abs(pooled(r)).sum()
        assert change <= 1e-3
        assert moved.objective[0] == pytest.approx(1.01 * moved.metadata["lp_optimum"][0],
                                                   rel=1e-5)  # the budget binds


def test_the_polish_finds_the_exact_point_of_an_ill_conditioned_game(ill_conditioned):
    """Its support has ~300 atoms of 1e-5..1e-3 (the noise the box no longer takes): the
    interior point must run to a tight complementarity for the polish to tell them apart."""
    _, r = ill_conditioned
    info = r.metadata["solver_info"]
    assert info["polished"][0] and info["kkt"][0] < 1e-7
    assert np.count_nonzero(pooled(r)) > 100


def test_a_stalled_interior_point_falls_back_to_clarabel(ill_conditioned, monkeypatch):
    game, r = ill_conditioned
    calls = []
    fallback = selection_module._clarabel_qp

    def counted(*args):
        calls.append(args[4])  # ζ of the restricted QP
        return fallback(*args)

    # an interior point cut short (5 iterations) is unconverged: Clarabel solves that QP
    monkeypatch.setitem(dense_qp.solve_dense_qp.__kwdefaults__, "max_iter", 5)
    monkeypatch.setattr(selection_module, "_clarabel_qp", counted)
    again = canonical(game)
    assert calls and all(z > 0 for z in calls)
    change = np.abs(pooled(again) - pooled(r)).sum() / np.abs(pooled(r)).sum()
    assert change <= 1e-3


def test_canonical_warns_above_the_practical_size(monkeypatch):
    monkeypatch.setattr(canonical_module, "CANONICAL_PRACTICAL_MAX", 3)
    game = hs.Game(np.random.default_rng(0).normal(size=2**4))
    with pytest.warns(RuntimeWarning, match="not yet practical"):
        hs.and_or(game, q_bound=0.02, selection="canonical")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        hs.and_or(game, q_bound=0.02, selection="vertex")


def returns_of(monkeypatch, name: str) -> list:
    """Record what ``selection.<name>`` returns, call by call."""
    out: list = []
    real = getattr(selection_module, name)

    def spy(*args, **kwargs):
        out.append(real(*args, **kwargs))
        return out[-1]

    monkeypatch.setattr(selection_module, name, spy)
    return out


def assert_polished(r: hs.Interactions) -> None:
    info = r.metadata["solver_info"]
    assert info["polished"].all() and info["kkt"].max() < 1e-7


def test_the_polish_releases_a_tight_row_whose_dependent_bounds_disagree(monkeypatch):
    """Tight rows that are linearly dependent on the support need consistent bounds; float32
    rounding breaks that by ~1e-9, least squares then leaves them all off their bound and the
    KKT check used to fail (polished False). One of them is slack at the optimum."""
    released = returns_of(monkeypatch, "_inconsistent_row")
    r = canonical(mlp_games(8, 4, seed=4, dtype=torch.float32))  # game 2 failed the check before
    assert released and released[-1] is not None
    assert_polished(r)


def test_the_polish_steps_only_to_the_first_sign_change(monkeypatch):
    """On degenerate float32 games, dropping every atom whose sign flipped (and every row
    with a wrong multiplier) at once cycles until the polish gives up: without the primal
    steps to the first sign change, this game and 5 other of the 192 of docs/selection.md's
    float32 study end unpolished. Here the stepped attempt finds the point."""
    attempts = []
    real = selection_module.active_set

    def spy(*args, **kwargs):
        attempts.append((kwargs["stepped"], real(*args, **kwargs)))
        return attempts[-1][1]

    monkeypatch.setattr(selection_module, "active_set", spy)
    r = canonical(mlp_games(8, 4, seed=9, dtype=torch.float32)[1:2])
    assert any(stepped and found is not None for stepped, found in attempts)
    assert_polished(r)


def test_a_collapsing_first_attempt_gives_up_early(monkeypatch):
    """Dropping every flipped atom and wrong-signed row at once can collapse the support (here
    to 15% of its start) and never recover: the first attempt gives up once the support is
    below ``COLLAPSE`` of its start instead of running all its steps; the answer is the same."""
    game = mlp_games(7, 4, seed=0)[1:2]
    monkeypatch.setattr(selection_module, "COLLAPSE", 0.0)
    patient = canonical(game)
    monkeypatch.setattr(selection_module, "COLLAPSE", 0.8)
    first_attempts = []
    real = selection_module.active_set

    def spy(*args, **kwargs):
        before = kwargs["hess"].equality_qps
        out = real(*args, **kwargs)
        if not kwargs["stepped"]:
            first_attempts.append((out, kwargs["hess"].equality_qps - before, kwargs["max_steps"]))
        return out

    monkeypatch.setattr(selection_module, "active_set", spy)
    r = canonical(game)
    assert any(out is None and steps < limit for out, steps, limit in first_attempts)
    assert_polished(r)
    np.testing.assert_allclose(pooled(r), pooled(patient), rtol=0, atol=1e-12)


def test_the_kkt_check_allows_the_prices_their_rounding_error():
    """A game whose ``v(N) − v(∅)`` is small against ``max|v|`` has a tiny normalised ``ζ``
    (1.4e-4) and budget multiplier ``μ`` (1.2e-7); float64 rounding alone put the prices of
    its exact KKT point 5e-6·``μ`` off, and the check at 1e-7 left it unpolished. It is the
    optimum: feasible, and no worse than the interior point's solution of the whole problem
    (every atom and row at once, no restriction or polish)."""
    games = mlp_games(8, 4, seed=11)[:1]
    r = canonical(games)
    assert_polished(r)
    vn = games - games[:, :1]
    scale = np.abs(vn).max(-1)
    v, z = vn[0] / scale[0], bounds(games)[0] / scale[0]
    ours = np.concatenate([r.and_values[0], r.or_values[0]]) / scale[0]
    ours[0] = (r.and_values[0, 0] - games[0, 0]) / scale[0]
    size = 2**8
    atoms = np.concatenate([np.arange(size), size + np.flatnonzero(or_mask(8))])
    p, c = Hessians(v, z, "and_or").p_c(atoms)
    whole = np.zeros(2 * size)
    whole[atoms] = solve_selection_qp(p, c, _atom_columns(atoms, np.arange(size), size), v, z,
                                      weights(8)[atoms],
                                      1.01 * r.metadata["lp_optimum"][0] / scale[0])["x"]
    d = np.concatenate([np.ones(size), -np.ones(size)])

    def f(x):
        return np.sum((0.5 * dictionary_apply(d * x)) ** 2) + \
            np.sum((dictionary_apply(x) - v) ** 2) / z**2

    assert np.abs(dictionary_apply(ours) - v).max() <= z * (1 + 1e-9)
    np.testing.assert_allclose(ours, whole, atol=1e-3)
    assert f(ours) <= f(whole) * (1 + 1e-9)


def test_atoms_the_restriction_does_not_use_leave_it_without_changing_the_answer(monkeypatch):
    """Released atoms (zero at the restricted optimum, priced below 80% of ``μ w``) shrink the
    dense Newton matrices; the pricing brings back any the next point needs, so the polished
    point is the same as with every atom kept."""
    games = box_noise_planted_games(8, 2)
    released = []
    real = selection_module._keep_atoms

    def spy(x, atoms, *args):
        kept = real(x, atoms, *args)
        released.append(len(atoms) - len(kept))
        return kept

    monkeypatch.setattr(selection_module, "_keep_atoms", spy)
    r = canonical(games)
    assert sum(released) > 0
    assert_polished(r)
    monkeypatch.setattr(selection_module, "ATOM_RELEASE", np.inf)  # nothing released
    np.testing.assert_allclose(pooled(r), pooled(canonical(games)), rtol=0, atol=1e-12)


def test_a_polish_that_fails_after_releases_is_tried_again_without_them(monkeypatch):
    """Whether the polish succeeds depends on the interior point it starts from: on float32
    games with a tiny ``ζ`` it failed after atoms were released (which games, depends on the
    machine's rounding). Forced here: every polish fails once atoms were released, and
    ``select_one`` computes the whole split again without releases, which polishes it."""
    state = {"released": False}
    calls = []
    keep, polish, select = (selection_module._keep_atoms, selection_module.polish_selection,
                            selection_module.select_one)

    def keep_spy(x, atoms, *args):
        kept = keep(x, atoms, *args)
        state["released"] |= len(kept) < len(atoms)
        return kept

    def polish_spy(*args, **kwargs):
        return None if state["released"] else polish(*args, **kwargs)

    def select_spy(*args, **kwargs):  # the retry (the first call is canonical.py's own)
        calls.append(kwargs.get("release_atoms", True))
        state["released"] = False
        return select(*args, **kwargs)

    monkeypatch.setattr(selection_module, "_keep_atoms", keep_spy)
    monkeypatch.setattr(selection_module, "polish_selection", polish_spy)
    monkeypatch.setattr(selection_module, "select_one", select_spy)
    games = box_noise_planted_games(8, 2)
    r = canonical(games)
    assert calls == [False, False]  # each game: released atoms, failed, computed again
    assert_polished(r)
    monkeypatch.undo()
    np.testing.assert_allclose(pooled(r), pooled(canonical(games)), rtol=0, atol=1e-12)


def test_sign_correct_multipliers_are_sought_only_for_dependent_tight_rows(monkeypatch):
    """Where the Schur complement is well conditioned the tight rows are independent and the
    equality QP's multipliers the only ones: a wrong sign there means the row leaves, without
    a search for other multipliers (on the over-fitted n = 12 games such searches took 37 of
    98 s and found none; on 96 small games 123 of them found none either)."""
    state = {"unique": None, "skipped": 0}
    searched_after = []
    real_eq, real_signed = selection_module._eq_solve, selection_module.signed_multipliers

    def eq_spy(v, z, kind, budget, sup, sgn, tight, side, hess, reuse=True):
        out = real_eq(v, z, kind, budget, sup, sgn, tight, side, hess, reuse)
        x, nu, _, unique = out
        wrong = np.any(nu[tight] * side < 0)
        flipped = np.any((weights(7)[sup] > 0) & (x[sup] * sgn < 0))  # as active_set counts
        state["unique"] = unique
        state["skipped"] += int(unique and wrong and not flipped)
        return out

    def signed_spy(*args):
        searched_after.append(state["unique"])
        return real_signed(*args)

    monkeypatch.setattr(selection_module, "_eq_solve", eq_spy)
    monkeypatch.setattr(selection_module, "signed_multipliers", signed_spy)
    assert_polished(canonical(mlp_games(7, 4, seed=1)))
    assert state["skipped"] > 0 and not any(searched_after)


@pytest.mark.parametrize("lower", [False, True])
def test_the_equality_qp_solves_its_schur_system_by_cholesky_or_least_squares(monkeypatch, lower):
    """The polish's equality QP ``min ½xᵀPx + cᵀx`` s.t. ``Cx = d``: its Schur system goes to
    Cholesky when well conditioned, to least squares (minimum-norm multipliers) when
    dependent rows make it singular; the KKT system holds either way, whichever triangle
    holds ``P``'s factor."""
    rng = np.random.default_rng(0)
    a = rng.normal(size=(30, 30))
    p, c = a @ a.T + np.eye(30), rng.normal(size=30)
    cmat, d = rng.normal(size=(8, 30)), rng.normal(size=8)
    used = []
    lstsq = sla.lstsq
    monkeypatch.setattr(sla, "lstsq", lambda *args, **kw: used.append(1) or lstsq(*args, **kw))
    for rows, rhs in ((cmat, d), (np.vstack([cmat, cmat[:2]]), np.concatenate([d, d[:2]]))):
        x, y, unique = selection_module._equality_qp(p, c, rows, rhs,
                                                     sla.cho_factor(p, lower=lower))
        np.testing.assert_allclose(p @ x + c + rows.T @ y, 0.0, atol=1e-10)
        np.testing.assert_allclose(rows @ x, rhs, atol=1e-10)
        assert unique == (len(rows) == len(cmat))  # duplicated rows: multipliers not unique
    assert len(used) == 1  # only the duplicated rows went to least squares
    np.testing.assert_allclose(y[:2], y[8:], atol=1e-10)  # minimum norm: shared equally


def test_tight_rows_reused_on_one_support_equal_a_fresh_computation():
    """The polish's steps add and drop tight rows on one support; the rows kept from the last
    step and those solved for anew give the ``Gᵀ`` and ``GᵀG`` of a fresh computation, in
    the order they report."""
    v = mlp_games(6, 1, seed=0)[0]
    hess = Hessians(v / np.abs(v).max(), 0.01, "and_or")
    atoms = np.array([0, 3, 5, 9, 17, 40, 64 + 6, 64 + 12, 64 + 33], np.int64)
    chol = hess.factor(atoms, hess.p_c(atoms)[0])
    fresh = Hessians(v / np.abs(v).max(), 0.01, "and_or")
    for rows in ([1, 3, 7, 12, 30, 63], [3, 7, 12, 30, 63, 2, 40], [2, 7, 63], [5, 2, 7, 63]):
        rows = np.array(rows, np.int64)
        order, gt, gram = hess.tight_rows(atoms, rows, chol)
        assert sorted(rows[order]) == sorted(rows)
        want_order, want_gt, want_gram = fresh.tight_rows(atoms, rows[order], chol, reuse=False)
        np.testing.assert_array_equal(want_order, np.arange(len(rows)))
        np.testing.assert_allclose(gt, want_gt, rtol=0, atol=1e-12)
        np.testing.assert_allclose(gram, want_gram, rtol=0, atol=1e-12)
        np.testing.assert_allclose(gram, gt @ gt.T, rtol=0, atol=1e-12)


def polish_path(monkeypatch, games: np.ndarray, reuse_rows: bool
                ) -> tuple[list[tuple[bytes, ...]], hs.Interactions]:
    """The active sets (support, tight rows, sides) of every step of the polish on ``games``,
    and the canonical split, with the reuse of the step before's rows, or with every step
    solved afresh."""
    real_eq, path = selection_module._eq_solve, []

    def recorded(v, z, kind, budget, sup, sign, tight, side, hess, reuse=True):
        if reuse:  # a step of the polish, not its own fresh re-solve
            path.append((sup.tobytes(), tight.tobytes(), np.asarray(side).tobytes()))
        return real_eq(v, z, kind, budget, sup, sign, tight, side, hess,
                       reuse=reuse and reuse_rows)

    with monkeypatch.context() as patch:
        patch.setattr(selection_module, "_eq_solve", recorded)
        split = canonical(games)
    return path, split


def test_the_polished_point_does_not_depend_on_reused_tight_rows(monkeypatch):
    """Reusing the factor and tight rows of the step before (on its support, or on a larger
    one with the atoms left out held at zero) changes sums in their rounding only, and the
    accepted point is computed afresh from its active set: the canonical split is the same to
    the last bit as without any reuse."""
    games = mlp_games(8, 3, seed=1)
    real, real_superset = Hessians.tight_rows, Hessians.superset
    hits, zeros = [], []

    def counted(self, atoms, rows, chol, reuse=True):
        hits.append(reuse and self._rows is not None and self._rows[0] == atoms.tobytes())
        return real(self, atoms, rows, chol, reuse)

    def superset(self, atoms):
        out = real_superset(self, atoms)
        zeros.append(len(out) - len(atoms))
        return out

    monkeypatch.setattr(Hessians, "tight_rows", counted)
    monkeypatch.setattr(Hessians, "superset", superset)
    reused = canonical(games)
    assert sum(hits) >= 3  # steps on a support the step before had
    assert max(zeros) > 0  # and steps that held atoms of the step before at zero
    fresh = polish_path(monkeypatch, games, reuse_rows=False)[1]
    np.testing.assert_array_equal(fresh.and_values, reused.and_values)
    np.testing.assert_array_equal(fresh.or_values, reused.or_values)


@pytest.mark.parametrize(("dtype", "n", "seed"), [(torch.float64, 8, 10),
                                                   (torch.float64, 8, 11),
                                                   (torch.float32, 9, 1)])
def test_the_polish_takes_the_same_steps_with_reused_rows(monkeypatch, dtype, n, seed):
    """Reused rows change the polish's sums in their rounding only, and no decision of it may
    turn on that: the multipliers of dependent rows (solved afresh) and the sign of an atom
    the step leaves at zero (it leaves, ``ZERO_ATOM_RTOL``). Before either rule these games
    took other steps with reuse than without (on the machine that found them: the first two
    without the first rule, the first and third without the second), up to twice as many."""
    games = mlp_games(n, 3, seed=seed, dtype=dtype)
    path = polish_path(monkeypatch, games, reuse_rows=True)[0]
    assert len(path) > 10
    assert path == polish_path(monkeypatch, games, reuse_rows=False)[0]


def test_other_multipliers_certify_a_point_the_least_squares_ones_price_out(monkeypatch):
    """With dependent tight rows (float32 outputs) the least-squares multipliers of the
    polish's equality QP priced an atom out that then entered, flipped its sign at once and
    left, until both active-set attempts gave up: this game ended unpolished (4 of 192 such
    games in docs/selection.md). Other sign-correct multipliers price no atom out; the
    linear feasibility problem of :func:`kkt_multipliers` finds them."""
    found = returns_of(monkeypatch, "kkt_multipliers")
    # which games take this path depends on the machine's rounding: each of these did on one
    # (seed 23 on the machine that found it; 52 and 65 on an AVX-512 one with OpenBLAS 0.3.31)
    for seed, b in ((23, 1), (52, 0), (65, 1)):
        assert_polished(canonical(mlp_games(9, 4, seed=seed, dtype=torch.float32)[b:b + 1]))
    assert any(f is not None for f in found)


def test_auto_is_canonical_up_to_12_players_and_the_vertex_above(monkeypatch):
    """"auto" resolves by the game's size (no warning), records what it chose; an explicit
    canonical above 12 players warns before it starts."""
    games = GAMES["planted"][:1]
    auto = hs.and_or(games, q_bound=0.02)
    assert auto.metadata["selection"] == "canonical"
    np.testing.assert_array_equal(auto.and_values,
                                  canonical(games, selection="canonical").and_values)
    monkeypatch.setattr(canonical_module, "CANONICAL_PRACTICAL_MAX", 5)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        above = hs.and_or(games, q_bound=0.02)
    assert above.metadata["selection"] == "vertex" and above.metadata["epsilon"] == 0.0
    with pytest.warns(RuntimeWarning, match="selection='canonical' at n=6"):
        hs.and_or(games, q_bound=0.02, selection="canonical")


def test_an_uncertified_vertex_is_kept(monkeypatch):
    """Without a certified OPT there is no near-optimal set to select from: the vertex stays,
    and info["selected"] says so per game (the others are selected as usual)."""
    games = GAMES["planted"][:2]
    vertex = solve(games, bounds(games), solver="fast")
    vertex.info["converged"] = np.array([True, False])
    r = select_canonical(games, bounds(games), "and_or", vertex, 0.01)
    assert r.info["selected"].tolist() == [True, False]
    assert r.info["polished"].tolist() == [True, False]
    # the work done per game: a polished game solved restricted QPs and equality QPs
    assert r.info["qp_iterations"][0] > 0 and r.info["equality_qps"][0] > 0
    assert r.info["qp_iterations"][1] == 0 and r.info["equality_qps"][1] == 0
    np.testing.assert_array_equal(r.and_values[1], vertex.and_values[1])
    full = select_canonical(games[:1], bounds(games[:1]), "and_or",
                            solve(games[:1], bounds(games[:1]), solver="fast"), 0.01)
    np.testing.assert_allclose(r.and_values[0], full.and_values[0], atol=1e-9)


def test_the_interior_point_from_a_start_reaches_the_same_point():
    """solve_dense_qp(x0=): a start (the LP vertex, then the last round's point) changes the
    path, not the answer, and the rounds of a canonical split use it (fewer iterations than
    from zero on these games)."""
    rng = np.random.default_rng(5)
    k, m = 12, 20
    root = rng.normal(size=(k, k))
    a, inside = rng.normal(size=(m, k)), rng.normal(size=k)  # a feasible point
    qp = dense_qp.DenseQP(p=root @ root.T + 0.1 * np.eye(k), c=10 * rng.normal(size=k), a=a,
                          lo=a @ inside - 0.5, hi=a @ inside + 0.5, w=np.r_[0.0, np.ones(k - 1)],
                          budget=float(np.abs(inside[1:]).sum()) + 1.0)
    cold = dense_qp.solve_dense_qp(qp)
    assert cold.converged
    for start in (rng.normal(size=k), cold.x + 1e-3, np.zeros(k)):
        warm = dense_qp.solve_dense_qp(qp, x0=start)
        assert warm.converged and np.abs(warm.x - cold.x).max() < 1e-7
    seen = []
    solve = dense_qp.solve_dense_qp

    def recorded(problem, **kw):
        seen.append(kw.get("x0"))
        return solve(problem, **kw)

    games = GAMES["mlp"][:1]
    vertex = hs.and_or(games, q_bound=0.02, selection="vertex")
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(selection_module, "solve_dense_qp", recorded)
        canonical(games)
    first = seen[0]  # on the restriction's atoms, I_and(∅) first: the LP vertex
    assert first is not None and np.count_nonzero(first[1:]) == np.count_nonzero(
        np.concatenate([vertex.and_values[0, 1:], vertex.or_values[0]]))
    assert all(x0 is not None for x0 in seen)


def test_the_canonical_split_is_the_same_with_lookups_or_blas(monkeypatch):
    """The Newton matrices' A_Rᵀ W A_R by lookups (extract/solvers/gram.py) or by syrk."""
    games = mlp_games(7, 3, seed=4)
    plain = canonical(games)
    calls = []

    def always(n, atoms, rows):
        calls.append((n, atoms, rows))
        return True

    monkeypatch.setattr(selection_module, "lookup_pays", always)
    looked_up = canonical(games)
    assert calls  # the restricted QPs did use the lookup
    assert_polished(plain)
    assert_polished(looked_up)
    # the same Newton steps up to rounding, not only the same polished point
    its = [r.metadata["solver_info"]["qp_iterations"] for r in (plain, looked_up)]
    assert np.abs(its[0] - its[1]).max() <= 2
    np.testing.assert_allclose(pooled(looked_up), pooled(plain),
                               atol=1e-9 * np.abs(pooled(plain)).max())
