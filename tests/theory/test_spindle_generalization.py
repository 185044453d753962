"""Spindle of random interactions (paper B) and decay/spindle disentangling (paper D)."""

from __future__ import annotations

import numpy as np
import pytest

from harsanyi.core.orders import order_of_masks
from harsanyi.core.transforms import mobius, zeta
from harsanyi.errors import TheoryInputError
from harsanyi.metrics import signed_strength_by_order
from harsanyi.theory import (
    TwoPhaseModel,
    decay_family,
    disentangle,
    row_norms_by_order,
    spindle_family,
    spindle_profile,
    strength_change,
)


def signed_strength(and_values, or_values=None, tau=0.0):
    """Paper D's ``A^(m),±``: the sample mean of the metrics' salient strength by order."""
    pos, neg = signed_strength_by_order(and_values, or_values, tau)
    return pos.mean(axis=-2), neg.mean(axis=-2)


SPEC_PROFILE = [0.002, 0.013, 0.050, 0.125, 0.212, 0.250, 0.202, 0.107, 0.034, 0.005]


def test_spindle_profile_matches_spec_and_formula():
    assert np.round(spindle_profile(10, normalize=True), 3).tolist() == SPEC_PROFILE
    raw = spindle_profile(6, sigma=0.5)
    k = np.arange(1, 7)
    binom = np.array([6, 15, 20, 15, 6, 1])
    assert np.allclose(raw, binom * 2 ** (k / 2) * 0.5 / np.sqrt(2 * np.pi))
    assert np.argmax(spindle_profile(20)) + 1 == round(20 * np.sqrt(2) / (1 + np.sqrt(2)))


@pytest.mark.parametrize("tau", [0.0, 0.6])
def test_spindle_profile_matches_monte_carlo(tau):
    """i.i.d. N(0, σ²) outputs on all masks: mean ± strength per order vs the formula."""
    n, sigma, draws = 7, 0.3, 4000
    rng = np.random.default_rng(0)
    I = mobius(sigma * rng.normal(size=(draws, 2**n)))
    pos, neg = signed_strength(I, tau=tau)
    expected = spindle_profile(n, sigma, tau=tau)
    # standard error of the mean of Σ_{|S|=k} max(I,0)·1(|I|≥τ): ≤ sqrt(C(n,k)) s_k / sqrt(draws)
    k = np.arange(1, n + 1)
    binom = np.array([7, 21, 35, 35, 21, 7, 1])
    se = np.sqrt(binom) * sigma * 2 ** (k / 2) / np.sqrt(draws)
    assert np.all(np.abs(pos - expected) < 4 * se)
    assert np.all(np.abs(neg + expected) < 4 * se)
    # and the variance of one interaction is 2^|S| σ² (paper A, Lemma 1)
    orders = order_of_masks(n)
    var = I.var(axis=0)
    assert np.allclose(var[orders == 5].mean() / (2**5 * sigma**2), 1.0, atol=0.05)


def test_spindle_errors():
    with pytest.raises(TheoryInputError, match="sigma"):
        spindle_profile(5, sigma=-1.0)
    with pytest.raises(TheoryInputError, match="normalised"):
        spindle_profile(5, sigma=0.0, normalize=True)
    with pytest.raises(TheoryInputError, match="base"):
        spindle_family(5, base=0.0)


def test_signed_strength_brute_force():
    rng = np.random.default_rng(1)
    n = 4
    I_and = rng.normal(size=(3, 16))
    I_or = rng.normal(size=(3, 16))
    pos, neg = signed_strength(I_and, I_or, tau=0.5)
    ref_pos, ref_neg = np.zeros(n), np.zeros(n)
    for x in range(3):
        for arr in (I_and, I_or):
            for s in range(1, 16):
                k = bin(s).count("1") - 1
                if abs(arr[x, s]) >= 0.5:
                    ref_pos[k] += max(arr[x, s], 0) / 3
                    ref_neg[k] += min(arr[x, s], 0) / 3
    assert np.allclose(pos, ref_pos) and np.allclose(neg, ref_neg)
    d_pos, d_neg = strength_change((pos, neg), (2 * pos, 3 * neg))
    assert np.allclose(d_pos, pos) and np.allclose(d_neg, 2 * neg)


def test_decay_family_shapes():
    assert np.allclose(decay_family(5, "exp", 0.7), np.exp(-0.7 * np.arange(1, 6)))
    assert np.allclose(decay_family(5, "rownorm", 0.01), row_norms_by_order(5, 0.01)[1:])
    with pytest.raises(TheoryInputError, match="kind"):
        decay_family(5, "linear", 1.0)
    with pytest.raises(TheoryInputError, match="decay parameter"):
        decay_family(5, "exp", -1.0)


