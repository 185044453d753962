"""The command line's one grammar: players, samples, data files, train/test data, factories."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
import torch

from harsanyi.cli.data import read_splits, read_table
from harsanyi.cli.grammar import CLIError, parse_players, parse_samples
from harsanyi.loading import FactorySpec, resolve_factory


def test_samples_rows_random_all_none():
    assert parse_samples("0,3,5-7", 10) == [0, 3, 5, 6, 7]
    assert parse_samples("all", 4) == [0, 1, 2, 3]
    assert parse_samples("none", 4) == [] == parse_samples("", 4)
    drawn = parse_samples("random:5", 10, seed=0)
    assert drawn == sorted(drawn) and len(set(drawn)) == 5
    assert drawn == parse_samples("random:5", 10, seed=0) != parse_samples("random:5", 10, seed=1)
    rest = parse_samples("random:5", 10, seed=1, taken=set(drawn))
    assert not set(rest) & set(drawn)
    with pytest.raises(CLIError, match="only 0 rows"):
        parse_samples("random:1", 10, taken=set(range(10)))
    with pytest.raises(CLIError, match="out of range"):
        parse_samples("3,12", 10)
    with pytest.raises(CLIError, match="random:N needs a count"):
        parse_samples("random:x", 10)


def test_old_monitor_spellings_still_work_with_a_warning():
    with pytest.warns(FutureWarning, match="random:4"):
        old = parse_samples("4", 10, seed=3, bare_count_is_random=True)
    assert old == parse_samples("random:4", 10, seed=3)
    with pytest.warns(FutureWarning, match="'2-4'"):
        assert parse_samples("2:5", 10, bare_count_is_random=True) == [2, 3, 4]
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the new spellings warn about nothing
        assert parse_samples("4", 10) == [4]
        assert parse_players("columns:0-2").names == ["x0", "x1", "x2"]
    with pytest.warns(FutureWarning, match="columns:all"):
        assert parse_players("all").all_columns
    with pytest.warns(FutureWarning, match="columns:0-2,5"):
        assert parse_players("0-2,5").names == ["x0", "x1", "x2", "x5"]
    with pytest.warns(FutureWarning, match="patches:grid=8x8,n=3,region=6x6,seed=1"):
        old_p = parse_players("patches:3:8:6:1")
    new_p = parse_players("patches:grid=8x8,n=3,region=6x6,seed=1")
    assert old_p.names == new_p.names


def test_read_table_formats(tmp_path):
    X = np.arange(20, dtype=np.float32).reshape(10, 2)
    y = np.arange(10) % 2
    np.save(tmp_path / "X.npy", X)
    np.save(tmp_path / "y.npy", y)
    t = read_table(tmp_path / "X.npy", labels=tmp_path / "y.npy")
    np.testing.assert_array_equal(t.y, y)
    pd.DataFrame({"a": X[:, 0], "b": X[:, 1], "label": y}).to_csv(tmp_path / "d.csv",
                                                                  index=False)
    t = read_table(tmp_path / "d.csv", label_column="label")
    np.testing.assert_array_equal(t.X, X)
    assert t.names == ["a", "b"]
    torch.save({"x": torch.from_numpy(X), "labels": torch.from_numpy(y)}, tmp_path / "d.pt")
    assert read_table(tmp_path / "d.pt").y.tolist() == y.tolist()
    with pytest.raises(CLIError, match="no column 'lab'"):
        read_table(tmp_path / "d.csv", label_column="lab")
    (tmp_path / "d.txt").write_text("1")
    with pytest.raises(CLIError, match="unsupported data format"):
        read_table(tmp_path / "d.txt")
    np.save(tmp_path / "y3.npy", y[:3])
    with pytest.raises(CLIError, match="10 inputs but 3 labels"):
        read_table(tmp_path / "X.npy", labels=tmp_path / "y3.npy")


def test_splits_are_named_never_invented(tmp_path):
    X = np.arange(20, dtype=np.float32).reshape(10, 2)
    np.save(tmp_path / "X.npy", X)
    np.savez(tmp_path / "both.npz", X_train=X, y_train=np.zeros(10), X_test=X[:3],
             y_test=np.ones(3))
    d = read_splits(str(tmp_path / "both.npz"))
    assert len(d.train) == 10 and len(d.test) == 3 and d.test.y.tolist() == [1, 1, 1]
    d = read_splits(str(tmp_path / "X.npy"))
    assert d.test is None  # one pool is training data only
    d = read_splits(train_data=tmp_path / "X.npy", test_data=tmp_path / "X.npy")
    assert len(d.test) == 10
    assert len(read_splits("zoo:wine").test) > 0
    with pytest.raises(CLIError, match="not both"):
        read_splits("zoo:wine", train_data=tmp_path / "X.npy")
    with pytest.raises(CLIError, match="X_train, X_test"):
        read_table(tmp_path / "both.npz")


def test_factories_from_files_and_modules_of_the_current_folder(tmp_path, monkeypatch):
    (tmp_path / "arch.py").write_text(
        "import torch\ndef make(width=3):\n    return torch.nn.Linear(2, width)\n")
    monkeypatch.chdir(tmp_path)
    assert FactorySpec("arch.py:make").build().out_features == 3
    assert FactorySpec("arch:make", {"width": 5}).build().out_features == 5  # no PYTHONPATH
    spec = FactorySpec("arch.py:make")
    monkeypatch.chdir("/")
    assert spec.build().out_features == 3  # resolved from the folder it was written in
    with pytest.raises(ValueError, match="did you mean make"):
        resolve_factory("arch.py:mak", base=tmp_path)
    with pytest.raises(ValueError, match="does not exist"):
        resolve_factory("nope.py:make", base=tmp_path)
    with pytest.raises(ValueError, match=r"written 'file.py:function'"):
        resolve_factory("arch")
