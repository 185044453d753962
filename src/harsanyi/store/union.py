"""Curves of a sampled run on the union of the supports found (``RUN/union/``).

The sparse extraction at one checkpoint can miss an atom that it finds at the others (its
value falls under the noise bound, or an equally sparse alternative wins); read naively, its
curve would drop to a false zero there. So, per sample ``x``, the union ``U_x`` of the atoms
found *salient* at any checkpoint (``|I_t(T)| ≥ UNION_SALIENT · max_T' |I_t(T')|`` at some
``t``, ratio 0.05 as the papers' salient threshold; [RECON] ours: the atoms below it at every
checkpoint are left out, because a union of every tiny atom grows to nearly as many atoms as
fit masks on trained models, and its least squares then fits noise) is refitted at every
checkpoint ``t`` by least squares on the stored values of the design's fit masks
(:func:`harsanyi.extract.sparse.refit`, no model call):

``min Σ_{S fit} (v_t(x_S) − I_t(∅) − Σ_{T ∈ U_x, AND, T ⊆ S} I_t(T) − Σ_{T ∈ U_x, OR,
T ∩ S ≠ ∅} I_t(T))²``.

The result (:class:`SampledRunArrays`, what :meth:`RunStore.arrays` returns for a sampled run)
lists the atoms of all samples (``support`` uint64 bitmasks, ``is_or``), ``in_union``
``(B, A)`` (the atoms of each sample's union; the others are 0 by construction, not missed),
the refitted ``curves`` ``(K, B, A)``, the per-checkpoint extraction ``found`` ``(K, B, A)``
and held-out R² of both. The monitor writes it after its checkpoints
(:func:`write_union`); a reader whose stored union does not cover the finished checkpoints
recomputes it in memory.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from harsanyi.errors import StoreError
from harsanyi.extract.sparse import refit, union_support
from harsanyi.extract.sparse_result import SparseInteractions
from harsanyi.games.sampled import SampledGame
from harsanyi.store.arrays import RunHeader, Split, split_rows
from harsanyi.store.record import read_derived
from harsanyi.store.sampled import from_bitmasks, sparse_from_arrays, to_bitmasks
from harsanyi.store.verify import readable_checkpoints
from harsanyi.store.writers import write_derived

if TYPE_CHECKING:
    from harsanyi.store.runstore import RunStore

__all__ = ["UNION", "UNION_SALIENT", "SampledRunArrays", "read_sampled_arrays", "union_arrays",
           "write_union"]

#: Name of the derived group holding the union curves.
UNION = "union"
#: An atom enters a sample's union when ``|I_t(T)| ≥ UNION_SALIENT · max|I_t|`` at some ``t``.
UNION_SALIENT = 0.05
_STORED = ("epochs", "support", "is_or", "in_union", "curves", "found", "intercept",
           "holdout_r2", "found_r2")


@dataclass(frozen=True, kw_only=True)
class SampledRunArrays(RunHeader):
    """A sampled run's curves on the union of supports, over its ``K`` finished checkpoints.

    ``support`` ``(A,)`` uint64 bitmasks and ``is_or`` ``(A,)``: every atom of every
    sample's union; ``in_union`` ``(B, A)``; ``curves`` ``(K, B, A)`` refitted values (0 off
    a sample's union); ``found`` ``(K, B, A)`` the values each checkpoint's extraction found
    (0 where it dropped the atom); ``intercept``, ``holdout_r2`` (refit) and ``found_r2``
    (extraction) ``(K, B)``; the rest as in :class:`~harsanyi.store.arrays.RunHeader`.
    ``sampled`` is True: an analysis that needs all ``2**n`` values checks it and says why it
    is skipped.
    """

    support: np.ndarray
    is_or: np.ndarray
    in_union: np.ndarray
    curves: np.ndarray
    found: np.ndarray
    intercept: np.ndarray
    holdout_r2: np.ndarray
    found_r2: np.ndarray
    sampled: bool = True

    @property
    def rows(self) -> np.ndarray:
        """The atoms as boolean rows ``(A, n)``."""
        return from_bitmasks(self.support, self.n)

    @property
    def masks_evaluated(self) -> int:
        """Masks of the design evaluated per sample and checkpoint (model calls)."""
        return int((self.config.get("sampling") or {}).get("m", 0))

    def select(self, split: Split = "all") -> SampledRunArrays:
        """Return the same arrays for the ``"train"`` or ``"test"`` samples (as RunArrays)."""
        keep = split_rows(self.split, split, self.path)
        if keep is None:
            return self
        return replace(self, in_union=self.in_union[keep], curves=self.curves[:, keep],
                       found=self.found[:, keep], intercept=self.intercept[:, keep],
                       holdout_r2=self.holdout_r2[:, keep], found_r2=self.found_r2[:, keep],
                       split=self.split[keep])


def _salient_atoms(found: SparseInteractions, ratio: float) -> SparseInteractions:
    """Keep the atoms of a one-sample result with ``|I(T)| ≥ ratio · max |I|`` (none if 0)."""
    top = float(np.abs(found.values).max(initial=0.0))
    if top == 0.0:
        return found.salient(np.inf)
    return found.salient(ratio * top * (1 - 1e-12))


def union_arrays(store: RunStore, epochs: list[int], salient: float = UNION_SALIENT
                 ) -> dict[str, np.ndarray]:
    """Refit every checkpoint of ``epochs`` on each sample's union of salient supports.

    No model call: the stored values of the design's fit masks. ``salient``: the ratio of the
    salient rule (default :data:`UNION_SALIENT`; 0 keeps every atom found).
    """
    design, players = store.design(), store.players
    recs = [store.read(e).arrays for e in epochs]
    found = [sparse_from_arrays(r, players) for r in recs]
    B = recs[0]["game_values"].shape[0]
    per_sample = []
    for b in range(B):
        sup, is_or = union_support([_salient_atoms(res[b], salient) for res in found])
        values = np.stack([r["game_values"][b] for r in recs])  # (K, m)
        per_sample.append((to_bitmasks(sup), is_or,
                           refit(SampledGame(values, design, players), sup, is_or)))
    keys: dict[tuple[bool, int], int] = {}
    for bits, is_or, _ in per_sample:
        for o, s in zip(is_or, bits, strict=True):
            keys.setdefault((bool(o), int(s)), len(keys))
    K, A = len(epochs), len(keys)
    out = {"in_union": np.zeros((B, A), bool), "curves": np.zeros((K, B, A)),
           "found": np.zeros((K, B, A)), "intercept": np.zeros((K, B)),
           "holdout_r2": np.zeros((K, B)),
           "found_r2": np.stack([np.asarray(r["holdout_r2"], np.float64) for r in recs])}
    for b, (bits, is_or, fit) in enumerate(per_sample):
        idx = [keys[(bool(o), int(s))] for o, s in zip(is_or, bits, strict=True)]
        out["in_union"][b, idx] = True
        out["curves"][:, b, idx] = fit.values
        out["intercept"][:, b] = fit.intercept
        out["holdout_r2"][:, b] = fit.holdout_r2
    for k, r in enumerate(recs):
        for j, (o, s) in enumerate(zip(r["is_or"], r["support"], strict=True)):
            col = keys.get((bool(o), int(s)))
            if col is not None:  # (an atom no sample uses has no column)
                out["found"][k, :, col] = r["atom_values"][:, j]
    atoms = list(keys)
    return {"epochs": np.asarray(epochs, np.int64),
            "support": np.array([s for _, s in atoms], dtype=np.uint64),
            "is_or": np.array([o for o, _ in atoms], dtype=bool), **out}


def write_union(store: RunStore) -> Path:
    """Compute the union curves of every finished checkpoint and store them in ``RUN/union/``."""
    epochs = store.completed()
    if not epochs:
        raise StoreError(f"the run store {store.path} has no finished checkpoint to refit")
    arrays = union_arrays(store, epochs)
    return write_derived(store.path, UNION, arrays,
                         {"epochs": epochs, "salient": UNION_SALIENT,
                          "fingerprint": (store.config.get("sampling") or {}).get(
                              "fingerprint")})


def read_sampled_arrays(store: RunStore, split: Split = "all") -> SampledRunArrays:
    """Return the union curves of a sampled run (stored, or recomputed when out of date)."""
    epochs = readable_checkpoints(store)
    if not epochs:
        raise StoreError(f"the run store {store.path} has no finished checkpoint yet; run "
                         f"`harsanyi monitor` to fill it")
    got = read_derived(store.path, UNION)
    fingerprint = (store.config.get("sampling") or {}).get("fingerprint")
    if got is not None and list(got[1].get("epochs", [])) == epochs \
            and got[1].get("fingerprint") == fingerprint \
            and got[1].get("salient") == UNION_SALIENT:
        arrays = got[0]
    else:
        arrays = union_arrays(store, epochs)
    labels = np.asarray(store.samples.get("split") or ["all"] * arrays["in_union"].shape[0])
    losses = store.losses(epochs)
    arr = SampledRunArrays(
        **{k: arrays[k] for k in _STORED}, train_loss=losses["train_loss"],
        test_loss=losses["test_loss"], split=labels, players=list(store.players),
        path=Path(store.path), config=dict(store.config))
    return arr.select(split)
