"""``harsanyi monitor`` through typer, and a real monitor process killed mid-run then resumed."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest
import typer
from typer.testing import CliRunner

from harsanyi.analysis.tracking import analyse_tracking
from harsanyi.cli.monitor import monitor
from harsanyi.store import RunStore

app = typer.Typer()
app.command()(monitor)
SCRIPT = ("import typer; from harsanyi.cli.monitor import monitor; app = typer.Typer(); "
          "app.command()(monitor); app()")


def _invoke(*args: str):
    return CliRunner().invoke(app, [str(a) for a in args])


def test_cli_defaults_from_the_manifest(trained_run, tmp_path):
    res = _invoke(trained_run["dir"], "--out", tmp_path / "run", "--players", "columns:0-5",
                  "--train-samples", "random:3", "--test-samples", "random:2", "--and-only",
                  "--q-bound", "0",
                  "--executor", "serial", "--no-progress", "--samples-per-task", "5")
    assert res.exit_code == 0, res.output
    assert "checkpoints stored" in res.output and "masked forwards / s" in res.output
    store = RunStore.open(tmp_path / "run")
    assert store.completed() == list(range(7)) and store.n == 6
    assert store.config["model"]["factory"] == "zoo:mlp5"
    assert store.samples["split"] == ["train"] * 3 + ["test"] * 2
    assert "flipped" in store.samples
    np.testing.assert_allclose(store.losses()["train_loss"], trained_run["run"].train_losses)
    # another q-bound on the same folder is refused with the differing key named
    res = _invoke(trained_run["dir"], "--out", tmp_path / "run", "--players", "0-5",
                  "--train-samples", "3", "--test-samples", "2", "--and-only", "--q-bound",
                  "0.1", "--executor", "serial", "--no-progress", "--samples-per-task", "5",
                  "--resume")
    assert res.exit_code == 2 and "q_bound" in res.output and "another configuration" in \
        res.output


def test_cli_errors_are_clear(trained_run, tmp_path):
    res = _invoke(trained_run["dir"], "--out", tmp_path / "a", "--factory", "harsanyi.zoo:nope")
    assert res.exit_code == 2 and "has no attribute 'nope'" in res.output
    res = _invoke(trained_run["dir"], "--out", tmp_path / "b", "--players", "columns:0-5",
                  "--and-only", "--scheduler", "tcp://127.0.0.1:9", "--connect-timeout", "1",
                  "--no-progress")
    assert res.exit_code == 2 and "cannot reach the Dask scheduler" in res.output
    res = _invoke(tmp_path, "--out", tmp_path / "c", "--factory", "zoo:mlp5")
    assert res.exit_code == 2 and "--data" in res.output


def test_monitor_refuses_to_invent_test_samples(trained_run, tmp_path):
    ds = trained_run["dataset"]
    np.save(tmp_path / "Xtr.npy", ds.X_train)
    np.save(tmp_path / "ytr.npy", ds.y_train)
    base = [str(trained_run["dir"]), "--factory", "zoo:mlp5", "--factory-kwargs",
            '{"in_features": 10, "n_classes": 2, "width": 16}', "--train-data",
            str(tmp_path / "Xtr.npy"), "--labels", str(tmp_path / "ytr.npy"), "--players",
            "columns:0-3", "--train-samples", "0-1", "--and-only", "--executor", "serial",
            "--no-progress"]
    res = CliRunner().invoke(app, [*base, "--out", str(tmp_path / "a")])
    assert res.exit_code == 2 and "has no test data" in " ".join(res.output.split())
    assert not (tmp_path / "a").exists()
    np.save(tmp_path / "Xte.npy", ds.X_test)
    np.save(tmp_path / "yte.npy", ds.y_test)
    res = CliRunner().invoke(app, [*base, "--out", str(tmp_path / "b"), "--test-data",
                                           str(tmp_path / "Xte.npy"), "--test-labels",
                                           str(tmp_path / "yte.npy"), "--test-samples", "1-2"])
    assert res.exit_code == 0, res.output
    store = RunStore.open(tmp_path / "b")
    assert store.samples["split"] == ["train", "train", "test", "test"]
    assert store.samples["index"] == [0, 1, 1, 2]
    assert store.samples["target"][3] == int(ds.y_test[2])


@pytest.fixture
def long_run(trained_run, tmp_path):
    """A folder of 40 checkpoints (the 7 real ones, cycled) and the data as an .npz."""
    folder = tmp_path / "ckpts"
    folder.mkdir()
    files = sorted((trained_run["dir"] / "checkpoints").glob("*.pt"))
    entries = [{"epoch": e, "path": str(files[e % len(files)]), "train_loss": 1.0 / (e + 1),
                "test_loss": 1.0 + e / 40} for e in range(40)]
    (folder / "manifest.json").write_text(json.dumps({"epochs": entries}))
    ds = trained_run["dataset"]
    np.savez(tmp_path / "data.npz", X_train=ds.X_train, y_train=ds.y_train, X_test=ds.X_test,
             y_test=ds.y_test)
    args = [str(folder), "--factory", "zoo:mlp5", "--factory-kwargs",
            json.dumps({"in_features": 10, "n_classes": 2, "width": 16}),
            "--data", str(tmp_path / "data.npz"), "--players", "columns:0-7",
            "--train-samples", "random:6", "--test-samples", "random:6", "--and-only",
            "--q-bound", "0", "--executor", "serial", "--no-progress", "--samples-per-task", "4"]
    return args


def test_killed_monitor_process_resumes(long_run, tmp_path):
    out = tmp_path / "killed"
    proc = subprocess.Popen([sys.executable, "-c", SCRIPT, *long_run, "--out", str(out)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            env={**os.environ, "PYTHONUNBUFFERED": "1"})
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            ck = out / "ckpt"
            if ck.is_dir() and sum(1 for d in ck.iterdir() if d.name.isdigit()) >= 3:
                break
            if proc.poll() is not None:
                pytest.fail(f"monitor ended before it could be killed: "
                            f"{proc.stderr.read().decode()[-2000:]}")
            time.sleep(0.01)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    store = RunStore.open(out)
    before = store.completed()
    assert 3 <= len(before) < 40, before
    stamps = {e: (out / "ckpt" / f"{e:06d}" / "zarr.json").stat().st_mtime_ns for e in before}
    res = _invoke(*long_run, "--out", out, "--resume")
    assert res.exit_code == 0, res.output
    assert f"{40 - len(before)} / {len(before)}" in res.output  # computed now / skipped
    store = RunStore.open(out)
    assert store.completed() == list(range(40)) and store.incomplete() == []
    for e, t in stamps.items():  # finished checkpoints were not rewritten
        assert (out / "ckpt" / f"{e:06d}" / "zarr.json").stat().st_mtime_ns == t
    ref = tmp_path / "reference"
    assert _invoke(*long_run, "--out", ref).exit_code == 0
    ref_store = RunStore.open(ref)
    for e in range(40):
        a, b = store.read(e, verify=True).arrays, ref_store.read(e).arrays
        for k in a:
            np.testing.assert_array_equal(a[k], b[k], err_msg=f"epoch {e} {k}")
    np.testing.assert_allclose(store.losses()["test_loss"], 1.0 + np.arange(40) / 40)


def test_error_messages_keep_their_brackets(trained_run, tmp_path):
    """Errors are printed as text, not rich markup: a key list in [...] must survive."""
    res = _invoke(trained_run["dir"], "--out", tmp_path / "w", "--factory", "zoo:mlp5",
                  "--factory-kwargs", '{"in_features": 10, "n_classes": 2, "width": 8}',
                  "--players", "columns:0-5", "--train-samples", "0-1", "--test-samples",
                  "none", "--executor", "serial", "--no-progress")
    assert res.exit_code == 2
    assert "shape mismatches [" in res.output, res.output


def test_cli_canonical_selection_is_stored_and_named_in_the_analysis(trained_run, tmp_path):
    base = [trained_run["dir"], "--players", "columns:0-5", "--train-samples", "random:2",
            "--test-samples", "random:1", "--executor", "serial", "--no-progress"]
    res = _invoke(*base, "--out", tmp_path / "c", "--selection", "canonical")
    assert res.exit_code == 0, res.output
    store = RunStore.open(tmp_path / "c")
    assert store.config["solver_options"] == {"selection": "canonical", "epsilon": 0.01}
    meta = store.read(store.completed()[-1]).attrs["metadata"]
    assert meta["selection"] == "canonical" and len(meta["lp_optimum"]) == 3
    assert "(canonical split)" in analyse_tracking(store.arrays()).finding()
    res = _invoke(*base, "--out", tmp_path / "d", "--selection", "centre")
    assert res.exit_code == 2 and "unknown selection 'centre'" in res.output
    assert not (tmp_path / "d").exists()
