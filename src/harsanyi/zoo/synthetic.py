"""A synthetic tabular task whose label is a known AND-OR formula of binary features.

The score is a sum of weighted AND and OR terms,
``s(x) = b + Σ_T a_T · ∧_{i∈T} x_i + Σ_T o_T · ∨_{i∈T} x_i`` with ``x ∈ {0,1}^n``, and the label
is ``1[s(x) > 0]`` (or, with ``label_mode="bernoulli"``, drawn with probability
``sigmoid(s(x) / temperature)``, so that a calibrated model's log-odds approximate ``s``).
With the zero baseline the score's own AND-OR interactions are known exactly
(:meth:`AndOrFormula.planted_interactions`), which is what extraction tests check against.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from harsanyi.errors import ShapeError
from harsanyi.zoo.datasets import Dataset

__all__ = ["DEFAULT_FORMULA", "AndOrFormula", "box_noise_planted_games", "make_and_or_task",
           "noisy_planted_games", "planted_group_curve", "planted_sparse_terms"]

Terms = dict[tuple[int, ...], float]


@dataclass(frozen=True)
class AndOrFormula:
    """``s(x) = bias + Σ_T and_terms[T]·∧_{i∈T} x_i + Σ_T or_terms[T]·∨_{i∈T} x_i``.

    Terms are tuples of feature indices (0-based). On inputs in ``[0, 1]`` the AND of ``T`` is
    ``Π_{i∈T} x_i`` and the OR is ``1 - Π_{i∈T} (1 - x_i)``, which agree with the logic on
    ``{0, 1}``.

    Example
    -------
    >>> f = AndOrFormula(3, and_terms={(0, 1): 2.0}, or_terms={(1, 2): 1.0}, bias=-1.5)
    >>> f.score(np.array([[1, 1, 0], [1, 0, 0], [0, 0, 1]])).tolist()
    [1.5, -1.5, -0.5]
    >>> f.labels(np.array([[1, 1, 0], [0, 0, 1]])).tolist()
    [1, 0]
    >>> str(f)
    's(x) = -1.5 + 2·(x0 ∧ x1) + 1·(x1 ∨ x2)'
    """

    n_features: int
    and_terms: Terms = field(default_factory=dict)
    or_terms: Terms = field(default_factory=dict)
    bias: float = 0.0

    def __post_init__(self) -> None:
        for kind, terms in (("AND", self.and_terms), ("OR", self.or_terms)):
            for T in terms:
                if not T or len(set(T)) != len(T):
                    raise ValueError(
                        f"{kind} term {T!r} must be a non-empty tuple of distinct indices"
                    )
                if min(T) < 0 or max(T) >= self.n_features:
                    raise ValueError(
                        f"{kind} term {T!r} uses a feature outside 0..{self.n_features - 1}"
                    )

    def score(self, X: np.ndarray) -> np.ndarray:
        """``s(x)`` for each row of ``X`` ``(N, n_features)`` with entries in ``[0, 1]``."""
        X = np.asarray(X, dtype=np.float64)
        if X.ndim != 2 or X.shape[1] != self.n_features:
            raise ShapeError(f"X must be (N, {self.n_features}), got {X.shape}")
        s = np.full(len(X), float(self.bias))
        for T, w in self.and_terms.items():
            s += w * X[:, list(T)].prod(axis=1)
        for T, w in self.or_terms.items():
            s += w * (1.0 - (1.0 - X[:, list(T)]).prod(axis=1))
        return s

    def labels(self, X: np.ndarray) -> np.ndarray:
        """``1[s(x) > 0]`` as int64."""
        return (self.score(X) > 0).astype(np.int64)

    def planted_interactions(self, x: np.ndarray) -> tuple[Terms, Terms]:
        """Return the exact AND and OR interactions of the formula on one binary sample.

        Exact AND and OR interactions of ``v(S) = s(x_S)`` for a binary sample ``x``, where
        ``x_S`` keeps the features in ``S`` and sets the others to the baseline 0.

        An AND term ``T`` contributes ``a_T`` to ``I_and(T)`` when all its features are 1 in
        ``x``; an OR term contributes ``o_T`` to ``I_or(T')`` with ``T' = {i ∈ T: x_i = 1}``
        (reported on the AND side when ``|T'| = 1``, nothing when ``T'`` is empty). The key
        ``()`` of the AND dict holds ``I_and(∅) = v(∅) = bias``. Then for every ``S``:
        ``v(S) = Σ_{T⊆S} I_and(T) + Σ_{T∩S≠∅} I_or(T)`` (universal matching).

        >>> f = AndOrFormula(4, {(0, 1): 2.0}, {(1, 2, 3): 1.0}, bias=-1.0)
        >>> f.planted_interactions(np.array([1, 1, 0, 1]))
        ({(): -1.0, (0, 1): 2.0}, {(1, 3): 1.0})
        """
        x = np.asarray(x)
        if x.shape != (self.n_features,):
            raise ShapeError(f"x must have shape ({self.n_features},), got {x.shape}")
        if not np.isin(x, (0, 1)).all():
            raise ValueError("planted interactions are exact only for binary samples (0/1)")
        and_out: Terms = {(): float(self.bias)}
        or_out: Terms = {}
        for T, w in self.and_terms.items():
            if all(x[i] == 1 for i in T):
                key = tuple(sorted(T))
                and_out[key] = and_out.get(key, 0.0) + float(w)
        for T, w in self.or_terms.items():
            on = tuple(sorted(i for i in T if x[i] == 1))
            if on:
                target = and_out if len(on) == 1 else or_out
                target[on] = target.get(on, 0.0) + float(w)
        return and_out, or_out

    def __str__(self) -> str:
        def fmt(w: float) -> str:
            return f"{w:g}"

        parts = [fmt(self.bias)]
        for T, w in self.and_terms.items():
            parts.append(f"{fmt(w)}·({' ∧ '.join(f'x{i}' for i in T)})")
        for T, w in self.or_terms.items():
            parts.append(f"{fmt(w)}·({' ∨ '.join(f'x{i}' for i in T)})")
        return "s(x) = " + " + ".join(parts)

    @classmethod
    def random(
        cls,
        n_features: int = 10,
        n_and: int = 2,
        n_or: int = 2,
        orders: tuple[int, int] = (2, 3),
        seed: int = 0,
    ) -> AndOrFormula:
        """Draw a random formula.

        A random formula with disjoint terms of ``orders[0]..orders[1]`` features, weights
        ``±U(1, 3)`` and a bias halfway between two score levels that balances the classes
        best on random binary inputs (so no input scores exactly 0).

        >>> f = AndOrFormula.random(10, seed=0)
        >>> len(f.and_terms), len(f.or_terms)
        (2, 2)
        """
        rng = np.random.default_rng(seed)
        lo, hi = orders
        if not 1 <= lo <= hi:
            raise ValueError(f"orders must satisfy 1 <= min <= max, got {orders}")
        if (n_and + n_or) * lo > n_features:
            raise ValueError(
                f"{n_and} AND + {n_or} OR disjoint terms of at least {lo} features need "
                f"{(n_and + n_or) * lo} features, only {n_features} available"
            )
        sizes = rng.integers(lo, hi + 1, size=n_and + n_or)
        while sizes.sum() > n_features:  # shrink the largest terms until they fit
            sizes[int(np.argmax(sizes))] -= 1
        perm = rng.permutation(n_features)
        terms, start = [], 0
        for size in sizes:
            terms.append(tuple(sorted(int(i) for i in perm[start : start + size])))
            start += size
        signs = rng.choice([-1.0, 1.0], size=len(terms))
        weights = [float(w) for w in rng.uniform(1.0, 3.0, size=len(terms)) * signs]
        ands = dict(zip(terms[:n_and], weights[:n_and], strict=True))
        ors = dict(zip(terms[n_and:], weights[n_and:], strict=True))
        f = cls(n_features, ands, ors, 0.0)
        scores = f.score(rng.integers(0, 2, size=(4096, n_features)))
        levels = np.unique(scores)
        if len(levels) < 2:
            return f
        cuts = (levels[:-1] + levels[1:]) / 2  # thresholds between score levels: no ties
        balance = [abs((scores > c).mean() - 0.5) for c in cuts]
        return cls(n_features, ands, ors, -float(cuts[int(np.argmin(balance))]))


#: The default task: ``s(x) = -2.5 + 2·(x0∧x1) + 3·(x2∧x3∧x4) + 2·(x5∨x6) + 1.5·(x7∨x8)``,
#: ``x9`` is a distractor; about 70% positives at ``p = 0.5`` and no ties at ``s = 0``.
DEFAULT_FORMULA = AndOrFormula(
    10, and_terms={(0, 1): 2.0, (2, 3, 4): 3.0}, or_terms={(5, 6): 2.0, (7, 8): 1.5}, bias=-2.5
)


def make_and_or_task(
    n_samples: int = 2000,
    formula: AndOrFormula | None = None,
    p: float = 0.5,
    label_mode: str = "threshold",
    temperature: float = 1.0,
    test_fraction: float = 0.25,
    seed: int = 0,
) -> Dataset:
    """Binary features ``x_i ~ Bernoulli(p)`` (i.i.d., seeded) labelled by an AND-OR formula.

    ``label_mode="threshold"``: ``y = 1[s(x) > 0]``; ``"bernoulli"``:
    ``y ~ Bernoulli(sigmoid(s(x) / temperature))``. Features stay 0/1 (not standardised) so that
    the zero baseline means "feature absent". The formula is in ``metadata["formula"]``.

    >>> ds = make_and_or_task(200, seed=0)
    >>> f = ds.metadata["formula"]
    >>> bool((f.labels(ds.X_train) == ds.y_train).all()), ds.n_features
    (True, 10)
    """
    f = DEFAULT_FORMULA if formula is None else formula
    if label_mode not in ("threshold", "bernoulli"):
        raise ValueError(f"label_mode must be 'threshold' or 'bernoulli', got {label_mode!r}")
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"p must be in [0, 1], got {p}")
    if not 0.0 < test_fraction < 1.0:
        raise ValueError(f"test_fraction must be in (0, 1), got {test_fraction}")
    rng = np.random.default_rng(seed)
    X = (rng.random((n_samples, f.n_features)) < p).astype(np.float32)
    if label_mode == "threshold":
        y = f.labels(X)
    else:
        prob = 1.0 / (1.0 + np.exp(-f.score(X) / temperature))
        y = (rng.random(n_samples) < prob).astype(np.int64)
    n_test = max(1, round(test_fraction * n_samples))
    return Dataset(
        X[n_test:], y[n_test:], X[:n_test], y[:n_test],
        feature_names=[f"x{i}" for i in range(f.n_features)],
        class_names=["negative", "positive"],
        name="and_or",
        metadata={"formula": f, "p": p, "label_mode": label_mode, "temperature": temperature,
                  "seed": seed},
    )


def _planted_game(rng: np.random.Generator, n: int, constant: float, terms: tuple[int, int],
                  max_order: int) -> np.ndarray:
    """``constant`` plus ``terms = (AND, OR)`` random terms of magnitude 0.5–2, random signs.

    AND terms have orders 1 … ``max_order``, OR terms 2 … ``max_order`` (``≤ n``).
    """
    masks = np.arange(2**n)
    v = np.full(2**n, constant)
    for kind, count in zip(("and", "or"), terms, strict=True):
        for _ in range(count):
            order = rng.integers(1 if kind == "and" else 2, min(n, max_order) + 1)
            t = int(sum(1 << i for i in rng.choice(n, order, replace=False)))
            coef = rng.choice([-1, 1]) * rng.uniform(0.5, 2.0)
            v = v + coef * (((t & ~masks) == 0) if kind == "and" else ((t & masks) != 0))
    return v


def noisy_planted_games(n: int, count: int, seed: int = 0) -> np.ndarray:
    """Return ``count`` planted games ``(count, 2**n)`` with noise the noise term cannot absorb.

    Each game is a constant, 5 AND terms (orders 1–4) and 2 OR terms (orders 2–4) of
    magnitude 0.5–2 with random signs, plus Gaussian noise of 0.01 on every ``v(x_S)``: noise
    that the box ``|q| ≤ 0.02·|v(N) − v(∅)|`` does not absorb (a hard case for the AND-OR split).

    >>> noisy_planted_games(4, 2).shape
    (2, 16)
    """
    rng = np.random.default_rng(seed)
    return np.stack([_planted_game(rng, n, rng.normal(), (5, 2), 4)
                     + rng.normal(0.0, 0.01, 2**n) for _ in range(count)])


def box_noise_planted_games(n: int, count: int, seed: int = 0) -> np.ndarray:
    """Return ``count`` planted games ``(count, 2**n)`` with noise inside the box.

    Each game is a constant, 3–6 AND terms (orders 1–5) and 2–4 OR terms (orders 2–5) of
    magnitude 0.5–2 with random signs, plus uniform noise in ``±ζ``, ``ζ = 0.02·|v(N) − v(∅)|``
    of the noiseless game: noise that ``q`` can take whole, which the canonical split instead
    partly fits with many tiny atoms (ill-conditioned restricted QPs; docs/selection.md).

    >>> box_noise_planted_games(4, 2).shape
    (2, 16)
    """
    rng = np.random.default_rng(seed)
    games = []
    for _ in range(count):
        v = _planted_game(rng, n, rng.normal(), (int(rng.integers(3, 7)), int(rng.integers(2, 5))),
                          5)
        zeta = 0.02 * abs(v[-1] - v[0])
        games.append(v + rng.uniform(-zeta, zeta, 2**n))
    return np.stack(games)


def planted_sparse_terms(n: int, count: int, rng: np.random.Generator, max_order: int = 4
                         ) -> list[tuple[bool, tuple[int, ...], float]]:
    """Return ``count`` planted terms ``(is_or, T, value)`` on distinct, non-nested supports.

    Orders 1 … ``max_order``, magnitudes 0.5–2 with random signs; a term of order ≥ 2 is an OR
    term with probability 1/2. No support contains another (an AND and an OR term on nested
    supports can have an equally sparse alternative): the planted games of the sampled path.

    >>> terms = planted_sparse_terms(8, 3, np.random.default_rng(0))
    >>> len(terms), all(0.5 <= abs(v) <= 2.0 for _, _, v in terms)
    (3, True)
    """
    terms: list[tuple[bool, tuple[int, ...], float]] = []
    sets: list[set[int]] = []
    while len(terms) < count:
        k = int(rng.integers(1, min(max_order, n) + 1))
        t = tuple(sorted(int(i) for i in rng.choice(n, k, replace=False)))
        if any(set(t) <= s or s <= set(t) for s in sets):
            continue
        sets.append(set(t))
        value = float(rng.uniform(0.5, 2.0) * rng.choice([-1.0, 1.0]))
        terms.append((k >= 2 and bool(rng.random() < 0.5), t, value))
    return terms


def planted_group_curve(kind: str, rng: np.random.Generator, t: np.ndarray) -> np.ndarray:
    """One interaction curve of the five groups' shape ``kind`` over training time ``t ∈ [0, 1]``.

    Random amplitude ``a ∈ ±[0.5, 3]`` and time scale ``τ ∈ [0.1, 0.3]``: reliable
    ``1 − e^{−t/τ}``, forgotten ``e^{−t/τ}``, withdrawn (a rise to a peak at ``t ∈ [0.25,
    0.5]``, then a decay), betraying (``tanh`` through zero: the sign flips), fluctuating (a
    sine of 1.5–4 periods). Used to check the five-group rule on planted truth.

    >>> c = planted_group_curve("forgotten", np.random.default_rng(0), np.linspace(0, 1, 5))
    >>> bool(abs(c[0]) > abs(c[-1]))
    True
    """
    a = rng.uniform(0.5, 3) * rng.choice([-1, 1])
    tau = rng.uniform(0.1, 0.3)
    if kind == "reliable":
        c = 1 - np.exp(-t / tau)
    elif kind == "forgotten":
        c = np.exp(-t / tau)
    elif kind == "withdrawn":
        peak = rng.uniform(0.25, 0.5)
        c = np.where(t < peak, t / peak, np.exp(-(t - peak) / (tau / 1.5)))
    elif kind == "betraying":
        c = np.tanh((rng.uniform(0.3, 0.6) - t) / 0.1)
    else:
        f = rng.uniform(1.5, 2.0) if t.size < 20 else rng.uniform(2.5, 4)
        c = np.sin(2 * np.pi * f * t + rng.uniform(0, 2 * np.pi)) * rng.uniform(0.5, 1)
    return a * c
