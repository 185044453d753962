"""The ADMM's two projections: the dense inverse (small n) and warm-started PCG (large n)."""

from __future__ import annotations

import numpy as np
import pytest

import harsanyi.extract.solvers.admm as admm
from harsanyi.extract.solvers import solve
from harsanyi.extract.solvers.exact import solve_exact


@pytest.mark.parametrize("kind", ["and_or", "and"])
def test_pcg_projection_equals_the_dense_inverse(kind, monkeypatch):
    rng = np.random.default_rng(0)
    values, bound = rng.normal(size=(3, 2**7)), np.array([0.02, 0.0, 0.1])
    dense, lam_dense, _ = admm.run_admm(values, bound, kind, iters=100)
    monkeypatch.setattr(admm, "DENSE_PROJECTOR_MAX", 4)
    pcg, lam_pcg, _ = admm.run_admm(values, bound, kind, iters=100, cg_tol=1e-12)
    assert np.abs(pcg - dense).max() < 1e-9
    assert np.abs(lam_pcg - lam_dense).max() < 1e-8
    # each sample's conjugate gradients stop on their own: the batch does not matter
    alone, _, _ = admm.run_admm(values[1:2], bound[1:2], kind, iters=100, cg_tol=1e-12)
    np.testing.assert_array_equal(alone[0], pcg[1])


def test_and_preconditioner_is_exact():
    values = np.random.default_rng(1).normal(size=(2, 2**6))
    rhs = admm.torch.as_tensor(values)
    mu, steps = admm._solve_gram(rhs, admm.torch.zeros_like(rhs), "and", 1.0, 1e-12, 50)
    assert steps <= 1
    expected = values @ admm.projector(6, "and", 1.0)
    assert np.abs(mu.numpy() - expected).max() < 1e-10


def test_fast_solver_needs_no_dense_projector_above_the_threshold(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("the dense 2**n x 2**n projector was built")

    monkeypatch.setattr(admm, "DENSE_PROJECTOR_MAX", 5)
    monkeypatch.setattr(admm, "projector", refuse)
    rng = np.random.default_rng(2)
    values = rng.normal(size=(2, 2**7))
    bound = 0.05 * np.abs(values[:, -1] - values[:, 0])
    fast = solve(values, bound, solver="fast")
    exact = solve_exact(values, bound)
    np.testing.assert_allclose(fast.objective, exact.objective, rtol=1e-8)
    assert np.all(fast.info["gap"] < 1e-8)
