"""Closed-form Gram matrices of the dictionary's atoms (extract/solvers/gram.py)."""

from __future__ import annotations

import numpy as np
import pytest

from harsanyi.extract.solvers.base import _atom_columns
from harsanyi.extract.solvers.dense_qp import DenseQP, solve_dense_qp
from harsanyi.extract.solvers.gram import (
    LOOKUP_MAX_PLAYERS,
    WeightedGram,
    atom_gram,
    interval_sums,
    lookup_pays,
)


def random_atoms(rng: np.random.Generator, n: int, k: int) -> np.ndarray:
    """AND atoms (``∅`` included) and OR atoms of order ≥ 2, in shuffled order."""
    size = 2**n
    pop = np.array([bin(t).count("1") for t in range(size)])
    pairs = np.flatnonzero(pop >= 2)
    ors = size + rng.choice(pairs, min(k // 2, len(pairs)), replace=False)
    ands = np.union1d([0], rng.choice(size, min(k - k // 2, size), replace=False))
    return rng.permutation(np.concatenate([ands, ors]))


def test_interval_sums_match_brute_force():
    rng = np.random.default_rng(0)
    n = 4
    omega = rng.normal(size=2**n)
    h = interval_sums(omega)
    assert h.shape == (3**n,)
    for inside in range(2**n):
        for out in range(2**n):
            if inside & out:
                continue
            t = sum(3**i for i in range(n) if inside >> i & 1)
            u = sum(3**i for i in range(n) if out >> i & 1)
            want = sum(omega[s] for s in range(2**n) if s & inside == inside and not s & out)
            assert h[3**n - 1 - t - 2 * u] == pytest.approx(want, abs=1e-12)


@pytest.mark.parametrize("n", [2, 3, 5, 8])
def test_weighted_gram_matches_the_dense_product(n):
    rng = np.random.default_rng(n)
    atoms = random_atoms(rng, n, min(2**n, 60))
    rows = np.sort(rng.choice(2**n, min(2**n, 40), replace=False))
    omega = rng.exponential(size=len(rows)) * 10.0 ** rng.uniform(-8, 8, len(rows))
    a = _atom_columns(atoms, rows, 2**n)
    want = a.T @ (omega[:, None] * a)
    got = WeightedGram(atoms, rows, n)(omega)
    # inclusion-exclusion (OR pairs) is accurate to the rounding of the largest weight
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-14 * omega.max())


def test_weighted_gram_with_unit_weights_on_every_row_is_the_counting_gram():
    n = 6
    atoms = random_atoms(np.random.default_rng(1), n, 50)
    got = WeightedGram(atoms, np.arange(2**n), n)(np.ones(2**n))
    np.testing.assert_array_equal(got, atom_gram(atoms, n))


def test_the_interior_point_gives_the_same_solution_with_the_lookup():
    rng = np.random.default_rng(3)
    n, size = 6, 64
    atoms = np.sort(random_atoms(rng, n, 24))
    rows = np.sort(rng.choice(size, 30, replace=False))
    a = _atom_columns(atoms, rows, size)
    p = atom_gram(atoms, n) + 0.1 * np.eye(len(atoms))
    c = -5.0 * rng.normal(size=len(atoms))
    centre = a @ rng.normal(size=len(atoms)) * 0.3
    w = np.where(atoms == 0, 0.0, 1.0)
    plain = DenseQP(p, c, a, centre - 0.2, centre + 0.2, w, 3.0)
    looked_up = DenseQP(p, c, a, centre - 0.2, centre + 0.2, w, 3.0,
                        WeightedGram(atoms, rows, n))
    one, two = solve_dense_qp(plain), solve_dense_qp(looked_up)
    assert one.converged and two.converged
    assert abs(one.mu) > 1e-6  # the budget binds: a constrained problem, not just P⁻¹c
    np.testing.assert_allclose(two.x, one.x, atol=1e-8)


def test_the_lookup_is_chosen_where_it_is_cheaper():
    assert lookup_pays(10, 1000, 700) and lookup_pays(12, 2400, 2400)
    assert not lookup_pays(12, 300, 2000)  # the table costs more than a small syrk
    assert not lookup_pays(LOOKUP_MAX_PLAYERS + 1, 10**5, 10**5)  # no 3^n table that large

