"""Fault-injection suite of ``harsanyi monitor``: every fault leaves a store that resumes,
repairs or explains itself.

A tiny MLP is trained for 6 epochs; its checkpoints, cycled, make a run of ``--checkpoints``
checkpoints monitored by the real command (``python -m harsanyi monitor``, a local process
pool of 2 workers unless said otherwise). Faults:

* ``sigkill``: SIGKILL at ``--kills`` seeded moments across one run (when the run has stored
  ``c`` checkpoints, ``c`` seeded, plus a seeded fraction of a checkpoint's time), resuming
  after each kill;
* ``chunk`` / ``zarr.json`` / ``truncate`` / ``root``: 8 flipped bytes in a random chunk, a
  garbled checkpoint ``zarr.json``, a truncated file of a random checkpoint, a garbled root
  ``zarr.json``; then ``store verify`` and ``monitor --resume``;
* ``enospc``: the disk fills (simulated: the array writer raises ENOSPC) in the middle of a
  seeded checkpoint; then ``--resume``;
* ``dask``: one worker of a Dask LocalCluster (``--workers 2``) killed mid-run;
* ``two``: a second monitor started on a store being written;
* ``ctrl-c``: SIGINT to the monitor's process group mid-run, then ``--resume``;
* ``start``: a factory that fails, then the corrected command without ``--resume``.

For each: faults injected, survived (run complete, nothing lost, nothing recomputed beyond the
damaged checkpoints, arrays equal, no orphan), checkpoints lost, checkpoints recomputed beyond
the damaged ones, max |difference| to an uninterrupted serial run, orphaned processes left
(pool or Dask worker processes still running 20 s after the monitor died: a worker still
starting, importing torch, notices only when its start-up is over). Run with

    .venv/bin/python benchmarks/faults.py [--checkpoints 40] [--kills 20] [--seed 0]
                                          [--cases sigkill,chunk,...] [--keep]
"""

from __future__ import annotations

import argparse
import errno
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import psutil
import torch
from typer.testing import CliRunner

from harsanyi.cli import app
from harsanyi.store import RunStore, verify_store
from harsanyi.store import writers as writers_mod

CASES = ("sigkill", "chunk", "zarr.json", "truncate", "root", "enospc", "dask", "two",
         "ctrl-c", "start")


@dataclass
class Row:
    fault: str
    injected: int = 0
    survived: int = 0
    lost: int = 0
    extra: int = 0
    diff: float = 0.0
    orphans: int = 0
    note: str = ""


class Ctx:
    """The checkpoint folder, the command's arguments and the reference store."""

    def __init__(self, tmp: Path, k: int, seed: int) -> None:
        from harsanyi.zoo import get_model, make_and_or_task, train

        self.tmp, self.k, self.rng = tmp, k, np.random.default_rng(seed)
        ds = make_and_or_task(400, seed=0)
        torch.manual_seed(0)
        train(get_model("mlp5", in_features=10, n_classes=2, width=16, seed=0), ds,
              tmp / "train", epochs=6, lr=0.05, batch_size=32)
        files = sorted((tmp / "train" / "checkpoints").glob("*.pt"))
        folder = tmp / "ckpts"
        folder.mkdir()
        entries = [{"epoch": e, "path": str(files[e % len(files)]), "train_loss": 1 / (e + 1),
                    "test_loss": 1 + e / k} for e in range(k)]
        (folder / "manifest.json").write_text(json.dumps({"epochs": entries}))
        np.savez(tmp / "data.npz", X_train=ds.X_train, y_train=ds.y_train, X_test=ds.X_test,
                 y_test=ds.y_test)
        self.args = ["monitor", str(folder), "--factory", "zoo:mlp5", "--factory-kwargs",
                     json.dumps({"in_features": 10, "n_classes": 2, "width": 16}), "--data",
                     str(tmp / "data.npz"), "--players", "columns:0-7", "--train-samples",
                     "random:6", "--test-samples", "random:6", "--and-only", "--q-bound", "0",
                     "--no-progress",
                     "--samples-per-task", "4"]
        self.pool = ["--executor", "process", "--workers", "2"]
        t0 = time.perf_counter()
        self.invoke("--executor", "serial", "--out", tmp / "reference")
        self.seconds_serial = time.perf_counter() - t0
        self.ref = RunStore.open(tmp / "reference")

    def invoke(self, *extra: object, expect: int = 0) -> str:
        res = CliRunner().invoke(app, [str(a) for a in (*self.args, *extra)])
        if res.exit_code != expect:
            raise RuntimeError(f"exit {res.exit_code} (expected {expect}): {res.output[-2000:]}")
        return res.output

    def spawn(self, out: Path, *extra: str) -> subprocess.Popen:
        return subprocess.Popen([sys.executable, "-m", "harsanyi", *self.args, "--out", str(out),
                                 *extra], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                text=True, start_new_session=True)

    def diff(self, out: Path) -> float:
        store = RunStore.open(out)
        if store.completed() != self.ref.completed():
            return float("inf")
        return max(float(np.max(np.abs(store.read(e, verify=True).arrays[k] - v), initial=0))
                   for e in self.ref.completed() for k, v in self.ref.read(e).arrays.items())


