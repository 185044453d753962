"""The dense interior point of the selection QP against a general conic solver."""

from __future__ import annotations

import clarabel
import numpy as np
import pytest
import scipy.sparse as sp

from harsanyi.extract.solvers.dense_qp import STALL, DenseQP, solve_dense_qp


def random_qp(seed: int, k: int = 30, m: int = 20) -> DenseQP:
    rng = np.random.default_rng(seed)
    f = rng.normal(size=(k + 5, k))
    a = (rng.random((m, k)) < 0.4).astype(float)  # 0/1 rows, as the dictionary's
    inside = np.zeros(k)
    inside[rng.choice(k, 4, replace=False)] = rng.uniform(-0.4, 0.4, 4)
    centre = a @ inside  # feasible: ‖inside‖₁ ≤ 1.6 < budget
    w = np.ones(k)
    w[0] = 0.0  # a free atom, as I_and(∅)
    return DenseQP(p=f.T @ f, c=rng.normal(size=k) * 5, a=a, lo=centre - 0.3, hi=centre + 0.3,
                   w=w, budget=float(rng.uniform(2.0, 6.0)))


def conic_reference(qp: DenseQP) -> tuple[np.ndarray, np.ndarray, float]:
    k, m = qp.p.shape[0], qp.a.shape[0]
    lw = np.flatnonzero(qp.w > 0)
    nl = len(lw)
    e = np.eye(k)[lw]
    mat = np.block([[e, -np.eye(nl)], [-e, -np.eye(nl)], [np.zeros((1, k)), qp.w[lw][None, :]],
                    [qp.a, np.zeros((m, nl))], [-qp.a, np.zeros((m, nl))]])
    rhs = np.concatenate([np.zeros(2 * nl), [qp.budget], qp.hi, -qp.lo])
    hess = sp.csc_matrix(np.triu(np.block([[qp.p, np.zeros((k, nl))],
                                           [np.zeros((nl, k + nl))]])))
    st = clarabel.DefaultSettings()
    st.verbose = False
    for key in ("tol_gap_abs", "tol_gap_rel", "tol_feas"):
        setattr(st, key, 1e-11)
    sol = clarabel.DefaultSolver(hess, np.concatenate([qp.c, np.zeros(nl)]), sp.csc_matrix(mat),
                                 rhs, [clarabel.NonnegativeConeT(mat.shape[0])], st).solve()
    z = np.asarray(sol.z)
    nu = z[2 * nl + 1:2 * nl + 1 + m] - z[2 * nl + 1 + m:]
    return np.asarray(sol.x)[:k], nu, float(z[2 * nl])


@pytest.mark.parametrize("seed", range(6))
def test_matches_conic_solver(seed):
    qp = random_qp(seed)
    ours = solve_dense_qp(qp)
    x, nu, mu = conic_reference(qp)
    assert ours.converged
    np.testing.assert_allclose(ours.x, x, atol=1e-6)
    np.testing.assert_allclose(ours.nu, nu, atol=1e-5)
    assert ours.mu == pytest.approx(mu, abs=1e-5)
    used = np.abs(ours.x[1:]).sum()
    assert used <= qp.budget * (1 + 1e-9)
    if ours.mu > 1e-6:  # complementarity: a priced budget binds
        assert used == pytest.approx(qp.budget, rel=1e-7)
    ax = qp.a @ ours.x
    assert np.all(ax <= qp.hi + 1e-9) and np.all(ax >= qp.lo - 1e-9)


def test_deterministic():
    qp = random_qp(7)
    np.testing.assert_array_equal(solve_dense_qp(qp).x, solve_dense_qp(qp).x)


def test_a_target_complementarity_is_pursued_and_an_unreachable_one_keeps_the_converged_point():
    qp = random_qp(3)
    plain = solve_dense_qp(qp)
    tight = solve_dense_qp(qp, target=1e-16)
    assert plain.converged and tight.converged
    assert tight.gap <= min(1e-16, plain.gap) and tight.iterations > plain.iterations
    np.testing.assert_allclose(tight.x, plain.x, atol=1e-6)
    never = solve_dense_qp(qp, target=1e-300)  # stalls below 1e-10 and keeps that iterate
    assert never.converged and never.gap <= 1e-10
    # it gives up TARGET_STALL iterations after its last better iterate, not STALL (20 vs 26)
    assert never.iterations < tight.iterations + STALL
    np.testing.assert_allclose(never.x, tight.x, atol=1e-6)
    with pytest.raises(ValueError, match="target"):
        solve_dense_qp(qp, target=0.0)


def test_dual_slacks_read_the_support():
    qp = random_qp(5)
    sol = solve_dense_qp(qp, target=1e-16)
    on = np.abs(sol.x) > 1e-6 * np.abs(sol.x).max()
    weighted = qp.w > 0
    assert np.all(sol.dual_slack[on & weighted] < 1e-6)
    assert np.all(sol.dual_slack[~weighted] == 0.0)
