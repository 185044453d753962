"""Paper A's analytic model: M̂(σ²), row norms, r^(k), Theorems 3-5 and Proposition 1."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from harsanyi.core.orders import order_of_masks, orders_index
from harsanyi.errors import TheoryInputError, TooManyPlayersError
from harsanyi.theory import (
    M_hat,
    TwoPhaseModel,
    gram_matrix,
    gram_matvec,
    penalty_diag,
    r_ratios,
    row_norms_by_order,
    w_hat,
)

# docs/theory.md#two-phase-reference, n = 10
R_TABLE = {
    1e-4: [1.035, 1.095, 1.223, 1.475, 1.727, 1.934, 2.098, 2.230, 2.337],
    1e-3: [1.118, 1.267, 1.558, 1.840, 2.057, 2.222, 2.351, 2.453, 2.537],
    1e-2: [1.322, 1.666, 1.983, 2.209, 2.371, 2.492, 2.586, 2.661, 2.722],
    1e-1: [1.810, 2.178, 2.404, 2.554, 2.660, 2.739, 2.801, 2.850, 2.890],
    1.0: [2.469, 2.667, 2.781, 2.857, 2.911, 2.952, 2.984, 3.010, 3.031],
}
ROW_NORMS_1E2 = [
    0.973,
    0.847,
    0.641,
    0.385,
    0.194,
    0.0878,
    0.0370,
    0.0149,
    0.00575,
    0.00216,
    0.00079,
]


def brute_J(n: int) -> np.ndarray:
    """J_{S,T} = 1(T ⊆ S) by definition (Lemma 2)."""
    m = np.arange(2**n)
    return ((m[None, :] & m[:, None]) == m[None, :]).astype(float)


def brute_M_hat(n: int, sigma2: float) -> np.ndarray:
    J = brute_J(n)
    c = np.array([2.0 ** bin(t).count("1") * sigma2 for t in range(2**n)])
    return np.linalg.solve(J.T @ J + 2**n * np.diag(c), J.T @ J)


@pytest.mark.parametrize("n", [1, 3, 5])
def test_gram_structure_matches_brute_force(n):
    J = brute_J(n)
    assert np.array_equal(gram_matrix(n), J.T @ J)
    x = np.random.default_rng(n).normal(size=2**n)
    assert np.allclose(gram_matvec(x), J.T @ J @ x)


@pytest.mark.parametrize("n,sigma2", [(2, 0.3), (4, 1e-3), (6, 0.05), (7, 2.0)])
def test_M_hat_matches_theorem3_by_brute_force(n, sigma2):
    ref = brute_M_hat(n, sigma2)
    assert np.allclose(M_hat(n, sigma2), ref, atol=1e-10)
    assert np.allclose(M_hat(n, sigma2, method="kron"), ref, atol=1e-10)


def test_penalty_diag():
    assert np.array_equal(penalty_diag(3, 0.25), 8 * 0.25 * np.exp2(order_of_masks(3)))


def test_w_hat_is_the_ridge_optimum():
    """ŵ minimises 2^-n ‖Jw* − Jw‖² + Σ_T c_T w_T² (gradient vanishes, perturbations cost)."""
    n, s2 = 5, 0.02
    rng = np.random.default_rng(0)
    J = brute_J(n)
    w_star = rng.normal(size=2**n)
    c = np.exp2(order_of_masks(n)) * s2
    w = w_hat(w_star, s2)

    def loss(x):
        return np.sum((J @ w_star - J @ x) ** 2) / 2**n + np.sum(c * x**2)

    grad = -2 * J.T @ (J @ w_star - J @ w) / 2**n + 2 * c * w
    assert np.abs(grad).max() < 1e-12
    for _ in range(5):
        assert loss(w + 1e-3 * rng.normal(size=w.size)) > loss(w)


def test_theorem3_matches_noisy_loss_monte_carlo():
    """The closed form is the minimiser of E_ε E_S (y_S − wᵀ(J(x_S)+ε))², Var ε_T = 2^|T|σ²."""
    n, s2, draws = 3, 0.05, 4000
    rng = np.random.default_rng(1)
    J = brute_J(n)
    w_star = rng.normal(size=2**n)
    y = J @ w_star
    sd = np.sqrt(np.exp2(order_of_masks(n)) * s2)
    # normal equations of the empirical noisy loss over `draws` noisy copies of J
    eps = rng.normal(size=(draws, 2**n, 2**n)) * sd
    Jn = J[None] + eps
    lhs = np.einsum("dst,dsu->tu", Jn, Jn) / draws
    rhs = np.einsum("dst,s->t", Jn, y) / draws
    w_mc = np.linalg.solve(lhs, rhs)
    assert np.allclose(w_mc, w_hat(w_star, s2), atol=0.05)


def test_reference_r_table_n10():
    got = r_ratios(10, np.array(list(R_TABLE)))
    assert np.array_equal(np.round(got, 3), np.array(list(R_TABLE.values())))


def test_reference_row_norms_n10():
    got = row_norms_by_order(10, 1e-2)
    assert np.allclose(got, ROW_NORMS_1E2, rtol=6e-3)


def test_row_norms_match_dense_rows():
    n, s2 = 6, 0.01
    dense = np.linalg.norm(M_hat(n, s2), axis=1)
    fast = row_norms_by_order(n, s2)
    for k, ix in enumerate(orders_index(n)):
        assert np.allclose(dense[ix], fast[k], rtol=1e-10)


@pytest.mark.parametrize("n", [4, 6, 8])
def test_theorem4_rows_of_an_order_are_permutations(n):
    M = M_hat(n, 0.03)
    for ix in orders_index(n):
        ref = np.sort(M[ix[0]])
        for t in ix[1:]:
            assert np.allclose(np.sort(M[t]), ref, atol=1e-12)
    # and rows of different orders differ in norm
    norms = np.linalg.norm(M, axis=1)
    assert len({round(float(norms[ix[0]]), 8) for ix in orders_index(n)}) == n + 1


@pytest.mark.parametrize("n", [4, 6, 8, 10])
def test_proposition1_r_above_one_and_increasing_in_sigma2(n):
    grid = np.logspace(-6, 1, 40)
    r = r_ratios(n, grid)
    assert r.shape == (40, n - 1)
    assert np.all(r > 1.0)
    assert np.all(np.diff(r, axis=0) > 0)
    # ratios between any lower and higher order also exceed 1
    norms = row_norms_by_order(n, grid)
    for k1, k2 in itertools.combinations(range(n + 1), 2):
        assert np.all(norms[:, k1] > norms[:, k2])


def test_theorem5_sigma_zero_recovers_w_star():
    rng = np.random.default_rng(3)
    w_star = rng.normal(size=(4, 2**7))
    assert np.allclose(w_hat(w_star, 0.0), w_star, atol=1e-12)
    assert np.allclose(M_hat(6, 0.0), np.eye(64), atol=1e-12)


def test_grid_and_batch_shapes_and_consistency():
    rng = np.random.default_rng(4)
    w_star = rng.normal(size=(3, 5, 2**6))
    grid = np.array([[1e-4, 1e-2], [1e-1, 1.0]])
    out = TwoPhaseModel(6).w_hat(w_star, grid)
    assert out.shape == (2, 2, 3, 5, 64)
    for i, j in itertools.product(range(2), range(2)):
        ref = w_star @ M_hat(6, grid[i, j]).T
        assert np.allclose(out[i, j], ref, atol=1e-11)
    assert np.allclose(w_hat(w_star[0], 0.1, method="solve"), w_hat(w_star[0], 0.1), atol=1e-11)


def test_kron_solver_matches_dense_at_n10():
    rng = np.random.default_rng(5)
    w_star = rng.normal(size=2**10)
    gram = gram_matrix(10)
    for s2 in (1e-6, 1e-2, 3.0):
        dense = np.linalg.solve(gram + np.diag(penalty_diag(10, s2)), gram @ w_star)
        fast = w_hat(w_star, s2)
        assert np.linalg.norm(fast - dense) / np.linalg.norm(dense) <= 1e-8


def test_high_order_interactions_are_suppressed_more():
    """Phase 2 in words: a larger σ² shrinks an order-5 target more than an order-1 target."""
    n = 6
    low = np.zeros(2**n)
    low[1] = 1.0
    high = np.zeros(2**n)
    high[0b11111] = 1.0
    for s2 in (1e-3, 1e-2, 1e-1):
        assert w_hat(low, s2)[1] > w_hat(high, s2)[0b11111] > 0


@pytest.mark.parametrize("bad", [-1e-3, np.nan, np.inf, [0.1, -0.2]])
def test_bad_sigma2_raises(bad):
    with pytest.raises(TheoryInputError, match="sigma2"):
        w_hat(np.zeros(8), bad)
    with pytest.raises(TheoryInputError, match="sigma2"):
        r_ratios(4, bad)


def test_memory_bound_is_checked_before_allocating():
    with pytest.raises(TooManyPlayersError, match="memory bound"):
        TwoPhaseModel(20).w_hat(np.zeros(2**20), np.linspace(0.0, 1.0, 1000))


def test_bad_shapes_raise():
    with pytest.raises(TheoryInputError, match=r"\(n=3\) but n=4 was expected"):
        TwoPhaseModel(4).w_hat(np.zeros(8), 0.1)
    with pytest.raises(TheoryInputError, match="2\\*\\*n"):
        w_hat(np.zeros(6), 0.1)
    with pytest.raises(TheoryInputError, match="NaN"):
        w_hat(np.array([0.0, np.nan]), 0.1)
    with pytest.raises(TheoryInputError, match="integer"):
        M_hat(2.5, 0.1)
    with pytest.raises(TheoryInputError, match="between"):
        M_hat(20, 0.1)
    with pytest.raises(ValueError, match="method"):
        M_hat(2, 0.1, method="cg")
