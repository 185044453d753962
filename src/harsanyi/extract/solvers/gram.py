"""Gram matrices of the AND-OR dictionary's atoms, in closed form.

The atoms of the split are the columns of ``A``: AND ``T`` is ``1(T ⊆ S)``, OR ``U`` is
``1(U ∩ S ≠ ∅)`` (rows ``S ⊆ N``; index ``j < 2**n``: AND atom ``j``, else OR atom
``j − 2**n``). Products of two columns over the rows reduce to counts, or weighted sums, of
rows ``S`` over a lattice interval, so a Gram matrix over a few thousand atoms needs no
``2^n``-row matrix product:

* :func:`atom_gram`: ``A_Jᵀ A_K`` over all ``2^n`` rows, by counting
  (``#{S ⊇ T∪U} = 2^{n−|T∪U|}``);
* :class:`WeightedGram`: ``A_Jᵀ diag(ω) A_J`` over weighted rows, by looking up the interval
  sums ``h(T, U) = Σ_{T ⊆ S ⊆ N∖U} ω_S`` (:func:`interval_sums`, one ``O(3^n)`` transform).
  The interior point of :mod:`.dense_qp` needs this matrix at every iteration; a BLAS
  ``syrk`` over the ``m`` rows costs ``k² m``, the lookup ``O(3^n + k²)``.
"""

from __future__ import annotations

import numpy as np

from harsanyi.core.orders import order_of_masks

__all__ = ["LOOKUP_MAX_PLAYERS", "WeightedGram", "atom_gram", "interval_sums", "lookup_pays"]

#: Largest ``n`` whose interval sums :class:`WeightedGram` tabulates: ``3^14`` = 4.8 M
#: entries, 115 MB with its negated copy and a scratch buffer (``n = 16``: 1 GB).
LOOKUP_MAX_PLAYERS = 14


def atom_gram(atoms: np.ndarray, n: int, others: np.ndarray | None = None) -> np.ndarray:
    """Return the Gram matrix ``A_Jᵀ A_K`` of atoms ``J`` and ``K`` (default ``J``) in closed form.

    Index ``j < 2**n``: AND atom ``j``; else OR atom ``j − 2**n``. Computed without touching
    the ``2**n`` rows:
    ``#{S ⊇ T∪U} = 2^{n−|T∪U|}`` (AND, AND), ``#{S: S∩T ≠ ∅, S∩U ≠ ∅} = 2^n − 2^{n−|T|} −
    2^{n−|U|} + 2^{n−|T∪U|}`` (OR, OR), ``#{S ⊇ T, S∩U ≠ ∅} = 2^{n−|T|} − 1(T∩U=∅)·2^{n−|T∪U|}``.

    >>> atom_gram(np.array([1, 3, 4 + 3]), 2).tolist()  # AND {0}, AND {0,1}, OR {0,1}
    [[2.0, 1.0, 2.0], [1.0, 1.0, 1.0], [2.0, 1.0, 3.0]]
    >>> atom_gram(np.array([4 + 3]), 2, np.array([1, 3])).tolist()
    [[2.0, 1.0]]
    """
    size = 2**n
    rows = np.asarray(atoms, np.int64)
    cols = rows if others is None else np.asarray(others, np.int64)
    pow2 = np.exp2(n - np.arange(n + 1))  # 2^{n−k} by order k
    pop = order_of_masks(n)
    r_or, c_or = rows >= size, cols >= size
    t = np.where(r_or, rows - size, rows)
    u = np.where(c_or, cols - size, cols)
    p_u = pow2[pop[t[:, None] | u[None, :]]]  # 2^{n−|T∪U|}
    p_t, p_c = pow2[pop[t]][:, None], pow2[pop[u]][None, :]
    disjoint = (t[:, None] & u[None, :]) == 0
    out = p_u.copy()  # (AND, AND)
    both = r_or[:, None] & c_or[None, :]
    out[both] = (size - p_t - p_c + p_u)[both]
    row_and = ~r_or[:, None] & c_or[None, :]  # S ⊇ T (row AND), S ∩ U ≠ ∅ (column OR)
    out[row_and] = (p_t - disjoint * p_u)[row_and]
    row_or = r_or[:, None] & ~c_or[None, :]  # S ⊇ U (column AND), S ∩ T ≠ ∅ (row OR)
    out[row_or] = (p_c - disjoint * p_u)[row_or]
    return out