def finished(out: Path) -> int:
    ck = out / "ckpt"
    return sum(1 for d in ck.iterdir() if d.name.isdigit()) if ck.is_dir() else 0


def stamps(out: Path) -> dict[str, int]:
    ck = out / "ckpt"
    return {d.name: (d / "zarr.json").stat().st_mtime_ns for d in ck.iterdir()
            if d.name.isdigit()} if ck.is_dir() else {}


def wait_for(proc: subprocess.Popen, out: Path, k: int, timeout: float = 300) -> bool:
    deadline = time.monotonic() + timeout
    while finished(out) < k:
        if proc.poll() is not None or time.monotonic() > deadline:
            return False
        time.sleep(0.002)
    return True


GRACE = 20.0  # seconds a worker still starting (importing torch) may take to notice


def alive_after(pids: list[int], timeout: float = GRACE) -> int:
    def alive() -> list[int]:
        out = []
        for pid in pids:
            try:
                if psutil.Process(pid).status() != psutil.STATUS_ZOMBIE:
                    out.append(pid)
            except psutil.NoSuchProcess:
                pass
        return out

    t0 = time.monotonic()
    while alive() and time.monotonic() < t0 + timeout:
        time.sleep(0.05)
    LAST_GONE.append(time.monotonic() - t0)
    return len(alive())


LAST_GONE: list[float] = []  # seconds until the last child of a killed monitor was gone


def kids(proc: subprocess.Popen) -> list[int]:
    try:
        return [p.pid for p in psutil.Process(proc.pid).children(recursive=True)]
    except psutil.NoSuchProcess:
        return []


def lost_and_extra(before: dict[str, int], after: dict[str, int],
                   damaged: set[str] = frozenset()) -> tuple[int, int]:
    kept = {k: v for k, v in before.items() if k not in damaged}
    lost = sum(k not in after for k in kept)
    extra = sum(k in after and after[k] != v for k, v in kept.items())
    return lost, extra


def judge(row: Row, ctx: Ctx, out: Path) -> Row:
    row.diff = max(row.diff, ctx.diff(out))
    ok = row.lost == 0 and row.extra == 0 and row.diff <= 1e-12 and row.orphans == 0
    row.survived = row.injected if ok and verify_store(out).ok else 0
    return row


def case_sigkill(ctx: Ctx, kills: int) -> Row:
    row, out = Row("SIGKILL (process pool)"), ctx.tmp / "sigkill"
    targets = np.sort(ctx.rng.integers(0, ctx.k - 1, size=kills))
    per_ckpt = max(ctx.seconds_serial / ctx.k, 0.01)
    first = True
    for c in targets:
        proc = ctx.spawn(out, *ctx.pool, *([] if first else ["--resume"]))
        first = False
        before = stamps(out)
        if not wait_for(proc, out, max(int(c), len(before))):
            row.note = "a run ended before its kill"
            proc.wait()
            continue
        time.sleep(float(ctx.rng.uniform(0, per_ckpt)))
        pids = kids(proc)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        row.injected += 1
        row.orphans += alive_after(pids)
        lost, extra = lost_and_extra(before, stamps(out))
        row.lost, row.extra = row.lost + lost, row.extra + extra
    before = stamps(out)
    ctx.invoke(*ctx.pool, "--out", out, "--resume")
    lost, extra = lost_and_extra(before, stamps(out))
    row.lost, row.extra = row.lost + lost, row.extra + extra
    row.note += f"children gone within {max(LAST_GONE, default=0):.1f} s (median " \
                f"{np.median(LAST_GONE) if LAST_GONE else 0:.1f} s)"
    LAST_GONE.clear()
    return judge(row, ctx, out)


