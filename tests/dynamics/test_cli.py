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

from harsanyi.cli.monitor import load_data, monitor, parse_indices, parse_players
from harsanyi.store import RunStore

app = typer.Typer()
app.command()(monitor)
SCRIPT = ("import typer; from harsanyi.cli.monitor import monitor; app = typer.Typer(); "
          "app.command()(monitor); app()")


def _invoke(*args: str):
    return CliRunner().invoke(app, [str(a) for a in args])


def test_cli_defaults_from_the_manifest(trained_run, tmp_path):
    res = _invoke(trained_run["dir"], "--out", tmp_path / "run", "--players", "0-5",
                  "--train-samples", "3", "--test-samples", "2", "--and-only", "--q-bound", "0",
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
    res = _invoke(trained_run["dir"], "--out", tmp_path / "b", "--players", "0-5",
                  "--and-only", "--scheduler", "tcp://127.0.0.1:9", "--connect-timeout", "1",
                  "--no-progress")
    assert res.exit_code == 2 and "cannot reach the Dask scheduler" in res.output
    res = _invoke(tmp_path, "--out", tmp_path / "c", "--factory", "zoo:mlp5")
    assert res.exit_code == 2 and "--data" in res.output


def test_data_and_spec_parsing(tmp_path):
    X = np.arange(20, dtype=np.float32).reshape(10, 2)
    y = np.arange(10) % 2
    np.save(tmp_path / "X.npy", X)
    np.save(tmp_path / "y.npy", y)
    d = load_data(str(tmp_path / "X.npy"), labels=tmp_path / "y.npy")
    np.testing.assert_array_equal(d["train"][1], y) and d["test"] is None
    import pandas as pd

    pd.DataFrame({"a": X[:, 0], "b": X[:, 1], "label": y}).to_csv(tmp_path / "d.csv",
                                                                  index=False)
    d = load_data(str(tmp_path / "d.csv"), label_column="label")
    np.testing.assert_array_equal(d["train"][0], X) and np.testing.assert_array_equal(
        d["train"][1], y)
    np.savez(tmp_path / "d.npz", X_train=X, y_train=y, X_test=X[:3], y_test=y[:3])
    assert load_data(str(tmp_path / "d.npz"))["test"][0].shape == (3, 2)
    with pytest.raises(ValueError, match="no column 'lab'"):
        load_data(str(tmp_path / "d.csv"), label_column="lab")
    with pytest.raises(ValueError, match="unknown data format"):
        (tmp_path / "d.txt").write_text("1")
        load_data(str(tmp_path / "d.txt"))
    taken = set(parse_indices("5", 10, seed=0))
    rest = parse_indices("5", 10, taken=taken, seed=1)
    assert not taken & set(rest) and len(rest) == 5
    with pytest.raises(ValueError, match="only 0 are available"):
        parse_indices("1", 10, taken=set(range(10)))
    with pytest.raises(ValueError, match=r"outside 0..9"):
        parse_indices("3,12", 10)
    assert parse_players("all").all_columns and parse_players("patches:4").n == 4


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
            "--data", str(tmp_path / "data.npz"), "--players", "0-7", "--train-samples", "6",
            "--test-samples", "6", "--and-only", "--q-bound", "0", "--executor", "serial",
            "--no-progress", "--samples-per-task", "4"]
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
