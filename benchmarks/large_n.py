"""Sparse AND-OR interactions beyond 2^n: planted games at n = 32 and 64, scale, and agreement
with the exhaustive answer on a small trained model (docs/sparse.md).

Tables printed:

1. **planted**: per n and budget (model calls per sample), over ``--seeds`` games of
   ``--terms`` AND and OR terms of orders 1-4 on distinct, non-nested supports, magnitudes
   0.5-2 with random signs, uniform output noise ±``--noise``; ``q_bound`` is set so that
   ζ = q_bound·|v(N) − v(∅)| equals the noise amplitude. Support = atoms with
   ``|I| > --threshold``; F1 against the planted terms (which are the L1-minimal split of the
   noiseless game); relative value error ``‖Î − I‖₂ / ‖I‖₂`` over the union of planted and
   found atoms after a least-squares refit on the found support; held-out R²; wall time.
   Then the smallest budget of the list at which every seed reaches F1 ≥ 0.95, per n.
1b. **calls vs n** (``--curve-n``, ``--curve-budgets``): per n, the smallest budget of the grid
   at which the median over seeds reaches F1 ≥ 0.95 and value error ≤ 5%, with calls/n and
   calls/(n log2 n), and the growth ratio as n doubles.
2. **scale**: n = ``--scale-n``, ``--scale-budget`` calls, one sample: wall time (design,
   game, extraction) and peak memory (Python heap by tracemalloc, process peak RSS).
3. **exhaustive** (``--exhaustive-n``, 0 to skip): a text CNN over tokens (the zoo's TextCNN on
   a synthetic token task) and, at n = 12, a small CNN over 4x3 patches of scikit-learn's
   digits, each trained here for a few seconds; the top-20 of the sampled result at budgets
   2^n/4, /16, /64 against the top-20 of the exhaustive ``and_or`` on all 2^n masks (same q
   bound), held-out R².
4. **peers** (needs the optional ``shapiq`` and ``lightgbm``: ``pip install -e '.[peers]'``):
   held-out R² against calls for ours and shapiq's SPEX / ProxySPEX on the same held-out masks,
   for ``--peer-models``: the trained MLP over ``--peer-n`` features and the TextCNN of table 3
   over ``--peer-n`` tokens.

Smoke run: ``python benchmarks/large_n.py --n 16 --budgets 400 --seeds 1 --terms 6
--curve-n 12 --curve-budgets 250 --scale-n 20 --scale-budget 400 --exhaustive-n 8 --peer-n 0``.
"""

from __future__ import annotations

import argparse
import itertools
import resource
import time
import tracemalloc

import numpy as np
import torch

import harsanyi as hs
from harsanyi.extract import refit
from harsanyi.games import Patches, SampleDesign, SampledGame, Tokens, minimum_budget
from harsanyi.zoo import load_digits
from harsanyi.zoo.synthetic import planted_sparse_terms
from harsanyi.zoo.text import textcnn


def planted_game(terms: list, design: SampleDesign, noise: float, seed: int) -> SampledGame:
    rng = np.random.default_rng(seed + 1000)

    def fn(masks: np.ndarray) -> np.ndarray:
        out = np.zeros(len(masks))
        for is_or, t, value in terms:
            sub = masks[:, list(t)]
            out += value * (sub.any(1) if is_or else sub.all(1))
        return out + noise * rng.uniform(-1.0, 1.0, len(masks))

    return SampledGame.from_function(fn, design)


def q_bound_for(game: SampledGame, zeta: float) -> float:
    gap = abs(float(game.values[1] - game.values[0]))  # rows 0, 1 of a design: ∅ and N
    return zeta / max(gap, 1e-12)


def score(game: SampledGame, result, terms: list, threshold: float) -> tuple[float, float]:
    """F1 of the support and relative value error after a least-squares refit."""
    top = result.salient(threshold)
    found = set(zip(top.is_or.tolist(), top.subsets(), strict=True))
    truth = {(o, t): v for o, t, v in terms}
    tp = len(found & set(truth))
    f1 = 2 * tp / max(1, len(found) + len(truth))
    fitted = refit(game, top.support, top.is_or) if len(found) else None
    got = {}
    if fitted is not None:
        keys = zip(fitted.is_or.tolist(), fitted.subsets(), strict=True)
        got = dict(zip(keys, fitted.values, strict=True))
    keys = set(truth) | set(got)
    err = np.array([got.get(k, 0.0) - truth.get(k, 0.0) for k in keys])
    ref = np.array(list(truth.values()))
    return f1, float(np.linalg.norm(err) / np.linalg.norm(ref))


