"""A tiny planted run store for examples and tests: :func:`example_store`."""

from __future__ import annotations

import tempfile

import numpy as np

from harsanyi.core.orders import order_of_masks
from harsanyi.extract.matching import reconstruct
from harsanyi.store import RunStore
from harsanyi.theory.two_phase import TwoPhaseModel

__all__ = ["example_store"]


def example_store(n: int = 4, checkpoints: int = 6) -> RunStore:
    """Build a planted run store in a temporary folder.

    A planted run store in a temporary folder: 2 train + 2 test samples whose interactions
    move from noise to paper A's ``ŵ = M̂(σ²_t) w*`` with decreasing ``σ²_t``; the loss gap
    grows late.

    >>> st = example_store()
    >>> st.n, st.completed()
    (4, [0, 1, 2, 3, 4, 5])
    """
    rng = np.random.default_rng(0)
    orders = order_of_masks(n)
    w = np.where(orders[None] <= 2, rng.uniform(0.5, 1.0, (4, 2**n)), 0.0)
    sig = np.concatenate([[1e3], np.logspace(0, -4, checkpoints - 1)])
    a = TwoPhaseModel(n).w_hat(w, sig)
    a[0] = rng.normal(size=a[0].shape) * np.sqrt(2.0**orders)
    st = RunStore.create(tempfile.mkdtemp() + "/run", {"example": True},
                         players=[f"p{i}" for i in range(n)],
                         samples={"split": ["train", "train", "test", "test"]})
    for t in range(checkpoints):
        v, z = reconstruct(a[t]), np.zeros((4, 2**n))
        st.write_checkpoint(t, {"values": v, "and_values": a[t], "or_values": z},
                            {"train_loss": 1 / (1 + t), "test_loss": 1 / (1 + t) + 0.1 * t**2})
    return st
