"""Metrics against brute-force loops over subsets on small n, and planted cases."""

from __future__ import annotations

import math

import numpy as np
import pytest

import harsanyi as hs
from harsanyi.extract.interactions import Interactions
from harsanyi.extract.matching import matching_residual as extract_residual
from harsanyi.metrics import (
    alpha_hat,
    matching_error,
    matching_residual,
    mean_abs_by_order,
    mean_order,
    real_distribution,
    salient_count,
    salient_threshold,
    signed_strength_by_order,
    sparsity_curve,
    strength_by_order,
    top_alpha_errors,
)

N = 4


def popcount(s: int) -> int:
    return bin(s).count("1")


@pytest.fixture
def arrays():
    rng = np.random.default_rng(0)
    a = rng.normal(size=(3, 2**N))
    o = rng.normal(size=(3, 2**N))
    o[:, [0, 1, 2, 4, 8]] = 0.0  # our convention: OR at ∅ and singletons is 0
    return a, o


def inter_from(values: np.ndarray, and_v: np.ndarray, or_v: np.ndarray) -> Interactions:
    z = np.zeros_like(values)
    return Interactions(and_values=and_v, or_values=or_v, gamma=z, q=z, values=values,
                        bound=np.zeros(values.shape[:-1]),
                        residual=extract_residual(values, and_v, or_v),
                        objective=np.zeros(values.shape[:-1]))


def test_signed_strength_by_order_brute_force(arrays):
    a, o = arrays
    tau = np.array([0.3, 0.8, 0.0])
    pos, neg = signed_strength_by_order(a, o, tau)
    assert pos.shape == neg.shape == (3, N)  # orders 1..n
    for b in range(3):
        want_p, want_n = np.zeros(N), np.zeros(N)
        for arr in (a, o):
            for s in range(1, 2**N):
                val = arr[b, s]
                if abs(val) >= tau[b]:
                    want_p[popcount(s) - 1] += max(val, 0.0)
                    want_n[popcount(s) - 1] += min(val, 0.0)
        assert np.allclose(pos[b], want_p, atol=1e-14) and np.allclose(neg[b], want_n, atol=1e-14)
    big = a.copy()
    big[:, 0] = 1e6  # ∅ carries v(∅), not an interaction
    assert np.array_equal(signed_strength_by_order(big, o, tau)[0], pos)
    assert np.allclose(strength_by_order(a, o, tau), pos - neg)


def test_signed_strength_accepts_interactions(arrays):
    a, o = arrays
    inter = inter_from(a.copy(), a, o)
    p1, n1 = signed_strength_by_order(inter, tau=0.5)
    p2, n2 = signed_strength_by_order(a, o, 0.5)
    assert np.array_equal(p1, p2) and np.array_equal(n1, n2)


def test_mean_abs_by_order_brute_force(arrays):
    a, o = arrays
    got = mean_abs_by_order(a, o)
    and_only = mean_abs_by_order(a)
    for b in range(3):
        for k in range(1, N + 1):
            subsets = [s for s in range(2**N) if popcount(s) == k]
            want = sum(abs(a[b, s]) + abs(o[b, s]) for s in subsets) / math.comb(N, k)
            assert got[b, k - 1] == pytest.approx(want, abs=1e-14)
            want_and = sum(abs(a[b, s]) for s in subsets) / math.comb(N, k)
            assert and_only[b, k - 1] == pytest.approx(want_and, abs=1e-14)


def test_real_distribution_brute_force(arrays):
    a, o = arrays
    tau = 0.7
    got = real_distribution(a, o, tau)
    total = np.zeros(N)
    for b in range(3):
        for arr in (a, o):
            for s in range(1, 2**N):
                if abs(arr[b, s]) >= tau:
                    total[popcount(s) - 1] += abs(arr[b, s]) / 3
    assert got.shape == (N,) and np.allclose(got, total / total.sum(), atol=1e-14)
    assert np.isnan(real_distribution(a, o, tau=100.0)).all()  # nothing salient: NaN
    per_ckpt = real_distribution(np.stack([a, a]), np.stack([o, o]), np.array([[tau], [100.0]]))
    assert np.allclose(per_ckpt[0], got) and np.isnan(per_ckpt[1]).all()
    assert mean_order(per_ckpt).tolist()[1] != mean_order(per_ckpt).tolist()[1]  # NaN
    assert mean_order(per_ckpt)[0] == pytest.approx(got @ np.arange(1, N + 1))
    assert np.isnan(mean_order(np.zeros((1, N)))).all()  # an all-zero row has no mean order


