"""Shapley, Banzhaf, Shapley-Taylor and k-SII against brute-force definitions on small n."""

from itertools import combinations, permutations
from math import comb, factorial

import numpy as np
import pytest

import harsanyi as hs
from harsanyi.core import or_as_moebius
from harsanyi.extract.indices import (
    banzhaf_values,
    bernoulli_numbers,
    explained_moebius,
    k_sii,
    shapley_taylor,
    shapley_values,
)


def mask(players):
    return sum(1 << i for i in players)


def brute_shapley(v, n):
    out = np.zeros(n)
    for order in permutations(range(n)):
        before = 0
        for i in order:
            out[i] += v[before | 1 << i] - v[before]
            before |= 1 << i
    return out / factorial(n)


def brute_banzhaf(v, n):
    out = np.zeros(n)
    for i in range(n):
        for s in range(2**n):
            if not s >> i & 1:
                out[i] += v[s | 1 << i] - v[s]
    return out / 2 ** (n - 1)


def derivative(v, s, t):
    """Discrete derivative Δ_S v(T) = Σ_{W⊆S} (−1)^{|S|−|W|} v(T ∪ W), T ∩ S = ∅."""
    total, members = 0.0, [i for i in range(16) if s >> i & 1]
    for r in range(len(members) + 1):
        for w in combinations(members, r):
            total += (-1) ** (len(members) - r) * v[t | mask(w)]
    return total


def rest(n, s):
    """All T ⊆ N ∖ S."""
    return [t for t in range(2**n) if not t & s]


def brute_shapley_taylor(v, n, k):
    out = np.zeros(2**n)
    for s in range(2**n):
        size = bin(s).count("1")
        if size < k:
            out[s] = derivative(v, s, 0)
        elif size == k:
            out[s] = k / n * sum(derivative(v, s, t) / comb(n - 1, bin(t).count("1"))
                                 for t in rest(n, s))
    return out


def brute_sii(v, n, s):
    size = bin(s).count("1")
    return sum(factorial(n - bin(t).count("1") - size) * factorial(bin(t).count("1"))
               / factorial(n - size + 1) * derivative(v, s, t) for t in rest(n, s))


def brute_k_sii(v, n, k):
    bern = bernoulli_numbers(k)
    sii = {s: brute_sii(v, n, s) for s in range(1, 2**n) if bin(s).count("1") <= k}
    out = np.zeros(2**n)
    out[0] = v[0]
    for s in sii:
        out[s] = sum(bern[bin(t).count("1") - bin(s).count("1")] * sii[t]
                     for t in sii if t & s == s)
    return out


@pytest.fixture(params=[2, 3, 4])
def game(request):
    n = request.param
    return hs.Game(np.random.default_rng(n).normal(size=(2, 2**n)))


def test_shapley_and_banzhaf_match_brute_force(game):
    phi, beta = shapley_values(game), banzhaf_values(game)
    for b in range(2):
        assert np.allclose(phi[b], brute_shapley(game.values[b], game.n), atol=1e-12)
        assert np.allclose(beta[b], brute_banzhaf(game.values[b], game.n), atol=1e-12)
    assert np.allclose(phi.sum(-1), game.values[:, -1] - game.values[:, 0])


@pytest.mark.parametrize("k", [1, 2, 3])
def test_shapley_taylor_and_k_sii_match_brute_force(game, k):
    if k > game.n:
        pytest.skip("order above n")
    st, ksii = shapley_taylor(game, k), k_sii(game, k)
    for b in range(2):
        v = game.values[b]
        assert np.allclose(st[b], brute_shapley_taylor(v, game.n, k), atol=1e-12)
        assert np.allclose(ksii[b], brute_k_sii(v, game.n, k), atol=1e-12)
    efficient = game.values[:, -1] - game.values[:, 0]
    assert np.allclose(st[:, 1:].sum(-1), efficient)
    assert np.allclose(ksii[:, 1:].sum(-1), efficient)


def test_order_one_is_shapley_and_order_n_is_moebius(game):
    phi = shapley_values(game)
    singles = [1 << i for i in range(game.n)]
    assert np.allclose(k_sii(game, 1)[:, singles], phi)
    assert np.allclose(shapley_taylor(game, 1)[:, singles], phi)
    assert np.allclose(k_sii(game, game.n), hs.mobius(game).and_values)
    assert np.allclose(shapley_taylor(game, game.n), hs.mobius(game).and_values)


def test_or_term_shares_shapley_by_order_and_banzhaf_by_power_of_two():
    """A pure OR game on T = {0, 1, 2} of n = 4: |T| = 3, I_or(T) = 1."""
    n, t = 4, 0b0111
    v = np.array([1.0 if s & t else 0.0 for s in range(2**n)])
    I = hs.and_or(v, q_bound=0.0, solver="exact", selection="vertex")  # the exact OR term
    assert I.or_values[t] == pytest.approx(1.0) and np.abs(I.and_values[1:]).max() < 1e-9
    phi = shapley_values(I, include_q=True)
    beta = banzhaf_values(I, include_q=True)
    assert np.allclose(phi, [1 / 3, 1 / 3, 1 / 3, 0.0])
    assert np.allclose(beta, [1 / 4, 1 / 4, 1 / 4, 0.0])
    assert np.allclose(phi, brute_shapley(v, n)) and np.allclose(beta, brute_banzhaf(v, n))


def test_split_with_q_gives_the_indices_of_v_plus_q():
    v = np.random.default_rng(7).normal(size=(3, 32))
    I = hs.and_or(v, q_bound=0.05, solver="exact")
    w = I.values + I.q
    assert np.abs(I.q).max() > 0  # the noise term is used
    for b in range(3):
        assert np.allclose(shapley_values(I, include_q=True)[b], brute_shapley(w[b], 5))
        assert np.allclose(banzhaf_values(I, include_q=True)[b], brute_banzhaf(w[b], 5))
        assert np.allclose(k_sii(I, 2, include_q=True)[b], brute_k_sii(w[b], 5, 2))
        assert np.allclose(shapley_values(I)[b], brute_shapley(v[b], 5))  # default: v itself
    zeta = I.bound[:, None]
    gap = np.abs(shapley_values(I, include_q=True) - shapley_values(I))
    assert (gap <= 2 * zeta + 1e-12).all()


def test_or_as_moebius_reproduces_the_or_part_of_matching():
    rng = np.random.default_rng(3)
    or_v = rng.normal(size=32)
    or_v[[0, 1, 2, 4, 8, 16]] = 0.0
    m = or_as_moebius(or_v)
    for s in range(32):
        direct = sum(or_v[t] for t in range(32) if t & s)
        assert sum(m[r] for r in range(1, 32) if r & s == r) == pytest.approx(direct)


def test_bad_order_and_q_on_a_game_give_clear_errors():
    game = hs.Game(np.zeros(8))
    with pytest.raises(ValueError, match="order k"):
        k_sii(game, 4)
    with pytest.raises(ValueError, match="Interactions result"):
        explained_moebius(game, include_q=True)


def test_bernoulli_numbers():
    assert bernoulli_numbers(6) == pytest.approx((1, -1 / 2, 1 / 6, 0, -1 / 30, 0, 1 / 42))