def table_planted(args: argparse.Namespace) -> None:
    print(f"# planted: {args.terms} AND/OR terms of orders 1-4, |value| in [0.5, 2], noise "
          f"±{args.noise}, ζ = noise (q_bound = ζ/|v(N)−v(∅)|), support = |I| > "
          f"{args.threshold}, {args.seeds} seeds")
    print(f"{'n':>3} {'calls':>6} {'F1 min':>7} {'F1 med':>7} {'val err med':>11} "
          f"{'R2 med':>8} {'certified':>9} {'time s':>7}")
    needed = {}
    for n in args.n:
        for budget in args.budgets:
            rows = []
            for seed in range(args.seeds):
                terms = planted_sparse_terms(n, args.terms, np.random.default_rng(seed))
                game = planted_game(terms, SampleDesign.build(n, budget, seed=seed), args.noise,
                                    seed)
                start = time.perf_counter()
                res = hs.and_or(game, q_bound=q_bound_for(game, args.noise))
                took = time.perf_counter() - start
                f1, err = score(game, res, terms, args.threshold)
                rows.append((f1, err, float(res.holdout_r2),
                             res.metadata["certificate"][0]["optimal"], took))
            f1s, errs, r2s, certs, times = map(np.array, zip(*rows, strict=True))
            print(f"{n:>3} {budget:>6} {f1s.min():>7.3f} {np.median(f1s):>7.3f} "
                  f"{np.median(errs):>11.4f} {np.median(r2s):>8.5f} "
                  f"{int(certs.sum()):>4}/{len(certs):<4} {np.median(times):>7.1f}", flush=True)
            if f1s.min() >= 0.95 and n not in needed:
                needed[n] = budget
    for n in args.n:
        print(f"n={n}: smallest budget of the list with F1 >= 0.95 on every seed: "
              f"{needed.get(n, 'none')}")


def run_planted(n: int, budget: int, seed: int, terms_count: int, noise: float,
                threshold: float) -> tuple[float, float, bool, float]:
    """One planted game: ``(F1, relative value error, certified, extraction seconds)``."""
    terms = planted_sparse_terms(n, terms_count, np.random.default_rng(seed))
    game = planted_game(terms, SampleDesign.build(n, budget, seed=seed), noise, seed)
    start = time.perf_counter()
    res = hs.and_or(game, q_bound=q_bound_for(game, noise))
    took = time.perf_counter() - start
    f1, err = score(game, res, terms, threshold)
    return f1, err, bool(res.metadata["certificate"][0]["optimal"]), took


def table_curve(args: argparse.Namespace) -> None:
    """Smallest budget of the grid with median F1 >= 0.95 and value error <= 5%, per n."""
    print(f"# calls vs n: {args.terms} planted terms, noise ±{args.noise}, {args.seeds} seeds; "
          "smallest budget of the grid where the median F1 >= 0.95 and the median value "
          "error <= 0.05")
    print(f"{'n':>4} {'calls':>6} {'F1 med':>7} {'err med':>8} {'certified':>9} "
          f"{'time s med':>10} {'calls/n':>8} {'calls/(n log2 n)':>16}")
    needed = {}
    for n in args.curve_n:
        for budget in args.curve_budgets:
            if budget < minimum_budget(n):
                continue
            rows = [run_planted(n, budget, seed, args.terms, args.noise, args.threshold)
                    for seed in range(args.seeds)]
            f1, err, cert, took = (np.array(c) for c in zip(*rows, strict=True))
            if np.median(f1) >= 0.95 and np.median(err) <= 0.05:
                needed[n] = budget
                print(f"{n:>4} {budget:>6} {np.median(f1):>7.3f} {np.median(err):>8.4f} "
                      f"{int(cert.sum()):>4}/{len(cert):<4} {np.median(took):>10.1f} "
                      f"{budget / n:>8.1f} {budget / (n * np.log2(n)):>16.2f}", flush=True)
                break
        else:
            print(f"{n:>4}   none of the budgets {args.curve_budgets} reached the bar")
    ns = sorted(needed)
    for a, b in itertools.pairwise(ns):
        print(f"n {a} -> {b}: calls x{needed[b] / needed[a]:.2f} for n x{b / a:.0f} "
              f"(n log n would give x{b * np.log2(b) / (a * np.log2(a)):.2f}; the grid "
              "doubles, so each ratio is known within a factor 2)")


