"""Shared fixtures: a tiny MLP trained for a few epochs, checkpointed every epoch."""

from __future__ import annotations

import numpy as np
import pytest
from monitor_setup import make_monitor


@pytest.fixture(scope="session")
def samples(trained_run):
    """6 train + 4 test samples: inputs, targets, split, ids and flipped flags."""
    ds = trained_run["dataset"]
    tr = [*np.flatnonzero(ds.flipped)[:2].tolist(), 0, 1, 2, 3]
    te = [0, 1, 2, 3]
    X = np.concatenate([ds.X_train[tr], ds.X_test[te]])
    y = np.concatenate([ds.y_train[tr], ds.y_test[te]])
    flipped = np.concatenate([ds.flipped[tr], np.zeros(len(te), bool)])
    return {"inputs": X, "targets": y, "split": ["train"] * len(tr) + ["test"] * len(te),
            "ids": tr + te, "flipped": flipped}


@pytest.fixture(scope="session")
def serial_store(trained_run, samples, tmp_path_factory):
    """The run store of a serial offline run over the 7 checkpoints."""
    out = tmp_path_factory.mktemp("mon") / "serial"
    return make_monitor(out, samples).run(trained_run["dir"], executor="serial", progress=False)
