r"""The AND-OR dictionary ``A`` of the split and its transpose, on the fast transforms.

Columns of ``A`` (the "atoms"), over rows ``S ⊆ N``:

* AND atom ``T`` (every ``T``, ``T = ∅`` included): ``1(T ⊆ S)``;
* OR atom ``T`` (``|T| ≥ 2`` only: the ∅ OR atom is the zero column and the singleton OR atoms
  equal the singleton AND atoms): ``1(T ∩ S ≠ ∅)``.

A coefficient vector is stored as ``x = (I_and, I_or)`` of length ``2 · 2**n`` (the OR half is
zero at ∅ and singletons), so that universal matching reads ``v + q = A x`` with

``A x = zeta(I_and) + Σ_T I_or(T) − flip(zeta(I_or))``, because
``1(T ∩ S ≠ ∅) = 1 − 1(T ⊆ N \ S)``. Its transpose, the "prices" of a row vector ``λ``:

``(Aᵀλ)_and(T) = Σ_{S ⊇ T} λ_S`` and ``(Aᵀλ)_or(T) = Σ_S λ_S − Σ_{S ⊆ N \ T} λ_S``.

Everything here is a Kronecker product of 2x2 blocks; ``kron_blocked`` (from
:mod:`harsanyi.core.transforms`) applies one with a few small dense matrix products (bits in
groups of at most 6), which is what makes the batched first-order solver fast on numpy and torch
alike.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from functools import lru_cache
from typing import Any

import numpy as np
import torch

from harsanyi.core.orders import order_of_masks
from harsanyi.core.transforms import kron_blocked, superset_sum, zeta

__all__ = [
    "KINDS",
    "dictionary_apply",
    "dictionary_gram",
    "dictionary_transpose",
    "limited_threads",
    "or_mask",
    "weights",
]

#: The two dictionaries: AND and OR atoms (``"and_or"``) or AND atoms only (``"and"``).
KINDS = ("and_or", "and")

_ZETA = ((1.0, 0.0), (1.0, 1.0))
_SUPERSET = ((1.0, 1.0), (0.0, 1.0))


def or_mask(n: int) -> np.ndarray:
    """``1.0`` at the OR atoms that exist (``|T| ≥ 2``), ``0.0`` at ∅ and singletons.

    >>> or_mask(2).tolist()
    [0.0, 0.0, 0.0, 1.0]
    """
    return (order_of_masks(n) >= 2).astype(np.float64)


def weights(n: int, kind: str = "and_or") -> np.ndarray:
    """Return the L1 weights of the coefficients ``x``.

    L1 weights of the coefficients ``x``: 0 at ``I_and(∅)`` (free), 1 at every other atom
    that exists, 0 at the OR slots that do not (∅, singletons). Length ``2**n`` for
    ``kind="and"``, ``2 · 2**n`` for ``"and_or"``.

    >>> weights(1).tolist()
    [0.0, 1.0, 0.0, 0.0]
    """
    w_and = np.ones(2**n)
    w_and[0] = 0.0
    return w_and if kind == "and" else np.concatenate([w_and, or_mask(n)])


@contextmanager
def limited_threads(threads: int | None, device: Any = "cpu") -> Iterator[None]:
    """Run a block with ``threads`` CPU threads for torch and numpy.

    Numpy's BLAS threads are set through ``threadpoolctl`` when it is installed; both are
    restored after. ``None`` (or a non-CPU device for torch) changes nothing. The solvers
    default to one thread, which is faster on a loaded machine (``benchmarks/README.md``).

    >>> before = torch.get_num_threads()
    >>> with limited_threads(1):
    ...     torch.get_num_threads()
    1
    >>> torch.get_num_threads() == before
    True
    """
    saved = torch.get_num_threads()
    blas: Any = nullcontext()
    if threads is not None:
        try:
            # optional: BLAS thread control, used when installed
            from threadpoolctl import threadpool_limits

            blas = threadpool_limits(limits=int(threads))
        except ImportError:  # pragma: no cover - threadpoolctl comes with scikit-learn
            pass
        if torch.device(device).type == "cpu":
            torch.set_num_threads(int(threads))
    try:
        with blas:
            yield
    finally:
        torch.set_num_threads(saved)


def _flip(x: Any) -> Any:
    if isinstance(x, torch.Tensor):
        return torch.flip(x, dims=(-1,))
    return x[..., ::-1]


def dictionary_apply(x: Any, kind: str = "and_or", *, fast: bool = False) -> Any:
    """Return ``A x``, the game fitted by coefficients ``x = (I_and, I_or)``.

    ``(A x)(S) = Σ_{T ⊆ S} I_and(T) + Σ_{T ∩ S ≠ ∅, |T| ≥ 2} I_or(T)`` (the OR half is masked to
    ``|T| ≥ 2``). ``fast=True`` calls :func:`~harsanyi.core.transforms.kron_blocked` directly
    (no float64 promotion, no checks: the iterative solver's hot loop; see
    ``benchmarks/README.md``); the default
    uses :mod:`harsanyi.core.transforms` (the same dense products up to n = 14, a butterfly
    above).

    >>> x = np.zeros(8); x[3] = 1.0; x[4 + 3] = 2.0  # I_and({0,1}) = 1, I_or({0,1}) = 2
    >>> dictionary_apply(x).tolist()
    [0.0, 2.0, 2.0, 3.0]
    """
    if kind == "and":
        return kron_blocked(x, _ZETA) if fast else zeta(x)
    size = int(x.shape[-1]) // 2
    n = size.bit_length() - 1
    a, o = x[..., :size], x[..., size:]
    mask = or_mask(n)
    if isinstance(o, torch.Tensor):
        o = o * torch.as_tensor(mask, dtype=o.dtype, device=o.device)
    else:
        o = o * mask
    za = kron_blocked(a, _ZETA) if fast else zeta(a)
    zo = kron_blocked(o, _ZETA) if fast else zeta(o)
    return za + o.sum(-1, keepdims=True) - _flip(zo)


def dictionary_transpose(lam: Any, kind: str = "and_or", *, fast: bool = False) -> Any:
    """``Aᵀλ``: the price of every atom under row weights ``λ``.

    ``(Aᵀλ)_and(T) = Σ_{S ⊇ T} λ_S``; ``(Aᵀλ)_or(T) = Σ_{S ∩ T ≠ ∅} λ_S`` for ``|T| ≥ 2``
    (0 at the OR slots that do not exist). The LP dual is feasible when every price is in
    ``[−1, 1]`` and the price of ``I_and(∅)`` (``Σ_S λ_S``) is 0.

    >>> dictionary_transpose(np.array([0.0, 0.0, 0.0, 1.0])).tolist()
    [1.0, 1.0, 1.0, 1.0, 0.0, 0.0, 0.0, 1.0]
    """
    pa = kron_blocked(lam, _SUPERSET) if fast else superset_sum(lam)
    if kind == "and":
        return pa
    size = int(lam.shape[-1])
    n = size.bit_length() - 1
    zl = kron_blocked(lam, _ZETA) if fast else zeta(lam)
    po = lam.sum(-1, keepdims=True) - _flip(zl)
    mask = or_mask(n)
    if isinstance(po, torch.Tensor):
        po = po * torch.as_tensor(mask, dtype=po.dtype, device=po.device)
        return torch.cat([pa, po], -1)
    return np.concatenate([pa, po * mask], -1)


@lru_cache(maxsize=8)
def dictionary_gram(n: int, kind: str = "and_or") -> np.ndarray:
    """Return the dense Gram matrix ``A Aᵀ`` (``2**n`` square, read-only, cached).

    Closed forms: ``(Z Zᵀ)_{S,S'} = 2^{|S∩S'|}``; the OR part adds
    ``Σ_{|T|≥2} 1(T∩S≠∅) 1(T∩S'≠∅)``.

    >>> dictionary_gram(1, "and").tolist()
    [[1.0, 1.0], [1.0, 2.0]]
    """
    eye = np.eye(2**n)
    rows = dictionary_transpose(eye, kind)  # row S = A^T e_S
    gram = rows @ rows.T
    gram.setflags(write=False)
    return gram
