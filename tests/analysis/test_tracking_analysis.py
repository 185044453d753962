"""Tracking quality of a run: the split's change between checkpoints beside the Möbius one."""

from __future__ import annotations

import numpy as np

from harsanyi.analysis import analyse_run, analyse_tracking
from harsanyi.core.transforms import mobius


def test_tracking_of_the_planted_store(planted_store):
    arr = planted_store.arrays()
    tr = analyse_tracking(arr, k=5)
    assert tr.start.tolist() == arr.epochs[:-1].tolist()
    assert tr.end.tolist() == arr.epochs[1:].tolist()
    # by hand: the first pair's median relative L1 change of the Möbius interactions
    m = mobius(arr.values)[..., 1:]
    change = np.abs(m[1] - m[0]).sum(-1) / np.abs(m[0]).sum(-1)
    np.testing.assert_allclose(tr.mobius_change[0], np.median(change))
    assert ((tr.split_overlap >= 0) & (tr.split_overlap <= 1)).all()
    assert tr.selection == "vertex" and "Tracking quality (vertex split)" in tr.finding()
    assert list(tr.table().columns)[:2] == ["from epoch", "to epoch"]
    res = analyse_run(planted_store, top_k=5, save=False)
    assert res.tracking is not None and len(res.tracking.start) == arr.epochs.size - 1
