"""The :class:`Interactions` result: AND and OR interactions of a batch of games."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from harsanyi.core.orders import members, order_of_masks, orders_index
from harsanyi.core.transforms import mobius, n_players, or_as_moebius, zeta
from harsanyi.errors import ShapeError
from harsanyi.extract.matching import matching_residual, reconstruct
from harsanyi.extract.npz_io import load_npz, save_npz
from harsanyi.extract.shapiq_bridge import moebius_from_shapiq, moebius_to_shapiq
from harsanyi.games.game import select_players

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["Interactions"]

_ARRAYS = ("and_values", "or_values", "gamma", "q", "values", "bound", "residual", "objective")
#: The header format of a saved :class:`Interactions` (:mod:`.npz_io`).
FORMAT = "harsanyi.interactions/1"


@dataclass(eq=False)
class Interactions:
    """AND-OR interactions of one game or a batch of games (leading dims ``batch_shape``).

    With ``v_and(S) = 0.5 (v(S) + q_S) + γ_S`` and ``v_or(S) = 0.5 (v(S) + q_S) − γ_S``:

    * ``and_values[..., S]`` = ``I_and(S) = Σ_{T⊆S} (−1)^{|S|−|T|} v_and(T)``; at ``S = ∅`` it
      holds ``v(∅) + q_∅``; singletons of both kinds are reported here.
    * ``or_values[..., S]`` = ``I_or(S) = −Σ_{T⊆S} (−1)^{|S|−|T|} v_or(N∖T)`` for ``|S| ≥ 2``
      (zero at ``∅`` and at singletons).
    * ``gamma`` = ``γ``, ``q`` = the bounded noise term (``|q_S| ≤ bound``), ``values`` = ``v``.
    * ``residual``: relative universal-matching residual
      ``max_S |v(S)+q_S − h(S)| / max_S |v(S)|`` with ``h`` the surrogate of :meth:`surrogate`.
    * ``objective``: ``Σ_{S≠∅} |I_and(S)| + |I_or(S)|``, the L1 norm the split minimises.

    Example
    -------
    >>> import harsanyi as hs
    >>> I = hs.and_or(hs.Game([0.0, 1.0, 1.0, 1.0]), q_bound=0.0, solver="exact",
    ...               selection="vertex")
    >>> I.get_top_k(3)   # v = x0 OR x1: one OR interaction beats two singletons and an AND
    [('or', (0, 1), 1.0)]
    """

    and_values: np.ndarray
    or_values: np.ndarray
    gamma: np.ndarray
    q: np.ndarray
    values: np.ndarray
    bound: np.ndarray
    residual: np.ndarray
    objective: np.ndarray
    players: list[str] = field(default_factory=list)
    metadata: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        n = n_players(self.and_values)
        for name in ("or_values", "gamma", "q", "values"):
            if np.shape(getattr(self, name)) != np.shape(self.and_values):
                raise ShapeError(
                    f"{name} has shape {np.shape(getattr(self, name))}, "
                    f"and_values has {np.shape(self.and_values)}"
                )
        if not self.players:
            self.players = [f"x{i}" for i in range(n)]
        if len(self.players) != n:
            raise ShapeError(f"{len(self.players)} player names for n={n} players")

    # -- shape -------------------------------------------------------------------------------
    @property
    def n(self) -> int:
        """Number of players."""
        return n_players(self.and_values)

    @property
    def batch_shape(self) -> tuple[int, ...]:
        """Leading dimensions (samples, checkpoints, ...)."""
        return tuple(self.and_values.shape[:-1])

    def __getitem__(self, index: Any) -> Interactions:
        """Select samples along the leading dims: ``I[0]``, ``I[:5]``."""
        if not isinstance(index, tuple):
            index = (index,)
        if len(index) > len(self.batch_shape):
            raise IndexError("too many indices: the last axis (subsets) cannot be indexed")
        full = (*index, Ellipsis)
        kw = {k: np.asarray(getattr(self, k))[full] for k in ("and_values", "or_values", "gamma",
                                                              "q", "values")}
        small = {k: np.asarray(getattr(self, k))[index] for k in ("bound", "residual",
                                                                   "objective")}
        players, metadata = select_players(self.players, self.metadata, index)
        return Interactions(**kw, **small, players=players, metadata=metadata)

    def __eq__(self, other: object) -> bool:
        """Value equality: the same players and the same arrays (``metadata`` is not compared).

        >>> import harsanyi as hs
        >>> hs.mobius([0.0, 1.0]) == hs.mobius([0.0, 1.0]), hs.mobius([0.0, 1.0]) == 3
        (True, False)
        """
        if not isinstance(other, Interactions):
            return NotImplemented
        return list(self.players) == list(other.players) and all(
            np.array_equal(np.asarray(getattr(self, k)), np.asarray(getattr(other, k)))
            for k in _ARRAYS
        )

    __hash__ = None  # type: ignore[assignment]  # mutable arrays: not hashable

    def __repr__(self) -> str:
        """Return a few lines: batch shape, n, solver, residual and the first sample's top terms.

        >>> import harsanyi as hs
        >>> print(repr(hs.mobius(hs.Game([0.0, 0.0, 0.0, 2.0], players=["a", "b"]))))
        Interactions(batch_shape=(), n=2, kind='and', solver='none', q_bound=0.0,
          players=['a', 'b'], residual=0 (max),
          top: and(a, b)=+2)
        """
        meta = self.metadata
        names = self.players if self.n <= 8 else [*self.players[:4], "...", *self.players[-2:]]
        first = None if 0 in self.batch_shape else (
            self[(0,) * len(self.batch_shape)] if self.batch_shape else self)
        top = "" if first is None else ", ".join(
            f"{kind}({', '.join(who)})={val:+.4g}"
            for kind, who, val in first.get_top_k(3, names=True)
        )
        where = "top of sample 0" if self.batch_shape else "top"
        residual = float(np.max(self.residual)) if np.size(self.residual) else 0.0
        return (
            f"Interactions(batch_shape={self.batch_shape}, n={self.n}, "
            f"kind={meta.get('kind', '?')!r}, solver={meta.get('solver', '?')!r}, "
            f"q_bound={meta.get('q_bound', '?')},\n  players={names}, "
            f"residual={residual:.3g} (max),\n  {where}: {top or 'none'})"
        )

    # -- views -------------------------------------------------------------------------------
    @property
    def orders(self) -> np.ndarray:
        """``|S|`` for each of the ``2**n`` subsets."""
        return order_of_masks(self.n)

    def of_order(self, k: int, kind: str = "and") -> np.ndarray:
        """Return the interactions of order ``k`` of one kind.

        Interactions of order ``k`` of one kind (``"and"`` or ``"or"``), shape
        ``(..., C(n, k))``, subsets in ascending mask order (see ``core.orders_index``).
        """
        if not 0 <= k <= self.n:
            raise ValueError(f"order k={k} is outside 0..{self.n}")
        return self._kind(kind)[..., orders_index(self.n)[k]]

    def _kind(self, kind: str) -> np.ndarray:
        if kind == "and":
            return self.and_values
        if kind == "or":
            return self.or_values
        raise ValueError(f"kind must be 'and' or 'or'; got {kind!r}")

    def get_top_k(
        self, k: int = 10, sample: int | tuple[int, ...] | None = None, *, names: bool = False
    ) -> list[tuple[str, tuple[Any, ...], float]]:
        """Return the ``k`` strongest interactions of one sample.

        The ``k`` strongest interactions (AND and OR pooled, ``S ≠ ∅``) of one sample, as
        ``(kind, players, value)`` sorted by ``|value|`` descending; exact zeros are skipped.
        ``players`` are indices, or the players' names with ``names=True``.

        >>> import harsanyi as hs
        >>> I = hs.mobius(hs.Game([0.0, 0.0, 0.0, 1.0], players=["rain", "wind"]))
        >>> I.get_top_k(1, names=True)
        [('and', ('rain', 'wind'), 1.0)]
        """
        sel = self._single(sample)
        pooled = np.concatenate([sel.and_values, sel.or_values])
        size = 2**self.n
        pooled[0] = 0.0  # ∅ carries v(∅), not an interaction
        top = np.argsort(-np.abs(pooled), kind="stable")[:k]
        out = []
        for j in top:
            if pooled[j] == 0.0:
                continue
            who: tuple[Any, ...] = members(j % size, self.n)
            if names:
                who = tuple(self.players[i] for i in who)
            out.append(("and" if j < size else "or", who, float(pooled[j])))
        return out

    def to_dict(
        self, sample: int | tuple[int, ...] | None = None, *, skip_zeros: bool = True
    ) -> dict[tuple[str, tuple[str, ...]], float]:
        """Return the AND-OR split of one sample as ``{(kind, tuple of player names): value}``.

        ``("and", ())`` holds ``I_and(∅) = v(∅) + q_∅``; exact zeros are left out unless
        ``skip_zeros=False``. Universal matching reads, for every ``S``:
        ``v(S) + q_S = Σ_{("and", T), T⊆S} value + Σ_{("or", T), T∩S≠∅} value``.

        >>> import harsanyi as hs
        >>> I = hs.and_or(hs.Game([0.0, 1.0, 1.0, 1.0], players=["a", "b"]), q_bound=0.0,
        ...               solver="exact", selection="vertex")
        >>> {key: round(val, 9) for key, val in I.to_dict().items()}
        {('or', ('a', 'b')): 1.0}
        """
        sel = self._single(sample)
        out: dict[tuple[str, tuple[str, ...]], float] = {}
        for kind, arr in (("and", sel.and_values), ("or", sel.or_values)):
            for m in range(2**self.n):
                if (skip_zeros and arr[m] == 0.0) or (kind == "or" and self.orders[m] < 2):
                    continue
                out[(kind, tuple(self.players[i] for i in members(m, self.n)))] = float(arr[m])
        return out

    def _single(self, sample: int | tuple[int, ...] | None) -> Interactions:
        if sample is None:
            if self.batch_shape:
                raise ValueError(
                    f"this result holds a batch of shape {self.batch_shape}: pass sample=..."
                )
            return self
        return self[sample]

    def surrogate(
        self, masks: np.ndarray | None = None, *, top_k: int | None = None
    ) -> np.ndarray:
        """Evaluate the AND-OR surrogate on every mask.

        The AND-OR surrogate ``h(x_S) = v(∅)+q_∅ + Σ_{∅≠T⊆S} I_and(T) + Σ_{T∩S≠∅} I_or(T)``.

        ``masks``: integer masks or a boolean ``(m, n)`` matrix (default: all ``2**n``).
        ``top_k``: keep only the ``top_k`` largest ``|I|`` (pooled, ``S ≠ ∅``) per sample, the
        ``ĝ_α`` of paper C with ``α = top_k``. Returns ``(..., m)``.
        """
        and_v, or_v = self.and_values, self.or_values
        if top_k is not None:
            and_v, or_v = self.keep_top_k(top_k)
        full = reconstruct(and_v, or_v)
        if masks is None:
            return full
        masks = np.asarray(masks)
        if masks.dtype == bool:
            if masks.ndim != 2 or masks.shape[1] != self.n:
                raise ShapeError(f"boolean masks must have shape (m, {self.n}); got {masks.shape}")
            masks = (masks.astype(np.int64) << np.arange(self.n)).sum(axis=1)
        if masks.size and (masks.min() < 0 or masks.max() >= 2**self.n):
            raise ShapeError(f"masks must lie in 0..{2**self.n - 1}")
        return full[..., masks]

    def keep_top_k(self, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Zero all but the ``k`` largest interactions of each sample.

        AND and OR arrays with all but the ``k`` largest ``|I(S)|`` (``S ≠ ∅``, pooled over
        AND and OR, per sample) set to zero; ``I_and(∅)`` is kept.
        """
        size = 2**self.n
        pooled = np.concatenate([self.and_values, self.or_values], axis=-1)
        strength = np.abs(pooled)
        strength[..., 0] = np.inf  # always keep v(∅)
        k_eff = min(k + 1, 2 * size)
        cut = np.argpartition(-strength, k_eff - 1, axis=-1)[..., :k_eff]
        kept = np.zeros_like(pooled)
        np.put_along_axis(kept, cut, np.take_along_axis(pooled, cut, axis=-1), axis=-1)
        return kept[..., :size], kept[..., size:]

    def to_frame(self, *, skip_zeros: bool = True) -> pd.DataFrame:
        """Return the interactions as a tidy :class:`pandas.DataFrame`.

        A tidy :class:`pandas.DataFrame`: one row per (sample, kind, subset) with columns
        ``sample, kind, mask, players, order, value``.
        """
        import pandas as pd  # pandas is slow to import; only this method needs it

        n, size = self.n, 2**self.n
        rows = []
        flat_and = self.and_values.reshape(-1, size)
        flat_or = self.or_values.reshape(-1, size)
        index: list[tuple[int, ...]] = (list(np.ndindex(*self.batch_shape)) if self.batch_shape
                                        else [()])
        for b, idx in enumerate(index):
            players, _ = select_players(self.players, self.metadata, idx)  # per-sample names
            names = ["∅" if m == 0 else " & ".join(players[i] for i in members(m, n))
                     for m in range(size)]
            for kind, arr in (("and", flat_and[b]), ("or", flat_or[b])):
                for m in range(size):
                    if skip_zeros and arr[m] == 0.0:
                        continue
                    label = names[m] if kind == "and" else names[m].replace(" & ", " | ")
                    rows.append((idx[0] if len(idx) == 1 else (idx or 0), kind, m, label,
                                 int(self.orders[m]), float(arr[m])))
        return pd.DataFrame(rows, columns=["sample", "kind", "mask", "players", "order", "value"])

    def to_shapiq(
        self, sample: int | tuple[int, ...] | None = None, *, include_q: bool = False
    ) -> Any:
        """Return one sample as a ``shapiq.InteractionValues`` of index ``"Moebius"``.

        Needs the optional extra ``shapiq``.

        It holds the Möbius interactions ``m`` of ``v`` (``include_q=False``: ``mobius(v)``,
        exact) or of ``v + q``, the game the split explains (``include_q=True``:
        ``I_and + core.or_as_moebius(I_or)``, every OR term counted); shapiq's
        ``MoebiusConverter`` turns them into any index and its plots draw them (pass
        ``feature_names=I.players``). See ``docs/indices.md``.

        >>> import harsanyi as hs
        >>> I = hs.and_or(hs.Game([0.0, 1.0, 1.0, 1.0]), q_bound=0.0, solver="exact")
        >>> iv = I.to_shapiq(include_q=True)          # x0 OR x1 = x0 + x1 − x0·x1
        >>> iv.index, round(float(iv[(0, 1)]), 9)
        ('Moebius', -1.0)
        """
        sel = self._single(sample)
        m = (sel.and_values + or_as_moebius(sel.or_values)) if include_q else mobius(sel.values)
        return moebius_to_shapiq(m)

    @classmethod
    def from_shapiq(cls, iv: Any, players: list[str] | None = None) -> Interactions:
        """Build an AND-only result from a shapiq ``InteractionValues`` of index ``"Moebius"``.

        The result has ``q = 0`` and the exact Möbius interactions; the game is ``v = zeta(m)``.

        >>> import harsanyi as hs
        >>> I = hs.mobius(hs.Game([0.0, 1.0, 2.0, 5.0], players=["a", "b"]))
        >>> Interactions.from_shapiq(I.to_shapiq(), players=I.players) == I
        True
        """
        m = moebius_from_shapiq(iv)
        values = zeta(m)
        zeros = np.zeros_like(m)
        return cls(
            and_values=m, or_values=zeros, gamma=0.5 * values, q=zeros.copy(), values=values,
            bound=np.zeros(()), residual=matching_residual(values, m, zeros, zeros),
            objective=np.abs(m[1:]).sum(), players=list(players or []),
            metadata={"source": "shapiq", "kind": "and", "solver": "none", "q_bound": 0.0},
        )

    def recompute_residual(self) -> np.ndarray:
        """Recompute the matching residual from the stored arrays (see :attr:`residual`)."""
        return matching_residual(self.values, self.and_values, self.or_values, self.q)

    # -- persistence -------------------------------------------------------------------------
    def save(self, path: str | Path) -> Path:
        """Write a compressed ``.npz`` with every array and a JSON header.

        The header holds the players, the metadata and the package version. Returns the path
        written.
        """
        return save_npz(path, FORMAT, self.players, self.metadata,
                        {k: getattr(self, k) for k in _ARRAYS})

    @classmethod
    def load(cls, path: str | Path) -> Interactions:
        """Read a file written by :meth:`save`; a corrupted or foreign file raises StoreError."""
        arrays, header = load_npz(path, FORMAT, _ARRAYS, "harsanyi interactions")
        return cls(**arrays, players=header["players"], metadata=header["metadata"])
