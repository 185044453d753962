"""Datasets of the zoo: the container, splits, standardisation and label noise.

Also the small datasets that ship with scikit-learn (digits, breast cancer, wine): no
downloads.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from harsanyi.errors import ShapeError

__all__ = [
    "Dataset",
    "add_label_noise",
    "load_breast_cancer",
    "load_digits",
    "load_wine",
    "split_and_standardize",
]


@dataclass
class Dataset:
    """A train/test split held in memory as numpy arrays.

    Attributes
    ----------
    X_train, X_test : inputs, float32 (features, images ``(N, C, H, W)``) or int64 (token ids).
    y_train, y_test : int64 class labels in ``0 .. n_classes - 1``.
    feature_names : one name per input feature (tabular) or ``[]``.
    class_names : one name per class.
    name : short name (``"breast_cancer"``, ``"mnist"``...).
    flipped : bool mask over training samples whose label was changed by label noise, or None.
    y_train_clean : training labels before label noise, or None.
    metadata : anything else (standardisation statistics, feature groups of one-hot columns,
        the vocabulary of a text dataset, the formula of the synthetic task...).

    Example
    -------
    >>> ds = load_wine(seed=0)
    >>> ds.n_features, ds.n_classes, ds.X_train.shape[0] + ds.X_test.shape[0]
    (13, 3, 178)
    """

    X_train: np.ndarray
    y_train: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray
    feature_names: list[str] = field(default_factory=list)
    class_names: list[str] = field(default_factory=list)
    name: str = ""
    flipped: np.ndarray | None = None
    y_train_clean: np.ndarray | None = None
    metadata: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for part in ("train", "test"):
            X, y = getattr(self, f"X_{part}"), getattr(self, f"y_{part}")
            if len(X) != len(y):
                raise ShapeError(f"X_{part} has {len(X)} rows but y_{part} has {len(y)} labels")
        self.y_train = np.asarray(self.y_train, dtype=np.int64)
        self.y_test = np.asarray(self.y_test, dtype=np.int64)
        if not self.class_names:
            k = int(max(self.y_train.max(initial=0), self.y_test.max(initial=0))) + 1
            self.class_names = [str(i) for i in range(k)]

    @property
    def n_classes(self) -> int:
        """Number of classes (``len(class_names)``)."""
        return len(self.class_names)

    @property
    def n_features(self) -> int:
        """Size of one input flattened (features of a tabular set, C·H·W of an image)."""
        return int(np.prod(self.X_train.shape[1:]))

    @property
    def input_shape(self) -> tuple[int, ...]:
        """Shape of one input (without the batch dim)."""
        return tuple(int(s) for s in self.X_train.shape[1:])

    def with_label_noise(self, fraction: float, seed: int = 0) -> Dataset:
        """Return a copy with label noise in the training labels.

        A copy whose training labels have ``fraction`` of them flipped to another class
        (see :func:`add_label_noise`); ``flipped`` and ``y_train_clean`` record the change.

        >>> noisy = load_wine(seed=0).with_label_noise(0.1, seed=1)
        >>> int(noisy.flipped.sum()), bool((noisy.y_train != noisy.y_train_clean).sum() == 13)
        (13, True)
        """
        clean = self.y_train if self.y_train_clean is None else self.y_train_clean
        y, _ = add_label_noise(self.y_train, fraction, n_classes=self.n_classes, seed=seed)
        flipped = y != clean
        meta = dict(self.metadata, label_noise={"fraction": fraction, "seed": seed})
        return dataclasses.replace(
            self, y_train=y, flipped=flipped, y_train_clean=clean.copy(), metadata=meta
        )


def add_label_noise(
    y: np.ndarray, fraction: float, n_classes: int | None = None, seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """Flip a fraction of the labels, each to another class.

    Flip ``round(fraction · N)`` labels, chosen at random, each to a different class drawn
    uniformly from the other ``n_classes - 1`` classes.

    Returns ``(y_noisy, flipped)`` where ``flipped`` is a bool mask of the changed labels; the
    input is not modified. Deterministic given ``seed``.

    >>> y = np.zeros(10, dtype=int)
    >>> y2, flipped = add_label_noise(y, 0.3, n_classes=2, seed=0)
    >>> int(flipped.sum()), set(y2[flipped].tolist()), bool((y2[~flipped] == 0).all())
    (3, {1}, True)
    """
    y = np.asarray(y)
    if y.ndim != 1:
        raise ShapeError(f"labels must be a 1-D array, got shape {y.shape}")
    if not 0.0 <= fraction <= 1.0:
        raise ValueError(f"the label-noise fraction must be in [0, 1], got {fraction}")
    k = int(y.max(initial=0)) + 1 if n_classes is None else int(n_classes)
    if y.size and (y.min() < 0 or y.max() >= k):
        raise ValueError(f"labels must lie in 0..{k - 1}, got values in {y.min()}..{y.max()}")
    n_flip = round(fraction * y.size)
    if n_flip and k < 2:
        raise ValueError("label noise needs at least 2 classes")
    rng = np.random.default_rng(seed)
    idx = rng.choice(y.size, size=n_flip, replace=False)
    shift = rng.integers(1, k, size=n_flip) if n_flip else np.zeros(0, dtype=np.int64)
    y_noisy = y.astype(np.int64, copy=True)
    y_noisy[idx] = (y_noisy[idx] + shift) % k
    flipped = np.zeros(y.size, dtype=bool)
    flipped[idx] = True
    return y_noisy, flipped


def split_and_standardize(
    X: np.ndarray,
    y: np.ndarray,
    test_fraction: float = 0.25,
    seed: int = 0,
    standardize: bool = True,
    stratify: bool = True,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, dict[str, Any]]:
    """Split into train and test sets, standardised with the training statistics.

    Random (stratified) train/test split; features standardised with the training mean and
    std: ``x' = (x - μ_train) / σ_train`` (σ = 1 for constant columns).

    Returns ``X_train, X_test, y_train, y_test, stats`` with ``stats = {"mean", "std"}`` (empty
    when ``standardize=False``). ``X`` may have any trailing shape (statistics per column of
    the flattened rows).

    >>> X = np.arange(20.0).reshape(10, 2); y = np.array([0, 1] * 5)
    >>> Xtr, Xte, ytr, yte, st = split_and_standardize(X, y, test_fraction=0.2, seed=0)
    >>> Xtr.shape, Xte.shape, bool(np.allclose(Xtr.mean(0), 0, atol=1e-6))
    ((8, 2), (2, 2), True)
    """
    # heavy: scikit-learn loads only when a data set needs it
    from sklearn.model_selection import train_test_split

    if not 0.0 < test_fraction < 1.0:
        raise ValueError(f"test_fraction must be in (0, 1), got {test_fraction}")
    strat = y if stratify and np.bincount(y).min() >= 2 else None
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=test_fraction, random_state=seed, stratify=strat
    )
    stats: dict[str, Any] = {}
    if standardize:
        flat = X_train.reshape(len(X_train), -1)
        mean = flat.mean(axis=0)
        std = flat.std(axis=0)
        std = np.where(std > 0, std, 1.0)
        X_train = ((flat - mean) / std).reshape(X_train.shape)
        X_test = ((X_test.reshape(len(X_test), -1) - mean) / std).reshape(X_test.shape)
        stats = {"mean": mean.astype(np.float32), "std": std.astype(np.float32)}
    return (
        X_train.astype(np.float32),
        X_test.astype(np.float32),
        y_train.astype(np.int64),
        y_test.astype(np.int64),
        stats,
    )


def _from_sklearn(
    bunch: Any, name: str, test_fraction: float, seed: int, standardize: bool
) -> Dataset:
    X = np.asarray(bunch.data, dtype=np.float64)
    y = np.asarray(bunch.target, dtype=np.int64)
    Xtr, Xte, ytr, yte, stats = split_and_standardize(X, y, test_fraction, seed, standardize)
    return Dataset(
        Xtr, ytr, Xte, yte,
        feature_names=[str(f) for f in bunch.feature_names],
        class_names=[str(c) for c in bunch.target_names],
        name=name,
        metadata={"standardization": stats, "test_fraction": test_fraction, "seed": seed},
    )


def load_breast_cancer(
    test_fraction: float = 0.25, seed: int = 0, standardize: bool = True
) -> Dataset:
    """Wisconsin breast cancer (569 samples, 30 features, 2 classes) from scikit-learn.

    >>> ds = load_breast_cancer(seed=0)
    >>> ds.X_train.shape, ds.class_names
    ((426, 30), ['malignant', 'benign'])
    """
    from sklearn import datasets  # heavy: scikit-learn loads only when a data set needs it

    bunch = datasets.load_breast_cancer()
    return _from_sklearn(bunch, "breast_cancer", test_fraction, seed, standardize)


def load_wine(test_fraction: float = 0.25, seed: int = 0, standardize: bool = True) -> Dataset:
    """Wine recognition (178 samples, 13 features, 3 classes) from scikit-learn.

    >>> load_wine(seed=0).X_test.shape
    (45, 13)
    """
    from sklearn import datasets  # heavy: scikit-learn loads only when a data set needs it

    return _from_sklearn(datasets.load_wine(), "wine", test_fraction, seed, standardize)


def load_digits(
    test_fraction: float = 0.25, seed: int = 0, standardize: bool = True, as_image: bool = False
) -> Dataset:
    """Load scikit-learn's handwritten digits.

    Handwritten digits (1797 samples of 8×8 pixels, values 0..16, 10 classes) from
    scikit-learn.

    Tabular by default (64 standardised pixel features). With ``as_image=True`` the inputs are
    images ``(N, 1, 8, 8)`` scaled to ``[0, 1]`` and, if ``standardize``, shifted and scaled by
    the training pixel mean and std (one scalar each, like a per-channel normalisation).

    >>> load_digits(as_image=True).X_train.shape
    (1347, 1, 8, 8)
    """
    from sklearn import datasets  # heavy: scikit-learn loads only when a data set needs it

    bunch = datasets.load_digits()
    if not as_image:
        return _from_sklearn(bunch, "digits", test_fraction, seed, standardize)
    X = np.asarray(bunch.images, dtype=np.float64)[:, None] / 16.0
    y = np.asarray(bunch.target, dtype=np.int64)
    Xtr, Xte, ytr, yte, _ = split_and_standardize(X, y, test_fraction, seed, standardize=False)
    stats: dict[str, Any] = {}
    if standardize:
        mean, std = float(Xtr.mean()), float(Xtr.std())
        Xtr, Xte = (Xtr - mean) / std, (Xte - mean) / std
        stats = {"mean": [mean], "std": [std]}
    return Dataset(
        Xtr.astype(np.float32), ytr, Xte.astype(np.float32), yte,
        class_names=[str(c) for c in bunch.target_names],
        name="digits_image",
        metadata={"standardization": stats, "test_fraction": test_fraction, "seed": seed},
    )
