"""The command line's one reader of data files, and of named train/test data.

A data file is ``.npy`` (inputs), ``.csv`` (a header line gives column names; a label column
can be named), ``.pt`` (a tensor, an ``(inputs, labels)`` pair, or a dict with
``inputs``/``x``/``X``/``data`` and optionally ``labels``/``y``) or ``.npz`` (``X`` and ``y``).

Train and test data are always named explicitly: two files (``--train-data``, ``--test-data``),
one ``.npz``/``.pt`` holding ``X_train``, ``y_train``, ``X_test``, ``y_test``, or a zoo data set
``zoo:NAME`` (which has its own split). Test samples are never drawn from the training data.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import torch

from harsanyi.cli.grammar import CLIError
from harsanyi.zoo import get_dataset

__all__ = ["Splits", "Table", "read_splits", "read_table"]

_INPUT_KEYS = ("inputs", "x", "X", "data")
_LABEL_KEYS = ("labels", "y")


@dataclass(frozen=True)
class Table:
    """Rows of inputs and labels, with their column names and origin.

    Rows of inputs ``X`` (numpy or a torch tensor, e.g. token ids), labels ``y`` (or
    ``None``), column ``names`` (from a CSV header, or ``None``) and where they came from.
    """

    X: Any
    y: np.ndarray | None
    names: list[str] | None
    source: str

    def __len__(self) -> int:
        return len(self.X)


@dataclass(frozen=True)
class Splits:
    """Named training and test data.

    Named training and test data (``test`` is ``None`` when none was given) and, for zoo
    data sets with label noise, which training labels were flipped.
    """

    train: Table
    test: Table | None
    flipped: np.ndarray | None
    name: str


def _labels(y: Any) -> np.ndarray | None:
    if y is None:
        return None
    return (y.numpy() if isinstance(y, torch.Tensor) else np.asarray(y)).reshape(-1)


def _from_mapping(obj: Mapping[str, Any], path: Path) -> Table:
    x_key = next((k for k in _INPUT_KEYS if k in obj), None)
    if x_key is None:
        raise CLIError(f"{path} holds {sorted(obj)}; expected inputs under one of "
                       f"{', '.join(_INPUT_KEYS)} (and labels under {' or '.join(_LABEL_KEYS)})")
    y_key = next((k for k in _LABEL_KEYS if k in obj), None)
    return Table(obj[x_key], _labels(obj[y_key]) if y_key else None, None, str(path))


def _read_csv(path: Path, label_column: str | None) -> Table:
    first = path.read_text().splitlines()[0].split(",")
    try:
        [float(v) for v in first]
    except ValueError:
        frame = pd.read_csv(path)
        y = None
        if label_column is not None:
            if label_column not in frame.columns:
                raise CLIError(f"no column {label_column!r} in {path}; columns: "
                               f"{list(frame.columns)}") from None
            y = frame.pop(label_column).to_numpy()
        return Table(frame.to_numpy(dtype=np.float64), y, [str(c) for c in frame.columns],
                     str(path))
    if label_column is not None:
        raise CLIError(f"{path} has no header line, so it has no column {label_column!r}")
    return Table(np.loadtxt(path, delimiter=",", ndmin=2), None, None, str(path))


def _load(path: Path) -> Any:
    suffix = path.suffix.lower()
    if suffix == ".npy":
        return np.load(path, allow_pickle=False)
    if suffix == ".npz":
        with np.load(path, allow_pickle=False) as f:
            return {k: f[k] for k in f.files}
    if suffix in (".pt", ".pth"):
        return torch.load(path, map_location="cpu", weights_only=True)
    raise CLIError(f"unsupported data format {suffix!r} ({path}): use .npy, .npz, .csv or .pt")


def read_table(path: str | Path, *, labels: str | Path | None = None,
               label_column: str | None = None) -> Table:
    r"""Read one data file (module docstring); ``labels`` is a separate labels file.

    >>> import tempfile
    >>> p = Path(tempfile.mkdtemp()) / "d.csv"
    >>> _ = p.write_text("age,sex,label\n30,1,0\n40,0,1\n")
    >>> t = read_table(p, label_column="label")
    >>> t.names, t.y.tolist(), t.X.shape
    (['age', 'sex'], [0, 1], (2, 2))
    """
    path = Path(path)
    if not path.is_file():
        raise CLIError(f"data file {path} does not exist")
    if path.suffix.lower() == ".csv":
        table = _read_csv(path, label_column)
    else:
        obj = _load(path)
        if isinstance(obj, Mapping):
            if "X_train" in obj:
                raise CLIError(f"{path} holds a train/test split (X_train, X_test): give it as "
                               "--data, or pick one part")
            table = _from_mapping(obj, path)
        elif isinstance(obj, (tuple, list)) and len(obj) == 2:
            table = Table(obj[0], _labels(obj[1]), None, str(path))
        elif isinstance(obj, (np.ndarray, torch.Tensor)):
            table = Table(obj, None, None, str(path))
        else:
            raise CLIError(f"{path} does not hold an array or tensor of inputs")
    if labels is not None:
        extra = read_table(labels)
        table = Table(table.X, _labels(extra.X), table.names, table.source)
    if table.y is not None and len(table.y) != len(table.X):
        raise CLIError(f"{path}: {len(table.X)} inputs but {len(table.y)} labels")
    return table


def _split_file(path: Path) -> Splits | None:
    """Read a ``.npz``/``.pt`` with ``X_train``/``X_test`` as :class:`Splits`, else ``None``."""
    if path.suffix.lower() not in (".npz", ".pt", ".pth") or not path.is_file():
        return None
    obj = _load(path)
    if not isinstance(obj, Mapping) or "X_train" not in obj:
        return None
    test = (Table(obj["X_test"], _labels(obj.get("y_test")), None, f"{path}:X_test")
            if "X_test" in obj else None)
    return Splits(Table(obj["X_train"], _labels(obj.get("y_train")), None, f"{path}:X_train"),
                  test, None, str(path))


def read_splits(data: str | None = None, *, train_data: Path | None = None,
                test_data: Path | None = None, labels: Path | None = None,
                test_labels: Path | None = None, label_column: str | None = None,
                label_noise: float = 0.0, noise_seed: int = 0) -> Splits:
    """Training and test data, named explicitly (module docstring).

    ``data`` is ``zoo:NAME`` or a file holding both splits; otherwise ``train_data`` (and
    ``test_data`` for test samples). A single file of rows is training data only: it is never
    split into a "test" part behind the user's back.
    """
    if data is not None and train_data is not None:
        raise CLIError("give either --data (zoo:NAME or a file with X_train and X_test) or "
                       "--train-data/--test-data, not both")
    if data is not None and data.startswith("zoo:"):
        try:
            ds = get_dataset(data[4:], label_noise=label_noise, noise_seed=noise_seed)
        except KeyError as exc:
            raise CLIError(str(exc).strip("'\"")) from None
        return Splits(Table(ds.X_train, ds.y_train, list(ds.feature_names or []) or None,
                            f"{data}:train"),
                      Table(ds.X_test, ds.y_test, None, f"{data}:test"), ds.flipped, data)
    if data is not None:
        both = _split_file(Path(data))
        if both is not None:
            return both
        train_data = Path(data)  # one pool of rows: training data only
    if train_data is None:
        raise CLIError("no data: give --data zoo:NAME, --data FILE.npz (with X_train and "
                       "X_test), or --train-data FILE --test-data FILE")
    train = read_table(train_data, labels=labels, label_column=label_column)
    test = (read_table(test_data, labels=test_labels, label_column=label_column)
            if test_data is not None else None)
    name = str(train_data) + (f" + {test_data}" if test_data is not None else "")
    return Splits(train, test, None, name)
