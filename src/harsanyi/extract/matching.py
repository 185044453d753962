"""Universal matching: rebuild ``v(x_S)`` from AND and OR interactions, and its residual.

``h(S) = I_and(∅) + Σ_{∅≠T⊆S} I_and(T) + Σ_{T∩S≠∅} I_or(T)``  (A Thm 2, C Thm 2.1, D Thm 2.1).
"""

from __future__ import annotations

import numpy as np

from harsanyi.core.transforms import or_zeta, zeta

__all__ = ["matching_residual", "reconstruct"]


def reconstruct(and_values: np.ndarray, or_values: np.ndarray | None = None) -> np.ndarray:
    """Rebuild ``h(S)`` from the interactions on all ``2**n`` masks, shape ``(..., 2**n)``.

    ``and_values[..., 0]`` is ``I_and(∅)`` (= ``v(∅)+q(∅)``); ``or_values[..., 0]`` is ignored
    (the empty OR atom ``1(T∩S≠∅)`` is identically zero).

    >>> reconstruct(np.array([1.0, 0.0, 0.0, 2.0]), np.array([0.0, 0.0, 0.0, 3.0])).tolist()
    [1.0, 4.0, 4.0, 6.0]
    """
    out = zeta(np.asarray(and_values, dtype=np.float64))
    if or_values is not None:
        ors = np.array(or_values, dtype=np.float64, copy=True)
        ors[..., 0] = -ors[..., 1:].sum(axis=-1)  # makes v_or(∅) = 0, see or_zeta
        out += or_zeta(ors)
    return out


def matching_residual(
    values: np.ndarray,
    and_values: np.ndarray,
    or_values: np.ndarray | None = None,
    q: np.ndarray | None = None,
) -> np.ndarray:
    """Relative universal-matching residual per sample, shape ``values.shape[:-1]``.

    ``max_S |v(S) + q(S) − h(S)| / max(max_S |v(S)|, 1e-12)``.

    >>> float(matching_residual(np.array([1.0, 1.0]), np.array([1.0, 0.0])))
    0.0
    """
    target = np.asarray(values, dtype=np.float64)
    if q is not None:
        target = target + q
    err = np.abs(target - reconstruct(and_values, or_values)).max(axis=-1)
    scale = np.maximum(np.abs(np.asarray(values, dtype=np.float64)).max(axis=-1), 1e-12)
    return err / scale
