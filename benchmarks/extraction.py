"""How close and how fast are the AND-OR solvers? (objective / LP optimum, seconds per sample)

Two families of n-player games, ``--samples`` each:

* planted: 3–6 AND terms ``c_T·1(T⊆S)`` and 2–4 OR terms ``d_T·1(T∩S≠∅)`` at random orders
  1–5, plus uniform output noise ``|ε| ≤ ζ``;
* MLP: a small MLP trained for a few seconds on ``n`` features of sklearn's breast-cancer data;
  ``v(x_S)`` = log-odds of the true class with the masked features at the training mean.

``ζ = 0.02·|v(N) − v(∅)|``. "exact" (HiGHS LP) is the reference; "fast" runs batched over
``--chunk`` samples at a time, interleaved with "exact" on the same chunk so that both see the
same machine load; "sgd" (10,000 iterations by default) is timed on ``--sgd-samples`` samples.
Timings are process CPU seconds per sample with one thread (on a shared machine compare the
ratios, not the seconds).

    python benchmarks/extraction.py             # n = 10, 64 samples per family
    python benchmarks/extraction.py --quick     # n = 8, 8 samples, sgd 2,000 iterations
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import torch

from harsanyi.extract.solvers import solve


def planted_games(n: int, count: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    masks = np.arange(2**n)
    games = np.zeros((count, 2**n))
    for b in range(count):
        v = np.full(2**n, rng.normal())
        for kind, terms in (("and", rng.integers(3, 7)), ("or", rng.integers(2, 5))):
            for _ in range(terms):
                order = rng.integers(1 if kind == "and" else 2, min(n, 5) + 1)
                t = int(sum(1 << i for i in rng.choice(n, order, replace=False)))
                coef = rng.choice([-1, 1]) * rng.uniform(0.5, 2.0)
                v += coef * (((t & ~masks) == 0) if kind == "and" else ((t & masks) != 0))
        zeta = 0.02 * abs(v[-1] - v[0])
        games[b] = v + rng.uniform(-zeta, zeta, 2**n)
    return games, 0.02 * np.abs(games[:, -1] - games[:, 0])


def mlp_games(n: int, count: int, seed: int = 0, epochs: int = 300) -> tuple[np.ndarray, ...]:
    from sklearn.datasets import load_breast_cancer

    x, y = load_breast_cancer(return_X_y=True)
    x = x[:, :n]
    x = (x - x.mean(0)) / x.std(0)
    torch.manual_seed(seed)
    net = torch.nn.Sequential(torch.nn.Linear(n, 32), torch.nn.ReLU(), torch.nn.Linear(32, 32),
                              torch.nn.ReLU(), torch.nn.Linear(32, 2))
    opt = torch.optim.Adam(net.parameters(), lr=3e-3)
    xt, yt = torch.tensor(x, dtype=torch.float32), torch.tensor(y)
    for _ in range(epochs):  # a few seconds
        opt.zero_grad()
        torch.nn.functional.cross_entropy(net(xt), yt).backward()
        opt.step()
    masks = ((np.arange(2**n)[:, None] >> np.arange(n)) & 1).astype(bool)
    rows = np.random.default_rng(seed).choice(len(x), count, replace=False)
    games = np.zeros((count, 2**n))
    with torch.no_grad():
        for b, i in enumerate(rows):
            masked = np.where(masks, x[i], 0.0).astype(np.float32)  # 0 = training mean
            p = torch.softmax(net(torch.from_numpy(masked)).double(), -1)[:, y[i]]
            games[b] = torch.log(p / (1 - p + 1e-7) + 1e-7).numpy()
    return games, 0.02 * np.abs(games[:, -1] - games[:, 0])


def timed(values, bound, solver, **options):
    start = time.process_time()
    result = solve(values, bound, solver=solver, **options)
    return result, (time.process_time() - start) / len(values)


def interleaved(values, bound, chunk: int):
    """exact and fast on the same chunks, alternately; objectives, info and s/sample."""
    out = {"exact": ([], [], 0.0), "fast": ([], [], 0.0)}
    for start in range(0, len(values), chunk):
        part = slice(start, start + chunk)
        for solver in ("exact", "fast"):
            res, sec = timed(values[part], bound[part], solver)
            objs, infos, total = out[solver]
            out[solver] = ([*objs, res.objective], [*infos, res.info],
                           total + sec * len(res.objective))
    return {k: (np.concatenate(o), i, t / len(values)) for k, (o, i, t) in out.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10)
    parser.add_argument("--samples", type=int, default=64)
    parser.add_argument("--sgd-samples", type=int, default=2)
    parser.add_argument("--sgd-iters", type=int, default=10_000)
    parser.add_argument("--chunk", type=int, default=16, help="samples per fast batch")
    parser.add_argument("--quick", action="store_true", help="n=8, 8 samples, 2,000 sgd iters")
    args = parser.parse_args()
    if args.quick:
        args.n, args.samples, args.sgd_iters = 8, 8, 2_000
    torch.set_num_threads(1)
    print(f"n = {args.n}, {args.samples} samples per family, zeta = 0.02|v(N) - v(0)|, "
          f"CPU seconds per sample (1 thread)")
    header = (f"{'games':8} {'solver':22} {'obj/LP mean':>11} {'obj/LP max':>10} "
              f"{'s/sample':>9} {'residual':>9}")
    print(header)
    print("-" * len(header))
    for family, maker in (("planted", planted_games), ("MLP", mlp_games)):
        values, bound = maker(args.n, args.samples)
        both = interleaved(values, bound, args.chunk)
        opt = np.maximum(both["exact"][0], 1e-12)
        runs = []
        for name, key in (("exact (HiGHS IPM)", "exact"), ("fast", "fast")):
            objs, infos, sec = both[key]
            resid = max(i["residual"].max() for i in infos)
            runs.append((name, objs, sec, resid))
        k = args.sgd_samples
        for backend in ("dense", "transform"):
            res, t_sgd = timed(values[:k], bound[:k], "sgd", niter=args.sgd_iters,
                               backend=backend)
            runs.append((f"sgd {backend} {args.sgd_iters} it", res.objective, t_sgd,
                         res.info["residual"].max()))
        for name, objs, sec, resid in runs:
            ratio = objs / opt[:len(objs)]
            print(f"{family:8} {name:22} {ratio.mean():11.4f} {ratio.max():10.4f} "
                  f"{sec:9.3f} {resid:9.1e}")
        infos = both["fast"][1]
        fb = sum(int(np.sum(i["fallback"])) for i in infos)
        gap = max(i["gap"].max() for i in infos)
        print(f"{'':8} fast: {both['exact'][2] / both['fast'][2]:.1f}x faster than exact, "
              f"{runs[2][2] / both['fast'][2]:.0f}x faster than sgd dense, {fb} full-LP "
              f"fallbacks, max certified gap {gap:.1e}")


if __name__ == "__main__":
    main()
