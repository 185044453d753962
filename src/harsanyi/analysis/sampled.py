"""Analyses of a sampled run, on its curves refitted on the union of supports.

A run monitored with a budget stores, per checkpoint, the atoms its sparse extraction found
and the game's values on the design's masks, never the ``2**n`` values of a game
(:mod:`harsanyi.store.union`). The analyses that follow single interactions over the
checkpoints work on the union curves :class:`~harsanyi.store.union.SampledRunArrays`:

* the **five groups** (:func:`sampled_groups`): each sample's top ``k`` atoms of its union by
  ``max_t |I_t|``, classified by the same rule as an exhaustive run;
* the **tracking quality** (:func:`sampled_tracking`): the change between consecutive
  checkpoints of what each checkpoint's extraction found (atoms missed count as 0) beside the
  change of the union refit (the same atoms at every checkpoint, least squares: no choice).

The analyses that need every interaction of every order (phases and σ² fit from the
distribution over orders, decay/spindle, the sparsity bound, sparsity curves and matching
error over all ``2**(n+1)`` interactions) are refused with
:class:`~harsanyi.errors.SampledRunError` saying why (:func:`exhaustive`), never computed on
zeros.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from harsanyi.analysis.guard import exhaustive
from harsanyi.analysis.tracking import Tracking
from harsanyi.dynamics.groups import FiveGroups, GroupRule, classify_curves
from harsanyi.errors import TheoryInputError
from harsanyi.metrics.tracking import tracking_quality
from harsanyi.store import Split
from harsanyi.store.union import SampledRunArrays

__all__ = ["exhaustive", "sampled_groups", "sampled_top_table", "sampled_tracking"]


def sampled_groups(arr: SampledRunArrays, *, k: int = 100, rule: GroupRule | None = None,
                   split: Split = "all") -> FiveGroups:
    """Paper C's five groups of each sample's top ``k`` atoms on the union curves.

    The candidates of sample ``x`` are the atoms of its union ``U_x`` (AND and OR pooled),
    ranked by ``max_t |I_t(T)|`` of the refitted curves; ``masks`` are uint64 bitmasks.
    """
    sub = arr.select(split)
    if sub.epochs.size < 2:
        raise TheoryInputError("the five groups need at least 2 checkpoints; the store has "
                               f"{sub.epochs.size}")
    rule = rule or GroupRule()
    strength = np.where(sub.in_union, np.abs(sub.curves).max(axis=0), -np.inf)  # (B, A)
    sizes = sub.in_union.sum(axis=1)
    if not sizes.min():
        raise TheoryInputError(f"sample {int(np.argmin(sizes))} has no atom found at any "
                               "checkpoint: nothing to classify (its curves would be zeros)")
    kk = min(int(k), int(sizes.min()))
    top = np.argsort(-strength, axis=1, kind="stable")[:, :kk]
    b_idx = np.arange(strength.shape[0])[:, None]
    curves = np.moveaxis(sub.curves, 0, -1)[b_idx, top]  # (B, kk, K)
    orders = np.array([bin(int(s)).count("1") for s in sub.support], dtype=np.int64)
    return FiveGroups(curves=curves, kinds=sub.is_or[top].astype(np.int64),
                      masks=sub.support[top], orders=orders[top],
                      labels=classify_curves(curves, rule), epochs=sub.epochs, rule=rule,
                      n=sub.n)


def sampled_tracking(arr: SampledRunArrays, *, k: int = 20) -> Tracking:
    """Tracking quality of a sampled run: the extraction's change beside the union refit's.

    Per pair of consecutive checkpoints, the median over samples of the relative L1 change
    and the top-``k`` overlap of the atoms each checkpoint's extraction found (``found``)
    and of the union refit (``curves``); the refit takes the place of the Möbius
    interactions of an exhaustive run.
    """
    if arr.epochs.size < 2:
        raise TheoryInputError("tracking quality needs at least two checkpoints")
    out = tracking_quality(arr.found, arr.curves, k=k)
    med = {name: np.median(values, axis=-1) for name, values in out.items()}
    return Tracking(start=arr.epochs[:-1], end=arr.epochs[1:],
                    split_change=med["split_change"], mobius_change=med["mobius_change"],
                    split_overlap=med["split_overlap"], mobius_overlap=med["mobius_overlap"],
                    k=int(k), selection="sparse (per-checkpoint LP)",
                    reference="union-of-supports refit")


def sampled_top_table(arr: SampledRunArrays, top_k: int = 10, samples: int = 3) -> pd.DataFrame:
    """Return the ``top_k`` atoms of the first ``samples`` samples at every checkpoint.

    Columns ``epoch, sample, kind, players, order, value, found, mask``; ``found`` is the
    value the checkpoint's own extraction gave (0: it missed the atom there).
    """
    rows = []
    rowsets = arr.rows
    for t, epoch in enumerate(arr.epochs):
        for b in range(min(samples, arr.in_union.shape[0])):
            vals = np.where(arr.in_union[b], arr.curves[t, b], 0.0)
            for j in np.argsort(-np.abs(vals), kind="stable")[:top_k]:
                if vals[j] == 0.0:
                    continue
                who = np.flatnonzero(rowsets[j])
                sep = " | " if arr.is_or[j] else " & "
                rows.append({"epoch": int(epoch), "sample": b,
                             "kind": "or" if arr.is_or[j] else "and",
                             "players": sep.join(arr.players[i] for i in who),
                             "order": len(who), "value": float(vals[j]),
                             "found": float(arr.found[t, b, j]), "mask": int(arr.support[j])})
    return pd.DataFrame(rows, columns=["epoch", "sample", "kind", "players", "order", "value",
                                       "found", "mask"])