def test_salient_threshold_both_conventions(arrays):
    a, o = arrays
    values = np.array([[0.0] * 15 + [2.0], [1.0] + [0.0] * 14 + [-3.0]])
    assert salient_threshold(values) == pytest.approx([0.03 * 3.0] * 2)  # one per sample
    assert salient_threshold(hs.Game(values), ratio=0.1) == pytest.approx([0.3, 0.3])
    counts = salient_count(a, o, tau=0.5)
    rel = salient_count(a, o, tau=salient_threshold(a, 0.2, reference="max", or_values=o))
    by_k = salient_count(a, o, tau=0.5, by_order=True)
    for b in range(3):
        pooled = [a[b, s] for s in range(1, 2**N)] + [o[b, s] for s in range(1, 2**N)]
        assert counts[b] == sum(1 for v in pooled if v != 0 and abs(v) >= 0.5)
        top = max(abs(v) for v in pooled)
        assert rel[b] == sum(1 for v in pooled if v != 0 and abs(v) >= 0.2 * top)
        for k in range(1, N + 1):
            want = sum(1 for arr in (a, o) for s in range(1, 2**N)
                       if popcount(s) == k and arr[b, s] != 0 and abs(arr[b, s]) >= 0.5)
            assert by_k[b, k - 1] == want
    with pytest.raises(ValueError, match="reference must be 'total'"):
        salient_threshold(values, reference="mean")
    with pytest.raises(ValueError, match="salient ratio"):
        salient_threshold(values, ratio=-1.0)


def test_sparsity_curve_brute_force(arrays):
    a, o = arrays
    curve = sparsity_curve(a, o)
    per = sparsity_curve(a, o, average=False)
    assert curve.shape == (2 ** (N + 1),) and per.shape == (3, 2 ** (N + 1))
    rows = []
    for b in range(3):
        vals = [0.0] + [abs(a[b, s]) for s in range(1, 2**N)] + [abs(v) for v in o[b]]
        top = max(vals)
        rows.append(sorted((v / top for v in vals), reverse=True))
    assert np.allclose(curve, np.mean(rows, axis=0), atol=1e-15)
    assert per[:, 0].tolist() == [1.0, 1.0, 1.0]


def test_planted_sparse_game_matching_error_and_alpha_hat():
    # v = 1 + 3·[x0 ∧ x1] − 2·[x2 ∨ x3] + 0.1·[x1]: 3 interactions explain everything
    and_v = np.zeros(16)
    or_v = np.zeros(16)
    and_v[0], and_v[0b0011], and_v[0b0010] = 1.0, 3.0, 0.1
    or_v[0b1100] = -2.0
    values = hs.extract.matching.reconstruct(and_v, or_v)
    inter = inter_from(values, and_v, or_v)
    assert matching_residual(values, and_v, or_v) < 1e-15
    for alpha in range(0, 5):
        approx = np.zeros(16)
        kept = sorted([(3.0, "and", 3), (-2.0, "or", 12), (0.1, "and", 2)],
                      key=lambda t: -abs(t[0]))[:alpha]
        for s in range(16):
            approx[s] = 1.0 + sum(v for v, kind, m in kept
                                  if (kind == "and" and m & s == m) or (kind == "or" and m & s))
        assert np.allclose(matching_error(inter, alpha, masks="all", signed=True),
                           values - approx, atol=1e-14)
        assert float(matching_error(inter, alpha)) == pytest.approx(abs(values[-1] - approx[-1]))
    # v(N) = 1 + 3 - 2 + 0.1 = 2.1; α=0: |2.1-1| ; α=1: |2.1-4|; α=2: 0.1/2.1 ≤ 0.1
    assert float(alpha_hat(inter)) == 2.0
    assert float(alpha_hat(inter, tol=0.01)) == 3.0
    assert float(alpha_hat(inter, share=True)) == 2.0 / 32


def test_alpha_hat_brute_force_on_random_batch():
    rng = np.random.default_rng(1)
    values = rng.normal(size=(4, 2**N)) + 3.0
    inter = hs.mobius(values)
    got = alpha_hat(inter, tol=0.1)
    for b in range(4):
        g = values[b, -1]
        want = next(al for al in range(2 ** (N + 1) + 1)
                    if abs(g - inter.surrogate(top_k=al)[b, -1]) <= 0.1 * abs(g))
        assert got[b] == want
    errs = top_alpha_errors(inter.and_values, inter.or_values, values)
    assert np.array_equal(alpha_hat(inter.and_values, inter.or_values, values, tol=0.1), got)
    assert errs.shape == (4, 2 ** (N + 1) + 1) and np.allclose(errs[:, -1], 0.0, atol=1e-12)
    zero = inter_from(np.zeros(16), np.zeros(16), np.zeros(16))
    assert np.isnan(alpha_hat(zero))
