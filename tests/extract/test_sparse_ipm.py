"""The dense interior point for a pool's dual: against HiGHS on small pools, infeasible pools."""

import numpy as np
import pytest
from scipy.optimize import linprog

from harsanyi.extract import sparse_ipm, sparse_result
from harsanyi.extract.solvers.selection import solve_selection_qp
from harsanyi.extract.sparse_ipm import pool_dual, pool_selection
from harsanyi.extract.sparse_lp import atom_costs, atom_matrix, pool_atoms
from harsanyi.extract.sparse_result import atom_features


def pool_lp(n, m, max_order, zeta, seed):
    rng = np.random.default_rng(seed)
    x = rng.random((m, n)) < 0.5
    w, u = rng.normal(size=n), rng.normal(size=n)
    y = np.tanh(x @ w) + 0.5 * np.tanh(x @ u) ** 2
    atoms = pool_atoms(n, max_order)
    return atom_features(x, *atom_matrix(atoms, n)), atom_costs(atoms, 1e-6), y, zeta


def highs_optimum(feats, cost, y, zeta):
    a = np.hstack([feats, -feats, np.ones((len(y), 1))])
    k = feats.shape[1]
    res = linprog(np.concatenate([cost, cost, [0.0]]), A_ub=np.vstack([a, -a]),
                  b_ub=np.concatenate([y + zeta, zeta - y]),
                  bounds=[(0, None)] * (2 * k) + [(None, None)], method="highs")
    assert res.status == 0
    return res.fun


@pytest.mark.parametrize(("n", "m", "order", "zeta", "seed"),
                         [(8, 60, 3, 0.02, 0), (10, 120, 3, 0.005, 1), (7, 40, 7, 0.0, 2)])
def test_the_dual_bounds_and_nearly_reaches_the_lp_optimum(n, m, order, zeta, seed):
    feats, cost, y, z = pool_lp(n, m, order, zeta, seed)
    opt = highs_optimum(feats, cost, y, z)
    out = pool_dual(feats, cost, y, z)
    assert out.converged
    lam = out.dual
    # a dual point: |F_Tᵀλ| ≤ c_T and Σλ = 0 up to the interior point's residuals ...
    assert np.abs(feats.T @ lam).max() <= cost.max() * (1 + 1e-5) and abs(lam.sum()) < 1e-5
    # ... whose objective yᵀλ − ζ‖λ‖₁ is within the gap tolerance of the optimum
    assert y @ lam - z * np.abs(lam).sum() == pytest.approx(opt, rel=1e-4)
    assert opt * (1 - 1e-4) <= out.dual_objective <= opt * (1 + 1e-6)
    # the primal indicators x/s are large only where complementary slackness allows a
    # nonzero value: a tight atom |F_Tᵀλ| = c_T whose sign is that of θ_T
    big = out.atom_indicator > 1.0
    price = feats.T @ lam
    assert big.any() and np.all(np.abs(price[big]) >= cost[big] * (1 - 1e-3))
    assert np.all(np.sign(out.theta[big]) == np.sign(price[big]))
    inside = out.row_indicator > 1.0  # q strictly inside its box: λ_S = 0
    assert np.abs(lam[inside]).max(initial=0.0) <= 1e-3 * np.abs(lam).max()


def test_an_infeasible_pool_does_not_converge():
    # every fit mask matched exactly (ζ = 0) by atoms of order 1 only: impossible here
    feats, cost, y, _ = pool_lp(8, 60, 1, 0.0, 3)
    out = pool_dual(feats, cost, y, 0.0, max_iter=30)
    assert not out.converged


def test_features_and_the_normal_matrix_by_blocks_equal_one_product(monkeypatch):
    rng = np.random.default_rng(4)
    x = rng.random((30, 6)) < 0.5
    atoms = pool_atoms(6, 3)
    whole = atom_features(x, *atom_matrix(atoms, 6))
    theta = rng.random(2 + 2 * len(atoms) + 30)
    one = sparse_ipm._Lp(whole).normal(theta)
    monkeypatch.setattr(sparse_result, "FEATURE_BLOCK", 7)  # 77 atoms: 11 blocks
    monkeypatch.setattr(sparse_ipm, "SYRK_BLOCK", 5)
    blocked = atom_features(x, *atom_matrix(atoms, 6))
    assert np.array_equal(blocked, whole)
    d = theta[2:2 + len(atoms)] + theta[2 + len(atoms):2 + 2 * len(atoms)]
    direct = whole @ np.diag(d) @ whole.T + theta[0] + theta[1]
    direct[np.diag_indices(30)] += theta[-30:]
    upper = np.triu_indices(30)
    by_blocks = sparse_ipm._Lp(blocked).normal(theta)
    assert np.allclose(by_blocks[upper], direct[upper], rtol=1e-9, atol=1e-9)
    assert np.allclose(by_blocks[upper], one[upper], rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize(("n", "m", "order", "zeta", "seed"),
                         [(8, 60, 3, 0.02, 0), (10, 120, 3, 0.005, 1), (7, 40, 7, 0.0, 2)])
def test_the_selection_over_a_pool_is_the_minimum_norm_near_optimal_split(n, m, order, zeta,
                                                                           seed):
    feats, cost, y, z = pool_lp(n, m, order, zeta, seed)
    budget = 1.01 * highs_optimum(feats, cost, y, z)
    out = pool_selection(feats, cost, y, z, budget)
    assert out.converged and out.violation < 1e-7
    k = feats.shape[1]
    cols = np.hstack([np.ones((m, 1)), feats])  # I_and(∅) first, free of the budget
    ref = solve_selection_qp(2.0 * np.eye(k + 1), np.zeros(k + 1), cols, y, z,
                             np.concatenate([[0.0], cost]), budget)
    got = np.concatenate([[out.intercept], out.values])
    assert np.abs(got - ref["x"]).sum() <= 1e-5 * np.abs(ref["x"]).sum()
    assert cost @ np.abs(out.values) <= budget * (1 + 1e-7)  # near-optimal: the budget holds
    assert np.abs(cols @ got - y).max() <= z + 1e-7  # every fit mask within ζ
