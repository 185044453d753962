"""Two-phase analysis: brute-force distributions, planted phase boundaries and gap onsets,
train-vs-test similarity, groups of samples, and the analysis of a real run store."""

from __future__ import annotations

import itertools
from math import comb

import numpy as np
import pytest

from harsanyi.core.orders import order_of_masks, orders_index
from harsanyi.dynamics.phases import (
    PhaseRule,
    distribution_by_group,
    gap_onset,
    order_profile,
    phase_boundary,
    train_test_similarity,
    two_phase,
)
from harsanyi.errors import ShapeError


def test_order_profile_matches_brute_force():
    rng = np.random.default_rng(0)
    K, B, n = 3, 4, 4
    a, o = rng.normal(size=(K, B, 2**n)), rng.normal(size=(K, B, 2**n))
    o[..., order_of_masks(n) <= 1] = 0.0
    taus = np.array([0.3, 0.8, 1.5])
    prof = order_profile(a, o, taus)
    for t in range(K):
        pos, neg = np.zeros(n), np.zeros(n)
        for b, arr in itertools.product(range(B), (a, o)):
            for S in range(1, 2**n):
                x = arr[t, b, S]
                k = bin(S).count("1")
                if abs(x) >= taus[t]:
                    pos[k - 1] += max(x, 0) / B
                    neg[k - 1] += min(x, 0) / B
        np.testing.assert_allclose(prof.pos[t], pos, atol=1e-12)
        np.testing.assert_allclose(prof.neg[t], neg, atol=1e-12)
        real = (pos - neg) / (pos - neg).sum()
        np.testing.assert_allclose(prof.real[t], real, atol=1e-12)
        assert prof.mean_order[t] == pytest.approx(real @ np.arange(1, n + 1))
    assert (prof.strength_pos >= prof.pos - 1e-12).all()  # τ = 0 keeps everything
    assert (prof.strength_neg <= prof.neg + 1e-12).all()


def _planted(profile: np.ndarray, B: int, n: int, rng) -> np.ndarray:
    """Interactions ``(K, B, 2**n)`` whose salient strength per order follows ``profile``
    ``(K, n)``: the mass of order k is split over all subsets of order k, random signs."""
    K = profile.shape[0]
    a = np.zeros((K, B, 2**n))
    for k in range(1, n + 1):
        idx = orders_index(n)[k]
        signs = rng.choice([-1.0, 1.0], size=(K, B, len(idx)))
        a[..., idx] = signs * (profile[:, None, k - 1:k] / comb(n, k))
    return a


def _two_phase_profile(K: int, n: int, t_star: int) -> np.ndarray:
    """Spindle at t=0, collapse onto low orders until t_star, then higher orders grow."""
    k = np.arange(1, n + 1)
    spindle = np.array([comb(n, j) * 2 ** (j / 2) for j in k])
    low = np.exp(-2.0 * (k - 1))
    rows = []
    for t in range(K):
        if t <= t_star:
            w = t / t_star
            row = (1 - w) * spindle / spindle.sum() + w * low / low.sum()
        else:
            grow = (t - t_star) / (K - t_star)
            row = low / low.sum() + grow * np.exp(-0.5 * (k - 1)) / 3
        rows.append(row / row.sum())
    return np.array(rows)


@pytest.mark.parametrize("t_star", [4, 7])
def test_planted_phase_boundary(t_star):
    K, n = 14, 6
    prof = _two_phase_profile(K, n, t_star)
    assert phase_boundary(prof) == t_star
    assert phase_boundary(prof, PhaseRule(method="high_order_mass", rise_steps=3)) == t_star
    assert phase_boundary(prof, PhaseRule(burn_in=K)) is None
    flat = np.tile(prof[0], (K, 1))
    assert phase_boundary(flat, PhaseRule(method="high_order_mass")) is None


def test_planted_gap_onset_with_noise():
    rng = np.random.default_rng(1)
    t = np.arange(30)
    train = np.exp(-t / 6)
    gap = np.where(t < 12, 0.3 * np.exp(-t / 4), 0.3 * np.exp(-12 / 4) + 0.04 * (t - 12))
    test = train + gap + rng.normal(0, 0.002, size=t.size)
    onset = gap_onset(train, test)
    assert 12 <= onset <= 14
    assert abs(gap_onset(train, test, PhaseRule(anchor="min")) - 12) <= 1
    assert gap_onset(train, train + 0.1) is None  # a constant gap never starts to grow
    with pytest.raises(ValueError, match="missing"):
        gap_onset([1.0, np.nan], [1.0, 1.0])


