"""Classical game-theoretic indices of the explained game, exact, from its interactions.

Every index here is linear in the game, so it follows from the Möbius (Harsanyi)
interactions ``m(T)`` of the game, ``v(S) = Σ_{T⊆S} m(T)``, by sharing each ``m(T)`` among
subsets of ``T`` (see ``docs/indices.md`` for the derivations):

* Shapley value: ``φ_i = Σ_{T∋i} m(T) / |T|``.
* Banzhaf value: ``β_i = Σ_{T∋i} m(T) / 2^{|T|−1}``.
* Shapley-Taylor index of order ``k``: ``m(S)`` for ``|S| < k`` and
  ``Σ_{T⊇S} m(T) / C(|T|, k)`` for ``|S| = k``.
* k-SII (k-Shapley values): ``Σ_{T⊇S, |T|≤k} B_{|T|−|S|} SII(T)`` for ``1 ≤ |S| ≤ k``, with the
  Shapley interaction index ``SII(S) = Σ_{T⊇S} m(T) / (|T|−|S|+1)`` and the Bernoulli numbers
  ``B_0 = 1, B_1 = −1/2, B_2 = 1/6, ...``.

The subset-valued indices are arrays ``(..., 2**n)`` in our bit order, zero above order ``k``,
with ``v(∅)`` at index 0 (shapiq's convention for the empty set).

Which game? An AND-OR result explains ``v + q``: universal matching reads
``v(S) + q_S = I_and(∅) + Σ_{∅≠T⊆S} I_and(T) + Σ_{T∩S≠∅} I_or(T)``. With ``include_q=False``
(the default) the indices are those of the model's game ``v`` itself, from ``mobius(v)``:
exact, and what other libraries compute. With ``include_q=True`` they are those of ``v + q``,
from the split with every OR term counted: the OR game ``u_T(S) = [T∩S≠∅]`` has the Möbius
interactions ``(−1)^{|R|+1}`` on every ``∅≠R⊆T`` (``core.or_as_moebius``), so an OR term
gives ``I_or(T)/|T|`` of Shapley value and ``I_or(T)/2^{|T|−1}`` of Banzhaf value to each of its
players, exactly as an AND term does. The two differ by the indices of ``q``; for the Shapley
and Banzhaf values that is at most ``2ζ`` per player (``|q_S| ≤ ζ``).
"""

from __future__ import annotations

from fractions import Fraction
from functools import lru_cache
from math import comb
from typing import Any

import numpy as np

from harsanyi.core.orders import order_of_masks
from harsanyi.core.transforms import mobius, n_players, or_as_moebius, superset_sum
from harsanyi.extract.interactions import Interactions
from harsanyi.games.game import Game

__all__ = [
    "banzhaf_values",
    "bernoulli_numbers",
    "explained_moebius",
    "k_sii",
    "shapley_taylor",
    "shapley_values",
]


def explained_moebius(
    source: Interactions | Game | Any, *, include_q: bool = False
) -> np.ndarray:
    """Möbius interactions ``m`` of the explained game, ``(..., 2**n)``.

    ``source``: an :class:`Interactions` result, a :class:`Game` or an array of values
    ``v(x_S)``. For a result, ``include_q=False`` gives ``mobius(v)``; ``include_q=True`` gives
    ``I_and + or_as_moebius(I_or)``, the game ``v + q`` that the split explains (equal to
    ``mobius(v + q)`` up to the result's matching residual).

    >>> import harsanyi as hs
    >>> I = hs.and_or(hs.Game([0.0, 1.0, 1.0, 1.0]), q_bound=0.0, solver="exact")
    >>> explained_moebius(I, include_q=True).round(9).tolist()
    [0.0, 1.0, 1.0, -1.0]
    """
    if isinstance(source, Interactions):
        if include_q:
            return source.and_values + or_as_moebius(source.or_values)
        return mobius(np.asarray(source.values, dtype=np.float64))
    if include_q:
        raise ValueError("include_q=True needs an Interactions result: a game has no q term")
    values = source.values if isinstance(source, Game) else Game(source).values
    return mobius(values)


def _player_sums(weighted: np.ndarray) -> np.ndarray:
    """``out[..., i] = Σ_{T∋i} weighted[..., T]``."""
    n = n_players(weighted)
    lead = weighted.shape[:-1]
    cols = [weighted.reshape(*lead, 2 ** (n - 1 - i), 2, 2**i)[..., 1, :].sum(axis=(-2, -1))
            for i in range(n)]
    return np.stack(cols, axis=-1) if cols else np.zeros((*lead, 0))


def _per_term(source: Any, include_q: bool, weight_of_order: np.ndarray) -> np.ndarray:
    """``Σ_{T∋i} w(|T|) c(T)`` with ``c`` the AND+OR terms (``include_q``) or ``mobius(v)``."""
    if include_q and isinstance(source, Interactions):
        terms = source.and_values + source.or_values  # an OR term shares like an AND term
    else:
        terms = explained_moebius(source, include_q=include_q)
    w = weight_of_order[order_of_masks(n_players(terms))]
    return _player_sums(terms * w)