def table_scale(args: argparse.Namespace) -> None:
    n, budget = args.scale_n, args.scale_budget
    tracemalloc.start()
    start = time.perf_counter()
    terms = planted_sparse_terms(n, args.terms, np.random.default_rng(0))
    design = SampleDesign.build(n, budget, seed=0)
    game = planted_game(terms, design, args.noise, 0)
    mid = time.perf_counter()
    res = hs.and_or(game, q_bound=q_bound_for(game, args.noise))
    end = time.perf_counter()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    f1, err = score(game, res, terms, args.threshold)
    cert = res.metadata["certificate"][0]
    print(f"# scale: n={n}, {budget} calls, one sample, {args.terms} terms")
    print(f"design + game {mid - start:.1f} s, extraction {end - mid:.1f} s; peak Python heap "
          f"{peak / 2**20:.0f} MiB, process peak RSS {rss:.0f} MiB; F1 {f1:.3f}, value error "
          f"{err:.4f}, held-out R2 {float(res.holdout_r2):.5f}; certified {cert['optimal']} "
          f"(stop {cert['stop']}, {cert['simplex_iterations']} pivots, {cert['rounds']} rounds, "
          f"{cert['lp_rows']} rows, {cert['lp_atoms']} atoms)", flush=True)


def trained_model(n: int, seed: int = 0) -> tuple[torch.nn.Module, torch.Tensor]:
    """An MLP trained on a synthetic AND/OR task over ``n`` features, and one input."""
    gen = torch.Generator().manual_seed(seed)
    x = torch.randn(4000, n, generator=gen)
    pos = x > 0
    y = ((pos[:, 0] & pos[:, 1]) | (pos[:, 2] & pos[:, 3] & pos[:, 4]) | (x[:, 5] > 1.0)).long()
    torch.manual_seed(seed)
    net = torch.nn.Sequential(torch.nn.Linear(n, 64), torch.nn.ReLU(), torch.nn.Linear(64, 64),
                              torch.nn.ReLU(), torch.nn.Linear(64, 2)).double()
    opt = torch.optim.Adam(net.parameters(), lr=3e-3)
    xd = x.double()
    for _ in range(300):
        opt.zero_grad()
        torch.nn.functional.cross_entropy(net(xd), y).backward()
        opt.step()
    return net.eval(), torch.where(pos[:1], 1.5, -1.5).double()


def text_model(n: int, seed: int = 0) -> tuple[torch.nn.Module, torch.Tensor]:
    """The zoo's TextCNN trained for a few seconds on a synthetic token task, and one sentence.

    Sentences of ``n`` token ids from a vocabulary of 20 (0 is padding); the label is
    ``(1 and 2 present) or (3, 4 and 5 present)``. The sentence explained holds 1..5.
    """
    gen = torch.Generator().manual_seed(seed)
    ids = torch.randint(1, 20, (600, n), generator=gen)
    has = [(ids == t).any(1) for t in range(6)]
    y = ((has[1] & has[2]) | (has[3] & has[4] & has[5])).long()
    torch.manual_seed(seed)
    net = textcnn(20, embed_dim=16, channels=16, kernel_sizes=(2, 3)).double()
    opt = torch.optim.Adam(net.parameters(), lr=3e-3)
    for _ in range(60):
        opt.zero_grad()
        torch.nn.functional.cross_entropy(net(input_ids=ids), y).backward()
        opt.step()
    sentence = torch.randint(6, 20, (1, n), generator=gen)
    sentence[0, np.linspace(0, n - 1, 5).astype(int)] = torch.tensor([1, 2, 3, 4, 5])
    return net.eval(), sentence


def image_model(seed: int = 0) -> tuple[torch.nn.Module, torch.Tensor, int]:
    """A small CNN trained for a few seconds on scikit-learn's 8x8 digits, one test image and
    its label."""
    ds = load_digits(as_image=True)
    torch.manual_seed(seed)
    net = torch.nn.Sequential(
        torch.nn.Conv2d(1, 16, 3, padding=1), torch.nn.ReLU(),
        torch.nn.Conv2d(16, 16, 3, padding=1), torch.nn.ReLU(), torch.nn.MaxPool2d(2),
        torch.nn.Flatten(), torch.nn.Linear(16 * 16, 10)).double()
    x, y = torch.as_tensor(ds.X_train).double(), torch.as_tensor(ds.y_train)
    opt = torch.optim.Adam(net.parameters(), lr=3e-3)
    for _ in range(60):
        opt.zero_grad()
        torch.nn.functional.cross_entropy(net(x), y).backward()
        opt.step()
    return net.eval(), torch.as_tensor(ds.X_test[:1]).double(), int(ds.y_test[0])


