"""Fault injection on real monitor runs: SIGKILL at seeded moments, Ctrl-C, orphaned workers,
damaged checkpoints, a failed start, two writers, a Dask worker killed mid-run.

The longer suite (20 seeded kills, ...) is ``benchmarks/faults.py``.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import warnings

import numpy as np
import psutil
import pytest
from monitor_setup import make_monitor
from typer.testing import CliRunner

from harsanyi.analysis.run import analyse_run
from harsanyi.cli import app
from harsanyi.dynamics.engine import make_backend
from harsanyi.errors import DamagedCheckpointWarning
from harsanyi.loading import Checkpoint
from harsanyi.store import RunStore, verify_store
from harsanyi.store.lock import lock_path

K = 40  # checkpoints of the CLI runs (the 7 real ones, cycled)


@pytest.fixture(scope="module")
def cli_run(trained_run, tmp_path_factory):
    """``harsanyi monitor`` arguments (without --out / --executor) for a 40-checkpoint folder,
    and the store of an uninterrupted serial run of it."""
    tmp = tmp_path_factory.mktemp("faults")
    folder = tmp / "ckpts"
    folder.mkdir()
    files = sorted((trained_run["dir"] / "checkpoints").glob("*.pt"))
    entries = [{"epoch": e, "path": str(files[e % len(files)]), "train_loss": 1.0 / (e + 1),
                "test_loss": 1.0 + e / K} for e in range(K)]
    (folder / "manifest.json").write_text(json.dumps({"epochs": entries}))
    ds = trained_run["dataset"]
    np.savez(tmp / "data.npz", X_train=ds.X_train, y_train=ds.y_train, X_test=ds.X_test,
             y_test=ds.y_test)
    args = ["monitor", str(folder), "--factory", "zoo:mlp5", "--factory-kwargs",
            json.dumps({"in_features": 10, "n_classes": 2, "width": 16}),
            "--data", str(tmp / "data.npz"), "--players", "columns:0-7", "--train-samples",
            "random:6", "--test-samples", "random:6", "--and-only", "--q-bound", "0",
            "--no-progress", "--samples-per-task", "4"]
    ref = tmp / "reference"
    res = _invoke(*args, "--executor", "serial", "--out", ref)
    assert res.exit_code == 0, res.output
    return {"args": args, "ref": RunStore.open(ref), "tmp": tmp}


def _invoke(*args):
    return CliRunner().invoke(app, [str(a) for a in args])


def _terminal_signals():
    """Give the child a terminal's Ctrl-C: SIGINT at its default and unblocked, whatever the
    test process inherited (a disposition or mask inherited from the test runner's worker made
    the run ignore the Ctrl-C below in a loaded full-suite run, exiting 0)."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})


def _spawn(args, out, *extra):
    return subprocess.Popen([sys.executable, "-m", "harsanyi", *args, "--out", str(out), *extra],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                            start_new_session=True, env={**os.environ, "PYTHONUNBUFFERED": "1"},
                            preexec_fn=_terminal_signals)


def _finished(out):
    ck = out / "ckpt"
    return sum(1 for d in ck.iterdir() if d.name.isdigit()) if ck.is_dir() else 0


def _wait_for(proc, out, k, timeout=120.0):
    deadline = time.monotonic() + timeout
    while _finished(out) < k:
        if proc.poll() is not None:
            pytest.fail(f"the monitor ended before the fault: {proc.stderr.read()[-2000:]}")
        if time.monotonic() > deadline:
            proc.kill()
            pytest.fail("the monitor made no progress")
        time.sleep(0.005)


def _alive(pids):
    out = []
    for pid in pids:
        try:
            if psutil.Process(pid).status() != psutil.STATUS_ZOMBIE:
                out.append(pid)
        except psutil.NoSuchProcess:
            pass
    return out


def _orphans_after(pids, timeout=5.0):
    deadline = time.monotonic() + timeout
    while _alive(pids) and time.monotonic() < deadline:
        time.sleep(0.05)
    return _alive(pids)


def _stamps(out):
    return {d.name: (d / "zarr.json").stat().st_mtime_ns for d in (out / "ckpt").iterdir()
            if d.name.isdigit()}


def _assert_equal(store, ref):
    assert store.completed() == ref.completed()
    for e in ref.completed():
        a, b = store.read(e, verify=True).arrays, ref.read(e).arrays
        for k in b:
            np.testing.assert_allclose(a[k], b[k], rtol=0, atol=1e-12, err_msg=f"{e} {k}")


def test_sigkill_at_seeded_moments_then_resume(cli_run, tmp_path):
    out, rng = tmp_path / "run", np.random.default_rng(2024)
    stamps: dict[str, int] = {}
    for i in range(2):
        proc = _spawn(cli_run["args"], out, "--executor", "serial", *(["--resume"] if i else []))
        _wait_for(proc, out, len(stamps) + int(rng.integers(1, 4)))
        time.sleep(float(rng.uniform(0, 0.05)))
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
        now = _stamps(out)
        assert {k: now[k] for k in stamps} == stamps  # nothing lost, nothing rewritten
        stamps = now
        assert len(stamps) < K
    res = _invoke(*cli_run["args"], "--executor", "serial", "--out", out, "--resume")
    assert res.exit_code == 0, res.output
    assert f"{K - len(stamps)} / {len(stamps)}" in res.output  # computed now / skipped
    assert {k: v for k, v in _stamps(out).items() if k in stamps} == stamps
    store = RunStore.open(out)
    assert store.incomplete() == [] and verify_store(out).ok
    _assert_equal(store, cli_run["ref"])


