"""The monitor's sampled runs: one design for every checkpoint, sparse results in the store.

A monitor with ``budget=B`` (``harsanyi monitor --budget B``) builds one
:class:`~harsanyi.games.design.SampleDesign` from ``(n, B, design_seed)`` when it resolves
its players. That design's description (with its ``fingerprint``) is part of the run's
configuration, its masks are stored once (``extra/design_masks``, ``extra/design_fit``), every
checkpoint's batches must carry the same fingerprint, and a resumed run with another design is
refused (:class:`~harsanyi.errors.DesignMismatchError`). After the checkpoints the monitor
refits each sample's union of supports at every checkpoint (:mod:`harsanyi.store.union`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from harsanyi.dynamics.engine import BatchResult
from harsanyi.errors import DesignMismatchError
from harsanyi.games.design import SampleDesign
from harsanyi.store import RunStore
from harsanyi.store.sampled import concat_sparse, design_arrays

__all__ = ["merge_sampled", "store_design"]


def store_design(store: RunStore, design: SampleDesign) -> None:
    """Store the design's masks once (a resumed run checks them against its fingerprint)."""
    if store.read_array("design_masks") is None:
        for name, data in design_arrays(design).items():
            if store.read_array(name) is None:
                store.write_array(name, data)
    elif store.design() != design:
        raise DesignMismatchError(f"the run store {store.path} holds the masks of another "
                                  "design than its configuration: it cannot be resumed")


def merge_sampled(parts: Mapping[int, BatchResult], n_batches: int,
                  fingerprint: str) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
    """One checkpoint's arrays and metadata from its batches (in sample order).

    Every batch must have been evaluated on the design ``fingerprint``
    (:class:`~harsanyi.errors.DesignMismatchError` otherwise); the certificates are
    concatenated per sample.
    """
    for b in range(n_batches):
        got = (parts[b].metadata.get("design") or {}).get("fingerprint")
        if got != fingerprint:
            raise DesignMismatchError(f"batch {b} was evaluated on design {got}, the run on "
                                      f"{fingerprint}: every checkpoint must use the same masks")
    arrays = concat_sparse([parts[b].arrays for b in range(n_batches)])
    meta = {k: v for k, v in parts[0].metadata.items()
            if k not in ("target", "certificate", "v_full", "f_x")}
    for key in ("certificate", "v_full", "f_x"):
        meta[key] = [x for b in range(n_batches) for x in parts[b].metadata.get(key) or []]
    return arrays, meta
