"""On-disk loaders on tiny files written here: MNIST idx, CIFAR-10 pickles, adult CSV, SST-2."""

from __future__ import annotations

import gzip
import os
import pickle
import struct
from pathlib import Path

import numpy as np
import pytest
import torch

from harsanyi import zoo
from harsanyi.zoo import DataFormatError

# --- MNIST ---------------------------------------------------------------------------------

def _idx_images(images: np.ndarray) -> bytes:
    n, h, w = images.shape
    return struct.pack(">BBBBIII", 0, 0, 0x08, 3, n, h, w) + images.astype(np.uint8).tobytes()


def _idx_labels(labels: np.ndarray) -> bytes:
    return struct.pack(">BBBBI", 0, 0, 0x08, 1, len(labels)) + labels.astype(np.uint8).tobytes()


def _write_mnist(root: Path, gz: bool, n_train: int = 3, n_test: int = 2) -> tuple:
    rng = np.random.default_rng(0)
    data = {}
    for prefix, n in (("train", n_train), ("t10k", n_test)):
        imgs = rng.integers(0, 256, size=(n, 28, 28))
        labs = rng.integers(0, 10, size=n)
        for name, payload in ((f"{prefix}-images-idx3-ubyte", _idx_images(imgs)),
                              (f"{prefix}-labels-idx1-ubyte", _idx_labels(labs))):
            if gz:
                (root / f"{name}.gz").write_bytes(gzip.compress(payload))
            else:
                (root / name).write_bytes(payload)
        data[prefix] = (imgs, labs)
    return data


@pytest.mark.parametrize("gz", [False, True])
def test_mnist_idx(tmp_path: Path, gz: bool) -> None:
    data = _write_mnist(tmp_path, gz)
    ds = zoo.load_mnist(tmp_path, standardize=False)
    assert ds.X_train.shape == (3, 1, 28, 28) and ds.X_test.shape == (2, 1, 28, 28)
    np.testing.assert_allclose(ds.X_train[:, 0] * 255, data["train"][0], atol=1e-3)
    np.testing.assert_array_equal(ds.y_train, data["train"][1])
    np.testing.assert_array_equal(ds.y_test, data["t10k"][1])
    std = zoo.get_dataset("mnist", root=tmp_path)
    assert abs(float(std.X_train.mean())) < 1e-5 and abs(float(std.X_train.std()) - 1) < 1e-4


def test_read_idx_dtypes(tmp_path: Path) -> None:
    p = tmp_path / "f.idx"
    values = np.array([[1.5, -2.0], [3.25, 0.0]], dtype=">f4")
    p.write_bytes(struct.pack(">BBBBII", 0, 0, 0x0D, 2, 2, 2) + values.tobytes())
    out = zoo.read_idx(p)
    assert out.dtype == np.float32 and out.dtype.isnative
    np.testing.assert_array_equal(out, values)


def test_mnist_errors(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match=r"MNIST train images.*train-images-idx3-ubyte"):
        zoo.load_mnist(tmp_path)
    _write_mnist(tmp_path, gz=False)
    bad = tmp_path / "train-images-idx3-ubyte"
    raw = bad.read_bytes()
    bad.write_bytes(b"\x00\x00\x08\x07" + raw[4:])  # ndim 7: header/size mismatch
    with pytest.raises(DataFormatError, match="idx header says shape"):
        zoo.load_mnist(tmp_path)
    bad.write_bytes(b"\x12\x34\x08\x03" + raw[4:])  # wrong magic
    with pytest.raises(DataFormatError, match=r"not an idx file .magic number 12340803"):
        zoo.load_mnist(tmp_path)
    bad.write_bytes(raw[:-10])  # truncated
    with pytest.raises(DataFormatError, match="the file has 2342 bytes of data"):
        zoo.load_mnist(tmp_path)
    bad.write_bytes(raw)
    (tmp_path / "t10k-labels-idx1-ubyte").write_bytes(_idx_labels(np.zeros(5)))
    with pytest.raises(DataFormatError, match="labels for 2 images"):
        zoo.load_mnist(tmp_path)
    (tmp_path / "x.gz").write_bytes(b"\x1f\x8bnot gzip")
    with pytest.raises(DataFormatError, match="corrupt gzip"):
        zoo.read_idx(tmp_path / "x.gz")


# --- CIFAR-10 ------------------------------------------------------------------------------

def _cifar_batch(path: Path, n: int, seed: int, protocol: int = 2) -> tuple:
    rng = np.random.default_rng(seed)
    data = rng.integers(0, 256, size=(n, 3072)).astype(np.uint8)
    labels = rng.integers(0, 10, size=n).tolist()
    with open(path, "wb") as fh:
        pickle.dump({b"batch_label": b"x", b"data": data, b"labels": labels}, fh,
                    protocol=protocol)
    return data, labels


