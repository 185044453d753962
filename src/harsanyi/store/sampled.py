"""Sampled checkpoints in a run store: sparse atoms as bitmasks, the game's values, the design.

A run monitored with a budget (``Monitor(..., budget=B)``) evaluates the masks of one
:class:`~harsanyi.games.design.SampleDesign` at every checkpoint. Its store holds nothing of
size ``2**n``; each checkpoint group holds (``B`` samples, ``m`` masks, ``A`` atoms: the union
of the atoms its samples use)::

    game_values   (B, m) float64   v(x_S) on the design's masks, in its row order
    support       (A,) uint64      the atom's players as a bitmask (player i = bit i; n <= 64)
    is_or         (A,) bool        OR atom (else AND)
    atom_values   (B, A) float64   I_and(T) or I_or(T); 0 where a sample does not use the atom
    intercept     (B,)             I_and(∅) = v(∅) + q_∅
    residual, holdout_r2, holdout_error   (B,)   as SparseInteractions reports them
    optimal       (B,) bool        the certificate: optimal over the fit masks and candidates
    would_enter   (B,) int64       atoms of order <= max_order outside the candidates that
                                   would still lower the L1 norm on the fit masks
    exact         (B,) bool        whether that last pricing was exhaustive

and the certificates' full text in its attributes (``metadata.certificate``). The design's
masks are stored once as run-level arrays (``extra/design_masks`` bit-packed uint64,
``extra/design_fit`` bool) and its description (with its ``fingerprint``) in the run's
configuration under ``sampling``, so that a refit never needs the model again.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from harsanyi.errors import DesignMismatchError, ShapeError, StoreError
from harsanyi.extract.sparse_result import SparseInteractions
from harsanyi.games.design import SampleDesign

__all__ = [
    "SPARSE_ARRAYS",
    "check_sampling",
    "concat_sparse",
    "design_arrays",
    "design_from_arrays",
    "from_bitmasks",
    "sampling_of",
    "sparse_arrays",
    "sparse_from_arrays",
    "to_bitmasks",
]

#: Arrays of a sampled checkpoint (see the module docstring).
SPARSE_ARRAYS = ("game_values", "support", "is_or", "atom_values", "intercept", "residual",
                 "holdout_r2", "holdout_error", "optimal", "would_enter", "exact")
_PER_SAMPLE = ("intercept", "residual", "holdout_r2", "holdout_error", "optimal",
               "would_enter", "exact")
_BITS = 64


def to_bitmasks(support: np.ndarray) -> np.ndarray:
    """Boolean rows ``(k, n)`` (``n <= 64``) as uint64 bitmasks, player ``i`` = bit ``i``.

    >>> to_bitmasks(np.array([[True, False, True], [False, True, False]])).tolist()
    [5, 2]
    """
    sup = np.asarray(support, dtype=bool)
    if sup.ndim != 2 or sup.shape[1] > _BITS:
        raise ShapeError(f"bitmasks hold at most {_BITS} players; got support {sup.shape}")
    weights = np.left_shift(np.uint64(1), np.arange(sup.shape[1], dtype=np.uint64))
    return np.bitwise_or.reduce(np.where(sup, weights, np.uint64(0)), axis=1,
                                initial=np.uint64(0)).astype(np.uint64)


def from_bitmasks(bits: np.ndarray, n: int) -> np.ndarray:
    """uint64 bitmasks ``(k,)`` back to boolean rows ``(k, n)``.

    >>> from_bitmasks(np.array([5], np.uint64), 3).tolist()
    [[True, False, True]]
    """
    b = np.asarray(bits, dtype=np.uint64).reshape(-1, 1)
    return ((b >> np.arange(n, dtype=np.uint64)) & np.uint64(1)).astype(bool)


def sparse_arrays(res: SparseInteractions, game_values: np.ndarray) -> dict[str, np.ndarray]:
    """Return the arrays of one batch of samples (``res`` and its game's values ``(B, m)``).

    >>> I = SparseInteractions(np.array([[True, True]]), [True], [[2.0]], np.zeros(1),
    ...                        np.zeros(1))
    >>> a = sparse_arrays(I, np.zeros((1, 6))); a["support"].tolist(), a["optimal"].tolist()
    ([3], [False])
    """
    vals = np.atleast_2d(res.values)
    B = vals.shape[0]
    certs = list(res.metadata.get("certificate") or [{}] * B)
    outside = [c.get("outside_candidates") or {} for c in certs]
    per = {k: np.asarray(getattr(res, k), np.float64).reshape(B) for k in
           ("intercept", "residual", "holdout_r2", "holdout_error")}
    return {"game_values": np.asarray(game_values, np.float64).reshape(B, -1),
            "support": to_bitmasks(res.support), "is_or": res.is_or.astype(bool),
            "atom_values": vals, **per,
            "optimal": np.array([bool(c.get("optimal", False)) for c in certs]),
            "would_enter": np.array([int(o.get("would_enter", -1)) for o in outside],
                                    dtype=np.int64),
            "exact": np.array([bool(o.get("exact", False)) for o in outside])}


def concat_sparse(parts: Sequence[Mapping[str, np.ndarray]]) -> dict[str, np.ndarray]:
    """Concatenate batches in sample order on the union of their atoms (absent atoms: 0).

    >>> a = {"support": np.array([1], np.uint64), "is_or": np.array([False]),
    ...      "atom_values": np.array([[1.0]]), "game_values": np.zeros((1, 4)),
    ...      **{k: np.zeros(1) for k in _PER_SAMPLE}}
    >>> b = {**a, "support": np.array([2], np.uint64), "atom_values": np.array([[3.0]])}
    >>> concat_sparse([a, b])["atom_values"].tolist()
    [[1.0, 0.0], [0.0, 3.0]]
    """
    keys: dict[tuple[bool, int], int] = {}
    for p in parts:
        for o, s in zip(p["is_or"], p["support"], strict=True):
            keys.setdefault((bool(o), int(s)), len(keys))
    atoms = sorted(keys, key=lambda a: (bin(a[1]).count("1"), a[0], a[1]))
    col = {a: j for j, a in enumerate(atoms)}
    blocks = []
    for p in parts:
        block = np.zeros((p["atom_values"].shape[0], len(atoms)))
        idx = [col[(bool(o), int(s))] for o, s in zip(p["is_or"], p["support"], strict=True)]
        block[:, idx] = p["atom_values"]
        blocks.append(block)
    out = {"support": np.array([s for _, s in atoms], dtype=np.uint64),
           "is_or": np.array([o for o, _ in atoms], dtype=bool),
           "atom_values": np.concatenate(blocks),
           "game_values": np.concatenate([p["game_values"] for p in parts])}
    out |= {k: np.concatenate([np.asarray(p[k]) for p in parts]) for k in _PER_SAMPLE}
    return out


def sparse_from_arrays(arrays: Mapping[str, np.ndarray], players: list[str],
                       metadata: dict[str, Any] | None = None) -> SparseInteractions:
    """Return a stored sampled checkpoint as a :class:`SparseInteractions` (samples first)."""
    n = len(players)
    return SparseInteractions(from_bitmasks(arrays["support"], n), arrays["is_or"],
                              arrays["atom_values"], arrays["intercept"], arrays["residual"],
                              arrays["holdout_r2"], arrays["holdout_error"], list(players),
                              dict(metadata or {}))


def design_arrays(design: SampleDesign) -> dict[str, np.ndarray]:
    """Return the run-level arrays of a design: ``design_masks`` (packed), ``design_fit``."""
    return {"design_masks": design.packed, "design_fit": design.fit.astype(bool)}


def design_from_arrays(sampling: Mapping[str, Any], masks: np.ndarray | None,
                       fit: np.ndarray | None) -> SampleDesign:
    """Rebuild the stored design and check it against its fingerprint.

    >>> d = SampleDesign.build(12, budget=80, seed=3)
    >>> a = design_arrays(d)
    >>> design_from_arrays(d.describe(), a["design_masks"], a["design_fit"]) == d
    True
    """
    if masks is None or fit is None:
        raise StoreError("this sampled run store lacks its design (extra/design_masks, "
                         "extra/design_fit); it cannot be refitted")
    n = int(sampling["n"])
    words = np.ascontiguousarray(masks, dtype=np.uint64).reshape(len(fit), -1)
    bits = np.unpackbits(words.view(np.uint8), axis=1, bitorder="little")[:, :n].astype(bool)
    fit = np.asarray(fit, dtype=bool)
    if sampling.get("exhaustive"):
        kind = np.full(len(fit), "all")
    else:
        kind = np.where(fit, "random", "holdout")
        kind[: 2 * n + 2] = "structured"
    design = SampleDesign(n, int(sampling["budget"]), int(sampling["seed"]),
                          float(sampling["holdout"]), bits, fit, kind)
    if design.fingerprint != sampling["fingerprint"]:
        raise StoreError(f"the stored design has fingerprint {design.fingerprint}, the run's "
                         f"configuration says {sampling['fingerprint']}: the store is damaged")
    return design


def sampling_of(config: Mapping[str, Any]) -> dict[str, Any] | None:
    """Return the sampling design described in a run's configuration (``None``: exhaustive run).

    >>> sampling_of({"q_bound": 0.02}) is None, sampling_of({"sampling": {"m": 5}})["m"]
    (True, 5)
    """
    s = config.get("sampling")
    return None if s is None else dict(s)


def _said(s: dict[str, Any] | None) -> str:
    if s is None:
        return "all 2**n masks (no budget)"
    return (f"design {s.get('fingerprint')} (budget {s.get('budget')}, seed {s.get('seed')}, "
            f"holdout {s.get('holdout')})")


def check_sampling(stored: Mapping[str, Any], now: Mapping[str, Any], where: Any) -> None:
    """Refuse to resume a run with another design (:class:`DesignMismatchError`).

    ``stored`` and ``now`` are run configurations; ``where`` names the store.

    >>> check_sampling({"sampling": {"fingerprint": "a"}}, {"sampling": {"fingerprint": "b",
    ...                "budget": 200, "seed": 1}}, "run")
    Traceback (most recent call last):
    ...
    harsanyi.errors.DesignMismatchError: the run store run was sampled with ...
    """
    old, new = sampling_of(stored), sampling_of(now)
    if old == new or (old is not None and new is not None
                      and old.get("fingerprint") == new.get("fingerprint")):
        return
    raise DesignMismatchError(
        f"the run store {where} was sampled with {_said(old)}; this monitor uses "
        f"{_said(new)}. "
        "Every checkpoint of a run must be evaluated on the same masks: resume with the "
        "stored --budget and --design-seed, or choose another --out")
