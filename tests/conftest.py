"""Fixtures shared across test folders: a tiny zoo MLP trained for a few epochs."""

from __future__ import annotations

import pytest
import torch

from harsanyi.zoo import get_model, make_and_or_task, train


@pytest.fixture(scope="session")
def trained_run(tmp_path_factory):
    """A zoo training run folder (manifest + epoch_XXXX.pt for epochs 0..6) and its data."""
    ds = make_and_or_task(400, seed=0).with_label_noise(0.05, seed=1)
    model = get_model("mlp5", in_features=10, n_classes=2, width=16, seed=0)
    out = tmp_path_factory.mktemp("train") / "run"
    torch.manual_seed(0)
    run = train(model, ds, out, epochs=6, lr=0.05, batch_size=32)
    return {"dir": out, "dataset": ds, "run": run}