@pytest.mark.parametrize("protocol", [2, 4, 5])
def test_cifar10_pickles(tmp_path: Path, protocol: int) -> None:
    root = tmp_path / "cifar-10-batches-py"
    root.mkdir()
    _d1, l1 = _cifar_batch(root / "data_batch_1", 4, 0, protocol)
    d2, l2 = _cifar_batch(root / "data_batch_2", 4, 1, protocol)
    dt, _lt = _cifar_batch(root / "test_batch", 4, 2, protocol)
    ds = zoo.load_cifar10(tmp_path, standardize=False)  # the parent folder works too
    assert ds.X_train.shape == (8, 3, 32, 32) and ds.X_test.shape == (4, 3, 32, 32)
    assert ds.class_names[0] == "airplane" and ds.n_classes == 10
    np.testing.assert_array_equal(ds.y_train, l1 + l2)
    # channel-major layout: the first 1024 values are the red plane
    np.testing.assert_allclose(ds.X_test[1, 0].ravel() * 255, dt[1, :1024], atol=1e-3)
    np.testing.assert_allclose(ds.X_train[5, 2].ravel() * 255, d2[1, 2048:], atol=1e-3)
    std = zoo.load_cifar10(root)
    np.testing.assert_allclose(std.X_train.mean(axis=(0, 2, 3)), 0, atol=1e-5)


def test_cifar10_errors(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match=r"data_batch_1..5 and test_batch"):
        zoo.load_cifar10(tmp_path)
    _cifar_batch(tmp_path / "data_batch_1", 2, 0)
    (tmp_path / "test_batch").write_bytes(b"garbage")
    with pytest.raises(DataFormatError, match="test_batch: not a CIFAR python pickle batch"):
        zoo.load_cifar10(tmp_path)
    with open(tmp_path / "test_batch", "wb") as fh:
        pickle.dump({b"data": np.zeros((2, 100), np.uint8), b"labels": [0, 1]}, fh)
    with pytest.raises(DataFormatError, match=r"expected data \(N, 3072\)"):
        zoo.load_cifar10(tmp_path)
    with open(tmp_path / "test_batch", "wb") as fh:
        pickle.dump({b"images": np.zeros((2, 3072), np.uint8)}, fh)
    with pytest.raises(DataFormatError, match="needs 'data' and 'labels'"):
        zoo.load_cifar10(tmp_path)
    with open(tmp_path / "test_batch", "wb") as fh:
        pickle.dump({b"data": os.getcwd, b"labels": []}, fh)  # a global that is not numpy
    with pytest.raises(DataFormatError, match="is not allowed"):
        zoo.load_cifar10(tmp_path)


# --- adult ---------------------------------------------------------------------------------

ADULT_ROWS = [
    "39, State-gov, 77516, Bachelors, 13, Never-married, Adm-clerical, Not-in-family, White, "
    "Male, 2174, 0, 40, United-States, <=50K",
    "50, Self-emp-not-inc, 83311, Bachelors, 13, Married-civ-spouse, Exec-managerial, Husband, "
    "White, Male, 0, 0, 13, United-States, >50K",
    "38, Private, 215646, HS-grad, 9, Divorced, Handlers-cleaners, Not-in-family, White, Male, "
    "0, 0, 40, United-States, <=50K",
    "53, Private, 234721, 11th, 7, Married-civ-spouse, Handlers-cleaners, Husband, Black, Male, "
    "0, 0, 40, ?, <=50K",
    "28, Private, 338409, Bachelors, 13, Married-civ-spouse, Prof-specialty, Wife, Black, "
    "Female, 0, 0, 40, Cuba, >50K",
    "37, Private, 284582, Masters, 14, Married-civ-spouse, Exec-managerial, Wife, White, Female, "
    "0, 0, 40, United-States, >50K",
]


def test_adult_csv(tmp_path: Path) -> None:
    train = tmp_path / "adult.data"
    train.write_text("\n".join(ADULT_ROWS) + "\n")
    test = tmp_path / "adult.test"
    test.write_text("|1x3 Cross validator\n" + ADULT_ROWS[1].replace(">50K", ">50K.") + "\n"
                    + ADULT_ROWS[2].replace("Private", "Never-worked") + "\n")
    ds = zoo.load_adult(train, test)
    assert len(ds.y_train) == 5  # the row with "?" is dropped
    np.testing.assert_array_equal(ds.y_train, [0, 1, 0, 1, 1])
    np.testing.assert_array_equal(ds.y_test, [1, 0])
    names = ds.feature_names
    assert names[:6] == zoo.loaders.ADULT_NUMERIC
    assert "workclass=Private" in names and "native-country=?" not in names
    groups = ds.metadata["feature_groups"]
    assert [names[i] for i in groups["sex"]] == ["sex=Female", "sex=Male"]
    # numeric columns standardised on the training rows, one-hot columns stay 0/1
    np.testing.assert_allclose(ds.X_train[:, :6].mean(0), 0, atol=1e-5)
    onehot = ds.X_train[:, 6:]
    assert set(np.unique(onehot)) == {0.0, 1.0}
    for cols in (v for k, v in groups.items() if k not in zoo.loaders.ADULT_NUMERIC):
        np.testing.assert_array_equal(ds.X_train[:, cols].sum(1), 1)  # one level per row
    wc = groups["workclass"]
    assert ds.X_test[1, wc].sum() == 0  # an unseen category is all zeros
    age = ds.metadata["standardization"]
    assert ds.X_test[0, 0] == pytest.approx((50 - age["mean"][0]) / age["std"][0], rel=1e-5)


