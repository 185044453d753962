"""Sparsity and faithfulness of a run (paper C).

Sparsity and faithfulness of a run (paper C): sparsity curves, matching error, ``α̂``, and
the table of the strongest interactions.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from harsanyi.analysis.guard import exhaustive
from harsanyi.core.orders import members
from harsanyi.metrics import alpha_hat, sparsity_curve, top_alpha_errors
from harsanyi.store import RunArrays

__all__ = ["Faithfulness", "analyse_faithfulness", "top_interactions_table"]


@dataclass(frozen=True)
class Faithfulness:
    """:func:`analyse_faithfulness`'s result.

    ``sparsity_curves``: ``"epoch <e>"`` → the mean sparsity curve (``2**(n+1)`` values) at
    the first, middle and last checkpoints; ``alphas`` (A,) a log grid of ``α`` and
    ``errors`` (A,) ``E_x|v(x_N) − ĝ_α(x_N)|`` at the last checkpoint; ``alpha_hat``: the
    mean ``α̂`` (10% relative error) over the samples that reach it (None if none does).
    """

    sparsity_curves: dict[str, np.ndarray]
    alphas: np.ndarray
    errors: np.ndarray
    alpha_hat: float | None


def analyse_faithfulness(arr: RunArrays, *, tol: float = 0.1, points: int = 25) -> Faithfulness:
    """Compute paper C's sparsity curves and matching error of a run.

    Paper C's sparsity curves and the matching error of the top-``α`` surrogate
    (:mod:`harsanyi.metrics`) of a run; ``points`` log-spaced ``α`` from 1 to ``2**(n+1)``.

    >>> from harsanyi.analysis.example import example_store
    >>> res = analyse_faithfulness(example_store().arrays())
    >>> list(res.sparsity_curves), float(res.errors[-1]) < 1e-9
    (['epoch 0', 'epoch 3', 'epoch 5'], True)
    """
    arr = exhaustive(arr, "the sparsity curves and matching error")
    K = arr.epochs.size
    curves = {f"epoch {int(arr.epochs[t])}": sparsity_curve(arr.and_values[t], arr.or_values[t])
              for t in sorted({0, K // 2, K - 1})}
    a, o, v = arr.and_values[-1], arr.or_values[-1], arr.values[-1]
    err = top_alpha_errors(a, o, v)  # (samples, 1 + 2**(n+1)): α = 0 .. 2**(n+1)
    size = err.shape[-1] - 1
    alphas = np.unique(np.round(np.logspace(0, np.log10(size), points)).astype(int))
    hat = alpha_hat(a, o, v, tol=tol)
    mean_hat = float(np.nanmean(hat)) if np.isfinite(hat).any() else None
    return Faithfulness(curves, alphas.astype(float), err[:, alphas].mean(axis=0), mean_hat)


def top_interactions_table(arr: RunArrays, top_k: int = 10, samples: int = 3) -> pd.DataFrame:
    """Return the table of the strongest interactions at the last checkpoint.

    The ``top_k`` strongest interactions (pooled layout) of the first ``samples`` samples
    at the last checkpoint: columns ``sample, kind, players, order, value, mask``.

    >>> from harsanyi.analysis.example import example_store
    >>> top_interactions_table(example_store().arrays(), top_k=2, samples=1)["kind"].tolist()
    ['and', 'and']
    """
    n = arr.n
    a, o = arr.and_values[-1], arr.or_values[-1]
    rows = []
    for b in range(min(samples, a.shape[0])):
        pooled = np.concatenate([a[b], o[b]])
        pooled[0] = 0.0  # ∅ carries v(∅)
        for j in np.argsort(-np.abs(pooled), kind="stable")[:top_k]:
            if pooled[j] == 0.0:
                continue
            kind, mask = ("and", j) if j < 2**n else ("or", j - 2**n)
            sep = " & " if kind == "and" else " | "
            who = members(int(mask), n)
            rows.append({"sample": b, "kind": kind,
                         "players": sep.join(arr.players[i] for i in who),
                         "order": len(who), "value": float(pooled[j]), "mask": int(mask)})
    return pd.DataFrame(rows, columns=["sample", "kind", "players", "order", "value", "mask"])
