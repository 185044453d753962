"""The monitor on a real training run: offline, callbacks, parallel backends, resume, errors."""

from __future__ import annotations

import errno
import os

import numpy as np
import pytest
import torch
from monitor_setup import FACTORY, OPTS, PLAYERS, make_monitor

from harsanyi.dynamics import engine
from harsanyi.dynamics.engine import SchedulerUnreachableError, make_backend
from harsanyi.dynamics.monitor import Monitor, monitor_checkpoints
from harsanyi.errors import CheckpointError, ConfigMismatchError, StoreError
from harsanyi.extract import mobius
from harsanyi.games import model_game
from harsanyi.loading import FactorySpec, find_checkpoints, load_into
from harsanyi.store import RunStore
from harsanyi.store import writers as writers_mod
from harsanyi.store.record import ARRAYS_1D, ARRAYS_2D


def _monitor(out, samples, **kw):
    return make_monitor(out, samples, **kw)


def _arrays(store: RunStore) -> dict[int, dict[str, np.ndarray]]:
    return {e: store.read(e).arrays for e in store.completed()}


def _assert_same(a: RunStore, b: RunStore) -> None:
    ra, rb = _arrays(a), _arrays(b)
    assert list(ra) == list(rb)
    for e in ra:
        for k in ra[e]:
            np.testing.assert_array_equal(ra[e][k], rb[e][k], err_msg=f"epoch {e}, {k}")


def test_offline_run_matches_direct_computation(serial_store, trained_run, samples):
    ckpts = find_checkpoints(trained_run["dir"])
    assert serial_store.completed() == [c.epoch for c in ckpts] == list(range(7))
    losses = serial_store.losses()
    np.testing.assert_allclose(losses["train_loss"], trained_run["run"].train_losses)
    np.testing.assert_allclose(losses["test_loss"], trained_run["run"].test_losses)
    assert serial_store.samples["flipped"][:2] == [True, True]
    assert serial_store.samples["split"].count("test") == 4
    assert serial_store.players == ["x0", "x1", "x2", "x3", "x4", "x5"]
    # brute force: rebuild the model at epoch 3, evaluate v on all masks, Möbius transform
    model = load_into(FACTORY.build(), ckpts[3].path).eval()
    game = model_game(model, samples["inputs"], PLAYERS, target=samples["targets"],
                      batch_size=64)
    rec = serial_store.read(3)
    np.testing.assert_array_equal(rec.arrays["values"], game.values)
    np.testing.assert_allclose(rec.arrays["and_values"], mobius(game.values).and_values,
                               atol=1e-12)
    # the interactions changed during training
    first, last = serial_store.read(0).arrays["values"], rec.arrays["values"]
    assert not np.allclose(first, last)


def test_callback_equals_offline(serial_store, trained_run, samples, tmp_path):
    from harsanyi.zoo import get_model, train

    mon = _monitor(tmp_path / "cb", samples)
    model = get_model("mlp5", in_features=10, n_classes=2, width=16, seed=0)
    torch.manual_seed(0)
    train(model, trained_run["dataset"], None, epochs=6, lr=0.05, batch_size=32,
          callback=mon.on_epoch_end)
    _assert_same(mon.store, serial_store)
    np.testing.assert_allclose(mon.store.losses()["test_loss"],
                               serial_store.losses()["test_loss"])
    # resuming a callback run skips stored epochs without recomputing
    again = _monitor(tmp_path / "cb", samples, resume=True)
    inter = again.on_epoch_end(model, 6, train_loss=0.0, test_loss=0.0)
    assert again.stats["tasks"] == 0 and again.stats["checkpoints_skipped"] == 1
    np.testing.assert_array_equal(inter.values, serial_store.read(6).arrays["values"])