def _ternary(n: int) -> np.ndarray:
    """``t(X) = Σ_{i ∈ X} 3^i`` for every mask ``X`` of ``n`` players."""
    masks = np.arange(2**n, dtype=np.int64)
    out = np.zeros(2**n, np.int64)
    for i in range(n):
        out += ((masks >> i) & 1) * 3**i
    return out


def interval_sums(omega: np.ndarray, out: np.ndarray | None = None,
                  scratch: np.ndarray | None = None) -> np.ndarray:
    """Return the sums of ``ω`` over every interval of the subset lattice, ``O(3^n)``.

    ``h[(3^n − 1) − t(T) − 2 t(U)] = Σ_{T ⊆ S ⊆ N∖U} ω_S`` for disjoint ``T``, ``U``, with
    ``t(X) = Σ_{i∈X} 3^i``: digit ``i`` of the ternary index is 1 where player ``i`` must be in
    ``S``, 0 where it must be out, 2 where it is free. Built one player at a time
    (``free = in + out``). ``out`` and ``scratch``: buffers of ``3^n`` to use instead of new
    arrays (the interior point calls this at every iteration).

    >>> h = interval_sums(np.array([1.0, 2.0, 4.0, 8.0]))  # ω_∅, ω_{0}, ω_{1}, ω_{0,1}
    >>> float(h[8]), float(h[8 - 1]), float(h[8 - 2 * 1])  # all S; S ∋ 0; S ∌ 0
    (15.0, 10.0, 5.0)
    """
    n = omega.shape[-1].bit_length() - 1
    out = np.empty(3**n) if out is None else out
    scratch = np.empty(3**n) if scratch is None else scratch
    src = np.asarray(omega, np.float64)
    out[:1] = src[:1]  # n = 0
    for i in range(n):  # player i: (2^(n − i − 1), 2, 3^i) -> (…, 3, 3^i), contiguous last
        dst = out if (n - 1 - i) % 2 == 0 else scratch  # the last step writes to out
        two = src.reshape(2 ** (n - i - 1), 2, 3**i)
        grown = dst[:2 ** (n - i - 1) * 3 ** (i + 1)].reshape(2 ** (n - i - 1), 3, 3**i)
        grown[:, :2] = two
        np.add(two[:, 0], two[:, 1], out=grown[:, 2])
        src = grown.reshape(-1)
    return out


def lookup_pays(n: int, atoms: int, rows: int) -> bool:
    """Whether :class:`WeightedGram` beats a BLAS ``syrk`` over ``rows`` rows.

    Measured on one core (``benchmarks/gram.py``): the lookup costs about ``25 ns·3^n`` (the
    interval sums and their table) plus ``10 ns·k²`` (the gather), ``syrk`` about
    ``k² m / 20`` ns.

    >>> lookup_pays(10, 1000, 700), lookup_pays(12, 300, 2000), lookup_pays(16, 5000, 5000)
    (True, False, False)
    """
    if n > LOOKUP_MAX_PLAYERS:
        return False
    return atoms * atoms * (rows - 200) > 500 * 3**n


