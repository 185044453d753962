"""I_real, I_theo and w* (paper A) against brute-force loops over subsets."""

from __future__ import annotations

import numpy as np
import pytest

from harsanyi.core.transforms import zeta
from harsanyi.errors import TheoryInputError
from harsanyi.metrics import salient_threshold, signed_strength_by_order, strength_by_order
from harsanyi.theory import build_w_star, theoretical_distribution
from harsanyi.theory import real_distribution_of as real_distribution


def popcount(s: int) -> int:
    return bin(s).count("1")


def brute_real(I_and, I_or, v, ratio=0.03):
    n = I_and.shape[-1].bit_length() - 1
    tau = ratio * np.mean([abs(row[-1] - row[0]) for row in v])
    out = np.zeros(n)
    for x in range(I_and.shape[0]):
        for arr in (I_and, I_or):
            for s in range(1, 2**n):
                if abs(arr[x, s]) >= tau:
                    out[popcount(s) - 1] += abs(arr[x, s])
    out /= I_and.shape[0]
    return out / out.sum()


def brute_theo(w_and, w_or, ratio=0.03):
    n = w_and.shape[-1].bit_length() - 1
    out = np.zeros(n)
    for x in range(w_and.shape[0]):
        v_theo = w_and[x].sum() + w_or[x].sum()
        tau = ratio * abs(v_theo - (w_and[x, 0] + w_or[x, 0]))
        for arr in (w_and, w_or):
            for s in range(1, 2**n):
                if abs(arr[x, s]) >= tau:
                    out[popcount(s) - 1] += abs(arr[x, s])
    out /= w_and.shape[0]
    return out / out.sum()


@pytest.fixture
def game():
    rng = np.random.default_rng(0)
    n, samples = 5, 4
    I_and = rng.normal(size=(samples, 2**n)) * rng.random((samples, 2**n)) ** 4
    I_or = rng.normal(size=(samples, 2**n)) * rng.random((samples, 2**n)) ** 4
    I_or[:, 0] = 0.0
    v = zeta(I_and) + rng.normal(size=(samples, 2**n))
    return I_and, I_or, v


def test_salient_threshold_is_global_per_checkpoint(game):
    _, _, v = game
    tau = salient_threshold(v, 0.03)  # one value per sample, the same for all of them
    assert tau == pytest.approx([0.03 * np.mean(np.abs(v[:, -1] - v[:, 0]))] * 4)
    stacked = salient_threshold(np.stack([v, 2 * v]), 0.03)
    assert stacked.shape == (2, 4) and stacked[1] == pytest.approx(2 * tau)


def test_real_distribution_matches_brute_force(game):
    I_and, I_or, v = game
    got = real_distribution(I_and, I_or, v)
    assert np.allclose(got, brute_real(I_and, I_or, v))
    assert got.sum() == pytest.approx(1.0)
    assert real_distribution(I_and, I_or, v, normalize="mean").sum() == pytest.approx(5.0)


def test_real_distribution_over_checkpoints_uses_each_threshold(game):
    I_and, I_or, v = game
    stacked = real_distribution(
        np.stack([I_and, 3 * I_and]), np.stack([I_or, 3 * I_or]), np.stack([v, 3 * v])
    )
    assert stacked.shape == (2, 5)
    assert np.allclose(stacked[0], stacked[1])  # scaling everything keeps the distribution


def test_and_only_variant(game):
    I_and, _, v = game
    zeros = np.zeros_like(I_and)
    assert np.allclose(real_distribution(I_and, None, v), brute_real(I_and, zeros, v))


def test_strength_by_order_signs():
    I = np.array([0.0, 1.0, -2.0, 0.5, 0.1, -0.05, 0.3, -4.0])
    assert np.allclose(strength_by_order(I), [3.1, 0.85, 4.0])
    pos, neg = signed_strength_by_order(I, None, 0.2)
    assert np.allclose(pos, [1.0, 0.8, 0.0]) and np.allclose(neg, [-2.0, 0.0, -4.0])


def test_theoretical_distribution_matches_brute_force(game):
    I_and, I_or, _ = game
    assert np.allclose(theoretical_distribution(I_and, I_or), brute_theo(I_and, I_or))


def test_build_w_star_keeps_salient_sets_only(game):
    I_and, I_or, v = game
    tau = salient_threshold(v)[0]
    w_and, w_or = build_w_star(I_and, I_or, v)
    keep_and = np.abs(I_and) >= tau
    assert np.array_equal(w_and[:, 1:], np.where(keep_and, I_and, 0.0)[:, 1:])
    assert np.array_equal(w_and[:, 0], v[:, 0])
    assert np.array_equal(w_or[:, 0], np.zeros(4))
    assert np.array_equal(w_or[:, 1:], np.where(np.abs(I_or) >= tau, I_or, 0.0)[:, 1:])
    half_and, half_or = build_w_star(I_and, I_or, v, empty="half")
    assert np.allclose(half_and[:, 0] + half_or[:, 0], v[:, 0])


def test_empty_salient_set_is_an_error():
    v = np.array([[0.0, 1.0, 1.0, 2.0]])
    tiny = np.full((1, 4), 1e-6)
    with pytest.raises(TheoryInputError, match="no salient interaction"):
        build_w_star(tiny, None, v)
    with pytest.raises(TheoryInputError, match="no salient interaction"):
        real_distribution(tiny, tiny, v)
    with pytest.raises(TheoryInputError, match="sum to 0"):
        theoretical_distribution(np.zeros((1, 4)))


def test_bad_inputs():
    v = np.zeros((2, 8))
    with pytest.raises(TheoryInputError, match=r"\(n=3\) but n=2 was expected"):
        real_distribution(np.zeros((2, 4)), None, v)
    with pytest.raises(TheoryInputError, match="same shape"):
        real_distribution(np.zeros((3, 8)), None, v)
    with pytest.raises(ValueError, match="ratio"):
        salient_threshold(v, -0.1)
    with pytest.raises(TheoryInputError, match="normalize"):
        real_distribution(np.ones((2, 8)), None, np.ones((2, 8)), normalize="max")
    with pytest.raises(TheoryInputError, match="samples, 2\\*\\*n"):
        build_w_star(np.ones((2, 2, 8)), None, np.ones((2, 2, 8)))