def test_sigkill_leaves_no_orphans_and_ctrl_c_stops_fast(cli_run, tmp_path):
    args = (*cli_run["args"], "--executor", "process", "--workers", "2")
    out = tmp_path / "killed"
    proc = _spawn(args, out)
    _wait_for(proc, out, 1)
    kids = [p.pid for p in psutil.Process(proc.pid).children(recursive=True)]
    assert len(kids) >= 2  # two pool workers (and the resource tracker)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    assert _orphans_after(kids) == []
    # Ctrl-C in a terminal signals the whole process group
    out = tmp_path / "interrupted"
    proc = _spawn(args, out)
    _wait_for(proc, out, 2)
    kids = [p.pid for p in psutil.Process(proc.pid).children(recursive=True)]
    t0 = time.monotonic()
    os.killpg(proc.pid, signal.SIGINT)
    code = proc.wait(timeout=30)
    took = time.monotonic() - t0
    err = proc.stderr.read()
    assert code == 130 and took < 5, (code, took, err[-2000:])
    assert "interrupted" in err and "--resume" in err
    assert _orphans_after(kids) == [] and not lock_path(out).exists()
    rep = verify_store(out)
    assert rep.ok and len(rep.good) >= 2


def test_damaged_checkpoints_are_named_skipped_and_recomputed(cli_run, tmp_path):
    out = tmp_path / "run"
    shutil.copytree(cli_run["ref"].path, out)
    ck = out / "ckpt"
    chunk = ck / "000002" / "and_values" / "c" / "0" / "0"
    data = bytearray(chunk.read_bytes())
    data[8:16] = bytes(b ^ 0xFF for b in data[8:16])
    chunk.write_bytes(bytes(data))
    (ck / "000005" / "zarr.json").write_text("{")
    values = ck / "000007" / "values" / "c" / "0" / "0"
    values.write_bytes(values.read_bytes()[: values.stat().st_size // 2])
    res = _invoke("store", "verify", out)
    assert res.exit_code == 1
    for e in (2, 5, 7):
        assert f"checkpoint {e}" in res.output
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        res = analyse_run(out, top_k=5, save=False)
    assert len(res.arrays.epochs) == K - 3 and res.phases is not None
    assert sum(w.category is DamagedCheckpointWarning for w in caught) == 3
    before = _stamps(out)
    res = _invoke(*cli_run["args"], "--executor", "serial", "--out", out, "--resume")
    assert res.exit_code == 0, res.output
    assert f"3 / {K - 3}" in res.output and "2, 5, 7" in res.output
    after = _stamps(out)
    assert {k: after[k] for k in before if int(k) not in (2, 5, 7)} == {
        k: v for k, v in before.items() if int(k) not in (2, 5, 7)}
    assert len(list((out / "quarantine").iterdir())) == 3
    _assert_equal(RunStore.open(out), cli_run["ref"])
    assert _invoke("store", "verify", out).exit_code == 0


def test_failed_start_leaves_nothing_and_a_rerun_needs_no_force(cli_run, tmp_path):
    args, out = cli_run["args"], tmp_path / "run"
    bad = list(args)
    bad[bad.index("--factory-kwargs") + 1] = json.dumps({"in_features": 10, "n_classes": 2,
                                                         "width": 16, "depth_typo": 3})
    res = _invoke(*bad, "--executor", "serial", "--out", out)
    text = " ".join(res.output.split())
    assert res.exit_code == 2 and "factory zoo:mlp5" in text and "Nothing" in text
    assert not out.exists() and not lock_path(out).exists()
    bad[bad.index("--factory-kwargs") + 1] = json.dumps({"in_features": 10, "n_classes": 2,
                                                         "width": 8})
    res = _invoke(*bad, "--executor", "serial", "--out", out)
    assert res.exit_code == 2 and "does not fit" in " ".join(res.output.split())
    assert not out.exists()
    # a store left without results (e.g. by a callback run that failed) is replaced
    RunStore.create(out, {"other": True}, players=["x"])
    res = _invoke(*args, "--executor", "serial", "--out", out)
    assert res.exit_code == 0, res.output
    assert len(RunStore.open(out).completed()) == K


def test_a_second_monitor_is_refused(cli_run, tmp_path):
    out = tmp_path / "run"
    proc = _spawn(cli_run["args"], out, "--executor", "serial")
    try:
        _wait_for(proc, out, 1)
        res = _invoke(*cli_run["args"], "--executor", "serial", "--out", out, "--resume")
        assert res.exit_code == 2
        text = " ".join(res.output.split())
        assert f"process {proc.pid} on host {socket.gethostname()}" in text
    finally:
        proc.kill()
        proc.wait()


def test_dask_worker_killed_mid_run_loses_nothing(trained_run, samples, tmp_path):
    files = sorted((trained_run["dir"] / "checkpoints").glob("*.pt"))
    ckpts = [Checkpoint(e, files[e % len(files)], 1.0 / (e + 1), None) for e in range(12)]
    ref = make_monitor(tmp_path / "serial", samples, samples_per_task=2).run(
        ckpts, executor="serial", progress=False)
    backend = make_backend("dask", workers=2)
    out = tmp_path / "dask"
    killed = {}

    def kill_one():
        while _finished(out) < 2:
            time.sleep(0.002)
        pids = sorted(backend.client.run(os.getpid).values())
        killed["at"] = _finished(out)
        os.kill(pids[0], signal.SIGKILL)

    killer = threading.Thread(target=kill_one, daemon=True)
    killer.start()
    try:
        store = make_monitor(out, samples, samples_per_task=2).run(ckpts, executor=backend,
                                                                   progress=False)
    finally:
        backend.close()
    killer.join(timeout=5)
    assert 2 <= killed["at"] < 12, killed
    _assert_equal(store, ref)