def test_resume_skips_finished_checkpoints(serial_store, trained_run, samples, tmp_path):
    ckpts = find_checkpoints(trained_run["dir"])
    first = _monitor(tmp_path / "r", samples)
    first.run(ckpts[:3], executor="serial", progress=False)
    stamps = {e: (tmp_path / "r" / "ckpt" / f"{e:06d}" / "zarr.json").stat().st_mtime_ns
              for e in range(3)}
    again = _monitor(tmp_path / "r", samples, resume=True)
    store = again.run(ckpts, executor="serial", progress=False)
    assert again.stats["checkpoints_skipped"] == 3 and again.stats["checkpoints_written"] == 4
    assert again.stats["tasks"] == 4 * again.n_batches
    for e, t in stamps.items():
        assert (tmp_path / "r" / "ckpt" / f"{e:06d}" / "zarr.json").stat().st_mtime_ns == t
    _assert_same(store, serial_store)
    # without resume an existing run is refused; another config is refused on resume
    with pytest.raises(StoreError, match="already exists"):
        _monitor(tmp_path / "r", samples).run(ckpts, executor="serial", progress=False)
    with pytest.raises(ConfigMismatchError, match="samples_per_task"):
        _monitor(tmp_path / "r", samples, resume=True, samples_per_task=2).run(
            ckpts, executor="serial", progress=False)


def test_disk_full_during_run_keeps_stored_checkpoints(trained_run, samples, tmp_path,
                                                       monkeypatch, serial_store):
    real = writers_mod._write_array
    calls = {"n": 0}

    def flaky(group, name, data):
        calls["n"] += 1
        if calls["n"] > 2 * len(ARRAYS_2D + ARRAYS_1D) + 3:
            raise OSError(errno.ENOSPC, "No space left on device")
        real(group, name, data)

    monkeypatch.setattr(writers_mod, "_write_array", flaky)
    with pytest.raises(StoreError, match="disk full") as info:
        _monitor(tmp_path / "full", samples).run(trained_run["dir"], executor="serial",
                                                 progress=False)
    assert info.value.errno == errno.ENOSPC
    monkeypatch.setattr(writers_mod, "_write_array", real)
    store = RunStore.open(tmp_path / "full")
    assert store.completed() == [0, 1] and store.incomplete() == []
    assert store.verify() == [0, 1]
    _monitor(tmp_path / "full", samples, resume=True).run(trained_run["dir"],
                                                          executor="serial", progress=False)
    _assert_same(RunStore.open(tmp_path / "full"), serial_store)


def test_checkpoint_that_does_not_fit(trained_run, samples, tmp_path):
    wrong = FactorySpec("zoo:mlp8", {"in_features": 10, "n_classes": 2, "width": 16})
    with pytest.raises(CheckpointError) as info:
        monitor_checkpoints(trained_run["dir"], wrong, samples["inputs"], tmp_path / "w",
                            executor="serial", progress=False, targets=samples["targets"],
                            **OPTS)
    msg = str(info.value)
    assert "does not fit MLP" in msg and "missing keys" in msg and "head." in msg
    narrow = FactorySpec("zoo:mlp5", {"in_features": 10, "n_classes": 2, "width": 8})
    with pytest.raises(CheckpointError, match=r"shape mismatches \[body.0.weight \(16, 10\) "
                                              r"vs \(8, 10\)"):
        load_into(narrow.build(), find_checkpoints(trained_run["dir"])[0].path)


def test_unreachable_scheduler_fails_fast():
    with pytest.raises(SchedulerUnreachableError, match=r"cannot reach the Dask scheduler at "
                                                        "'tcp://127.0.0.1:9'"):
        make_backend("dask", scheduler="tcp://127.0.0.1:9", connect_timeout=1.0)


def test_bad_monitor_inputs(tmp_path, samples):
    with pytest.raises(ValueError, match="samples_per_task"):
        _monitor(tmp_path / "x", samples, samples_per_task=0)
    with pytest.raises(Exception, match="3 targets for 10 samples"):
        Monitor(tmp_path / "x", samples["inputs"], targets=[0, 1, 0])
    with pytest.raises(ValueError, match="executor must be"):
        make_backend("threads")


