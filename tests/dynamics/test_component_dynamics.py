"""Component dynamics (paper C): the monitor with a component game over checkpoints."""

from __future__ import annotations

import numpy as np
import pytest
from monitor_setup import FACTORY

from harsanyi.dynamics.component_dynamics import component_dynamics
from harsanyi.dynamics.monitor import Monitor
from harsanyi.errors import PlayerError, StoreError
from harsanyi.extract import mobius
from harsanyi.games.components import capture_features, component_game
from harsanyi.games.factories import ComponentGame
from harsanyi.loading import find_checkpoints, load_into


def test_component_dynamics_over_checkpoints(trained_run, samples, tmp_path):
    ds = trained_run["dataset"]
    x, mean_x = samples["inputs"][:3], ds.X_train.mean(0)
    kw = {"targets": samples["targets"][:3], "r": 4, "kind": "and", "q_bound": 0.0,
          "batch_size": 64}
    res = component_dynamics(trained_run["dir"], FACTORY, "feature", x, mean_x,
                             out=tmp_path / "c", **kw)
    assert res.arrays["and_values"].shape == (7, 3, 16)
    assert res.store.players == ["c0", "c1", "c2", "c3"]
    np.testing.assert_array_equal(res.store.read_array("directions"), res.components.directions)
    # epoch 4 recomputed by hand with the same components
    ck = find_checkpoints(trained_run["dir"])[4]
    net = load_into(FACTORY.build(), ck.path).eval()
    base = capture_features(net, "feature", mean_x[None].astype(np.float32))[0]
    game = component_game(net, "feature", x, res.components, base, target=kw["targets"],
                          batch_size=64)
    np.testing.assert_allclose(res.arrays["values"][4], game.values, atol=1e-12)
    np.testing.assert_allclose(res.arrays["and_values"][4], mobius(game).and_values,
                               atol=1e-12)
    # resume reads everything back; changed components are refused
    again = component_dynamics(trained_run["dir"], FACTORY, "feature", x, mean_x,
                               out=tmp_path / "c", resume=True, **kw)
    np.testing.assert_array_equal(again.arrays["values"], res.arrays["values"])
    per = component_dynamics(trained_run["dir"], FACTORY, "feature", x, mean_x,
                             **{**kw, "r": 3}, mode="per_sample")
    assert per.components.directions.shape == (3, 3, 16)
    with pytest.raises(PlayerError, match="at least r\\+1 = 8 checkpoints"):
        component_dynamics(trained_run["dir"], FACTORY, "feature", x, mean_x,
                           **{**kw, "r": 7}, mode="per_sample")
    res.store.write_array("mean2", np.zeros(1))
    (tmp_path / "c" / "extra" / "directions").rename(tmp_path / "c" / "extra" / "old")
    res.store.write_array("directions", np.ones_like(res.components.directions))
    with pytest.raises(StoreError, match="components recomputed from the checkpoints differ"):
        component_dynamics(trained_run["dir"], FACTORY, "feature", x, mean_x,
                           out=tmp_path / "c", resume=True, **kw)


def test_monitor_runs_a_component_game_on_a_pool(trained_run, samples, tmp_path):
    """The component view is configuration: the pooled monitor equals the serial wrapper."""
    ds = trained_run["dataset"]
    x, mean_x = samples["inputs"][:4], ds.X_train.mean(0)
    ref = component_dynamics(trained_run["dir"], FACTORY, "feature", x, mean_x,
                             targets=samples["targets"][:4], r=3, kind="and", q_bound=0.0,
                             warm_start=False)

    def monitor(name: str) -> Monitor:
        return Monitor(tmp_path / name, x, targets=samples["targets"][:4], model=FACTORY,
                       game=ComponentGame("feature", r=3, mean_input=mean_x), kind="and",
                       q_bound=0.0, samples_per_task=3)

    mon = monitor("pool")
    assert mon.players == ["c0", "c1", "c2"]
    with pytest.raises(ValueError, match=r"use Monitor.run"):
        mon.on_epoch_end(FACTORY.build(), 0)
    pool = mon.run(trained_run["dir"], executor="process", workers=2, progress=False)
    serial = monitor("serial").run(trained_run["dir"], executor="serial", progress=False)
    assert pool.completed() == serial.completed() == list(range(7))
    for e in pool.completed():
        np.testing.assert_array_equal(pool.read(e).arrays["values"],
                                      serial.read(e).arrays["values"])
        # other sample batches: the float32 network differs in the last bits only
        np.testing.assert_allclose(pool.read(e).arrays["values"], ref.arrays["values"][e],
                                   rtol=0, atol=1e-6)
    assert pool.config["game"] == "components" and pool.config["layer"] == "feature"
