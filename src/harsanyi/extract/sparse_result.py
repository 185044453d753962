"""The :class:`SparseInteractions` result: AND and OR interactions listed by subset.

A sampled game cannot hold ``2**n`` arrays, so its interactions are a list of atoms
``(kind, T)`` (``T`` a subset of players, as a boolean row of ``support``) shared by every
sample of the batch (the union of the supports found), with one value per sample and atom;
an atom a sample does not use has value 0 there. The surrogate is

``h(x_S) = I_and(∅) + Σ_{T ⊆ S, T in AND} I_and(T) + Σ_{T ∩ S ≠ ∅, T in OR} I_or(T)``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import combinations
from pathlib import Path
from typing import Any

import numpy as np

from harsanyi.errors import ShapeError
from harsanyi.extract.npz_io import load_npz, save_npz
from harsanyi.extract.shapiq_bridge import terms_to_shapiq

__all__ = ["FEATURE_BLOCK", "KIND_NAMES", "MAX_OR_EXPANSION", "SparseInteractions", "atom_features"]

#: The header format of a saved :class:`SparseInteractions` (:mod:`.npz_io`).
FORMAT = "harsanyi.sparse_interactions/1"
_ARRAYS = ("support", "is_or", "values", "intercept", "residual", "holdout_r2",
           "holdout_error")
#: Largest order of an OR atom :meth:`SparseInteractions.moebius_terms` expands (2^k − 1 terms).
MAX_OR_EXPANSION = 20
#: Names of the two kinds, indexed by ``is_or``.
KIND_NAMES = ("and", "or")


#: Atoms whose counts ``|T ∩ S|`` :func:`atom_features` holds at once: its memory is the
#: output and one block, not three arrays of the output's size (at 900 masks a block is 59 MB).
FEATURE_BLOCK = 8192


def atom_features(masks: np.ndarray, support: np.ndarray, is_or: np.ndarray) -> np.ndarray:
    """Atom columns on boolean masks ``(m, n)``: ``1(T ⊆ S)`` for AND, ``1(T ∩ S ≠ ∅)`` for OR.

    >>> atom_features(np.array([[True, False], [True, True]]),
    ...               np.array([[True, True], [True, True]]), np.array([False, True])).tolist()
    [[0.0, 1.0], [1.0, 1.0]]
    """
    masks = np.asarray(masks, dtype=np.float64)
    sup = np.asarray(support, dtype=np.float64)
    is_or = np.asarray(is_or, dtype=bool)
    out = np.empty((len(masks), len(sup)))
    for start in range(0, len(sup), FEATURE_BLOCK):  # one block of |T ∩ S| at a time
        block = slice(start, start + FEATURE_BLOCK)
        hits = masks @ sup[block].T
        size = sup[block].sum(axis=1)
        out[:, block] = np.where(is_or[None, block], hits > 0, hits == size[None, :])
    return out


@dataclass
class SparseInteractions:
    """AND-OR interactions of a sampled game (or a batch of them), listed by subset.

    * ``support``: ``(k, n)`` bool, the players of each atom ``T``; ``is_or``: ``(k,)`` bool.
    * ``values``: ``(..., k)`` float64, ``I_and(T)`` or ``I_or(T)``; ``intercept``:
      ``(...)``, ``I_and(∅) = v(∅) + q_∅``.
    * ``residual``: relative universal-matching residual on the masks used to fit,
      ``max_S |v(S) + q_S − h(S)| / max(1, max_S |v(S)|)`` with ``q_S`` the clip of
      ``h(S) − v(S)`` into ``[−ζ, ζ]``.
    * ``holdout_r2``, ``holdout_error``: R² of ``h`` on the held-out masks and their relative
      matching error ``max_S |v(S) − h(S)| / max(1, max_S |v(S)|)`` (NaN without held-out
      masks).
    * ``metadata``: design, q bound, the certificate (what it covers), solver diagnostics.

    >>> I = SparseInteractions(np.array([[True, True, False]]), np.array([True]),
    ...                        np.array([1.5]), np.array(0.0), np.array(0.0))
    >>> I.get_top_k(), I.surrogate(np.array([[False, False, True], [True, False, False]]))
    ([('or', (0, 1), 1.5)], array([0. , 1.5]))
    """

    support: np.ndarray
    is_or: np.ndarray
    values: np.ndarray
    intercept: np.ndarray
    residual: np.ndarray
    holdout_r2: np.ndarray = field(default_factory=lambda: np.array(np.nan))
    holdout_error: np.ndarray = field(default_factory=lambda: np.array(np.nan))
    players: list[str] = field(default_factory=list)
    metadata: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.support = np.asarray(self.support, dtype=bool).reshape(-1, np.shape(self.support)[-1])
        self.is_or = np.asarray(self.is_or, dtype=bool).reshape(-1)
        self.values = np.asarray(self.values, dtype=np.float64)
        self.intercept = np.asarray(self.intercept, dtype=np.float64)
        k = self.support.shape[0]
        if self.is_or.shape != (k,) or self.values.shape[-1:] != (k,):
            raise ShapeError(f"support has {k} atoms; is_or has shape {self.is_or.shape}, "
                             f"values {self.values.shape}")
        if self.intercept.shape != self.values.shape[:-1]:
            raise ShapeError(f"intercept has shape {self.intercept.shape}, expected "
                             f"{self.values.shape[:-1]} (one per sample)")
        if not self.players:
            self.players = [f"x{i}" for i in range(self.n)]
        if len(self.players) != self.n:
            raise ShapeError(f"{len(self.players)} player names for n={self.n} players")

    @property
    def n(self) -> int:
        """Number of players."""
        return int(self.support.shape[1])

    @property
    def batch_shape(self) -> tuple[int, ...]:
        """Leading dimensions (samples, checkpoints, ...)."""
        return tuple(self.values.shape[:-1])

    @property
    def orders(self) -> np.ndarray:
        """``|T|`` of each atom."""
        return self.support.sum(axis=1)

    def subsets(self) -> list[tuple[int, ...]]:
        """Each atom's players as a sorted tuple."""
        return [tuple(int(i) for i in np.flatnonzero(row)) for row in self.support]

    def __getitem__(self, index: Any) -> SparseInteractions:
        """Select samples along the leading dims: ``I[0]``."""
        if not isinstance(index, tuple):
            index = (index,)
        if len(index) > len(self.batch_shape):
            raise IndexError("too many indices: the last axis (atoms) cannot be indexed")
        key = (*index, Ellipsis)
        return SparseInteractions(
            self.support, self.is_or, self.values[key], self.intercept[index],
            np.asarray(self.residual)[index], np.asarray(self.holdout_r2)[index],
            np.asarray(self.holdout_error)[index], list(self.players), dict(self.metadata))

    def _single(self, sample: Any) -> SparseInteractions:
        if sample is None:
            if self.batch_shape:
                raise ValueError(f"this result holds a batch of shape {self.batch_shape}: "
                                 "pass sample=...")
            return self
        return self[sample]

    def get_top_k(self, k: int = 10, sample: Any = None, *, names: bool = False
                  ) -> list[tuple[str, tuple[Any, ...], float]]:
        """Return the ``k`` strongest atoms of one sample as ``(kind, players, value)``.

        They are ordered by ``|value|`` descending; exact zeros are skipped. ``players`` are
        indices, or the players' names with ``names=True`` (as :meth:`Interactions.get_top_k
        <harsanyi.extract.interactions.Interactions.get_top_k>`).

        >>> I = SparseInteractions(np.array([[True, True]]), np.array([True]), np.array([1.5]),
        ...                        np.array(0.0), np.array(0.0), players=["rain", "wind"])
        >>> I.get_top_k(1, names=True)
        [('or', ('rain', 'wind'), 1.5)]
        """
        one = self._single(sample)
        order = np.argsort(-np.abs(one.values), kind="stable")[:k]
        subsets = self.subsets()
        out: list[tuple[str, tuple[Any, ...], float]] = []
        for j in order:
            if one.values[j] == 0.0:
                continue
            who: tuple[Any, ...] = subsets[j]
            if names:
                who = tuple(self.players[i] for i in who)
            out.append((KIND_NAMES[int(self.is_or[j])], who, float(one.values[j])))
        return out

    def to_dict(self, sample: Any = None, *, skip_zeros: bool = True
                ) -> dict[tuple[str, tuple[str, ...]], float]:
        """Return one sample as ``{(kind, tuple of player names): value}``.

        The same keys as :meth:`Interactions.to_dict
        <harsanyi.extract.interactions.Interactions.to_dict>`: ``("and", ())`` holds the
        intercept ``I_and(∅) = v(∅) + q_∅``; exact zeros (the intercept, or atoms this sample
        does not use) are left out unless ``skip_zeros=False``.

        >>> I = SparseInteractions(np.array([[True, True]]), np.array([True]), np.array([1.5]),
        ...                        np.array(0.25), np.array(0.0), players=["a", "b"])
        >>> I.to_dict()
        {('and', ()): 0.25, ('or', ('a', 'b')): 1.5}
        """
        one = self._single(sample)
        out: dict[tuple[str, tuple[str, ...]], float] = {}
        if not (skip_zeros and float(one.intercept) == 0.0):
            out[("and", ())] = float(one.intercept)
        for j, who in enumerate(self.subsets()):
            if skip_zeros and one.values[j] == 0.0:
                continue
            key = (KIND_NAMES[int(self.is_or[j])], tuple(self.players[i] for i in who))
            out[key] = float(one.values[j])
        return out

    def salient(self, threshold: float) -> SparseInteractions:
        """Keep the atoms with ``|I(T)| > threshold`` in at least one sample.

        The others are dropped; scores and residuals are those of the full result, in
        ``metadata["salient_of"]``.

        >>> I = SparseInteractions(np.eye(2, dtype=bool), [False, False], [1.0, 1e-3],
        ...                        np.array(0.0), 0.0)
        >>> I.salient(0.01).subsets()
        [(0,)]
        """
        keep = (np.abs(self.values.reshape(-1, len(self.is_or))) > threshold).any(axis=0)
        meta = {**self.metadata, "salient_of": {"threshold": threshold,
                                                "atoms": len(self.is_or)}}
        return SparseInteractions(self.support[keep], self.is_or[keep],
                                  self.values[..., keep], self.intercept, self.residual,
                                  self.holdout_r2, self.holdout_error, list(self.players), meta)

    def moebius_terms(self, sample: Any = None, *, skip_zeros: bool = True
                      ) -> dict[tuple[int, ...], float]:
        """Return the Möbius interactions of one sample's surrogate ``h`` as ``{T: m(T)}``.

        ``h(x_S) = Σ_{T⊆S} m(T)``: an AND atom is its own term, an OR atom ``T`` spreads over
        every ``∅ ≠ U ⊆ T`` as ``(−1)^{|U|+1} I_or(T)`` (``x0 OR x1 = x0 + x1 − x0·x1``), and
        ``m(∅)`` is the intercept. Keys are sorted player indices; terms that cancel to exact
        zeros are left out unless ``skip_zeros=False``. An OR atom of order ``k`` gives
        ``2^k − 1`` terms, so orders above :data:`MAX_OR_EXPANSION` raise ``ValueError``.

        >>> I = SparseInteractions(np.array([[True, True]]), np.array([True]), np.array([1.5]),
        ...                        np.array(0.25), np.array(0.0))
        >>> I.moebius_terms()
        {(): 0.25, (0,): 1.5, (1,): 1.5, (0, 1): -1.5}
        """
        one = self._single(sample)
        terms: dict[tuple[int, ...], float] = {(): float(one.intercept)}
        for j, who in enumerate(self.subsets()):
            value = float(one.values[j])
            if value == 0.0:
                continue
            if not self.is_or[j]:
                terms[who] = terms.get(who, 0.0) + value
                continue
            if len(who) > MAX_OR_EXPANSION:
                raise ValueError(f"the OR atom {who} has order {len(who)}: its Möbius form has "
                                 f"2^{len(who)} - 1 terms (at most order {MAX_OR_EXPANSION})")
            for k in range(1, len(who) + 1):
                for sub in combinations(who, k):
                    terms[sub] = terms.get(sub, 0.0) + (value if k % 2 else -value)
        if skip_zeros:
            terms = {t: val for t, val in terms.items() if val != 0.0}
        return terms

    def to_shapiq(self, sample: Any = None) -> Any:
        """Return one sample's surrogate as a ``shapiq.InteractionValues`` of index ``"Moebius"``.

        Needs the optional extra ``shapiq``. It holds :meth:`moebius_terms`, the Möbius
        interactions of the game the split explains (``v + q`` on the fit masks), as
        :meth:`Interactions.to_shapiq(include_q=True)
        <harsanyi.extract.interactions.Interactions.to_shapiq>` does for an exhaustive game;
        shapiq's converters and plots take it from there (``feature_names=I.players``).

        >>> I = SparseInteractions(np.array([[True, True]]), np.array([True]), np.array([1.5]),
        ...                        np.array(0.0), np.array(0.0))
        >>> iv = I.to_shapiq()
        >>> iv.index, float(iv[(0, 1)]), float(iv[(0,)])
        ('Moebius', -1.5, 1.5)
        """
        return terms_to_shapiq(self.moebius_terms(sample), self.n)

    def surrogate(self, masks: np.ndarray) -> np.ndarray:
        """``h(x_S)`` on boolean masks ``(m, n)``; returns ``(..., m)``."""
        masks = np.asarray(masks, dtype=bool)
        if masks.ndim != 2 or masks.shape[1] != self.n:
            raise ShapeError(f"masks must be boolean (m, {self.n}); got {masks.shape}")
        feats = atom_features(masks, self.support, self.is_or)
        return self.values @ feats.T + self.intercept[..., None]

    def to_frame(self, *, skip_zeros: bool = True) -> Any:
        """Return a tidy :class:`pandas.DataFrame`, one row per (sample, kind, subset).

        Its columns are ``sample, kind, players, order, value`` (players joined by ``&`` or
        ``|``).
        """
        flat = self.values.reshape(-1, len(self.is_or))
        labels = []
        for row, is_or in zip(self.support, self.is_or, strict=True):
            sep = " | " if is_or else " & "
            labels.append(sep.join(self.players[i] for i in np.flatnonzero(row)))
        rows = []
        for b, vals in enumerate(flat):
            for j, val in enumerate(vals):
                if skip_zeros and val == 0.0:
                    continue
                rows.append((b, KIND_NAMES[int(self.is_or[j])], labels[j],
                             int(self.support[j].sum()), float(val)))
        import pandas as pd  # heavy: pandas loads only for tables

        return pd.DataFrame(rows, columns=["sample", "kind", "players", "order", "value"])

    # -- persistence -------------------------------------------------------------------------
    def save(self, path: str | Path) -> Path:
        """Write a compressed ``.npz`` with every array and a JSON header."""
        return save_npz(path, FORMAT, self.players, self.metadata,
                        {k: getattr(self, k) for k in _ARRAYS})

    @classmethod
    def load(cls, path: str | Path) -> SparseInteractions:
        """Read a file written by :meth:`save`; a corrupted or foreign file raises StoreError."""
        arrays, header = load_npz(path, FORMAT, _ARRAYS, "sparse interactions")
        return cls(**arrays, players=header["players"], metadata=header["metadata"])