def _and_or_serial_and(trained_run, samples, tmp_path, executor: str, count: int):
    """Stores of the real AND-OR split (q bound 0.02, warm-started) over the first ``count``
    checkpoints: a serial run and one on ``executor`` with 2 workers."""
    ckpts = find_checkpoints(trained_run["dir"])[:count]
    kw = {"kind": "and_or", "q_bound": 0.02, "warm_start": True}
    serial = _monitor(tmp_path / "s", samples, **kw).run(ckpts, executor="serial",
                                                         progress=False)
    other = _monitor(tmp_path / executor, samples, **kw).run(ckpts, executor=executor,
                                                             workers=2, progress=False)
    return serial, other


def test_dask_local_cluster_equals_serial(trained_run, samples, tmp_path):
    """Dask runs tasks in worker threads: still the same numbers as a serial run, with the
    real AND-OR solver (whose ADMM reductions depend on the torch thread count)."""
    serial, store = _and_or_serial_and(trained_run, samples, tmp_path, "dask", 3)
    _assert_same(store, serial)


def test_local_dask_workers_run_without_profiler_or_malloc_trim():
    import dask.config

    backend = make_backend("dask", workers=1)
    try:  # module functions: pickled by reference, run in the worker
        trim = backend.client.run(os.getenv, "MALLOC_TRIM_THRESHOLD_")
        profile = backend.client.run(dask.config.get, "distributed.worker.profile.enabled")
    finally:
        backend.close()
    assert list(trim.values()) == [None] and list(profile.values()) == [False]


def test_warm_starts_chain_consecutive_checkpoints(trained_run, samples, tmp_path,
                                                   monkeypatch):
    """Each (checkpoint, batch) task starts the solver from the same batch's result at the
    previous checkpoint, also across a resume (read back from the store)."""
    calls = []

    def spy(game, q_bound=0.02, solver="fast", *, warm_start=None, **kw):
        calls.append((game.values.copy(), None if warm_start is None
                      else warm_start.and_values.copy()))
        return mobius(game)

    monkeypatch.setattr(engine, "and_or", spy)
    ckpts = find_checkpoints(trained_run["dir"])
    _monitor(tmp_path / "w", samples, kind="and_or", warm_start=True).run(
        ckpts[:3], executor="serial", progress=False)
    store = _monitor(tmp_path / "w", samples, kind="and_or", warm_start=True, resume=True).run(
        ckpts, executor="serial", progress=False)
    n_b = 3  # 10 samples, 4 per task
    assert len(calls) == 7 * n_b
    by_values = {}
    for e in store.completed():
        a = store.read(e).arrays
        for b in range(n_b):
            by_values[a["values"][4 * b: 4 * b + 4].tobytes()] = (e, b)
    for values, warm in calls:
        e, b = by_values[values.tobytes()]
        if e == 0:
            assert warm is None
        else:
            np.testing.assert_array_equal(
                warm, store.read(e - 1).arrays["and_values"][4 * b: 4 * b + 4])
    cold = _monitor(tmp_path / "c", samples, kind="and_or")  # the default: cold starts
    calls.clear()
    cold.run(ckpts[:2], executor="serial", progress=False)
    assert all(w is None for _, w in calls)


def test_a_warm_started_canonical_run_equals_a_cold_one(trained_run, samples, tmp_path):
    """Warm starts only seed the canonical split's selection stage (and leave its LP cold):
    every stored split equals the cold run's, whatever got seeded."""
    ckpts = find_checkpoints(trained_run["dir"])[:4]
    kw = {"kind": "and_or", "q_bound": 0.02}
    cold = _monitor(tmp_path / "c", samples, **kw).run(ckpts, executor="serial", progress=False)
    warm = _monitor(tmp_path / "w", samples, warm_start=True, **kw).run(
        ckpts, executor="serial", progress=False)
    seeded = []
    for e in cold.completed():
        a, b = cold.read_interactions(e), warm.read_interactions(e)
        assert a.metadata["selection"] == b.metadata["selection"] == "canonical"
        seeded += [s for info in b.metadata["solver_info"] for s in info["seeded"]]
        scale = np.abs(a.and_values).max()
        for key in ("and_values", "or_values", "q"):
            np.testing.assert_allclose(getattr(b, key), getattr(a, key), rtol=0,
                                       atol=1e-9 * scale, err_msg=f"epoch {e}, {key}")
    assert any(seeded)  # some games of later epochs were seeded


