"""Paper E's sparsity bound: definitions, Lemma 2, Theorems 2/3 and the paper code's choices."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from harsanyi.core.orders import order_of_masks
from harsanyi.core.transforms import mobius, zeta
from harsanyi.errors import TheoryInputError
from harsanyi.theory import (
    base_n_digits,
    check_monotone_share,
    estimate_p,
    is_monotone,
    mean_u_by_order,
    sparsity_bound,
    sparsity_table,
)


def planted_game(n, seed, orders=(1, 2, 3), per_order=6):
    """Sparse AND interactions of low order: positive singletons, mostly positive pairs/triples."""
    rng = np.random.default_rng(seed)
    o = order_of_masks(n)
    I = np.zeros(2**n)
    for m in orders:
        ix = np.flatnonzero(o == m)
        sel = rng.choice(ix, min(ix.size, per_order), replace=False)
        signs = 1.0 if m == 1 else rng.choice([1.0, 1.0, 1.0, -1.0], sel.size)
        I[sel] = rng.uniform(0.2, 1.0, sel.size) * signs
    return I, zeta(I)


def parity_like_game(n=10, eps=1e-3):
    """Parity χ_N(x) = Π(2x_i − 1) with a neutral baseline 1/2 puts the whole output on the order-n
    interaction: v(x_S) = 1(S = N), plus a small linear trend so that ū^(1) > 0."""
    v = eps * order_of_masks(n).astype(float)
    v[-1] += 5.0
    return mobius(v), v


def test_mean_u_by_order_brute_force():
    rng = np.random.default_rng(0)
    v = rng.normal(size=32)
    got = mean_u_by_order(v)
    for m in range(6):
        vals = [v[s] - v[0] for s in range(32) if bin(s).count("1") == m]
        assert got[m] == pytest.approx(np.mean(vals))


@pytest.mark.parametrize("seed", range(3))
def test_lemma2_mean_u_from_A(seed):
    """ū^(m) = Σ_k C(m,k)/C(n,k) A^(k) for every m (here M = n)."""
    n = 7
    v = np.random.default_rng(seed).normal(size=2**n)
    I = mobius(v - v[0])
    o = order_of_masks(n)
    A = [I[o == k].sum() for k in range(1, n + 1)]
    ubar = mean_u_by_order(v)
    for m in range(n + 1):
        rhs = sum(math.comb(m, k) / math.comb(n, k) * A[k - 1] for k in range(1, n + 1))
        assert ubar[m] == pytest.approx(rhs, abs=1e-12)


def test_estimate_p_power_law_and_assumption3():
    ubar = np.array([0.0] + [m**1.7 for m in range(1, 9)])
    assert estimate_p(ubar) == pytest.approx(1.7)
    assert estimate_p(ubar, "all_pairs") == pytest.approx(1.7)
    rng = np.random.default_rng(1)
    for _ in range(20):
        ub = np.concatenate([[0.0], np.cumsum(rng.uniform(0.01, 1.0, 8))])  # monotone
        p_ref, p_all = estimate_p(ub), estimate_p(ub, "all_pairs")
        assert p_all >= p_ref - 1e-12
        for m2 in range(1, 9):  # Assumption 3 holds with the all-pairs p, for every pair
            for m1 in range(1, m2):
                assert ub[m1] >= (m1 / m2) ** p_all * ub[m2] * (1 - 1e-12)
            assert ub[1] >= (1 / m2) ** p_ref * ub[m2] * (1 - 1e-12)
    assert estimate_p(ubar, ref_order=2) == pytest.approx(1.7)


def test_estimate_p_errors():
    with pytest.raises(TheoryInputError, match="not positive"):
        estimate_p(np.array([0.0, 0.0, 1.0, 2.0]))
    with pytest.raises(TheoryInputError, match="method"):
        estimate_p(np.array([0.0, 1.0, 2.0]), method="max")
    with pytest.raises(TheoryInputError, match="ref_order"):
        estimate_p(np.array([0.0, 1.0, 2.0]), ref_order=5)


@settings(max_examples=60, deadline=None)
@given(x=st.floats(0, 1e9, allow_nan=False), n=st.integers(2, 16))
def test_base_n_digits_round_trip(x, n):
    digits = base_n_digits(x, n)
    assert sum(d * n**i for i, d in enumerate(digits)) == pytest.approx(x, rel=1e-12, abs=1e-9)
    assert np.all(digits[1:] == np.floor(digits[1:])) and np.all(digits[1:] < n)
    assert digits[-1] > 0 or digits.size == 1


@pytest.mark.parametrize("n,seed", [(6, 0), (8, 1), (10, 2), (10, 3)])
def test_theorem2_decomposition_reproduces_A(n, seed):
    """Without the k=1 trick: A^(k)/ū^(1) = λ^(k) n^{p+δ} + Σ_{i<⌊p⌋} a_i^(k) n^i for every k."""
    I, v = planted_game(n, seed)
    res = sparsity_bound(I, v, k1_trick=False)
    assert res.status == "ok"
    pf = math.floor(res.p)
    for k in range(1, n + 1):
        rebuilt = res.lam[k - 1] * n ** (res.p + res.delta)
        rebuilt += sum(res.a[k - 1, i] * n**i for i in range(pf))
        assert rebuilt == pytest.approx(res.A[k - 1] / res.ubar1, rel=1e-9, abs=1e-9)
    assert np.all(np.abs(res.lam) <= 1 + 1e-12)
    assert res.delta <= res.delta_bound + 1e-12


@pytest.mark.parametrize("n,seed", [(6, 4), (8, 5), (10, 6)])
def test_theorem3_identity_with_realised_delta(n, seed):
    """With the realised δ and no trick the bound is exactly Σ_{|S|=k}|I(S)|/τ ≥ R^(k)."""
    I, v = planted_game(n, seed)
    res = sparsity_bound(I, v, k1_trick=False, use_delta_bound=False, M=n)
    o = order_of_masks(n)
    exact = np.array([np.abs(I[o == k]).sum() for k in range(1, n + 1)]) / res.tau
    assert np.allclose(res.R_bound, exact, rtol=1e-9)
    assert np.all(res.R_bound >= res.R_real)
    assert res.tau == pytest.approx(0.05 * np.abs(I[1:]).max())


@pytest.mark.parametrize("seed", range(8))
@pytest.mark.parametrize(
    "options", [{}, {"M": "auto"}, {"k1_trick": False}, {"p_method": "all_pairs"}]
)
def test_planted_low_order_games_satisfy_the_bound(seed, options):
    n = (6, 8, 10)[seed % 3]
    I, v = planted_game(n, seed)
    res = sparsity_bound(I, v, **options)
    if res.status == "delta_empty":  # the paper code's DeltakEmptyException: no order reaches
        assert math.floor(res.p) >= 2  # ⌊p⌋ base-n digits (the k=1 trick only helps ⌊p⌋ <= 1)
        assert options == {"p_method": "all_pairs"}
        return
    assert res.status == "ok"
    assert res.monotone
    assert res.p < 2.5
    assert res.bound_total >= res.real_total > 0
    assert np.all(res.R_bound >= res.R_real)
    assert res.delta <= res.delta_bound + 1e-12
    if options.get("M") == "auto":
        assert res.M == 3


def test_parity_like_game_has_a_large_p():
    I, v = parity_like_game()
    res = sparsity_bound(I, v)
    planted = sparsity_bound(*planted_game(10, 0))
    assert res.p > 3.5 > 2 * planted.p
    assert estimate_p(res.ubar, "all_pairs") > 20
    # with M = n - 1 (the paper code's default) the only interaction, at order n, is ignored
    assert res.status == "lambda_zero" and res.real_total == 0
    full = sparsity_bound(I, v, M=10)
    assert full.status == "ok" and full.real_total == 1 and full.bound_total >= 1


def test_statuses_and_table():
    n = 8
    games = [planted_game(n, s) for s in range(5)]
    I = np.stack([g[0] for g in games])
    v = np.stack([g[1] for g in games])
    _I_bad, v_bad = planted_game(n, 9)
    v_bad = v_bad.copy()
    v_bad[order_of_masks(n) == 2] -= 50.0  # ū^(2) < ū^(1): Assumption 2 fails
    I_neg = -I[0]  # ū^(1) < 0: p undefined
    I_all = np.vstack([I, mobius(v_bad), I_neg])
    v_all = np.vstack([v, v_bad, zeta(I_neg)])
    table = sparsity_table(I_all, v_all)
    assert table.status == {"ok": 5, "not_monotone": 2}
    loose = sparsity_table(
        np.vstack([I, I_neg]), np.vstack([v, zeta(I_neg)]), require_monotone=False
    )
    assert loose.status == {"ok": 5, "p_undefined": 1}
    assert math.isnan(loose.results[-1].bound_total)
    s = table.summary
    assert s["samples"] == 7 and s["bounded"] == 5 and s["monotone"] == 5
    bounds = [sparsity_bound(I[i], v[i]).bound_total for i in range(5)]
    assert s["bound_mean"] == pytest.approx(np.mean(bounds))
    assert s["bound_std"] == pytest.approx(np.std(bounds))
    assert s["real_mean"] >= 1 and s["gap_mean"] >= 0
    assert len(table.as_rows()) == 7
    u_n = v[:, -1] - v[:, 0]
    cut = float(np.median(u_n))
    kept = sparsity_table(I, v, vn_threshold=cut)
    assert kept.status["ok"] == int((u_n > cut).sum())
    assert kept.summary["p_mean"] == pytest.approx(s["p_mean"])  # p uses all monotone samples
    assert check_monotone_share(v_all) == pytest.approx(5 / 7)
    assert is_monotone(mean_u_by_order(v)).all()


def test_sparsity_errors():
    I, v = planted_game(6, 0)
    with pytest.raises(TheoryInputError, match="one sample"):
        sparsity_bound(np.stack([I, I]), np.stack([v, v]))
    with pytest.raises(TheoryInputError, match=r"\(n=6\) but n=5"):
        sparsity_bound(I[:32], v)
    with pytest.raises(TheoryInputError, match="M must be"):
        sparsity_bound(I, v, M=0)
    with pytest.raises(TheoryInputError, match="tau"):
        sparsity_bound(np.zeros(64), v)
    with pytest.raises(TheoryInputError, match="same shape"):
        sparsity_table(I[None], np.stack([v, v]))
    with pytest.raises(TheoryInputError, match="x >= 0"):
        base_n_digits(-1.0, 10)
