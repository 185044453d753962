"""hs.load_interactions reads either kind of saved result; the wrong loader says which to use."""

import numpy as np
import pytest

import harsanyi as hs
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
                      solver="exact")
    sparse = hs.SparseInteractions(np.array([[True, True]]), np.array([True]), np.array([1.0]),
                                   np.array(0.0), np.array(0.0), players=["a", "b"])
    assert sparse.get_top_k(1, names=True) == [("or", ("a", "b"), 1.0)]
    assert {k: round(v, 9) for k, v in dense.to_dict().items()} == sparse.to_dict()
    assert sparse.to_dict(skip_zeros=False) == {("and", ()): 0.0, ("or", ("a", "b")): 1.0}
