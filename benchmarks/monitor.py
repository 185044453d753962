"""Benchmark of the training-dynamics monitor: 20 checkpoints × 32 samples × n = 10 on MLP-5.

End to end (masked forwards, AND-OR extraction with q, run store), serially, on a local process
pool and on a Dask LocalCluster (2 workers each). Prints a table; run with

    .venv/bin/python benchmarks/monitor.py [--checkpoints 20] [--samples 32] [--workers 2]
                                           [--modes serial,process,dask] [--warm] [--keep]

The other machine users load the CPU: compare the ratios, not the absolute seconds.
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from pathlib import Path

import numpy as np
import torch

from harsanyi.dynamics.monitor import Monitor
from harsanyi.games.players import Columns
from harsanyi.loading import FactorySpec
from harsanyi.store import RunStore


def _train(out: Path, epochs: int) -> tuple[FactorySpec, object]:
    from harsanyi.zoo import get_dataset, get_model, train

    ds = get_dataset("breast_cancer", label_noise=0.05)
    kw = {"in_features": ds.n_features, "n_classes": ds.n_classes, "width": 100}
    model = get_model("mlp5", seed=0, **kw)
    train(model, ds, out, epochs=epochs, lr=0.01, batch_size=32)
    return FactorySpec("zoo:mlp5", kw), ds


def _same(a: RunStore, b: RunStore) -> bool:
    return a.completed() == b.completed() and all(
        np.array_equal(a.read(e).arrays[k], b.read(e).arrays[k])
        for e in a.completed() for k in ("values", "and_values", "or_values", "q"))


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--checkpoints", type=int, default=20)
    p.add_argument("--samples", type=int, default=32)
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--samples-per-task", type=int, default=8)
    p.add_argument("--solver", default="fast")
    p.add_argument("--modes", default="serial,process,dask")
    p.add_argument("--warm", action="store_true",
                   help="warm-start the solver from the previous checkpoint (default: cold)")
    p.add_argument("--keep", action="store_true",
                   help="keep the training run and the stores (default: deleted at the end)")
    args = p.parse_args()
    torch.manual_seed(0)
    tmp = Path(tempfile.mkdtemp(prefix="harsanyi-bench-"))
    try:
        run(args, tmp)
    finally:
        if not args.keep:
            shutil.rmtree(tmp, ignore_errors=True)


def run(args: argparse.Namespace, tmp: Path) -> None:
    """Train, monitor in each mode under ``tmp``, print the table."""
    t0 = time.perf_counter()
    factory, ds = _train(tmp / "train", args.checkpoints - 1)
    print(f"trained MLP-5 for {args.checkpoints - 1} epochs in {time.perf_counter() - t0:.1f} s "
          f"({tmp / 'train'})")
    half = args.samples // 2
    X = np.concatenate([ds.X_train[:half], ds.X_test[: args.samples - half]])
    y = np.concatenate([ds.y_train[:half], ds.y_test[: args.samples - half]])
    kind, q_bound = "and_or", 0.02
    try:
        from harsanyi.extract.solvers import solve  # noqa: F401
    except ImportError:
        kind, q_bound = "and", 0.0
        print("!! harsanyi.extract.solvers is missing: timing AND-only Möbius (no q) instead")
    rows, stores = [], {}
    for mode in args.modes.split(","):
        mon = Monitor(tmp / f"run-{mode}", X, targets=y, split=["train"] * half + ["test"] * (
            args.samples - half), players=Columns(list(range(10))), kind=kind, q_bound=q_bound,
            solver=args.solver, samples_per_task=args.samples_per_task, model=factory,
            source="benchmark", warm_start=args.warm)
        t0 = time.perf_counter()
        store = mon.run(tmp / "train", executor=mode, workers=args.workers, progress=False)
        wall = time.perf_counter() - t0
        stores[mode] = store
        s = mon.stats
        n_ext = s["n_forwards"] / 2**10
        rows.append((mode, wall, s["n_forwards"] / wall, n_ext / wall,
                     s["n_forwards"] / max(s["seconds_forward"], 1e-9),
                     n_ext / max(s["seconds_extract"], 1e-9)))
    base = rows[0][1]
    ref = stores[rows[0][0]]
    print(f"\n{args.checkpoints} checkpoints × {args.samples} samples × n = 10, MLP-5 (width "
          f"100), kind={kind}, solver={args.solver}, q_bound={q_bound}, warm start {args.warm}, "
          f"workers={args.workers}, "
          "1 torch thread per worker and in the serial run")
    head = (f"{'mode':<8} {'wall s':>8} {'speed-up':>9} {'fwd/s (wall)':>13} "
            f"{'extr/s (wall)':>14} {'fwd/s (task)':>13} {'extr/s (task)':>14} {'= serial':>9}")
    print(head)
    print("-" * len(head))
    for mode, wall, fw, ex, fw_t, ex_t in rows:
        same = "yes" if _same(stores[mode], ref) else "NO"
        print(f"{mode:<8} {wall:8.1f} {base / wall:9.2f} {fw:13,.0f} {ex:14.2f} {fw_t:13,.0f} "
              f"{ex_t:14.2f} {same:>9}")
    print("\nwall: end to end incl. pool/cluster start and store writes; task: time inside "
          "the tasks (per worker)")


if __name__ == "__main__":
    main()