def exhaustive_games(n: int) -> dict[str, hs.Game]:
    """The exhaustive games of table 3: text over ``n`` tokens, image over 4x3 patches."""
    text, sentence = text_model(n)
    games = {"text CNN (tokens)": hs.model_game(text, sentence, Tokens(range(n)),
                                                reward="logit", target=1)}
    if n == 12:
        image, picture, label = image_model()
        games["image CNN (patches)"] = hs.model_game(image, picture, Patches(range(12), (4, 3)),
                                                     reward="logit", target=label)
    return games


def table_exhaustive(args: argparse.Namespace) -> None:
    n, q, sel = args.exhaustive_n, 0.02, args.exhaustive_selection
    order = min(n, args.max_order)
    print(f"# exhaustive vs sampled: trained models, n={n}, q_bound={q}, max_order={order}, "
          f"selection={sel}; top-20 of the sampled result vs the top-20 of the exhaustive "
          "and_or on all 2^n masks, and vs the sparse path given all 2^n masks")
    print(f"{'model':>20} {'calls':>6} {'top-20 shared':>13} {'vs all-mask sparse':>18} "
          f"{'R2 held-out':>11} {'certified':>9} {'time s':>7}")
    for name, game in exhaustive_games(n).items():
        exact = hs.and_or(game, q_bound=q, selection=sel)
        top_exact = {(k, t) for k, t, _ in exact.get_top_k(20, sample=0)}
        every = SampledGame.from_game(game, SampleDesign.build(n, 2**n, seed=0))
        full = hs.and_or(every[0], q_bound=q, max_order=order, selection=sel)
        top_full = {(k, t) for k, t, _ in full.get_top_k(20)}
        print(f"{name:>20} {2**n:>6} {len(top_full & top_exact):>10}/20 {'20/20':>18} "
              f"{'':>11} {full.metadata['certificate'][0]['optimal']!s:>9}", flush=True)
        for div in (4, 16, 64):
            budget = 2**n // div
            if budget < minimum_budget(n):
                print(f"{name:>20} {budget:>6}  below the design's minimum of "
                      f"{minimum_budget(n)} calls")
                continue
            sampled = SampledGame.from_game(game, SampleDesign.build(n, budget, seed=0))
            start = time.perf_counter()
            res = hs.and_or(sampled[0], q_bound=q, max_order=order, selection=sel)
            took = time.perf_counter() - start
            top = {(k, t) for k, t, _ in res.get_top_k(20)}
            print(f"{name:>20} {budget:>6} {len(top & top_exact):>10}/20 "
                  f"{len(top & top_full):>15}/20 {float(res.holdout_r2):>11.4f} "
                  f"{res.metadata['certificate'][0]['optimal']!s:>9} {took:>7.1f}", flush=True)


def masked_logit(net: torch.nn.Module, x: torch.Tensor):
    """``v(S)``: the logit of class 1 with the players outside ``S`` set to 0 (= model_game
    with ``Columns("all")``, zero baseline, ``reward="logit"``)."""

    def fn(masks: np.ndarray) -> np.ndarray:
        m = torch.as_tensor(np.asarray(masks, dtype=bool))
        with torch.inference_mode():
            return net(torch.where(m, x, torch.zeros_like(x)))[:, 1].numpy().astype(np.float64)

    return fn


def spex_surrogate(name: str, n: int, budget: int, fn, max_order: int):
    """Run shapiq's SPEX or ProxySPEX; return the surrogate of its Möbius transform (the
    transform it finds before converting to an index) and the model calls it made."""
    import shapiq  # optional peer, installed only for this table

    calls = [0]

    def counted(coalitions: np.ndarray) -> np.ndarray:
        calls[0] += len(coalitions)
        return fn(coalitions)

    approx = getattr(shapiq, name)(n=n, index="FBII", max_order=max_order, random_state=0)
    moebius: dict = {}
    convert = approx._process_moebius  # shapiq's own step from the Möbius transform to FBII

    def keep(moebius_transform):
        moebius.update(moebius_transform)
        return convert(moebius_transform=moebius_transform)

    approx._process_moebius = keep
    approx.approximate(budget, counted)

    def surrogate(masks: np.ndarray) -> np.ndarray:
        out = np.zeros(len(masks))
        for t, value in moebius.items():
            out += value * (masks[:, list(t)].all(axis=1) if len(t) else 1.0)
        return out

    return surrogate, calls[0]


def r2(y: np.ndarray, h: np.ndarray) -> float:
    return 1.0 - float(((y - h) ** 2).sum() / ((y - y.mean()) ** 2).sum())


