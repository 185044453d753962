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
    python benchmarks/extraction.py --quick     # n = 8, 8 samples, sgd 2,000 its; --warm 6
    python benchmarks/extraction.py --only-selection --sizes 10,12   # vertex vs canonical
    python benchmarks/extraction.py --only-selection --sizes 16 --families planted,noisy
    python benchmarks/extraction.py --only-selection --sizes 14,16 --canonical-max 14
    python benchmarks/extraction.py --warm 10   # consecutive checkpoints, cold vs warm start
    python benchmarks/extraction.py --only-selection --sizes 10,12,14,16 \
        --selection-samples 8,2,1,1 --time-limit 300    # one table, every game cut at 300 s

The vertex-vs-canonical table adds two hard families: noisy planted games (Gaussian noise 0.01
on every v(x_S), not absorbed by q) and an MLP over-fitted to 20% flipped labels.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable

import numpy as np
import torch
from _limited import Stages, run_games

from harsanyi.extract.solvers import solve
from harsanyi.extract.solvers.canonical import select_canonical
from harsanyi.extract.solvers.exact import MAX_EXACT_PLAYERS
from harsanyi.extract.solvers.fast import FULL_LP_MAX_PLAYERS
from harsanyi.metrics.tracking import pooled
from harsanyi.zoo.synthetic import box_noise_planted_games, noisy_planted_games


