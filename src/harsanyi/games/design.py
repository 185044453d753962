"""The design of a sampled game: which masked inputs ``x_S`` to evaluate from a budget.

A :class:`SampleDesign` holds ``m ≤ budget`` distinct masks as a boolean matrix ``(m, n)``
(player ``i`` present in row ``r`` iff ``masks[r, i]``), never an array of size ``2**n``:

* **structured masks** (always): ``∅``, ``N``, every singleton ``{i}`` and every leave-one-out
  ``N ∖ {i}`` (``2n + 2`` masks): they pin ``v(∅)``, ``v(N)`` and the first-order effects at
  both ends, which the candidate growth of ``docs/sparse.md`` starts from;
* **random masks stratified by size**: the rest of the budget is spread evenly over the sizes
  ``1 .. n−1`` (capped by the number of subsets of each size, the excess going to the other
  sizes), each mask uniform among the subsets of its size, all distinct. Under this design an
  AND atom ``T`` is present (``T ⊆ S``) and an OR atom is absent (``T ∩ S = ∅``) in about
  ``1/(|T|+1)`` of the rows, at every order;
* **held-out masks**: ``max(n, round(holdout · budget))`` of the random masks are never used to
  fit; they score R² and the matching error of the result.

When the budget covers all ``2**n`` masks (and ``n ≤ 20``) the design is exhaustive: every mask
in our bit order, all used to fit, none held out. The masks depend only on
``(n, budget, seed, holdout)``, so the same call at every checkpoint evaluates the same inputs;
:attr:`SampleDesign.fingerprint` tells two designs apart.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from math import comb

import numpy as np

from harsanyi.core.orders import masks_matrix
from harsanyi.errors import BudgetError

__all__ = ["EXHAUSTIVE_MAX_N", "SampleDesign", "minimum_budget"]

#: Largest ``n`` for which a budget ``≥ 2**n`` gives the exhaustive design.
EXHAUSTIVE_MAX_N = 20


def _holdout_count(budget: int, n: int, holdout: float) -> int:
    return 0 if holdout == 0 else max(n, round(holdout * budget))


def minimum_budget(n: int, holdout: float = 0.1) -> int:
    """Return the smallest budget a sampled design accepts on ``n`` players.

    It covers the ``2n + 2`` structured masks, at least ``n`` random masks to fit and the
    held-out masks.

    >>> minimum_budget(24), minimum_budget(64)
    (98, 258)
    """
    budget = 3 * n + 2
    while budget - (2 * n + 2) - _holdout_count(budget, n, holdout) < n:
        budget += 1
    return budget


def _structured(n: int) -> np.ndarray:
    eye = np.eye(n, dtype=bool)
    return np.concatenate([np.zeros((1, n), bool), np.ones((1, n), bool), eye, ~eye])


def _allocate(total: int, avail: np.ndarray) -> np.ndarray:
    """Spread ``total`` evenly over the bins, none above its ``avail`` (water-filling)."""
    counts = np.zeros(len(avail), dtype=np.int64)
    left = total
    open_bins = np.flatnonzero(avail > 0)
    while left > 0 and len(open_bins):
        share, extra = divmod(left, len(open_bins))
        give = np.full(len(open_bins), share)
        give[:extra] += 1
        give = np.minimum(give, avail[open_bins] - counts[open_bins])
        counts[open_bins] += give
        left -= int(give.sum())
        open_bins = open_bins[counts[open_bins] < avail[open_bins]]
    return counts


def _key(row: np.ndarray) -> bytes:
    return np.packbits(row, bitorder="little").tobytes()


def _random_masks(n: int, count: int, rng: np.random.Generator) -> np.ndarray:
    """``count`` distinct random masks stratified by size ``1..n−1``, none structured."""
    sizes = np.arange(1, n)
    avail = np.array([min(comb(n, int(k)), 2**62) - (n if k in (1, n - 1) else 0)
                      for k in sizes], dtype=np.int64)
    counts = _allocate(count, avail)
    seen = {_key(r) for r in _structured(n)}
    rows = []
    for k, c in zip(sizes, counts, strict=True):
        got = 0
        while got < c:
            order = np.argsort(rng.random((2 * (c - got) + 8, n)), axis=1)[:, :k]
            cand = np.zeros((len(order), n), dtype=bool)
            np.put_along_axis(cand, order, True, axis=1)
            for r in cand:
                key = _key(r)
                if key not in seen and got < c:
                    seen.add(key)
                    rows.append(r)
                    got += 1
    out = np.array(rows, dtype=bool).reshape(-1, n)
    return out[rng.permutation(len(out))]


@dataclass(frozen=True)
class SampleDesign:
    """Masks to evaluate for a sampled game.

    ``masks`` ``(m, n)`` bool, ``fit`` ``(m,)`` bool (False: held out), ``kind`` ``(m,)``
    (``"structured"``, ``"random"``, ``"holdout"`` or ``"all"``).

    Build one with :meth:`build`; see the module docstring for the rule.

    >>> d = SampleDesign.build(24, budget=200, seed=0)
    >>> d.m, int(d.fit.sum()), d.exhaustive, d == SampleDesign.build(24, budget=200, seed=0)
    (200, 176, False, True)
    """

    n: int
    budget: int
    seed: int
    holdout: float
    masks: np.ndarray
    fit: np.ndarray
    kind: np.ndarray

    @classmethod
    def build(cls, n: int, budget: int, seed: int = 0, holdout: float = 0.1) -> SampleDesign:
        """Build the design for ``n`` players and ``budget`` model calls per sample.

        Raises :class:`~harsanyi.errors.BudgetError` (naming the minimum) when the budget is
        below :func:`minimum_budget` and does not cover all ``2**n`` masks.
        """
        if not isinstance(n, (int, np.integer)) or n < 1:
            raise ValueError(f"n must be a positive integer; got {n!r}")
        if not 0 <= holdout < 0.5:
            raise ValueError(f"holdout must be a fraction in [0, 0.5); got {holdout}")
        if not isinstance(budget, (int, np.integer)) or budget < 1:
            raise BudgetError(f"budget must be a positive integer number of model calls; "
                              f"got {budget!r}")
        n, budget = int(n), int(budget)
        if n <= EXHAUSTIVE_MAX_N and budget >= 2**n:
            masks = masks_matrix(n)
            every = np.ones(2**n, dtype=bool)
            return cls(n, budget, int(seed), float(holdout), masks, every,
                       np.full(2**n, "all"))
        low = minimum_budget(n, holdout)
        if budget < low:
            raise BudgetError(
                f"budget={budget} is below the minimum of {low} model calls per sample for "
                f"n={n} players (∅, N, {n} singletons, {n} leave-one-outs, at least {n} random "
                f"masks to fit and the held-out masks): pass budget >= {low}"
            )
        rng = np.random.default_rng([int(seed), n, budget])
        held = _holdout_count(budget, n, holdout)
        rand = _random_masks(n, budget - (2 * n + 2), rng)
        masks = np.concatenate([_structured(n), rand])
        kind = np.array(["structured"] * (2 * n + 2) + ["holdout"] * held
                        + ["random"] * (len(rand) - held))
        return cls(n, budget, int(seed), float(holdout), masks, kind != "holdout", kind)

    @property
    def m(self) -> int:
        """Number of masks (model calls per sample)."""
        return int(self.masks.shape[0])

    @property
    def exhaustive(self) -> bool:
        """True when the design holds all ``2**n`` masks in bit order."""
        return bool(self.m == 2**self.n and self.kind[0] == "all")

    @property
    def packed(self) -> np.ndarray:
        """The masks bit-packed, player ``i`` = bit ``i``: ``(m, ⌈n/64⌉)`` uint64."""
        words = -(-self.n // 64)
        pad = np.zeros((self.m, words * 64), dtype=bool)
        pad[:, : self.n] = self.masks
        return np.packbits(pad, axis=1, bitorder="little").view("<u8").reshape(self.m, words)

    @property
    def fingerprint(self) -> str:
        """A short hash of the masks and the fit/held-out split (equal designs, equal hash)."""
        h = hashlib.sha256(self.packed.tobytes())
        h.update(self.fit.tobytes())
        return h.hexdigest()[:16]

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, SampleDesign):
            return NotImplemented
        return self.n == other.n and self.fingerprint == other.fingerprint

    def __hash__(self) -> int:
        return hash((self.n, self.fingerprint))

    def describe(self) -> dict:
        """Return a JSON-able summary (saved with games and results)."""
        return {"n": self.n, "budget": self.budget, "seed": self.seed, "holdout": self.holdout,
                "m": self.m, "fit": int(self.fit.sum()), "exhaustive": self.exhaustive,
                "fingerprint": self.fingerprint}