def test_and_or_with_q_process_pool_equals_serial(trained_run, samples, tmp_path):
    """The real AND-OR split with the noise term q, warm-started along the checkpoints."""
    serial, pool = _and_or_serial_and(trained_run, samples, tmp_path, "process", 4)
    _assert_same(pool, serial)
    for e in serial.completed():
        inter = serial.read_interactions(e)
        assert inter.residual.max() < 1e-8
        assert (np.abs(inter.q) <= inter.bound[:, None] * (1 + 1e-9) + 1e-12).all()
        assert np.abs(inter.or_values).sum() > 0  # a real split, not AND-only
        assert inter.metadata["solver_info"][0]["solver"] == "fast"


def test_per_sample_metadata_spans_every_batch(trained_run, samples, tmp_path):
    """lp_optimum, v_full and f_x have one entry per sample in sample order, whatever the
    number of batches (was: the LP optimum of the first batch only)."""
    ckpts = find_checkpoints(trained_run["dir"])[:1]
    store = _monitor(tmp_path / "m", samples, kind="and_or", q_bound=0.02,
                     samples_per_task=3).run(ckpts, executor="serial", progress=False)
    meta = store.read(ckpts[0].epoch).attrs["metadata"]
    count = len(samples["inputs"])
    assert len(meta["lp_optimum"]) == len(meta["v_full"]) == len(meta["f_x"]) == count
    arrays = store.read(ckpts[0].epoch).arrays
    objective = (np.abs(arrays["and_values"][:, 1:]).sum(-1)
                 + np.abs(arrays["or_values"]).sum(-1))
    # the monitor's default "auto" is the canonical split at n <= 12: within (1 + ε)·OPT
    assert store.config["solver_options"] == {"selection": "canonical", "epsilon": 0.01}
    opt = np.asarray(meta["lp_optimum"])
    assert np.all(objective <= 1.01 * opt * (1 + 1e-9)) and np.all(objective >= opt * (1 - 1e-9))


def test_resuming_with_auto_keeps_the_stored_selection(trained_run, samples, tmp_path):
    """A run stored with the vertex (as every run before the canonical default) resumes under
    the default "auto" as a vertex run, with a warning; an explicit other selection is refused;
    a fresh run resolves "auto" to the canonical split (n = 6 <= 12) and records it."""
    ckpts = find_checkpoints(trained_run["dir"])[:2]
    opts = {"kind": "and_or", "q_bound": 0.02, "samples_per_task": 8}
    _monitor(tmp_path / "v", samples, selection="vertex", **opts).run(
        ckpts[:1], executor="serial", progress=False)
    with pytest.warns(UserWarning, match="stored with the vertex split and continues with it"):
        store = _monitor(tmp_path / "v", samples, resume=True, **opts).run(
            ckpts, executor="serial", progress=False)
    assert store.config["solver_options"] == {} and store.completed() == [c.epoch for c in ckpts]
    assert store.read(ckpts[1].epoch).attrs["metadata"]["selection"] == "vertex"
    with pytest.raises(ConfigMismatchError, match="selection"):
        _ = _monitor(tmp_path / "v", samples, resume=True, selection="canonical", **opts).store
    fresh = _monitor(tmp_path / "c", samples, **opts)
    assert fresh.spec.solver_options == {"selection": "canonical", "epsilon": 0.01}
    given = _monitor(tmp_path / "g", samples, solver_options={"selection": "vertex"}, **opts)
    assert given.spec.solver_options == {} and not given.selection_auto  # as selection=
