"""Shared fixtures: a planted two-phase run store (analysis and CLI tests) and a tiny zoo MLP
trained for a few epochs (monitor, loading and CLI tests)."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pytest
import torch

from harsanyi.core.orders import order_of_masks
from harsanyi.extract.matching import reconstruct
from harsanyi.store import RunStore
from harsanyi.theory import TwoPhaseModel
from harsanyi.zoo import get_model, make_and_or_task, train

N = 5
EPOCHS = np.arange(12) * 2  # 0, 2, ..., 22
SIGMA2 = np.concatenate([[np.nan, np.nan], np.logspace(0, -4, 9), [0.0]])  # phase 2 from t=2


def _planted(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """AND/OR interactions (K, 4 samples, 2**N): spindle-shaped noise at t = 0, 1, then
    ŵ = M̂(σ²_t) w* with decreasing σ² (paper A's second phase)."""
    orders = order_of_masks(N)
    w_and = np.zeros((4, 2**N))
    for k, count in ((1, 4), (2, 3), (3, 2)):
        for x in range(4):
            sel = rng.choice(np.flatnonzero(orders == k), count, replace=False)
            w_and[x, sel] = rng.uniform(0.5, 1.0, count) * rng.choice([-1, 1], count)
    w_and[:, 0] = 0.3
    w_or = 0.3 * np.roll(w_and, 1, axis=1)
    w_or[:, orders <= 1] = 0.0
    model = TwoPhaseModel(N)
    a = np.empty((12, 4, 2**N))
    o = np.empty_like(a)
    a[2:], o[2:] = model.w_hat(w_and, SIGMA2[2:]), model.w_hat(w_or, SIGMA2[2:])
    for t in (0, 1):
        a[t] = rng.normal(size=(4, 2**N)) * 0.05 * np.sqrt(2.0**orders)
        o[t] = rng.normal(size=(4, 2**N)) * 0.05 * np.sqrt(2.0**orders)
        o[t][:, orders <= 1] = 0.0
    return a, o


@pytest.fixture(scope="session")
def planted_interactions():
    """The function that plants AND/OR interactions ``(12, 4, 2**5)`` from a generator."""
    return _planted


@pytest.fixture(scope="session")
def planted_store(tmp_path_factory):
    """A run store of the planted interactions at epochs 0, 2, ..., 22 (2 train + 2 test
    samples, n = 5): phase 2 from epoch 4, the loss gap grows after epoch 8."""
    a, o = _planted(np.random.default_rng(0))
    path = tmp_path_factory.mktemp("store") / "run"
    st = RunStore.create(path, {"planted": True}, players=[f"p{i}" for i in range(N)],
                         samples={"split": ["train", "train", "test", "test"]})
    train = 1.0 / (1.0 + EPOCHS)
    gap = np.where(np.arange(12) <= 4, 0.0, 0.5 * (np.arange(12) - 4))  # grows after t = 4
    for t, e in enumerate(EPOCHS):
        v = reconstruct(a[t], o[t])
        z = np.zeros_like(v)
        st.write_checkpoint(int(e), {"values": v, "and_values": a[t], "or_values": o[t],
                                     "gamma": z, "q": z, "bound": z[:, 0],
                                     "residual": z[:, 0], "objective": z[:, 0]},
                            {"train_loss": train[t], "test_loss": train[t] + gap[t]})
    return st


@pytest.fixture(scope="session")
def trained_run(tmp_path_factory):
    """A zoo training run folder (manifest + epoch_XXXX.pt for epochs 0..6) and its data."""
    ds = make_and_or_task(400, seed=0).with_label_noise(0.05, seed=1)
    model = get_model("mlp5", in_features=10, n_classes=2, width=16, seed=0)
    out = tmp_path_factory.mktemp("train") / "run"
    torch.manual_seed(0)
    run = train(model, ds, out, epochs=6, lr=0.05, batch_size=32)
    return {"dir": out, "dataset": ds, "run": run}


@pytest.fixture
def one_thread() -> Iterator[None]:
    """One torch thread for a test that trains tiny models (fastest, and fair to a busy CPU)."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)