def planted_games(n: int, count: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """The zoo's planted games with noise inside the box, and their bounds."""
    games = box_noise_planted_games(n, count, seed)
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


def noisy_planted(n: int, count: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """The zoo's noisy planted games and their noise bounds ``0.02·|v(N) − v(∅)|``."""
    games = noisy_planted_games(n, count, seed)
    return games, 0.02 * np.abs(games[:, -1] - games[:, 0])


def overfit_mlp_checkpoints(n: int, count: int, seed: int = 0, epochs: int = 1500,
                            checkpoints: int = 4, every: int = 50) -> np.ndarray:
    """Games ``(checkpoints, count, 2**n)`` of an MLP over-fitted to breast-cancer data with 20%
    flipped labels (full-batch Adam, ``epochs`` epochs), at its last ``checkpoints`` epochs
    ``every`` apart; ``v(x_S)`` = logit margin of the (noisy) label, masked features at the
    training mean."""
    from sklearn.datasets import load_breast_cancer

    x, y = load_breast_cancer(return_X_y=True)
    x = x[:, :n]
    x = (x - x.mean(0)) / x.std(0)
    rng = np.random.default_rng(seed)
    y = np.where(rng.random(len(y)) < 0.2, 1 - y, y)
    torch.manual_seed(seed)
    net = torch.nn.Sequential(torch.nn.Linear(n, 128), torch.nn.ReLU(), torch.nn.Linear(128, 128),
                              torch.nn.ReLU(), torch.nn.Linear(128, 2))
    opt = torch.optim.Adam(net.parameters(), lr=3e-3)
    xt, yt = torch.tensor(x, dtype=torch.float32), torch.tensor(y)
    masks = ((np.arange(2**n)[:, None] >> np.arange(n)) & 1).astype(bool)
    rows = rng.choice(len(x), count, replace=False)
    snaps = set(range(epochs - (checkpoints - 1) * every, epochs + 1, every))
    out = []
    for epoch in range(1, epochs + 1):
        opt.zero_grad()
        torch.nn.functional.cross_entropy(net(xt), yt).backward()
        opt.step()
        if epoch in snaps:
            with torch.no_grad():
                games = []
                for i in rows:
                    masked = torch.from_numpy(np.where(masks, x[i], 0.0).astype(np.float32))
                    logit = net(masked).double()
                    games.append((logit[:, y[i]] - logit[:, 1 - y[i]]).numpy())
            out.append(games)
    return np.array(out)


def overfit_mlp_games(n: int, count: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """The last checkpoint of :func:`overfit_mlp_checkpoints`."""
    games = overfit_mlp_checkpoints(n, count, seed, checkpoints=1)[-1]
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


FAMILIES = {"planted": planted_games, "noisy": noisy_planted, "MLP": mlp_games,
            "overfit": overfit_mlp_games}


def family_names(parser: argparse.ArgumentParser, text: str) -> list[str]:
    """The comma-separated names of :data:`FAMILIES` in ``text``; a parser error on others."""
    families = text.split(",")
    if unknown := sorted(set(families) - set(FAMILIES)):
        parser.error(f"unknown families {unknown}; choose among {list(FAMILIES)}")
    return families


def salient(r) -> np.ndarray:
    p = np.abs(np.concatenate([r.and_values[:, 1:], r.or_values], -1))
    return (p >= 0.05 * p.max(-1, keepdims=True)).sum(-1)


def nonzero(r) -> np.ndarray:
    return np.count_nonzero(np.concatenate([r.and_values[:, 1:], r.or_values], -1), -1)


def game_stages(values: np.ndarray, bound: np.ndarray, epsilons: list[float],
                canonical: bool) -> Stages:
    """The stages of one game (``values`` of shape ``(1, 2**n)``): its vertex ("fast"), then
    its canonical split at each of ``epsilons`` (unless not ``canonical``); each reports its
    CPU seconds and what the table needs."""

    def stages(report: Callable[[dict], None]) -> None:
        start = time.process_time()
        vertex = solve(values, bound, solver="fast")
        report({"seconds": time.process_time() - start, "objective": vertex.objective[0],
                "salient": salient(vertex)[0], "nonzero": nonzero(vertex)[0],
                "certified": bool(vertex.info["converged"][0])})
        for epsilon in epsilons if canonical else ():
            start = time.process_time()
            canon = select_canonical(values, bound, "and_or", vertex, epsilon)
            report({"seconds": time.process_time() - start, "objective": canon.objective[0],
                    "salient": salient(canon)[0], "nonzero": nonzero(canon)[0],
                    "qp_its": canon.info["qp_iterations"][0],
                    "eqps": canon.info["equality_qps"][0],
                    "polished": bool(canon.info["polished"][0])})

    return stages


def selection_table(sizes: list[int], samples: list[int], epsilons: list[float],
                    families: list[str] | None = None, canonical_max: int | None = None,
                    limit: float | None = None) -> None:
    """vertex ("fast") vs canonical (fast + selection): s/game, objective / LP optimum.

    ``samples[i]`` games per family at ``sizes[i]`` players; one row per family and ``ε`` of
    ``epsilons`` (the vertex is solved once per game); ``families``: names of
    :data:`FAMILIES` to run (all by default); above ``canonical_max`` players only the vertex
    is timed (its canonical columns read "-"). ``limit``: CPU seconds each game may spend on
    its vertex and on each canonical split (``_limited.py``; above ``FULL_LP_MAX_PLAYERS``
    in forked children whose CPU time the kernel caps as well, since a single restricted LP
    there can run for minutes); a stage stopped there counts in "stopped" (vertex,
    canonical) and is left out of the means, as are the canonical splits of a stopped
    vertex; "> limit" where no game finished.
    "atoms c/v": the median ratio of nonzero atoms, canonical to vertex (the canonical
    split's tail of tiny atoms that fit the noise, docs/selection.md); "QP its" and "EQPs":
    interior-point iterations and the polish's equality QPs per game, a measure of the
    selection's work that, unlike seconds, does not depend on the machine's load.
    """
    print(f"\nvertex vs canonical, {'/'.join(map(str, samples))} games per family at n = "
          f"{'/'.join(map(str, sizes))}, CPU s/game"
          + (f", at most {limit:g} CPU s per game and stage" if limit else ""))
    head = _columns(list(SELECTION_COLUMNS))
    print(head)
    print("-" * len(head))
    for n, count in zip(sizes, samples, strict=True):
        canonical = canonical_max is None or n <= canonical_max
        for family, maker in FAMILIES.items():
            if families is not None and family not in families:
                continue
            values, bound = maker(n, count)
            games = run_games([game_stages(values[b:b + 1], bound[b:b + 1], epsilons,
                                           canonical) for b in range(count)],
                              limit, isolate=n > FULL_LP_MAX_PLAYERS)
            solved = [b for b, got in enumerate(games) if got]
            opt = np.array([games[b][0]["objective"] for b in solved])
            if n <= MAX_EXACT_PLAYERS and solved:
                opt = solve(values[solved], bound[solved], solver="exact").objective
            rows = [(epsilon, k + 1) for k, epsilon in enumerate(epsilons)] if canonical \
                else [(None, 1)]
            for epsilon, stage in rows:
                print(_selection_row(n, family, epsilon, games, solved, opt, stage, limit),
                      flush=True)
    print("obj/LP against the exact LP (n <= 10) or the optimum of 'fast' above; certified:"
          " the share of games whose 'fast' optimum carries its certificate; stopped: games "
          "whose vertex / canonical split reached the limit")


#: Headers and widths of the columns of :func:`selection_table`.
SELECTION_COLUMNS = {"n": 2, "games": -8, "eps": 6, "vertex s": 9, "canon s": 8, "ratio": 6,
                     "v obj/LP": 9, "c obj/LP max": 12, "salient c/v med": 15, "max": 5,
                     "atoms c/v": 9, "QP its": 6, "EQPs": 5, "polished": 8, "certified": 9,
                     "stopped": 7}


def _columns(fields: list[str]) -> str:
    """``fields`` (one per column of :data:`SELECTION_COLUMNS`, "-" after the last given)
    aligned: right, or left where the width is negative."""
    fields = fields + ["-"] * (len(SELECTION_COLUMNS) - len(fields))
    return " ".join(f"{f:<{-w}}" if w < 0 else f"{f:>{w}}"
                    for f, w in zip(fields, SELECTION_COLUMNS.values(), strict=True))


def _selection_row(n: int, family: str, epsilon: float | None, games: list[list[dict]],
                   solved: list[int], opt: np.ndarray, stage: int,
                   limit: float | None) -> str:
    """One row of :func:`selection_table`: ``games`` the records of each game's stages,
    ``solved`` the games whose vertex finished, ``opt`` their LP optima, ``stage`` the index
    of the row's canonical split in each game's records."""
    over = "-" if limit is None else f"> {limit:g}"
    lead = [f"{n:d}", family, "-" if epsilon is None else f"{epsilon:g}"]
    canon_stopped = "-" if epsilon is None else \
        f"{sum(len(games[b]) <= stage for b in solved)}"
    stopped = f"{len(games) - len(solved)}/{canon_stopped}"
    if not solved:
        return _columns([*lead, over] + ["-"] * 11 + [stopped])
    vertex = _field_arrays([games[b][0] for b in solved])
    v_obj = f"{(vertex['objective'] / opt).max():.6f}"
    certified = f"{vertex['certified'].mean():.0%}"
    done = np.array([len(games[b]) > stage for b in solved])
    if epsilon is None or not done.any():
        canon_s = "-" if epsilon is None else over
        return _columns([*lead, f"{vertex['seconds'].mean():.3f}", canon_s, "-", v_obj]
                        + ["-"] * 7 + [certified, stopped])
    canon = _field_arrays([games[b][stage] for b, ok in zip(solved, done, strict=True) if ok])
    t_v, t_c = vertex["seconds"][done].mean(), (vertex["seconds"][done] + canon["seconds"]).mean()
    ratio = canon["salient"] / vertex["salient"][done]
    return _columns([*lead, f"{vertex['seconds'].mean():.3f}", f"{t_c:.3f}", f"{t_c / t_v:.1f}",
                     v_obj, f"{(canon['objective'] / opt[done]).max():.6f}",
                     f"{np.median(ratio):.2f}", f"{ratio.max():.2f}",
                     f"{np.median(canon['nonzero'] / vertex['nonzero'][done]):.1f}",
                     f"{canon['qp_its'].mean():.1f}", f"{canon['eqps'].mean():.1f}",
                     f"{canon['polished'].mean():.0%}", certified, stopped])


def _field_arrays(records: list[dict]) -> dict[str, np.ndarray]:
    """The records of one stage over games, as one array per field."""
    return {key: np.array([r[key] for r in records]) for key in records[0]}


def warm_table(n: int, samples: int) -> None:
    """Consecutive checkpoints: the canonical split cold vs warm-started from the previous one.

    The over-fitted MLP of :func:`overfit_mlp_checkpoints` at 4 checkpoints 50 epochs apart;
    at each checkpoint after the first, the selection stage is timed cold and with
    ``warm_start`` = the previous checkpoint's canonical split, as ``hs.and_or(...,
    warm_start=)`` and a warm-started monitor do (the LP vertex starts cold either way and is
    timed once). "seeded": the share of games the warm start seeded
    (``canonical.SEED_OVERLAP``); "QP its": the selection's interior-point iterations per game
    (a count, unlike seconds independent of the load); "diff": the largest relative L1
    difference of the two canonical splits (the answer must not depend on the warm start).
    """
    games = overfit_mlp_checkpoints(n, samples)
    print(f"\ncanonical split cold vs warm-started from the previous checkpoint, over-fitted MLP, "
          f"n = {n}, {samples} games, CPU s/game")
    head = (f"{'ckpt':>4} {'vertex':>7} {'select cold':>11} {'warm':>6} {'total ratio':>11} "
            f"{'seeded':>6} {'QP its cold':>11} {'warm':>5} {'rounds cold':>11} {'warm':>5} "
            f"{'diff':>8}")
    print(head)
    print("-" * len(head))
    prev = None
    for c, values in enumerate(games):
        bound = 0.02 * np.abs(values[:, -1] - values[:, 0])
        vertex, t_v = timed(values, bound, "fast")
        runs = []
        for warm in (None, prev) if prev is not None else (None,):
            start = time.process_time()
            canon = select_canonical(values, bound, "and_or", vertex, 0.01, warm_start=warm)
            runs.append((canon, (time.process_time() - start) / samples))
        if prev is not None:
            (cold, t0), (hot, t1) = runs
            a, b = pooled(cold.and_values, cold.or_values), pooled(hot.and_values,
                                                                   hot.or_values)
            diff = (np.abs(b - a).sum(-1) / np.abs(a).sum(-1)).max()
            its = (cold.info["qp_iterations"].mean(), hot.info["qp_iterations"].mean())
            rounds = (cold.info["selection_rounds"].mean(), hot.info["selection_rounds"].mean())
            print(f"{c:4d} {t_v:7.2f} {t0:11.2f} {t1:6.2f} {(t_v + t0) / (t_v + t1):11.2f} "
                  f"{hot.info['seeded'].mean():6.0%} {its[0]:11.1f} {its[1]:5.1f} "
                  f"{rounds[0]:11.1f} {rounds[1]:5.1f} {diff:8.1e}", flush=True)
        prev = runs[0][0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10)
    parser.add_argument("--samples", type=int, default=64)
    parser.add_argument("--sgd-samples", type=int, default=2)
    parser.add_argument("--sgd-iters", type=int, default=10_000)
    parser.add_argument("--chunk", type=int, default=16, help="samples per fast batch")
    parser.add_argument("--quick", action="store_true", help="n=8, 8 samples, 2,000 sgd iters")
    parser.add_argument("--sizes", default="10", help="n of the vertex-vs-canonical table")
    parser.add_argument("--selection-samples", default="8",
                        help="games per family: one count, or one per size of --sizes")
    parser.add_argument("--time-limit", type=float, default=None, metavar="S",
                        help="CPU seconds each game may spend on its vertex and on each "
                             "canonical split (reported as stopped past it)")
    parser.add_argument("--epsilon", default="0.01",
                        help="comma-separated ε of the canonical split, one row each")
    parser.add_argument("--only-selection", action="store_true")
    parser.add_argument("--families", default=",".join(FAMILIES),
                        help=f"families of the vertex-vs-canonical table, of {list(FAMILIES)}")
    parser.add_argument("--canonical-max", type=int, default=None,
                        help="time only the vertex above this many players")
    parser.add_argument("--warm", type=int, default=0, metavar="N",
                        help="only the table of consecutive checkpoints, cold vs warm-started, "
                             "at N players")
    args = parser.parse_args()
    families = family_names(parser, args.families)
    epsilons = [float(e) for e in args.epsilon.split(",")]
    if bad := [e for e in epsilons if not e >= 0]:
        parser.error(f"--epsilon must be >= 0; got {bad}")
    if args.time_limit is not None and not args.time_limit > 0:
        parser.error(f"--time-limit must be > 0; got {args.time_limit}")
    if args.quick:
        args.n, args.samples, args.sgd_iters = 8, 8, 2_000
        args.sizes, args.selection_samples = "6", "2"
    sizes = [int(k) for k in args.sizes.split(",")]
    counts = [int(k) for k in args.selection_samples.split(",")]
    if len(counts) == 1:
        counts *= len(sizes)
    if len(counts) != len(sizes):
        parser.error(f"--selection-samples gives {len(counts)} counts for {len(sizes)} sizes")
    torch.set_num_threads(1)
    if args.warm:
        warm_table(args.warm, counts[0])
        return
    if args.only_selection:
        selection_table(sizes, counts, epsilons, families, args.canonical_max, args.time_limit)
        return
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
    selection_table(sizes, counts, epsilons, families, args.canonical_max, args.time_limit)
    if args.quick:
        warm_table(6, 2)


if __name__ == "__main__":
    main()
