"""Fitting σ² per checkpoint (paper A): planted recovery, constraints, errors."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from sklearn.isotonic import IsotonicRegression

from harsanyi.core.orders import order_of_masks
from harsanyi.core.transforms import zeta
from harsanyi.errors import TheoryInputError
from harsanyi.theory import (
    TwoPhaseModel,
    fit_sigma2,
    fit_two_phase,
    isotonic_nonincreasing,
    log_grid,
    theoretical_curves,
)
from harsanyi.theory.fit import _best_nonincreasing_path

N = 6


def planted_w_star(samples=3, seed=0):
    """Sparse targets with salient interactions of orders 1..4 (and a bias)."""
    rng = np.random.default_rng(seed)
    orders = order_of_masks(N)
    w = np.zeros((samples, 2**N))
    for x in range(samples):
        for k, count in ((1, 4), (2, 4), (3, 3), (4, 2)):
            sel = rng.choice(np.flatnonzero(orders == k), count, replace=False)
            w[x, sel] = rng.choice([-1, 1], count) * rng.uniform(0.5, 1.5, count) / k
        w[x, 0] = 0.3
    return w


def test_log_grid():
    g = log_grid(1e-6, 10.0, 200)
    assert g.size == 200 and g[0] == pytest.approx(1e-6) and g[-1] == pytest.approx(10.0)
    with pytest.raises(TheoryInputError):
        log_grid(0.0, 1.0)
    with pytest.raises(TheoryInputError):
        log_grid(1.0, 0.1)


def test_theoretical_curves_chunking_is_invisible():
    w = planted_w_star()
    grid = log_grid(1e-4, 1.0, 13)
    a = theoretical_curves(w, 0.5 * w, grid)
    b = theoretical_curves(w, 0.5 * w, grid, chunk=1)
    assert np.allclose(a, b)
    # larger σ² removes mass from high orders: the mean order drops
    mean_order = a @ np.arange(1, N + 1)
    assert mean_order[-1] < mean_order[0] - 0.1
    assert a[-1, 3:].sum() < 0.2 * a[0, 3:].sum()


def test_fit_recovers_planted_sigma2_on_grid():
    w = planted_w_star()
    grid = log_grid(1e-4, 1.0, 29)
    truth = grid[[26, 20, 14, 8, 2]]
    real = theoretical_curves(w, None, truth)
    for monotone in ("none", "isotonic", "dp"):
        fit = fit_sigma2(real, w, grid=grid, monotone=monotone)
        assert np.allclose(fit.sigma2, truth, rtol=1e-9), monotone
        assert fit.error.max() < 1e-12
        assert fit.errors.shape == (5, 29)


def test_fit_two_phase_end_to_end_from_arrays():
    """Checkpoint t holds ŵ = M̂(σ²_t) w* exactly (AND and OR); the final one is σ² = 0.

    One sample, so that the real threshold 0.03·|v(N) − v(∅)| equals the theoretical one.
    """
    w_and = planted_w_star(samples=1, seed=1)
    w_or = planted_w_star(samples=1, seed=2)
    w_or[:, 0] = 0.0
    grid = log_grid(1e-4, 1.0, 17)
    truth = np.concatenate([grid[[15, 11, 7, 3]], [0.0]])
    model = TwoPhaseModel(N)
    and_t = model.w_hat(w_and, truth)  # (5 checkpoints, 1 sample, 2**N)
    or_t = model.w_hat(w_or, truth)
    values = np.zeros_like(and_t)  # only v(∅) and v(N) matter for the thresholds
    values[..., 0] = and_t[..., 0]
    values[..., -1] = and_t.sum(-1) + or_t[..., 1:].sum(-1)
    fit = fit_two_phase(and_t, or_t, values, grid=grid, monotone="none", checkpoints=list("abcde"))
    assert np.allclose(fit.sigma2[:4], truth[:4])
    assert fit.sigma2[4] <= grid[1] and fit.error[4] < 0.05  # σ² = 0 is off the grid
    assert fit.error[:4].max() < 1e-9
    assert [r["checkpoint"] for r in fit.as_rows()] == list("abcde")
    iso = fit_two_phase(and_t, or_t, values, grid=grid)
    assert np.allclose(iso.sigma2[:4], truth[:4])


def test_monotone_constraints_give_nonincreasing_sigma2():
    w = planted_w_star()
    grid = log_grid(1e-4, 1.0, 25)
    truth = grid[[20, 6, 14, 3, 10, 1]]  # deliberately not monotone
    real = theoretical_curves(w, None, truth)
    raw = fit_sigma2(real, w, grid=grid, monotone="none")
    assert np.allclose(raw.sigma2, truth)
    for monotone in ("isotonic", "dp"):
        fit = fit_sigma2(real, w, grid=grid, monotone=monotone)
        assert np.all(np.diff(fit.sigma2) <= 1e-15)
        assert np.all(fit.error >= 0) and fit.error.sum() > 0
        assert np.allclose(fit.sigma2_raw, truth)
    dp = fit_sigma2(real, w, grid=grid, monotone="dp")
    iso = fit_sigma2(real, w, grid=grid, monotone="isotonic")
    # dp is the best non-increasing grid path: no worse in total than the isotonic choice
    iso_on_grid = np.array([np.argmin(np.abs(np.log(grid) - np.log(s))) for s in iso.sigma2])
    assert dp.error.sum() <= dp.errors[np.arange(6), iso_on_grid].sum() + 1e-12
    assert np.allclose(np.log(iso.sigma2), isotonic_nonincreasing(np.log(truth)))


def test_isotonic_matches_sklearn():
    rng = np.random.default_rng(3)
    for _ in range(20):
        y = rng.normal(size=12)
        ref = IsotonicRegression(increasing=False).fit_transform(np.arange(12), y)
        assert np.allclose(isotonic_nonincreasing(y), ref)


def test_dp_path_is_the_constrained_optimum_by_enumeration():
    rng = np.random.default_rng(4)
    errors = rng.random((4, 5))
    best = min(
        (sum(errors[t, i] for t, i in enumerate(path)), path)
        for path in itertools.product(range(5), repeat=4)
        if all(a >= b for a, b in itertools.pairwise(path))
    )
    path = _best_nonincreasing_path(errors)
    assert tuple(path) == best[1]


def test_fit_errors():
    w = planted_w_star()
    real = theoretical_curves(w, None, np.array([0.1]))
    with pytest.raises(TheoryInputError, match="orders"):
        fit_sigma2(real[:, :4], w)
    with pytest.raises(TheoryInputError, match="does not sum to a positive"):
        fit_sigma2(np.zeros((1, N)), w)
    with pytest.raises(TheoryInputError, match="negative"):
        fit_sigma2(-real, w)
    with pytest.raises(TheoryInputError, match="grid"):
        fit_sigma2(real, w, grid=np.array([-1.0, 1.0]))
    with pytest.raises(TheoryInputError, match="log scale"):
        fit_sigma2(real, w, grid=np.array([0.0, 1.0]), monotone="isotonic")
    with pytest.raises(TheoryInputError, match="monotone"):
        fit_sigma2(real, w, monotone="up")
    with pytest.raises(TheoryInputError, match="distance"):
        fit_sigma2(real, w, distance="kl")
    with pytest.raises(TheoryInputError, match="labels"):
        fit_sigma2(real, w, checkpoints=["a", "b"])
    vals = zeta(w)[None]
    with pytest.raises(TheoryInputError, match="not a checkpoint"):
        fit_two_phase(w[None], None, vals, final=3)
    with pytest.raises(TheoryInputError, match="checkpoints, samples"):
        fit_two_phase(w[None], None, vals[0])
