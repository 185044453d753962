"""The Lightning callback on a tiny LightningModule (2 epochs on the CPU)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

pytest.importorskip("lightning")
pytestmark = pytest.mark.filterwarnings("ignore:.*treespec")

import lightning as L  # noqa: E402
from monitor_setup import PLAYERS  # noqa: E402

from harsanyi.dynamics.lightning import InteractionCallback  # noqa: E402
from harsanyi.dynamics.monitor import Monitor  # noqa: E402
from harsanyi.games import model_game  # noqa: E402
from harsanyi.zoo import get_model  # noqa: E402


class Tiny(L.LightningModule):
    def __init__(self) -> None:
        super().__init__()
        self.net = get_model("mlp5", in_features=10, n_classes=2, width=16, seed=0)

    def forward(self, x):
        return self.net(x)

    def training_step(self, batch, _):
        x, y = batch
        loss = torch.nn.functional.cross_entropy(self(x), y)
        self.log("train_loss", loss, on_step=False, on_epoch=True)
        return loss

    def validation_step(self, batch, _):
        x, y = batch
        self.log("val_loss", torch.nn.functional.cross_entropy(self(x), y), on_epoch=True)

    def configure_optimizers(self):
        return torch.optim.SGD(self.parameters(), lr=0.05, momentum=0.9)


def _loader(X, y, shuffle):
    ds = torch.utils.data.TensorDataset(torch.from_numpy(X), torch.from_numpy(y))
    return torch.utils.data.DataLoader(ds, batch_size=32, shuffle=shuffle)


def test_lightning_callback_records_every_epoch(trained_run, samples, tmp_path):
    ds = trained_run["dataset"]
    mon = Monitor(tmp_path / "run", samples["inputs"], targets=samples["targets"],
                  split=samples["split"], players=PLAYERS, kind="and", q_bound=0.0,
                  batch_size=64, source="lightning")
    module = Tiny()
    trainer = L.Trainer(max_epochs=2, accelerator="cpu", logger=False,
                        enable_checkpointing=False, enable_progress_bar=False,
                        enable_model_summary=False, num_sanity_val_steps=0,
                        callbacks=[InteractionCallback(mon, model_attr="net")])
    trainer.fit(module, _loader(ds.X_train, ds.y_train, True),
                _loader(ds.X_test, ds.y_test, False))
    store = mon.store
    assert store.completed() == [0, 1, 2]
    losses = store.losses()
    assert np.isnan(losses["train_loss"][0])  # nothing logged before training
    assert np.isfinite(losses["train_loss"][1:]).all()
    assert np.isfinite(losses["test_loss"][1:]).all()
    assert losses["test_loss"][2] == pytest.approx(float(trainer.callback_metrics["val_loss"]))
    game = model_game(module.net.eval(), samples["inputs"], PLAYERS, target=samples["targets"],
                      batch_size=64)
    np.testing.assert_array_equal(store.read(2).arrays["values"], game.values)
    assert not np.array_equal(store.read(0).arrays["values"], game.values)