@pytest.mark.parametrize(
    "decay,param,grid",
    [
        ("exp", 0.8, np.linspace(0.2, 2.0, 10)),
        ("rownorm", 1e-2, np.logspace(-4, 0, 9)),
    ],
)
def test_disentangle_recovers_planted_mixture(decay, param, grid):
    n = 8
    y_pos = 3.0 * decay_family(n, decay, param) + 0.02 * spindle_family(n)
    y_neg = -(1.0 * decay_family(n, decay, param) + 0.05 * spindle_family(n))
    out = disentangle(y_pos, y_neg, decay=decay, decay_grid=grid)
    assert out.pos.decay_param == pytest.approx(param)
    assert out.pos.decay_scale == pytest.approx(3.0, rel=1e-6)
    assert out.pos.spindle_scale == pytest.approx(0.02, rel=1e-6)
    assert out.neg.decay_scale == pytest.approx(1.0, rel=1e-6)
    assert out.neg.spindle_scale == pytest.approx(0.05, rel=1e-6)
    assert np.allclose(out.neg.decay_part + out.neg.spindle_part, y_neg)
    assert out.pos.r2 > 1 - 1e-10 and out.pos.rel_error < 1e-8
    assert set(out.as_dict()) >= {"pos_spindle_scale", "neg_r2"}


def test_disentangle_with_target_decay_and_free_base():
    rng = np.random.default_rng(2)
    n = 6
    w = np.zeros((2, 2**n))
    orders = order_of_masks(n)
    w[:, orders == 1] = rng.uniform(0.5, 1.0, (2, 6))
    w[:, orders == 2] = rng.uniform(-0.5, 0.5, (2, 15))
    hat = TwoPhaseModel(n).w_hat(w, 0.05)
    pos, neg = signed_strength(hat)
    base = 1.7
    pos = pos + 0.01 * spindle_family(n, base)
    neg = neg - 0.01 * spindle_family(n, base)
    out = disentangle(
        pos,
        neg,
        decay="target",
        decay_grid=[0.005, 0.05, 0.5],
        w_star=(w, None),
        spindle_base=[1.2, 1.7, 2.0],
    )
    assert out.pos.decay_param == 0.05 and out.pos.spindle_base == 1.7
    assert out.pos.spindle_scale == pytest.approx(0.01, rel=1e-6)
    assert out.neg.spindle_scale == pytest.approx(0.01, rel=1e-6)


@pytest.mark.parametrize("weights", ["none", "noise"])
def test_synthetic_generalizable_plus_output_noise(weights):
    """Decay-shaped generalizable interactions + σ·(i.i.d. output noise): the fitted spindle
    scale grows with σ while the decay part stays within 10%.

    At σ = 0.0025 the expected noise strength (Σ_m |A_spindle^(m)|) already exceeds the
    generalizable strength. Much larger σ buries orders ≥ 2 of the weaker (negative) decay
    part and it drifts by more than 10% (see the report).
    """
    n, samples = 10, 48
    rng = np.random.default_rng(0)
    orders = order_of_masks(n)
    I_gen = np.zeros((samples, 2**n))
    for m in range(1, n + 1):  # per order: 4 positive sets (total 3e^-m), 2 negative (e^-m)
        ix = np.flatnonzero(orders == m)
        for x in range(samples):
            sel = rng.choice(ix, min(ix.size, 6), replace=False)
            pos_sets, neg_sets = sel[:4], sel[4:]
            I_gen[x, pos_sets] = 3.0 * np.exp(-m) / 4 * rng.uniform(0.5, 1.5, pos_sets.size)
            I_gen[x, neg_sets] = -np.exp(-m) / 2 * rng.uniform(0.5, 1.5, neg_sets.size)
    v_gen = zeta(I_gen)
    noise = rng.normal(size=v_gen.shape)
    sigmas = [0.0, 0.0005, 0.001, 0.0015, 0.002, 0.0025]
    fits = []
    for sigma in sigmas:
        pos, neg = signed_strength(mobius(v_gen + sigma * noise))
        fits.append(disentangle(pos, neg, decay="exp", weights=weights))
    kappa_pos = np.array([f.pos.spindle_scale for f in fits])
    kappa_neg = np.array([f.neg.spindle_scale for f in fits])
    assert np.all(np.diff(kappa_pos) > 0) and np.all(np.diff(kappa_neg) > 0)
    # κ ≈ σ/√(2π) for one interaction type
    expected = np.array(sigmas[1:]) / np.sqrt(2 * np.pi)
    assert np.allclose(kappa_pos[1:], expected, rtol=0.15)
    ref_pos, ref_neg = fits[0].pos.decay_part, fits[0].neg.decay_part
    for f in fits[1:]:
        assert np.linalg.norm(f.pos.decay_part - ref_pos) <= 0.1 * np.linalg.norm(ref_pos)
        assert np.linalg.norm(f.neg.decay_part - ref_neg) <= 0.1 * np.linalg.norm(ref_neg)


def test_disentangle_errors():
    with pytest.raises(TheoryInputError, match="equal length"):
        disentangle(np.ones(5), -np.ones(4))
    with pytest.raises(TheoryInputError, match="NaN"):
        disentangle(np.array([1.0, np.nan]), -np.ones(2))
    with pytest.raises(TheoryInputError, match="w_star"):
        disentangle(np.ones(4), -np.ones(4), decay="target")
    with pytest.raises(TheoryInputError, match="weights"):
        disentangle(np.ones(4), -np.ones(4), weights="huber")
    with pytest.raises(TheoryInputError, match="decay must be"):
        disentangle(np.ones(4), -np.ones(4), decay="gauss")
    with pytest.raises(TheoryInputError, match="n=3 but pos has 4"):
        disentangle(np.ones(4), -np.ones(4), decay="target", w_star=(np.ones((1, 8)), None))
