"""Benchmark of a sampled monitor run: 10 checkpoints × 8 samples at n = 32, budget 2,000.

End to end: a small MLP (MLP-3, width 64) is trained here on 32 synthetic tabular features
(scikit-learn's ``make_classification``), a checkpoint saved after every epoch; then the
monitor evaluates the same 2,000 masks per sample at every checkpoint (``budget=2000``), runs
the sparse AND-OR extraction, refits the union of supports and writes the run store; the
report is rendered from the store. Prints a table of wall time and peak memory per phase, the
held-out R² per checkpoint and the store's size; run with

    .venv/bin/python benchmarks/sampled_monitor.py [--checkpoints 10] [--samples 8]
        [--n 32] [--budget 2000] [--executor serial|process] [--workers 2]
        [--max-pivots P] [--max-rounds R] [--keep]

Peak memory is the resident set size (``ru_maxrss``) of this process and, for a process
pool, the largest of its workers. The other machine users load the CPU: the seconds are noisy.
"""

from __future__ import annotations

import argparse
import resource
import shutil
import tempfile
import time
from pathlib import Path

import numpy as np
import torch

from harsanyi.dynamics.monitor import Monitor
from harsanyi.loading import FactorySpec
from harsanyi.workflows.demo_analysis import report_from_run


def _train(out: Path, n: int, epochs: int) -> tuple[FactorySpec, np.ndarray, np.ndarray]:
    """Train MLP-3 on ``n`` synthetic features, saving ``epoch_<t>.pt`` after every epoch."""
    from sklearn.datasets import make_classification  # heavy: only the benchmark needs it

    X, y = make_classification(n_samples=600, n_features=n, n_informative=n // 2,
                               n_redundant=4, random_state=0)
    X = ((X - X.mean(0)) / X.std(0)).astype(np.float32)
    spec = FactorySpec("harsanyi.zoo.mlp:MLP", {"in_features": n, "n_classes": 2,
                                                "n_layers": 3, "width": 64})
    torch.manual_seed(0)
    net = spec.build()
    opt = torch.optim.Adam(net.parameters(), lr=3e-3)
    xt, yt = torch.as_tensor(X[:500]), torch.as_tensor(y[:500])
    out.mkdir(parents=True, exist_ok=True)
    for epoch in range(epochs):
        for idx in torch.randperm(500).split(32):
            opt.zero_grad()
            torch.nn.functional.cross_entropy(net(xt[idx]), yt[idx]).backward()
            opt.step()
        torch.save(net.state_dict(), out / f"epoch_{epoch}.pt")
    return spec, X[500:], y[500:]


def _peak_mib() -> tuple[float, float]:
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return own, kids


def _size_mib(path: Path) -> float:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) / 2**20


def run(args: argparse.Namespace, tmp: Path) -> None:
    """Train, monitor with a budget, report; print the table."""
    rows = []
    t0 = time.perf_counter()
    spec, X, y = _train(tmp / "train", args.n, args.checkpoints)
    rows.append(("train MLP-3 (checkpoint per epoch)", time.perf_counter() - t0, *_peak_mib()))
    mon = Monitor(tmp / "run", X[: args.samples], targets=y[: args.samples], players="all",
                  budget=args.budget, q_bound=args.q_bound, model=spec, source="benchmark",
                  samples_per_task=args.samples_per_task,
                  solver_options={k: v for k, v in (("max_pivots", args.max_pivots),
                                                    ("max_rounds", args.max_rounds))
                                  if v is not None})
    t0 = time.perf_counter()
    store = mon.run(tmp / "train", executor=args.executor, workers=args.workers,
                    progress=False)
    wall = time.perf_counter() - t0
    rows.append(("monitor (forwards, extraction, union refit)", wall, *_peak_mib()))
    t0 = time.perf_counter()
    report_from_run(tmp / "run", tmp / "report", force=True)
    rows.append(("report (analyses on union curves, HTML)", time.perf_counter() - t0,
                 *_peak_mib()))
    s, arr = mon.stats, store.arrays()
    print(f"\nsampled monitor: {args.checkpoints} checkpoints × {args.samples} samples × "
          f"n = {args.n}, budget {args.budget} ({mon.design.m if mon.design else '?'} masks, "
          f"design {store.config['sampling']['fingerprint']}), q_bound {args.q_bound}, "
          f"max_pivots {args.max_pivots}, max_rounds {args.max_rounds}, "
          f"executor {args.executor} ({args.workers} workers), {torch.get_num_threads()} "
          "torch threads here")
    head = f"{'phase':<46} {'wall s':>8} {'peak MiB (self)':>16} {'peak MiB (workers)':>19}"
    print(head)
    print("-" * len(head))
    for name, sec, own, kids in rows:
        print(f"{name:<46} {sec:8.1f} {own:16.0f} {kids:19.0f}")
    print(f"\nmodel calls {s['n_forwards']:,}; inside tasks: forwards "
          f"{s['seconds_forward']:.1f} s, "
          f"extraction {s['seconds_extract']:.1f} s "
          f"({s['seconds_extract'] / (args.checkpoints * args.samples):.2f} s per sample and "
          "checkpoint)")
    print(f"run store {_size_mib(tmp / 'run'):.2f} MiB on disk; union: {arr.support.size} "
          f"atoms over all samples, {arr.in_union.sum(1).mean():.1f} per sample")
    print(f"\n{'epoch':>5} {'held-out R² (median)':>21} {'(worst)':>8} {'refit R²':>9} "
          f"{'certified':>10}")
    for t, e in enumerate(arr.epochs):
        opt = store.read(int(e)).arrays["optimal"]
        print(f"{int(e):5d} {np.median(arr.found_r2[t]):21.4f} {arr.found_r2[t].min():8.4f} "
              f"{np.median(arr.holdout_r2[t]):9.4f} {opt.mean():10.0%}")


def main() -> None:
    p = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    p.add_argument("--checkpoints", type=int, default=10)
    p.add_argument("--samples", type=int, default=8)
    p.add_argument("--n", type=int, default=32)
    p.add_argument("--budget", type=int, default=2000)
    p.add_argument("--q-bound", type=float, default=0.02)
    p.add_argument("--samples-per-task", type=int, default=2)
    p.add_argument("--max-pivots", type=int, default=None,
                   help="simplex pivots in all per sample of the sparse extraction (past it "
                        "the result is not certified; default: sparse_and_or's)")
    p.add_argument("--max-rounds", type=int, default=None,
                   help="row/column generation rounds of the sparse extraction (default: "
                        "sparse_and_or's)")
    p.add_argument("--executor", default="process")
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--keep", action="store_true", help="keep the run and report folders")
    args = p.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="harsanyi-sampled-"))
    try:
        run(args, tmp)
    finally:
        if args.keep:
            print(f"kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