def shapley_values(
    source: Interactions | Game | Any, *, include_q: bool = False
) -> np.ndarray:
    """Exact Shapley values ``φ_i = Σ_{T∋i} m(T) / |T|``, shape ``(..., n)``.

    Equal to ``Σ_π [v(P_i^π ∪ {i}) − v(P_i^π)] / n!`` over the orderings ``π`` of the players
    (``P_i^π``: the players before ``i``); ``Σ_i φ_i = v(N) − v(∅)``. With ``include_q=True``
    (an :class:`Interactions` result) the game is ``v + q`` and every term of the split is
    counted: ``φ_i = Σ_{T∋i} (I_and(T) + I_or(T)) / |T|``.

    >>> import harsanyi as hs
    >>> shapley_values(hs.Game([0.0, 1.0, 0.0, 3.0])).tolist()   # m = [0, 1, 0, 2]
    [2.0, 1.0]
    """
    n = n_players(np.asarray(getattr(source, "values", source)))
    orders = np.arange(n + 1, dtype=np.float64)
    return _per_term(source, include_q, np.divide(1.0, orders, where=orders > 0,
                                                  out=np.zeros(n + 1)))


def banzhaf_values(
    source: Interactions | Game | Any, *, include_q: bool = False
) -> np.ndarray:
    """Exact Banzhaf values ``β_i = Σ_{T∋i} m(T) / 2^{|T|−1}``, shape ``(..., n)``.

    Equal to ``2^{−(n−1)} Σ_{S⊆N∖{i}} [v(S ∪ {i}) − v(S)]``. An OR term ``I_or(T)`` gives
    ``I_or(T) / 2^{|T|−1}`` to each player of ``T``, as an AND term does (``i`` changes
    ``[T∩S≠∅]`` iff no other player of ``T`` is in ``S``, a chance of ``2^{−(|T|−1)}``).

    >>> import harsanyi as hs
    >>> banzhaf_values(hs.Game([0.0, 1.0, 0.0, 3.0])).tolist()
    [2.0, 1.0]
    """
    n = n_players(np.asarray(getattr(source, "values", source)))
    orders = np.arange(n + 1, dtype=np.float64)
    weight = np.where(orders > 0, 2.0 ** (1.0 - orders), 0.0)
    return _per_term(source, include_q, weight)


def _check_order(k: int, n: int) -> int:
    if not isinstance(k, (int, np.integer)) or not 1 <= k <= n:
        raise ValueError(f"the order k must be an integer in 1..n = 1..{n}; got {k!r}")
    return int(k)


def shapley_taylor(
    source: Interactions | Game | Any, k: int, *, include_q: bool = False
) -> np.ndarray:
    """Shapley-Taylor interaction index of order ``k``, ``(..., 2**n)`` in bit order.

    ``STI_k(S) = m(S)`` for ``|S| < k`` (with ``v(∅)`` at ``∅``), ``Σ_{T⊇S} m(T) / C(|T|, k)``
    for ``|S| = k``, and 0 above: each interaction of order above ``k`` is shared equally among
    its subsets of size ``k``. Sums to ``v(N)``; ``k = 1`` gives the Shapley values.

    >>> import harsanyi as hs
    >>> shapley_taylor(hs.Game([0.0, 1.0, 0.0, 3.0]), 1).tolist()
    [0.0, 2.0, 1.0, 0.0]
    """
    m = explained_moebius(source, include_q=include_q)
    n = n_players(m)
    k = _check_order(k, n)
    orders = order_of_masks(n)
    share = np.array([1.0 / comb(t, k) if t >= k else 0.0 for t in range(n + 1)])
    top = superset_sum(m * share[orders])
    return np.where(orders < k, m, np.where(orders == k, top, 0.0))


@lru_cache(maxsize=8)
def bernoulli_numbers(k: int) -> tuple[float, ...]:
    """``B_0 .. B_k`` with ``B_1 = −1/2``: ``B_m = −Σ_{j<m} C(m+1, j) B_j / (m+1)``.

    >>> bernoulli_numbers(4)
    (1.0, -0.5, 0.16666666666666666, 0.0, -0.03333333333333333)
    """
    out = [Fraction(1)]
    for m in range(1, k + 1):
        out.append(-sum(comb(m + 1, j) * out[j] for j in range(m)) / (m + 1))
    return tuple(float(b) for b in out)


def k_sii(source: Interactions | Game | Any, k: int, *, include_q: bool = False) -> np.ndarray:
    """k-SII (the k-Shapley values of Bordt and von Luxburg), ``(..., 2**n)`` in bit order.

    ``k-SII(S) = Σ_{T⊇S, |T|≤k} B_{|T|−|S|} SII(T)`` for ``1 ≤ |S| ≤ k`` (``v(∅)`` at ``∅``,
    0 above ``k``), where ``SII(S) = Σ_{T⊇S} m(T) / (|T|−|S|+1)`` is the Shapley interaction
    index and ``B`` are the Bernoulli numbers. ``k = 1`` gives the Shapley values, ``k = n``
    the Möbius interactions; the values of ``S ≠ ∅`` sum to ``v(N) − v(∅)``.

    >>> import harsanyi as hs
    >>> k_sii(hs.Game([0.0, 1.0, 0.0, 3.0]), 2).tolist()
    [0.0, 1.0, 0.0, 2.0]
    """
    m = explained_moebius(source, include_q=include_q)
    n = n_players(m)
    k = _check_order(k, n)
    orders = order_of_masks(n)
    sii = np.zeros_like(m)
    for s in range(1, k + 1):  # SII of order s
        weight = np.where(orders >= s, 1.0 / np.maximum(orders - s + 1, 1), 0.0)
        sii = np.where(orders == s, superset_sum(m * weight), sii)
    bern = bernoulli_numbers(k)
    out = np.zeros_like(m)
    for t in range(1, k + 1):  # spread SII(T), |T| = t, over its subsets S with B_{t−|S|}
        spread = superset_sum(np.where(orders == t, sii, 0.0))
        coeff = np.array([bern[t - s] if 1 <= s <= t else 0.0 for s in range(n + 1)])
        out += coeff[orders] * spread
    out[..., 0] = m[..., 0]
    return out
