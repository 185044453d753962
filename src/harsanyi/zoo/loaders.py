"""Loaders for datasets kept on local disk; nothing is downloaded.

Loaders for datasets kept on local disk: MNIST (idx files), CIFAR-10 (python pickle
batches) and UCI census income / adult (CSV). Nothing is downloaded.

Every loader raises :class:`FileNotFoundError` naming the files it looked for when they are
missing, and :class:`DataFormatError` when a file is corrupt (wrong magic number, truncated
data, missing keys or columns).
"""

from __future__ import annotations

import gzip
import io
import pickle
import struct
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from harsanyi.errors import DataFormatError
from harsanyi.zoo.datasets import Dataset

__all__ = [
    "ADULT_COLUMNS",
    "ADULT_NUMERIC",
    "DataFormatError",
    "load_adult",
    "load_cifar10",
    "load_mnist",
    "read_idx",
]


_IDX_DTYPES = {0x08: ">u1", 0x09: ">i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}


def _open_bytes(path: Path) -> bytes:
    with open(path, "rb") as fh:
        raw = fh.read()
    if raw[:2] == b"\x1f\x8b":
        try:
            return gzip.decompress(raw)
        except (OSError, EOFError) as exc:
            raise DataFormatError(f"{path}: corrupt gzip data ({exc})") from exc
    return raw


def read_idx(path: str | Path) -> np.ndarray:
    """Read an idx file (the MNIST format), gzipped or not.

    Layout: magic ``0x00 0x00 <dtype code> <ndim>``, then ``ndim`` big-endian uint32 sizes,
    then the data in C order (code 0x08 = uint8, 0x09 int8, 0x0B int16, 0x0C int32,
    0x0D float32, 0x0E float64).

    >>> import tempfile, os
    >>> p = os.path.join(tempfile.mkdtemp(), "x.idx")
    >>> _ = open(p, "wb").write(struct.pack(">BBBBI", 0, 0, 8, 1, 3) + bytes([1, 2, 3]))
    >>> read_idx(p).tolist()
    [1, 2, 3]
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"idx file not found: {path}")
    raw = _open_bytes(path)
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] not in _IDX_DTYPES:
        raise DataFormatError(
            f"{path}: not an idx file (magic number {raw[:4].hex() or 'empty'}; expected "
            f"00 00 <dtype code in {sorted(_IDX_DTYPES)}> <ndim>)"
        )
    ndim = raw[3]
    header = 4 + 4 * ndim
    if len(raw) < header:
        raise DataFormatError(f"{path}: truncated idx header ({len(raw)} bytes)")
    shape = struct.unpack(f">{ndim}I", raw[4:header])
    dtype = np.dtype(_IDX_DTYPES[raw[2]])
    need = int(np.prod(shape)) * dtype.itemsize
    if len(raw) - header != need:
        raise DataFormatError(
            f"{path}: idx header says shape {shape} ({need} bytes of data) but the file has "
            f"{len(raw) - header} bytes of data"
        )
    data = np.frombuffer(raw, dtype=dtype, offset=header).reshape(shape)
    return data.astype(dtype.newbyteorder("="))


def _find(root: Path, names: list[str], what: str) -> Path:
    for name in names:
        for cand in (root / name, root / f"{name}.gz"):
            if cand.is_file():
                return cand
    raise FileNotFoundError(f"{what}: none of {names} (or .gz) found in {root}")


def _standardize_images(X_train: np.ndarray, X_test: np.ndarray) -> tuple[Any, Any, dict]:
    mean = X_train.mean(axis=(0, 2, 3), keepdims=True)
    std = X_train.std(axis=(0, 2, 3), keepdims=True)
    std = np.where(std > 0, std, 1.0)
    stats = {"mean": mean.ravel().tolist(), "std": std.ravel().tolist()}
    return (X_train - mean) / std, (X_test - mean) / std, stats


def load_mnist(root: str | Path, standardize: bool = True, limit: int | None = None) -> Dataset:
    """Load MNIST from its four idx files in ``root``.

    MNIST from the four idx files in ``root`` (``train-images-idx3-ubyte``,
    ``train-labels-idx1-ubyte``, ``t10k-images-idx3-ubyte``, ``t10k-labels-idx1-ubyte``; each
    may be gzipped with a ``.gz`` suffix, the ``.idx3-ubyte`` dot variants are accepted too).

    Images become float32 ``(N, 1, 28, 28)`` in ``[0, 1]``, then (``standardize``) shifted and
    scaled by the training mean and std. ``limit`` keeps the first ``limit`` samples of each
    split (quick experiments).
    """
    root = Path(root)
    parts = {}
    for split, prefix in (("train", "train"), ("test", "t10k")):
        img = _find(root, [f"{prefix}-images-idx3-ubyte", f"{prefix}-images.idx3-ubyte"],
                    f"MNIST {split} images")
        lab = _find(root, [f"{prefix}-labels-idx1-ubyte", f"{prefix}-labels.idx1-ubyte"],
                    f"MNIST {split} labels")
        X, y = read_idx(img), read_idx(lab)
        if X.ndim != 3:
            raise DataFormatError(f"{img}: expected images (N, H, W), got shape {X.shape}")
        if y.ndim != 1 or len(y) != len(X):
            raise DataFormatError(f"{lab}: {y.shape} labels for {len(X)} images in {img.name}")
        if limit is not None:
            X, y = X[:limit], y[:limit]
        parts[split] = (X[:, None].astype(np.float32) / 255.0, y.astype(np.int64))
    (Xtr, ytr), (Xte, yte) = parts["train"], parts["test"]
    stats: dict = {}
    if standardize:
        Xtr, Xte, stats = _standardize_images(Xtr, Xte)
    return Dataset(Xtr.astype(np.float32), ytr, Xte.astype(np.float32), yte,
                   class_names=[str(i) for i in range(10)], name="mnist",
                   metadata={"standardization": stats, "root": str(root)})


CIFAR10_CLASSES = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse",
                   "ship", "truck"]


class _NumpyOnlyUnpickler(pickle.Unpickler):
    """Refuses every global except the few numpy ones a CIFAR batch needs."""

    _ALLOWED: ClassVar[set[tuple[str, str]]] = {
        ("numpy.core.multiarray", "_reconstruct"), ("numpy._core.multiarray", "_reconstruct"),
        ("numpy.core.multiarray", "scalar"), ("numpy._core.multiarray", "scalar"),
        ("numpy.core.numeric", "_frombuffer"), ("numpy._core.numeric", "_frombuffer"),
        ("numpy", "ndarray"), ("numpy", "dtype"), ("_codecs", "encode"),
    }

    def find_class(self, module: str, name: str) -> Any:
        if (module, name) in self._ALLOWED:
            return super().find_class(module, name)
        raise pickle.UnpicklingError(f"global {module}.{name} is not allowed in a CIFAR batch")


def _read_cifar_batch(path: Path) -> tuple[np.ndarray, np.ndarray]:
    try:
        with open(path, "rb") as fh:
            obj = _NumpyOnlyUnpickler(io.BytesIO(fh.read()), encoding="bytes").load()
    except (pickle.UnpicklingError, EOFError, ValueError, TypeError, AttributeError) as exc:
        raise DataFormatError(f"{path}: not a CIFAR python pickle batch ({exc})") from exc
    if not isinstance(obj, dict):
        raise DataFormatError(f"{path}: a CIFAR batch is a dict, got {type(obj).__name__}")
    d = {(k.decode() if isinstance(k, bytes) else k): v for k, v in obj.items()}
    if "data" not in d or "labels" not in d:
        raise DataFormatError(f"{path}: a CIFAR batch needs 'data' and 'labels', has {sorted(d)}")
    data = np.asarray(d["data"], dtype=np.uint8)
    labels = np.asarray(d["labels"], dtype=np.int64)
    if data.ndim != 2 or data.shape[1] != 3 * 32 * 32 or len(labels) != len(data):
        raise DataFormatError(
            f"{path}: expected data (N, 3072) and N labels, got {data.shape} and {labels.shape}"
        )
    return data.reshape(-1, 3, 32, 32), labels


def load_cifar10(root: str | Path, standardize: bool = True, limit: int | None = None) -> Dataset:
    """Load CIFAR-10 from the folder of its python version.

    CIFAR-10 from the python version's folder (``cifar-10-batches-py``): every
    ``data_batch_*`` file for training, ``test_batch`` for testing.

    Each batch is a pickled dict with ``data`` (uint8 ``(N, 3072)``, channel-major 32×32) and
    ``labels``. Only numpy arrays are unpickled (other globals are refused). Images become
    float32 ``(N, 3, 32, 32)`` in ``[0, 1]``, standardised per channel with training statistics.
    """
    root = Path(root)
    if (root / "cifar-10-batches-py").is_dir():
        root = root / "cifar-10-batches-py"
    train_files = sorted(root.glob("data_batch_*"))
    if not train_files or not (root / "test_batch").is_file():
        raise FileNotFoundError(
            f"CIFAR-10: expected data_batch_1..5 and test_batch in {root}; found "
            f"{sorted(p.name for p in root.glob('*')) if root.is_dir() else 'no such folder'}"
        )
    batches = [_read_cifar_batch(p) for p in train_files]
    Xtr = np.concatenate([b[0] for b in batches])
    ytr = np.concatenate([b[1] for b in batches])
    Xte, yte = _read_cifar_batch(root / "test_batch")
    if limit is not None:
        Xtr, ytr, Xte, yte = Xtr[:limit], ytr[:limit], Xte[:limit], yte[:limit]
    Xtr, Xte = Xtr.astype(np.float32) / 255.0, Xte.astype(np.float32) / 255.0
    stats: dict = {}
    if standardize:
        Xtr, Xte, stats = _standardize_images(Xtr, Xte)
    return Dataset(Xtr.astype(np.float32), ytr, Xte.astype(np.float32), yte,
                   class_names=list(CIFAR10_CLASSES), name="cifar10",
                   metadata={"standardization": stats, "root": str(root)})


#: Columns of the UCI adult files (which have no header line).
ADULT_COLUMNS = ["age", "workclass", "fnlwgt", "education", "education-num", "marital-status",
                 "occupation", "relationship", "race", "sex", "capital-gain", "capital-loss",
                 "hours-per-week", "native-country", "income"]
ADULT_NUMERIC = ["age", "fnlwgt", "education-num", "capital-gain", "capital-loss",
                 "hours-per-week"]


def _read_adult_csv(path: Path) -> Any:
    import pandas as pd  # heavy: pandas loads only for tables

    if not path.is_file():
        raise FileNotFoundError(f"adult CSV not found: {path}")
    with open(path, encoding="utf-8", errors="replace") as fh:
        lines = [ln for ln in fh if ln.strip() and not ln.startswith("|")]
    if not lines:
        raise DataFormatError(f"{path}: no data rows")
    first = [c.strip() for c in lines[0].split(",")]
    has_header = first[0].lower() == "age"
    try:
        df = pd.read_csv(io.StringIO("".join(lines)), header=0 if has_header else None,
                         skipinitialspace=True, dtype=str)
    except pd.errors.ParserError as exc:
        raise DataFormatError(f"{path}: not a valid CSV ({exc})") from exc
    if has_header:
        df.columns = [str(c).strip().replace("_", "-").replace(".", "-") for c in df.columns]
    elif df.shape[1] == len(ADULT_COLUMNS):
        df.columns = ADULT_COLUMNS
    else:
        raise DataFormatError(
            f"{path}: {df.shape[1]} columns without a header; the adult files have "
            f"{len(ADULT_COLUMNS)}: {ADULT_COLUMNS}"
        )
    if "class" in df.columns and "income" not in df.columns:
        df = df.rename(columns={"class": "income"})
    missing = [c for c in ADULT_COLUMNS if c not in df.columns]
    if missing:
        raise DataFormatError(f"{path}: missing columns {missing}")
    return df[ADULT_COLUMNS].apply(lambda s: s.str.strip())


def load_adult(
    train_path: str | Path,
    test_path: str | Path | None = None,
    test_fraction: float = 0.25,
    seed: int = 0,
    drop_missing: bool = True,
    standardize: str = "numeric",
) -> Dataset:
    """Load UCI census income (adult).

    UCI census income (adult): predict ``income > 50K`` from 6 numeric and 8 categorical
    columns.

    Reads ``adult.data`` / ``adult.test`` style CSVs (no header, ``", "`` separated, ``?`` for
    missing, labels ``<=50K``/``>50K`` with an optional trailing ``.``, lines starting with
    ``|`` skipped) or a CSV with a header row naming the columns. Without ``test_path`` the
    rows are split at random (seeded, stratified). Categorical columns are one-hot encoded with
    the categories seen in training (an unseen test category is all zeros); ``feature_names``
    are ``"age"``, ..., ``"workclass=Private"``, and ``metadata["feature_groups"]`` maps each
    original column to its feature indices. ``standardize``: ``"numeric"`` (default) scales
    the numeric columns with training mean/std, ``"all"`` scales every column, ``"none"``.
    Rows with ``?`` are dropped when ``drop_missing``, otherwise ``?`` is a category.
    """
    if standardize not in ("numeric", "all", "none"):
        raise ValueError(f"standardize must be 'numeric', 'all' or 'none', got {standardize!r}")
    train = _read_adult_csv(Path(train_path))
    if test_path is not None:
        test = _read_adult_csv(Path(test_path))
    else:
        # heavy: scikit-learn loads only when a data set needs it
        from sklearn.model_selection import train_test_split

        y_all = train["income"].str.rstrip(".").str.contains(">")
        strat = y_all if y_all.value_counts().min() >= 2 else None
        train, test = train_test_split(train, test_size=test_fraction, random_state=seed,
                                       stratify=strat)
    if drop_missing:
        train = train[~(train == "?").any(axis=1)]
        test = test[~(test == "?").any(axis=1)]
    frames = []
    for df in (train, test):
        labels = df["income"].str.rstrip(".")
        bad = ~labels.isin(["<=50K", ">50K"])
        if bad.any():
            raise DataFormatError(f"unexpected income labels {sorted(set(labels[bad]))[:5]}; "
                                  "expected '<=50K' or '>50K'")
        try:
            num = df[ADULT_NUMERIC].astype(np.float64).to_numpy()
        except ValueError as exc:
            raise DataFormatError(f"a numeric adult column has a non-number: {exc}") from exc
        frames.append((num, df, (labels == ">50K").to_numpy().astype(np.int64)))
    if len(frames[0][2]) == 0:
        raise DataFormatError("the adult training data has no rows left")
    names = list(ADULT_NUMERIC)
    groups: dict[str, list[int]] = {c: [i] for i, c in enumerate(ADULT_NUMERIC)}
    cats = [c for c in ADULT_COLUMNS if c not in ADULT_NUMERIC and c != "income"]
    blocks_tr, blocks_te = [frames[0][0]], [frames[1][0]]
    for col in cats:
        levels = sorted(frames[0][1][col].unique())
        groups[col] = list(range(len(names), len(names) + len(levels)))
        names += [f"{col}={v}" for v in levels]
        index = {v: i for i, v in enumerate(levels)}
        for df, blocks in ((frames[0][1], blocks_tr), (frames[1][1], blocks_te)):
            codes = np.array([index.get(v, -1) for v in df[col]], dtype=np.int64)
            onehot = np.zeros((len(df), len(levels)))
            rows = np.nonzero(codes >= 0)[0]
            onehot[rows, codes[rows]] = 1.0
            blocks.append(onehot)
    Xtr, Xte = np.hstack(blocks_tr), np.hstack(blocks_te)
    stats: dict = {}
    if standardize != "none":
        cols = slice(0, len(ADULT_NUMERIC)) if standardize == "numeric" else slice(None)
        mean, std = Xtr[:, cols].mean(axis=0), Xtr[:, cols].std(axis=0)
        std = np.where(std > 0, std, 1.0)
        Xtr[:, cols] = (Xtr[:, cols] - mean) / std
        Xte[:, cols] = (Xte[:, cols] - mean) / std
        stats = {"columns": standardize, "mean": mean.tolist(), "std": std.tolist()}
    return Dataset(Xtr.astype(np.float32), frames[0][2], Xte.astype(np.float32), frames[1][2],
                   feature_names=names, class_names=["<=50K", ">50K"], name="adult",
                   metadata={"standardization": stats, "feature_groups": groups})