def table_peers(args: argparse.Namespace) -> None:
    try:
        import shapiq  # noqa: F401 - optional peer, installed only for this table
    except ImportError:
        print("# peers: shapiq is not installed (pip install -e '.[peers]'): skipped")
        return
    for model in args.peer_models:
        peer_rows(args, model)


def token_logit(net: torch.nn.Module, sentence: torch.Tensor):
    """``v(S)``: the TextCNN's logit of class 1 with the tokens outside ``S`` replaced by the
    padding id 0 (the same value function for every method)."""

    def fn(masks: np.ndarray) -> np.ndarray:
        m = torch.as_tensor(np.asarray(masks, dtype=bool))
        with torch.inference_mode():
            ids = torch.where(m, sentence, torch.zeros_like(sentence))
            return net(input_ids=ids)[:, 1].numpy().astype(np.float64)

    return fn


def peer_rows(args: argparse.Namespace, model: str) -> None:
    n = args.peer_n
    if model == "text":
        fn, what = token_logit(*text_model(n)), f"TextCNN over {n} tokens"
    else:
        fn, what = masked_logit(*trained_model(n)), f"trained MLP, n={n}"
    held = SampleDesign.build(n, 2000, seed=999)  # one held-out set for every method
    test = held.masks[held.kind != "structured"]
    y = fn(test)
    print(f"# peers: {what}, R2 on the same {len(test)} random masks (none used to "
          f"fit), q_bound=0.02 for ours; SPEX/ProxySPEX scored by their Möbius transform")
    print(f"{'budget':>6} {'method':>10} {'calls':>6} {'R2':>8} {'time s':>7}")
    for budget in args.peer_budgets:
        start = time.perf_counter()
        game = SampledGame.from_function(fn, SampleDesign.build(n, budget, seed=0))
        res = hs.and_or(game, q_bound=0.02, max_order=args.max_order)
        rows = [("ours", game.m, r2(y, res.surrogate(test)), time.perf_counter() - start)]
        for name in ("SPEX", "ProxySPEX"):
            start = time.perf_counter()
            try:
                surrogate, calls = spex_surrogate(name, n, budget, fn, args.max_order)
                rows.append((name, calls, r2(y, surrogate(test)), time.perf_counter() - start))
            except Exception as exc:  # report a peer that cannot run at this budget
                print(f"{budget:>6} {name:>10}  failed: {type(exc).__name__}: {exc}"[:160])
        for name, calls, score_, took in rows:
            print(f"{budget:>6} {name:>10} {calls:>6} {score_:>8.4f} {took:>7.1f}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ints = lambda s: [int(v) for v in s.split(",")]  # noqa: E731
    parser.add_argument("--n", type=ints, default=[32, 64])
    parser.add_argument("--budgets", type=ints, default=[1000, 2000, 5000, 10000, 20000])
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--terms", type=int, default=40)
    parser.add_argument("--noise", type=float, default=0.005)
    parser.add_argument("--threshold", type=float, default=0.1)
    parser.add_argument("--curve-n", type=ints, default=[16, 32, 64])
    parser.add_argument("--curve-budgets", type=ints,
                        default=[250, 500, 1000, 2000, 4000, 8000, 16000, 20000])
    parser.add_argument("--scale-n", type=int, default=64)
    parser.add_argument("--scale-budget", type=int, default=20000)
    parser.add_argument("--exhaustive-n", type=int, default=12)
    parser.add_argument("--max-order", type=int, default=5)
    parser.add_argument("--exhaustive-selection", default="vertex",
                        choices=["vertex", "canonical"], help="selection of table 3, both sides")
    parser.add_argument("--peer-n", type=int, default=24)
    parser.add_argument("--peer-budgets", type=ints, default=[500, 1000, 2000, 5000])
    parser.add_argument("--peer-models", type=lambda s: s.split(","), default=["mlp", "text"],
                        help="models of the peers table: mlp,text")
    parser.add_argument("--skip", default="",
                        help="tables to skip: planted,curve,scale,exhaustive,peers")
    args = parser.parse_args()
    skip = set(args.skip.split(","))
    if "planted" not in skip:
        table_planted(args)
    if "curve" not in skip:
        table_curve(args)
    if "scale" not in skip:
        table_scale(args)
    if "exhaustive" not in skip and args.exhaustive_n:
        table_exhaustive(args)
    if "peers" not in skip and args.peer_n:
        table_peers(args)


if __name__ == "__main__":
    main()
