"""Zoo datasets: sklearn sets, splits, standardisation, label noise, the AND-OR task."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from harsanyi import zoo
from harsanyi.errors import ShapeError
from harsanyi.zoo.synthetic import DEFAULT_FORMULA, AndOrFormula


@pytest.mark.parametrize(
    "name, n, d, k", [("breast_cancer", 569, 30, 2), ("wine", 178, 13, 3), ("digits", 1797, 64, 10)]
)
def test_sklearn_datasets(name: str, n: int, d: int, k: int) -> None:
    ds = zoo.get_dataset(name, seed=3)
    assert ds.X_train.shape[1] == d and ds.n_features == d and ds.n_classes == k
    assert len(ds.X_train) + len(ds.X_test) == n
    assert len(ds.X_test) == pytest.approx(0.25 * n, abs=1)
    assert ds.X_train.dtype == np.float32 and ds.y_train.dtype == np.int64
    assert len(ds.feature_names) == d
    # standardised with training statistics: train columns have mean 0, std 1 (or constant)
    std = ds.X_train.std(0)
    np.testing.assert_allclose(ds.X_train.mean(0), 0, atol=1e-5)
    assert np.all((np.abs(std - 1) < 1e-4) | (std < 1e-6))
    assert abs(ds.X_test.mean()) > 1e-6  # the test split is not re-fitted
    # stratified: class proportions agree between splits
    p_tr = np.bincount(ds.y_train, minlength=k) / len(ds.y_train)
    p_te = np.bincount(ds.y_test, minlength=k) / len(ds.y_test)
    assert np.abs(p_tr - p_te).max() < 0.05


def test_split_is_seeded() -> None:
    a, b = zoo.load_wine(seed=1), zoo.load_wine(seed=1)
    c = zoo.load_wine(seed=2)
    np.testing.assert_array_equal(a.X_train, b.X_train)
    assert not np.array_equal(a.y_train, c.y_train) or not np.array_equal(a.X_train, c.X_train)


def test_digits_as_image() -> None:
    ds = zoo.load_digits(as_image=True, standardize=False)
    assert ds.X_train.shape[1:] == (1, 8, 8) and ds.input_shape == (1, 8, 8)
    assert ds.X_train.min() >= 0 and ds.X_train.max() <= 1 and ds.X_train.max() == 1


@pytest.mark.parametrize("k, frac", [(2, 0.05), (3, 0.1), (10, 0.5), (4, 1.0)])
def test_label_noise_flips_exact_fraction_to_other_classes(k: int, frac: float) -> None:
    rng = np.random.default_rng(0)
    y = rng.integers(0, k, size=301)
    y_noisy, flipped = zoo.add_label_noise(y, frac, n_classes=k, seed=4)
    assert flipped.sum() == round(frac * 301)
    assert np.all(y_noisy[flipped] != y[flipped])  # never to the same class
    np.testing.assert_array_equal(y_noisy[~flipped], y[~flipped])
    assert y_noisy.min() >= 0 and y_noisy.max() < k
    assert not np.shares_memory(y, y_noisy)
    y2, f2 = zoo.add_label_noise(y, frac, n_classes=k, seed=4)
    np.testing.assert_array_equal(y2, y_noisy)
    np.testing.assert_array_equal(f2, flipped)


def test_label_noise_targets_are_spread_over_other_classes() -> None:
    y = np.zeros(3000, dtype=int)
    y_noisy, flipped = zoo.add_label_noise(y, 0.6, n_classes=4, seed=0)
    counts = np.bincount(y_noisy[flipped], minlength=4)
    assert counts[0] == 0 and counts[1:].min() > 500  # about 600 each


def test_label_noise_errors() -> None:
    with pytest.raises(ValueError, match=r"fraction must be in \[0, 1\]"):
        zoo.add_label_noise(np.zeros(4, int), 1.5)
    with pytest.raises(ValueError, match=r"labels must lie in 0..1"):
        zoo.add_label_noise(np.array([0, 2]), 0.5, n_classes=2)
    with pytest.raises(ShapeError, match="1-D"):
        zoo.add_label_noise(np.zeros((2, 2), int), 0.5)
    with pytest.raises(ValueError, match="at least 2 classes"):
        zoo.add_label_noise(np.zeros(4, int), 0.5, n_classes=1)


def test_dataset_with_label_noise_records_flips() -> None:
    ds = zoo.get_dataset("breast_cancer", label_noise=0.05, noise_seed=1)
    assert ds.flipped.sum() == round(0.05 * len(ds.y_train)) == 21
    np.testing.assert_array_equal(ds.flipped, ds.y_train != ds.y_train_clean)
    clean = zoo.get_dataset("breast_cancer")
    np.testing.assert_array_equal(ds.y_train_clean, clean.y_train)
    np.testing.assert_array_equal(ds.y_test, clean.y_test)  # test labels untouched
    assert ds.metadata["label_noise"] == {"fraction": 0.05, "seed": 1}


def test_dataset_length_mismatch() -> None:
    with pytest.raises(ShapeError, match="X_train has 3 rows but y_train has 2 labels"):
        zoo.Dataset(np.zeros((3, 1)), np.zeros(2), np.zeros((1, 1)), np.zeros(1))


# --- the synthetic AND-OR task -------------------------------------------------------------

def test_and_or_labels_follow_formula() -> None:
    ds = zoo.make_and_or_task(1000, seed=5)
    f = ds.metadata["formula"]
    assert f is DEFAULT_FORMULA
    for X, y in ((ds.X_train, ds.y_train), (ds.X_test, ds.y_test)):
        assert set(np.unique(X)) <= {0.0, 1.0}
        x = X.astype(bool)
        truth = (-2.5 + 2 * (x[:, 0] & x[:, 1]) + 3 * (x[:, 2] & x[:, 3] & x[:, 4])
                 + 2 * (x[:, 5] | x[:, 6]) + 1.5 * (x[:, 7] | x[:, 8])) > 0
        np.testing.assert_array_equal(y, truth.astype(int))
    assert 0.55 < ds.y_train.mean() < 0.85  # about 70% positives
    assert len(ds.y_test) == 250


def test_and_or_task_is_seeded_and_bernoulli_mode() -> None:
    a = zoo.make_and_or_task(200, seed=1)
    b = zoo.make_and_or_task(200, seed=1)
    np.testing.assert_array_equal(a.X_train, b.X_train)
    ds = zoo.make_and_or_task(20000, label_mode="bernoulli", seed=0)
    f = ds.metadata["formula"]
    s = f.score(ds.X_train)
    for value in np.unique(s)[:4]:  # empirical P(y=1 | s) follows sigmoid(s)
        sel = s == value
        if sel.sum() > 300:
            assert ds.y_train[sel].mean() == pytest.approx(1 / (1 + np.exp(-value)), abs=0.06)


def _game(f: AndOrFormula, x: np.ndarray) -> np.ndarray:
    """Brute force: v(S) = s(x_S), features outside S set to the baseline 0."""
    n = f.n_features
    masks = np.array([[(S >> i) & 1 for i in range(n)] for S in range(2**n)])
    return f.score(masks * x[None, :])


def _reconstruct(and_terms: dict, or_terms: dict, n: int) -> np.ndarray:
    out = np.zeros(2**n)
    for S in range(2**n):
        members = {i for i in range(n) if (S >> i) & 1}
        out[S] = sum(v for T, v in and_terms.items() if set(T) <= members)
        out[S] += sum(v for T, v in or_terms.items() if set(T) & members)
    return out


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_planted_interactions_match_the_score_exactly(seed: int) -> None:
    f = AndOrFormula.random(8, n_and=2, n_or=2, orders=(1, 3), seed=seed)
    rng = np.random.default_rng(seed)
    for x in [np.ones(8, int), rng.integers(0, 2, 8), rng.integers(0, 2, 8)]:
        and_t, or_t = f.planted_interactions(x)
        assert all(len(T) >= 2 for T in or_t)  # singletons are on the AND side
        np.testing.assert_allclose(_reconstruct(and_t, or_t, 8), _game(f, x), atol=1e-12)


def test_planted_interactions_of_the_default_formula() -> None:
    and_t, or_t = DEFAULT_FORMULA.planted_interactions(np.ones(10, int))
    assert and_t == {(): -2.5, (0, 1): 2.0, (2, 3, 4): 3.0}
    assert or_t == {(5, 6): 2.0, (7, 8): 1.5}
    and_t, or_t = DEFAULT_FORMULA.planted_interactions(np.array([1, 0, 1, 1, 1, 0, 1, 0, 0, 1]))
    assert and_t == {(): -2.5, (2, 3, 4): 3.0, (6,): 2.0} and or_t == {}


def test_random_formula() -> None:
    f = AndOrFormula.random(12, n_and=2, n_or=2, orders=(2, 3), seed=7)
    terms = list(f.and_terms) + list(f.or_terms)
    used = [i for T in terms for i in T]
    assert len(used) == len(set(used))  # disjoint
    assert all(2 <= len(T) <= 3 for T in terms)
    X = np.array(list(itertools.product([0, 1], repeat=12)))
    assert 0.25 < f.labels(X).mean() < 0.75  # as balanced as the score levels allow
    assert not np.any(f.score(X) == 0)  # no ties at the threshold
    assert AndOrFormula.random(12, seed=7) == f


def test_formula_errors() -> None:
    with pytest.raises(ValueError, match=r"outside 0..2"):
        AndOrFormula(3, and_terms={(0, 3): 1.0})
    with pytest.raises(ValueError, match="distinct indices"):
        AndOrFormula(3, or_terms={(1, 1): 1.0})
    with pytest.raises(ShapeError, match=r"X must be \(N, 10\)"):
        DEFAULT_FORMULA.score(np.zeros((2, 9)))
    with pytest.raises(ValueError, match="binary"):
        DEFAULT_FORMULA.planted_interactions(np.full(10, 0.5))
    with pytest.raises(ValueError, match="need 12 features, only 10"):
        AndOrFormula.random(10, n_and=3, n_or=3, orders=(2, 2))
    with pytest.raises(ValueError, match="label_mode"):
        zoo.make_and_or_task(10, label_mode="soft")