def test_adult_header_split_and_missing_category(tmp_path: Path) -> None:
    path = tmp_path / "adult.csv"
    header = ",".join(zoo.loaders.ADULT_COLUMNS)
    path.write_text(header + "\n" + "\n".join(ADULT_ROWS * 2) + "\n")
    ds = zoo.load_adult(path, test_fraction=0.25, seed=0, drop_missing=False, standardize="all")
    assert len(ds.y_train) + len(ds.y_test) == 12 and len(ds.y_test) == 3
    assert "native-country=?" in ds.feature_names
    np.testing.assert_allclose(ds.X_train.mean(0), 0, atol=1e-5)


def test_adult_errors(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="adult CSV not found"):
        zoo.load_adult(tmp_path / "nope.csv")
    bad = tmp_path / "bad.csv"
    bad.write_text("1, 2, 3\n4, 5, 6\n")
    with pytest.raises(DataFormatError, match="3 columns without a header"):
        zoo.load_adult(bad)
    bad.write_text("\n".join(r.replace("<=50K", "maybe") for r in ADULT_ROWS) + "\n")
    with pytest.raises(DataFormatError, match="unexpected income labels"):
        zoo.load_adult(bad, bad)
    bad.write_text("\n".join(r.replace("39,", "old,") for r in ADULT_ROWS) + "\n")
    with pytest.raises(DataFormatError, match="non-number"):
        zoo.load_adult(bad, bad)
    with pytest.raises(ValueError, match="standardize must be"):
        zoo.load_adult(bad, standardize="yes")


# --- SST-2 ---------------------------------------------------------------------------------

def test_sst2_tsv(tmp_path: Path) -> None:
    train = tmp_path / "train.tsv"
    train.write_text("sentence\tlabel\na gripping , funny film\t1\ndull and boring\t0\n"
                     "a dull film\t0\nfunny\t1\n")
    test = tmp_path / "dev.tsv"
    test.write_text("a truly funny film\t1\nboring\t0\n")  # no header
    ds = zoo.load_sst2(train, test)
    vocab = ds.metadata["vocab"]
    assert vocab.tokens[:5] == ["<pad>", "<unk>", "a", "dull", "film"]
    assert ds.X_train.shape == (4, 5) and ds.X_test.shape == (2, 5)
    assert ds.X_train.dtype == np.int64
    np.testing.assert_array_equal(ds.y_train, [1, 0, 0, 1])
    assert vocab.decode(ds.X_train[1]) == ["<pad>", "<pad>", "dull", "and", "boring"]
    assert vocab.decode(ds.X_test[0])[1:] == ["a", "<unk>", "funny", "film"]
    np.testing.assert_array_equal(ds.metadata["lengths_train"], [5, 3, 3, 1])
    right = zoo.load_sst2(train, test, padding_side="right", max_len=2)
    assert right.X_train.shape == (4, 2)
    assert right.metadata["vocab"].decode(right.X_train[3]) == ["funny", "<pad>"]
    net = zoo.get_model("lstm", dataset=ds, embed_dim=8, hidden=8)
    assert net.vocab_size == len(vocab)
    assert net(torch.from_numpy(ds.X_train)).shape == (4, 2)


def test_sst2_split_and_errors(tmp_path: Path) -> None:
    path = tmp_path / "all.tsv"
    path.write_text("".join(f"sentence number {i}\t{i % 2}\n" for i in range(8)))
    ds = zoo.load_sst2(path, test_fraction=0.25, seed=0)
    assert len(ds.y_train) == 6 and len(ds.y_test) == 2
    with pytest.raises(FileNotFoundError, match="SST-2 TSV not found"):
        zoo.load_sst2(tmp_path / "none.tsv")
    path.write_text("good film\t1\nno tab here\n")
    with pytest.raises(DataFormatError, match=r"all.tsv:2: expected 'sentence<TAB>label'"):
        zoo.load_sst2(path)
    path.write_text("good film\tpositive\n")
    with pytest.raises(DataFormatError, match="label 'positive' is not an integer"):
        zoo.load_sst2(path)
    path.write_text("\n\n")
    with pytest.raises(DataFormatError, match="empty SST-2 file"):
        zoo.load_sst2(path)