class WeightedGram:
    """``A_Jᵀ diag(ω) A_J`` on atoms ``J`` for any row weights ``ω`` on rows ``R``.

    With ``h`` the interval sums of ``ω`` (zero off ``R``), ``ĥ(T) = h(T, ∅)``,
    ``ȟ(U) = h(∅, U)`` and ``W = h(∅, ∅)``:

    * AND ``T``, AND ``T'``: ``Σ_{S ⊇ T∪T'} ω_S = ĥ(T ∪ T')``;
    * AND ``T``, OR ``U``: ``Σ_{S ⊇ T, S∩U ≠ ∅} ω_S = ĥ(T) − 1(T∩U = ∅)·h(T, U)``;
    * OR ``U``, OR ``U'``: ``W − ȟ(U) − ȟ(U') + ȟ(U ∪ U')`` (inclusion-exclusion).

    The indices into ``h`` depend on ``J`` alone and are computed once; each call transforms
    ``ω`` and gathers ``k²`` entries.

    >>> from harsanyi.extract.solvers.base import _atom_columns
    >>> atoms, rows = np.array([0, 3, 5, 16 + 3, 16 + 12]), np.array([1, 3, 6, 7, 15])
    >>> omega = np.array([1.0, 2.0, 0.5, 4.0, 3.0])
    >>> a = _atom_columns(atoms, rows, 16)
    >>> bool(np.allclose(WeightedGram(atoms, rows, 4)(omega), a.T @ (omega[:, None] * a)))
    True
    """

    def __init__(self, atoms: np.ndarray, rows: np.ndarray, n: int) -> None:
        size = 2**n
        atoms = np.asarray(atoms, np.int64)
        self.rows, self.size, self.cells = np.asarray(rows, np.int64), size, 3**n
        # AND atoms first, then OR atoms (the callers' sorted atoms already are)
        order = np.argsort(atoms >= size, kind="stable")
        self.inverse = None if np.all(order[1:] > order[:-1]) else np.argsort(order)
        atoms = atoms[order]
        self.k_and = int(np.count_nonzero(atoms < size))
        tern = _ternary(n)
        top = self.cells - 1
        ands, ors = atoms[:self.k_and], atoms[self.k_and:] - size
        t_and, t_or = tern[ands], tern[ors]
        self.own_and, self.own_or = top - t_and, top - 2 * t_or  # ĥ(T), ȟ(U)
        disjoint = (ands[:, None] & ors[None, :]) == 0
        # AND-OR pairs: −h(T, U) where disjoint (an index into the negated copy), else 0
        mixed = np.where(disjoint, self.cells + top - t_and[:, None] - 2 * t_or[None, :],
                         2 * self.cells)
        idx = np.block([[top - tern[ands[:, None] | ands[None, :]], mixed],
                        [mixed.T, top - 2 * tern[ors[:, None] | ors[None, :]]]])
        self.idx = idx.astype(np.int32 if 2 * self.cells < 2**31 else np.int64)
        # buffers reused by every call: ω on all rows, the table [h, −h, 0], a scratch
        self.full = np.zeros(size)
        self.table = np.zeros(2 * self.cells + 1)
        self.scratch = np.empty(self.cells)

    def __call__(self, omega: np.ndarray) -> np.ndarray:
        """Return ``A_Jᵀ diag(ω) A_J`` (``k × k``) for weights ``ω`` ``(m,)`` on the rows."""
        self.full[self.rows] = omega
        h = interval_sums(self.full, self.table[:self.cells], self.scratch)
        np.negative(h, out=self.table[self.cells:-1])
        out = np.take(self.table, self.idx)
        # the one-atom terms: ĥ(T) on AND-OR pairs, W/2 − ȟ(U) from each side on OR-OR pairs
        ka, hat = self.k_and, h[self.own_and]
        out[:ka, ka:] += hat[:, None]
        out[ka:, :ka] += hat[None, :]
        beta = 0.5 * h[-1] - h[self.own_or]
        out[ka:, ka:] += beta[:, None]
        out[ka:, ka:] += beta[None, :]
        if self.inverse is not None:
            out = out[np.ix_(self.inverse, self.inverse)]
        return out