def _damage(ctx: Ctx, kind: str, out: Path) -> set[str]:
    ck = out / "ckpt"
    epoch = f"{int(ctx.rng.integers(0, ctx.k)):06d}"
    files = sorted(p for p in (ck / epoch).rglob("*") if p.is_file() and "/c/" in p.as_posix())
    if kind == "chunk":
        path = files[int(ctx.rng.integers(len(files)))]
        data = bytearray(path.read_bytes())
        at = int(ctx.rng.integers(0, max(len(data) - 8, 1)))
        data[at:at + 8] = bytes(b ^ 0xFF for b in data[at:at + 8])
        path.write_bytes(bytes(data))
    elif kind == "zarr.json":
        (ck / epoch / "zarr.json").write_text('{"zarr_format": 3, "attri')
    elif kind == "truncate":
        every = sorted(p for p in (ck / epoch).rglob("*") if p.is_file())
        path = every[int(ctx.rng.integers(len(every)))]
        path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    else:  # the root metadata
        (out / "zarr.json").write_text("{")
        return set()
    return {epoch}


def case_corrupt(ctx: Ctx, kind: str) -> Row:
    row, out = Row(f"damaged {kind}" if kind != "root" else "damaged root zarr.json"), \
        ctx.tmp / f"corrupt-{kind}"
    shutil.copytree(ctx.ref.path, out)
    damaged = _damage(ctx, kind, out)
    row.injected = 1
    res = CliRunner().invoke(app, ["store", "verify", str(out)])
    named = res.exit_code == 1 and all(f"checkpoint {int(e)}" in res.output for e in damaged)
    before = stamps(out)
    ctx.invoke("--executor", "serial", "--out", out, "--resume")
    lost, row.extra = lost_and_extra(before, stamps(out), damaged)
    row.lost = lost + sum(e not in stamps(out) for e in damaged)
    row.note = "verify named it" if named else "verify did NOT name it"
    row = judge(row, ctx, out)
    row.survived *= named
    return row


def case_enospc(ctx: Ctx) -> Row:
    row, out = Row("disk full (ENOSPC) mid-checkpoint"), ctx.tmp / "enospc"
    real, calls = writers_mod._write_array, {"n": 0}
    stop = int(ctx.rng.integers(1, ctx.k - 1)) * 8 + int(ctx.rng.integers(1, 8))

    def flaky(group: object, name: str, data: np.ndarray) -> None:
        calls["n"] += 1
        if calls["n"] >= stop:
            raise OSError(errno.ENOSPC, "No space left on device")
        real(group, name, data)

    writers_mod._write_array = flaky
    try:
        text = ctx.invoke("--executor", "serial", "--out", out, expect=2)
    finally:
        writers_mod._write_array = real
    row.injected = 1
    before = stamps(out)
    ctx.invoke("--executor", "serial", "--out", out, "--resume")
    row.lost, row.extra = lost_and_extra(before, stamps(out))
    row.note = "said 'disk full'" if "disk full" in text else "no disk-full message"
    return judge(row, ctx, out)


def case_dask(ctx: Ctx) -> Row:
    row, out = Row("Dask worker SIGKILL"), ctx.tmp / "dask"
    proc = ctx.spawn(out, "--workers", "2")
    if wait_for(proc, out, 2):
        workers = [p for p in psutil.Process(proc.pid).children(recursive=True)
                   if "spawn_main" in " ".join(p.cmdline())]
        before = stamps(out)
        if workers:
            workers[0].kill()
            row.injected = 1
    code = proc.wait()
    row.note = f"monitor exit {code}"
    if row.injected:
        row.lost, row.extra = lost_and_extra(before, stamps(out))
    return judge(row, ctx, out) if code == 0 else row


