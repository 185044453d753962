"""hs.load_interactions reads either kind of saved result; the wrong loader says which to use."""

import numpy as np
import pytest

import harsanyi as hs
from harsanyi.core.orders import masks_matrix
from harsanyi.errors import StoreError


@pytest.fixture
def saved(tmp_path):
    dense = hs.mobius([0.0, 0.5, 0.25, 1.0])
    sparse = hs.SparseInteractions(np.array([[True, False, True]]), [True], [0.7],
                                   np.array(0.1), 0.0, players=["a", "b", "c"])
    return dense, dense.save(tmp_path / "dense"), sparse, sparse.save(tmp_path / "sparse")


def test_load_interactions_returns_the_kind_saved(saved):
    dense, dense_path, _sparse, sparse_path = saved
    back = hs.load_interactions(dense_path)
    assert isinstance(back, hs.Interactions)
    np.testing.assert_array_equal(back.and_values, dense.and_values)
    back_s = hs.load_interactions(sparse_path)
    assert isinstance(back_s, hs.SparseInteractions)
    assert back_s.get_top_k(1) == [("or", (0, 2), 0.7)] and back_s.players == ["a", "b", "c"]


def test_the_wrong_loader_points_to_load_interactions(saved):
    _dense, dense_path, _sparse, sparse_path = saved
    with pytest.raises(StoreError, match="load_interactions"):
        hs.Interactions.load(sparse_path)
    with pytest.raises(StoreError, match="load_interactions"):
        hs.SparseInteractions.load(dense_path)


def test_foreign_and_broken_files_are_store_errors(tmp_path):
    np.savez(tmp_path / "foreign.npz", x=np.ones(3))
    with pytest.raises(StoreError, match="not a readable"):
        hs.load_interactions(tmp_path / "foreign.npz")
    (tmp_path / "broken.npz").write_bytes(b"PK\x03\x04 half-written")
    with pytest.raises(StoreError, match="not a readable"):
        hs.load_interactions(tmp_path / "broken.npz")


def test_sparse_result_reads_like_the_dense_one():
    """get_top_k(names=True) and to_dict give the same keys for either kind of result."""
    dense = hs.and_or(hs.Game([0.0, 1.0, 1.0, 1.0], players=["a", "b"]), q_bound=0.0,
                      solver="exact", selection="vertex")
    sparse = hs.SparseInteractions(np.array([[True, True]]), np.array([True]), np.array([1.0]),
                                   np.array(0.0), np.array(0.0), players=["a", "b"])
    assert sparse.get_top_k(1, names=True) == [("or", ("a", "b"), 1.0)]
    assert {k: round(v, 9) for k, v in dense.to_dict().items()} == sparse.to_dict()
    assert sparse.to_dict(skip_zeros=False) == {("and", ()): 0.0, ("or", ("a", "b")): 1.0}


def _as_sparse(dense: hs.Interactions) -> hs.SparseInteractions:
    """The same split listed by subset: every nonzero AND (|T| ≥ 1) and OR (|T| ≥ 2) atom."""
    bits = masks_matrix(dense.n)
    order = bits.sum(1)
    and_at = np.flatnonzero((dense.and_values != 0) & (order >= 1))
    or_at = np.flatnonzero((dense.or_values != 0) & (order >= 2))
    return hs.SparseInteractions(
        bits[np.concatenate([and_at, or_at])],
        np.r_[np.zeros(len(and_at), bool), np.ones(len(or_at), bool)],
        np.r_[dense.and_values[and_at], dense.or_values[or_at]],
        np.array(dense.and_values[0]), np.array(0.0), players=dense.players)


def test_sparse_to_shapiq_matches_the_dense_one_with_q():
    """A split listed by subset goes to shapiq as the same Möbius interactions of v + q as the
    dense result's to_shapiq(include_q=True): OR atoms spread over their subsets."""
    pytest.importorskip("shapiq")
    rng = np.random.default_rng(4)
    game = hs.Game(rng.normal(size=2**5))
    dense = hs.and_or(game, q_bound=0.05, solver="exact", selection="vertex")
    assert np.count_nonzero(dense.or_values) >= 2  # the test needs OR atoms to expand
    sparse = _as_sparse(dense)
    want, got = dense.to_shapiq(include_q=True), sparse.to_shapiq()
    keys = {t for t in want.interaction_lookup if abs(want[t]) > 1e-12}
    assert keys == {t for t in got.interaction_lookup if abs(got[t]) > 1e-12}
    for t in keys:
        assert got[t] == pytest.approx(want[t], abs=1e-12)
    assert got.baseline_value == pytest.approx(want.baseline_value)
    masks = rng.random((50, 5)) < 0.5
    np.testing.assert_allclose(sparse.surrogate(masks), dense.surrogate(masks), atol=1e-12)


def test_sparse_moebius_terms_refuse_a_huge_or_atom():
    wide = hs.SparseInteractions(np.ones((1, 30), bool), [True], [1.0], np.array(0.0), 0.0)
    with pytest.raises(ValueError, match="order 30"):
        wide.moebius_terms()
