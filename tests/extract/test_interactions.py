"""The Interactions result: views, surrogate, top-k, persistence, errors."""

import numpy as np
import pytest

import harsanyi as hs
from harsanyi.errors import NonFiniteOutputError, ShapeError, StoreError
from harsanyi.extract.matching import matching_residual, reconstruct


def brute_surrogate(and_v, or_v, s):
    n = int(np.log2(len(and_v)))
    total = and_v[0]
    for t in range(1, 2**n):
        if t & s == t:
            total += and_v[t]
        if t & s:
            total += or_v[t]
    return total


def random_pair(n, seed=0):
    rng = np.random.default_rng(seed)
    and_v, or_v = rng.normal(size=2**n), rng.normal(size=2**n)
    or_v[0] = 0.0
    or_v[[1 << i for i in range(n)]] = 0.0
    return and_v, or_v


@pytest.mark.parametrize("n", [1, 3, 5])
def test_reconstruct_is_universal_matching(n):
    and_v, or_v = random_pair(n, n)
    h = reconstruct(and_v, or_v)
    for s in range(2**n):
        assert abs(h[s] - brute_surrogate(and_v, or_v, s)) < 1e-10


def test_mobius_interactions_match_exactly_and_have_no_or_part():
    v = np.random.default_rng(0).normal(size=(4, 64))
    I = hs.mobius(v)
    assert I.batch_shape == (4,) and I.n == 6
    assert np.all(I.or_values == 0) and np.all(I.q == 0)
    assert np.all(I.residual < 1e-12)
    np.testing.assert_allclose(I.recompute_residual(), I.residual)
    np.testing.assert_allclose(I.surrogate(), v, atol=1e-12)


def make_result(n=4, seed=1):
    and_v, or_v = random_pair(n, seed)
    values = reconstruct(and_v, or_v)
    zeros = np.zeros_like(values)
    return hs.Interactions(
        and_values=and_v, or_values=or_v, gamma=zeros, q=zeros, values=values,
        bound=np.array(0.0), residual=matching_residual(values, and_v, or_v),
        objective=np.array(np.abs(and_v[1:]).sum() + np.abs(or_v[1:]).sum()),
        players=["a", "b", "c", "d"][:n],
    )


def test_top_k_pools_and_or_and_skips_empty_set():
    I = make_result()
    top = I.get_top_k(5)
    pooled = [abs(I.and_values[m]) for m in range(1, 16)] + [abs(x) for x in I.or_values[1:]]
    assert [abs(v) for _, _, v in top] == sorted(pooled, reverse=True)[:5]
    for kind, players, value in top:
        arr = I.and_values if kind == "and" else I.or_values
        assert arr[sum(1 << p for p in players)] == value


def test_surrogate_with_top_k_keeps_k_terms_and_masks_forms_agree():
    I = make_result()
    kept_and, kept_or = I.keep_top_k(3)
    assert np.count_nonzero(kept_and[1:]) + np.count_nonzero(kept_or) == 3
    assert kept_and[0] == I.and_values[0]
    masks = np.array([0, 5, 15])
    bools = np.array([[False] * 4, [True, False, True, False], [True] * 4])
    np.testing.assert_allclose(I.surrogate(masks, top_k=3), I.surrogate(bools, top_k=3))
    want = [brute_surrogate(kept_and, kept_or, s) for s in masks]
    np.testing.assert_allclose(I.surrogate(masks, top_k=3), want, atol=1e-12)
    with pytest.raises(ShapeError):
        I.surrogate(np.array([16]))


def test_of_order_and_frame():
    I = make_result()
    assert I.of_order(2).shape == (6,)
    np.testing.assert_array_equal(I.of_order(4, "or"), I.or_values[[15]])
    frame = I.to_frame()
    row = frame[(frame.kind == "and") & (frame["mask"] == 0b0101)].iloc[0]
    assert row.players == "a & c" and row.order == 2 and row.value == I.and_values[5]
    assert set(frame.kind) == {"and", "or"}
    with pytest.raises(ValueError, match="kind"):
        I.of_order(1, "xor")


def test_batch_requires_sample_index():
    I = hs.mobius(np.random.default_rng(0).normal(size=(3, 8)))
    with pytest.raises(ValueError, match="sample="):
        I.get_top_k(2)
    assert I.get_top_k(2, sample=1) == I[1].get_top_k(2)


def test_save_load_round_trip(tmp_path):
    I = hs.mobius(np.random.default_rng(0).normal(size=(2, 16)))
    path = I.save(tmp_path / "res")
    J = hs.Interactions.load(path)
    for name in ("and_values", "or_values", "gamma", "q", "values", "residual", "objective"):
        np.testing.assert_array_equal(getattr(J, name), getattr(I, name))
    assert J.players == I.players and J.metadata["package_version"] == hs.__version__


def test_load_rejects_corrupted_file(tmp_path):
    bad = tmp_path / "bad.npz"
    bad.write_bytes(b"not a zip file")
    with pytest.raises(StoreError, match="not a readable"):
        hs.Interactions.load(bad)


def test_game_rejects_nan_and_bad_length():
    with pytest.raises(NonFiniteOutputError, match="index"):
        hs.Game([0.0, np.nan, 1.0, 2.0])
    with pytest.raises(ShapeError, match="2\\*\\*n"):
        hs.Game([0.0, 1.0, 2.0])
    with pytest.raises(ShapeError, match="player names"):
        hs.Game([0.0, 1.0], players=["a", "b"])


def test_value_equality_short_repr_dict_and_named_top_k():
    v = np.random.default_rng(1).normal(size=(3, 2**8))
    I = hs.mobius(hs.Game(v, players=[f"p{i}" for i in range(8)]))
    J = hs.mobius(hs.Game(v.copy(), players=[f"p{i}" for i in range(8)]))
    assert I == J and (I != J) is False and I[:2] != I and (I == "x") is False
    J.and_values[0, 5] += 1e-9
    assert I != J
    text = repr(I)
    assert len(text) < 600 and text.count("\n") <= 3
    assert "batch_shape=(3,)" in text and "n=8" in text and "residual=" in text
    top = I.get_top_k(3, sample=0, names=True)
    assert f"{top[0][0]}({', '.join(top[0][1])})" in text
    assert [t[1] for t in I.get_top_k(3, sample=0)] == [
        tuple(int(p[1:]) for p in names) for _, names, _ in top]
    d = I[0].to_dict()
    assert d[("and", ())] == v[0, 0] and len(d) == 2**8
    g = hs.and_or(hs.Game([0.0, 1.0, 1.0, 1.0], players=["a", "b"]), q_bound=0.0,
                  solver="exact", selection="vertex")
    assert {k: round(x, 9) for k, x in g.to_dict().items() if abs(x) > 1e-12} == {
        ("or", ("a", "b")): 1.0}
