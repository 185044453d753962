"""Tests of tracking quality between consecutive checkpoints (split vs Möbius)."""

from __future__ import annotations

import numpy as np
import pytest

from harsanyi.errors import ShapeError
from harsanyi.metrics.tracking import pooled, relative_l1_change, top_k_overlap, tracking_quality


def brute_overlap(a, b, k):
    top = lambda x: set(sorted(range(len(x)), key=lambda i: (-abs(x[i]), i))[:k])  # noqa: E731
    return len(top(a) & top(b)) / k


def test_overlap_and_change_match_brute_force():
    rng = np.random.default_rng(0)
    a, b = rng.normal(size=(5, 40)), rng.normal(size=(5, 40))
    b[0] = a[0]
    got = top_k_overlap(a, b, k=7)
    assert got[0] == 1.0
    for i in range(5):
        assert got[i] == brute_overlap(a[i], b[i], 7)
        assert relative_l1_change(a[i], b[i]) == pytest.approx(
            sum(abs(b[i] - a[i])) / sum(abs(a[i])))


def test_ties_go_to_the_lower_index_and_k_is_capped():
    assert top_k_overlap(np.array([1.0, 1.0, 0.0]), np.array([1.0, 0.0, 1.0]), k=1) == 1.0
    assert top_k_overlap(np.ones(3), np.ones(3), k=50) == 1.0


def test_pooled_drops_the_constant_and_keeps_or():
    assert pooled(np.array([[9.0, 1, 2, 3]]), np.array([[0.0, 0, 0, 4]])).tolist() == [
        [1.0, 2.0, 3.0, 0.0, 0.0, 0.0, 4.0]]
    assert pooled(np.array([9.0, 1.0])).tolist() == [1.0]


def test_tracking_quality_consecutive_pairs():
    rng = np.random.default_rng(1)
    drift = 0.1 * rng.normal(size=(4, 3, 30)).cumsum(0)
    mob = rng.normal(size=(1, 3, 30)) + drift  # 4 checkpoints of 3 samples, slowly moving
    split = mob.copy()
    split[2] = -split[2]  # the split flips at checkpoint 2: it changes 2x more there
    out = tracking_quality(split, mob, k=5)
    assert out["split_change"].shape == (3, 3)
    np.testing.assert_allclose(out["split_change"][0], out["mobius_change"][0])
    np.testing.assert_array_equal(out["split_overlap"], out["mobius_overlap"])
    assert np.all(out["change_ratio"][1] > 1.0) and np.all(out["change_ratio"][0] == 1.0)
    moved = tracking_quality(np.moveaxis(split, 0, 1), np.moveaxis(mob, 0, 1), k=5, axis=1)
    np.testing.assert_allclose(moved["split_change"], out["split_change"])


def test_zero_vectors_and_bad_input():
    assert relative_l1_change(np.zeros(3), np.zeros(3)) == 0.0
    assert relative_l1_change(np.zeros(3), np.ones(3)) == np.inf
    with pytest.raises(ShapeError):
        relative_l1_change(np.zeros(3), np.zeros(4))
    with pytest.raises(ShapeError, match="two checkpoints"):
        tracking_quality(np.zeros((1, 3)), np.zeros((1, 3)))
    with pytest.raises(ShapeError, match="same leading shape"):
        tracking_quality(np.zeros((2, 3)), np.zeros((3, 3)))
    with pytest.raises(ValueError, match="positive"):
        top_k_overlap(np.zeros(3), np.zeros(3), k=0)
