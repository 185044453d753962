"""Fast transforms against their brute-force definitions, and round trips."""

import itertools
import warnings

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from harsanyi.core import (
    BLOCKED_MAX_N,
    flip_sets,
    kron_apply,
    kron_blocked,
    mobius,
    n_players,
    or_mobius,
    or_zeta,
    subset_difference,
    superset_sum,
    zeta,
)
from harsanyi.errors import ShapeError


def popcount(m: int) -> int:
    return bin(m).count("1")


def brute_mobius(v):
    n = n_players(v)
    out = np.zeros_like(v)
    for s in range(2**n):
        for t in range(2**n):
            if t & s == t:
                out[..., s] += (-1) ** (popcount(s) - popcount(t)) * v[..., t]
    return out


def brute_or(v_or):
    n = n_players(v_or)
    full = 2**n - 1
    out = np.zeros_like(v_or)
    for s in range(2**n):
        for t in range(2**n):
            if t & s == t:
                out[..., s] -= (-1) ** (popcount(s) - popcount(t)) * v_or[..., full ^ t]
    return out


@pytest.mark.parametrize("n", range(0, 7))
def test_mobius_matches_definition(n):
    rng = np.random.default_rng(n)
    v = rng.normal(size=(3, 2**n))
    np.testing.assert_allclose(mobius(v), brute_mobius(v), atol=1e-10)


@pytest.mark.parametrize("n", range(1, 7))
def test_or_mobius_matches_definition_and_universal_matching(n):
    rng = np.random.default_rng(10 + n)
    v_or = rng.normal(size=2**n)
    v_or[0] = 0.0
    i_or = or_mobius(v_or)
    np.testing.assert_allclose(i_or, brute_or(v_or), atol=1e-10)
    # v_or(S) = sum over T meeting S of I_or(T)
    for s in range(2**n):
        expect = sum(i_or[t] for t in range(2**n) if t & s)
        assert abs(v_or[s] - expect) < 1e-9
    np.testing.assert_allclose(or_zeta(i_or), v_or, atol=1e-10)


@pytest.mark.parametrize("n", range(1, 7))
def test_zeta_is_subset_sum(n):
    x = np.random.default_rng(n).normal(size=2**n)
    want = np.array([sum(x[t] for t in range(2**n) if t & s == t) for s in range(2**n)])
    np.testing.assert_allclose(zeta(x), want, atol=1e-10)
    sup = np.array([sum(x[s] for s in range(2**n) if t & s == t) for t in range(2**n)])
    np.testing.assert_allclose(superset_sum(x), sup, atol=1e-10)
    np.testing.assert_allclose(subset_difference(superset_sum(x)), x, atol=1e-10)


def test_kron_apply_matches_dense_kronecker():
    rng = np.random.default_rng(0)
    blocks = rng.normal(size=(4, 2, 2))
    x = rng.normal(size=(2, 16))
    dense = np.ones((1, 1))
    for i in range(4):  # bit i is the i-th least significant: kron with the highest bit first
        dense = np.kron(blocks[i], dense)
    np.testing.assert_allclose(kron_apply(x, blocks), x @ dense.T, atol=1e-12)


@settings(max_examples=60, deadline=None)
@given(arrays(np.float64, st.sampled_from([(1,), (2,), (4,), (3, 8), (2, 2, 16), (32,)]),
              elements=st.floats(-1e6, 1e6)))
def test_round_trips(x):
    np.testing.assert_allclose(zeta(mobius(x)), x, rtol=1e-9, atol=1e-6)
    np.testing.assert_allclose(mobius(zeta(x)), x, rtol=1e-9, atol=1e-6)
    np.testing.assert_allclose(flip_sets(flip_sets(x)), x)


@settings(max_examples=40, deadline=None)
@given(arrays(np.float64, st.sampled_from([(2,), (8,), (4, 16)]), elements=st.floats(-1e3, 1e3)))
def test_or_round_trip(v):
    v = v.copy()
    v[..., 0] = 0.0
    np.testing.assert_allclose(or_zeta(or_mobius(v)), v, atol=1e-8)


def test_torch_matches_numpy_and_keeps_device():
    x = np.random.default_rng(1).normal(size=(5, 64))
    t = torch.tensor(x)
    out = mobius(t)
    assert isinstance(out, torch.Tensor) and out.dtype == torch.float64
    assert out.device == t.device
    np.testing.assert_allclose(out.numpy(), mobius(x), atol=1e-12)
    np.testing.assert_allclose(or_mobius(t).numpy(), or_mobius(x), atol=1e-12)
    np.testing.assert_allclose(or_zeta(t).numpy(), or_zeta(x), atol=1e-12)


def test_float32_is_promoted_to_float64():
    out = mobius(np.ones(8, dtype=np.float32))
    assert out.dtype == np.float64
    assert mobius(torch.ones(8, dtype=torch.float32)).dtype == torch.float64


def test_inplace_modifies_input_and_copy_does_not():
    x = np.arange(8.0)
    y = mobius(x)
    assert x[3] == 3.0
    z = x.copy()
    mobius(z, inplace=True)
    np.testing.assert_array_equal(z, y)
    t = torch.arange(8.0, dtype=torch.float64)
    mobius(t, inplace=True)
    np.testing.assert_array_equal(t.numpy(), y)


def test_inplace_rejects_integer_and_noncontiguous():
    with pytest.raises(TypeError, match="floating"):
        mobius(np.arange(8), inplace=True)
    with pytest.raises(ValueError, match="contiguous"):
        mobius(np.zeros((8, 2))[:, 0], inplace=True)


@pytest.mark.parametrize("shape", [(3,), (2, 6), (0,)])
def test_bad_length_is_a_shape_error(shape):
    with pytest.raises(ShapeError, match="2\\*\\*n"):
        mobius(np.zeros(shape))


def test_leading_dims_are_independent():
    rng = np.random.default_rng(3)
    x = rng.normal(size=(2, 3, 32))
    out = mobius(x)
    for i, j in itertools.product(range(2), range(3)):
        np.testing.assert_allclose(out[i, j], mobius(x[i, j]), atol=1e-12)


@pytest.mark.parametrize("n", [1, 5, 6, 7, 11, 13])
def test_blocked_products_equal_the_butterfly(n):
    """kron_apply uses dense grouped products up to BLOCKED_MAX_N and the per-bit butterfly
    otherwise (or for per-bit blocks): both must give the same transform."""
    rng = np.random.default_rng(n)
    x = rng.normal(size=(3, 2**n))
    block = ((1.0, 0.0), (-1.0, 1.0))
    per_bit = np.broadcast_to(np.array(block), (n, 2, 2)).copy()
    per_bit[0, 0, 0] = 1.0 + 1e-300  # not all equal: forces the butterfly, same numbers
    butterfly = kron_apply(x, per_bit)
    np.testing.assert_allclose(kron_blocked(x, block), butterfly, atol=1e-10)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # e.g. torch's warning on a read-only numpy buffer
        on_torch = kron_blocked(torch.tensor(x), block)
    np.testing.assert_allclose(on_torch.numpy(), butterfly, atol=1e-10)
    inplace = x.copy()
    assert kron_apply(inplace, block, inplace=True) is inplace
    np.testing.assert_allclose(inplace, butterfly, atol=1e-10)
    assert n <= BLOCKED_MAX_N


def test_large_n_uses_the_inplace_butterfly():
    n = BLOCKED_MAX_N + 1
    x = np.random.default_rng(0).normal(size=2**n)
    y = x.copy()
    assert mobius(y, inplace=True) is y
    np.testing.assert_allclose(zeta(y), x, atol=1e-9)