def test_two_phase_end_to_end_on_planted_run():
    rng = np.random.default_rng(2)
    K, B, n, t_star = 16, 6, 6, 5
    prof = _two_phase_profile(K, n, t_star)
    a = _planted(prof, B, n, rng)
    values = np.zeros_like(a)
    values[..., -1] = 1e-9  # tiny τ: every planted interaction is salient
    epochs = np.arange(0, 2 * K, 2)
    tr_loss = np.exp(-np.arange(K) / 4)
    te_loss = tr_loss + np.where(np.arange(K) < 8, 0.2, 0.2 + 0.05 * (np.arange(K) - 7))
    res = two_phase(a, np.zeros_like(a), values, epochs=epochs, split=["train", "test"] * 3,
                    train_loss=tr_loss, test_loss=te_loss)
    assert set(res.profiles) == {"all", "train", "test"}
    np.testing.assert_allclose(res.profiles["test"].real, prof, atol=1e-12)
    assert res.boundary == t_star and res.boundary_epoch == 2 * t_star
    assert res.onset == 8 and res.onset_epoch == 16
    assert res.distance == 6
    np.testing.assert_allclose(res.gap, te_loss - tr_loss)
    # without losses the onset is undefined
    assert two_phase(a, None, values).distance is None
    with pytest.raises(ShapeError, match="values have shape"):
        two_phase(a, None, values[:, :2])
    with pytest.raises(ValueError, match="method must be"):
        PhaseRule(method="kmeans")


def test_train_test_similarity():
    rng = np.random.default_rng(3)
    n, B = 4, 8
    a = rng.normal(size=(B, 2**n))
    o = np.zeros_like(a)
    classes = np.array([0, 0, 1, 1, 0, 0, 1, 1])
    split = np.array(["train"] * 4 + ["test"] * 4)
    same = train_test_similarity(np.concatenate([a[:4], a[:4]]), None, split, classes)
    np.testing.assert_allclose(same, 1.0)
    sim = train_test_similarity(a, o, split, classes)
    for k in range(1, n + 1):  # brute force, per class then averaged
        vals = []
        for c in (0, 1):
            def bar(sel, c=c, k=k):
                x = a[sel & (classes == c)][:, orders_index(n)[k]]
                z = np.zeros_like(x)
                return np.concatenate([np.maximum(x, 0), -np.minimum(x, 0), z, z],
                                      axis=1).mean(0)
            x, y = bar(split == "train"), bar(split == "test")
            vals.append(np.minimum(x, y).sum() / np.maximum(x, y).sum())
        assert sim[k - 1] == pytest.approx(np.mean(vals))
    disjoint = np.zeros((2, 2**n))
    disjoint[0, 0b0011], disjoint[1, 0b0101] = 1.0, 1.0
    assert train_test_similarity(disjoint, None, ["train", "test"], [0, 0])[1] == 0.0
    only_train = train_test_similarity(a[:2], None, ["train", "train"], [0, 0])
    assert np.isnan(only_train).all()
    stacked = train_test_similarity(np.stack([a, a]), np.stack([o, o]), split, classes)
    assert stacked.shape == (2, n) and np.allclose(stacked[0], sim)


def test_groups_side_by_side_flipped_use_higher_orders():
    rng = np.random.default_rng(4)
    K, n = 3, 6
    k = np.arange(1, n + 1)
    clean = np.tile(np.exp(-(k - 1.0)), (K, 1))
    noisy = np.tile(np.exp(-0.3 * (k - 1.0)), (K, 1))
    a = np.concatenate([_planted(clean, 5, n, rng), _planted(noisy, 3, n, rng)], axis=1)
    labels = np.array([False] * 5 + [True] * 3)
    prof = distribution_by_group(a, None, labels, tau=1e-6)
    assert set(prof) == {False, True}
    assert (prof[True].mean_order > prof[False].mean_order + 0.5).all()
    with pytest.raises(ShapeError, match="one entry per sample"):
        distribution_by_group(a, None, labels[:3], tau=0.0)


def test_two_phase_on_a_real_run_store(serial_store):
    arr = serial_store.arrays()
    a, o, v = arr.and_values, arr.or_values, arr.values
    res = two_phase(a, o, v, epochs=arr.epochs, split=arr.split, train_loss=arr.train_loss,
                    test_loss=arr.test_loss)
    n = serial_store.n
    assert res.profiles["all"].real.shape == (7, n)
    finite = np.isfinite(res.profiles["all"].real).all(axis=1)
    np.testing.assert_allclose(res.profiles["all"].real[finite].sum(axis=1), 1.0)
    assert res.boundary is not None and 1 <= res.boundary < 7
    np.testing.assert_array_equal(res.epochs, np.arange(7))
    flipped = np.asarray(serial_store.samples["flipped"])
    prof = distribution_by_group(a, o, flipped, res.profiles["all"].tau)
    assert set(prof) == {False, True}