def case_two(ctx: Ctx) -> Row:
    """Two identical monitors started together: one runs, the other is refused."""
    row, out = Row("second monitor on one store"), ctx.tmp / "two"
    procs = [ctx.spawn(out, *ctx.pool, "--resume") for _ in range(2)]
    codes = [p.wait() for p in procs]
    row.injected = 1
    if sorted(codes) == [0, 2]:
        winner, loser = (procs[0], procs[1]) if codes[0] == 0 else (procs[1], procs[0])
        text = " ".join(loser.stderr.read().split())
        refused = f"process {winner.pid} on host" in text
        row.note = "refused with PID and host" if refused else f"NOT refused: {text[-200:]}"
        row = judge(row, ctx, out)
    else:
        row.note = f"exit codes {codes}"
    row.survived *= row.note.startswith("refused")
    return row


def case_ctrl_c(ctx: Ctx) -> Row:
    row, out = Row("Ctrl-C (SIGINT to the group)"), ctx.tmp / "ctrl-c"
    proc = ctx.spawn(out, *ctx.pool)
    if wait_for(proc, out, 2):
        pids, t0 = kids(proc), time.monotonic()
        os.killpg(proc.pid, signal.SIGINT)
        code = proc.wait()
        row.injected, took = 1, time.monotonic() - t0
        row.orphans = alive_after(pids)
        row.note = f"exit {code} after {took:.1f} s"
        LAST_GONE.clear()
        before = stamps(out)
        ctx.invoke(*ctx.pool, "--out", out, "--resume")
        row.lost, row.extra = lost_and_extra(before, stamps(out))
        row = judge(row, ctx, out)
        row.survived *= code == 130 and took < 5
    return row


def case_start(ctx: Ctx) -> Row:
    row, out = Row("failed start (bad factory)"), ctx.tmp / "start"
    args = list(ctx.args)
    i = args.index("--factory-kwargs") + 1
    good, args[i] = args[i], json.dumps({"in_features": 10, "n_classes": 2, "oops": 1})
    res = CliRunner().invoke(app, [*args, "--executor", "serial", "--out", str(out)])
    row.injected = 1
    left = out.exists()
    args[i] = good
    res = CliRunner().invoke(app, [*args, "--executor", "serial", "--out", str(out)])
    row.note = "no store left" if not left else "a store was left"
    if res.exit_code == 0:
        row = judge(row, ctx, out)
    row.survived *= not left
    return row


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--checkpoints", type=int, default=40)
    p.add_argument("--kills", type=int, default=20)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--cases", default=",".join(CASES))
    p.add_argument("--keep", action="store_true", help="keep the temporary folder")
    a = p.parse_args()
    cases = a.cases.split(",")
    tmp = Path(tempfile.mkdtemp(prefix="harsanyi-faults-"))
    t0 = time.perf_counter()
    try:
        ctx = Ctx(tmp, a.checkpoints, a.seed)
        rows = []
        for case in cases:
            print(f"[{time.perf_counter() - t0:5.0f} s] {case}", file=sys.stderr, flush=True)
            if case == "sigkill":
                rows.append(case_sigkill(ctx, a.kills))
            elif case in ("chunk", "zarr.json", "truncate", "root"):
                rows.append(case_corrupt(ctx, case))
            else:
                rows.append({"enospc": case_enospc, "dask": case_dask, "two": case_two,
                             "ctrl-c": case_ctrl_c, "start": case_start}[case](ctx))
    finally:
        if not a.keep:
            shutil.rmtree(tmp, ignore_errors=True)
    print(f"# {a.checkpoints} checkpoints, 12 samples, n = 8, seed {a.seed}; "
          f"{time.perf_counter() - t0:.0f} s in all")
    head = (f"{'fault':34s} {'injected':>8s} {'survived':>8s} {'lost':>5s} "
            f"{'recomputed+':>11s} {'max|Δ|':>8s} {'orphans':>7s}  note")
    print(head)
    print("-" * len(head))
    for r in rows:
        print(f"{r.fault:34s} {r.injected:8d} {r.survived:8d} {r.lost:5d} {r.extra:11d} "
              f"{r.diff:8.1e} {r.orphans:7d}  {r.note}")
    total = sum(r.injected for r in rows), sum(r.survived for r in rows)
    print(f"total: {total[0]} faults injected, {total[1]} survived")


if __name__ == "__main__":
    main()
