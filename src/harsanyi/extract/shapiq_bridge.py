"""Möbius interactions to and from shapiq's ``InteractionValues`` (optional extra ``shapiq``).

shapiq keeps interactions as a value vector with a lookup ``{tuple of players: position}``
and an ``index`` naming what they are. Ours go out as ``index="Moebius"``, ``min_order=0``,
``max_order=n``: the Möbius interactions ``m(T)`` of the game, ``v(S) = Σ_{T⊆S} m(T)``, from
which shapiq's ``MoebiusConverter`` derives any index (``"SV"``, ``"k-SII"``, ``"STII"``,
``"FSII"``, ...). See ``docs/indices.md``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from harsanyi.core.orders import mask_of, members
from harsanyi.core.transforms import n_players
from harsanyi.errors import ShapeError

__all__ = ["SHAPIQ_MISSING", "moebius_from_shapiq", "moebius_to_shapiq", "terms_to_shapiq"]

#: The message of the ImportError raised when shapiq is not installed.
SHAPIQ_MISSING = "shapiq is not installed: pip install 'harsanyi[shapiq]' (or pip install shapiq)"


def _shapiq() -> Any:
    try:
        import shapiq  # heavy optional dependency (~2 s to import): loaded on first use
    except ImportError as exc:
        raise ImportError(SHAPIQ_MISSING) from exc
    return shapiq


def moebius_to_shapiq(moebius: np.ndarray, *, skip_zeros: bool = False) -> Any:
    """Return a ``shapiq.InteractionValues`` (``index="Moebius"``) holding ``m`` ``(2**n,)``.

    Subsets are ordered by size, then lexicographically; ``m(∅) = v(∅)`` is the entry ``()``
    and the ``baseline_value``. ``skip_zeros`` leaves out exact zeros (shapiq reads a missing
    subset as 0).

    >>> iv = moebius_to_shapiq(np.array([0.5, 1.0, 0.0, 2.0]))
    >>> iv.index, iv[(0, 1)], iv.baseline_value
    ('Moebius', 2.0, 0.5)
    """
    m = np.asarray(moebius, dtype=np.float64)
    if m.ndim != 1:
        raise ShapeError(f"one game at a time: Möbius values of shape (2**n,); got {m.shape}")
    n = n_players(m)
    terms = {members(s, n): float(m[s]) for s in range(2**n)
             if s == 0 or not skip_zeros or m[s] != 0.0}
    return terms_to_shapiq(terms, n)


def terms_to_shapiq(terms: dict[tuple[int, ...], float], n: int) -> Any:
    """Return a ``shapiq.InteractionValues`` (``index="Moebius"``) of sparse Möbius ``terms``.

    ``terms``: ``{sorted tuple of players: m(T)}``; subsets not listed are 0 (shapiq's reading
    too), ``()`` is ``m(∅)`` and the ``baseline_value`` (0 when absent). Subsets are ordered by
    size, then lexicographically.

    >>> iv = terms_to_shapiq({(): 0.5, (0, 63): 2.0}, 64)
    >>> iv.n_players, iv[(0, 63)], iv[(1, 2)], iv.baseline_value
    (64, 2.0, 0.0, 0.5)
    """
    shapiq = _shapiq()
    terms = {(): 0.0, **terms}
    keys = sorted(terms, key=lambda t: (len(t), t))
    return shapiq.InteractionValues(
        np.array([terms[t] for t in keys], dtype=np.float64), index="Moebius", max_order=n,
        n_players=n, min_order=0, interaction_lookup={t: j for j, t in enumerate(keys)},
        estimated=False, baseline_value=float(terms[()]),
    )


def moebius_from_shapiq(iv: Any) -> np.ndarray:
    """Return the Möbius interactions ``m`` ``(2**n,)``, in our bit order, of a shapiq result.

    ``iv`` is an ``InteractionValues`` whose ``index`` is ``"Moebius"``; subsets it does not
    list are 0 and ``m(∅)`` is its ``()`` entry, else its ``baseline_value``.

    Other indices (Shapley values, k-SII, ...) do not determine the game: convert the Möbius
    interactions you computed them from instead.
    """
    index = getattr(iv, "index", None)
    if index != "Moebius":
        raise ValueError(
            f"from_shapiq needs Möbius interactions (index='Moebius'); got index={index!r}: "
            "an index such as Shapley values or k-SII does not determine the game"
        )
    n = int(iv.n_players)
    m = np.zeros(2**n)
    m[0] = float(iv.baseline_value)
    values = np.asarray(iv.values, dtype=np.float64)
    for players, pos in iv.interaction_lookup.items():
        if any(not 0 <= int(p) < n for p in players):
            raise ShapeError(f"interaction {players} names a player outside 0..{n - 1}")
        m[mask_of(players)] = values[pos]
    return m
