"""RunArrays: a run store's checkpoints stacked once, and the sample selections."""

from __future__ import annotations

import numpy as np
import pytest

from harsanyi.errors import StoreError
from harsanyi.store import RunStore, is_run_store


def test_arrays_stack_and_select(planted_store):
    st = planted_store
    arr = st.arrays()
    K, n = len(st.completed()), st.n
    assert arr.and_values.shape == arr.or_values.shape == arr.values.shape == (K, 4, 2**n)
    assert arr.epochs.tolist() == st.completed() and arr.players == st.players
    np.testing.assert_array_equal(arr.values[3], st.read(st.completed()[3]).arrays["values"])
    np.testing.assert_allclose(arr.test_loss, st.losses()["test_loss"])
    test = st.arrays("test")
    assert test.and_values.shape == (K, 2, 2**n) and test.split.tolist() == ["test", "test"]
    np.testing.assert_array_equal(test.values, arr.values[:, 2:])
    assert arr.select("auto").split.tolist() == ["test", "test"]
    assert arr.select("train").split.tolist() == ["train", "train"]
    assert arr.select("all") is arr
    with pytest.raises(ValueError, match="split must be"):
        st.arrays("val")
    assert is_run_store(st.path) and not is_run_store(st.path / "ckpt")


def test_arrays_of_an_empty_store_and_without_splits(tmp_path):
    empty = RunStore.create(tmp_path / "empty", {}, players=["a"])
    with pytest.raises(StoreError, match="no finished checkpoint"):
        empty.arrays()
    st = RunStore.create(tmp_path / "r", {}, players=["a", "b"])
    st.write_checkpoint(0, {"values": np.ones((2, 4)), "and_values": np.ones((2, 4)),
                            "or_values": np.zeros((2, 4))}, {})
    arr = st.arrays("auto")
    assert arr.split.tolist() == ["all", "all"] and np.isnan(arr.train_loss).all()
    with pytest.raises(ValueError, match="no 'test' samples"):
        arr.select("test")
